"""The sub-account feature as a person meets it, in a pseudo-terminal: the drill typed answer by answer,
`drill --auto`, and `keys sweep` asking for the master secret hidden."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from responder.clock import SystemClock
from responder.simulator import Simulator, load_scenario, serve

from .test_drill_cli import RESPONDER, env, no_secret_anywhere, sim_secrets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]
ENTER, DOWN = "\r", "\x1b[B"


def test_auto_drill_deletes_the_sub_account_key_through_the_api(tmp_path: Path) -> None:
    case = tmp_path / "case"
    proc = subprocess.run(
        [RESPONDER, "drill", "--auto", "--scenario", "sub-account-leak", "--incident-dir", str(case)],
        env=env(tmp_path), capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    text = " ".join(proc.stdout.split())  # the display wraps long lines
    assert "through the API" in text
    assert "✓ leaked key deleted through the master account's API" in text
    assert "✓ leaked key proven dead" in text
    no_secret_anywhere(sim_secrets("sub-account-leak"), [proc.stdout, proc.stderr], case)


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[pexpect.spawn]:
    child = pexpect.spawn(
        RESPONDER, ["drill", "--scenario", "sub-account-leak", "--incident-dir", str(tmp_path / "case")],
        env=env(tmp_path), encoding="utf-8", timeout=30, dimensions=(40, 140),
    )  # fmt: skip
    yield child
    if child.isalive():
        child.kill(signal.SIGKILL)


def test_a_person_kills_the_sub_account_key_from_the_drill(drill: pexpect.spawn, tmp_path: Path) -> None:
    script = [
        ("What leaked\\?", ENTER), ("How\\?", ENTER), ("When could it have leaked", "1h ago" + ENTER),
        ("Correct", ENTER), ("first notice", "now" + ENTER), ("Correct", ENTER),
        ("What was the key for", ENTER), ("prefixes", ENTER),
        ("belong to a sub-account", DOWN + ENTER),  # "Yes: a sub-account"
        ("sub-account's email", "mm-desk@fund.example" + ENTER),
        ("Cancel the \\d+ open orders that are not yours", "y" + ENTER), ("Also cancel your own", ENTER),
        ("Delete the leaked key .* now, through the master account's API", "y" + ENTER),
    ]  # fmt: skip
    for pattern, keys in script:
        drill.expect(pattern)
        drill.send(keys)
    drill.expect("deleted .* through the API")
    drill.expect("dead at")
    drill.expect("What should happen to this key")
    drill.send(ENTER)  # "Leave it as it is" (the default)
    checklist = (
        "Withdrawal whitelist is on", "I removed addresses", "I created a read-only", "Password changed",
        "2FA reset", "All other devices", "Anti-phishing", "Login history",
    )  # fmt: skip
    for pattern in checklist:
        drill.expect(pattern)
        drill.send("y" + ENTER)
    drill.expect("Move everything free on")
    drill.send(ENTER)  # No (the default for a mutation)
    drill.expect("not done \\(you said no\\)")
    drill.expect("report.md, report.txt, report.html")
    drill.expect("✓ leaked key deleted through the master account's API")
    drill.expect(pexpect.EOF, timeout=60)
    drill.close()
    assert drill.exitstatus == 0
    journal = (tmp_path / "case" / "journal.jsonl").read_text(encoding="utf-8")
    assert '"sub.delete_leaked_key"' in journal and '"sub.move_assets"' not in journal.split('"intent"')[-1]


def test_keys_sweep_asks_for_the_master_secret_hidden(tmp_path: Path) -> None:
    sim = Simulator(load_scenario("sub-account-leak"), clock=SystemClock())
    master = next(k for k in sim.keys if k.name == "master")
    assert master.secret is not None
    secret = master.secret.reveal()
    with serve(sim, "127.0.0.1", 0) as base:
        child = pexpect.spawn(
            RESPONDER, ["keys", "sweep"], encoding="utf-8", timeout=30, dimensions=(40, 140),
            env=env(tmp_path, BINANCE_MASTER_API_KEY=master.api_key, BINANCE_BASE_URL=base),
        )  # fmt: skip
        try:
            child.expect("Master account API secret")
            child.sendline(secret)
            child.expect("Swept 3 sub-account")
            child.expect(pexpect.EOF)
            seen = (child.before or "") + (child.after if isinstance(child.after, str) else "")
            child.close()
        finally:
            if child.isalive():
                child.kill(signal.SIGKILL)
    assert child.exitstatus == 0
    assert secret not in seen and master.api_key not in seen
    assert "mm-desk@fund.example" in seen and "HIGH" in seen
    sim.close()


def test_keys_sweep_without_a_terminal_or_secret_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [RESPONDER, "keys", "sweep", "--json"], env=env(tmp_path, BINANCE_MASTER_API_KEY="M" * 64),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    json.dumps(proc.stderr)  # printable


def test_ctrl_c_after_the_deletion_and_resume_never_resends_it(drill: pexpect.spawn, tmp_path: Path) -> None:
    case = tmp_path / "case"
    script = [
        ("What leaked\\?", ENTER), ("How\\?", ENTER), ("When could it have leaked", "1h ago" + ENTER),
        ("Correct", ENTER), ("first notice", "now" + ENTER), ("Correct", ENTER),
        ("What was the key for", ENTER), ("prefixes", ENTER),
        ("belong to a sub-account", DOWN + ENTER), ("sub-account's email", ENTER),
        ("Cancel the \\d+ open orders that are not yours", "y" + ENTER), ("Also cancel your own", ENTER),
        ("Delete the leaked key", "y" + ENTER),
    ]  # fmt: skip
    for pattern, keys in script:
        drill.expect(pattern)
        drill.send(keys)
    drill.expect("What should happen to this key")
    drill.send("\x03")
    drill.expect("Saved. Resume with: .*responder resume")
    drill.expect(pexpect.EOF)
    drill.close()
    assert drill.exitstatus == 130
    proc = subprocess.run(
        [RESPONDER, "resume", str(case)], env=env(tmp_path), capture_output=True, text=True, timeout=180,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    text = " ".join(proc.stdout.split())
    assert "✓ leaked key deleted through the master account's API" in text
    entries = [json.loads(x) for x in (case / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    intents = [
        e for e in entries if e["kind"] == "intent" and e["payload"]["action"] == "sub.delete_leaked_key"
    ]
    assert len(intents) == 1  # sent once, before the interruption; the resume replayed it


LIVE_ANSWERS = """
cancel = true
cancel-own = false
sub-delete = true
sub-move = false
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
belongs = "Yes: a sub-account"

[sub-account-details]
email = "mm-desk@fund.example"

[sub-other-1-choice]
do = "Leave it as it is"
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], dict[str, str], Path]]:
    """`simulator serve --scenario sub-account-leak`: its URL, leaked and master credentials, its log."""
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [RESPONDER, "simulator", "serve", "--port", "0", "--scenario", "sub-account-leak", "--log", str(log)],
        env=env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        keys = {k["name"]: k for k in info["keys"]}
        leaked = info["keys"][0]
        master = keys["master"]  # the scenario's master key, listed among the served keys
        yield (
            info["base_url"],
            {"BINANCE_API_KEY": leaked["api_key"], "BINANCE_API_SECRET": leaked["secret"]},
            {"BINANCE_MASTER_API_KEY": master["api_key"], "BINANCE_MASTER_API_SECRET": master["secret"]},
            log,
        )
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_live_run_with_the_master_key_in_the_environment(
    served: tuple[str, dict[str, str], dict[str, str], Path], tmp_path: Path, dry_run: bool
) -> None:
    base_url, leaked, master, log = served
    answers = tmp_path / "answers.toml"
    leak = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2 * 3600))
    answers.write_text(LIVE_ANSWERS.format(leak=leak), encoding="utf-8")
    case = tmp_path / "case"
    args = ["run", "--base-url", base_url, "--answers", str(answers), "--incident-dir", str(case)]
    proc = subprocess.run(
        [RESPONDER, *args, *(["--dry-run"] if dry_run else [])], env=env(tmp_path, **leaked, **master),
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    rows = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()]
    deletes = [
        r for r in rows if r["method"] == "DELETE" and r["path"] == "/sapi/v1/sub-account/subAccountApi"
    ]
    text = " ".join(proc.stdout.split())
    if dry_run:
        assert deletes == [] and "would delete" in text
    else:
        assert len(deletes) == 1 and deletes[0]["status"] == 200
        assert "master key" in text and "from the environment" in text and "dead at" in text
    no_secret_anywhere([leaked["BINANCE_API_SECRET"], master["BINANCE_MASTER_API_SECRET"]],
                       [proc.stdout, proc.stderr], case)  # fmt: skip
