"""Fixtures for the exchange tests: the simulator (the one Binance double) and clients built on it.

The simulator prices weight from its own table and checks keys, signatures and timing as Binance
does, so a client bug (a wrong weight, a bad signature) shows up as the server would show it.
Failures are the simulator's faults (`sim.faults.add(...)`); what was sent is its request log.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import httpx
import pytest

from responder.clock import Clock, ManualClock
from responder.exchange.budget import RateBudget
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner, Signer, signer_from_pem
from responder.secrets import Secret
from responder.simulator import Scenario, Simulator
from responder.simulator.keys import SimKey
from responder.simulator.scenario import parse_scenario

START = datetime(2026, 11, 23, 14, 0, 10, tzinfo=UTC)


def signer_for(key: SimKey) -> Signer:
    """The client-side signer for a simulated key (its material re-wrapped as our `Secret`)."""
    if key.secret is not None:
        return HmacSigner(Secret(key.secret.reveal()))
    assert key.private_key_pem is not None
    return signer_from_pem(Secret(key.private_key_pem.reveal()))


def scenario(name: str = "pump-and-dump", **history: list[dict[str, Any]]) -> Scenario:
    """A shipped scenario with extra history records (`transfers=[...]`, `converts=[...]`, …)."""
    raw = (
        resources.files("responder.simulator")
        .joinpath("scenarios", f"{name}.toml")
        .read_text(encoding="utf-8")
    )
    data = tomllib.loads(raw)
    for table, rows in history.items():
        data.setdefault("history", {}).setdefault(table, []).extend(rows)
    return parse_scenario(data, f"{name}+test")


def sent(sim: Simulator, path: str, method: str | None = None) -> int:
    """How many requests to `path` reached the simulator (answered, refused or failed by a fault)."""
    return sum(1 for e in sim.request_log if e.path == path and (method is None or e.method == method))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(scenario(), clock=clock)
    yield s
    s.close()


ClientFactory = Callable[..., BinanceClient]


@pytest.fixture
def make_client(sim: Simulator, clock: ManualClock) -> Iterator[ClientFactory]:
    """Clients on the simulator (in-process; `on=` another one). Overrides: client_clock, key, signer, …"""
    opened: list[httpx.Client] = []

    def build(
        *,
        on: Simulator | None = None,
        client_clock: Clock | None = None,
        key: SimKey | None = None,
        signer: Signer | None = None,
        api_key: str | None = None,
        client_ip: str | None = None,
        budget: RateBudget | None = None,
        base_url: str = "https://api.binance.com",
        **kwargs: Any,
    ) -> BinanceClient:
        target = on or sim
        key = key or target.keys[0]
        http = httpx.Client(transport=target.transport(client_ip))
        opened.append(http)
        c = client_clock or clock
        return BinanceClient(
            base_url, api_key or key.api_key, signer or signer_for(key), http=http, clock=c,
            budget=budget or RateBudget(c), **kwargs,
        )  # fmt: skip

    yield build
    for h in opened:
        h.close()
