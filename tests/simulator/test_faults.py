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


def test_reject_answers_a_binance_error_body_and_carries_nothing_out(api: Api, sim: Simulator) -> None:
    sim.faults.add("reject", path="/api/v3/openOrders", method="DELETE", code=-1021)
    resp = api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"})
    assert error(resp) == (400, -1021, "Timestamp for this request is outside of the recvWindow.")
    assert api.get("/api/v3/openOrders", symbol="PHBUSDT").json(), "not executed"
    assert sim.request_log[-2].fault == "reject"


def test_reject_as_429_or_418_carries_retry_after(api: Api, sim: Simulator) -> None:
    sim.faults.add("reject", path="/api/v3/account", code=-1003, retry_after=35)
    resp = api.get("/api/v3/account")
    assert (resp.status_code, resp.headers["retry-after"], resp.json()["code"]) == (429, "35", -1003)
    sim.faults.add("reject", path="/api/v3/account", status=418, code=-1003, msg="banned", retry_after=120)
    assert error(api.get("/api/v3/account")) == (418, -1003, "banned")
    assert api.get("/api/v3/account").status_code == 200


def test_respond_serves_an_off_spec_body(api: Api, sim: Simulator) -> None:
    sim.faults.add("respond", path="/api/v3/account", body={"balances": "nope"})
    assert api.get("/api/v3/account").json() == {"balances": "nope"}


@pytest.mark.parametrize(
    ("kind", "options"),
    [("reject", {"status": 500}), ("respond", {"status": 404}), ("server_error", {"status": 404})],
)
def test_fault_statuses_stay_in_their_class(sim: Simulator, kind: str, options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="status must be"):
        sim.faults.add(kind, **options)


def test_a_key_added_with_pinned_material_signs_and_can_be_deleted(api: Api, sim: Simulator) -> None:
    key = sim.control.add_key("planted", api_key="P" * 64, secret="planted-secret")
    assert api.call("GET", "/api/v3/account", key=key).status_code == 200
    sim.control.delete_key("planted")
    assert error(api.call("GET", "/api/v3/account", key=key))[:2] == (401, -2015)
    with pytest.raises(ValueError, match="public key"):
        sim.control.add_key("ed", "ED25519")
