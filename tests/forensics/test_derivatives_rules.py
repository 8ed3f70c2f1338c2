"""Futures and margin rules, table-driven: what is flagged, and what must not be (the user's own bot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from responder.exchange.models import Order
from responder.exchange.models_derivatives import FuturesOrder, FuturesPosition, FuturesTrade, LoanRecord
from responder.forensics.derivatives_judge import context, judge
from responder.forensics.derivatives_model import DerivativesEvidence, FuturesEvidence, MarginEvidence
from responder.forensics.derivatives_rules import (
    FUTURES_RULES,
    MARGIN_RULES,
    combine,
    liquidation_verdict,
    loan_verdict,
    roles_of,
    run_rules,
)
from responder.forensics.model import Window

LEAK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW = LEAK + timedelta(hours=3)
WINDOW = Window(LEAK, NOW, baseline_days=7)
D = Decimal


def fo(
    cid: str, symbol: str = "BTCUSDT", at: timedelta = timedelta(hours=1), oid: int = 1, side: str = "BUY"
) -> FuturesOrder:
    t = LEAK + at
    return FuturesOrder(
        symbol, oid, cid, D(0), D(100), D(1), D(1), D(100), "FILLED", "MARKET", side, "BOTH", False, t, t
    )


def mo(
    cid: str, symbol: str = "ZKJUSDT", at: timedelta = timedelta(hours=1), side: str = "BUY", oid: int = 7
) -> Order:
    t = LEAK + at
    return Order(symbol, oid, -1, cid, D(0), D(10), D(10), D(4), "FILLED", "GTC", "MARKET", side, t, t)


# The user's futures bot traded BTCUSDT at 5x every day before the leak; margin was used from the web UI.
BOT_BEFORE = tuple(
    fo(f"fbot-{1763600000 + i}-0", at=-timedelta(hours=6 * i + 1), oid=100 + i) for i in range(20)
)
WEB = "web_" + "ab" * 16
MARGIN_BEFORE = (mo(WEB, "BTCUSDT", at=-timedelta(hours=5), oid=3),)
LOAN = LoanRecord("BORROW", "USDT", D(1000), "", "CONFIRMED", LEAK + timedelta(minutes=50), 99)


def evidence(leverage: dict[str, int], loans: tuple[LoanRecord, ...] = (LOAN,)) -> DerivativesEvidence:
    return DerivativesEvidence(
        WINDOW,
        FuturesEvidence(orders={"BTCUSDT": BOT_BEFORE}, leverage=leverage),
        MarginEvidence(orders={"BTCUSDT": MARGIN_BEFORE}, loans=loans),
        bot_prefixes=(),
    )


LEVERAGE = {"BTCUSDT": 5, "ZKJUSDT": 50, "ETHUSDT": 10}

FUTURES_CASES = [
    # (what, order, leverage now, expected verdict, rules that must fire)
    ("the user's bot after the leak", fo("fbot-1763700000-0"), LEVERAGE, "normal", {"futures-after-leak"}),
    (
        "the user's bot before the leak",
        fo("fbot-1763500000-0", at=-timedelta(hours=2)),
        LEVERAGE,
        "normal",
        set(),
    ),
    (
        "the user raised their own bot's leverage",
        fo("fbot-1763700001-0"),
        {**LEVERAGE, "BTCUSDT": 20},
        "normal",
        {"futures-after-leak"},
    ),
    (
        "attacker: broker id, thin perp, 50x",
        fo("x-0fc2b6a91811", "ZKJUSDT"),
        LEVERAGE,
        "attacker",
        {"futures-unknown-origin", "futures-new-symbol", "futures-leverage-raised"},
    ),
    (
        "attacker id before the leak is not judged",
        fo("x-0fc2b6a91811", "ZKJUSDT", at=-timedelta(minutes=5)),
        LEVERAGE,
        "normal",
        set(),
    ),
    (
        "new channel on the usual symbol at usual leverage",
        fo(WEB),
        LEVERAGE,
        "suspicious",
        {"futures-unknown-origin"},
    ),
    (
        "forged bot id on a thin perp at 50x",
        fo("fbot-1763700002-0", "ZKJUSDT"),
        LEVERAGE,
        "suspicious",
        {"futures-new-symbol", "futures-leverage-raised"},
    ),
    (
        "a new contract at 10x from the bot is not 'leverage raised'",
        fo("fbot-1763700003-0", "ETHUSDT"),
        LEVERAGE,
        "normal",
        {"futures-new-symbol"},
    ),
]


@pytest.mark.parametrize(
    ("what", "order", "leverage", "verdict", "fired"), FUTURES_CASES, ids=[c[0] for c in FUTURES_CASES]
)
def test_futures_order_rules(
    what: str, order: FuturesOrder, leverage: dict[str, int], verdict: str, fired: set[str]
) -> None:
    ctx = context(evidence(leverage))
    found = run_rules(FUTURES_RULES, order, ctx)
    assert {f.rule for f in found} - {"futures-after-leak"} == fired - {"futures-after-leak"}, what
    assert combine(found, roles_of(FUTURES_RULES)) == verdict, what


MARGIN_CASES = [
    (
        "attacker buys right after a loan taken after the leak",
        mo("x-aa11bb22cc33"),
        "attacker",
        {"margin-unknown-origin", "margin-loan-then-buy", "margin-new-symbol"},
    ),
    (
        "the user's web margin buy on their usual pair after the loan",
        mo("web_" + "cd" * 16, "BTCUSDT"),
        "normal",
        {"margin-loan-then-buy"},
    ),
    (
        "a sell after the loan is not loan-then-buy",
        mo("x-aa11bb22cc34", side="SELL", oid=8),
        "attacker",
        {"margin-unknown-origin", "margin-new-symbol"},
    ),
    (
        "a buy two hours after the loan",
        mo("x-aa11bb22cc35", at=timedelta(hours=2, minutes=55)),
        "attacker",
        {"margin-unknown-origin", "margin-new-symbol"},
    ),
    (
        "margin orders before the leak are not judged",
        mo("x-aa11bb22cc36", at=-timedelta(hours=1)),
        "normal",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("what", "order", "verdict", "fired"), MARGIN_CASES, ids=[c[0] for c in MARGIN_CASES]
)
def test_margin_order_rules(what: str, order: Order, verdict: str, fired: set[str]) -> None:
    ctx = context(evidence(LEVERAGE))
    found = run_rules(MARGIN_RULES, order, ctx)
    assert {f.rule for f in found} - {"margin-after-leak"} == fired, what
    assert combine(found, roles_of(MARGIN_RULES)) == verdict, what


def test_a_liquidation_is_the_attackers_only_after_the_attacker_opened_the_position() -> None:
    opened = fo("x-0fc2b6a91811", "ZKJUSDT", at=timedelta(minutes=10))
    liq = fo("autoclose-1763650000123", "ZKJUSDT", at=timedelta(minutes=40), oid=2, side="SELL")
    assert liquidation_verdict(liq, [opened], WINDOW)[0] == "attacker"
    own = fo("autoclose-1763650000124", "BTCUSDT", at=timedelta(minutes=40), oid=3, side="SELL")
    assert liquidation_verdict(own, [opened], WINDOW)[0] == "suspicious"
    before = fo("autoclose-1763650000125", "BTCUSDT", at=-timedelta(hours=1), oid=4, side="SELL")
    assert liquidation_verdict(before, [], WINDOW) == ("normal", ())


def test_a_loan_is_the_attackers_when_an_attacker_buy_spends_it() -> None:
    ctx = context(evidence(LEVERAGE))
    assert loan_verdict(LOAN, [mo("x-1", at=timedelta(minutes=55))], ctx)[0] == "attacker"
    assert loan_verdict(LOAN, [], ctx)[0] == "suspicious"
    old = LoanRecord("BORROW", "USDT", D(5), "", "CONFIRMED", LEAK - timedelta(days=1), 98)
    assert loan_verdict(old, [], ctx) == ("normal", ())


def _position(symbol: str, amt: str) -> FuturesPosition:
    return FuturesPosition(symbol, "BOTH", D(amt), D(3100), D(3000), D(0), D(3200), 25, "cross", D(0), NOW)


def _trade(symbol: str, side: str, qty: str, at: timedelta, oid: int) -> FuturesTrade:
    return FuturesTrade(
        symbol, oid, oid, side, D(3100), D(qty), D(0), D(0), D(0), "USDT", LEAK + at, side == "BUY", False
    )


@pytest.mark.parametrize(
    ("what", "trades", "amount", "opened_after_leak"),
    [
        (
            "opened after the leak",
            {"ETHUSDT": (_trade("ETHUSDT", "SELL", "2", timedelta(hours=1), 1),)},
            "-2",
            True,
        ),
        (
            "held since before the leak",
            {"ETHUSDT": (_trade("ETHUSDT", "SELL", "2", -timedelta(hours=1), 1),)},
            "-2",
            False,
        ),
        (
            "grown after the leak",
            {
                "ETHUSDT": (
                    _trade("ETHUSDT", "SELL", "1", -timedelta(hours=1), 1),
                    _trade("ETHUSDT", "SELL", "1", timedelta(hours=1), 2),
                )
            },
            "-2",
            True,
        ),
        ("trades unreadable: unknown", {}, "-2", None),
    ],
)
def test_positions_opened_after_the_leak(
    what: str, trades: dict[str, tuple[FuturesTrade, ...]], amount: str, opened_after_leak: bool | None
) -> None:
    ev = DerivativesEvidence(
        WINDOW, FuturesEvidence(trades=trades, positions=(_position("ETHUSDT", amount),))
    )
    assert judge(ev).positions[0].opened_after_leak is opened_after_leak, what


def test_an_empty_rule_set_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        run_rules((), fo("x-1"), context(evidence(LEVERAGE)))
