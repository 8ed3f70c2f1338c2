"""The hand-off: `scan --verify` finds a live key in history and prints the command; that command,
run in a pseudo-terminal, starts the playbook with the leak time and vector filled in for the person
to confirm with Enter — and the journal records the confirmed answers."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pexpect
import pytest

from responder.errors import UsageError
from responder.leak.prefill import VECTORS, Prefill, PrefillPrompter, parse_prefill
from responder.playbook.protocols import Prompt
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario
from responder.simulator.server import serve
from responder.wizard.prompter import RecordingDisplay
from tests.exchange.cli_run import run

from .repo_builder import commit, git

RESPONDER = str(Path(sys.executable).parent / "responder")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


class DefaultsPrompter:
    """A fake person who accepts every default (and records what was asked)."""

    def __init__(self) -> None:
        self.asked: list[Prompt] = []

    def text(self, q: Prompt) -> str:
        self.asked.append(q)
        return str(q.default or "")

    def choice(self, q: Prompt) -> str:
        self.asked.append(q)
        return str(q.default)

    def confirm(self, q: Prompt) -> bool:
        return True

    def when(self, q: Prompt) -> datetime:
        self.asked.append(q)
        return datetime.fromisoformat(str(q.default).replace("Z", "+00:00"))

    def secret(self, q: Prompt) -> Secret:
        return Secret("x")


def test_prefill_options_are_checked_before_anything_happens() -> None:
    p = parse_prefill("2026-11-01T10:00:00Z", "repository", now=NOW)
    assert p == Prefill(datetime(2026, 11, 1, 10, tzinfo=UTC), VECTORS["repository"])
    assert parse_prefill(None, None, now=NOW) is None
    with pytest.raises(UsageError, match="unknown --vector"):
        parse_prefill(None, "github", now=NOW)
    with pytest.raises(UsageError, match="future"):
        parse_prefill("2026-12-01T00:00:00Z", None, now=NOW)
    with pytest.raises(UsageError):
        parse_prefill("whenever", None, now=NOW)


def test_only_the_triage_questions_are_prefilled_and_the_person_is_told() -> None:
    inner, display = DefaultsPrompter(), RecordingDisplay()
    prompter = PrefillPrompter(
        inner, Prefill(datetime(2026, 11, 1, 10, tzinfo=UTC), VECTORS["server"]), display
    )
    assert (
        prompter.choice(
            Prompt("triage", "vector", "How?", choices=tuple(VECTORS.values()), default="Unknown")
        )
        == "Compromised server"
    )
    assert prompter.when(Prompt("triage", "leaked_at", "When?")) == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert prompter.choice(Prompt("triage", "what", "What?", choices=("a", "b"), default="a")) == "a"
    assert prompter.choice(Prompt("other", "vector", "How?", choices=("x",), default="x")) == "x"
    assert [q.help for q in inner.asked] == ["from responder scan", "from responder scan", "", ""]
    assert [text for _, text in display.lines] == [
        "Prefilled from responder scan: press Enter to keep each answer, or change it."
    ]


def test_a_prefilled_choice_the_playbook_does_not_offer_is_not_forced() -> None:
    inner, display = DefaultsPrompter(), RecordingDisplay()
    prompter = PrefillPrompter(inner, Prefill(None, VECTORS["insider"]), display)
    q = Prompt("triage", "vector", "How?", choices=("Unknown", "Other"), default="Unknown")
    assert prompter.choice(q) == "Unknown"
    assert display.lines == [("warn", "the prefilled answer 'Insider' is not a choice here; please choose")]


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(load_scenario("pump-and-dump"))
    with serve(sim) as base:
        yield sim, base
    sim.close()


@pytest.mark.slow
@pytest.mark.loopback
def test_scan_to_run_in_a_terminal(served: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = served
    key = sim.keys[0]
    assert key.secret is not None
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "bot.py").write_text(
        f'from binance.client import Client\nclient = Client("{key.api_key}", "{key.secret.reveal()}")\n'
    )
    commit(repo, "bot", "2026-11-20T09:14:02Z")
    (repo / "bot.py").write_text("from binance.client import Client\n")
    commit(repo, "oops", "2026-11-20T09:20:00Z")

    found = run(["scan", "--history", "--verify", "--base-url", base, str(repo)], {}, tmp_path)
    assert found.code == 1, found.err
    assert "LIVE" in found.out and key.secret.reveal() not in found.out + found.err
    command = re.search(r"responder run (--leaked-at \S+ --vector \S+)", found.out)
    assert command is not None and command.group(1) == "--leaked-at 2026-11-20T09:14:02Z --vector repository"

    case = tmp_path / "case"
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "NO_COLOR": "1", "TERM": "xterm",
        "LC_ALL": "C.UTF-8", "BINANCE_API_KEY": key.api_key, "BINANCE_API_SECRET": key.secret.reveal(),
    }  # fmt: skip
    child = pexpect.spawn(
        RESPONDER, ["run", *command.group(1).split(), "--base-url", base, "--incident-dir", str(case)],
        env=env, encoding="utf-8", timeout=30, dimensions=(40, 140),
    )  # fmt: skip
    try:
        child.expect(r"What leaked\?")  # the question, not the step title
        child.send("\r")
        child.expect("Prefilled from responder scan")
        child.expect(r"How\?")
        child.send("\r")  # the highlighted default: Pushed to a public repository
        child.expect("When could it have leaked")
        child.expect("2026-11-20T09:14:02Z")  # already typed in the answer field
        child.send("\r")
        child.expect("2026-11-20 09:14:02 UTC")  # echoed back for confirmation
        child.expect("Correct")
        child.send("\r")
        child.expect("first notice")
        child.send("now\r")
        child.expect("Correct")
        child.send("\r")
        child.expect("What was the key for")
        child.send("\r")
        child.expect("prefixes")
        child.send("\r")
        child.expect("Step 3/")
        child.sendintr()
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.kill(signal.SIGKILL)
    entries = [json.loads(line) for line in (case / "journal.jsonl").read_text().splitlines()]
    answers = {e["payload"]["question"]: e["payload"]["value"] for e in entries if e["kind"] == "answer"}
    assert answers["vector"] == "Pushed to a public repository"
    assert answers["leaked_at"].startswith("2026-11-20T09:14:02")
