"""`responder investigate` covers futures and margin too: the futures-drain account over loopback, and a
spot-only key whose futures are unknown (never an empty futures account)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.clock import from_ms
from responder.simulator import Simulator, load_scenario
from responder.simulator.server import serve
from tests.exchange.cli_run import run
from tests.forensics.test_cli_investigate import Served


def _served(scenario: str) -> Iterator[Served]:
    sim = Simulator(load_scenario(scenario))
    key = sim.keys[0].credentials_json()
    leak = from_ms(int(sim.ground_truth["leak_time"])).isoformat()
    try:
        with serve(sim) as base:
            yield Served(sim, base, str(key["api_key"]), str(key["secret"]), leak)
    finally:
        sim.close()


@pytest.fixture
def drained() -> Iterator[Served]:
    yield from _served("futures-drain")


@pytest.fixture
def spot_only() -> Iterator[Served]:
    yield from _served("pump-and-dump")


def test_investigate_finds_the_attackers_futures_and_margin_orders(drained: Served, tmp_path: Path) -> None:
    args = ["investigate", "--since", drained.leak, "--base-url", drained.base_url, "--out", "case"]
    r = run(args, drained.env(), tmp_path)
    assert r.code == 0, r.err
    assert (
        "futures: 5 orders judged the attacker's" in r.out
        and "margin: 2 orders judged the attacker's" in r.out
    )
    written = json.loads((tmp_path / "case" / "findings.json").read_text(encoding="utf-8"))
    assert (
        written["futures"]["read"]
        and "into USDⓈ-M futures" in written["futures"]["transfers"][0]["description"]
    )
    fapi = [e for e in drained.sim.request_log.entries() if e.path.startswith("/fapi/")]
    assert fapi and not any(e.mutating for e in drained.sim.request_log.entries()), "read-only"


def test_a_key_without_futures_says_unknown(spot_only: Served, tmp_path: Path) -> None:
    args = ["investigate", "--since", spot_only.leak, "--base-url", spot_only.base_url, "--out", "case"]
    r = run(args, spot_only.env(), tmp_path)
    assert r.code == 0, r.err
    assert "futures: unknown (the reads failed)" in r.out
    written = json.loads((tmp_path / "case" / "findings.json").read_text(encoding="utf-8"))
    assert written["futures"]["read"] is False and written["futures"]["gaps"]
