"""The futures-drain drill (issue 15): unattended with its self-check, and typed by a person who
cancels the attacker's futures and margin orders and keeps the position (Enter = the default, no)."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.wizard.test_drill_cli import (
    AFTER_CANCEL,
    ENTER,
    RESPONDER,
    TRIAGE,
    answer,
    env,
    no_secret_anywhere,
    sim_secrets,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]


def _journal(case: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (case / "journal.jsonl").read_text(encoding="utf-8").splitlines()]


def test_auto_futures_drill_cancels_with_a_journaled_confirmed_mutation_and_finds_the_attacker(
    tmp_path: Path,
) -> None:
    case = tmp_path / "case"
    proc = subprocess.run(
        [RESPONDER, "drill", "--auto", "--scenario", "futures-drain", "--incident-dir", str(case)],
        env=env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    out = proc.stdout
    for line in (
        "✓ futures cancel journaled as a confirmed mutation (DELETE /fapi/v1/allOpenOrders: ok)",
        "✓ attacker's open futures orders cancelled",
        "✓ attacker's open margin orders cancelled",
        "✓ all 5 attacker futures orders found",
        "✓ the transfer into futures is named",
    ):
        assert line in out, out[-3000:]
    entries = _journal(case)
    intent = next(
        e
        for e in entries
        if e["kind"] == "intent" and e["payload"]["request"]["path"] == "/fapi/v1/allOpenOrders"
    )
    assert intent["payload"]["request"] == {
        "method": "DELETE",
        "path": "/fapi/v1/allOpenOrders",
        "params": {"symbol": "ZKJUSDT"},
    }
    assert any(e["kind"] == "confirmation" and e["step"] == "cancel-futures" for e in entries)
    outcome = next(
        e
        for e in entries
        if e["kind"] == "outcome" and e["payload"]["action"] == "leak.cancel_futures_orders"
    )
    assert outcome["payload"]["status"] == "ok"
    # the close was offered and declined: no order sent, the position recorded as kept
    assert not any(
        e["kind"] == "intent" and e["payload"]["request"]["path"] == "/fapi/v1/order" for e in entries
    )
    kept = next(
        e for e in entries if e["kind"] == "check" and e["payload"]["action"] == "leak.futures_positions"
    )
    assert kept["payload"]["result"] == "kept" and "ETHUSDT" in kept["payload"]["reason"]
    findings = json.loads((case / "findings.json").read_text(encoding="utf-8"))
    attacker_trades = [t for t in findings["futures"]["trades"] if t["symbol"] == "ZKJUSDT"]
    assert attacker_trades and {t["verdict"] for t in attacker_trades} == {"attacker"}
    assert "moved into USDⓈ-M futures" in findings["futures"]["transfers"][0]["description"]
    report = (case / "report.md").read_text(encoding="utf-8")
    assert "## Futures (USDⓈ-M)" in report and "The key also had USDⓈ-M futures access" in report
    assert "futures BUY ZKJUSDT" in (case / "report.html").read_text(encoding="utf-8")  # on the timeline
    verify = subprocess.run(
        [RESPONDER, "verify", str(case)], env=env(tmp_path), capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    no_secret_anywhere(sim_secrets("futures-drain"), [proc.stdout, proc.stderr], case)


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[pexpect.spawn]:
    child = pexpect.spawn(
        RESPONDER,
        ["drill", "--scenario", "futures-drain", "--incident-dir", str(tmp_path / "case")],
        env=env(tmp_path),
        encoding="utf-8",
        timeout=40,
        dimensions=(40, 120),
    )
    yield child
    if child.isalive():
        child.kill(signal.SIGKILL)


def test_a_person_cancels_futures_and_margin_orders_and_keeps_the_position(
    drill: pexpect.spawn, tmp_path: Path
) -> None:
    drill.expect("DRILL · scenario futures-drain")
    answer(drill, TRIAGE)
    drill.expect("futures +wallet")
    drill.expect("opened after the leak")
    answer(drill, [("Cancel all 2 open USDⓈ-M futures orders on", "y" + ENTER)])
    drill.expect("open futures orders now: 0")
    answer(drill, [("Cancel all 1 open margin orders", "y" + ENTER)])
    drill.expect("open margin orders now: 0")
    drill.expect("Closing sells or buys at market")  # the market risk is stated before the question
    answer(drill, [("reduce-only MARKET orders", ENTER)])  # Enter takes the default: no
    drill.expect("not done \\(you said no\\)")
    drill.expect("kept open by your choice")
    answer(drill, AFTER_CANCEL)
    drill.expect("What now")
    drill.expect("futures position ETHUSDT kept open")
    drill.expect("✓ key proven dead")
    drill.expect(pexpect.EOF, timeout=60)
    drill.close()
    assert drill.exitstatus == 0


def test_ctrl_c_at_the_close_question_saves_and_resume_replays_the_futures_cancels_once(
    drill: pexpect.spawn, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    answer(
        drill,
        [
            *TRIAGE,
            ("Cancel all 2 open USDⓈ-M futures orders on", "y" + ENTER),
            ("Cancel all 1 open margin orders", "y" + ENTER),
        ],
    )
    drill.expect("reduce-only MARKET orders")
    drill.send("\x03")
    drill.expect("Saved. Resume with: .*responder resume")
    drill.expect(pexpect.EOF)
    drill.close()
    assert drill.exitstatus == 130
    resumed = pexpect.spawn(
        RESPONDER,
        ["resume", str(case)],
        env=env(tmp_path),
        encoding="utf-8",
        timeout=40,
        dimensions=(40, 120),
    )
    resumed.expect("Resuming case")
    answer(resumed, [("reduce-only MARKET orders", ENTER)])  # asked again: nothing was decided yet
    resumed.expect("kept open by your choice")
    answer(resumed, AFTER_CANCEL)
    resumed.expect("✓ attacker's open futures orders cancelled")
    resumed.expect(pexpect.EOF, timeout=60)
    resumed.close()
    assert resumed.exitstatus == 0
    entries = _journal(case)
    intents = [e["payload"]["request"]["path"] for e in entries if e["kind"] == "intent"]
    assert intents.count("/fapi/v1/allOpenOrders") == 1, intents  # the cancel is never sent twice
    assert intents.count("/sapi/v1/margin/openOrders") == 1, intents
