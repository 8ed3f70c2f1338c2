"""Rate limits: per-IP weight in calendar minutes, SAPI budgets, 429 with Retry-After, 418 bans."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from responder.clock import ManualClock
from responder.simulator import Simulator, load_scenario
from tests.simulator.conftest import Api, error


@pytest.fixture
def small(clock: ManualClock) -> Iterator[tuple[Simulator, Api]]:
    sim = Simulator(load_scenario("quiet-leak"), clock=clock, weight_limit=50)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        yield sim, Api(http, clock, sim.keys[0])


def _time(api: Api) -> httpx.Response:
    return api.call("GET", "/api/v3/exchangeInfo", signed=False)  # weight 20


def test_weight_accumulates_per_ip_and_resets_each_calendar_minute(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    clock.set(clock.now().replace(second=50))
    assert api.get("/api/v3/account").headers["x-mbx-used-weight-1m"] == "20"
    resp = api.get("/api/v3/account")
    assert resp.headers["x-mbx-used-weight-1m"] == resp.headers["x-mbx-used-weight"] == "40"
    with httpx.Client(transport=sim.transport(client_ip="192.0.2.99"), base_url="http://sim.test") as other:
        assert other.get("/api/v3/time").headers["x-mbx-used-weight-1m"] == "1", "limits are per IP"
    clock.advance(10)  # the next calendar minute, not 60 s after the first request
    assert api.get("/api/v3/account").headers["x-mbx-used-weight-1m"] == "20"


def test_going_over_answers_429_with_retry_after_until_the_minute_ends(
    small: tuple[Simulator, Api], clock: ManualClock
) -> None:
    clock.set(clock.now().replace(second=15))
    _, api = small
    assert _time(api).status_code == 200 and _time(api).status_code == 200
    resp = _time(api)
    assert error(resp) == (
        429,
        -1003,
        "Too much request weight used; current limit is 50 request weight per 1 "
        "MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
    )
    assert resp.headers["retry-after"] == "45"
    assert resp.headers["x-mbx-used-weight-1m"] == "40", "a refused request is not charged"


def test_clients_that_keep_going_are_banned_with_418_for_longer_each_time(
    small: tuple[Simulator, Api], clock: ManualClock
) -> None:
    _, api = small
    _time(api), _time(api)
    statuses = [_time(api).status_code for _ in range(3)]
    assert statuses == [429, 429, 418]
    banned = api.call("GET", "/api/v3/time", signed=False)
    assert banned.status_code == 418 and int(banned.headers["retry-after"]) == 120
    assert "IP banned until" in banned.json()["msg"]
    clock.advance(121)
    assert api.call("GET", "/api/v3/time", signed=False).status_code == 200
    _time(api), _time(api)
    [_time(api) for _ in range(3)]
    assert int(api.call("GET", "/api/v3/time", signed=False).headers["retry-after"]) == 240


def test_weight_already_used_by_another_client_counts(clock: ManualClock) -> None:
    sim = Simulator(load_scenario("quiet-leak"), clock=clock, preused_weight=5990)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        assert http.get("/api/v3/time").headers["x-mbx-used-weight-1m"] == "5991"
        assert http.get("/api/v3/exchangeInfo").status_code == 429
        sim.control.set_weight_used(0)
        assert http.get("/api/v3/exchangeInfo").status_code == 200


def test_sapi_endpoints_have_their_own_budgets_and_headers(api: Api) -> None:
    resp = api.get("/sapi/v1/capital/deposit/hisrec")
    assert resp.headers["x-sapi-used-ip-weight-1m"] == "1"
    assert "x-mbx-used-weight-1m" not in resp.headers
    assert api.get("/sapi/v1/capital/withdraw/address/list").headers["x-sapi-used-ip-weight-1m"] == "10"
    assert api.get("/sapi/v1/capital/deposit/hisrec").headers["x-sapi-used-ip-weight-1m"] == "2"
    assert api.get("/api/v3/time").headers["x-mbx-used-weight-1m"] == "1", "/api and /sapi do not share"


def test_withdraw_history_allows_ten_calls_a_minute_on_the_uid_budget(api: Api, clock: ManualClock) -> None:
    clock.set(clock.now().replace(second=0))
    for i in range(10):
        clock.advance(0.2)
        resp = api.get("/sapi/v1/capital/withdraw/history")
        assert resp.status_code == 200
        assert resp.headers["x-sapi-used-uid-weight-1m"] == str(18000 * (i + 1))
    assert error(api.get("/sapi/v1/capital/withdraw/history"))[:2] == (429, -1003)
