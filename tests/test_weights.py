"""The client's budget and the simulator each keep their own weight table, on purpose: a shared table
would let one wrong number pass both sides. Both are checked here against the reference instead.

REFERENCE transcribes /work/shared/reference/binance-api.md: §3.1 (Spot /api/v3 table, "weight"
column), §3.2 (SAPI table: IP or UID and the weight) and §2.1 (the 2026-04-02 weight-0 change:
successful order placement and cancels cost 0; failed ones pay the listed weight). For withdraw
history the reference notes IP vs UID is unsettled (§9 item 6); both sides use UID, as the SDK does.
A new endpoint in either table fails the coverage tests below until its reference row is added.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from responder.exchange.budget import endpoint_cost
from responder.simulator.sim import ROUTES

EXCHANGE = Path(__file__).resolve().parent.parent / "responder" / "exchange"
# Every Binance path the client's code names (the budget's own table is left out: it is what is checked).
CLIENT_PATHS = {
    m
    for f in EXCHANGE.glob("*.py")
    if f.name != "budget.py"
    for m in re.findall(r'"(/(?:api|sapi|fapi)/v\d+/[A-Za-z0-9/-]+)"', f.read_text(encoding="utf-8"))
}

# (method, path, params, weight, bucket kind, costs 0 when it succeeds)
REFERENCE: list[tuple[str, str, dict[str, str], int, str, bool]] = [
    # §3.1 Spot /api/v3
    ("GET", "/api/v3/ping", {}, 1, "api", False),
    ("GET", "/api/v3/time", {}, 1, "api", False),
    ("GET", "/api/v3/exchangeInfo", {}, 20, "api", False),
    ("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}, 2, "api", False),
    ("GET", "/api/v3/ticker/price", {"symbol": "BTCUSDT"}, 2, "api", False),
    ("GET", "/api/v3/ticker/price", {}, 4, "api", False),
    # not in §3.1: binance-spot-openapi.yaml, GET /api/v3/ticker/24hr ("2 for a single symbol; 80 when
    # the symbol parameter is omitted")
    ("GET", "/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}, 2, "api", False),
    ("GET", "/api/v3/ticker/24hr", {}, 80, "api", False),
    ("GET", "/api/v3/account", {}, 20, "api", False),
    ("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, 6, "api", False),
    ("GET", "/api/v3/openOrders", {}, 80, "api", False),
    ("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, 1, "api", True),
    ("GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"}, 20, "api", False),
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}, 20, "api", False),
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": "1"}, 5, "api", False),
    ("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "1"}, 4, "api", False),
    ("GET", "/api/v3/rateLimit/order", {}, 40, "api", False),
    # §2.1 weight-0 change: order placement and cancel (listed weight 1 when they fail)
    ("POST", "/api/v3/order", {"symbol": "BTCUSDT"}, 1, "api", True),
    ("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "1"}, 1, "api", True),
    # §11 order lists; weights not in §3.1: binance-spot-openapi.yaml ("Weight(IP): 20" for allOrderList,
    # "Weight(IP): 6" for openOrderList); placing an OCO is an order placement (§2.1: 0 when it succeeds)
    ("GET", "/api/v3/allOrderList", {}, 20, "api", False),
    ("GET", "/api/v3/openOrderList", {}, 6, "api", False),
    ("POST", "/api/v3/orderList/oco", {"symbol": "BTCUSDT"}, 1, "api", True),
    # §3.2 SAPI
    ("GET", "/sapi/v1/account/apiRestrictions", {}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/account/status", {}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/account/apiTradingStatus", {}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/capital/withdraw/history", {}, 18000, "sapi-uid", False),
    ("GET", "/sapi/v1/capital/deposit/hisrec", {}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/capital/withdraw/address/list", {}, 10, "sapi-ip", False),
    ("GET", "/sapi/v1/asset/transfer", {"type": "MAIN_FUNDING"}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/accountSnapshot", {"type": "SPOT"}, 2400, "sapi-ip", False),
    ("GET", "/sapi/v1/convert/tradeFlow", {"startTime": "0", "endTime": "1"}, 3000, "sapi-uid", False),
    # §10 cross margin (SAPI, IP); weights from Binance's margin docs, noted in docs/futures.md
    ("GET", "/sapi/v1/margin/account", {}, 10, "sapi-ip", False),
    ("GET", "/sapi/v1/margin/openOrders", {}, 10, "sapi-ip", False),
    ("DELETE", "/sapi/v1/margin/openOrders", {"symbol": "BTCUSDT"}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/margin/allOrders", {"symbol": "BTCUSDT"}, 200, "sapi-ip", False),
    ("GET", "/sapi/v1/margin/myTrades", {"symbol": "BTCUSDT"}, 10, "sapi-ip", False),
    ("GET", "/sapi/v1/margin/borrow-repay", {"type": "BORROW"}, 10, "sapi-ip", False),
    ("GET", "/sapi/v1/margin/forceLiquidationRec", {}, 1, "sapi-ip", False),
    # §10 USDⓈ-M futures: fapi.binance.com, its own REQUEST_WEIGHT budget (the client's futures budget
    # is a separate RateBudget whose "api" bucket is the fapi one); income is 30 per §10, the rest
    # from Binance's USDⓈ-M docs, noted in docs/futures.md. Orders: 0 on the IP weight.
    ("GET", "/fapi/v1/ping", {}, 1, "api", False),
    ("GET", "/fapi/v1/time", {}, 1, "api", False),
    ("GET", "/fapi/v1/exchangeInfo", {}, 1, "api", False),
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "99"}, 1, "api", False),
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1m"}, 5, "api", False),
    ("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "1500"}, 10, "api", False),
    ("GET", "/fapi/v1/premiumIndex", {"symbol": "BTCUSDT"}, 1, "api", False),
    ("GET", "/fapi/v1/premiumIndex", {}, 10, "api", False),
    ("GET", "/fapi/v2/account", {}, 5, "api", False),
    ("GET", "/fapi/v3/account", {}, 5, "api", False),
    ("GET", "/fapi/v2/balance", {}, 5, "api", False),
    ("GET", "/fapi/v3/balance", {}, 5, "api", False),
    ("GET", "/fapi/v2/positionRisk", {}, 5, "api", False),
    ("GET", "/fapi/v3/positionRisk", {}, 5, "api", False),
    ("GET", "/fapi/v1/leverageBracket", {}, 1, "api", False),
    ("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}, 1, "api", False),
    ("GET", "/fapi/v1/openOrders", {}, 40, "api", False),
    ("GET", "/fapi/v1/allOrders", {"symbol": "BTCUSDT"}, 5, "api", False),
    ("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}, 5, "api", False),
    ("GET", "/fapi/v1/income", {}, 30, "api", False),
    ("GET", "/fapi/v1/forceOrders", {"symbol": "BTCUSDT"}, 20, "api", False),
    ("GET", "/fapi/v1/forceOrders", {}, 50, "api", False),
    ("POST", "/fapi/v1/order", {"symbol": "BTCUSDT"}, 0, "api", False),
    ("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "BTCUSDT"}, 1, "api", False),
    ("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT"}, 1, "api", False),
    # §3.3 the master account's sub-account endpoints ("All are Weight(UID) 3000"); the list, assets and
    # universal transfer are not in §3.3: binance-connector-python clients/sub_account (commit 29da329)
    # docstrings — list Weight(IP) 1, v3 assets Weight(UID) 60, transfer Weight(UID) 360, its history IP 1
    ("GET", "/sapi/v1/sub-account/list", {}, 1, "sapi-ip", False),
    ("GET", "/sapi/v1/sub-account/subAccountApi", {"email": "a@b.c"}, 3000, "sapi-uid", False),
    ("DELETE", "/sapi/v1/sub-account/subAccountApi", {"email": "a@b.c"}, 3000, "sapi-uid", False),
    ("GET", "/sapi/v1/sub-account/subAccountApi/ipRestriction", {}, 3000, "sapi-uid", False),
    ("POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction", {}, 3000, "sapi-uid", False),
    ("DELETE", "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList", {}, 3000, "sapi-uid", False),
    ("POST", "/sapi/v1/sub-account/subAccountApiPermission", {}, 3000, "sapi-uid", False),
    ("GET", "/sapi/v3/sub-account/assets", {"email": "a@b.c"}, 60, "sapi-uid", False),
    ("POST", "/sapi/v1/sub-account/universalTransfer", {}, 360, "sapi-uid", False),
    ("GET", "/sapi/v1/sub-account/universalTransfer", {}, 1, "sapi-ip", False),
]
KNOWN = {(method, path) for method, path, *_ in REFERENCE}
_SCOPE = {None: "api", "IP": "sapi-ip", "UID": "sapi-uid"}


def _id(row: tuple[str, str, dict[str, str], int, str, bool]) -> str:
    method, path, params = row[:3]
    return f"{method} {path}" + (f" {sorted(params)}" if params else "")


@pytest.mark.parametrize("row", [r for r in REFERENCE if r[1] in CLIENT_PATHS], ids=_id)
def test_the_budget_prices_each_endpoint_the_client_calls_as_the_reference(
    row: tuple[str, str, dict[str, str], int, str, bool],
) -> None:
    method, path, params, weight, kind, _ = row
    cost = endpoint_cost(method, path, params)
    assert (cost.weight, cost.kind) == (weight, kind)


@pytest.mark.parametrize("row", REFERENCE, ids=_id)
def test_the_simulator_prices_each_endpoint_as_the_reference(
    row: tuple[str, str, dict[str, str], int, str, bool],
) -> None:
    method, path, params, weight, kind, free_on_success = row
    route = ROUTES[(method, path)]
    assert (route.weight_for(params), _SCOPE[route.sapi_scope]) == (weight, kind)
    assert route.zero_on_success is free_on_success


def test_every_simulated_endpoint_has_a_reference_weight() -> None:
    """A new endpoint in the simulator needs its row above (and so a reference section to cite)."""
    assert set(ROUTES) - KNOWN == set()


def test_every_endpoint_the_client_calls_has_a_reference_weight() -> None:
    """A new call in the client needs its row above, so the budget's price for it is checked."""
    assert len(CLIENT_PATHS) > 15
    assert CLIENT_PATHS - {path for _, path in KNOWN} == set()
