"""Where the exchange may be reached: the base URL check, apart from the client so it costs no httpx.

`https://…` anywhere; plain `http://` only to this machine (the simulator), since keys and signed
requests must never cross a network unencrypted. The wizard checks the URL before it asks for the
key, and that check must not import httpx (issue 5: nothing but the prompt before the first prompt).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from responder.errors import UsageError

DEFAULT_BASE_URL = "https://api.binance.com"  # the one place it is written


def check_base_url(url: str) -> str:
    """`https://…` anywhere; plain `http://` only to this machine (the simulator). No whitespace or
    control characters inside (a CR/LF would split the request line: header injection)."""
    stripped = url.strip()
    if len(stripped) > 2048 or any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in stripped):
        shown = stripped[:80].encode("unicode_escape").decode("ascii")
        raise UsageError(
            f"base URL {shown!r} contains spaces or control characters", hint="e.g. https://api.binance.com"
        )
    try:
        parts = urlsplit(stripped)
        parts.port  # noqa: B018 — reading it validates the port (ValueError when out of range)
    except ValueError:
        raise UsageError(
            f"base URL {stripped[:80]!r} is not a valid URL", hint="e.g. https://api.binance.com"
        ) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise UsageError(f"base URL {url!r} is not an http(s) URL", hint=f"e.g. {DEFAULT_BASE_URL}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError("the base URL must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not _is_loopback(host):
        raise UsageError(
            f"refusing plain http to {host}: keys and signed requests would cross the network unencrypted",
            hint="use https, or http://127.0.0.1:<port> for a local simulator",
        )
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
