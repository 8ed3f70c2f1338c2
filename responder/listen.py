"""Where a local server may listen and log: checked up front, so a typo is one line and exit 2.

`simulator serve --port 99999`, `--port -1`, `--host no.such.host.invalid` and `--log /proc/nope/log`
used to end in OverflowError, gaierror or FileNotFoundError tracebacks. `check_listen` validates the
port range and resolves the host; `check_log_file` opens the log for appending once.
"""

from __future__ import annotations

import socket
from pathlib import Path

from responder.errors import UsageError


def check_listen(host: str, port: int) -> None:
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a TCP port", hint="use 1–65535, or 0 to pick a free one")
    if not host or any(c.isspace() or ord(c) < 0x20 for c in host) or len(host) > 253:
        raise UsageError(f"--host {host[:60]!r} is not a host name or address")
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise UsageError(
            f"--host {host[:60]!r} cannot be resolved ({getattr(e, 'strerror', None) or e})",
            hint="use 127.0.0.1 (the default) or an address of this machine",
        ) from None


def check_log_file(path: Path) -> None:
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as e:
        raise UsageError(f"cannot write the log file {path} ({e.strerror or type(e).__name__})") from None
