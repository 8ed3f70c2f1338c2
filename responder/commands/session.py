"""Opening a wizard session: the one place the collaborators of a case are assembled.

`open_session` gives the engine its `Env` (the client for the leaked key, a factory of clients for
further keys, the prompter, the display, the drill control) and closes every client at the end; the
three wizard commands (`run`, `drill`, `resume`) and the tests use it. Also here: the prompter a
command gets, the playbook loaded against this build's registry, and the closing screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.commands.settings import Settings
from responder.errors import EXIT_FAILURE, EXIT_OK, UsageError
from responder.playbook.protocols import Display, DrillControl, Prompt, Prompter
from responder.secrets import Secret, SecretRegistry
from responder.wizard.display import TerminalDisplay, color_enabled
from responder.wizard.prompter import AnswersPrompter

if TYPE_CHECKING:  # the engine is imported where it is used: the first prompt comes before it (issue 5)
    from responder.credentials import Credentials
    from responder.exchange.protocol import Exchange
    from responder.playbook.actions import ActionRegistry
    from responder.playbook.model import Playbook
    from responder.playbook.runner import Env, RunResult

LEAK_PLAYBOOK = "binance-api-key-leak"


@dataclass(frozen=True)
class Outcome:
    """What a wizard command returns: the run's result and, for a drill, the self-check's passes."""

    result: RunResult
    checks: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 once the case is closed (done or unresolved, said on screen); 1 if it was left open."""
        return EXIT_OK if self.result.closed is not None else EXIT_FAILURE


@contextmanager
def open_session(
    settings: Settings,
    *,
    base_url: str,
    credentials: Credentials,
    secrets: SecretRegistry,
    prompter: Prompter,
    display: Display,
    registry: ActionRegistry,
    control: DrillControl | None = None,
    master: Credentials | None = None,
) -> Iterator[Env]:
    """The engine's `Env` for one case, with a client for `credentials` and a factory for further keys
    (the read-only investigation key); with `master` (a master-account key from the environment or the
    drill), also the `master` exchange the sub-account steps use. Every client is closed at the end."""
    from responder.credentials import credentials_from
    from responder.exchange.client import connect  # httpx: only once the first prompt is answered
    from responder.exchange.futures import futures_for
    from responder.playbook.runner import Env

    with ExitStack() as stack:

        def client(creds: Any) -> Exchange:
            transport = settings.new_transport()
            spot = stack.enter_context(connect(base_url, creds, clock=settings.clock, transport=transport))
            futures_for(spot, settings.futures_base_url)  # its futures host, fixed for the whole case
            return spot

        def further_key(api_key: str, secret: Secret) -> Exchange:
            return client(credentials_from(api_key, secrets, secret=secret))

        exchange = client(credentials)
        yield Env(
            prompter,
            display,
            settings.clock,
            secrets,
            registry,
            exchange=exchange,
            control=control,
            connect=further_key,
            resume_command=settings.resume_command,
            exchanges={"master": client(master)} if master is not None else {},
        )


def load(playbook_ref: str) -> tuple[ActionRegistry, Playbook]:
    """This build's action registry and the playbook loaded against it (the engine's import cost)."""
    from responder.leak.registry import build_registry
    from responder.playbook.loader import find_playbook, load_playbook

    registry = build_registry()
    return registry, load_playbook(find_playbook(playbook_ref), registry)


def interactive_prompter(settings: Settings) -> Prompter:
    from responder.wizard.questionary_prompter import QuestionaryPrompter

    return QuestionaryPrompter(clock=settings.clock, color=settings.color)


def prompter_for(settings: Settings, answers: Path | None, playbook: Playbook) -> Prompter:
    """The questionary prompter; with an answers file, its answers (then the terminal, if there is one)."""
    if answers is None:
        return interactive_prompter(settings)
    from responder.playbook.answers import load_answers

    fallback = interactive_prompter(settings) if settings.interactive else None
    return AnswersPrompter(load_answers(answers, playbook), clock=settings.clock, fallback=fallback)


def terminal_display(settings: Settings, tag: str) -> TerminalDisplay:
    env = dict(settings.environ)
    return TerminalDisplay(settings.out, color=color_enabled(settings.out, env), tag=tag, env=env)


def need_terminal(settings: Settings, alternative: str) -> None:
    """The wizard asks questions: without a terminal say so at once, before anything is recorded."""
    if not settings.interactive:
        raise UsageError("no terminal to ask questions on", hint=alternative)


def master_from_env(settings: Settings, secrets: SecretRegistry, ask: Any) -> Credentials | None:
    """A master-account key in BINANCE_MASTER_* (the secret may be asked, masked), or None."""
    from responder.masterkey import load_master_credentials, master_in_env

    if not master_in_env(settings.environ):
        return None
    return load_master_credentials(settings.environ, secrets, ask_secret=ask)


def masked_asker(settings: Settings, prompter: Prompter) -> Any:
    """A masked prompt for a missing credential, only when a person is there to answer it."""
    if not settings.interactive:
        return None
    return lambda prompt: prompter.secret(Prompt("credentials", prompt, prompt)).reveal()


def closing(display: TerminalDisplay, result: RunResult, launcher: str = "responder") -> None:
    """The last screen: what is still dangerous, what to send (nothing, for a rehearsal), where the
    files are, the next 24 hours."""
    from responder.incident.evidence import bundle_path

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
        display.show("info", f"Check nothing was changed: {launcher} verify {d}")
        _head(display, d, launcher)
        display.show("info", f"If your key has really leaked: {launcher} run (without --dry-run).")
        return
    display.show(
        "info",
        f"Send to Binance support (Chat → 'Account hacked' or a ticket): {bundle_path(d, 'report.md')}",
    )
    display.show("info", f"Attach {bundle_path(d, 'report.html')} (prints to PDF) and keep {d}/ as it is.")
    display.show("info", f"Check nothing was changed: {launcher} verify {d}")
    _head(display, d, launcher)
    display.show(
        "info",
        "Next 24 hours: withdrawals stay locked after a password/2FA change; watch your email "
        "for Binance notices; do not create trading keys until support has answered.",
    )


def _head(display: TerminalDisplay, d: Path, launcher: str) -> None:
    """The journal's head hash, to keep away from this computer."""
    from responder.incident.journal import journal_head

    head = journal_head(d)
    if head is not None:
        display.show("info", f"Journal head hash: {head}")
        display.show(
            "info",
            "Keep it away from this computer (write it down, email it to yourself): it proves later that "
            f"this record was not changed — {launcher} verify {d} --expect HASH. The letter to support "
            "quotes the head at the time it was written, so Binance holds a copy too.",
        )
