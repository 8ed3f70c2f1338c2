"""Each rule, table-driven: what it must flag and what it must not (the user's bot, pre-leak trading)."""

from __future__ import annotations

from datetime import timedelta as td
from typing import Any

import pytest

from responder.exchange.models import ApiRestrictions, Kline, Order
from responder.forensics import rules
from responder.forensics.channel import classify

from .builders import LEAK, bot_history, context, flat_klines, order, transfer, withdrawal

H = td(hours=1)


def fires(rule: rules.Rule[Order], target: Order, history: list[Order], **kw: object) -> str | None:
    ctx = context([*history, target], **kw)  # type: ignore[arg-type]
    finding = rule(target, ctx)
    assert finding is None or (finding.rule == rule.id and finding.subject.startswith("order:"))
    return None if finding is None else finding.reason


def rule(rid: str) -> rules.Rule[Order]:
    return next(r for r in rules.ORDER_RULES if r.id == rid)


@pytest.mark.parametrize(
    ("case", "target", "expected"),
    [
        ("after the leak", order(H), "placed 1h00m after the leak"),
        ("manual trade before the leak", order(-H, cid="web_" + "a" * 32), None),
    ],
)
def test_after_leak(case: str, target: Order, expected: str | None) -> None:
    assert fires(rule("after-leak"), target, bot_history()) == expected, case


HEX = "33927a4da37b4b12aa42092d274ed008"


@pytest.mark.parametrize(
    ("case", "cid", "history_cids", "declared", "flagged"),
    [
        ("the user's own bot", "bot-000777", [], (), False),
        ("bot counter grows a digit", "bot-1000000", [], (), False),
        ("forged prefix, random suffix", "bot-a8f3Kq9ZxY2p", [], (), True),
        ("default API id, never used before", "6gCrw2kRUAF9CvJDGP16IP", [], (), True),
        (
            "user's own scripts with default ids",
            "E6APeyTJvkMvLMYMqu1KQ4",
            ["6gCrw2kRUAF9CvJDGP16IP"],
            (),
            False,
        ),
        ("web UI used before", "web_" + HEX, ["web_19b6ce1dad4d45a0bb16a1599914ea14"], (), False),
        ("web UI never used: the person's app, not a key", "web_" + HEX, [], (), False),
        ("malformed web id (forged)", "web_12345", ["web_19b6ce1dad4d45a0bb16a1599914ea14"], (), True),
        ("ccxt broker id, new", "x-TKT5PX2Fa1b2c3d4e5f6a7b8c9d0e1", [], (), True),
        ("declared prefix never seen before", "grid_42", [], ("grid_",), False),
    ],
)
def test_unknown_origin(
    case: str, cid: str, history_cids: list[str], declared: tuple[str, ...], flagged: bool
) -> None:
    history = bot_history() + [order(-td(days=1, hours=i), cid=c) for i, c in enumerate(history_cids)]
    reason = fires(rule("unknown-origin"), order(H, cid=cid), history, bot_prefixes=declared)
    assert (reason is not None) == flagged, case
    if reason:
        assert "heuristic" in reason


def test_unknown_origin_never_flags_pre_leak_manual_trading() -> None:
    assert fires(rule("unknown-origin"), order(-H, cid="web_" + HEX), bot_history()) is None


@pytest.mark.parametrize(
    ("case", "symbol", "usual", "flagged"),
    [
        ("bot symbol", "BTCUSDT", (), False),
        ("never traded", "QKCUSDT", (), True),
        ("declared usual", "QKCUSDT", ("qkcusdt",), False),
    ],
)
def test_new_symbol(case: str, symbol: str, usual: tuple[str, ...], flagged: bool) -> None:
    reason = fires(
        rule("new-symbol"),
        order(H, symbol=symbol, price="0.01", qty="1000"),
        bot_history(),
        usual_symbols=usual,
    )
    assert (reason is not None) == flagged, case


def test_new_symbol_not_for_pre_leak_orders() -> None:
    assert fires(rule("new-symbol"), order(-H, symbol="QKCUSDT"), bot_history()) is None


KL = {"QKCUSDT": flat_klines(LEAK, 360, "0.0100", quote_volume="500")}


@pytest.mark.parametrize(
    ("case", "side", "price", "klines", "flagged"),
    [
        ("pump buy 3x above the prior range", "BUY", "0.0300", KL, True),
        ("buy at market", "BUY", "0.0100", KL, False),
        ("sell far below the range", "SELL", "0.0050", KL, True),
        ("sell high is not harmful", "SELL", "0.0300", KL, False),
        ("no klines, no opinion", "BUY", "0.0300", {}, False),
    ],
)
def test_off_market_price(
    case: str, side: str, price: str, klines: dict[str, tuple[Kline, ...]], flagged: bool
) -> None:
    target = order(2 * H, symbol="QKCUSDT", side=side, price=price, qty="1000")
    reason = fires(rule("off-market-price"), target, bot_history(), klines=klines)
    assert (reason is not None) == flagged, case
    if reason:
        assert "%" in reason and "prior hour" in reason


def test_off_market_price_uses_the_range_before_the_run_of_orders_began() -> None:
    # A pump: 10 buys a minute apart at rising prices; the market klines follow the pump.
    pumped = {"QKCUSDT": flat_klines(LEAK, 120, "0.0100") + flat_klines(LEAK + 2 * H, 60, "0.0400")}
    run = [order(2 * H + td(minutes=i), symbol="QKCUSDT", price="0.0400", qty="100") for i in range(10)]
    ctx = context([*bot_history(), *run], klines=pumped)
    assert all(rule("off-market-price")(o, ctx) is not None for o in run)


@pytest.mark.parametrize(
    ("case", "volume", "flagged"),
    [("our order is most of the market", "50", True), ("deep market", "100000000", False)],
)
def test_illiquid_pair(case: str, volume: str, flagged: bool) -> None:
    klines = {"QKCUSDT": flat_klines(LEAK, 360, "0.0100", quote_volume=volume)}
    target = order(2 * H, symbol="QKCUSDT", price="0.0100", qty="100000")  # 1000 USDT
    assert (fires(rule("illiquid-pair"), target, bot_history(), klines=klines) is not None) == flagged, case


@pytest.mark.parametrize(
    ("case", "qty", "flagged"),
    [("bot-sized", "0.001", False), ("50x the bot's size", "0.05", True)],
)
def test_size_outlier(case: str, qty: str, flagged: bool) -> None:
    assert (fires(rule("size-outlier"), order(H, qty=qty), bot_history()) is not None) == flagged, case


def test_size_outlier_silent_without_enough_baseline() -> None:
    assert fires(rule("size-outlier"), order(H, qty="5"), bot_history(3)) is None


def test_burst_flags_many_orders_a_minute_from_one_channel() -> None:
    burst = [order(H + td(seconds=5 * i), cid=f"x{i:021d}A") for i in range(8)]
    ctx = context([*bot_history(), *burst])
    assert rule("burst")(burst[3], ctx) is not None


def test_burst_not_for_a_bot_that_always_bursts() -> None:
    grid_before = [order(-td(days=2) + td(seconds=i), cid=f"bot-{900 + i:06d}") for i in range(10)]
    grid_after = [order(H + td(seconds=i), cid=f"bot-{1900 + i:06d}") for i in range(10)]
    ctx = context([*bot_history(), *grid_before, *grid_after])
    assert rule("burst")(grid_after[5], ctx) is None


@pytest.mark.parametrize(
    ("case", "second", "flagged"),
    [
        ("same size and price, opposite side, 1 min apart", order(H + td(minutes=1), side="SELL"), True),
        ("same side", order(H + td(minutes=1), side="BUY"), False),
        ("different price", order(H + td(minutes=1), side="SELL", price="61000"), False),
        ("an hour apart", order(2 * H, side="SELL"), False),
        (
            "size 0.4 % larger, price 0.4 % lower",
            order(H + td(minutes=1), side="SELL", qty="0.001004", price="59760"),
            True,
        ),
        ("size 0.6 % smaller", order(H + td(minutes=1), side="SELL", qty="0.000994"), False),
        ("price 0.6 % higher", order(H + td(minutes=1), side="SELL", price="60360"), False),
        (
            "prevented self-trade",
            order(H + td(minutes=1), side="SELL", filled=False, status="EXPIRED_IN_MATCH"),
            True,
        ),
    ],
)
def test_wash_trade(case: str, second: Order, flagged: bool) -> None:
    first = order(H, side="BUY")
    ctx = context([*bot_history(), first, second])
    assert (rule("wash-trade")(second, ctx) is not None) == flagged, case


def test_balance_drain_flags_the_funnel_into_a_new_asset() -> None:
    sell_eth = order(H, symbol="ETHUSDT", side="SELL", price="3000", qty="1")
    buy_qkc = order(H + td(minutes=10), symbol="QKCUSDT", price="0.01", qty="390000")  # 3900 USDT
    ctx = context([*bot_history(), sell_eth, buy_qkc], balances={"USDT": "1000"})
    finding = rule("balance-drain")(buy_qkc, ctx)
    assert finding is not None and "went into QKC" in finding.reason and "ETH" in finding.reason
    assert rule("balance-drain")(sell_eth, ctx) is not None


def test_balance_drain_not_for_small_buys_of_a_new_coin_or_bot_trading() -> None:
    small = order(H, symbol="QKCUSDT", price="0.01", qty="1000")  # 10 of 5000 USDT
    bot = order(H, cid="bot-000900", qty="0.05")
    ctx = context([*bot_history(), small, bot], balances={"USDT": "5000"})
    assert rule("balance-drain")(small, ctx) is None
    assert rule("balance-drain")(bot, ctx) is None


@pytest.mark.parametrize(
    ("case", "at", "address", "rid", "flagged"),
    [
        ("after the leak", H, "0xknown", "withdrawal-after-leak", True),
        ("before the leak", -H, "0xknown", "withdrawal-after-leak", False),
        ("new address after the leak", H, "0xattacker", "new-withdrawal-address", True),
        ("known address after the leak", H, "0xknown", "new-withdrawal-address", False),
    ],
)
def test_withdrawal_rules(case: str, at: td, address: str, rid: str, flagged: bool) -> None:
    old = withdrawal(-td(days=3), "0xknown")
    target = withdrawal(at, address)
    ctx = context(bot_history(), withdrawals=(old, target))
    r = next(r for r in rules.WITHDRAWAL_RULES if r.id == rid)
    assert (r(target, ctx) is not None) == flagged, case


@pytest.mark.parametrize(
    ("case", "at", "kind", "flagged"),
    [
        ("spot to futures after the leak", H, "MAIN_UMFUTURE", True),
        ("before", -H, "MAIN_UMFUTURE", False),
        ("into spot", H, "UMFUTURE_MAIN", False),
    ],
)
def test_transfer_out_after_leak(case: str, at: td, kind: str, flagged: bool) -> None:
    t = transfer(at, kind)
    ctx = context(bot_history(), transfers=(t,))
    assert (rules.TRANSFER_RULES[0](t, ctx) is not None) == flagged, case


def test_permission_exposure_names_what_the_key_allowed() -> None:
    r = ApiRestrictions(False, LEAK, True, True, False, False, False, False, False, True)
    finding = rules.KEY_RULES[0](r, context(bot_history()))
    assert finding is not None and "withdrawals" in finding.reason and "NOT IP-restricted" in finding.reason


def test_empty_rule_set_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        rules.require_rules((), "order")


def test_every_rule_has_a_stable_id_and_a_docstring_with_its_caveats() -> None:
    all_rules: list[rules.Rule[Any]] = [
        *rules.ORDER_RULES,
        *rules.WITHDRAWAL_RULES,
        *rules.TRANSFER_RULES,
        *rules.KEY_RULES,
    ]
    ids = [r.id for r in all_rules]
    assert len(set(ids)) == len(ids)
    assert all(len(r.doc) > 40 for r in all_rules)


@pytest.mark.parametrize(
    ("cid", "name"),
    [
        ("web_" + HEX, "web"),
        ("and_d020b57a54254ab6a427c90bd5023cd3", "android"),
        ("ios_" + HEX, "ios"),
        ("electron_0cb02285f95d48e9ab0e2602801", "electron"),
        ("x-TKT5PX2Fabc", "broker"),
        ("6gCrw2kRUAF9CvJDGP16IP", "api-default"),
        ("bot-000001", "custom"),
    ],
)
def test_channel_classification(cid: str, name: str) -> None:
    assert classify(cid).name == name
