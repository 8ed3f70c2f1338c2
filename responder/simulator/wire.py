"""The simulator's own request/response types, independent of WSGI and httpx.

Both front doors (the WSGI app for the loopback server, the in-process httpx transport) turn what
they receive into a `SimRequest` and render the `SimResponse`. A response can also be an `abort`
(timeout, connection reset, connect failure) that each front door acts out in its own way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

JSON_TYPE = "application/json;charset=UTF-8"


class ApiError(Exception):
    """A Binance error body `{"code", "msg"}` with its HTTP status."""

    def __init__(
        self, code: int, msg: str, status: int = 400, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or []


def mandatory(name: str) -> ApiError:
    return ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def illegal(name: str) -> ApiError:
    return ApiError(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
    )


@dataclass
class SimRequest:
    method: str
    path: str
    query: str  # raw, still percent-encoded, as received
    body: str  # raw form body as received ("" when none)
    headers: dict[str, str]  # lower-case names
    client_ip: str
    loopback_peer: bool = True


@dataclass
class SimResponse:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    abort: str | None = None  # timeout | reset | connect: no HTTP response at all
    abort_ms: int = 0  # how long a loopback timeout holds the connection

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> SimResponse:
        body = json.dumps(obj, separators=(",", ":")).encode()
        return cls(status, body, [("Content-Type", JSON_TYPE), *(headers or [])])

    @classmethod
    def error(cls, err: ApiError) -> SimResponse:
        return cls.json({"code": err.code, "msg": err.msg}, err.status, err.headers)

    @classmethod
    def html(cls, status: int, text: str) -> SimResponse:
        return cls(status, text.encode(), [("Content-Type", "text/html")])

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class Handler(Protocol):
    """What a front door needs from the simulator: the apparent client address and the pipeline.

    The front doors (`app.py`, `transport.py`) depend on this, not on `Simulator`, so the
    simulator can build them without an import cycle.
    """

    client_ip: str

    def handle(self, req: SimRequest) -> SimResponse: ...
