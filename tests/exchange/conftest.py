"""Fixtures for the exchange tests: a fake Binance app in-process and on loopback, clients built on it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from responder.clock import Clock, ManualClock
from responder.exchange.budget import RateBudget
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner, Signer
from responder.secrets import Secret

from .fake_binance import HMAC_KEY, HMAC_SECRET, FakeBinance

START = datetime(2026, 11, 23, 14, 0, 10, tzinfo=UTC)


class FaultTransport(httpx.BaseTransport):
    """The transport seam with injected failures: raises `faults` in order, then delegates."""

    def __init__(self, inner: httpx.BaseTransport, faults: list[Exception]) -> None:
        self.inner = inner
        self.faults = faults
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.faults:
            raise self.faults.pop(0)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` on 127.0.0.1:<free port> in a thread; yields the base URL; shuts down cleanly."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def fake(clock: ManualClock) -> FakeBinance:
    return FakeBinance(clock)


ClientFactory = Callable[..., BinanceClient]


@pytest.fixture
def make_client(fake: FakeBinance, clock: ManualClock) -> Iterator[ClientFactory]:
    """Build clients on the fake (in-process). Keyword overrides: client_clock, signer, api_key, faults, …"""
    opened: list[httpx.Client] = []

    def build(
        *,
        client_clock: Clock | None = None,
        signer: Signer | None = None,
        api_key: str = HMAC_KEY,
        faults: list[Exception] | None = None,
        budget: RateBudget | None = None,
        base_url: str = "https://api.binance.com",
        http: httpx.Client | None = None,
        **kwargs: Any,
    ) -> BinanceClient:
        transport: httpx.BaseTransport = httpx.WSGITransport(app=fake)
        if faults is not None:
            transport = FaultTransport(transport, faults)
        if http is None:
            http = httpx.Client(transport=transport)
            opened.append(http)
        c = client_clock or clock
        return BinanceClient(
            base_url, api_key, signer or HmacSigner(Secret(HMAC_SECRET)), http=http, clock=c,
            budget=budget or RateBudget(c), **kwargs,
        )  # fmt: skip

    yield build
    for h in opened:
        h.close()
