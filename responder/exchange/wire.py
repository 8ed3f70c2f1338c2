"""The wire under the client's chokepoint: one answer read within limits, and failures translated.

`read_bounded` streams a body and stops at `limits.MAX_BODY_BYTES` or the request's deadline (a
trickling server); `transport_error` and `unknown_after_fault` turn httpx failures and hostile answers
into our errors (a mutation that may have reached Binance is `OutcomeUnknown`, never retried);
`parse`/`rows` turn a decoded body into models, or an error naming the endpoint. Only the client
(`client.py`) uses this module; httpx stays inside `exchange/`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from responder.errors import ExchangeError, OutcomeUnknown, ServerFault, Unreachable
from responder.exchange import limits
from responder.exchange.models import Order

T = TypeVar("T")

# httpx failures after which the request certainly never reached Binance.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read within the limits."""

    status_code: int
    headers: httpx.Headers
    content: bytes


def within_deadline(send: Callable[[], Answer], deadline: float, endpoint: str) -> Answer:
    """`send()` in a daemon thread, waited for at most `deadline` + 1 s. httpx bounds each read, not a
    whole request: a server trickling its *headers* a byte at a time would hold a request for hours.
    Past the deadline the request is abandoned (its thread dies with the process) and a ServerFault is
    raised; a body is also cut at the deadline inside `read_bounded`."""
    done: dict[str, Any] = {}

    def run() -> None:
        try:
            done["answer"] = send()
        except BaseException as e:
            done["error"] = e

    worker = threading.Thread(target=run, name=f"request {endpoint}", daemon=True)
    worker.start()
    worker.join(deadline + 1.0)
    if worker.is_alive():
        raise limits.fault(endpoint, f"no complete answer within {deadline:.0f} s (it answers too slowly)")
    if "error" in done:
        raise done["error"]
    answer: Answer = done["answer"]
    return answer


def read_bounded(response: httpx.Response, started: float, deadline: float, endpoint: str) -> bytes:
    """The body, streamed: cut off past MAX_BODY_BYTES or `deadline` seconds after `started` (a
    trickling server). A declared Content-Length over the cap is refused before reading."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.MAX_BODY_BYTES:
        raise limits.fault(endpoint, f"an answer of {int(declared):,} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.MAX_BODY_BYTES:
            raise limits.fault(endpoint, f"an answer over {limits.MAX_BODY_BYTES // 2**20} MiB")
        chunks.append(chunk)
        if time.monotonic() - started > deadline:
            raise limits.fault(endpoint, f"its answer too slowly (not complete after {deadline:.0f} s)")
    return b"".join(chunks)


def cancel_reports(data: Any) -> list[Order]:
    """DELETE openOrders returns plain cancel reports and order-list entries with `orderReports`."""
    orders: list[Order] = []
    for entry in data:
        reports = entry.get("orderReports")
        if reports is None:
            orders.append(Order.from_json(entry))
        else:
            orders.extend(Order.from_json(r) for r in reports)
    return orders


def unknown_after_fault(fault: ServerFault, endpoint: str) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"{fault.message}; the request had reached it, so it may or may not have happened",
        endpoint=endpoint,
        hint="do not repeat it blindly: read the current state first",
    )


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


def parse_body(endpoint: str, parse: Callable[[Any], T], data: Any) -> T:
    """Parse a decoded body into models; a shape we cannot trust is an error naming the endpoint."""
    try:
        return parse(data)
    except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ExchangeError(
            f"{endpoint}: Binance's answer has an unexpected shape ({type(exc).__name__}: {exc})",
            endpoint=endpoint,
            hint="the API may have changed; nothing was acted on",
        ) from None


def rows(endpoint: str, parse: Callable[[Any], T], data: Any) -> list[T]:
    if not isinstance(data, list):
        raise ExchangeError(f"{endpoint}: expected a list from Binance", endpoint=endpoint)
    limits.check_rows(data, endpoint)
    return parse_body(endpoint, lambda items: [parse(r) for r in items], data)
