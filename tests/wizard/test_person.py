"""The drill as a person drives it (issue 17): the real `responder drill` in a pseudo-terminal, typed
as people type — `y` then Enter at every yes/no, arrows and Enter in lists, a key pressed by mistake,
keys typed while responder waits — interrupted with Ctrl-C, SIGTERM and SIGKILL, and resumed with the
exact command it printed. Asserted on the screen, the exit code and the journal."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

RESPONDER = str(Path(sys.executable).parent / "responder")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]
ENTER, UP, DOWN, CTRL_C = "\r", "\x1b[A", "\x1b[B", "\x03"
YES, NO = "y" + ENTER, "n" + ENTER


def person_env(home: Path, **extra: str) -> dict[str, str]:
    """A person's shell: the venv is NOT on PATH (as after `./dev drill`), no colour, a real TERM."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return {
        "PATH": path, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "NO_COLOR": "1",
        "TERM": "xterm", "LC_ALL": "C.UTF-8",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # a pty answers no cursor-position request: don't wait for one
        **extra,
    }  # fmt: skip


def spawn(args: list[str], home: Path, **extra: str) -> pexpect.spawn:
    return pexpect.spawn(
        args[0], args[1:], env=person_env(home, **extra), encoding="utf-8", timeout=40, dimensions=(50, 120)
    )


@pytest.fixture
def children() -> Iterator[list[pexpect.spawn]]:
    spawned: list[pexpect.spawn] = []
    yield spawned
    for child in spawned:
        if child.isalive():
            child.kill(signal.SIGKILL)


def journal(case: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (case / "journal.jsonl").read_text(encoding="utf-8").splitlines()]


def say(child: pexpect.spawn, pattern: str, keys: str) -> None:
    child.expect(pattern)
    child.send(keys)


def triage(child: pexpect.spawn) -> None:
    say(child, r"What leaked\?", ENTER)  # the question, not the step's title "What leaked, and when"
    say(child, r"How\?", UP * 4 + ENTER)  # from the default "Unknown" up to "Pushed to a public repository"
    say(child, "When could it have leaked", "6h ago" + ENTER)
    child.expect(r"UTC\. Correct\?")
    child.send(YES)
    say(child, "first notice", "now" + ENTER)
    say(child, r"Correct\?", YES)
    say(child, "What was the key for", ENTER)
    say(child, "prefixes", "grid7-" + ENTER)  # the person knows what their bot's ids start with


def cancel(child: pexpect.spawn) -> None:
    """Cancel the attacker's orders; keep one's own (the default, Enter)."""
    say(child, r"Cancel the \d+ open orders that are not yours", YES)
    child.expect(r"cancelled \d+ of \d+ orders")
    say(child, r"Also cancel your own \d+ open orders", ENTER)
    child.expect("not done")


LOCKDOWN = ["Withdrawal whitelist is on", "I removed addresses", "I created a read-only"]
SECURITY = ["Password changed", "2FA reset", "All other devices", "Anti-phishing", "Login history"]


def checklist(child: pexpect.spawn, items: list[str]) -> None:
    for item in items:
        say(child, re.escape(item), YES)


def finish(child: pexpect.spawn) -> str:
    child.expect("What now", timeout=120)
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    return str(child.before)


def test_a_person_typing_y_enter_mistakes_and_stray_keys_reaches_the_report(
    tmp_path: Path, children: list[pexpect.spawn]
) -> None:
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path)
    children.append(child)
    child.expect("DRILL · scenario pump-and-dump")
    triage(child)
    cancel(child)
    # A slip: "n" at the deletion. The key is alive; the person checks again, and while responder
    # waits types Down Down Down Enter (which would pick "Move on"): those keys must be thrown away.
    say(child, "I deleted the key in API Management", NO)
    child.expect("!! KEY STILL ALIVE")
    say(child, "What now", ENTER)  # "Check again now"
    child.expect("checking again in")
    child.send(DOWN * 3 + ENTER)
    child.expect("What now")
    child.expect("Check again now")  # the cursor is back on the default: the stray keys answered nothing
    child.send(DOWN + ENTER)  # "I did it again — check now"
    say(child, "I deleted the key in API Management", YES)
    child.expect("dead at")
    checklist(child, LOCKDOWN)
    checklist(child, SECURITY)
    child.expect("Clean the repository")  # the vector picked with the arrows was recorded
    out = finish(child)
    assert child.exitstatus == 0, out
    assert "✓ key proven dead" in out and "not finished" not in out
    entries = journal(case)
    items = {e["payload"]["item"] for e in entries if e["kind"] == "confirmation"}
    assert {"Withdrawal whitelist is on", "Password changed", "Login history checked"} <= items
    assert "I deleted the key in API Management" in items
    done = {e["step"]: e["payload"]["status"] for e in entries if e["kind"] == "step-completed"}
    assert done["delete-key"] == "done" and done["lockdown"] == "done" and done["account-security"] == "done"
    answers = {e["payload"]["question"]: e["payload"]["value"] for e in entries if e["kind"] == "answer"}
    assert answers["vector"] == "Pushed to a public repository"


def resume_line(child: pexpect.spawn) -> list[str]:
    child.expect(r"Saved\. Resume with: (.+?)\r?\n")
    return shlex.split(str(child.match.group(1)))


def test_ctrl_c_then_the_printed_resume_command_finishes_and_nothing_is_sent_twice(
    tmp_path: Path, children: list[pexpect.spawn]
) -> None:
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path)
    children.append(child)
    triage(child)
    cancel(child)
    child.expect("I deleted the key")
    child.send(CTRL_C)
    command = resume_line(child)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert command[0] == RESPONDER and command[1:] == ["resume", str(case.absolute())]  # not on PATH
    resumed = spawn(command, tmp_path)
    children.append(resumed)
    resumed.expect("Resuming case")
    say(resumed, "I deleted the key", YES)
    checklist(resumed, LOCKDOWN)
    checklist(resumed, SECURITY)
    out = finish(resumed)
    assert resumed.exitstatus == 0, out
    assert "✓ key proven dead" in out and "✓ attacker's open orders cancelled" in out
    entries = journal(case)
    intents = [json.dumps(e["payload"]["request"], sort_keys=True) for e in entries if e["kind"] == "intent"]
    assert intents and len(intents) == len(set(intents))  # each cancel sent exactly once
    started = [e["step"] for e in entries if e["kind"] == "step-started"]
    assert started.count("cancel") == 1 and started.count("triage") == 1


def test_sigkill_mid_checklist_then_resume_does_not_ask_confirmed_items_again(
    tmp_path: Path, children: list[pexpect.spawn]
) -> None:
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path)
    children.append(child)
    triage(child)
    cancel(child)
    say(child, "I deleted the key", YES)
    checklist(child, LOCKDOWN[:2])
    child.expect(re.escape(LOCKDOWN[2]))
    child.kill(signal.SIGKILL)
    child.close()
    resumed = spawn([RESPONDER, "resume", str(case)], tmp_path)
    children.append(resumed)
    resumed.expect("Resuming case")
    resumed.expect(r"Withdrawal whitelist is on \(you confirmed this before the interruption\)")
    resumed.expect(r"I removed addresses I do not recognise \(you confirmed")
    say(resumed, re.escape(LOCKDOWN[2]), YES)
    checklist(resumed, SECURITY)
    out = finish(resumed)
    assert resumed.exitstatus == 0, out
    assert "✓ key proven dead" in out
    entries = journal(case)
    items = [e["payload"]["item"] for e in entries if e["kind"] == "confirmation"]
    assert items.count("Withdrawal whitelist is on") == 1  # confirmed once, never asked again
    intents = [e for e in entries if e["kind"] == "intent"]
    assert len(intents) == len({json.dumps(e["payload"]["request"], sort_keys=True) for e in intents})


def test_sigterm_saves_and_prints_the_resume_line_like_ctrl_c(
    tmp_path: Path, children: list[pexpect.spawn]
) -> None:
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path, RESPONDER_LAUNCHER="./dev")
    children.append(child)
    child.expect(r"What leaked\?")
    child.kill(signal.SIGTERM)
    assert resume_line(child) == ["./dev", "resume", str(case.absolute())]
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert journal(case)[0]["kind"] == "case-opened"


def test_a_drill_whose_self_check_fails_exits_1(tmp_path: Path, children: list[pexpect.spawn]) -> None:
    """The person never deletes the key and moves on: the self-check fails, and so does the drill."""
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path)
    children.append(child)
    triage(child)
    cancel(child)
    say(child, "I deleted the key", NO)
    say(child, "What now", UP + ENTER)  # up from the first choice wraps to the last: "Move on"
    child.expect("recorded as unresolved")
    child.expect("Step 28/40 · Lock down withdrawals")
    child.expect("!! KEY STILL ALIVE at [0-9:]+ UTC: a signed read with it succeeded — not resolved")
    checklist(child, LOCKDOWN)
    checklist(child, SECURITY)
    child.expect("What now", timeout=120)
    child.expect("!! KEY STILL ALIVE at [0-9:]+ UTC: a signed read with it succeeded — do this first")
    child.expect("not finished: Delete the key")
    child.expect("key not proven dead")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 1


def test_ctrl_c_after_the_investigation_key_then_resume_still_investigates(
    tmp_path: Path, children: list[pexpect.spawn]
) -> None:
    """The read-only investigation key lived only in memory; resumed, the drill re-creates it and the
    sweep finds the attacker's orders (issue 17 #3: not "orders 0 checked", loss 0, exit 0)."""
    case = tmp_path / "case"
    child = spawn([RESPONDER, "drill", "--incident-dir", str(case)], tmp_path)
    children.append(child)
    triage(child)
    cancel(child)
    say(child, "I deleted the key", YES)
    checklist(child, LOCKDOWN)
    child.expect("investigation key .* works")
    say(child, re.escape(SECURITY[0]), CTRL_C)
    command = resume_line(child)
    child.expect(pexpect.EOF)
    child.close()
    resumed = spawn(command, tmp_path)
    children.append(resumed)
    resumed.expect("Connect the investigation key: it lived only in the stopped process; again now")
    resumed.expect("investigation key .* works")
    checklist(resumed, SECURITY)
    out = finish(resumed)
    assert resumed.exitstatus == 0, out
    assert "✓ all 15 attacker orders found" in out
    findings = json.loads((case / "findings.json").read_text(encoding="utf-8"))
    assert sum(o["verdict"] == "attacker" for o in findings["orders"]) == 15
