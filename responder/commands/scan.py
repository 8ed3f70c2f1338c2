"""`responder scan`: find Binance credentials in files and git history; with --verify, which are live.

Calls `scan.service.run_scan` with the settings' clock and transport, writes SARIF when asked, and
returns the result with its exit code: 0 nothing found (documentation examples do not count), 1 found,
3 when --verify could not reach Binance (the output is still shown). Bad input is a `UsageError` (2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from responder.commands.settings import Settings
from responder.errors import EXIT_FAILURE, EXIT_OK, EXIT_UNREACHABLE, UsageError

if TYPE_CHECKING:
    from responder.scan.render import ScanResult


@dataclass(frozen=True)
class ScanOutcome:
    result: ScanResult
    exit_code: int

    def text(self, *, as_json: bool) -> str:
        from responder.scan.render import render_table, to_json

        return json.dumps(to_json(self.result)) if as_json else render_table(self.result)


def scan(
    settings: Settings,
    *,
    path: str,
    history: bool,
    verify: bool,
    base_url: str | None,
    sarif: Path | None,
    unsafe_assume_no_ip_whitelist: bool,
) -> ScanOutcome:
    from responder.exchange.baseurl import check_base_url
    from responder.scan.service import run_scan

    url = check_base_url(base_url or settings.base_url) if verify else ""
    if unsafe_assume_no_ip_whitelist:
        settings.err.write(
            "responder: warning: unsafe: -2015 read as revoked; a live key with an IP whitelist looks dead\n"
        )
    result = run_scan(
        Path(path), history=history, verify_keys=verify, base_url=url, clock=settings.clock,
        new_transport=settings.transport, assume_no_ip_whitelist=unsafe_assume_no_ip_whitelist,
    )  # fmt: skip
    if sarif is not None:
        _write_sarif(result, sarif)
    if result.unreachable:
        settings.err.write(
            "responder: could not reach Binance to verify every key — those are indeterminate\n"
        )
        return ScanOutcome(result, EXIT_UNREACHABLE)
    return ScanOutcome(result, EXIT_FAILURE if result.leaks else EXIT_OK)


def _write_sarif(result: ScanResult, target: Path) -> None:
    from responder.scan.render import to_sarif

    try:
        target.write_text(json.dumps(to_sarif(result), indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {target} ({e.strerror or type(e).__name__})") from None
