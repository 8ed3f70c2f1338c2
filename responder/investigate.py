"""`responder investigate` as a core function: parse the window, connect, sweep, write, render.

The CLI only parses options and prints the text this returns; progress goes to `stderr` when it is
a terminal. Credentials come from the environment or the masked prompt, never from arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from responder.clock import SystemClock
from responder.credentials import load_credentials
from responder.errors import UsageError
from responder.exchange.baseurl import check_base_url
from responder.forensics import findings_io, render
from responder.forensics.executor import Progress
from responder.forensics.sweep import Options, investigate
from responder.secrets import SecretRegistry
from responder.timeparse import parse_window


def run_investigation(
    *,
    since: str,
    until: str | None,
    baseline_days: int,
    bot_prefixes: Sequence[str],
    usual_symbols: Sequence[str],
    symbols: str,
    base_url: str,
    out: str,
    as_json: bool,
    environ: Mapping[str, str],
    ask_secret: Callable[[str], str],
    stderr: TextIO,
) -> str:
    """Run the investigation; return what to print on stdout (the findings JSON or a summary)."""
    from responder.exchange.client import connect

    if symbols not in ("held", "all"):
        raise UsageError(f"--symbols must be 'held' or 'all', not {symbols!r}")
    clock = SystemClock()
    now = clock.now()
    start, end = parse_window(since, until, now=now)
    base = check_base_url(base_url)
    credentials = load_credentials(environ, SecretRegistry(), ask_secret=ask_secret)
    for warning in credentials.warnings:
        stderr.write(f"responder: warning: {warning}\n")
    opts = Options(
        baseline_days=baseline_days, bot_prefixes=tuple(bot_prefixes), usual_symbols=tuple(usual_symbols),
        symbols="all" if symbols == "all" else "held",
    )  # fmt: skip

    def progress(p: Progress) -> None:
        stderr.write(render.progress_line(p))

    show = stderr.isatty()
    with connect(base, credentials, clock=clock) as client:
        findings = investigate(
            client, since=start, until=end, clock=clock, options=opts, progress=progress if show else None
        )
    if show:
        stderr.write("\n")
    paths = findings_io.write(findings, Path(out))
    if as_json:
        return json.dumps(findings_io.to_json(findings))
    return f"{render.summary(findings)}\nfindings: {paths['findings']}"
