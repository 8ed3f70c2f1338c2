"""`responder resume DIR`: continue an interrupted case from its journal; nothing done is re-sent.

Whether the case is a drill or a live run is read from the verified journal's `case-opened` entry,
never from an unverified line.
"""

from __future__ import annotations

from pathlib import Path

from responder.commands.drill import resume_drill
from responder.commands.session import (
    Outcome,
    closing,
    load,
    masked_asker,
    master_from_env,
    open_session,
    prompter_for,
    terminal_display,
)
from responder.commands.settings import Settings
from responder.errors import UsageError
from responder.secrets import SecretRegistry


def resume(settings: Settings, directory: Path, *, force: bool, answers: Path | None) -> Outcome:
    from responder.incident.journal import case_opened, recover_torn_line
    from responder.incident.paths import require_case

    require_case(directory)
    recovered = recover_torn_line(directory, settings.clock)  # a power cut's torn line, set aside
    if recovered is not None:
        terminal_display(settings, "").show("warn", f"Recovered: {recovered}")
    opened = case_opened(directory)  # verified: a damaged journal is refused (JournalError)
    mode = str(opened.payload.get("mode"))
    if mode not in ("live", "dry-run", "drill") or not isinstance(opened.payload.get("playbook_id"), str):
        raise UsageError(f"{directory}: the case-opened entry lacks a valid mode or playbook_id")
    if mode == "drill":
        auto = answers is not None or not settings.interactive  # unattended: the scenario's script
        return resume_drill(settings, directory, opened, force=force, auto=auto)
    from responder.credentials import load_credentials
    from responder.playbook.session import resume_case

    secrets = SecretRegistry()
    base_url = str(opened.payload.get("base_url") or settings.base_url)
    registry, playbook = load(str(opened.payload["playbook_id"]))
    prompter = prompter_for(settings, answers, playbook)
    display = terminal_display(settings, "DRY RUN" if mode == "dry-run" else "")
    creds = load_credentials(settings.environ, secrets, ask_secret=masked_asker(settings, prompter))
    session = open_session(
        settings,
        base_url=base_url,
        credentials=creds,
        secrets=secrets,
        prompter=prompter,
        display=display,
        registry=registry,
        master=master_from_env(settings, secrets, masked_asker(settings, prompter)),
    )
    with session as env:
        result = resume_case(env, directory, playbook=playbook, force=force)
    closing(display, result, settings.launcher)
    return Outcome(result)
