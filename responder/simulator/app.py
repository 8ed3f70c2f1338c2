"""The WSGI front door (stdlib only): turns a WSGI environ into a `SimRequest` and renders the answer.

Aborted answers (timeout, reset, connect) cannot be expressed in WSGI; the app marks the environ
and the loopback server (`server.py`) acts them out on the socket. Under any other WSGI server an
abort degrades to a 504 with an empty body.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from responder.simulator.wire import Handler, SimRequest

ABORT_KEY = "responder.sim.abort"


def _loopback(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


class WsgiApp:
    def __init__(self, sim: Handler) -> None:
        self.sim = sim

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode("utf-8", errors="replace") if length else ""
        headers = {
            k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        req = SimRequest(
            str(environ.get("REQUEST_METHOD", "GET")),
            str(environ.get("PATH_INFO", "/")),
            str(environ.get("QUERY_STRING", "")),
            body,
            headers,
            self.sim.client_ip,
            loopback_peer=_loopback(str(environ.get("REMOTE_ADDR", ""))),
        )
        resp = self.sim.handle(req)
        if resp.abort is not None:
            environ[ABORT_KEY] = resp.abort
            environ[ABORT_KEY + ".ms"] = resp.abort_ms
            start_response("504 Gateway Timeout", [("Content-Length", "0")])
            return [b""]
        reason = HTTPStatus(resp.status).phrase if resp.status in HTTPStatus._value2member_map_ else "Unknown"
        start_response(f"{resp.status} {reason}", [*resp.headers, ("Content-Length", str(len(resp.body)))])
        return [resp.body]
