"""`responder drill`: the leak playbook against the built-in simulator, with a scripted attacker.

Unattended (`--auto`) it answers from the scenario's script and fails unless the self-check against
the scenario's ground truth passes. A drill resumes on a fresh simulator anchored at the case's
opening, with what the verified journal says was done replayed first.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.commands.session import (
    LEAK_PLAYBOOK,
    Outcome,
    closing,
    interactive_prompter,
    load,
    need_terminal,
    open_session,
    terminal_display,
)
from responder.commands.settings import Settings
from responder.errors import SelfCheckFailed
from responder.playbook.protocols import Prompter
from responder.secrets import SecretRegistry
from responder.wizard.display import TerminalDisplay
from responder.wizard.prompter import AnswersPrompter, EchoingPrompter

if TYPE_CHECKING:
    from responder.incident.journal import Entry
    from responder.leak.drill import DrillSetup
    from responder.playbook.runner import RunResult


def drill(settings: Settings, *, scenario: str, auto: bool, incident_dir: Path | None) -> Outcome:
    from responder.leak import drill as leak_drill

    if not auto:
        need_terminal(settings, "for an unattended drill: responder drill --auto")
    display = terminal_display(settings, "DRILL")
    with leak_drill.simulator(scenario, settings.clock) as setup:
        display.banner(
            f"DRILL · scenario {setup.scenario} · simulated Binance at "
            f"{setup.base_url.removeprefix('http://')} · nothing real is touched"
        )
        result = drill_case(settings, setup, auto, display, incident_dir=incident_dir)
        check = leak_drill.self_check(setup.sim, result.incident_dir)
    return _outcome(display, result, check, settings.launcher)


def resume_drill(settings: Settings, directory: Path, opened: Entry, *, force: bool, auto: bool) -> Outcome:
    """Continue a drill on a fresh simulator whose clock starts where the case opened."""
    from responder.clock import OffsetClock
    from responder.leak import drill as leak_drill

    system = settings.clock
    started = datetime.fromisoformat(opened.time.replace("Z", "+00:00"))
    sim_clock = OffsetClock(system, (started - system.now()).total_seconds())
    display = terminal_display(settings, "DRILL")
    scenario = str(opened.payload.get("scenario") or "pump-and-dump")
    with leak_drill.simulator(scenario, sim_clock) as setup:
        leak_drill.replay(setup, directory, system)
        result = drill_case(settings, setup, auto, display, resume_dir=directory, force=force)
        check = leak_drill.self_check(setup.sim, result.incident_dir)
    return _outcome(display, result, check, settings.launcher)


def drill_case(
    settings: Settings,
    setup: DrillSetup,
    auto: bool,
    display: TerminalDisplay,
    *,
    incident_dir: Path | None = None,
    resume_dir: Path | None = None,
    force: bool = False,
) -> RunResult:
    from responder.leak import subaccount_drill
    from responder.leak.drill import auto_answers, leaked_credentials
    from responder.playbook.session import CaseInfo, resume_case, start_case

    secrets = SecretRegistry()
    creds = leaked_credentials(setup, secrets)
    registry, playbook = load(LEAK_PLAYBOOK)
    prompter: Prompter = (
        EchoingPrompter(AnswersPrompter(auto_answers(setup.sim), clock=settings.clock), display)
        if auto
        else interactive_prompter(settings)
    )
    session = open_session(
        settings,
        base_url=setup.base_url,
        credentials=creds,
        secrets=secrets,
        prompter=prompter,
        display=display,
        registry=registry,
        control=setup.control,
        master=subaccount_drill.master_credentials(setup.sim, secrets),  # organisation scenarios only
    )
    with session as env:
        if resume_dir is not None:
            return resume_case(env, resume_dir, playbook=playbook, force=force)
        info = CaseInfo(setup.base_url, creds.masked_key, creds.key_type, scenario=setup.scenario)
        return start_case(
            env, playbook, mode="drill", info=info, incident_dir=incident_dir, environ=settings.environ
        )


def _outcome(display: TerminalDisplay, result: RunResult, check: Any, launcher: str) -> Outcome:
    closing(display, result, launcher)
    display.banner("Drill self-check against the scenario's ground truth")
    for line in check.passed:
        display.show("ok", line)
    for line in check.problems:
        display.show("warn", line)
    if not check.ok:  # interactive or unattended, fresh or resumed: a drill that missed its outcome fails
        raise SelfCheckFailed(f"the drill did not reach the expected outcome: {'; '.join(check.problems)}")
    return Outcome(result, tuple(check.passed))
