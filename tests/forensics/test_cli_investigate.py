"""`responder investigate` end to end: the real command in a subprocess against the simulator on loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from responder.clock import from_ms
from responder.simulator import Simulator, load_scenario
from responder.simulator.server import serve
from tests.exchange.cli_run import Run, run

from .simulated import truth_orders

FINDINGS_KEYS = {
    "orders",
    "withdrawals",
    "transfers",
    "addresses",
    "summary",
    "futures",
    "margin",
    "derivatives_loss",
}


@dataclass
class Served:
    sim: Simulator
    base_url: str
    api_key: str
    secret: str
    leak: str  # ISO-8601, for --since

    def env(self) -> dict[str, str]:
        return {"BINANCE_API_KEY": self.api_key, "BINANCE_API_SECRET": self.secret}


@pytest.fixture
def served() -> Iterator[Served]:
    sim = Simulator(load_scenario("pump-and-dump"))
    key: dict[str, Any] = sim.keys[0].credentials_json()
    leak = from_ms(int(sim.ground_truth["leak_time"])).isoformat()
    try:
        with serve(sim) as base:
            yield Served(sim, base, str(key["api_key"]), str(key["secret"]), leak)
    finally:
        sim.close()


def investigate(s: Served, home: Path, *extra: str) -> Run:
    args = ["investigate", "--since", s.leak, "--base-url", s.base_url, "--out", "case", *extra]
    return run(args, s.env(), home)


def test_json_prints_exactly_the_findings_object_and_writes_it_with_the_evidence(
    served: Served, tmp_path: Path
) -> None:
    r = investigate(served, tmp_path, "--json")
    assert r.code == 0, r.err
    printed = json.loads(r.out)  # one JSON document, nothing else on stdout
    assert set(printed) == FINDINGS_KEYS
    written = json.loads((tmp_path / "case" / "findings.json").read_text(encoding="utf-8"))
    assert written == printed
    flagged = {(o["symbol"], o["orderId"]) for o in printed["orders"] if o["verdict"] == "attacker"}
    assert flagged >= truth_orders(served.sim)
    evidence = tmp_path / "case" / "evidence"
    orders = json.loads((evidence / "investigate-orders.json").read_text(encoding="utf-8"))
    assert {(o["symbol"], o["order_id"]) for o in orders} >= flagged
    assert (evidence / "investigate-withdrawals.json").exists()


def test_the_text_summary_names_the_attacker_orders_and_the_loss(served: Served, tmp_path: Path) -> None:
    r = investigate(served, tmp_path, "--bot-prefix", "grid7-")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("Window ") and "baseline 7 days before" in lines[0]
    counts = next(line for line in lines if line.startswith("Orders in the window:"))
    attackers = int(counts.split(":")[1].split()[0])
    assert attackers == len(truth_orders(served.sim))
    assert sum(1 for line in lines if line.strip().startswith("attacker ")) == min(attackers, 15)
    assert any(line.startswith("Estimated loss: ") and "USDT" in line for line in lines)
    assert lines[-1] == f"findings: {Path('case') / 'findings.json'}"
    assert (tmp_path / "case" / "findings.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "not a time"], "cannot read 'not a time' as a time"),
        (["--since", "3h ago", "--symbols", "some"], "--symbols must be 'held' or 'all'"),
        (["--since", "3h ago", "--base-url", "http://example.com"], "refusing plain http"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    served: Served, tmp_path: Path, args: list[str], message: str
) -> None:
    r = run(["investigate", *args, "--out", "case", "--json"], served.env(), tmp_path)
    assert r.code == 2
    assert message in r.err and r.out == ""
    assert not (tmp_path / "case").exists()
    assert served.sim.request_log.entries() == []


def test_an_unreachable_exchange_exits_3(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"BINANCE_API_KEY": "k" * 64, "BINANCE_API_SECRET": "s" * 64}
    r = run(
        ["investigate", "--since", "3h ago", "--base-url", f"http://127.0.0.1:{port}", "--json"],
        env,
        tmp_path,
    )
    assert r.code == 3
    assert "could not reach Binance" in r.err and r.out == ""


def test_the_secret_never_appears_in_output_or_files(served: Served, tmp_path: Path) -> None:
    runs = [investigate(served, tmp_path, "--json"), investigate(served, tmp_path)]
    assert all(r.code == 0 for r in runs)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "findings.json" for p in files)
    texts = [r.out + r.err for r in runs] + [p.read_text(encoding="utf-8", errors="replace") for p in files]
    for text in texts:
        assert served.secret not in text
        assert served.api_key not in text  # only the masked key, if any


@pytest.mark.slow
@pytest.mark.parametrize("days_early", [5, 12])
def test_an_early_since_on_the_command_line_keeps_precision_and_the_users_withdrawal(
    served: Served, tmp_path: Path, days_early: int
) -> None:
    """`--since` days before the true leak: the bot and the person's app trading continue unchanged into
    the window and stay normal; the Ledger withdrawal (whitelisted, 9 days before the leak) is not blamed."""
    since = (datetime.fromisoformat(served.leak) - timedelta(days=days_early)).isoformat()
    r = run(["investigate", "--since", since, "--base-url", served.base_url, "--out", "case", "--json"],
            served.env(), tmp_path)  # fmt: skip
    assert r.code == 0, r.err
    found = json.loads(r.out)
    flagged = {(o["symbol"], o["orderId"]) for o in found["orders"] if o["verdict"] == "attacker"}
    truth = truth_orders(served.sim)
    assert len(flagged & truth) / len(flagged) >= 0.97
    assert len(flagged & truth) / len(truth) >= 0.95
    assert all(w["verdict"] != "attacker" for w in found["withdrawals"])
    ledger = [w for w in found["withdrawals"] if w["address"] == "TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy"]
    assert ledger and all(w["verdict"] == "normal" for w in ledger)
    assert set(found["summary"]["orders"]) == {"attacker", "suspicious", "unknown", "normal"}
    assert found["summary"]["onset"]["symbol"] == "PHBUSDT"
