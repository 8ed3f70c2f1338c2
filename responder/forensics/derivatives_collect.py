"""Collect the futures and margin evidence, income history first (reference §10).

Futures: one income-history sweep (weight 30 a page, every symbol at once) names every symbol that
moved money; open orders and positions add the ones that have not (yet). Then, per symbol, orders
and trades in windows of at most 7 days from the baseline start, and the liquidation orders. Margin
has no such index: its symbols come from open orders, the account's assets and loans. Every read
that fails becomes a gap (unknown), never an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from responder.errors import ExchangeError
from responder.exchange.models import Order, Trade
from responder.exchange.models_derivatives import (
    FuturesOrder,
    FuturesPosition,
    FuturesTrade,
    Income,
    LoanRecord,
    MarginLiquidation,
)
from responder.exchange.protocol_derivatives import FuturesExchange, MarginExchange
from responder.forensics.derivatives_model import DerivativesEvidence, FuturesEvidence, MarginEvidence
from responder.forensics.model import Window

T = TypeVar("T")
WEEK = timedelta(days=7)
DAY = timedelta(hours=24)
INCOME_KEPT = timedelta(days=90)
_MS = timedelta(milliseconds=1)


def windows(start: datetime, end: datetime, span: timedelta) -> list[tuple[datetime, datetime]]:
    out, s = [], start
    while s <= end:
        e = min(s + span, end)
        out.append((s, e))
        s = e + _MS
    return out


def _paged(
    fetch: Callable[[datetime, datetime], list[T]],
    start: datetime,
    end: datetime,
    limit: int,
    when: Callable[[T], datetime],
) -> list[T]:
    """Rows of [start, end], asking again from the last row's time while pages come back full."""
    rows: list[T] = []
    s = start
    while True:
        page = fetch(s, end)
        rows.extend(page)
        if len(page) < limit:
            return rows
        s = max(when(page[-1]), s + _MS)


def _dedupe(rows: Sequence[T], key: Callable[[T], object]) -> tuple[T, ...]:
    seen: dict[object, T] = {}
    for r in rows:
        seen.setdefault(key(r), r)
    return tuple(seen.values())


class _Gaps:
    def __init__(self) -> None:
        self.items: list[str] = []

    def read(self, what: str, call: Callable[[], T], default: T) -> T:
        try:
            return call()
        except ExchangeError as e:
            self.items.append(f"{what}: {e}")
            return default


def _income(ex: FuturesExchange, s: datetime, e: datetime) -> list[Income]:
    return _paged(lambda a, b: ex.income(start=a, end=b, limit=1000), s, e, 1000, lambda r: r.time)


def _symbol_history(
    ex: FuturesExchange, sym: str, spans: list[tuple[datetime, datetime]]
) -> tuple[tuple[FuturesOrder, ...], tuple[FuturesTrade, ...]]:
    orders: list[FuturesOrder] = []
    trades: list[FuturesTrade] = []
    for s, e in spans:
        orders += _paged(lambda a, b: ex.all_orders(sym, start=a, end=b), s, e, 1000, lambda o: o.time)
        trades += _paged(lambda a, b: ex.user_trades(sym, start=a, end=b), s, e, 1000, lambda t: t.time)
    return _dedupe(orders, lambda o: o.order_id), _dedupe(trades, lambda t: t.id)


def collect_futures(ex: FuturesExchange, window: Window, now: datetime, gaps: _Gaps) -> FuturesEvidence:
    start = max(window.baseline_start, now - INCOME_KEPT)
    end = min(window.until, now)
    spans = windows(start, end, WEEK)
    income: list[Income] = []
    force: list[FuturesOrder] = []
    for s, e in spans:
        income += gaps.read(f"futures income from {s:%Y-%m-%d}", partial(_income, ex, s, e), [])
        force += gaps.read(f"futures liquidations from {s:%Y-%m-%d}", partial(_force, ex, s, e), [])
    income_rows = _dedupe(income, lambda r: (r.income_type, r.tran_id, r.symbol, r.time))
    open_orders: list[FuturesOrder] = gaps.read("futures open orders", ex.open_orders, [])
    positions: list[FuturesPosition] = gaps.read("futures positions", ex.positions, [])
    symbols = sorted(
        {r.symbol for r in income_rows if r.symbol}
        | {o.symbol for o in open_orders}
        | {p.symbol for p in positions if p.is_open}
    )
    orders: dict[str, tuple[FuturesOrder, ...]] = {}
    trades: dict[str, tuple[FuturesTrade, ...]] = {}
    for sym in symbols:
        got = gaps.read(f"futures orders/trades on {sym}", partial(_symbol_history, ex, sym, spans), None)
        if got is not None:
            orders[sym], trades[sym] = got
    return FuturesEvidence(
        income=income_rows,
        orders=orders,
        trades=trades,
        force_orders=_dedupe(force, lambda o: o.order_id),
        open_orders=tuple(open_orders),
        positions=tuple(positions),
        account=gaps.read("futures account", ex.account, None),
        leverage={p.symbol: p.leverage for p in positions if p.leverage is not None},
        mark_prices={p.symbol: p.mark_price for p in positions if p.mark_price},
    )


def _force(ex: FuturesExchange, s: datetime, e: datetime) -> list[FuturesOrder]:
    return ex.force_orders(start=s, end=e)


LOAN_WINDOW = timedelta(days=30)  # borrow-repay records: at most 30 days between startTime and endTime


def _loans(ex: MarginExchange, s: datetime, e: datetime) -> list[LoanRecord]:
    """Borrow records in [s, e], read in windows Binance accepts (an old leak spans many)."""
    rows: list[LoanRecord] = []
    for a, b in windows(s, e, LOAN_WINDOW - _MS):
        for page in range(1, 51):
            got = ex.loans("BORROW", start=a, end=b, current=page)
            rows += got
            if len(got) < 100:
                break
    return rows


def _margin_history(
    ex: MarginExchange, sym: str, s: datetime, e: datetime
) -> tuple[tuple[Order, ...], tuple[Trade, ...]]:
    orders: list[Order] = []
    trades: list[Trade] = []
    for a, b in windows(s, e, DAY - _MS):
        orders += ex.all_orders(sym, start=a, end=b)
        trades += ex.my_trades(sym, start=a, end=b)
    return _dedupe(orders, lambda o: o.order_id), _dedupe(trades, lambda t: t.id)


def collect_margin(ex: MarginExchange, window: Window, now: datetime, gaps: _Gaps) -> MarginEvidence:
    account = gaps.read("margin account", ex.account, None)
    open_orders: list[Order] = gaps.read("margin open orders", ex.open_orders, [])
    start, end = window.leak - DAY, min(window.until, now)
    loans: list[LoanRecord] = gaps.read("margin loans", partial(_loans, ex, start, end), [])
    liquidations: list[MarginLiquidation] = gaps.read(
        "margin liquidations", partial(ex.force_liquidations, start=start, end=end), []
    )
    assets = {a.asset for a in account.nonzero_assets()} if account else set()
    symbols = sorted({o.symbol for o in open_orders} | {f"{a}USDT" for a in assets if a != "USDT"})
    orders: dict[str, tuple[Order, ...]] = {}
    trades: dict[str, tuple[Trade, ...]] = {}
    for sym in symbols:
        got = gaps.read(f"margin orders/trades on {sym}", partial(_margin_history, ex, sym, start, end), None)
        if got is not None:
            orders[sym], trades[sym] = got
    return MarginEvidence(account, tuple(open_orders), orders, trades, tuple(loans), tuple(liquidations))


def collect(
    window: Window,
    now: datetime,
    *,
    futures: FuturesExchange | None,
    margin: MarginExchange | None,
    bot_prefixes: Sequence[str] = (),
) -> DerivativesEvidence:
    """Everything the futures and margin rules need; `None` for a surface the key cannot use."""
    gaps = _Gaps()
    f = collect_futures(futures, window, now, gaps) if futures is not None else None
    m = collect_margin(margin, window, now, gaps) if margin is not None else None
    return DerivativesEvidence(window, f, m, tuple(bot_prefixes), tuple(gaps.items))
