"""How each Binance history endpoint must be walked: windows, cursors, offsets and limits.

Binance refuses (or silently truncates) requests outside each endpoint's rules (reference §3):
allOrders/myTrades windows of at most 24 h with `orderId`/`fromId` cursors and 1000 rows a page;
withdraw/deposit history windows under 90 days with offset/limit; universal transfers one `type` at a
time, `current`/`size` ≤ 100; convert trade flow windows of at most 30 days with `moreData`; account
snapshots under 30 days. The checks here are pure and used by the client before sending. The paging
walker (`pages` and the reads built on it) uses only the `Exchange` protocol; the forensics sweep, the
wizard's snapshot and its aftercare all page through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from responder.errors import UsageError
from responder.exchange.models import Deposit, Transfer, Withdrawal
from responder.exchange.protocol import Exchange

DAY_WINDOW = timedelta(hours=24)  # allOrders / myTrades: endTime - startTime <= 24 h
WALLET_WINDOW = timedelta(days=90)  # withdraw / deposit history: strictly less than 90 days
SNAPSHOT_WINDOW = timedelta(days=30)  # accountSnapshot: strictly less than 30 days
CONVERT_WINDOW = timedelta(days=30)  # convert tradeFlow: at most 30 days
PAGE = 1000
TRANSFER_PAGE = 100
MAX_PAGES = 100  # a bound on any one walk: a server that never sends a short page cannot loop us
T = TypeVar("T")

TRANSFER_TYPES = (
    "MAIN_UMFUTURE", "MAIN_CMFUTURE", "MAIN_MARGIN", "UMFUTURE_MAIN", "UMFUTURE_MARGIN", "CMFUTURE_MAIN",
    "CMFUTURE_MARGIN", "MARGIN_MAIN", "MARGIN_UMFUTURE", "MARGIN_CMFUTURE", "ISOLATEDMARGIN_MARGIN",
    "MARGIN_ISOLATEDMARGIN", "ISOLATEDMARGIN_ISOLATEDMARGIN", "MAIN_FUNDING", "FUNDING_MAIN",
    "FUNDING_UMFUTURE", "UMFUTURE_FUNDING", "MARGIN_FUNDING", "FUNDING_MARGIN", "FUNDING_CMFUTURE",
    "CMFUTURE_FUNDING", "MAIN_OPTION", "OPTION_MAIN", "UMFUTURE_OPTION", "OPTION_UMFUTURE",
    "MARGIN_OPTION", "OPTION_MARGIN", "FUNDING_OPTION", "OPTION_FUNDING", "MAIN_PORTFOLIO_MARGIN",
    "PORTFOLIO_MARGIN_MAIN",
)  # fmt: skip
# Every `type` of GET /sapi/v1/asset/transfer (reference §3, from the SDK's list). These need
# fromSymbol/toSymbol (an isolated-margin pair); a sweep without a symbol skips them.
NEEDS_SYMBOL = frozenset({"ISOLATEDMARGIN_MARGIN", "MARGIN_ISOLATEDMARGIN", "ISOLATEDMARGIN_ISOLATEDMARGIN"})
SWEPT_TRANSFER_TYPES = tuple(t for t in TRANSFER_TYPES if t not in NEEDS_SYMBOL)


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


# --- the paging walker -------------------------------------------------------------------------------
def pages(read: Callable[[int], Sequence[T]], size: int, *, max_pages: int = MAX_PAGES) -> list[T]:
    """Pages 0, 1, 2… of one read until a short page (fewer than `size` rows), at most `max_pages`."""
    out: list[T] = []
    for page in range(max_pages):
        rows = read(page)
        out += rows
        if len(rows) < size:
            break
    return out


def wallet_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end] as consecutive windows Binance's wallet history accepts (each under 90 days),
    touching without overlap: the next starts 1 ms after the previous ends (both bounds inclusive)."""
    if end < start:
        raise UsageError("the time range ends before it starts")
    out: list[tuple[datetime, datetime]] = []
    s = start
    while True:
        e = min(s + WALLET_WINDOW - timedelta(days=1), end)
        out.append((s, e))
        if e >= end:
            return out
        s = e + timedelta(milliseconds=1)


def withdrawals(ex: Exchange, start: datetime, end: datetime) -> list[Withdrawal]:
    """Withdraw history in [start, end], `offset` pages of 1000. Binance refuses a window of 90 days
    or more: a longer range is split into windows it accepts, never refused."""
    out: list[Withdrawal] = []
    for s, e in wallet_windows(start, end):
        out += pages(lambda p, s=s, e=e: ex.withdraw_history(start=s, end=e, offset=p * PAGE), PAGE)  # type: ignore[misc]
    return out


def deposits(ex: Exchange, start: datetime, end: datetime) -> list[Deposit]:
    """Deposit history in [start, end], `offset` pages of 1000, split into windows under 90 days."""
    out: list[Deposit] = []
    for s, e in wallet_windows(start, end):
        out += pages(lambda p, s=s, e=e: ex.deposit_history(start=s, end=e, offset=p * PAGE), PAGE)  # type: ignore[misc]
    return out


def transfers(ex: Exchange, kind: str, start: datetime, end: datetime) -> list[Transfer]:
    """Universal transfers of one type in [start, end], `current` pages of 100."""

    def read(p: int) -> list[Transfer]:
        page = ex.universal_transfers(kind, start=start, end=end, current=p + 1, size=TRANSFER_PAGE)
        return list(page.rows)

    return pages(read, TRANSFER_PAGE)


def all_transfers(ex: Exchange, start: datetime, end: datetime) -> list[Transfer]:
    """Universal transfers of every type a sweep can read (Binance has no "all types" query)."""
    return [t for kind in SWEPT_TRANSFER_TYPES for t in transfers(ex, kind, start, end)]
