"""A real process killed with SIGKILL at every step boundary resumes to the same final state, and the
simulator's request log (served on loopback) proves no mutation was sent twice. Dry run sends no
mutation at all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from responder.clock import SystemClock
from responder.incident.journal import verify_chain
from responder.simulator import Simulator, load_scenario, serve
from responder.simulator.records import SimOrder
from responder.simulator.requestlog import LogEntry

HARNESS = Path(__file__).parent / "harness.py"
PLAYBOOK = Path(__file__).parent / "data" / "basic.toml"
ANSWERS = """
cancel = true
delete-key = ["I deleted the key", "I checked no other key exists"]
"delete-key.keep-checking" = false
[triage]
vector = "public-repo"
leaked_at = 2026-11-23T09:40:00Z
symbol = "PHBUSDT"
passphrase = "old-secret-value-123"
"""
STEPS = 7  # headers shown for the answers above (every step of basic.toml runs)
SYMBOL = "PHBUSDT"  # the attacker's open sell orders in the pump-and-dump scenario


class Exchange:
    """The simulator served on loopback, restarted fresh per run; the leaked key's credentials go to
    the harness in its environment (simulated material only)."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self.start()

    def start(self) -> None:
        self.sim = Simulator(load_scenario("pump-and-dump"), clock=SystemClock())
        self._stack.callback(self.sim.close)
        self.url = self._stack.enter_context(serve(self.sim))
        key = self.sim.keys[0]
        assert key.secret is not None
        self.env = {"BINANCE_API_KEY": key.api_key, "BINANCE_API_SECRET": key.secret.reveal()}

    @property
    def mutations(self) -> list[LogEntry]:
        return [e for e in self.sim.request_log if e.mutating]

    def open_orders(self) -> list[SimOrder]:
        return self.sim.state.open_orders(SYMBOL)


@pytest.fixture
def exchange() -> Iterator[Exchange]:
    with ExitStack() as stack:
        yield Exchange(stack)


def harness(case: Path, ex: Exchange, answers: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(HARNESS), "--case", str(case), "--playbook", str(PLAYBOOK),
           "--answers", str(answers), "--base-url", ex.url, *extra]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", ""), **ex.env}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).parents[2], env=env
    )


def final(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(ANSWERS)
    return path


@pytest.mark.slow
@pytest.mark.loopback
def test_sigkill_at_every_step_boundary_resumes_to_the_same_final_state(
    exchange: Exchange, answers: Path, tmp_path: Path
) -> None:
    assert exchange.open_orders()
    baseline = final(harness(tmp_path / "baseline", exchange, answers))
    assert baseline["closed"] == "done" and len(exchange.mutations) == 1 and exchange.open_orders() == []
    for kill_at in range(1, STEPS + 1):
        exchange.start()  # a fresh account with the attacker's orders open again
        case = tmp_path / f"kill-{kill_at}"
        killed = harness(case, exchange, answers, "--kill-at-step", str(kill_at))
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        resumed = final(harness(case, exchange, answers, "--resume"))
        assert resumed == baseline, f"killed at step {kill_at}"
        assert len(exchange.mutations) == 1, f"killed at step {kill_at}: {exchange.mutations}"
        assert exchange.open_orders() == []
        assert verify_chain(case / "journal.jsonl") == []


@pytest.mark.slow
@pytest.mark.loopback
def test_sigkill_between_request_and_outcome_is_reconciled_not_resent(
    exchange: Exchange, answers: Path, tmp_path: Path
) -> None:
    case = tmp_path / "mid"
    killed = harness(case, exchange, answers, "--kill-after-mutation")
    assert killed.returncode == -signal.SIGKILL
    assert len(exchange.mutations) == 1 and exchange.open_orders() == []
    resumed = final(harness(case, exchange, answers, "--resume"))
    assert len(exchange.mutations) == 1  # the DELETE was not sent again
    assert resumed["closed"] == "done"
    assert resumed["steps"]["cancel"] == {
        "status": "done",
        "outputs": {"outcome": "reconciled", "open_orders": 0},
    }
    kinds = [json.loads(line)["kind"] for line in (case / "journal.jsonl").read_text().splitlines()]
    assert kinds.count("intent") == 1 and kinds.count("resumed") == 1


@pytest.mark.loopback
def test_a_dry_run_sends_zero_mutating_requests(exchange: Exchange, answers: Path, tmp_path: Path) -> None:
    result = final(harness(tmp_path / "dry", exchange, answers, "--dry-run"))
    assert exchange.mutations == []
    assert list(exchange.sim.request_log) and {e.method for e in exchange.sim.request_log} == {"GET"}
    assert result["steps"]["cancel"]["outputs"] == {"outcome": "would-do"}
    text = (tmp_path / "dry" / "journal.jsonl").read_text()
    assert '"kind":"would-do"' in text and '"kind":"intent"' not in text
