"""The sweep end to end over a fake Exchange: plan, executor, follow-ups, verdicts, findings.json."""

from __future__ import annotations

import json
import threading
from datetime import timedelta as td
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from responder.clock import ManualClock
from responder.errors import Aborted
from responder.exchange.models import Order, SymbolInfo
from responder.forensics import planner
from responder.forensics.model import OrderVerdict, Window
from responder.forensics.sweep import Options, investigate
from responder.incident.findings import write as write_findings

from .builders import LEAK, NOW, SYMBOLS, bot_history, flat_klines, order, withdrawal
from .fake_exchange import FakeExchange

H = td(hours=1)


def account_with_attack() -> tuple[FakeExchange, list[Order]]:
    attack = [
        order(
            2 * H + td(minutes=i),
            symbol="QKCUSDT",
            price="0.0350",
            qty="20000",
            cid=f"{i:02d}AbCdEfGhIjKlMnOpQrSt",
        )
        for i in range(5)
    ]
    bot_after = [order(H * (i + 1), cid=f"bot-{100 + i:06d}") for i in range(3)]
    symbols = [*SYMBOLS.values(), SymbolInfo("DOGEUSDT", "TRADING", "DOGE", "USDT"),
               SymbolInfo("XRPEUR", "TRADING", "XRP", "EUR")]  # fmt: skip
    ex = FakeExchange(
        symbols=symbols, orders=[*bot_history(), *bot_after, *attack],
        balances={"USDT": "1500", "BTC": "0.5", "QKC": "100000"}, now=NOW,
        klines={"QKCUSDT": flat_klines(LEAK - 2 * H, 600, "0.0100", quote_volume="300")},
        withdrawals=[withdrawal(-td(days=2), "0xme"), withdrawal(3 * H, "0xthief")],
    )  # fmt: skip
    return ex, attack


def test_investigate_flags_the_attack_and_not_the_bot() -> None:
    ex, attack = account_with_attack()
    found: list[OrderVerdict] = []
    f = investigate(ex, since=LEAK, clock=ManualClock(NOW), on_attacker=found.append)
    attacker = {v.order.order_id for v in f.attacker_orders()}
    assert attacker == {o.order_id for o in attack}
    assert found and found[0].verdict == "attacker"
    assert [v.verdict for v in f.withdrawals] == ["normal", "attacker"]
    assert f.loss.usdt_paid == Decimal("3500.00") and f.loss.estimated_loss > 0
    assert "daily snapshot" in " ".join(f.gaps)  # a read the key could not make is named, not fatal
    assert ("allOrders", "XRPEUR") not in ex.calls  # no held asset could have traded it
    assert ("myTrades/orderId", "BTCUSDT") in ex.calls  # 3 bot fills: by orderId (3 × 5 < 20)


def test_symbols_all_sweeps_every_listed_symbol() -> None:
    ex, _ = account_with_attack()
    investigate(ex, since=LEAK, clock=ManualClock(NOW), options=Options(symbols="all"))
    assert ("allOrders", "XRPEUR") in ex.calls


def test_findings_json_has_the_pinned_shape(tmp_path: Path) -> None:
    ex, _ = account_with_attack()
    f = investigate(ex, since=LEAK, clock=ManualClock(NOW))
    paths = write_findings(f, tmp_path)
    data = json.loads(paths["findings"].read_text())
    row = next(o for o in data["orders"] if o["verdict"] == "attacker")
    for key in (
        "symbol",
        "orderId",
        "clientOrderId",
        "time",
        "side",
        "verdict",
        "rules",
        "reason",
        "price",
        "quoteQty",
    ):
        assert key in row
    assert row["time"].endswith("Z") and isinstance(row["price"], str)
    assert set(data["summary"]["loss"]) >= {"usdt_paid", "value_at_leak", "value_now", "method"}
    assert (tmp_path / "evidence" / "investigate-orders.json").exists()


def test_busy_symbol_is_walked_by_day_windows_and_order_id() -> None:
    many = [order(-td(minutes=5 * i + 1), cid=f"bot-{i:06d}") for i in reversed(range(2500))]
    ex = FakeExchange(symbols=list(SYMBOLS.values()), orders=many, balances={"BTC": "1"}, now=NOW)
    f = investigate(ex, since=LEAK, clock=ManualClock(NOW))
    window = Window(LEAK, NOW, 7)
    expected = {o.order_id for o in many if window.in_baseline(o.time)}
    assert {o.order_id for o in f.evidence.orders} == expected  # type: ignore[union-attr]


def test_plan_is_suspects_first_and_prices_its_own_minimum() -> None:
    symbols = [*SYMBOLS.values(), SymbolInfo("DOGEUSDT", "TRADING", "DOGE", "USDT")]
    tiers = planner.tiers(
        symbols, held={"USDT", "BTC"}, changed={"QKC", "USDT"}, open_order_symbols={"ETHBTC"}
    )
    plan = planner.plan_orders(tiers, Window(LEAK, NOW, 7), 6000)
    assert {c.symbol for c in plan.calls[:4]} == {"ETHBTC", "QKCUSDT", "QKCBTC", "BTCUSDT"}
    assert [c.tier for c in plan.calls] == sorted(c.tier for c in plan.calls)
    assert tiers["DOGEUSDT"] == 2 and tiers["ETHUSDT"] == 2
    assert plan.weight == 20 * len(plan.calls)
    assert plan.minimum_seconds == pytest.approx(60 * plan.weight / 6000)


def test_trades_use_the_cheaper_form() -> None:
    few = [order(H), order(2 * H)]
    assert [c.weight for c in planner.plan_trades("BTCUSDT", 0, few)] == [5, 5]
    many = [order(H + td(minutes=i)) for i in range(6)]
    assert [c.weight for c in planner.plan_trades("BTCUSDT", 0, many)] == [20]


def test_a_stopped_sweep_raises_aborted_and_sends_nothing_more() -> None:
    ex, _ = account_with_attack()
    stop = threading.Event()
    stop.set()
    with pytest.raises(Aborted):
        investigate(ex, since=LEAK, clock=ManualClock(NOW), stop=stop)
    assert not any(name == "allOrders" for name, _ in ex.calls)


def test_resume_skips_calls_already_done() -> None:
    ex, _ = account_with_attack()
    saved: dict[str, Any] = {}
    investigate(ex, since=LEAK, clock=ManualClock(NOW), checkpoint=saved.__setitem__)
    again, _ = account_with_attack()
    f = investigate(again, since=LEAK, clock=ManualClock(NOW), done=saved)
    assert not any(name == "allOrders" for name, _ in again.calls)
    assert f.attacker_orders()


def test_klines_cover_runs_whose_lead_overlaps_in_one_call() -> None:
    """Two runs 90 min apart: their 3 h leads overlap, so one request covers both (one round trip)."""
    fills = [LEAK + H, LEAK + H + td(minutes=90)]
    calls = planner.plan_klines("BTCUSDT", 0, fills, gap=td(minutes=30))
    assert len(calls) == 1
    assert calls[0].start is not None and calls[0].end is not None
    assert calls[0].start <= fills[0] - planner.KLINE_LEAD and calls[0].end >= fills[1] + planner.KLINE_TAIL
    far = [LEAK + H, LEAK + 9 * H]  # leads do not overlap: two spans
    assert len(planner.plan_klines("BTCUSDT", 0, far, gap=td(minutes=30))) == 2


def test_trades_and_klines_of_a_symbol_start_before_the_other_symbols_are_read() -> None:
    """A symbol's next stage is queued as soon as its orders are in, not after every symbol's."""
    ex, _ = account_with_attack()
    investigate(ex, since=LEAK, clock=ManualClock(NOW), options=Options(workers=1))
    names = [name for name, _ in ex.calls]
    first_follow_up = min(i for i, n in enumerate(names) if n in ("myTrades", "klines"))
    last_orders = max(i for i, n in enumerate(names) if n == "allOrders")
    assert first_follow_up < last_orders
