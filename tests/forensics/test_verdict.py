"""Verdicts on whole accounts: the cases the issue says detection will be judged on."""

from __future__ import annotations

from datetime import timedelta as td

import pytest

from responder.exchange.models import Order, Withdrawal
from responder.forensics.verdict import judge_orders, judge_withdrawals

from .builders import LEAK, bot_history, context, flat_klines, order, withdrawal

H = td(hours=1)
PUMP_KLINES = {"QKCUSDT": flat_klines(LEAK, 360, "0.0100", quote_volume="300")}


def pump(cid: str, n: int = 6, start: td = 2 * H) -> list[Order]:
    return [
        order(start + td(minutes=i), symbol="QKCUSDT", price="0.0350", qty="20000", cid=cid.format(i=i))
        for i in range(n)
    ]


def verdicts(orders: list[Order], **kw: object) -> dict[int, str]:
    return {v.order.order_id: v.verdict for v in judge_orders(context(orders, klines=PUMP_KLINES, **kw))}  # type: ignore[arg-type]


def test_users_bot_after_the_leak_is_normal() -> None:
    after = [order(H * (i + 1), cid=f"bot-{100 + i:06d}", side=("BUY", "SELL")[i % 2]) for i in range(4)]
    got = verdicts([*bot_history(), *after])
    assert set(got.values()) == {"normal"}


def test_pump_with_default_ids_is_attacker() -> None:
    attack = pump("{i}AbCdEfGhIjKlMnOpQrStU")
    got = verdicts([*bot_history(), *attack])
    assert [got[o.order_id] for o in attack] == ["attacker"] * len(attack)


def test_forged_bot_prefix_with_the_same_shape_is_still_caught_by_behaviour() -> None:
    attack = pump("bot-{i:06d}")  # copies the bot's prefix and numbering exactly
    got = verdicts([*bot_history(), *attack])
    assert all(got[o.order_id] == "attacker" for o in attack)


def test_users_own_scripts_with_default_ids_are_not_attacker() -> None:
    scripts_before = [order(-td(days=1, hours=i), cid=f"{i:02d}pXLV6Hz6mprAcVYpVMTG") for i in range(5)]
    scripts_after = [order(H + td(hours=i), cid=f"{i:02d}qXLV6Hz6mprAcVYpVMTG") for i in range(3)]
    got = verdicts([*bot_history(), *scripts_before, *scripts_after])
    assert all(got[o.order_id] == "normal" for o in scripts_after)


def test_position_bought_and_fully_sold_back_is_attacker_on_both_legs() -> None:
    buys = pump("att{i:019d}", n=3)
    sells = [
        order(
            3 * H + td(minutes=i),
            symbol="QKCUSDT",
            side="SELL",
            price="0.0040",
            qty="20000",
            cid=f"att{9 + i:019d}",
        )
        for i in range(3)
    ]
    got = verdicts([*bot_history(), *buys, *sells])
    assert all(got[o.order_id] == "attacker" for o in [*buys, *sells])


def test_manual_web_trade_after_the_leak_on_a_usual_symbol_is_not_attacker() -> None:
    web_before = order(-td(days=2), cid="web_19b6ce1dad4d45a0bb16a1599914ea14")
    web_after = order(H, cid="web_33927a4da37b4b12aa42092d274ed008")
    got = verdicts([*bot_history(), web_before, web_after])
    assert got[web_after.order_id] == "normal"


def test_pre_leak_orders_get_no_verdict_entry() -> None:
    history = bot_history()
    got = verdicts(history)
    assert got == {}


def test_withdrawal_to_a_new_address_after_the_leak_is_attacker() -> None:
    old, new = withdrawal(-td(days=2), "0xme"), withdrawal(H, "0xthief")
    again = withdrawal(2 * H, "0xme")
    judged = judge_withdrawals(context(bot_history(), withdrawals=(old, new, again)))
    out = {v.subject.id: v.verdict for v in judged if isinstance(v.subject, Withdrawal)}
    # to an address used before the leak: the user's own
    assert (out[old.id], out[new.id], out[again.id]) == ("normal", "attacker", "normal")


def _judged(orders: list[Order]) -> dict[int, tuple[str, tuple[str, ...]]]:
    ctx = context(orders, klines=PUMP_KLINES, balances={"USDT": "100000"})  # no drain: a small share
    return {v.order.order_id: (v.verdict, v.rules) for v in judge_orders(ctx)}


@pytest.mark.parametrize(
    ("case", "cid", "price", "qty", "verdict"),
    [
        # the user's bot (learned prefix and id shape) adds a market: noted, not a doubt
        ("own bot, new symbol, market price and size", "bot-{i:06d}", "0.0100", "1000", "normal"),
        # a forged bot id that also behaves like an attack adds up to attacker
        ("forged bot id, new symbol, pump price", "bot-{i:06d}", "0.0350", "1000", "attacker"),
        ("forged bot id, new symbol, oversized", "bot-{i:06d}", "0.0100", "30000", "attacker"),
        # an id the baseline never saw: the new symbol counts in full, as before
        ("unknown id, new symbol, market price and size", "{i:02d}AbCdEfGhIjKlMnOpQrSt", "0.0100", "1000",
         "attacker"),
    ],
)  # fmt: skip
def test_new_symbol_only_amplifies_other_doubts(
    case: str, cid: str, price: str, qty: str, verdict: str
) -> None:
    placed = [
        order(2 * H + td(minutes=10 * i), symbol="QKCUSDT", price=price, qty=qty, cid=cid.format(i=100 + i))
        for i in range(2)
    ]  # fmt: skip
    got = _judged([*bot_history(), *placed])
    for o in placed:
        assert got[o.order_id][0] == verdict, (case, got[o.order_id])
        assert "new-symbol" in got[o.order_id][1]  # the finding is always reported
