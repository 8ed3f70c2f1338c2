"""Endpoints: Binance's shapes, parameter rules and window limits, and that state really changes."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import httpx

from responder.clock import ManualClock, to_ms
from responder.simulator import Simulator, load_scenario
from tests.simulator.conftest import Api, error

DAY = 86_400_000


def _balance(api: Api, asset: str) -> tuple[Decimal, Decimal]:
    row = next(b for b in api.get("/api/v3/account").json()["balances"] if b["asset"] == asset)
    return Decimal(row["free"]), Decimal(row["locked"])


def test_public_endpoints_answer_binances_shapes(api: Api, clock: ManualClock) -> None:
    assert api.call("GET", "/api/v3/ping", signed=False).json() == {}
    assert api.call("GET", "/api/v3/time", signed=False).json() == {"serverTime": to_ms(clock.now())}
    info = api.call("GET", "/api/v3/exchangeInfo", signed=False).json()
    assert {"timezone", "serverTime", "rateLimits", "exchangeFilters", "symbols"} <= set(info)
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    kinds = {f["filterType"] for f in btc["filters"]}
    assert {"PRICE_FILTER", "LOT_SIZE", "NOTIONAL"} <= kinds
    assert btc["permissionSets"] == [["SPOT"]] and btc["isSpotTradingAllowed"] is True
    prices = api.call("GET", "/api/v3/ticker/price", signed=False).json()
    assert {p["symbol"] for p in prices} == {s["symbol"] for s in info["symbols"]}


def test_an_unknown_symbol_is_1121(api: Api) -> None:
    assert error(api.call("GET", "/api/v3/exchangeInfo", {"symbol": "NOPEUSDT"}, signed=False)) == (
        400,
        -1121,
        "Invalid symbol.",
    )
    assert error(api.get("/api/v3/allOrders", symbol="NOPEUSDT"))[1] == -1121


def test_klines_are_deterministic_twelve_element_rows(api: Api, clock: ManualClock) -> None:
    rows = api.call(
        "GET", "/api/v3/klines", {"symbol": "PHBUSDT", "interval": "1h", "limit": 24}, signed=False
    ).json()
    assert len(rows) == 24 and all(len(r) == 12 for r in rows)
    assert rows[-1][0] <= to_ms(clock.now()) < rows[-1][6] + 1
    assert all(b[0] - a[0] == 3_600_000 for a, b in itertools.pairwise(rows))
    twin = Simulator(load_scenario("pump-and-dump"), clock=ManualClock())
    with httpx.Client(transport=twin.transport(), base_url="http://twin") as http:
        again = http.get("/api/v3/klines", params={"symbol": "PHBUSDT", "interval": "1h", "limit": 24}).json()
    assert again == rows
    peak = max(Decimal(r[2]) for r in rows)
    assert peak > 2 * Decimal(rows[0][1]), "the pump shows on the chart"


def test_limit_over_1000_is_rejected(api: Api) -> None:
    assert error(
        api.call(
            "GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": 1001}, signed=False
        )
    ) == (400, -1102, "'limit' contains unexpected value. Cannot be greater than 1000.")
    assert error(api.get("/api/v3/myTrades", symbol="BTCUSDT", limit=1001))[1] == -1102


def test_windows_over_24_hours_are_1127(api: Api, clock: ManualClock) -> None:
    now = to_ms(clock.now())
    for path in ("/api/v3/allOrders", "/api/v3/myTrades"):
        resp = api.get(path, symbol="BTCUSDT", startTime=now - DAY - 1, endTime=now)
        assert error(resp) == (400, -1127, "More than 24 hours between startTime and endTime.")
        assert api.get(path, symbol="BTCUSDT", startTime=now - DAY, endTime=now).status_code == 200


def test_my_trades_allows_only_documented_combinations(api: Api, clock: ManualClock) -> None:
    now = to_ms(clock.now())
    assert error(api.get("/api/v3/myTrades", symbol="BTCUSDT", fromId=1, startTime=now - 1000))[1] == -1128
    first = api.get("/api/v3/myTrades", symbol="BTCUSDT", limit=5).json()
    from_id = api.get("/api/v3/myTrades", symbol="BTCUSDT", fromId=first[0]["id"], limit=2).json()
    assert [t["id"] for t in from_id] == [first[0]["id"], first[0]["id"] + 1]


def test_open_orders_cost_6_with_a_symbol_and_80_without(api: Api) -> None:
    w0 = int(api.get("/api/v3/openOrders", symbol="BTCUSDT").headers["x-mbx-used-weight-1m"])
    w1 = int(api.get("/api/v3/openOrders").headers["x-mbx-used-weight-1m"])
    assert (w0, w1 - w0) == (6, 80)


def test_cancel_all_removes_the_attackers_orders_and_frees_the_balance(api: Api, sim: Simulator) -> None:
    open_before = api.get("/api/v3/openOrders", symbol="PHBUSDT").json()
    assert len(open_before) == 3
    free, locked = _balance(api, "PHB")
    assert locked == Decimal(900)
    weight_before = int(api.get("/api/v3/time").headers["x-mbx-used-weight-1m"])
    resp = api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"})
    assert resp.status_code == 200
    reports = resp.json()
    assert {r["status"] for r in reports} == {"CANCELED"}
    assert len({r["clientOrderId"] for r in reports}) == 1, "one shared cancel id"
    assert {r["origClientOrderId"] for r in reports} == {o["clientOrderId"] for o in open_before}
    assert int(resp.headers["x-mbx-used-weight-1m"]) == weight_before, "a successful cancel costs 0"
    assert api.get("/api/v3/openOrders", symbol="PHBUSDT").json() == []
    assert _balance(api, "PHB") == (free + 900, Decimal(0))
    used = int(api.get("/api/v3/time").headers["x-mbx-used-weight-1m"])
    again = api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"})
    assert error(again) == (400, -2011, "Unknown order sent.")
    assert int(again.headers["x-mbx-used-weight-1m"]) == used + 1, "failed calls are charged"
    assert all(
        e["orderStatus"] == "CANCELED"
        for e in sim.ground_truth["attacker_actions"]
        if e["label"] == "open-sell"
    )


def test_a_crossing_buy_fills_at_the_ask_and_moves_balances(
    api: Api, sim: Simulator, clock: ManualClock
) -> None:
    usdt, _ = _balance(api, "USDT")
    btc, _ = _balance(api, "BTC")
    _, ask = sim.state.markets["BTCUSDT"].quote(to_ms(clock.now()))
    resp = api.call(
        "POST",
        "/api/v3/order",
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
        body=True,
    )
    order = resp.json()
    assert order["status"] == "FILLED" and order["fills"][0]["price"] == f"{ask:.8f}"
    assert _balance(api, "USDT")[0] == usdt - ask * Decimal("0.01")
    assert _balance(api, "BTC")[0] == btc + Decimal("0.01") * Decimal("0.999")
    assert re.fullmatch(r"[A-Za-z0-9]{22}", order["clientOrderId"])


def test_order_filters_and_balance_are_checked(api: Api) -> None:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    assert error(api.call("POST", "/api/v3/order", base | {"quantity": "0.001", "price": "100.001"}))[2] == (
        "Filter failure: PRICE_FILTER"
    )
    assert error(api.call("POST", "/api/v3/order", base | {"quantity": "0.000001", "price": "100"}))[2] == (
        "Filter failure: LOT_SIZE"
    )
    assert error(api.call("POST", "/api/v3/order", base | {"quantity": "1", "price": "60000"})) == (
        400,
        -2010,
        "Account has insufficient balance for requested action.",
    )
    assert (
        error(
            api.call(
                "POST",
                "/api/v3/order",
                {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001", "price": "100"},
            )
        )[1]
        == -1102
    )


def test_archived_orders_are_hidden_and_2026_on_lookup(api: Api, sim: Simulator, clock: ManualClock) -> None:
    archived = [o for o in sim.state.book("BTCUSDT").orders if o.archived(to_ms(clock.now()))]
    assert archived
    resp = api.get("/api/v3/order", symbol="BTCUSDT", orderId=archived[0].order_id)
    assert error(resp) == (
        400,
        -2026,
        "Order was canceled or expired with no executed qty over 90 days ago and has been archived.",
    )
    listed = api.get("/api/v3/allOrders", symbol="BTCUSDT", orderId=archived[0].order_id, limit=1000).json()
    assert archived[0].order_id not in {o["orderId"] for o in listed}
    assert error(api.get("/api/v3/order", symbol="BTCUSDT", orderId=1))[1] == -2013


def test_all_orders_returns_the_newest_by_default_oldest_first(api: Api) -> None:
    rows = api.get("/api/v3/allOrders", symbol="PHBUSDT", limit=5).json()
    times = [r["time"] for r in rows]
    assert times == sorted(times) and len(rows) == 5
    assert (
        rows[-1]["clientOrderId"]
        == api.get("/api/v3/allOrders", symbol="PHBUSDT").json()[-1]["clientOrderId"]
    )


def test_wallet_history_uses_binances_time_formats(api: Api) -> None:
    withdrawals = api.get("/sapi/v1/capital/withdraw/history").json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", withdrawals[0]["applyTime"])
    assert withdrawals[0]["status"] == 6
    deposits = api.get("/sapi/v1/capital/deposit/hisrec").json()
    assert isinstance(deposits[0]["insertTime"], int)
    assert deposits[0]["insertTime"] > deposits[-1]["insertTime"], "newest first"
    book = api.get("/sapi/v1/capital/withdraw/address/list").json()
    assert book[0]["whiteStatus"] is True


def test_sapi_window_rules(api: Api, clock: ManualClock) -> None:
    now = to_ms(clock.now())
    assert (
        error(api.get("/sapi/v1/capital/deposit/hisrec", startTime=now - 91 * DAY, endTime=now))[1] == -1127
    )
    assert error(api.get("/sapi/v1/convert/tradeFlow", startTime=now - 31 * DAY, endTime=now))[1] == -1127
    assert error(api.get("/sapi/v1/convert/tradeFlow", startTime=now - DAY))[1] == -1102
    assert api.get("/sapi/v1/convert/tradeFlow", startTime=now - DAY, endTime=now).json()["moreData"] is False
    assert api.get("/sapi/v1/asset/transfer", type="MAIN_FUNDING").json() == {"total": 0}
    assert error(api.get("/sapi/v1/asset/transfer"))[1] == -1102
    snap = api.get("/sapi/v1/accountSnapshot", type="SPOT").json()
    assert snap["code"] == 200 and len(snap["snapshotVos"]) == 7
    assert Decimal(snap["snapshotVos"][0]["data"]["totalAssetOfBtc"]) > 0


def test_api_restrictions_describe_the_calling_key(api: Api, sim: Simulator) -> None:
    body = api.get("/sapi/v1/account/apiRestrictions").json()
    assert body["enableSpotAndMarginTrading"] is True and body["enableWithdrawals"] is False
    assert body["ipRestrict"] is False and body["createTime"] == sim.keys[0].create_ms
    assert api.get("/sapi/v1/account/status").json() == {"data": "Normal"}
    assert api.get("/sapi/v1/account/apiTradingStatus").json()["data"]["isLocked"] is False


def test_omit_zero_balances(api: Api) -> None:
    everything = api.get("/api/v3/account").json()["balances"]
    nonzero = api.get("/api/v3/account", omitZeroBalances="true").json()["balances"]
    assert len(nonzero) < len(everything)
    assert all(Decimal(b["free"]) + Decimal(b["locked"]) > 0 for b in nonzero)
