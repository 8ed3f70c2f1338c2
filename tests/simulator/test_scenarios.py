"""Scenarios: every shipped file loads and plays out, deterministically, with realistic ids."""

from __future__ import annotations

import pickle
import re
import time
from pathlib import Path

import pytest

from responder.clock import ManualClock, to_ms
from responder.simulator import ScenarioError, Simulator, builtin_names, load_scenario

SHIPPED = {"pump-and-dump", "quiet-leak", "withdrawal-drain", "ip-restricted", "large-account"}


def test_the_required_scenarios_ship_with_the_package() -> None:
    assert set(builtin_names()) >= SHIPPED


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_scenario_loads_and_plays_out(name: str) -> None:
    clock = ManualClock()
    sim = Simulator(load_scenario(name), clock=clock)
    assert sim.keys[0].leaked, "the leaked key comes first"
    truth = sim.ground_truth
    assert truth["leak_time"] < to_ms(clock.now())
    sim.advance(2 * 3600)
    after = sim.ground_truth["attacker_actions"]
    assert all(e["status"] in ("done", "prevented") for e in after), (
        "nothing is left pending after the timeline"
    )
    assert [e["time"] for e in after] == sorted(e["time"] for e in after)


def test_attacker_user_and_bot_orders_carry_their_channels_ids(clock: ManualClock) -> None:
    sim = Simulator(load_scenario("pump-and-dump"), clock=clock)
    orders = [o for b in (sim.state.book(s) for s in ("PHBUSDT", "BTCUSDT", "BNBUSDT")) for o in b.orders]
    by_source = {
        src: [o.client_order_id for o in orders if o.source == src] for src in ("attacker", "bot", "web")
    }
    assert all(re.fullmatch(r"[A-Za-z0-9]{22}", c) for c in by_source["attacker"]) and by_source["attacker"]
    assert all(c.startswith("grid7-") for c in by_source["bot"]) and by_source["bot"]
    assert all(re.fullmatch(r"web_[0-9a-f]{32}", c) for c in by_source["web"]) and by_source["web"]
    ids = [o.order_id for o in sim.state.book("PHBUSDT").orders]
    times = [o.time_ms for o in sim.state.book("PHBUSDT").orders]
    assert ids == sorted(ids) and times == sorted(times), "ids grow with time"


def test_the_same_scenario_issues_the_same_keys_and_history() -> None:
    a = Simulator(load_scenario("pump-and-dump"), clock=ManualClock())
    b = Simulator(load_scenario("pump-and-dump"), clock=ManualClock())
    assert [k.api_key for k in a.keys] == [k.api_key for k in b.keys]
    assert a.keys[0].secret == b.keys[0].secret
    assert a.keys[1].private_key_pem == b.keys[1].private_key_pem
    assert [t.to_json() for t in a.state.book("BTCUSDT").trades] == [
        t.to_json() for t in b.state.book("BTCUSDT").trades
    ]


def test_times_are_relative_to_now() -> None:
    early = Simulator(load_scenario("quiet-leak"), clock=ManualClock())
    later_clock = ManualClock()
    later_clock.advance(86400 * 3)
    later = Simulator(load_scenario("quiet-leak"), clock=later_clock)
    assert later.ground_truth["leak_time"] - early.ground_truth["leak_time"] == 86400 * 3 * 1000


def test_a_broken_scenario_file_names_itself(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[keys]]\nname = "k"\ntype = "DSA"\n[[markets]]\nsymbol="X"\n')
    with pytest.raises(ScenarioError, match=r"bad\.toml.*type must be one of"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no scenario named"):
        load_scenario("no-such-scenario")
    float_amount = tmp_path / "float.toml"
    float_amount.write_text(
        '[account]\nbalances = { USDT = 1.5 }\n[[keys]]\nname = "k"\n'
        '[[markets]]\nsymbol="BTCUSDT"\nbase="BTC"\nquote="USDT"\nprice="1"\n'
    )
    with pytest.raises(ScenarioError, match="amounts as strings"):
        load_scenario(float_amount)


@pytest.mark.slow
def test_the_large_account_has_400_symbols_and_about_100k_trades_and_starts_fast() -> None:
    started = time.perf_counter()
    sim = Simulator(load_scenario("large-account"), clock=ManualClock())
    assert time.perf_counter() - started < 1.0, "history is built lazily"
    assert len(sim.state.markets) == 400
    trades = sum(len(sim.state.book(s).trades) for s in sim.state.markets)
    assert 90_000 <= trades <= 110_000


def test_simulated_key_material_is_masked_when_printed() -> None:
    key = Simulator(load_scenario("pump-and-dump"), clock=ManualClock()).keys[0]
    assert key.secret is not None
    raw = key.secret.reveal()
    assert len(raw) == 64
    assert raw not in repr(key) and raw not in f"{key.secret}" and raw not in str(key.secret)
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(key.secret)


def test_an_unknown_scenario_carries_a_hint() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("no-such-scenario")
    assert info.value.hint is not None and "pump-and-dump" in info.value.hint
