"""Fixtures for the simulator tests: a simulator on a manual clock and a tiny signed test client.

The client signs with `responder.exchange.signing` exactly as a Binance client would; it is not the
project's client (that is tested separately), so these tests pin the simulator's side of the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from responder.clock import ManualClock, to_ms
from responder.exchange.signing import HmacSigner, Signer, encode_params, signer_from_pem
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario
from responder.simulator.keys import SimKey


def signer_for(key: SimKey) -> Signer:
    if key.secret is not None:
        return HmacSigner(Secret(key.secret.reveal()))
    assert key.private_key_pem is not None
    return signer_from_pem(Secret(key.private_key_pem.reveal()))


@dataclass
class Api:
    """Signs and sends requests the way Binance documents (query, then `&signature=`)."""

    http: httpx.Client
    clock: ManualClock
    key: SimKey
    extra_headers: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        key: SimKey | None = None,
        ts_offset_ms: int = 0,
        body: bool = False,
        signed: bool = True,
    ) -> httpx.Response:
        key = key or self.key
        pairs = list((params or {}).items())
        if not signed:
            q = encode_params(pairs)
            return self.http.request(method, f"{path}?{q}" if q else path)
        if not any(k == "timestamp" for k, _ in pairs):
            pairs.append(("timestamp", to_ms(self.clock.now()) + ts_offset_ms))
        payload = encode_params(pairs)
        sig = signer_for(key).sign(payload)
        headers = {"X-MBX-APIKEY": key.api_key, **self.extra_headers}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return self.http.request(method, path, content=f"{payload}&signature={sig}", headers=headers)
        return self.http.request(method, f"{path}?{payload}&signature={sig}", headers=headers)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.call("GET", path, params)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("pump-and-dump"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def api(sim: Simulator, clock: ManualClock) -> Iterator[Api]:
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        yield Api(http, clock, sim.keys[0])


def error(resp: httpx.Response) -> tuple[int, int, str]:
    body = resp.json()
    return resp.status_code, body["code"], body["msg"]
