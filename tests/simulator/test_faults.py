"""Faults on demand: what httpx sees, and whether the request was carried out."""

from __future__ import annotations

import httpx
import pytest

from responder.clock import ManualClock, to_ms
from responder.simulator import Simulator
from tests.simulator.conftest import Api, error


@pytest.mark.parametrize(
    ("kind", "exc"),
    [
        ("timeout", httpx.ReadTimeout),
        ("reset", httpx.RemoteProtocolError),
        ("connect", httpx.ConnectError),
    ],
)
def test_network_faults_surface_as_httpx_errors(
    api: Api, sim: Simulator, kind: str, exc: type[Exception]
) -> None:
    sim.faults.add(kind, path="/api/v3/account")
    with pytest.raises(exc):
        api.get("/api/v3/account")
    assert api.get("/api/v3/account").status_code == 200, "a fault fires `count` times (default once)"
    assert sim.request_log[-2].status is None and sim.request_log[-2].fault == kind


@pytest.mark.parametrize("executed", [True, False])
def test_a_5xx_on_cancel_may_or_may_not_have_executed(api: Api, sim: Simulator, executed: bool) -> None:
    sim.control.inject_fault(
        "server_error", path="/api/v3/openOrders", method="DELETE", status=503, executed=executed
    )
    resp = api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"})
    assert resp.status_code == 503 and resp.json()["code"] == -1007
    still_open = api.get("/api/v3/openOrders", symbol="PHBUSDT").json()
    assert (still_open == []) is executed


def test_a_reset_after_executing_still_cancelled(api: Api, sim: Simulator) -> None:
    sim.faults.add("reset", path="/api/v3/openOrders", method="DELETE", executed=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"})
    assert api.get("/api/v3/openOrders", symbol="PHBUSDT").json() == []


def test_waf_and_geo_blocks(api: Api, sim: Simulator) -> None:
    sim.faults.add("waf")
    waf = api.get("/api/v3/account")
    assert waf.status_code == 403 and waf.headers["content-type"].startswith("text/html")
    assert "Request blocked" in waf.text
    sim.faults.add("geo")
    geo = api.get("/api/v3/account")
    assert geo.status_code == 451 and geo.json()["code"] == 0
    assert "restricted location" in geo.json()["msg"]


def test_server_clock_skew_shifts_time_and_the_timing_check(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    sim.control.inject_fault("skew", ms=-60_000)
    assert api.call("GET", "/api/v3/time", signed=False).json()["serverTime"] == to_ms(clock.now()) - 60_000
    assert (
        error(api.get("/api/v3/account"))[2]
        == "Timestamp for this request was 1000ms ahead of the server's time."
    )
    sim.control.clear_faults()
    assert api.get("/api/v3/account").status_code == 200


def test_latency_passes_on_the_simulators_clock(api: Api, sim: Simulator, clock: ManualClock) -> None:
    sim.faults.latency_ms = 7000
    resp = api.get("/api/v3/account")
    assert error(resp)[2] == "Timestamp for this request is outside of the recvWindow.", (
        "7 s late > 5 s window"
    )


def test_faults_can_repeat_and_match_by_path(api: Api, sim: Simulator) -> None:
    sim.faults.add("server_error", path="/sapi/", count=None, status=502)
    assert api.get("/api/v3/account").status_code == 200
    assert [api.get("/sapi/v1/account/status").status_code for _ in range(3)] == [502, 502, 502]
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.faults.add("meteor")
