"""The wizard's three entry points — a live run, a drill, a resume — as core functions the CLI calls.

Each builds the collaborators (prompter, display, clock, credentials, client, simulator), calls the
engine (`playbook.session`), and returns an `Outcome` for the CLI to turn into an exit code. The
last screen says what to send to support, where the files are, and what to do in the next 24 hours.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from responder.clock import Clock, OffsetClock, SystemClock
from responder.errors import SelfCheckFailed, UsageError
from responder.secrets import Secret, SecretRegistry
from responder.wizard.display import TerminalDisplay, color_enabled
from responder.wizard.prompter import AnswersPrompter, EchoingPrompter, Prompter

if TYPE_CHECKING:  # the engine is imported where it is used: the first prompt comes before it (issue 5)
    from responder.exchange.protocol import Exchange
    from responder.playbook.actions import ActionRegistry
    from responder.playbook.model import Playbook
    from responder.playbook.runner import RunResult
    from responder.playbook.session import Mode

LEAK_PLAYBOOK = "binance-api-key-leak"


@dataclass(frozen=True)
class Outcome:
    result: RunResult
    checks: tuple[str, ...] = ()


def _resume_command() -> Any:
    """How to resume, as the person launched responder (see `wizard/launch.py`)."""
    from responder.wizard.launch import resume_command

    return lambda directory: resume_command(directory, os.environ, sys.argv, sys.executable)


def _interactive(clock: Clock) -> Prompter:
    from responder.wizard.questionary_prompter import QuestionaryPrompter

    plain = "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"
    return QuestionaryPrompter(clock=clock, color=not plain)


def _prompter(answers: Path | None, playbook: Any, clock: Clock) -> Prompter:
    if answers is None:
        return _interactive(clock)
    from responder.playbook.answers import load_answers

    fallback = _interactive(clock) if sys.stdin.isatty() else None
    return AnswersPrompter(load_answers(answers, playbook), clock=clock, fallback=fallback)


def _load(playbook_ref: str) -> tuple[ActionRegistry, Playbook]:
    """The action registry and the playbook loaded against it (the engine's import cost is here)."""
    from responder.playbook.actions import default_registry
    from responder.playbook.loader import find_playbook, load_playbook

    registry = default_registry()
    return registry, load_playbook(find_playbook(playbook_ref), registry)


@contextmanager
def _clients(base_url: str, clock: Clock, stack: ExitStack) -> Iterator[Any]:
    """A factory of clients for further keys (the read-only investigation key), closed at the end."""
    from responder.credentials import Credentials
    from responder.exchange.client import connect
    from responder.exchange.signing import HmacSigner

    def make(api_key: str, secret: Secret) -> Exchange:
        creds = Credentials(api_key.strip(), HmacSigner(secret), "HMAC")
        return stack.enter_context(connect(base_url, creds, clock=clock))

    yield make


def run_live(
    *,
    playbook_ref: str,
    base_url: str,
    dry_run: bool,
    answers: Path | None,
    incident_dir: Path | None,
    environ: Mapping[str, str],
    out: TextIO,
) -> Outcome:
    from responder.credentials import load_credentials
    from responder.exchange.baseurl import check_base_url

    clock, secrets = SystemClock(), SecretRegistry()
    base_url = check_base_url(base_url)
    if answers is None:
        _need_terminal("give the answers in a file: responder run --answers FILE")
    # An answers file is checked against the playbook before anything is asked; otherwise the key is
    # asked first and the engine loads after it: nothing but the prompt comes before the first prompt.
    loaded = _load(playbook_ref) if answers is not None else None
    prompter = _prompter(answers, loaded[1] if loaded else None, clock)
    display = TerminalDisplay(out, color=color_enabled(out), tag="DRY RUN" if dry_run else "")
    display.banner(("DRY RUN · nothing will be changed · " if dry_run else "") + f"Binance at {base_url}")
    ask = None if not sys.stdin.isatty() else (lambda prompt: _ask_masked(prompter, prompt))
    creds = load_credentials(environ, secrets, ask_secret=ask)
    registry, playbook = loaded or _load(playbook_ref)
    from responder.exchange.client import connect  # httpx: only once the first prompt is answered
    from responder.playbook.runner import Env
    from responder.playbook.session import CaseInfo, start_case

    with ExitStack() as stack, _clients(base_url, clock, stack) as factory:
        client = stack.enter_context(connect(base_url, creds, clock=clock))
        env = Env(
            prompter,
            display,
            clock,
            secrets,
            registry,
            exchange=client,
            connect=factory,
            resume_command=_resume_command(),
        )
        info = CaseInfo(base_url, creds.masked_key, creds.key_type)
        mode: Mode = "dry-run" if dry_run else "live"
        result = start_case(env, playbook, mode=mode, info=info, incident_dir=incident_dir, environ=environ)
    closing(display, result)
    return Outcome(result)


def _need_terminal(alternative: str) -> None:
    """The wizard asks questions: without a terminal say so at once, before anything is recorded."""
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask questions on", hint=alternative)


def _ask_masked(prompter: Prompter, prompt: str) -> str:
    from responder.wizard.prompter import Prompt

    return prompter.secret(Prompt("credentials", prompt, prompt)).reveal()


def run_drill(
    *, scenario: str, auto: bool, incident_dir: Path | None, environ: Mapping[str, str], out: TextIO
) -> Outcome:
    from responder.wizard import drill

    if not auto:
        _need_terminal("for an unattended drill: responder drill --auto")
    clock = SystemClock()
    display = TerminalDisplay(out, color=color_enabled(out), tag="DRILL")
    with drill.simulator(scenario, clock) as setup:
        display.banner(
            f"DRILL · scenario {setup.scenario} · simulated Binance at "
            f"{setup.base_url.removeprefix('http://')} · nothing real is touched"
        )
        result = _drill_case(setup, auto, display, clock, environ, incident_dir=incident_dir)
        check = drill.self_check(setup.sim, result.incident_dir)
    return _drill_outcome(display, result, check, auto)


def _drill_case(
    setup: Any,
    auto: bool,
    display: TerminalDisplay,
    clock: Clock,
    environ: Mapping[str, str],
    *,
    incident_dir: Path | None = None,
    resume_dir: Path | None = None,
    force: bool = False,
) -> RunResult:
    from responder.credentials import Credentials
    from responder.exchange.client import connect
    from responder.exchange.signing import HmacSigner, signer_from_pem
    from responder.playbook.runner import Env
    from responder.playbook.session import CaseInfo, resume_case, start_case
    from responder.wizard import drill

    secrets = SecretRegistry()
    leaked = setup.sim.keys[0]
    signer = (
        HmacSigner(leaked.secret) if leaked.secret is not None else signer_from_pem(leaked.private_key_pem)
    )
    secrets.extend(s for s in (leaked.secret, leaked.private_key_pem) if s is not None)
    creds = Credentials(leaked.api_key, signer, signer.key_type)
    registry, playbook = _load(LEAK_PLAYBOOK)
    prompter: Prompter = (
        EchoingPrompter(AnswersPrompter(drill.auto_answers(setup.sim), clock=clock), display)
        if auto
        else _interactive(clock)
    )
    with ExitStack() as stack, _clients(setup.base_url, clock, stack) as factory:
        client = stack.enter_context(connect(setup.base_url, creds, clock=clock))
        env = Env(
            prompter,
            display,
            clock,
            secrets,
            registry,
            exchange=client,
            control=setup.control,
            connect=factory,
            resume_command=_resume_command(),
        )
        if resume_dir is not None:
            return resume_case(env, resume_dir, playbook=playbook, force=force)
        info = CaseInfo(setup.base_url, creds.masked_key, creds.key_type, scenario=setup.scenario)
        return start_case(env, playbook, mode="drill", info=info, incident_dir=incident_dir, environ=environ)


def _drill_outcome(display: TerminalDisplay, result: RunResult, check: Any, auto: bool) -> Outcome:
    closing(display, result)
    display.banner("Drill self-check against the scenario's ground truth")
    for line in check.passed:
        display.show("ok", line)
    for line in check.problems:
        display.show("warn", line)
    if not check.ok:  # interactive or not, resumed or not: a drill that missed its outcome fails
        raise SelfCheckFailed(f"the drill did not reach the expected outcome: {'; '.join(check.problems)}")
    return Outcome(result, tuple(check.passed))


def resume(
    directory: Path, *, force: bool, answers: Path | None, environ: Mapping[str, str], out: TextIO
) -> Outcome:
    opened = _case_opened(directory)
    if opened.get("mode") == "drill":
        auto = answers is not None or not sys.stdin.isatty()  # unattended: the scenario's script answers
        return _resume_drill(directory, opened, force=force, auto=auto, out=out)
    from responder.credentials import load_credentials
    from responder.playbook.runner import Env
    from responder.playbook.session import resume_case

    clock, secrets = SystemClock(), SecretRegistry()
    base_url = str(opened.get("base_url") or "https://api.binance.com")
    registry, playbook = _load(str(opened["playbook_id"]))
    prompter = _prompter(answers, playbook, clock)
    display = TerminalDisplay(
        out, color=color_enabled(out), tag="DRY RUN" if opened["mode"] == "dry-run" else ""
    )
    ask = None if not sys.stdin.isatty() else (lambda prompt: _ask_masked(prompter, prompt))
    creds = load_credentials(environ, secrets, ask_secret=ask)
    from responder.exchange.client import connect  # httpx: only once the first prompt is answered

    with ExitStack() as stack, _clients(base_url, clock, stack) as factory:
        client = stack.enter_context(connect(base_url, creds, clock=clock))
        env = Env(
            prompter,
            display,
            clock,
            secrets,
            registry,
            exchange=client,
            connect=factory,
            resume_command=_resume_command(),
        )
        result = resume_case(env, directory, playbook=playbook, force=force)
    closing(display, result)
    return Outcome(result)


def _resume_drill(
    directory: Path, opened: dict[str, Any], *, force: bool, auto: bool, out: TextIO
) -> Outcome:
    """A drill resumes on a fresh simulator anchored at the case's opening, with what was done replayed."""
    from datetime import datetime

    from responder.wizard import drill

    system = SystemClock()
    started = datetime.fromisoformat(str(opened["_time"]).replace("Z", "+00:00"))
    sim_clock = OffsetClock(system, (started - system.now()).total_seconds())
    display = TerminalDisplay(out, color=color_enabled(out), tag="DRILL")
    with drill.simulator(str(opened.get("scenario") or "pump-and-dump"), sim_clock) as setup:
        drill.replay(setup, directory)
        result = _drill_case(setup, auto, display, system, os.environ, resume_dir=directory, force=force)
        check = drill.self_check(setup.sim, result.incident_dir)
    return _drill_outcome(display, result, check, auto)


def _case_opened(directory: Path) -> dict[str, Any]:
    path = directory / "journal.jsonl"
    try:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        entry = json.loads(first)
    except (OSError, IndexError, ValueError):
        raise UsageError(f"{directory} is not an incident directory (no readable journal.jsonl)") from None
    if entry.get("kind") != "case-opened":
        raise UsageError(f"{path}: the first entry is not case-opened")
    return {**entry["payload"], "_time": entry["time"]}


def _launcher() -> str:
    from responder.wizard.launch import launcher

    return launcher(os.environ, sys.argv, sys.executable)


def _verify_command(directory: Path) -> str:
    return f"{_launcher()} verify {directory}"


def closing(display: TerminalDisplay, result: RunResult) -> None:
    """The last screen: what to send, where the files are, the next 24 hours."""
    d = result.incident_dir
    display.banner("\nWhat now")
    if display.danger is not None:
        display.show("danger", f"{display.danger} — do this first")
    if result.findings:
        for f in result.findings:
            display.show("warn", f)
    unresolved = [s.title for s in result.steps if s.status in ("unresolved", "failed")]
    for title in unresolved:
        display.show("warn", f"not finished: {title}")
    if result.mode in ("dry-run", "drill"):
        what = "dry run: nothing was changed" if result.dry_run else "drill: nothing real was touched"
        display.show("info", f"This was a {what}. Do not send this report to Binance support.")
        display.show("info", f"The rehearsal's files: {d}/ (report.md, report.html)")
        display.show("info", f"Check nothing was changed: {_verify_command(d)}")
        display.show("info", f"If your key has really leaked: {_launcher()} run (without --dry-run).")
        return
    display.show("info", f"Send to Binance support (Chat → 'Account hacked' or a ticket): {d / 'report.md'}")
    display.show("info", f"Attach {d / 'report.html'} (prints to PDF) and keep {d}/ as it is.")
    display.show("info", f"Check nothing was changed: {_verify_command(d)}")
    display.show(
        "info",
        "Next 24 hours: withdrawals stay locked after a password/2FA change; watch your email "
        "for Binance notices; do not create trading keys until support has answered.",
    )
