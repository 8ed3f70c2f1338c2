"""The wizard as a person meets it: `responder drill` in a pseudo-terminal, Ctrl-C and resume,
`drill --auto` on every small scenario, and `responder run` against `responder simulator serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from responder.simulator import Simulator, load_scenario

RESPONDER = str(Path(sys.executable).parent / "responder")
pytestmark = pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed")


def env(home: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
        "NO_COLOR": "1", "TERM": "xterm", "LC_ALL": "C.UTF-8", "PROMPT_TOOLKIT_NO_CPR": "1", **extra,
    }  # fmt: skip


def sim_secrets(scenario: str) -> list[str]:
    sim = Simulator(load_scenario(scenario))
    try:
        return [k.secret.reveal() for k in sim.keys if k.secret is not None]
    finally:
        sim.close()


def no_secret_anywhere(secrets: list[str], texts: list[str], folder: Path) -> None:
    assert secrets
    for text in texts:
        assert not any(s in text for s in secrets)
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            assert not any(s in content for s in secrets), path


@pytest.mark.parametrize("scenario", ["pump-and-dump", "quiet-leak", "withdrawal-drain", "ip-restricted"])
def test_auto_drill_reaches_the_right_outcome(tmp_path: Path, scenario: str) -> None:
    case = tmp_path / "case"
    proc = subprocess.run(
        [RESPONDER, "drill", "--auto", "--scenario", scenario, "--incident-dir", str(case)],
        env=env(tmp_path), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "DRILL" in proc.stdout
    expected = "revocation rightly indeterminate" if scenario == "ip-restricted" else "key proven dead"
    assert f"✓ {expected}" in proc.stdout
    if scenario == "withdrawal-drain":
        assert "✓ all 1 attacker withdrawals found" in proc.stdout
    assert (case / "report.md").exists()
    assert (
        subprocess.run([RESPONDER, "verify", str(case)], env=env(tmp_path), capture_output=True).returncode
        == 0
    )
    no_secret_anywhere(sim_secrets(scenario), [proc.stdout, proc.stderr], case)


def test_unknown_scenario_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [RESPONDER, "drill", "--auto", "--scenario", "no-such-thing"], env=env(tmp_path),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "no-such-thing" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[pexpect.spawn]:
    child = pexpect.spawn(
        RESPONDER, ["drill", "--incident-dir", str(tmp_path / "case")], env=env(tmp_path),
        encoding="utf-8", timeout=30, dimensions=(40, 120),
    )  # fmt: skip
    yield child
    if child.isalive():
        child.kill(signal.SIGKILL)


ENTER = "\r"
TRIAGE = [
    ("What leaked\\?", ENTER), ("How\\?", ENTER), ("When could it have leaked", "6h ago" + ENTER),
    ("Correct", ENTER), ("first notice", "now" + ENTER), ("Correct", ENTER),
    ("What was the key for", ENTER), ("prefixes", "grid7-" + ENTER),
]  # fmt: skip
Y = "y" + ENTER  # every answer takes Enter
CANCEL = [("Cancel the \\d+ open orders that are not yours", Y), ("Also cancel your own", ENTER)]
AFTER_CANCEL = [
    ("I deleted the key", Y), ("Withdrawal whitelist is on", Y), ("I removed addresses", Y),
    ("I created a read-only", Y), ("Password changed", Y), ("2FA reset", Y), ("All other devices", Y),
    ("Anti-phishing", Y), ("Login history", Y),
]  # fmt: skip


def answer(child: pexpect.spawn, script: list[tuple[str, str]]) -> None:
    for pattern, keys in script:
        child.expect(pattern)
        child.send(keys)


def test_a_new_user_goes_from_the_first_question_to_the_report(drill: pexpect.spawn, tmp_path: Path) -> None:
    drill.expect("DRILL · scenario pump-and-dump · simulated Binance at 127.0.0.1:")
    drill.expect("Step 1/40 · Open the case")
    answer(drill, TRIAGE[:3])
    drill.expect("UTC")  # the typed time is echoed back in UTC for confirmation
    answer(drill, TRIAGE[3:])
    drill.expect("open orders")
    answer(drill, [*CANCEL, AFTER_CANCEL[0]])
    drill.expect("dead at")
    answer(drill, AFTER_CANCEL[1:])
    drill.expect("report.md, report.txt, report.html")
    drill.expect("What now")
    drill.expect("Journal head hash: ([0-9a-f]{64})")
    head = drill.match.group(1)  # what the person writes down
    drill.expect("✓ key proven dead")
    drill.expect(pexpect.EOF, timeout=60)
    drill.close()
    assert drill.exitstatus == 0
    assert (tmp_path / "case" / "report.html").exists()
    kept = subprocess.run(
        [RESPONDER, "verify", str(tmp_path / "case"), "--expect", head], env=env(tmp_path),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert kept.returncode == 0, kept.stdout
    assert "the head hash matches the one kept" in kept.stdout


def test_ctrl_c_saves_and_resume_finishes(drill: pexpect.spawn, tmp_path: Path) -> None:
    case = tmp_path / "case"
    answer(drill, [*TRIAGE, *CANCEL, ("I deleted the key", "")])
    drill.send("\x03")
    drill.expect("Saved. Resume with: .*responder resume")
    drill.expect(pexpect.EOF)
    drill.close()
    assert drill.exitstatus == 130
    interrupted = subprocess.run(
        [RESPONDER, "verify", str(case)], env=env(tmp_path), capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert interrupted.returncode == 0 and interrupted.stdout.startswith("intact so far, open"), (
        interrupted.stdout
    )
    journal = (case / "journal.jsonl").read_text(encoding="utf-8")
    assert '"kind": "outcome"' in journal or '"kind":"outcome"' in journal  # the cancel was recorded
    proc = subprocess.run(
        [RESPONDER, "resume", str(case)], env=env(tmp_path), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "Resuming case" in proc.stdout
    assert "✓ key proven dead" in proc.stdout
    assert "✓ attacker's open orders cancelled" in proc.stdout
    entries = [json.loads(x) for x in (case / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["kind"] for e in entries].count("intent") == [e["kind"] for e in entries].count("outcome")
    started = [e["step"] for e in entries if e["kind"] == "step-started"]
    assert started.count("triage") == 1 and started.count("cancel") == 1  # nothing done is repeated


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [RESPONDER, "simulator", "serve", "--port", "0", "--scenario", "pump-and-dump", "--log", str(log)],
        env=env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        leaked = info["keys"][0]
        creds = {"BINANCE_API_KEY": leaked["api_key"], "BINANCE_API_SECRET": leaked["secret"]}
        yield info["base_url"], creds, log
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


ANSWERS = """
cancel = {cancel}
cancel-own = false
delete-key = []
"delete-key.keep-checking" = false
disable-account = []
lockdown = ["Withdrawal whitelist is on"]
account-security = ["Password changed", "2FA reset"]

[triage]
what = "API key and secret"
vector = "Compromised server"
leaked_at = "{leak}"
noticed_at = "now"
user_type = "market-maker"
bot_prefixes = ""

[readonly-key]
api_key = ""
secret = ""

[sub-account]
belongs = "No: the main account"
"""


def mutations(log: Path) -> list[dict[str, object]]:
    rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [r for r in rows if r.get("mutating")]


@pytest.mark.parametrize("dry_run", [False, True])
def test_run_against_the_served_simulator_with_answers(
    served: tuple[str, dict[str, str], Path], tmp_path: Path, dry_run: bool
) -> None:
    base_url, creds, log = served
    leak = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 8 * 3600))
    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS.format(leak=leak, cancel="true"), encoding="utf-8")
    case = tmp_path / "case"
    args = ["run", "--base-url", base_url, "--answers", str(answers), "--incident-dir", str(case)]
    proc = subprocess.run(
        [RESPONDER, *args, *(["--dry-run"] if dry_run else [])], env=env(tmp_path, **creds),
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    sent = mutations(log)
    if dry_run:
        assert sent == []
        assert "DRY RUN" in proc.stdout and "would cancel order" in proc.stdout
    else:
        assert sent and all(r["method"] == "DELETE" for r in sent)
        assert len(sent) == len({json.dumps(r["params"], sort_keys=True) for r in sent})  # none twice
    assert (case / "report.md").exists()
    no_secret_anywhere([creds["BINANCE_API_SECRET"]], [proc.stdout, proc.stderr], case)


def test_missing_answer_without_a_terminal_is_a_one_line_error(
    served: tuple[str, dict[str, str], Path], tmp_path: Path
) -> None:
    base_url, creds, _ = served
    answers = tmp_path / "answers.toml"
    answers.write_text('[triage]\nwhat = "API key and secret"\n', encoding="utf-8")
    proc = subprocess.run(
        [RESPONDER, "run", "--base-url", base_url, "--answers", str(answers),
         "--incident-dir", str(tmp_path / "c")],
        env=env(tmp_path, **creds), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "triage" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "c" / "journal.jsonl").exists()  # what was recorded is kept
