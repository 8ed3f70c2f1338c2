"""Run `investigate` against a simulated Binance in-process (the real client, signing and limits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from responder.clock import Clock, SystemClock, from_ms
from responder.credentials import Credentials, load_credentials
from responder.exchange.client import BinanceClient, connect
from responder.secrets import SecretRegistry
from responder.simulator import Simulator


def usable_key(sim: Simulator) -> int:
    """The first key that may read from the simulator's client IP (the leaked one may be IP-bound)."""
    for i, k in enumerate(sim.ground_truth["keys"]):
        if not k["ip_whitelist"] or sim.client_ip in k["ip_whitelist"]:
            return i
    return 0


def credentials_for(sim: Simulator, index: int | None = None) -> Credentials:
    index = usable_key(sim) if index is None else index
    key: dict[str, Any] = sim.keys[index].credentials_json()
    env = {"BINANCE_API_KEY": str(key["api_key"])}
    if "secret" in key:
        env["BINANCE_API_SECRET"] = str(key["secret"])
    else:
        env["BINANCE_PRIVATE_KEY_FILE"] = "sim.pem"
    pem = str(key.get("private_key_pem", ""))
    return load_credentials(env, SecretRegistry(), read_text=lambda _p: pem)


@contextmanager
def client_for(sim: Simulator, clock: Clock | None = None) -> Iterator[BinanceClient]:
    with connect("http://127.0.0.1:1", credentials_for(sim), clock=clock or SystemClock(),
                 transport=sim.transport()) as client:  # fmt: skip
        yield client


def truth_orders(sim: Simulator) -> set[tuple[str, int]]:
    return {
        (a["symbol"], int(a["orderId"]))
        for a in sim.ground_truth["attacker_actions"]
        if a["kind"] == "order" and a["status"] == "done" and "orderId" in a
    }


def leak_time(sim: Simulator):  # type: ignore[no-untyped-def]
    ms = sim.ground_truth["leak_time"]
    return None if ms is None else from_ms(int(ms))
