"""One scan, start to finish: check the input, read the tree (and history), verify when asked.

The command adapter calls `run_scan` and renders what it returns; the network is touched only by
`verify`, and only when `verify_keys` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from responder.clock import Clock
from responder.errors import UsageError
from responder.scan.collect import Collector, scan_history, scan_tree
from responder.scan.render import ScanResult


def run_scan(
    path: Path,
    *,
    history: bool,
    verify_keys: bool,
    base_url: str,
    clock: Clock,
    new_transport: Callable[[], Any] | None = None,  # a new httpx transport per client (None: network)
    assume_no_ip_whitelist: bool = False,
) -> ScanResult:
    if not path.exists():
        raise UsageError(f"{path} does not exist", hint="give a directory or a file to scan")
    collector = Collector()
    if history:
        from responder.scan.gitread import open_repository

        if not path.is_dir():
            raise UsageError(f"{path} is not a directory", hint="--history needs a git work tree")
        repo = open_repository(path)
        scan_tree(path, collector, prefix=repo.prefix)
        scan_history(repo, collector)
    else:
        scan_tree(path, collector)
    findings = tuple(collector.findings())
    verdicts = None
    if verify_keys:
        from responder.scan.verify import verify

        verdicts = verify(
            findings, base_url=base_url, clock=clock, new_transport=new_transport,
            assume_no_ip_whitelist=assume_no_ip_whitelist,
        )  # fmt: skip
    return ScanResult(findings, verdicts, dict(collector.stats), history)
