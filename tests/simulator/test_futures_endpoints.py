"""The simulator's futures and margin side pinned on the wire: shapes, weights per host, windows, errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from responder.clock import ManualClock, to_ms
from responder.simulator import Simulator, load_scenario

from .conftest import Api, error

DAY = 86_400_000


@pytest.fixture
def fsim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("futures-drain"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def fapi(fsim: Simulator, clock: ManualClock) -> Iterator[Api]:
    with httpx.Client(transport=fsim.transport(), base_url="http://sim.test") as http:
        yield Api(http, clock, fsim.keys[0])


def test_futures_weight_is_counted_apart_from_spot(fapi: Api) -> None:
    spot = fapi.get("/api/v3/account")
    assert spot.headers["x-mbx-used-weight-1m"] == "20"
    income = fapi.get("/fapi/v1/income")
    assert income.status_code == 200 and income.headers["x-mbx-used-weight-1m"] == "30"
    assert fapi.get("/api/v3/account").headers["x-mbx-used-weight-1m"] == "40"
    info = fapi.call("GET", "/fapi/v1/exchangeInfo", signed=False).json()
    assert info["rateLimits"][0] == {
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "MINUTE",
        "intervalNum": 1,
        "limit": 2400,
    }


def test_history_windows_are_seven_days(fapi: Api, clock: ManualClock) -> None:
    now = to_ms(clock.now())
    wide = fapi.get("/fapi/v1/userTrades", symbol="ZKJUSDT", startTime=now - 8 * DAY, endTime=now)
    assert error(wide)[1] == -1127
    assert (
        fapi.get("/fapi/v1/allOrders", symbol="ZKJUSDT", startTime=now - 7 * DAY, endTime=now).status_code
        == 200
    )
    assert error(fapi.get("/fapi/v1/allOrders"))[1] == -1102  # symbol is mandatory
    old = fapi.get("/fapi/v1/income", startTime=now - 120 * DAY, endTime=now).json()
    assert old and min(r["time"] for r in old) >= now - 90 * DAY  # only 3 months kept
    recent = fapi.get("/fapi/v1/income", limit=1000).json()
    assert recent and min(r["time"] for r in recent) >= now - 7 * DAY  # no times: the last 7 days


def test_a_key_without_futures_gets_2015(fsim: Simulator, clock: ManualClock) -> None:
    with httpx.Client(transport=fsim.transport(client_ip="198.51.100.7"), base_url="http://sim.test") as http:
        resp = Api(http, clock, fsim.keys[1]).get("/fapi/v2/positionRisk")
    assert error(resp)[:2] == (401, -2015)


def test_cancel_all_answers_code_200_even_with_nothing_open(fapi: Api) -> None:
    first = fapi.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "ZKJUSDT"})
    assert first.json() == {"code": 200, "msg": "The operation of cancel all open order is done."}
    assert fapi.get("/fapi/v1/openOrders", symbol="ZKJUSDT").json() == []
    again = fapi.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "ZKJUSDT"})
    assert again.status_code == 200 and again.json()["code"] == 200


def test_reduce_only_can_only_shrink_a_position(fapi: Api) -> None:
    grow = fapi.call(
        "POST",
        "/fapi/v1/order",
        {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "1", "reduceOnly": "true"},
    )
    assert error(grow)[1:] == (-2022, "ReduceOnly Order is rejected.")
    close = fapi.call(
        "POST",
        "/fapi/v1/order",
        {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "2", "reduceOnly": "true"},
    )
    assert (
        close.status_code == 200 and close.json()["status"] == "FILLED" and close.json()["reduceOnly"] is True
    )
    eth = [p for p in fapi.get("/fapi/v2/positionRisk", symbol="ETHUSDT").json()]
    assert eth[0]["positionAmt"] == "0"


def test_income_history_shows_the_attack_in_binances_types(fapi: Api) -> None:
    rows = fapi.get("/fapi/v1/income", limit=1000).json()
    kinds = {(r["incomeType"], r["symbol"]) for r in rows}
    assert {("TRANSFER", ""), ("REALIZED_PNL", "ZKJUSDT"), ("INSURANCE_CLEAR", "ZKJUSDT")} <= kinds
    liq = fapi.get("/fapi/v1/forceOrders", symbol="ZKJUSDT").json()
    assert len(liq) == 1 and liq[0]["clientOrderId"].startswith("autoclose-") and liq[0]["status"] == "FILLED"


def test_margin_cancel_and_windows(fapi: Api, clock: ManualClock) -> None:
    now = to_ms(clock.now())
    assert (
        error(fapi.get("/sapi/v1/margin/myTrades", symbol="ZKJUSDT", startTime=now - 2 * DAY, endTime=now))[1]
        == -1127
    )
    account = fapi.get("/sapi/v1/margin/account")
    assert account.headers.get("x-sapi-used-ip-weight-1m") == "10"
    debt = {a["asset"]: a for a in account.json()["userAssets"]}["USDT"]
    assert debt["borrowed"] == "1000.00000000" and debt["interest"] != "0.00000000"
    done = fapi.call("DELETE", "/sapi/v1/margin/openOrders", {"symbol": "ZKJUSDT"})
    assert done.status_code == 200 and len(done.json()) == 1
    assert error(fapi.call("DELETE", "/sapi/v1/margin/openOrders", {"symbol": "ZKJUSDT"}))[1:] == (
        -2011,
        "Unknown order sent.",
    )
    loans = fapi.get("/sapi/v1/margin/borrow-repay", type="BORROW").json()
    assert loans["total"] == 1 and loans["rows"][0]["asset"] == "USDT"
