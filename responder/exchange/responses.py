"""What a Binance HTTP response means, as one of responder's errors (reference §2.3, §4).

Pure: the client's one chokepoint (`BinanceClient._request`) hands every non-2XX response here and
raises what comes back, so the mapping lives in one table-like place and can be tested without a
network. Messages name the endpoint and the Binance code and say what to do next. A transport
failure (no answer at all) is mapped here too: unreachable, or an unknown outcome for a mutation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from responder.errors import (
    BadKeyFormat,
    BadSignature,
    ExchangeError,
    GeoBlocked,
    KeyRejected,
    OutcomeUnknown,
    Rejected,
    ServerError,
    TimestampRejected,
    Unauthorized,
    Unreachable,
    WafBlocked,
)
from responder.exchange.limits import MAX_RETRY_AFTER, bounded_retry_after, parse_json

_REJECTIONS: Mapping[int, tuple[type[Rejected], str]] = {
    -2014: (BadKeyFormat, "the API key is malformed: copy it again (Binance keys are 64 letters and digits)"),
    -2015: (
        KeyRejected,
        "the key is invalid or deleted, this IP is not on its whitelist, or it lacks the permission; "
        "Binance does not say which",
    ),
    -1002: (Unauthorized, "the key is not allowed to do this: check its permissions in API Management"),
    -1022: (BadSignature, "the secret (or private key) does not match this API key"),
    -1021: (
        TimestampRejected,
        "check the system clock (sync it with NTP); responder already re-synced with Binance once",
    ),
}


@dataclass(frozen=True)
class Body:
    """A decoded response body: JSON when it parses, else the text (e.g. a WAF's HTML page)."""

    json: Any
    text: str

    @property
    def is_json(self) -> bool:
        return self.json is not None

    @property
    def code(self) -> int | None:
        if isinstance(self.json, dict) and isinstance(self.json.get("code"), int):
            return int(self.json["code"])
        return None

    @property
    def msg(self) -> str:
        if isinstance(self.json, dict) and "msg" in self.json:
            return str(self.json["msg"])
        return ""


def decode(content: bytes, endpoint: str = "") -> Body:
    """The body as JSON when it is JSON (bounded: `limits.parse_json` raises ServerFault), else text."""
    data = parse_json(content, endpoint)
    text = "" if data is not None else content[:4096].decode("utf-8", errors="replace")
    return Body(data, text)


def retry_after(
    headers: Mapping[str, str], endpoint: str = "", *, limit: float = MAX_RETRY_AFTER
) -> float | None:
    """Retry-After seconds, bounded (`limits.bounded_retry_after`)."""
    return bounded_retry_after(headers.get("retry-after"), endpoint, limit=limit)


def rejection(status: int, body: Body, endpoint: str, *, cancel_all: bool = False) -> ExchangeError:
    """A 4XX (other than 418/429) as our error. `cancel_all` marks DELETE /api/v3/openOrders."""
    from responder.errors import NothingToCancel

    if status == 451:
        return GeoBlocked(
            f"{endpoint}: Binance refuses service from this location (HTTP 451, restricted jurisdiction)",
            endpoint=endpoint,
            hint="this is not a key problem: run responder from a network in a permitted country",
        )
    code = body.code
    if status == 403 and code is None:
        return WafBlocked(
            f"{endpoint}: blocked by Binance's web application firewall (HTTP 403, not a JSON answer)",
            endpoint=endpoint,
            hint="wait at least 5 minutes before calling again; the request was not executed",
        )
    if code is None:
        return Rejected(
            0, f"HTTP {status} with a body that is not Binance JSON", status=status, endpoint=endpoint
        )
    if code == -2011 and cancel_all:
        return NothingToCancel(
            code, body.msg, status=status, endpoint=endpoint, hint="there were no open orders on this symbol"
        )
    kind, hint = _REJECTIONS.get(code, (Rejected, None))
    return kind(code, body.msg, status=status, endpoint=endpoint, hint=hint)


def server_failure(status: int, endpoint: str, *, mutating: bool) -> ExchangeError:
    """A 5XX: on a read, the server failed; on a mutation, it may have happened anyway."""
    if mutating:
        return OutcomeUnknown(
            f"{endpoint}: Binance answered HTTP {status}; the request may or may not have been executed",
            endpoint=endpoint,
            hint="do not repeat it blindly: read the current state first",
        )
    return ServerError(
        f"{endpoint}: Binance answered HTTP {status} after retries", status=status, endpoint=endpoint
    )


# httpx failures after which the request certainly never reached Binance.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def transport_error(exc: httpx.TransportError, endpoint: str, mutating: bool) -> ExchangeError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else f"failed ({type(exc).__name__})"
    if mutating and not isinstance(exc, NOT_SENT):
        return OutcomeUnknown(
            f"{endpoint}: the connection {what} after the request was sent; it may or may not have happened",
            endpoint=endpoint,
            hint="do not repeat it blindly: read the current state first",
        )
    return Unreachable(
        f"{endpoint}: could not reach Binance (the connection {what})",
        endpoint=endpoint,
        hint="check the network connection and the base URL",
    )
