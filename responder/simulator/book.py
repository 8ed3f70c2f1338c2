"""One symbol's order and trade history for the account, with Binance's query rules.

Order ids and trade ids grow with time per symbol, as on Binance. Queries follow reference §3:
oldest first; no window → the newest `limit`; `startTime` → the oldest from it; `orderId`/`fromId`
→ ids at or above it. Archived orders (canceled/expired, nothing filled, > 90 days) are hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from responder.simulator.records import ZERO, SimOrder, SimTrade

T = TypeVar("T")


@dataclass
class Book:
    symbol: str
    next_order_id: int
    next_trade_id: int
    orders: list[SimOrder] = field(default_factory=list)
    trades: list[SimTrade] = field(default_factory=list)
    by_id: dict[int, SimOrder] = field(default_factory=dict)

    def add_order(self, order: SimOrder) -> SimOrder:
        order.order_id = self.next_order_id
        self.next_order_id += 1
        self.orders.append(order)
        self.by_id[order.order_id] = order
        return order

    def fill(
        self,
        order: SimOrder,
        qty: Decimal,
        price: Decimal,
        t_ms: int,
        *,
        maker: bool,
        fee_rate: Decimal,
        base: str,
        quote: str,
    ) -> SimTrade:
        """Record a fill of `qty` at `price`; commission is taken from the asset received."""
        buyer = order.side == "BUY"
        commission = (qty if buyer else qty * price) * fee_rate
        trade = SimTrade(
            self.symbol,
            self.next_trade_id,
            order.order_id,
            price,
            qty,
            commission,
            base if buyer else quote,
            t_ms,
            buyer,
            maker,
        )
        self.next_trade_id += 1
        self.trades.append(trade)
        order.executed_qty += qty
        order.cumm_quote += qty * price
        order.status = "FILLED" if order.executed_qty >= order.orig_qty else "PARTIALLY_FILLED"
        order.update_ms = t_ms
        return trade

    def open_orders(self) -> list[SimOrder]:
        return [o for o in self.orders if o.is_open]

    def find(self, order_id: int | None, client_id: str | None) -> SimOrder | None:
        if order_id is not None:
            return self.by_id.get(order_id)
        for o in reversed(self.orders):
            if o.client_order_id == client_id:
                return o
        return None

    def query_orders(
        self, now_ms: int, *, order_id: int | None, start: int | None, end: int | None, limit: int
    ) -> list[SimOrder]:
        visible = [o for o in self.orders if not o.archived(now_ms)]
        if order_id is not None:
            rows = [o for o in visible if o.order_id >= order_id]
            if start is not None:
                rows = [o for o in rows if o.time_ms >= start]
            if end is not None:
                rows = [o for o in rows if o.time_ms <= end]
            return rows[:limit]
        return _window(visible, start, end, limit, lambda o: o.time_ms)

    def query_trades(
        self, *, order_id: int | None, from_id: int | None, start: int | None, end: int | None, limit: int
    ) -> list[SimTrade]:
        rows = self.trades
        if order_id is not None:
            rows = [t for t in rows if t.order_id == order_id]
        if from_id is not None:
            return [t for t in rows if t.id >= from_id][:limit]
        return _window(rows, start, end, limit, lambda t: t.time_ms)

    def locked(self, base: str, quote: str) -> dict[str, Decimal]:
        """What open orders hold: base for sells, quote (price × remaining) for buys."""
        out = {base: ZERO, quote: ZERO}
        for o in self.open_orders():
            if o.side == "SELL":
                out[base] += o.remaining
            else:
                out[quote] += o.remaining * o.price
        return out


def _window(
    rows: list[T], start: int | None, end: int | None, limit: int, key: Callable[[T], int]
) -> list[T]:
    if start is None and end is None:
        return rows[-limit:] if limit else []
    sel = [r for r in rows if (start is None or key(r) >= start) and (end is None or key(r) <= end)]
    return sel[:limit] if start is not None else sel[-limit:]
