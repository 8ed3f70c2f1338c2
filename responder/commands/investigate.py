"""`responder investigate`: parse the window, connect, sweep, write the findings, return them.

The CLI only parses options and prints `Investigation.text`; progress goes to `stderr` when it is
a terminal. Credentials come from the environment or the masked prompt, never from arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from responder.commands.settings import Settings
from responder.credentials import load_credentials
from responder.errors import UsageError
from responder.exchange.baseurl import check_base_url
from responder.forensics import render
from responder.forensics.executor import Progress
from responder.forensics.model import Findings
from responder.forensics.sweep import Options, investigate
from responder.incident.findings import to_json, write
from responder.secrets import SecretRegistry
from responder.timeparse import parse_when


@dataclass(frozen=True)
class Investigation:
    """What `investigate` found and where it wrote it."""

    findings: Findings
    written: Mapping[str, Path]

    def text(self, *, as_json: bool) -> str:
        """What to print on stdout: the findings JSON, or a summary and where the file is."""
        if as_json:
            return json.dumps(to_json(self.findings))
        return f"{render.summary(self.findings)}\nfindings: {self.written['findings']}"


def run_investigation(
    settings: Settings,
    *,
    since: str,
    until: str | None,
    baseline_days: int,
    bot_prefixes: Sequence[str],
    usual_symbols: Sequence[str],
    symbols: str,
    base_url: str | None,
    out: str,
    ask_secret: Callable[[str], str] | None,
) -> Investigation:
    """Sweep the account read-only and write findings.json and the rows into `out`."""
    from responder.exchange.client import connect

    if symbols not in ("held", "all"):
        raise UsageError(f"--symbols must be 'held' or 'all', not {symbols!r}")
    clock, stderr = settings.clock, settings.err
    now = clock.now()
    start = parse_when(since, now=now)
    end = parse_when(until, now=now) if until else None
    base = check_base_url(base_url or settings.base_url)
    secrets = SecretRegistry()
    credentials = load_credentials(settings.environ, secrets, ask_secret=ask_secret)
    for warning in credentials.warnings:
        stderr.write(f"responder: warning: {warning}\n")
    opts = Options(
        baseline_days=baseline_days, bot_prefixes=tuple(bot_prefixes), usual_symbols=tuple(usual_symbols),
        symbols="all" if symbols == "all" else "held",
    )  # fmt: skip

    def progress(p: Progress) -> None:
        stderr.write(render.progress_line(p))

    show = stderr.isatty()
    with connect(base, credentials, clock=clock, transport=settings.new_transport()) as client:
        findings = investigate(
            client, since=start, until=end, clock=clock, options=opts, progress=progress if show else None
        )
    if show:
        stderr.write("\n")
    return Investigation(findings, write(findings, Path(out), secrets=secrets))
