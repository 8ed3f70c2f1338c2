"""The user's normal, learned from the account's own history before the leak.

Which channels placed orders (bot prefixes with their id shapes, the web UI, default API ids), which
symbols were traded, how large orders were (in USDT) and how many orders came at once. Rules compare
incident-window activity against this, so they generalise to accounts we have never seen. What the
user declares (`--bot-prefix`, usual symbols) is added on top and wins: a declared prefix is known
even if the baseline never saw it.

The baseline is what happened *before* the leak time given. People who are unsure give an early
time, so what continues unchanged from before it into the window (the same channels and id shapes,
symbols, sizes) is the user's — rules compare against this, never against "everything after --since
is suspect". With no order at all before the leak time there is nothing to compare with:
`enough_history` is False and the verdicts say "unknown — not enough history before the leak"
instead of guessing (see `verdict`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from responder.exchange.models import Order, SymbolInfo
from responder.forensics.channel import Channel, Shape, classify, shape_of
from responder.forensics.prices import to_usdt

BURST_SPAN = timedelta(seconds=60)
_COMPATIBLE = {"alnum": ("digits", "hex", "lower", "upper"), "hex": ("digits",), "mixed": ("alnum", "hex")}


def order_notional(order: Order) -> Decimal:
    """Quote amount of an order: what it filled for, else what it asked for (limit price × qty)."""
    if order.executed_qty > 0 and order.cummulative_quote_qty > 0:
        return order.cummulative_quote_qty
    return order.price * order.orig_qty


def quote_of(symbol: str, symbols: Mapping[str, SymbolInfo]) -> str:
    info = symbols.get(symbol)
    if info is not None:
        return info.quote_asset
    for q in ("USDT", "FDUSD", "USDC", "BTC", "ETH", "BNB", "TRY", "EUR"):
        if symbol.endswith(q) and len(symbol) > len(q):
            return q
    return "USDT"


def base_of(symbol: str, symbols: Mapping[str, SymbolInfo]) -> str:
    info = symbols.get(symbol)
    return info.base_asset if info is not None else symbol[: -len(quote_of(symbol, symbols))]


def usdt_notional(
    order: Order, symbols: Mapping[str, SymbolInfo], tickers: Mapping[str, Decimal]
) -> Decimal | None:
    return to_usdt(quote_of(order.symbol, symbols), order_notional(order), tickers)


@dataclass(frozen=True)
class Baseline:
    channels: frozenset[str]  # Channel.key values seen before the leak (or declared)
    shapes: frozenset[Shape]  # shapes of custom ids seen before the leak
    declared_prefixes: tuple[str, ...]
    symbols: frozenset[str]
    assets: frozenset[str]
    notionals: tuple[Decimal, ...]  # USDT notionals of baseline orders, sorted
    max_burst: int  # most orders the account placed within BURST_SPAN before the leak
    hours: frozenset[int]
    orders: int
    held: frozenset[str] = frozenset()  # assets held at the leak time: not "new" when traded after it

    @property
    def enough_history(self) -> bool:
        """Whether the account's normal can be judged: it placed orders before the leak. With none,
        every channel, symbol and asset would look "new" (a declared bot prefix vouches for that bot's
        orders only: see `declared`)."""
        return self.orders > 0

    def declared(self, client_order_id: str) -> bool:
        """The id starts with a bot prefix the user declared (`--bot-prefix`)."""
        return any(client_order_id.startswith(p) for p in self.declared_prefixes)

    def knows_channel(self, client_order_id: str, channel: Channel | None = None) -> bool:
        """True when the id comes from a channel the user used before (or declared)."""
        for prefix in self.declared_prefixes:
            if client_order_id.startswith(prefix):
                shape = shape_of(client_order_id, prefix)
                return not any(s.prefix == prefix for s in self.shapes) or self.knows_shape(shape)
        channel = channel or classify(client_order_id)
        if channel.key not in self.channels or not channel.well_formed:
            return False
        if channel.name == "custom":
            return self.knows_shape(shape_of(client_order_id))
        return True

    def knows_shape(self, shape: Shape) -> bool:
        """Same prefix, a compatible alphabet and a suffix length within ±1 of one seen before
        (a counter grows a digit; a random suffix may happen to be all digits or all lower case)."""
        for s in self.shapes:
            if s.prefix != shape.prefix or abs(s.suffix_len - shape.suffix_len) > 1:
                continue
            if shape.alphabet == s.alphabet or shape.alphabet in _COMPATIBLE.get(s.alphabet, ()):
                return True
        return False

    def quantile(self, q: float) -> Decimal | None:
        if not self.notionals:
            return None
        i = min(len(self.notionals) - 1, int(q * (len(self.notionals) - 1) + 0.5))
        return self.notionals[i]

    def summary(self) -> dict[str, object]:
        p95 = self.quantile(0.95)
        return {
            "orders": self.orders,
            "channels": sorted(self.channels),
            "bot_prefixes": sorted({s.prefix for s in self.shapes if s.prefix} | set(self.declared_prefixes)),
            "symbols": sorted(self.symbols),
            "notional_p95_usdt": str(p95) if p95 is not None else None,
            "max_orders_per_minute": self.max_burst,
            "hours_utc": sorted(self.hours),
            "enough_history": self.enough_history,
        }


def max_in_span(times: Sequence[float], span: float) -> int:
    """The largest number of sorted timestamps (seconds) that fall within any `span` seconds."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] > span:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def learn(
    orders: Iterable[Order],
    *,
    symbols: Mapping[str, SymbolInfo],
    tickers: Mapping[str, Decimal],
    bot_prefixes: Sequence[str] = (),
    usual_symbols: Sequence[str] = (),
    held_assets: Iterable[str] = (),
) -> Baseline:
    """Learn the baseline from the orders placed before the leak (the caller filters the window)."""
    seen = sorted(orders, key=lambda o: o.time)
    channels: Counter[str] = Counter()
    shapes: set[Shape] = set()
    notionals: list[Decimal] = []
    for o in seen:
        cid = o.placement_client_order_id
        channel = classify(cid)
        declared = next((p for p in bot_prefixes if cid.startswith(p)), None)
        if declared is not None:
            shapes.add(shape_of(cid, declared))
        elif channel.well_formed:
            channels[channel.key] += 1
            if channel.name == "custom":
                shapes.add(shape_of(cid))
        value = usdt_notional(o, symbols, tickers)
        if value is not None and value > 0:
            notionals.append(value)
    traded = {o.symbol for o in seen} | {s.upper() for s in usual_symbols}
    assets = {base_of(s, symbols) for s in traded} | {quote_of(s, symbols) for s in traded}
    return Baseline(
        channels=frozenset(channels) | {f"custom:{p}" for p in bot_prefixes},
        shapes=frozenset(shapes),
        declared_prefixes=tuple(bot_prefixes),
        symbols=frozenset(traded),
        assets=frozenset(assets),
        notionals=tuple(sorted(notionals)),
        max_burst=max_in_span([o.time.timestamp() for o in seen], BURST_SPAN.total_seconds()),
        hours=frozenset(o.time.hour for o in seen),
        orders=len(seen),
        held=frozenset(held_assets),
    )
