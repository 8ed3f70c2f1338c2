"""Typer pieces the command modules of the CLI share: the settings carried by the root context, the
masked secret prompt, and the option types used by more than one verb. Part of the CLI (typer lives only
in `cli*.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from responder.commands.settings import Settings
from responder.exchange.baseurl import DEFAULT_BASE_URL


def settings_of(ctx: typer.Context) -> Settings:
    """The settings `main()` built once, carried by the root context."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings), "main() builds the settings"
    return settings


def secret_prompt(settings: Settings) -> Any:
    """A masked prompt, only on a terminal (None otherwise): secrets never come from arguments."""
    return (lambda prompt: str(typer.prompt(prompt, hide_input=True))) if settings.interactive else None


_URL_HELP = f"Binance REST base URL (env BINANCE_BASE_URL; default {DEFAULT_BASE_URL})."
BaseUrl = Annotated[str | None, typer.Option("--base-url", help=_URL_HELP, show_default=False)]
IncidentDir = Annotated[Path | None, typer.Option(help="Where to keep the journal, evidence and report.")]
CaseDir = Annotated[Path, typer.Argument(help="The incident directory (holds journal.jsonl).")]
Answers = Annotated[Path | None, typer.Option(help="TOML answers file: step id → answer.")]
_PROFILES = "Audit against a profile: dashboard, grid-bot, market-maker, arbitrage, custody, one-time."
_IP = "Does the key have an IP whitelist? -2015 proves revocation only with --no-ip-whitelist."
_SCENARIOS = "Attack scenario: pump-and-dump, quiet-leak, withdrawal-drain, ip-restricted, sub-account-leak."
_SINCE = "Leak time: '2026-11-23 09:40', '3h ago', 'yesterday 18:00'."
