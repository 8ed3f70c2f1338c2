"""The wallet side of the evidence: withdrawals, deposits, transfers, converts, the address book.

These are SAPI reads with their own budgets (reference §2.2), fetched once each over the widest
window Binance allows. A read the key is not allowed to make (or that fails) is recorded as a gap
in the findings, not a crash: the investigation reports what it could and names what it could not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from responder.errors import ExchangeError
from responder.exchange import pagination as paging
from responder.exchange.models import ConvertTrade, Deposit, Kline, Transfer, WithdrawAddress, Withdrawal
from responder.exchange.protocol import Exchange
from responder.forensics.model import Window
from responder.forensics.prices import STABLES

T = TypeVar("T")
HISTORY_SPAN = timedelta(days=89)  # withdraw/deposit history windows must be < 90 days
CONVERT_SPAN = timedelta(days=30)


@dataclass
class Wallet:
    withdrawals: list[Withdrawal] = field(default_factory=list)
    deposits: list[Deposit] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    converts: list[ConvertTrade] = field(default_factory=list)
    addresses: list[WithdrawAddress] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def guarded(gaps: list[str], what: str, read: Callable[[], T], default: T) -> T:
    """Run one read; an exchange error becomes a named gap instead of ending the investigation."""
    try:
        return read()
    except ExchangeError as e:
        if e.fatal:  # a ban or a hostile server: every further read would fail the same way
            raise
        gaps.append(f"{what}: {e.one_line()}")
        return default


def wallet(exchange: Exchange, window: Window) -> Wallet:
    w = Wallet()
    start, end = min(window.baseline_start, window.until - HISTORY_SPAN), window.until

    spans = _spans(start, end, HISTORY_SPAN)  # Binance answers windows under 90 days: an early leak time
    w.withdrawals = guarded(
        w.gaps, "withdraw history",
        lambda: [x for a, b in spans for x in paging.withdrawals(exchange, a, b)], list[Withdrawal](),
    )  # fmt: skip
    w.deposits = guarded(
        w.gaps, "deposit history",
        lambda: [x for a, b in spans for x in paging.deposits(exchange, a, b)], list[Deposit](),
    )  # fmt: skip
    for kind in paging.SWEPT_TRANSFER_TYPES:
        w.transfers += guarded(
            w.gaps, f"transfers {kind}", _transfers(exchange, kind, window), list[Transfer]()
        )
    t = window.baseline_start
    while t < window.until:
        upto = min(t + CONVERT_SPAN, window.until)
        w.converts += guarded(w.gaps, "convert history", _converts(exchange, t, upto), list[ConvertTrade]())
        t = upto
    w.addresses = guarded(w.gaps, "address book", exchange.withdraw_addresses, list[WithdrawAddress]())
    return w


def _spans(start: datetime, end: datetime, span: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end] cut into consecutive windows of at most `span` (the newest last)."""
    out, t = [], start
    while t < end:
        out.append((t, min(t + span - timedelta(milliseconds=1), end)))  # no shared millisecond
        t += span
    return out or [(start, end)]


def _transfers(exchange: Exchange, kind: str, window: Window) -> Callable[[], list[Transfer]]:
    return lambda: paging.transfers(exchange, kind, window.baseline_start, window.until)


def _converts(exchange: Exchange, start: datetime, end: datetime) -> Callable[[], list[ConvertTrade]]:
    return lambda: list(exchange.convert_trades(start=start, end=end).trades)


def prices_at(
    exchange: Exchange, assets: set[str], when: datetime, listed: set[str], gaps: list[str]
) -> dict[str, Decimal]:
    """USDT price of each asset at `when` (close of the 1m kline), for the loss estimate."""
    out: dict[str, Decimal] = {}
    for asset in sorted(assets - STABLES):
        symbol = f"{asset}USDT"
        if symbol not in listed:
            continue
        rows = guarded(gaps, f"klines {symbol}", _klines(exchange, symbol, when), list[Kline]())
        if rows:
            out[asset] = rows[-1].close
    return out


def _klines(exchange: Exchange, symbol: str, when: datetime) -> Callable[[], list[Kline]]:
    return lambda: exchange.klines(symbol, "1m", start=when - timedelta(minutes=5), end=when, limit=10)
