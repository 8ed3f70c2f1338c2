"""A small Binance-compatible WSGI app for the client's tests (the full simulator is issue 3).

It checks what Binance checks — the API key, the signature over the exact raw query string plus body,
the timestamp against its own clock (-1021 both ways) — counts request weight per calendar minute
with headers, and serves canned bodies for every endpoint the client knows. Tests script failures
(`fail_next`) and read `requests` to assert on what was actually sent.
"""

# ruff: noqa: E501 — canned bodies are copied from the reference and read best one record per line

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from responder.clock import Clock, to_ms
from responder.exchange.budget import endpoint_cost
from responder.exchange.signing import verify_signature

HMAC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HMAC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
ED_KEY = "CAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc1T8TRTQ"
ED_PRIVATE_PEM = (
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n"
)
ED_PUBLIC_PEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n"
CREATED_MS = 1_698_645_219_000  # 2023-10-30

Reply = tuple[int, dict[str, str], Any]  # status, headers, JSON body (or str for raw text/HTML)


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    status: int
    weight: int


@dataclass
class FakeBinance:
    clock: Clock
    keys: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {HMAC_KEY: ("HMAC", HMAC_SECRET), ED_KEY: ("ED25519", ED_PUBLIC_PEM)}
    )
    weight_limit: int = 6000
    others_used: int = 0  # weight spent by "other processes" on this IP in the current minute
    ip_restricted: bool = False
    withdrawals: bool = False
    overrides: dict[str, Callable[[dict[str, str]], Any]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    _faults: dict[str, list[Reply]] = field(default_factory=dict)
    _minute: int = -1
    _used: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- test controls -----------------------------------------------------------------------------
    def fail_next(self, path: str, *replies: Reply) -> None:
        """The next requests to `path` get these replies instead of the real answer."""
        self._faults.setdefault(path, []).extend(replies)

    def count(self, path: str, method: str | None = None) -> int:
        return sum(1 for r in self.requests if r.path == path and (method is None or r.method == method))

    # --- WSGI --------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        raw_query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw_body = environ["wsgi.input"].read(length).decode() if length else ""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        weight = endpoint_cost(method, path, params).weight
        with self._lock:
            status, headers, body = self._answer(method, path, raw_query, raw_body, params, environ)
            used = self._spend(weight) if path.startswith("/api/") else weight
            self.requests.append(
                Seen(method, path, {k: v for k, v in params.items() if k != "signature"}, status, weight)
            )
        headers = {"x-mbx-used-weight-1m": str(used), **headers} if path.startswith("/api/") else headers
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        ctype = "text/html" if isinstance(body, str) else "application/json;charset=UTF-8"
        start_response(f"{status} X", [("Content-Type", ctype), *headers.items()])
        return [payload]

    def _spend(self, weight: int) -> int:
        minute = to_ms(self.clock.now()) // 60_000
        if minute != self._minute:
            self._minute, self._used = minute, self.others_used
            self.others_used = 0
        self._used += weight
        return self._used

    def _answer(self, method: str, path: str, raw_query: str, raw_body: str, params: dict[str, str],
                environ: dict[str, Any]) -> Reply:  # fmt: skip
        if self._faults.get(path):
            return self._faults[path].pop(0)
        if path == "/api/v3/time":
            return 200, {}, {"serverTime": to_ms(self.clock.now())}
        if path in PUBLIC:
            return 200, {}, self.overrides.get(path, PUBLIC[path])(params)
        refused = self._authenticate(environ.get("HTTP_X_MBX_APIKEY", ""), raw_query, raw_body, params)
        if refused is not None:
            return refused
        if path in self.overrides:
            return 200, {}, self.overrides[path](params)
        if path == "/sapi/v1/account/apiRestrictions":
            return (
                200,
                {},
                {**restrictions(), "ipRestrict": self.ip_restricted, "enableWithdrawals": self.withdrawals},
            )
        handler = PRIVATE.get((method, path))
        if handler is None:
            return 404, {}, {"code": -1000, "msg": "no such endpoint in the fake"}
        return 200, {}, handler(params)

    def _authenticate(
        self, api_key: str, raw_query: str, raw_body: str, params: dict[str, str]
    ) -> Reply | None:
        if api_key not in self.keys:
            return 401, {}, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        kind, material = self.keys[api_key]
        payload, _, sig = raw_query.rpartition("&signature=")
        ok = verify_signature(
            kind,  # type: ignore[arg-type]  # the fake stores the literal key types
            payload + raw_body,
            sig,
            secret=material if kind == "HMAC" else None,
            public_pem=material if kind != "HMAC" else None,
        )
        if not ok:
            return 400, {}, {"code": -1022, "msg": "Signature for this request is not valid."}
        now, ts = to_ms(self.clock.now()), int(params.get("timestamp", "0"))
        if ts >= now + 1000:
            return (
                400,
                {},
                {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."},
            )
        if now - ts > int(params.get("recvWindow", "5000")):
            return 400, {}, {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
        return None


def order(order_id: int, time_ms: int, symbol: str = "BTCUSDT", status: str = "NEW") -> dict[str, Any]:
    return {
        "symbol": symbol, "orderId": order_id, "orderListId": -1, "clientOrderId": f"web_{order_id}",
        "price": "0.10000000", "origQty": "1.00000000", "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000", "status": status, "timeInForce": "GTC", "type": "LIMIT",
        "side": "BUY", "time": time_ms, "updateTime": time_ms,
    }  # fmt: skip


def trade(trade_id: int, time_ms: int, symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {
        "symbol": symbol, "id": trade_id, "orderId": 100234, "orderListId": -1, "price": "4.00000100",
        "qty": "12.00000000", "quoteQty": "48.000012", "commission": "10.10000000", "commissionAsset": "BNB",
        "time": time_ms, "isBuyer": True, "isMaker": False, "isBestMatch": True,
    }  # fmt: skip


def restrictions() -> dict[str, Any]:
    return {
        "ipRestrict": False, "createTime": CREATED_MS, "enableReading": True, "enableWithdrawals": False,
        "enableInternalTransfer": False, "enableMargin": False, "enableFutures": False,
        "permitsUniversalTransfer": False, "enableVanillaOptions": False, "enableFixApiTrade": False,
        "enableFixReadOnly": True, "enableSpotAndMarginTrading": True, "enablePortfolioMarginTrading": False,
    }  # fmt: skip


EXCHANGE_INFO = {
    "timezone": "UTC", "serverTime": 1_700_000_000_000,
    "rateLimits": [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
    ],
    "exchangeFilters": [],
    "symbols": [{"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT"}],
}  # fmt: skip

PUBLIC: dict[str, Callable[[dict[str, str]], Any]] = {
    "/api/v3/exchangeInfo": lambda p: EXCHANGE_INFO,
    "/api/v3/ticker/price": lambda p: [{"symbol": "BTCUSDT", "price": "97000.01"}, {"symbol": "BNBUSDT", "price": "610.5"}],
    "/api/v3/klines": lambda p: [[1_700_000_000_000, "1", "2", "0.5", "1.5", "10", 1_700_000_059_999, "15", 3, "5", "7", "0"]],
}  # fmt: skip

PRIVATE: dict[tuple[str, str], Callable[[dict[str, str]], Any]] = {
    ("GET", "/api/v3/account"): lambda p: {
        "canTrade": True, "canWithdraw": True, "canDeposit": True, "updateTime": 123456789, "accountType": "SPOT",
        "balances": [{"asset": "BTC", "free": "4723846.89208129", "locked": "0.00000000"}],
        "permissions": ["SPOT"], "uid": 354937868,
    },
    ("GET", "/api/v3/openOrders"): lambda p: [order(1, 1_700_000_000_000)],
    ("DELETE", "/api/v3/openOrders"): lambda p: [
        {**order(1, 1_700_000_000_000, status="CANCELED"), "clientOrderId": "pXLV6Hz6mprAcVYpVMTGgx",
         "origClientOrderId": "web_1", "transactTime": 1_700_000_100_000},
        {"orderListId": 9, "contingencyType": "OCO", "orderReports": [
            {**order(2, 1_700_000_000_000, status="CANCELED"), "transactTime": 1_700_000_100_000}]},
    ],
    ("GET", "/api/v3/allOrders"): lambda p: [order(1, int(p.get("startTime", 1_700_000_000_000)))],
    ("GET", "/api/v3/myTrades"): lambda p: [trade(1, int(p.get("startTime", 1_700_000_000_000)))],
    ("GET", "/sapi/v1/account/apiRestrictions"): lambda p: restrictions(),
    ("GET", "/sapi/v1/account/status"): lambda p: {"data": "Normal"},
    ("GET", "/sapi/v1/account/apiTradingStatus"): lambda p: {"data": {
        "isLocked": False, "plannedRecoverTime": 0, "triggerCondition": {"GCR": 150, "IFER": 150, "UFR": 300},
        "updateTime": 1547630471725}},
    ("GET", "/sapi/v1/capital/withdraw/history"): lambda p: [{
        "id": "b6ae22b3aa844210a7041aee7589627c", "amount": "8.91000000", "transactionFee": "0.004", "coin": "USDT",
        "status": 6, "address": "0x94df8b352de7f46f64b01d3666bf6e936e44ce60", "txId": "0xb5ef8c13b968a406",
        "applyTime": "2019-10-12 11:12:02", "network": "ETH", "transferType": 0,
        "withdrawOrderId": "WITHDRAWtest123", "completeTime": "2023-03-23 16:52:41"}],
    ("GET", "/sapi/v1/capital/deposit/hisrec"): lambda p: [{
        "id": "769800519366885376", "amount": "0.001", "coin": "BNB", "network": "BNB", "status": 1,
        "address": "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23", "addressTag": "101764890", "txId": "98A3",
        "insertTime": 1661493146000, "transferType": 0, "confirmTimes": "1/1", "unlockConfirm": 0, "walletType": 0}],
    ("GET", "/sapi/v1/capital/withdraw/address/list"): lambda p: [{
        "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "addressTag": "", "coin": "BTC", "name": "Satoshi",
        "network": "BTC", "origin": "bla", "originType": "others", "whiteStatus": True}],
    ("GET", "/sapi/v1/asset/transfer"): lambda p: {"total": 1, "rows": [{
        "asset": "USDT", "amount": "1", "type": p["type"], "status": "CONFIRMED", "tranId": 11415955596,
        "timestamp": 1544433328000}]},
    ("GET", "/sapi/v1/accountSnapshot"): lambda p: {"code": 200, "msg": "", "snapshotVos": [{
        "type": "spot", "updateTime": 1576281599000,
        "data": {"totalAssetOfBtc": "0.09942700",
                 "balances": [{"asset": "BTC", "free": "0.09905021", "locked": "0.00000000"}]}}]},
    ("GET", "/sapi/v1/convert/tradeFlow"): lambda p: {"list": [{
        "quoteId": "f3b91c525b2644c7bc1e1cd31b6e1aa6", "orderId": 940708407462087195, "orderStatus": "SUCCESS",
        "fromAsset": "USDT", "fromAmount": "20", "toAsset": "BNB", "toAmount": "0.06154036", "ratio": "0.00307702",
        "inverseRatio": "324.99", "createTime": 1624248872184}], "startTime": int(p["startTime"]),
        "endTime": int(p["endTime"]), "limit": 100, "moreData": False},
}  # fmt: skip
