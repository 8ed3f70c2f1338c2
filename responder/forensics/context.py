"""What every rule may look at: the evidence, the baseline, thresholds, and indexes built once.

Building the context is pure and linear in the evidence (sorts and dictionaries), so running all
rules over a million orders stays linear. Cross-order facts that several orders share (which orders
took part in a funnel into one asset) are computed here once, not per order.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from responder.exchange.models import Kline, Order
from responder.forensics.baseline import Baseline, base_of, quote_of
from responder.forensics.channel import classify
from responder.forensics.model import Evidence
from responder.forensics.prices import STABLES


@dataclass(frozen=True)
class Thresholds:
    """Tunable limits, each named in the reasons it produces."""

    price_tolerance: Decimal = Decimal("0.05")  # at least 5 % outside the range before
    price_reference: timedelta = timedelta(minutes=60)
    cluster_gap: timedelta = timedelta(minutes=30)
    illiquid_share: Decimal = Decimal("0.25")  # our notional / market quote volume around the order
    liquidity_span: timedelta = timedelta(minutes=30)
    size_factor: Decimal = Decimal(3)  # × baseline p95
    size_min_baseline: int = 5
    burst_min: int = 5
    burst_span: timedelta = timedelta(seconds=60)
    wash_span: timedelta = timedelta(minutes=5)
    wash_tolerance: Decimal = Decimal("0.005")
    drain_share: Decimal = Decimal("0.5")
    drain_lead: timedelta = timedelta(hours=1)


def order_key(order: Order) -> tuple[str, int]:
    return (order.symbol, order.order_id)


def avg_price(o: Order) -> Decimal:
    if o.executed_qty > 0 and o.cummulative_quote_qty > 0:
        return o.cummulative_quote_qty / o.executed_qty
    return o.price


Cell = tuple[str, str, int, int]  # symbol, side, size bucket, price bucket


@dataclass(frozen=True)
class FillIndex:
    """Filled incident orders per (symbol, side, size bucket, price bucket), by time.

    Buckets are logarithmic and twice as wide as the relative tolerance, so a fill within the
    tolerance of another sits in the same or a neighbouring bucket: the wash-trade rule reads nine
    small cells instead of every fill of a busy symbol in its time window (which grows with the
    account's order rate and made the rules super-linear)."""

    width: float
    cells: Mapping[Cell, tuple[Sequence[float], Sequence[Order]]]

    @staticmethod
    def bucket(value: Decimal, width: float) -> int:
        return math.floor(math.log(float(value)) / width) if value > 0 else -(2**62)

    @classmethod
    def of(cls, orders: Sequence[Order], tolerance: Decimal) -> FillIndex:
        width = 2 * -math.log(1 - min(float(tolerance), 0.5)) + 1e-9
        cells: dict[Cell, tuple[list[float], list[Order]]] = defaultdict(lambda: ([], []))
        for o in orders:  # by time
            if o.executed_qty > 0:
                key = (o.symbol, o.side, cls.bucket(o.executed_qty, width), cls.bucket(avg_price(o), width))
                cells[key][0].append(o.time.timestamp())
                cells[key][1].append(o)
        return cls(width, dict(cells))

    def near(self, o: Order, side: str, start: float, end: float) -> Iterator[Order]:
        """Fills on `side` of `o`'s symbol in [start, end] whose size and price are near `o`'s."""
        q, p = self.bucket(o.executed_qty, self.width), self.bucket(avg_price(o), self.width)
        for dq in (-1, 0, 1):
            for dp in (-1, 0, 1):
                times, rows = self.cells.get((o.symbol, side, q + dq, p + dp), ((), ()))
                yield from rows[bisect.bisect_left(times, start) : bisect.bisect_right(times, end)]


def wash_matches(o: Order, fills: FillIndex, th: Thresholds) -> list[Order]:
    """Opposite fills of `o`'s symbol of the same size and price (± wash_tolerance) within wash_span."""
    if o.executed_qty == 0:
        return []
    price, t, span = avg_price(o), o.time.timestamp(), th.wash_span.total_seconds()
    opposite = "SELL" if o.side == "BUY" else "BUY"
    return [
        other
        for other in fills.near(o, opposite, t - span, t + span)
        if abs(other.executed_qty - o.executed_qty) <= o.executed_qty * th.wash_tolerance
        and abs(avg_price(other) - price) <= price * th.wash_tolerance
    ]


@dataclass(frozen=True)
class RuleContext:
    evidence: Evidence
    baseline: Baseline
    thresholds: Thresholds
    by_symbol: Mapping[str, Sequence[Order]]  # incident orders per symbol, by time
    times_by_channel: Mapping[str, Sequence[float]]  # incident order times (epoch s) per channel key
    symbol_times: Mapping[str, Sequence[float]]  # epoch s of by_symbol, for bisecting
    klines: Mapping[str, Sequence[Kline]]
    kline_starts: Mapping[str, Sequence[float]]
    clusters: Mapping[tuple[str, int], datetime] = field(default_factory=dict)
    drain: Mapping[tuple[str, int], str] = field(default_factory=dict)
    fills: FillIndex = field(default_factory=lambda: FillIndex(1.0, {}))
    wash_channels: frozenset[str] = frozenset()  # channels whose fills matched each other before the leak

    def klines_between(self, symbol: str, start: datetime, end: datetime) -> Sequence[Kline]:
        """1m klines whose open time is in [start, end)."""
        rows, starts = self.klines.get(symbol, ()), self.kline_starts.get(symbol, ())
        lo = bisect.bisect_left(starts, start.timestamp())
        hi = bisect.bisect_left(starts, end.timestamp())
        return rows[lo:hi]

    def cluster_start(self, order: Order) -> datetime:
        """When the run of this symbol's incident orders containing `order` began (gaps < cluster_gap)."""
        return self.clusters.get(order_key(order), order.time)


def build(evidence: Evidence, baseline: Baseline, thresholds: Thresholds | None = None) -> RuleContext:
    th = thresholds or Thresholds()
    incident = sorted(
        (o for o in evidence.orders if evidence.window.in_incident(o.time)), key=lambda o: o.time
    )
    by_symbol: dict[str, list[Order]] = defaultdict(list)
    by_channel: dict[str, list[float]] = defaultdict(list)
    for o in incident:
        by_symbol[o.symbol].append(o)
        by_channel[classify(o.placement_client_order_id).key].append(o.time.timestamp())
    klines = {s: tuple(sorted(rows, key=lambda k: k.open_time)) for s, rows in evidence.klines.items()}
    starts = {s: [k.open_time.timestamp() for k in rows] for s, rows in klines.items()}
    clusters: dict[tuple[str, int], datetime] = {}
    for orders in by_symbol.values():
        start = orders[0].time
        for prev, o in zip([orders[0], *orders], orders, strict=False):
            if o.time - prev.time > th.cluster_gap:
                start = o.time
            clusters[order_key(o)] = start
    sym_times = {s: [o.time.timestamp() for o in orders] for s, orders in by_symbol.items()}
    ctx = RuleContext(evidence, baseline, th, by_symbol, by_channel, sym_times, klines, starts, clusters)
    return RuleContext(
        evidence,
        baseline,
        th,
        by_symbol,
        by_channel,
        sym_times,
        klines,
        starts,
        clusters,
        drain=_funnels(ctx, incident),
        fills=FillIndex.of(incident, th.wash_tolerance),
        wash_channels=_wash_channels(evidence, th),
    )


def _wash_channels(evidence: Evidence, th: Thresholds) -> frozenset[str]:
    """Channels that already bought and sold the same size at the same price before the leak (a
    market maker, a grid at one level): for them such pairs after it are the continuing normal."""
    before = sorted((o for o in evidence.orders if evidence.window.in_baseline(o.time)), key=lambda o: o.time)
    index = FillIndex.of(before, th.wash_tolerance)
    matched = (o for o in before if o.executed_qty > 0 and wash_matches(o, index, th))
    return frozenset(classify(o.placement_client_order_id).key for o in matched)


def _funnels(ctx: RuleContext, incident: Sequence[Order]) -> dict[tuple[str, int], str]:
    """Orders that funnelled quote assets into one asset the account never traded before the leak.

    (With no orders before the leak, assets held at the leak count as known.) For each such asset X
    bought after the leak: the buys of X are part of a drain when they used at
    least `drain_share` of a quote asset available (balance at leak plus what sales brought in), or
    when sales of two or more other assets fed the quote spent on X; those feeding sales (within
    `drain_lead` before the first buy of X) are part of it too.
    """
    symbols = ctx.evidence.symbols
    at_leak = {b.asset: b.total for b in ctx.evidence.balances_at_leak}
    filled = [o for o in incident if o.executed_qty > 0]
    buys: dict[str, list[Order]] = defaultdict(list)
    # Without orders before the leak, "never traded" would call every asset new: what was held is not.
    known = ctx.baseline.assets if ctx.baseline.enough_history else ctx.baseline.assets | ctx.baseline.held
    for o in filled:
        base = base_of(o.symbol, symbols)
        if o.side == "BUY" and base not in STABLES and base not in known:
            buys[base].append(o)
    out: dict[tuple[str, int], str] = {}
    for asset, asset_buys in buys.items():
        first, last = asset_buys[0].time, asset_buys[-1].time
        spent: dict[str, Decimal] = defaultdict(Decimal)
        for o in asset_buys:
            spent[quote_of(o.symbol, symbols)] += o.cummulative_quote_qty
        feeders = [
            o
            for o in filled
            if o.side == "SELL"
            and quote_of(o.symbol, symbols) in spent
            and first - ctx.thresholds.drain_lead <= o.time <= last
            and base_of(o.symbol, symbols) != asset
        ]
        shares = []
        for q, amount in spent.items():
            inflow = sum(
                (o.cummulative_quote_qty for o in feeders if quote_of(o.symbol, symbols) == q), Decimal()
            )
            available = at_leak.get(q, Decimal()) + inflow
            shares.append((amount / available if available > 0 else Decimal(1), q, amount, available))
        share, q, amount, available = max(shares)
        fed_by = sorted({base_of(o.symbol, symbols) for o in feeders})
        if share < ctx.thresholds.drain_share and len(fed_by) < 2:
            continue
        reason = (
            f"{amount.normalize():f} {q} ({share:.0%} of the {available.normalize():f} {q} available) "
            f"went into {asset}, an asset not traded before the leak"
        )
        if fed_by:
            reason += f"; fed by selling {', '.join(fed_by)}"
        for o in [*asset_buys, *feeders]:
            out[order_key(o)] = reason
    return out
