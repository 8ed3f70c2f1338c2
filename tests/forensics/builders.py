"""Small builders for exchange models, so rule tables read as data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from responder.exchange.models import (
    ApiRestrictions,
    Balance,
    Kline,
    Order,
    SymbolInfo,
    Transfer,
    WithdrawAddress,
    Withdrawal,
)
from responder.forensics.baseline import learn
from responder.forensics.context import RuleContext, build
from responder.forensics.model import Evidence, Window

LEAK = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOW = LEAK + timedelta(hours=6)
_ids = count(1000)

SYMBOLS = {
    s.symbol: s
    for s in (
        SymbolInfo("BTCUSDT", "TRADING", "BTC", "USDT"),
        SymbolInfo("ETHUSDT", "TRADING", "ETH", "USDT"),
        SymbolInfo("ETHBTC", "TRADING", "ETH", "BTC"),
        SymbolInfo("QKCUSDT", "TRADING", "QKC", "USDT"),
        SymbolInfo("QKCBTC", "TRADING", "QKC", "BTC"),
        SymbolInfo("AXSUSDT", "TRADING", "AXS", "USDT"),
    )
}
TICKERS = {
    "BTCUSDT": Decimal(60000),
    "ETHUSDT": Decimal(3000),
    "ETHBTC": Decimal("0.05"),
    "QKCUSDT": Decimal("0.01"),
    "AXSUSDT": Decimal("7"),
}


def order(
    at: timedelta | datetime,
    *,
    symbol: str = "BTCUSDT",
    side: str = "BUY",
    cid: str = "bot-000001",
    price: str = "60000",
    qty: str = "0.001",
    filled: bool = True,
    status: str | None = None,
    quote: str | None = None,
) -> Order:
    when = at if isinstance(at, datetime) else LEAK + at
    p, q = Decimal(price), Decimal(qty)
    executed = q if filled else Decimal(0)
    return Order(
        symbol,
        next(_ids),
        -1,
        cid,
        p,
        q,
        executed,
        Decimal(quote) if quote is not None else (p * executed),
        status or ("FILLED" if filled else "NEW"),
        "GTC",
        "LIMIT",
        side,
        when,
        when,
    )


def kline(at: datetime, price: str, *, high: str | None = None, quote_volume: str = "1000000") -> Kline:
    p = Decimal(price)
    return Kline(
        at,
        p,
        Decimal(high) if high else p * Decimal("1.001"),
        p * Decimal("0.999"),
        p,
        Decimal(1),
        at + timedelta(seconds=59),
        Decimal(quote_volume),
        10,
    )


def flat_klines(
    start: datetime, minutes: int, price: str, quote_volume: str = "1000000"
) -> tuple[Kline, ...]:
    return tuple(
        kline(start + timedelta(minutes=i), price, quote_volume=quote_volume) for i in range(minutes)
    )


def bot_history(n: int = 40, *, prefix: str = "bot-", symbol: str = "BTCUSDT") -> list[Order]:
    """The user's bot before the leak: one order every 2 h, zero-padded counter ids."""
    return [
        order(
            -timedelta(hours=2 * (i + 1)), symbol=symbol, cid=f"{prefix}{i:06d}", side=("BUY", "SELL")[i % 2]
        )
        for i in range(n)
    ]


def withdrawal(
    at: timedelta, address: str = "0xabc", *, status: int = 6, wid: str | None = None
) -> Withdrawal:
    return Withdrawal(
        wid or f"w{next(_ids)}",
        Decimal("100"),
        Decimal("1"),
        "USDT",
        status,
        address,
        "",
        "tx",
        "ETH",
        (LEAK + at).replace(microsecond=0),
        None,
        0,
        None,
    )


def transfer(at: timedelta, kind: str = "MAIN_UMFUTURE") -> Transfer:
    return Transfer("USDT", Decimal("50"), kind, "CONFIRMED", next(_ids), LEAK + at)


def context(
    orders: list[Order],
    *,
    klines: dict[str, tuple[Kline, ...]] | None = None,
    balances: dict[str, str] | None = None,
    withdrawals: tuple[Withdrawal, ...] = (),
    transfers: tuple[Transfer, ...] = (),
    bot_prefixes: tuple[str, ...] = (),
    usual_symbols: tuple[str, ...] = (),
    addresses: tuple[WithdrawAddress, ...] = (),
    restrictions: ApiRestrictions | None = None,
    until: datetime = NOW,
) -> RuleContext:
    window = Window(LEAK, until, 7)
    evidence = Evidence(
        window,
        orders=tuple(orders),
        klines=klines or {},
        symbols=SYMBOLS,
        prices_now=TICKERS,
        withdrawals=withdrawals,
        transfers=transfers,
        addresses=addresses,
        restrictions=restrictions,
        balances_at_leak=tuple(Balance(a, Decimal(v), Decimal(0)) for a, v in (balances or {}).items()),
    )
    pre = [o for o in orders if window.in_baseline(o.time)]
    base = learn(
        pre, symbols=SYMBOLS, tickers=TICKERS, bot_prefixes=bot_prefixes, usual_symbols=usual_symbols
    )
    return build(evidence, base)
