"""An early (conservative) leak time, thin history, trusted withdrawals, real attack shapes — table-driven.

What continues unchanged from before the leak time is the user's (the bot's cadence and id shape, the
person's app trading, a market maker's matched pairs, withdrawals to whitelisted or used addresses);
with no history before it the verdict is "unknown", never "attacker" for lack of history.
"""

from __future__ import annotations

from datetime import timedelta as td
from decimal import Decimal

import pytest

from responder.clock import to_ms
from responder.exchange.models import ApiRestrictions, Order, WithdrawAddress, Withdrawal
from responder.forensics.model import NOT_ENOUGH_HISTORY, VERDICTS
from responder.forensics.rules import KEY_RULES, ORDER_RULES
from responder.forensics.verdict import judge_key, judge_orders, judge_withdrawals, onset

from .builders import LEAK, bot_history, context, flat_klines, order, withdrawal

H = td(hours=1)
D = td(days=1)
UNTIL = LEAK + 6 * D  # the window after an early leak time is days long
KLINES = {
    "QKCUSDT": flat_klines(LEAK - D, 60 * 24 * 4, "0.0100", quote_volume="300"),
    "AXSUSDT": flat_klines(LEAK - 3 * H, 60 * 8, "7.00", quote_volume="2000000"),
}


def judged(orders: list[Order], **kw: object) -> dict[int, tuple[str, tuple[str, ...], str]]:
    ctx = context(orders, klines=KLINES, balances={"USDT": "100000"}, until=UNTIL, **kw)  # type: ignore[arg-type]
    return {v.order.order_id: (v.verdict, v.rules, v.reason) for v in judge_orders(ctx)}


def bot_every_2h(start: td, end: td, first: int = 0) -> list[Order]:
    """The bot's unchanged cadence and id shape (prefix + 6-digit counter) over [start, end)."""
    n, out, t = first, [], start
    while t < end:
        out.append(order(t, cid=f"bot-{n:06d}", side=("BUY", "SELL")[n % 2]))
        n, t = n + 1, t + 2 * H
    return out


def pump(at: td, n: int = 3, *, cid: str = "{i:02d}AbCdEfGhIjKlMnOpQrSt") -> list[Order]:
    """Buys of a thin coin at 3.5× the market."""
    return [
        order(at + td(minutes=i), symbol="QKCUSDT", price="0.0350", qty="20000", cid=cid.format(i=10 + i))
        for i in range(n)
    ]


WEB_ID = "web_33927a4da37b4b12aa42092d274ed008"


def matched(at: td, n: int) -> list[Order]:
    """A buy and a sell of the same size at the same price two minutes apart, in the bot's id shape."""
    return [
        order(at, side="BUY", cid=f"bot-{n:06d}"),
        order(at + td(minutes=2), side="SELL", cid=f"bot-{n + 1:06d}"),
    ]


# --- orders ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "history", "after", "expected"),
    [
        # the leak time given 5 days early: the bot keeps its cadence, symbols and sizes into the window
        ("bot continues unchanged after an early --since", bot_history(), bot_every_2h(H, 5 * D, 100),
         "normal"),
        # the person's own app trading, never seen in the baseline: a leaked API key makes no web_ ids
        ("web/app trading never seen before", bot_history(),
         [order(30 * H, symbol="ETHUSDT", price="3000", qty="0.05", cid=WEB_ID)], "normal"),
        # a market maker whose buys and sells matched before the leak keeps doing so after it
        ("market maker's matched pairs continue", [*bot_history(), *matched(-10 * H, 900001)],
         matched(3 * H, 900101), "normal"),
        # no orders at all before the leak time: who placed them cannot be judged
        ("no history before --since: the bot is unknown", [], bot_every_2h(H, 2 * D), "unknown"),
        # ... but the market evidence alone can still prove a pump (3.5× the prior hour's high, thin pair)
        ("no history, pump far above the market", [], pump(30 * H), "attacker"),
        # the 3Commas-era shape: forged ids in the bot's own shape on a new, thin coin at 3.5× the price
        ("forged bot-shaped ids pumping a thin coin", bot_history(), pump(3 * H, cid="bot-{i:06d}"),
         "attacker"),
        # an id the account never used, off the market: the attacker
        ("new channel pumping a thin coin", bot_history(), pump(3 * H), "attacker"),
    ],
)  # fmt: skip
def test_orders_after_the_leak_time(
    case: str, history: list[Order], after: list[Order], expected: str
) -> None:
    got = judged([*history, *after])
    assert {got[o.order_id][0] for o in after} == {expected}, (case, [got[o.order_id] for o in after][:2])
    if expected == "unknown":
        assert all(NOT_ENOUGH_HISTORY.split("— ")[1] in got[o.order_id][2] for o in after)


def test_without_history_a_stream_older_than_the_attack_stays_unknown_while_the_new_one_is_linked() -> None:
    """Change point: the channel that began with the attack is the attacker's; the older one is not."""
    bot = bot_every_2h(H, 3 * D)
    attack = pump(50 * H)
    quiet = order(50 * H + td(minutes=20), symbol="QKCUSDT", price="0.0101", qty="100",
                  cid="77AbCdEfGhIjKlMnOpQrSt")  # fmt: skip
    got = judged([*bot, *attack, quiet])
    assert {got[o.order_id][0] for o in bot} == {"unknown"}
    assert {got[o.order_id][0] for o in attack} == {"attacker"}
    assert got[quiet.order_id][0] == "attacker" and "linked-to-attacker" in got[quiet.order_id][1]


def test_axs_style_one_huge_buy_on_a_liquid_pair_is_caught_by_price_not_liquidity() -> None:
    history = [*bot_history(), *(order(-H * (3 + i), symbol="AXSUSDT", price="7.00", qty="10",
                                       cid=f"bot-{800 + i:06d}") for i in range(6))]  # fmt: skip
    huge = order(2 * H, symbol="AXSUSDT", price="29.50", qty="340", cid="99AbCdEfGhIjKlMnOpQrSt")
    verdict, fired, _ = judged([*history, huge])[huge.order_id]
    assert verdict == "attacker"
    assert "off-market-price" in fired
    assert "illiquid-pair" not in fired  # 10 030 USDT against ~2 M USDT a minute: a liquid pair


def test_onset_names_the_first_order_of_the_new_shape() -> None:
    attack = pump(30 * H)
    ctx = context([*bot_history(), *bot_every_2h(H, 2 * D, 100), *attack], klines=KLINES, until=UNTIL)
    point = onset(judge_orders(ctx))
    assert point["time"] == attack[0].time and point["symbol"] == "QKCUSDT"
    assert onset(judge_orders(context(bot_history()))) == {}


def test_every_order_verdict_is_in_the_vocabulary() -> None:
    got = judged([*bot_every_2h(H, 2 * D), *pump(30 * H)])
    assert {v for v, _, _ in got.values()} <= set(VERDICTS)
    assert VERDICTS == ("attacker", "suspicious", "unknown", "normal")


def test_rules_that_compare_with_the_baseline_are_marked() -> None:
    needs = {r.id for r in ORDER_RULES if r.needs_history}
    assert needs == {"size-outlier", "burst"}


# --- withdrawals -------------------------------------------------------------------------------------


def book(address: str, name: str, *, white: bool) -> WithdrawAddress:
    return WithdrawAddress(address, "", "USDT", name, "TRX", "", "others", white)


@pytest.mark.parametrize(
    ("case", "before", "entries", "expected"),
    [
        ("whitelisted address-book entry named Ledger", [], [book("TLedger", "Ledger", white=True)],
         "normal"),
        ("address withdrawn to before the leak", [withdrawal(-3 * D, "TLedger")], [], "normal"),
        ("named entry, not whitelisted, never used", [], [book("TLedger", "exchange", white=False)],
         "suspicious"),
        ("new address outside the address book", [], [book("TOther", "Ledger", white=True)], "attacker"),
    ],
)  # fmt: skip
def test_withdrawals_after_an_early_leak_time(
    case: str, before: list[Withdrawal], entries: list[WithdrawAddress], expected: str
) -> None:
    mine = withdrawal(20 * H, "TLedger")
    ctx = context(bot_history(), withdrawals=(*before, mine), addresses=tuple(entries), until=UNTIL)
    got = {v.subject.id: (v.verdict, v.reason) for v in judge_withdrawals(ctx)}  # type: ignore[union-attr]
    assert got[mine.id][0] == expected, (case, got[mine.id])


# --- the key -----------------------------------------------------------------------------------------


def restrictions(created_after_leak: td) -> ApiRestrictions:
    return ApiRestrictions.from_json(
        {"ipRestrict": False, "createTime": to_ms(LEAK + created_after_leak), "enableReading": True,
         "enableSpotAndMarginTrading": True, "enableWithdrawals": True}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "created", "flagged"),
    [
        ("made by the attacker after taking the login", 20 * td(minutes=1), True),
        ("made a few hours before the leak time", -5 * H, True),
        ("the user's old key", -200 * D, False),
    ],
)
def test_a_key_created_after_the_leak_says_the_login_was_taken(case: str, created: td, flagged: bool) -> None:
    found = judge_key(context(bot_history(), restrictions=restrictions(created)), KEY_RULES)
    rules = {f.rule for f in found}
    assert ("key-created-after-leak" in rules) == flagged, case
    assert "permission-exposure" in rules
    if flagged:
        assert "login" in next(f.reason for f in found if f.rule == "key-created-after-leak")


def test_amounts_stay_decimal() -> None:
    assert isinstance(withdrawal(H).amount, Decimal)


def test_without_history_a_declared_bot_prefix_vouches_for_the_bot_only() -> None:
    """`--bot-prefix` with a leak time before all history: the bot is normal, the rest unknown,
    and a forged bot id that pumps still adds up to attacker on its behaviour."""
    bot = bot_every_2h(H, 2 * D)
    web = order(5 * H, symbol="ETHUSDT", price="3000", qty="0.05", cid=WEB_ID)
    forged = pump(30 * H, cid="bot-{i:06d}")
    got = judged([*bot, web, *forged], bot_prefixes=("bot-",))
    assert {got[o.order_id][0] for o in bot} == {"normal"}
    assert got[web.order_id][0] == "unknown"
    assert {got[o.order_id][0] for o in forged} == {"attacker"}
