"""The sweep under real conditions: a two-hop attack through a never-held asset, an early --since,
the real incident shapes as drills, and findings from the snapshot alone."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta as td
from decimal import Decimal
from pathlib import Path

import pytest

from responder.clock import ManualClock, SystemClock
from responder.exchange.models import Order, SymbolInfo, Withdrawal
from responder.forensics import planner
from responder.forensics.model import Window
from responder.forensics.snapshot import judge_snapshot
from responder.forensics.sweep import investigate
from responder.simulator import Simulator, load_scenario

from .builders import LEAK, NOW, bot_history, flat_klines, order, withdrawal
from .fake_exchange import FakeExchange
from .simulated import client_for, leak_time, truth_orders

H = td(hours=1)
NEW_SCENARIOS = [
    "via-btc-2018", "axs-pump-2022", "3commas-2022", "attacker-made-key", "two-hop-stablecoin",
    "early-leak-time",
]  # fmt: skip
TWO_HOP = [
    SymbolInfo("BTCUSDT", "TRADING", "BTC", "USDT"),
    SymbolInfo("FDUSDUSDT", "TRADING", "FDUSD", "USDT"),
    SymbolInfo("QKCFDUSD", "TRADING", "QKC", "FDUSD"),
    SymbolInfo("QKCBTC", "TRADING", "QKC", "BTC"),
    SymbolInfo("DOGEEUR", "TRADING", "DOGE", "EUR"),
]


def two_hop_account() -> tuple[FakeExchange, list[Order]]:
    """USDT → FDUSD (never held) → thin QKCFDUSD at 5× → dumped → FDUSD back to USDT: nothing left."""
    cid = "{:02d}AbCdEfGhIjKlMnOpQrSt".format
    attack = [
        order(2 * H, symbol="FDUSDUSDT", price="1.0", qty="2000", cid=cid(1)),
        order(2 * H + td(minutes=5), symbol="QKCFDUSD", price="0.050", qty="19000", cid=cid(2)),
        order(2 * H + td(minutes=6), symbol="QKCFDUSD", price="0.050", qty="19000", cid=cid(3)),
        order(2 * H + td(minutes=20), symbol="QKCFDUSD", side="SELL", price="0.010", qty="38000", cid=cid(4)),
        order(2 * H + td(minutes=25), symbol="FDUSDUSDT", side="SELL", price="1.0", qty="480", cid=cid(5)),
    ]
    ex = FakeExchange(
        symbols=TWO_HOP, orders=[*bot_history(), *attack], balances={"USDT": "3820", "BTC": "0.5"}, now=NOW,
        klines={"QKCFDUSD": flat_klines(LEAK - 2 * H, 600, "0.0100", quote_volume="300")},
    )  # fmt: skip
    return ex, attack


def test_a_two_hop_attack_through_a_never_held_asset_is_found() -> None:
    """No 24 h ticker here (the fake has none): only closing the universe over FDUSD finds QKCFDUSD."""
    ex, attack = two_hop_account()
    held_only = planner.tiers(TWO_HOP, held={"USDT", "BTC"}, changed=set())
    assert "QKCFDUSD" not in held_only  # neither asset held or changed: the old sweep never read it
    found = investigate(ex, since=LEAK, clock=ManualClock(NOW))
    assert ("allOrders", "QKCFDUSD") in ex.calls
    assert ("allOrders", "DOGEEUR") not in ex.calls  # closed over what it found, not the whole exchange
    flagged = {v.order.order_id for v in found.attacker_orders()}
    pump = [o for o in attack if o.symbol == "QKCFDUSD" and o.side == "BUY"]
    assert {o.order_id for o in pump} <= flagged
    assert not {o.order_id for o in bot_history()} & flagged


def test_discover_brings_each_new_asset_in_once_as_a_suspect() -> None:
    window = Window(LEAK, NOW)
    listed = {s.symbol: s for s in TWO_HOP}
    covered, planned = {"USDT", "BTC"}, {"BTCUSDT": 1, "FDUSDUSDT": 2}
    hop = [order(H, symbol="FDUSDUSDT", cid="x")]
    calls = planner.discover(hop, window, listed, covered, planned)
    assert [(c.symbol, c.tier) for c in calls] == [("QKCFDUSD", 0)]
    assert planner.discover(hop, window, listed, covered, {**planned, "QKCFDUSD": 0}) == []
    before = [order(-H, symbol="DOGEEUR", cid="y")]  # the baseline brings nothing in
    assert planner.discover(before, window, listed, covered, planned) == []


def test_spiked_pairs_are_read_first_and_brought_in() -> None:
    spikes = {"QKCFDUSD": Decimal(5), "FDUSDUSDT": Decimal("1.001"), "DOGEEUR": Decimal("1.2")}
    tiers = planner.tiers(TWO_HOP, held={"USDT", "BTC"}, changed=set(), spikes=spikes)
    assert tiers["QKCFDUSD"] == 1 and "DOGEEUR" not in tiers
    plan = planner.plan_orders(tiers, Window(LEAK, NOW), 6000, spikes)
    order_read = [c.symbol for c in plan.calls]
    assert order_read[:2] == ["QKCFDUSD", "BTCUSDT"]  # tier 1, the most spiked first; then tier 2


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["pump-and-dump", "via-btc-2018"])
@pytest.mark.parametrize("days_early", [5, 12])
def test_an_early_since_keeps_precision_and_does_not_blame_the_user(scenario: str, days_early: int) -> None:
    sim = Simulator(load_scenario(scenario), weight_limit=10**9)
    try:
        truth = truth_orders(sim)
        clock = SystemClock()
        leak = leak_time(sim)
        with client_for(sim, clock) as client:
            found = investigate(client, since=leak - td(days=days_early), clock=clock)
    finally:
        sim.close()
    flagged = {(v.order.symbol, v.order.order_id) for v in found.attacker_orders()}
    hits = len(flagged & truth)
    assert hits / len(flagged) >= 0.97, sorted(flagged - truth)[:5]
    assert hits / len(truth) >= 0.95, sorted(truth - flagged)[:5]
    mine = [(v, v.subject) for v in found.withdrawals if isinstance(v.subject, Withdrawal)]
    own = [v for v, w in mine if w.apply_time < leak]  # the user's own, before the true leak
    assert own, "the scenario needs a withdrawal of the user's"
    inside = [v for v, w in mine if w.apply_time < leak and found.window.in_incident(w.apply_time)]
    assert all(w.verdict == "normal" for w in own), [(w.verdict, w.reason) for w in own]
    if scenario == "pump-and-dump" and days_early == 12:
        assert inside and "whitelisted" in inside[0].reason  # the Ledger withdrawal, inside the window


def test_findings_from_the_snapshot_count_proven_withdrawals_and_name_their_gaps() -> None:
    thief, mine = withdrawal(2 * H, "0xthief"), withdrawal(-td(days=3), "0xme")
    found = judge_snapshot(
        since=LEAK, now=NOW, why="the account is disabled", withdrawals=[mine, thief],
        tickers={"BTCUSDT": Decimal(60000)},
    )  # fmt: skip
    got = {w.subject.id: w.verdict for w in found.withdrawals if isinstance(w.subject, Withdrawal)}
    assert got == {mine.id: "normal", thief.id: "attacker"}
    assert found.orders == ()
    assert found.loss.withdrawn_value == Decimal("101.00")  # 100 USDT + 1 fee, at par
    assert found.loss.method.startswith("Orders not swept")
    assert any("not swept: the account is disabled" in g for g in found.gaps)
    assert any("address book not read" in g for g in found.gaps)


RESPONDER = str(Path(sys.executable).parent / "responder")


@pytest.mark.slow
@pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed")
@pytest.mark.parametrize("scenario", NEW_SCENARIOS)
def test_the_drill_self_check_passes_on_each_real_incident_shape(tmp_path: Path, scenario: str) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"),
           "NO_COLOR": "1", "TERM": "xterm", "LC_ALL": "C.UTF-8"}  # fmt: skip
    proc = subprocess.run(
        [RESPONDER, "drill", "--auto", "--scenario", scenario, "--incident-dir", str(tmp_path / "case")],
        env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2500:] + proc.stderr
    tail = proc.stdout[proc.stdout.index("Drill self-check") :]
    assert "!" not in tail and "✓ every verdict in the vocabulary" in tail
    assert "✓ no withdrawal of the user's judged the attacker's" in tail
    if scenario == "attacker-made-key":
        assert "✓ key created after the leak reported" in tail
    if scenario == "early-leak-time":  # answered 20 days early: the Ledger withdrawal is inside the window
        report = (tmp_path / "case" / "report.md").read_text(encoding="utf-8")
        assert "judged mine (a trusted address)" in report
        assert "Flag the destination" not in report


def test_each_symbol_reports_its_completion_after_all_its_calls_and_resume_sends_none_again() -> None:
    ex, _ = two_hop_account()
    saved: dict[str, list[object]] = {}
    finished: list[tuple[str, set[str]]] = []

    def checkpoint(key: str, rows: object) -> None:
        saved[key] = list(rows)  # type: ignore[call-overload]

    def symbol_done(symbol: str) -> None:
        finished.append((symbol, {k for k in saved if k.split(":")[1] == symbol}))

    investigate(ex, since=LEAK, clock=ManualClock(NOW), checkpoint=checkpoint, symbol_done=symbol_done)
    names = [s for s, _ in finished]
    assert sorted(names) == sorted(set(names)) and "QKCFDUSD" in names  # once each, discovered ones too
    for symbol, keys in finished:  # its orders, and its trades and klines when it had fills, were all in
        assert any(k.startswith("orders:") for k in keys), symbol
    resumed = FakeExchange(
        symbols=TWO_HOP, orders=ex.orders, balances={"USDT": "3820", "BTC": "0.5"}, now=NOW,
        klines={"QKCFDUSD": flat_klines(LEAK - 2 * H, 600, "0.0100", quote_volume="300")},
    )  # fmt: skip
    again = investigate(resumed, since=LEAK, until=NOW, clock=ManualClock(NOW), done=saved)
    swept = {"allOrders", "myTrades", "klines"}
    assert [c for c in resumed.calls if c[0].split("/")[0] in swept] == []  # all from the cursors
    assert {v.order.symbol for v in again.attacker_orders()} >= {"QKCFDUSD"}


def test_an_empty_baseline_period_falls_back_to_older_orders_the_newest_pages_held() -> None:
    """The bot paused for the 7 days before the leak time given; its older orders (already in the
    newest page, no extra call) still tell its shape, so its orders after the leak are not unknown."""
    older = [order(-td(days=9, hours=2 * i), cid=f"bot-{i:06d}") for i in range(30)]
    after = [order(H * (i + 1), cid=f"bot-{100 + i:06d}") for i in range(4)]
    ex = FakeExchange(
        symbols=TWO_HOP, orders=[*older, *after], balances={"USDT": "1000", "BTC": "0.5"}, now=NOW
    )
    found = investigate(ex, since=LEAK, clock=ManualClock(NOW))
    assert {v.verdict for v in found.orders} == {"normal"}
    assert "learned from 30 older orders" in str(found.baseline_summary["fallback"])


@pytest.mark.parametrize(
    ("scenario", "must", "must_not"),
    [
        ("axs-pump-2022", {"off-market-price"}, {"illiquid-pair"}),  # liquid: the price rule catches it
        ("3commas-2022", {"off-market-price", "new-symbol"}, {"unknown-origin"}),  # the bot's own id shape
        ("via-btc-2018", {"balance-drain"}, set()),  # the altcoin dumps feed the funnel into VIABTC
    ],
)
def test_each_real_shape_is_caught_by_the_rule_its_shape_calls_for(
    scenario: str, must: set[str], must_not: set[str]
) -> None:
    sim = Simulator(load_scenario(scenario), weight_limit=10**9)
    try:
        truth = truth_orders(sim)
        clock = SystemClock()
        with client_for(sim, clock) as client:
            found = investigate(client, since=leak_time(sim), clock=clock)
    finally:
        sim.close()
    attack = [v for v in found.orders if (v.order.symbol, v.order.order_id) in truth]
    assert attack and all(v.verdict == "attacker" for v in attack)
    fired = set().union(*(set(v.rules) for v in attack))
    assert must <= fired and not (must_not & fired), fired


@pytest.mark.slow
def test_a_leak_time_beyond_binances_90_day_window_is_read_in_windows() -> None:
    """Withdraw and deposit history accept windows under 90 days: an early leak time is split, and
    the attacker's withdrawal is still found (no gap, no crash)."""
    sim = Simulator(load_scenario("withdrawal-drain"), weight_limit=10**9)
    try:
        clock = SystemClock()
        with client_for(sim, clock) as client:
            found = investigate(client, since=leak_time(sim) - td(days=100), clock=clock)
    finally:
        sim.close()
    assert not [g for g in found.gaps if "withdraw history" in g or "deposit history" in g], found.gaps
    assert [w for w in found.withdrawals if w.verdict != "normal"]
