"""The sweep plan: which calls, in which order, at what weight — pure, so it can be tested and priced.

Binance has no "all my orders" call: `allOrders`/`myTrades` need a symbol, weigh 20 and cover at most
24 h when given a time range (reference §3.1). The plan is therefore per symbol, suspects first:

- tier 0: symbols of open orders, and pairs of assets whose balance changed against the daily
  snapshot before the leak;
- tier 1: pairs between assets the account holds (now or in a snapshot);
- tier 2: every other pair that a held asset could have traded (base or quote held);
- tier 3: the rest of the exchange (only with `symbols="all"`);
- spiked pairs (24 h high ≥ 2 × low, the 20 most spiked) join tier 1, and within a tier the most
  spiked pairs go first;
- discovered while sweeping (`discover`): every pair of an asset seen in an incident-window order
  whose pairs were not all planned (an intermediate the account never held) — tier 0.

Cheapest forms: one `allOrders` with no time range returns a symbol's newest 1000 orders, so a quiet
symbol costs a single call (20) instead of one per day; only a symbol whose newest page is full and
still inside the baseline period is walked by 24 h windows, and a full window by `orderId`. Trades
are fetched only for symbols with fills in the incident window: by `orderId` (weight 5) for up to
three orders, else one newest page (20). Klines (2) cover each run of incident fills plus the hour
before it. The weight-bound minimum time is total /api weight ÷ the per-minute limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from responder.exchange.models import Order, SymbolInfo, Trade
from responder.forensics.model import Window

Kind = Literal["orders", "trades", "klines"]
PAGE = 1000
DAY = timedelta(hours=24)
WEIGHT: Mapping[str, int] = {"orders": 20, "trades": 20, "trades-by-order": 5, "klines": 2}
KLINE_MINUTES = 1000
KLINE_LEAD = timedelta(hours=3)  # the off-market rule looks up to 2 h + 1 h before a run of orders
KLINE_TAIL = timedelta(minutes=30)


@dataclass(frozen=True)
class Call:
    """One request of the sweep. `key` is stable, so a journal can record it as done (a cursor)."""

    kind: Kind
    symbol: str
    tier: int
    start: datetime | None = None
    end: datetime | None = None
    order_id: int | None = None
    from_id: int | None = None
    stop: datetime | None = None  # walks: stop once results pass this time

    @property
    def weight(self) -> int:
        if self.kind == "trades" and self.order_id is not None:
            return WEIGHT["trades-by-order"]
        return WEIGHT[self.kind]

    @property
    def key(self) -> str:
        parts = [self.kind, self.symbol]
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={int(value.timestamp() * 1000)}")
        for name in ("order_id", "from_id"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        return ":".join(parts)


@dataclass(frozen=True)
class Plan:
    calls: tuple[Call, ...]
    tiers: Mapping[str, int]  # symbol -> tier
    weight_limit: int

    @property
    def weight(self) -> int:
        return sum(c.weight for c in self.calls)

    @property
    def minimum_seconds(self) -> float:
        return minimum_seconds(self.weight, self.weight_limit)


def minimum_seconds(weight: int, limit_per_minute: int) -> float:
    """The weight-bound minimum: no client can spend `weight` faster than the limit allows."""
    return 60.0 * weight / limit_per_minute


SPIKE = Decimal(2)  # a 24 h high at least twice the low: a pair worth reading first
SPIKED_MAX = 20  # spiked pairs brought in although no held asset is in them (20 weight each)


def tiers(
    symbols: Iterable[SymbolInfo],
    *,
    held: Iterable[str],
    changed: Iterable[str],
    open_order_symbols: Iterable[str] = (),
    everything: bool = False,
    spikes: Mapping[str, Decimal] | None = None,
) -> dict[str, int]:
    """Each tradable symbol's tier (module docstring); symbols outside every tier are left out.

    `spikes` (24 h high ÷ low per symbol, from one 24 h ticker call) brings the `SPIKED_MAX` most
    spiked pairs (≥ `SPIKE`) into tier 1 even when no held asset is in them: a pump through an
    intermediate asset the account never held shows there first."""
    held_set, changed_set, opened = set(held), set(changed), set(open_order_symbols)
    spikes, listed = spikes or {}, list(symbols)
    out: dict[str, int] = {}
    for s in listed:
        pair = {s.base_asset, s.quote_asset}
        if s.symbol in opened or (pair <= (held_set | changed_set) and pair & changed_set):
            out[s.symbol] = 0
        elif pair <= held_set:
            out[s.symbol] = 1
        elif pair & (held_set | changed_set):
            out[s.symbol] = 2
        elif everything:
            out[s.symbol] = 3
    names = {s.symbol for s in listed}
    spiked = sorted(((r, sym) for sym, r in spikes.items() if r >= SPIKE and sym in names), reverse=True)
    for _, sym in spiked[:SPIKED_MAX]:
        out[sym] = min(out.get(sym, 1), 1)
    return out


def plan_orders(
    symbol_tiers: Mapping[str, int],
    window: Window,
    weight_limit: int,
    spikes: Mapping[str, Decimal] | None = None,
) -> Plan:
    """Phase 1: one newest-page `allOrders` per symbol, suspects first; within a tier the pairs that
    spiked most in the last 24 h first (when the 24 h ticker was read)."""
    spikes = spikes or {}
    ordered = sorted(symbol_tiers.items(), key=lambda kv: (kv[1], -spikes.get(kv[0], Decimal(1)), kv[0]))
    calls = tuple(Call("orders", s, t, stop=window.baseline_start) for s, t in ordered)
    return Plan(calls, dict(symbol_tiers), weight_limit)


def discover(
    orders: Iterable[Order],
    window: Window,
    symbols: Mapping[str, SymbolInfo],
    covered: set[str],
    planned: Mapping[str, int],
) -> list[Call]:
    """Close the universe over what the sweep finds: an asset in an incident-window order whose pairs
    were not all planned (never held, e.g. an intermediate stablecoin) brings every pair of it in, as
    tier-0 suspects. Adds the assets to `covered` (so each is expanded once)."""
    new_assets: set[str] = set()
    for o in orders:
        if not window.in_incident(o.time):
            continue
        info = symbols.get(o.symbol)
        if info is not None:
            new_assets |= {info.base_asset, info.quote_asset} - covered
    if not new_assets:
        return []
    covered |= new_assets
    return [
        Call("orders", s.symbol, 0, stop=window.baseline_start)
        for s in sorted(symbols.values(), key=lambda s: s.symbol)
        if s.symbol not in planned and ({s.base_asset, s.quote_asset} & new_assets)
    ]


def next_orders_call(call: Call, page: Sequence[Order], window: Window) -> list[Call]:
    """Follow-ups after an `allOrders` page: day windows behind a full newest page, orderId walks
    through a full window. Empty when the page reached the baseline start or was not full."""
    if len(page) < PAGE:
        return []
    oldest, newest = min(page, key=lambda o: o.time), max(page, key=lambda o: o.order_id)
    if call.start is None and call.order_id is None:  # newest page, full
        if oldest.time <= window.baseline_start:
            return []
        out, t = [], window.baseline_start
        while t < oldest.time:
            end = min(t + DAY - timedelta(milliseconds=1), oldest.time)
            out.append(replace(call, start=t, end=end, stop=end))
            t += DAY
        return out
    stop = call.stop or call.end
    if stop is not None and newest.time >= stop:
        return []
    return [replace(call, start=None, end=None, order_id=newest.order_id + 1, stop=stop)]


def plan_trades(symbol: str, tier: int, filled: Sequence[Order]) -> list[Call]:
    """Trades for a symbol's filled incident orders: by orderId when that is cheaper, else one page."""
    if not filled:
        return []
    if len(filled) * WEIGHT["trades-by-order"] <= WEIGHT["trades"]:
        return [Call("trades", symbol, tier, order_id=o.order_id) for o in filled]
    return [Call("trades", symbol, tier, stop=min(o.time for o in filled))]


def next_trades_call(call: Call, page: Sequence[Trade]) -> list[Call]:
    """A full newest trades page that has not reached the first incident fill: walk by fromId."""
    if len(page) < PAGE or call.order_id is not None or call.stop is None:
        return []
    oldest = min(page, key=lambda t: t.id)
    if oldest.time <= call.stop:
        return []
    # Walk forward from the first trade at the stop time: one 24 h window finds the starting id.
    start = call.stop
    return [
        replace(call, start=start, end=min(start + DAY - timedelta(milliseconds=1), oldest.time), stop=None)
    ]


def plan_klines(symbol: str, tier: int, fills: Sequence[datetime], gap: timedelta) -> list[Call]:
    """1m klines over each run of incident fills (runs split at `gap`) plus the lead the rules need."""
    if not fills:
        return []
    times = sorted(fills)
    spans: list[tuple[datetime, datetime]] = []
    start = prev = times[0]
    for t in times[1:]:
        if t - prev > gap:
            spans.append((start, prev))
            start = t
        prev = t
    spans.append((start, prev))
    covered: list[tuple[datetime, datetime]] = []  # each run with its lead and tail, overlaps merged
    for a, b in spans:
        lo, hi = (a - KLINE_LEAD).replace(second=0, microsecond=0), b + KLINE_TAIL
        if covered and lo <= covered[-1][1]:
            covered[-1] = (covered[-1][0], max(covered[-1][1], hi))
        else:
            covered.append((lo, hi))
    out: list[Call] = []
    chunk = timedelta(minutes=KLINE_MINUTES)
    for lo, hi in covered:
        t = lo
        while t < hi:
            out.append(Call("klines", symbol, tier, start=t, end=min(t + chunk, hi)))
            t += chunk
    return out


def changed_assets(now: Mapping[str, Decimal], before: Mapping[str, Decimal]) -> set[str]:
    """Assets whose total balance differs between the snapshot before the leak and now."""
    return {a for a in set(now) | set(before) if now.get(a, Decimal(0)) != before.get(a, Decimal(0))}
