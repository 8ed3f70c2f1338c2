"""How each Binance history endpoint must be walked: windows, cursors, offsets and limits.

Binance refuses (or silently truncates) requests outside each endpoint's rules (reference §3):
allOrders/myTrades windows of at most 24 h with `orderId`/`fromId` cursors and 1000 rows a page;
withdraw/deposit history windows under 90 days with offset/limit; universal transfers one `type` at a
time, `current`/`size` ≤ 100; convert trade flow windows of at most 30 days with `moreData`; account
snapshots under 30 days. The checks here are pure and used by the client before sending; the walkers
use only the `Exchange` protocol, so they work against any implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

from responder.errors import UsageError
from responder.exchange.models import ConvertTrade, DailySnapshot, Deposit, Order, Trade, Transfer, Withdrawal
from responder.exchange.protocol import Exchange

DAY_WINDOW = timedelta(hours=24)  # allOrders / myTrades: endTime - startTime <= 24 h
WALLET_WINDOW = timedelta(days=90)  # withdraw / deposit history: strictly less than 90 days
SNAPSHOT_WINDOW = timedelta(days=30)  # accountSnapshot: strictly less than 30 days
CONVERT_WINDOW = timedelta(days=30)  # convert tradeFlow: at most 30 days
PAGE = 1000
TRANSFER_PAGE = 100
_MS = timedelta(milliseconds=1)
K = TypeVar("K")
V = TypeVar("V")

TRANSFER_TYPES = (
    "MAIN_UMFUTURE", "MAIN_CMFUTURE", "MAIN_MARGIN", "UMFUTURE_MAIN", "UMFUTURE_MARGIN", "CMFUTURE_MAIN",
    "CMFUTURE_MARGIN", "MARGIN_MAIN", "MARGIN_UMFUTURE", "MARGIN_CMFUTURE", "ISOLATEDMARGIN_MARGIN",
    "MARGIN_ISOLATEDMARGIN", "ISOLATEDMARGIN_ISOLATEDMARGIN", "MAIN_FUNDING", "FUNDING_MAIN",
    "FUNDING_UMFUTURE", "UMFUTURE_FUNDING", "MARGIN_FUNDING", "FUNDING_MARGIN", "FUNDING_CMFUTURE",
    "CMFUTURE_FUNDING", "MAIN_OPTION", "OPTION_MAIN", "UMFUTURE_OPTION", "OPTION_UMFUTURE",
    "MARGIN_OPTION", "OPTION_MARGIN", "FUNDING_OPTION", "OPTION_FUNDING", "MAIN_PORTFOLIO_MARGIN",
    "PORTFOLIO_MARGIN_MAIN",
)  # fmt: skip
# These need fromSymbol/toSymbol (an isolated-margin pair); a sweep without a symbol skips them.
NEEDS_SYMBOL = frozenset({"ISOLATEDMARGIN_MARGIN", "MARGIN_ISOLATEDMARGIN", "ISOLATEDMARGIN_ISOLATEDMARGIN"})


# --- checks the client applies before sending ------------------------------------------------------
def check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise UsageError(f"limit must be 1–{maximum}, not {limit}")


def check_window(
    start: datetime | None, end: datetime | None, span: timedelta, what: str, *, inclusive: bool = False
) -> None:
    """`end - start` must be under `span` (or at most `span` when `inclusive`)."""
    if start is None or end is None:
        return
    if end < start:
        raise UsageError(f"{what}: the window ends before it starts")
    too_long = end - start > span if inclusive else end - start >= span
    if too_long:
        limit = "at most" if inclusive else "less than"
        raise UsageError(f"{what}: Binance accepts windows of {limit} {span.days} days; split the range")


def check_day_window(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end - start > DAY_WINDOW:
        raise UsageError("allOrders/myTrades accept at most 24 hours between startTime and endTime")
    if start is not None and end is not None and end < start:
        raise UsageError("allOrders/myTrades: the window ends before it starts")


# The parameter sets GET /api/v3/myTrades accepts besides symbol/limit (reference §3.1).
MY_TRADES_COMBINATIONS = frozenset(
    {
        frozenset(),
        frozenset({"orderId"}),
        frozenset({"startTime"}),
        frozenset({"endTime"}),
        frozenset({"fromId"}),
        frozenset({"startTime", "endTime"}),
        frozenset({"orderId", "fromId"}),
    }
)


def check_my_trades_params(
    *, start: datetime | None, end: datetime | None, from_id: int | None, order_id: int | None
) -> None:
    given = {
        name
        for name, value in (
            ("startTime", start),
            ("endTime", end),
            ("fromId", from_id),
            ("orderId", order_id),
        )
        if value is not None
    }
    if frozenset(given) not in MY_TRADES_COMBINATIONS:
        raise UsageError(
            f"myTrades does not accept this combination of parameters: {', '.join(sorted(given))}"
        )


# --- windows ---------------------------------------------------------------------------------------
def windows(
    start: datetime, end: datetime, span: timedelta, *, inclusive: bool = True
) -> list[tuple[datetime, datetime]]:
    """Split [start, end] into consecutive windows, each `e - s <= span` (`< span` unless inclusive).

    Windows touch without overlapping: the next starts 1 ms after the previous ends (Binance times are
    epoch milliseconds and both bounds are inclusive).
    """
    if end < start:
        raise UsageError("the time range ends before it starts")
    step = span if inclusive else span - _MS
    out: list[tuple[datetime, datetime]] = []
    s = start
    while True:
        e = min(s + step, end)
        out.append((s, e))
        if e >= end:
            return out
        s = e + _MS


# --- walkers over the Exchange protocol ------------------------------------------------------------
def all_orders_between(ex: Exchange, symbol: str, start: datetime, end: datetime) -> list[Order]:
    """Every order on `symbol` placed in [start, end]: 24 h windows, then `orderId` cursors."""
    seen: dict[int, Order] = {}
    for s, e in windows(start, end, DAY_WINDOW):
        page = ex.all_orders(symbol, start=s, end=e, limit=PAGE)
        _keep(seen, page, key=lambda o: o.order_id, window=(s, e), when=lambda o: o.time)
        while len(page) == PAGE:
            page = ex.all_orders(symbol, order_id=max(o.order_id for o in page) + 1, limit=PAGE)
            if not _keep(seen, page, key=lambda o: o.order_id, window=(s, e), when=lambda o: o.time):
                break
    return sorted(seen.values(), key=lambda o: (o.time, o.order_id))


def my_trades_between(ex: Exchange, symbol: str, start: datetime, end: datetime) -> list[Trade]:
    """Every trade on `symbol` in [start, end]: 24 h windows, then `fromId` cursors."""
    seen: dict[int, Trade] = {}
    for s, e in windows(start, end, DAY_WINDOW):
        page = ex.my_trades(symbol, start=s, end=e, limit=PAGE)
        _keep(seen, page, key=lambda t: t.id, window=(s, e), when=lambda t: t.time)
        while len(page) == PAGE:
            page = ex.my_trades(symbol, from_id=max(t.id for t in page) + 1, limit=PAGE)
            if not _keep(seen, page, key=lambda t: t.id, window=(s, e), when=lambda t: t.time):
                break
    return sorted(seen.values(), key=lambda t: (t.time, t.id))


def _keep(
    seen: dict[K, V],
    page: list[V],
    *,
    key: Callable[[V], K],
    window: tuple[datetime, datetime],
    when: Callable[[V], datetime],
) -> bool:
    """Add the rows of `page` inside `window`; False once a cursor page has run past the window."""
    inside = [row for row in page if window[0] <= when(row) <= window[1]]
    for row in inside:
        seen[key(row)] = row
    return len(inside) == len(page)


def withdrawals_between(ex: Exchange, start: datetime, end: datetime) -> list[Withdrawal]:
    return _offset_pages(
        start, end, lambda s, e, off: ex.withdraw_history(start=s, end=e, offset=off, limit=PAGE)
    )


def deposits_between(ex: Exchange, start: datetime, end: datetime) -> list[Deposit]:
    return _offset_pages(
        start, end, lambda s, e, off: ex.deposit_history(start=s, end=e, offset=off, limit=PAGE)
    )


def _offset_pages(
    start: datetime, end: datetime, fetch: Callable[[datetime, datetime, int], list[V]]
) -> list[V]:
    rows: list[V] = []
    for s, e in windows(start, end, WALLET_WINDOW, inclusive=False):
        offset = 0
        while True:
            page = fetch(s, e, offset)
            rows.extend(page)
            if len(page) < PAGE:
                break
            offset += len(page)
    return rows


def transfers_between(
    ex: Exchange, start: datetime, end: datetime, types: tuple[str, ...] = TRANSFER_TYPES
) -> Iterator[Transfer]:
    """Universal transfers of every type in [start, end], page by page (`current`, `size` 100)."""
    for transfer_type in types:
        if transfer_type in NEEDS_SYMBOL:
            continue
        current, fetched = 1, 0
        while True:
            page = ex.universal_transfers(
                transfer_type, start=start, end=end, current=current, size=TRANSFER_PAGE
            )
            yield from page.rows
            fetched += len(page.rows)
            if len(page.rows) < TRANSFER_PAGE or fetched >= page.total:
                break
            current += 1


def convert_trades_between(ex: Exchange, start: datetime, end: datetime) -> list[ConvertTrade]:
    """Convert trades in [start, end]: 30-day windows, moving the start past the last row on `moreData`."""
    seen: dict[str, ConvertTrade] = {}
    for s, e in windows(start, end, CONVERT_WINDOW):
        cursor = s
        while True:
            page = ex.convert_trades(start=cursor, end=e, limit=PAGE)
            for t in page.trades:
                seen[t.quote_id] = t
            if not page.more_data or not page.trades:
                break
            cursor = max(t.create_time for t in page.trades) + _MS
            if cursor > e:
                break
    return sorted(seen.values(), key=lambda t: t.create_time)


def snapshots_between(
    ex: Exchange, start: datetime, end: datetime, kind: str = "SPOT"
) -> list[DailySnapshot]:
    """Daily account snapshots in [start, end] (Binance keeps about the last month)."""
    out: list[DailySnapshot] = []
    for s, e in windows(start, end, SNAPSHOT_WINDOW, inclusive=False):
        out.extend(ex.account_snapshot(kind, start=s, end=e, limit=30))
    return out
