"""`responder investigate`: parse the window, connect, sweep, write the findings, return them.

The CLI only parses options and prints `Investigation.text`; progress goes to `stderr` when it is
a terminal. Credentials come from the environment or the masked prompt, never from arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from responder.commands.settings import Settings
from responder.credentials import load_credentials
from responder.errors import UsageError
from responder.exchange.baseurl import check_base_url
from responder.forensics import render
from responder.forensics.executor import Progress
from responder.forensics.model import Findings
from responder.forensics.sweep import Options, investigate
from responder.incident.findings import to_json, write, write_findings
from responder.secrets import SecretRegistry
from responder.timeparse import parse_window


@dataclass(frozen=True)
class Investigation:
    """What `investigate` found and where it wrote it."""

    findings: Findings
    written: Mapping[str, Path]
    derivatives: Mapping[str, Any] = field(default_factory=dict)  # findings.json's futures/margin sections

    def text(self, *, as_json: bool) -> str:
        """What to print on stdout: the findings JSON, or a summary and where the file is."""
        if as_json:
            return json.dumps({**to_json(self.findings), **self.derivatives})
        lines = [render.summary(self.findings), *derivatives_summary(self.derivatives)]
        return "\n".join(lines) + f"\nfindings: {self.written['findings']}"


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
    from responder.exchange.futures import futures_for
    from responder.exchange.margin import MarginClient

    if symbols not in ("held", "all"):
        raise UsageError(f"--symbols must be 'held' or 'all', not {symbols!r}")
    clock, stderr = settings.clock, settings.err
    now = clock.now()
    start, end = parse_window(since, until, now=now)
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
        futures = futures_for(client, settings.futures_base_url)
        derivatives = derivative_sections(findings, futures, MarginClient(client), now, bot_prefixes)
    if show:
        stderr.write("\n")
    written = write(findings, Path(out), secrets=secrets)
    write_findings(Path(out), {**to_json(findings), **derivatives}, secrets=secrets)
    return Investigation(findings, written, derivatives)


def derivative_sections(
    findings: Findings, futures: Any, margin: Any, now: datetime, bot_prefixes: Sequence[str]
) -> dict[str, Any]:
    """The futures and margin sections over the same window (a key without futures: read false, gaps)."""
    from responder.forensics.derivatives_collect import collect
    from responder.forensics.derivatives_json import sections
    from responder.forensics.derivatives_judge import judge

    window = findings.window
    evidence = collect(window, now, futures=futures, margin=margin, bot_prefixes=bot_prefixes)
    return sections(judge(evidence))


def derivatives_summary(data: Mapping[str, Any]) -> list[str]:
    lines = []
    for part in ("futures", "margin"):
        section = data.get(part) or {}
        if not section:
            continue
        if not section.get("read"):
            lines.append(f"{part}: unknown ({section.get('why', 'not read')})")
            continue
        flagged = sum(1 for o in section.get("orders", []) if o.get("verdict") == "attacker")
        lines.append(f"{part}: {flagged} orders judged the attacker's")
    loss = data.get("derivatives_loss")
    if loss and any((data.get(p) or {}).get("read") for p in ("futures", "margin")):
        lines.append(f"futures and margin estimated loss: {loss['estimated_loss']} USDT ({loss['method']})")
    return lines
