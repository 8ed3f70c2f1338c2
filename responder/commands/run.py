"""`responder run`: the real incident, the leak playbook against Binance with the leaked key.

Without an answers file the key is asked first and the engine loads after it: nothing but the prompt
comes before the first prompt (docs/startup.md). With one, it is checked against the playbook before
anything is asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from responder.commands.session import (
    Outcome,
    closing,
    interactive_prompter,
    load,
    masked_asker,
    master_from_env,
    need_terminal,
    open_session,
    prompter_for,
    terminal_display,
)
from responder.commands.settings import Settings
from responder.secrets import SecretRegistry

if TYPE_CHECKING:
    from responder.playbook.session import Mode


def run(
    settings: Settings,
    *,
    playbook_ref: str,
    base_url: str | None,
    dry_run: bool,
    answers: Path | None,
    incident_dir: Path | None,
    leaked_at: str | None = None,
    vector: str | None = None,
) -> Outcome:
    from responder.credentials import load_credentials
    from responder.exchange.baseurl import check_base_url

    secrets = SecretRegistry()
    url = check_base_url(base_url or settings.base_url)
    prefill = None
    if leaked_at is not None or vector is not None:  # from `responder scan`: checked before anything else
        from responder.leak.prefill import parse_prefill

        prefill = parse_prefill(leaked_at, vector, now=settings.clock.now())
    if answers is None:
        need_terminal(settings, "give the answers in a file: responder run --answers FILE")
    loaded = load(playbook_ref) if answers is not None else None
    prompter = prompter_for(settings, answers, loaded[1]) if loaded else interactive_prompter(settings)
    display = terminal_display(settings, "DRY RUN" if dry_run else "")
    display.banner(("DRY RUN · nothing will be changed · " if dry_run else "") + f"Binance at {url}")
    if prefill is not None:
        from responder.leak.prefill import PrefillPrompter

        prompter = PrefillPrompter(prompter, prefill, display)
    creds = load_credentials(settings.environ, secrets, ask_secret=masked_asker(settings, prompter))
    registry, playbook = loaded or load(playbook_ref)
    from responder.playbook.session import CaseInfo, start_case

    session = open_session(
        settings,
        base_url=url,
        credentials=creds,
        secrets=secrets,
        prompter=prompter,
        display=display,
        registry=registry,
        master=master_from_env(settings, secrets, masked_asker(settings, prompter)),
    )
    with session as env:
        mode: Mode = "dry-run" if dry_run else "live"
        info = CaseInfo(url, creds.masked_key, creds.key_type)
        result = start_case(
            env, playbook, mode=mode, info=info, incident_dir=incident_dir, environ=settings.environ
        )
    closing(display, result, settings.launcher)
    return Outcome(result)
