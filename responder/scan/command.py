"""The `responder scan` adapter: options in, one core call, rendered output and an exit code out.

Exit codes: 0 nothing found (documentation examples do not count), 1 found, 2 bad input (raised as
`UsageError`), 3 when `--verify` could not reach Binance (raised as `Unreachable` after the output).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from responder.clock import SystemClock
from responder.errors import EXIT_FAILURE, EXIT_OK, Unreachable, UsageError


def scan_command(
    path: str,
    *,
    history: bool,
    verify_keys: bool,
    base_url: str,
    as_json: bool,
    sarif: str | None,
    unsafe_assume_no_ip_whitelist: bool,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
) -> int:
    from responder.exchange.baseurl import check_base_url
    from responder.scan.render import render_table, to_json, to_sarif
    from responder.scan.service import run_scan

    base = check_base_url(base_url) if verify_keys else base_url
    if unsafe_assume_no_ip_whitelist:
        warn("unsafe: -2015 will be read as revoked; a live key with an IP whitelist would look dead")
    result = run_scan(
        Path(path), history=history, verify_keys=verify_keys, base_url=base, clock=SystemClock(),
        assume_no_ip_whitelist=unsafe_assume_no_ip_whitelist,
    )  # fmt: skip
    if sarif is not None:
        try:
            Path(sarif).write_text(json.dumps(to_sarif(result), indent=1) + "\n", encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write {sarif} ({e.strerror or type(e).__name__})") from None
    echo(json.dumps(to_json(result)) if as_json else render_table(result))
    if result.unreachable:
        raise Unreachable("the scan could not reach Binance to verify every key", hint="see the output above")
    return EXIT_FAILURE if result.leaks else EXIT_OK
