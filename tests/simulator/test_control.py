"""The control channel: web-UI actions, clock, client IP and ground truth, over HTTP and as methods."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest

from responder.clock import ManualClock
from responder.simulator import Simulator, load_scenario
from tests.simulator.conftest import Api, error


@pytest.fixture
def drain(clock: ManualClock) -> Iterator[tuple[Simulator, Api]]:
    sim = Simulator(load_scenario("withdrawal-drain"), clock=clock)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        yield sim, Api(http, clock, sim.keys[0])


def _truth(sim: Simulator, label: str) -> dict[str, object]:
    return next(e for e in sim.ground_truth["attacker_actions"] if e["label"] == label)


def test_deleting_the_key_over_http_revokes_it(api: Api, sim: Simulator) -> None:
    resp = api.http.post("/_sim/delete-key", json={"key": "grid-bot"})
    assert resp.status_code == 200
    assert error(api.get("/api/v3/account"))[:2] == (401, -2015)
    key = dict(sim.ground_truth["keys"][0])
    assert key.pop("created") < sim.now_ms()  # when the key was made: the self-check's key-origin test
    assert key == {
        "name": "grid-bot",
        "state": "deleted",
        "leaked": True,
        "type": "HMAC",
        "ip_whitelist": [],
    }


def test_scheduled_attacker_orders_happen_when_the_clock_passes_them(api: Api, sim: Simulator) -> None:
    assert _truth(sim, "pump-buy-late")["status"] == "pending"
    phb_before = sim.state.free["PHB"]
    assert api.http.post("/_sim/advance-clock", json={"seconds": 601}).status_code == 200
    done = _truth(sim, "pump-buy-late")
    assert done["status"] == "done" and done["orderStatus"] == "FILLED"
    assert sim.state.free["PHB"] > phb_before, "the fill moved balances"
    server_time = api.call("GET", "/api/v3/time", signed=False).json()[
        "serverTime"
    ]  # a client syncs its clock
    listed = api.get("/api/v3/allOrders", symbol="PHBUSDT", timestamp=server_time).json()
    assert done["clientOrderId"] in {o["clientOrderId"] for o in listed}


def test_deleting_the_key_in_time_prevents_the_attack(api: Api, sim: Simulator, clock: ManualClock) -> None:
    sim.control.delete_key("grid-bot")
    clock.advance(3600)  # a shared manual clock moves the simulator too; due actions play on the next request
    api.call("GET", "/api/v3/time", signed=False)
    entry = _truth(sim, "pump-buy-late")
    assert entry["status"] == "prevented" and entry["reason"] == "leaked key deleted"


def test_withdrawal_drain_plays_out_and_the_whitelist_stops_it(drain: tuple[Simulator, Api]) -> None:
    sim, api = drain
    history = api.get("/sapi/v1/capital/withdraw/history").json()
    attacker = "TN3W4H6rK2ce4vX9YnFQHwKENnHjoxb3m9"
    assert [w["address"] for w in history].count(attacker) == 1
    assert attacker in {a["address"] for a in api.get("/sapi/v1/capital/withdraw/address/list").json()}
    sim.control.enable_withdrawal_whitelist()
    sim.control.advance_clock(20 * 60)
    entry = _truth(sim, "drain-usdt-late")
    assert entry["status"] == "prevented" and "whitelist" in str(entry["reason"])


def test_the_late_withdrawal_happens_when_nobody_acts(
    drain: tuple[Simulator, Api], clock: ManualClock
) -> None:
    sim, api = drain
    usdt = sim.state.free["USDT"]
    clock.advance(20 * 60)
    api.call("GET", "/api/v3/ping", signed=False)
    assert _truth(sim, "drain-usdt-late")["status"] == "done"
    assert sim.state.free["USDT"] == usdt - 5000
    assert len(api.get("/sapi/v1/capital/withdraw/history").json()) == 3


def test_a_password_change_holds_withdrawals_for_a_day(drain: tuple[Simulator, Api]) -> None:
    sim, _ = drain
    sim.control.change_password()
    sim.control.advance_clock(20 * 60)
    assert _truth(sim, "drain-usdt-late")["status"] == "prevented"
    assert sim.ground_truth["account"]["withdrawals_locked_until"] > sim.ground_truth["now"]


def test_disabling_the_account_deletes_every_key(api: Api, sim: Simulator) -> None:
    api.http.post("/_sim/disable-account")
    assert all(k["state"] == "deleted" for k in sim.ground_truth["keys"])
    assert error(api.get("/api/v3/account"))[:2] == (401, -2015)


def test_setting_the_client_ip_satisfies_an_ip_restriction(clock: ManualClock) -> None:
    sim = Simulator(load_scenario("ip-restricted"), clock=clock)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        api = Api(http, clock, sim.keys[0])
        assert error(api.get("/api/v3/account"))[:2] == (401, -2015)
        http.post("/_sim/set-client-ip", json={"ip": "198.51.100.7"})
        assert api.get("/api/v3/account").status_code == 200
        sim.control.delete_key("server-bot")
        assert error(api.get("/api/v3/account"))[:2] == (401, -2015)


def test_faults_can_be_injected_over_http(api: Api) -> None:
    assert (
        api.http.post("/_sim/inject-fault", json={"kind": "server_error", "status": 500}).status_code == 200
    )
    assert api.get("/api/v3/account").status_code == 500
    assert api.http.post("/_sim/inject-fault", json={"kind": "nonsense"}).status_code == 400


def test_ground_truth_never_leaks_into_binance_responses(api: Api, sim: Simulator) -> None:
    labels = {e["label"] for e in sim.ground_truth["attacker_actions"]}
    text = api.get("/api/v3/allOrders", symbol="PHBUSDT").text + api.get("/api/v3/openOrders").text
    assert not any(label in text for label in labels)
    assert api.http.get("/_sim/ground-truth").json()["scenario"] == "pump-and-dump"


def test_the_control_channel_answers_loopback_peers_only(sim: Simulator) -> None:
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/_sim/ground-truth",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "192.0.2.1",
        "wsgi.input": io.BytesIO(b""),
    }
    sim.app(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["404 Not Found"]
    body = b"".join(sim.app(environ | {"REMOTE_ADDR": "127.0.0.1"}, lambda s, h: statuses.append(s)))
    assert statuses[-1] == "200 OK" and json.loads(body)["scenario"] == "pump-and-dump"


def test_control_actions_are_not_binance_requests_in_the_log(api: Api, sim: Simulator) -> None:
    api.http.post("/_sim/change-password")
    api.get("/api/v3/account")
    assert [e.path for e in sim.request_log] == ["/api/v3/account"]
    assert sim.request_log.mutating() == []
