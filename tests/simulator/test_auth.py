"""Request security as Binance checks it: signature bytes, timing, key state, IP and permissions."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from responder.clock import ManualClock, to_ms
from responder.simulator import Simulator
from responder.simulator.scenario import parse_scenario
from tests.simulator.conftest import Api, error

JSON_TYPE = "application/json;charset=UTF-8"


def _sign(key_secret: str, payload: str) -> str:
    return hmac.new(key_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_a_correctly_signed_request_is_answered(api: Api) -> None:
    resp = api.get("/api/v3/account")
    assert resp.status_code == 200
    assert resp.json()["uid"] == 354937868


def test_parameters_may_come_in_any_order(api: Api, clock: ManualClock) -> None:
    ts = to_ms(clock.now())
    resp = api.call("GET", "/api/v3/allOrders", {"timestamp": ts, "limit": 3, "symbol": "BTCUSDT"})
    assert resp.status_code == 200
    assert len(resp.json()) == 3


def test_signature_covers_query_then_body_with_no_separator(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    key = sim.keys[0]
    assert key.secret is not None
    query = "symbol=PHBUSDT"
    body = f"timestamp={to_ms(clock.now())}"
    sig = _sign(key.secret.reveal(), query + body)
    resp = api.http.request(
        "DELETE",
        f"/api/v3/openOrders?{query}",
        content=f"{body}&signature={sig}",
        headers={"X-MBX-APIKEY": key.api_key, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200, resp.text
    assert {o["symbol"] for o in resp.json()} == {"PHBUSDT"}


def test_the_query_copy_of_a_parameter_wins_over_the_body(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    key = sim.keys[0]
    assert key.secret is not None
    query = "symbol=PHBUSDT"
    body = f"symbol=ETHUSDT&timestamp={to_ms(clock.now())}"
    sig = _sign(key.secret.reveal(), query + body)
    resp = api.http.request(
        "DELETE",
        f"/api/v3/openOrders?{query}",
        content=f"{body}&signature={sig}",
        headers={"X-MBX-APIKEY": key.api_key, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert {o["symbol"] for o in resp.json()} == {"PHBUSDT"}
    assert sim.state.book("ETHUSDT").open_orders(), "the body's ETHUSDT was ignored"


def test_a_parameter_twice_in_one_part_is_rejected(api: Api) -> None:
    resp = api.call("GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"} | {"limit": 5}, signed=True)
    assert resp.status_code == 200
    dup = api.http.get(resp.request.url.copy_add_param("limit", "6"), headers=dict(resp.request.headers))
    assert error(dup) == (400, -1101, "Duplicate values for a parameter detected.")


def test_hmac_hex_is_compared_case_insensitively(api: Api, sim: Simulator, clock: ManualClock) -> None:
    key = sim.keys[0]
    assert key.secret is not None
    q = f"timestamp={to_ms(clock.now())}"
    resp = api.http.get(
        f"/api/v3/account?{q}&signature={_sign(key.secret.reveal(), q).upper()}",
        headers={"X-MBX-APIKEY": key.api_key},
    )
    assert resp.status_code == 200


def test_a_wrong_secret_is_an_invalid_signature(api: Api, sim: Simulator, clock: ManualClock) -> None:
    q = f"timestamp={to_ms(clock.now())}"
    resp = api.http.get(
        f"/api/v3/account?{q}&signature={_sign('not-the-secret', q)}",
        headers={"X-MBX-APIKEY": sim.keys[0].api_key},
    )
    assert error(resp) == (400, -1022, "Signature for this request is not valid.")
    assert resp.headers["content-type"] == JSON_TYPE


def test_a_missing_signature_is_a_missing_mandatory_parameter(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    resp = api.http.get(
        f"/api/v3/account?timestamp={to_ms(clock.now())}", headers={"X-MBX-APIKEY": sim.keys[0].api_key}
    )
    assert error(resp) == (
        400,
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    )


def test_ed25519_signatures_verify_against_the_public_key(api: Api, sim: Simulator) -> None:
    tracker = sim.keys[1]
    assert tracker.type == "ED25519"
    sim.control.set_client_ip("198.51.100.7")  # the tracker key is whitelisted to this address
    assert api.call("GET", "/api/v3/account", key=tracker).status_code == 200


def test_rsa_signatures_verify_against_the_public_key(clock: ManualClock) -> None:
    scenario = parse_scenario(
        {
            "keys": [{"name": "rsa", "type": "RSA", "permissions": ["enableReading"], "leaked": True}],
            "markets": [{"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "price": "60000"}],
        }
    )
    sim = Simulator(scenario, clock=clock)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        api = Api(http, clock, sim.keys[0])
        assert api.get("/api/v3/account").status_code == 200
        resp = http.get(
            f"/api/v3/account?timestamp={to_ms(clock.now())}&signature=AAAA",
            headers={"X-MBX-APIKEY": sim.keys[0].api_key},
        )
        assert error(resp)[1] == -1022


@pytest.mark.parametrize(
    ("offset_ms", "window", "expected"),
    [
        (999, None, None),
        (1000, None, "Timestamp for this request was 1000ms ahead of the server's time."),
        (1000, "60000", "Timestamp for this request was 1000ms ahead of the server's time."),
        (-5000, None, None),
        (-5001, None, "Timestamp for this request is outside of the recvWindow."),
        (-9000, "10000", None),
        (-60_000, "59999", "Timestamp for this request is outside of the recvWindow."),
    ],
)
def test_the_timing_rule(api: Api, offset_ms: int, window: str | None, expected: str | None) -> None:
    params = {"recvWindow": window} if window else {}
    resp = api.call("GET", "/api/v3/account", params, ts_offset_ms=offset_ms)
    if expected is None:
        assert resp.status_code == 200
    else:
        assert error(resp) == (400, -1021, expected)


def test_recv_window_cannot_exceed_60000(api: Api) -> None:
    resp = api.call("GET", "/api/v3/account", {"recvWindow": "60001"})
    assert error(resp) == (
        400,
        -1102,
        "'recvWindow' contains unexpected value. Cannot be greater than 60000.",
    )
    assert api.call("GET", "/api/v3/account", {"recvWindow": "60000"}).status_code == 200


def test_a_missing_timestamp_is_rejected_with_binances_message(api: Api, sim: Simulator) -> None:
    key = sim.keys[0]
    assert key.secret is not None
    resp = api.http.get(
        f"/api/v3/account?signature={_sign(key.secret.reveal(), '')}", headers={"X-MBX-APIKEY": key.api_key}
    )
    assert error(resp) == (
        400,
        -1102,
        "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    )


def test_an_unknown_key_is_rejected_with_401(api: Api) -> None:
    resp = api.http.get("/api/v3/account?timestamp=1&signature=00", headers={"X-MBX-APIKEY": "Z" * 64})
    assert error(resp) == (401, -2015, "Invalid API-key, IP, or permissions for action.")


def test_a_malformed_or_missing_key_is_a_format_error(api: Api) -> None:
    for headers in ({"X-MBX-APIKEY": "short"}, {}):
        resp = api.http.get("/api/v3/account?timestamp=1&signature=00", headers=headers)
        assert error(resp) == (401, -2014, "API-key format invalid.")


def test_a_deleted_key_is_rejected(api: Api, sim: Simulator) -> None:
    sim.control.delete_key("grid-bot")
    assert error(api.get("/api/v3/account"))[:2] == (401, -2015)


def test_an_ip_restricted_key_is_rejected_from_elsewhere(api: Api, sim: Simulator) -> None:
    tracker = sim.keys[1]
    status, code, msg = error(api.call("GET", "/api/v3/account", key=tracker))
    assert (status, code) == (401, -2015)
    assert msg.startswith("Invalid API-key, IP, or permissions for action")


def test_a_missing_permission_is_2015_on_api_and_1002_on_sapi(clock: ManualClock) -> None:
    scenario = parse_scenario(
        {
            "keys": [
                {"name": "trade-only", "permissions": ["enableSpotAndMarginTrading"], "leaked": True},
                {"name": "read-only", "permissions": ["enableReading"]},
            ],
            "markets": [{"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "price": "60000"}],
            "account": {"balances": {"USDT": "1000"}},
        }
    )
    sim = Simulator(scenario, clock=clock)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        trade_only, read_only = (Api(http, clock, k) for k in sim.keys)
        assert error(trade_only.get("/sapi/v1/account/status")) == (
            401,
            -1002,
            "You are not authorized to execute this request.",
        )
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": "50000",
        }
        assert error(read_only.call("POST", "/api/v3/order", order))[:2] == (401, -2015)
        assert trade_only.call("POST", "/api/v3/order", order).status_code == 200
