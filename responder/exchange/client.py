"""The Binance REST client: exact signing, server-time stamps, a shared weight budget, one chokepoint.

Every request goes through `BinanceClient._request`, the only code that sees httpx exceptions and
Binance error bodies: it reserves weight, stamps and signs (percent-encoded query, `signature` last,
the exact bytes sent), records the response for evidence (never the signature), and maps failures to
`responder.errors`. Reads are retried with backoff on 5XX, timeouts and 429; a mutation is never
retried after it may have reached Binance (5XX, timeout, reset → OutcomeUnknown). A -1021 was never
executed, so it re-syncs the clock and retries once. The client is handed its `httpx.Client`
(transport seam): tests and drills run the real signing and parsing against a server app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import httpx

from responder.clock import Clock, from_ms, to_ms
from responder.errors import (
    ExchangeError,
    IpBanned,
    RateLimited,
    TimestampRejected,
    Unreachable,
    UsageError,
)
from responder.exchange import pagination as rules
from responder.exchange.baseurl import check_base_url
from responder.exchange.budget import Cost, RateBudget, ban_end, endpoint_cost
from responder.exchange.models import (
    Account,
    ApiRestrictions,
    ApiTradingStatus,
    ConvertPage,
    DailySnapshot,
    Deposit,
    ExchangeInfo,
    Kline,
    Order,
    Trade,
    TransferPage,
    WithdrawAddress,
    Withdrawal,
    cancel_reports,
)
from responder.exchange.protocol import RawResponse
from responder.exchange.responses import (
    Body,
    decode,
    rejection,
    retry_after,
    server_failure,
    transport_error,
)
from responder.exchange.signing import Signer, encode_params
from responder.exchange.timesync import TimeSync
from responder.secrets import mask_key


class KeyPair(Protocol):
    """What `connect` needs of a credential: the API key and the signer holding its secret."""

    @property
    def api_key(self) -> str: ...
    @property
    def signer(self) -> Signer: ...


Recorder = Callable[[str, dict[str, object], int, Any], None]
Params = Sequence[tuple[str, object]]
T = TypeVar("T")

# Cancel-all endpoints whose -2011 means "nothing was open" (futures answers code 200 instead).
_CANCEL_ALL = frozenset(  # -2011 on these: nothing (left) to cancel
    {("DELETE", "/api/v3/openOrders"), ("DELETE", "/sapi/v1/margin/openOrders"), ("DELETE", "/api/v3/order")}
)
# Parameters that carry another API key (a sub-account's): kept masked in recorded evidence.
_MASKED_PARAMS = frozenset({"subAccountApiKey"})


class BinanceClient:
    """`responder.exchange.protocol.Exchange` over Binance REST. Safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        signer: Signer,
        *,
        http: httpx.Client,
        clock: Clock,
        budget: RateBudget | None = None,
        recorder: Recorder | None = None,
        time_sync: TimeSync | None = None,
        read_attempts: int = 3,
        backoff_seconds: float = 0.5,
        time_path: str = "/api/v3/time",
    ) -> None:
        self._base = check_base_url(base_url)
        self._time_path = time_path  # each host has its own (`/fapi/v1/time` on the futures host)
        self._api_key = api_key
        self._signer = signer
        self._http = http
        self._clock = clock
        self.budget = budget or RateBudget(clock)
        self._recorder = recorder
        self._last: dict[str, RawResponse] = {}
        self._last_lock = threading.Lock()
        self.time_sync = time_sync or TimeSync(clock)
        self._attempts = max(1, read_attempts)
        self._backoff = backoff_seconds

    @property
    def masked_key(self) -> str:
        return mask_key(self._api_key)

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def budget_clock(self) -> Clock:
        return self._clock

    # --- the chokepoint --------------------------------------------------------------------------
    def _request(self, method: str, path: str, params: Params = (), *, signed: bool = True) -> Any:
        """Send one request and return its decoded JSON, or raise a `responder.errors` type."""
        mutating = method != "GET"
        endpoint = f"{method} {path}"
        given = [(k, v) for k, v in params if v is not None]
        cost = endpoint_cost(method, path, dict(given))
        attempt, resynced = 0, False
        while True:
            attempt += 1
            self.budget.reserve(cost)
            sent = [*given, ("timestamp", self._timestamp())] if signed else given
            try:
                response = self._send(method, path, sent, signed)
            except httpx.TransportError as exc:
                error = transport_error(exc, endpoint, mutating)
                if isinstance(error, Unreachable) and not mutating and attempt < self._attempts:
                    self._pause_before_retry(attempt)
                    continue
                raise error from None
            body = decode(response.content)
            self.budget.observe(cost, response.headers)
            self._record(endpoint, sent, response.status_code, body)
            status = response.status_code
            if 200 <= status < 300:
                if not body.is_json:
                    raise ExchangeError(
                        f"{endpoint}: HTTP {status} but the body is not JSON", endpoint=endpoint
                    )
                return body.json
            if status in (418, 429):
                if status == 429 and self._rate_limited(cost, response, endpoint, mutating, attempt):
                    continue
                raise self._banned(response, body, endpoint)
            if status >= 500:
                if not mutating and attempt < self._attempts:
                    self._pause_before_retry(attempt)
                    continue
                raise server_failure(status, endpoint, mutating=mutating)
            error = rejection(status, body, endpoint, cancel_all=(method, path) in _CANCEL_ALL)
            if isinstance(error, TimestampRejected) and not resynced:
                resynced = True  # a -1021 was never executed: re-sync and retry once
                self.time_sync.invalidate()
                attempt -= 1
                continue
            raise error

    def call(self, method: str, path: str, params: Params = (), *, signed: bool = True) -> Any:
        """A request through the chokepoint, for endpoint families kept in their own module
        (`subaccounts.py`, `futures.py`, `margin.py`). A non-GET is a mutation: never retried once it may
        have been sent."""
        return self._request(method, path, params, signed=signed)

    def _send(self, method: str, path: str, sent: list[tuple[str, object]], signed: bool) -> httpx.Response:
        query = encode_params(sent)
        headers = {"Accept": "application/json"}
        if signed:
            query += ("&" if query else "") + "signature=" + self._signer.sign(query)
            headers["X-MBX-APIKEY"] = self._api_key
        url = f"{self._base}{path}" + (f"?{query}" if query else "")
        return self._http.request(method, url, headers=headers)

    def _rate_limited(
        self, cost: Cost, response: httpx.Response, endpoint: str, mutating: bool, attempt: int
    ) -> bool:
        """A 429: pause the bucket; True when the caller should retry (reads, bounded)."""
        wait = retry_after(response.headers) or 60.0
        self.budget.pause(cost, wait)
        if not mutating and attempt < self._attempts:
            return True
        raise RateLimited(
            f"{endpoint}: Binance says too many requests (HTTP 429); responder slowed down",
            retry_after=wait,
            endpoint=endpoint,
        )

    def _banned(self, response: httpx.Response, body: Body, endpoint: str) -> IpBanned:
        until = ban_end(self._server_now(), retry_after(response.headers), body.msg)
        self.budget.ban(until)
        return IpBanned(
            f"{endpoint}: Binance banned this IP for too many requests (HTTP 418)",
            until=until,
            endpoint=endpoint,
        )

    def _pause_before_retry(self, attempt: int) -> None:
        self._clock.sleep(self._backoff * 2 ** (attempt - 1))

    def _record(self, endpoint: str, sent: list[tuple[str, object]], status: int, body: Body) -> None:
        data = body.json if body.is_json else body.text[:2000]
        sent = [(k, mask_key(str(v)) if k in _MASKED_PARAMS else v) for k, v in sent]
        with self._last_lock:
            self._last[endpoint] = RawResponse(endpoint, dict(sent), status, data)
        if self._recorder is not None:
            self._recorder(endpoint, dict(sent), status, data)

    def last_response(self, endpoint: str) -> RawResponse | None:
        """The raw body of the latest response from `endpoint` (`GET /api/v3/account`), for evidence."""
        with self._last_lock:
            return self._last.get(endpoint)

    # --- time --------------------------------------------------------------------------------------
    def _fetch_server_ms(self) -> int:
        data = self._request("GET", self._time_path, signed=False)
        return _parse(f"GET {self._time_path}", lambda d: int(d["serverTime"]), data)

    def _timestamp(self) -> int:
        if self.time_sync.needs_sync():
            offset = self.time_sync.sync(self._fetch_server_ms)
            self.budget.align(offset / 1000)
        return self.time_sync.timestamp_ms(self._fetch_server_ms)

    def _server_now(self) -> datetime:
        return from_ms(to_ms(self._clock.now()) + int(self.time_sync.offset_ms or 0))

    # --- public market data ------------------------------------------------------------------------
    def server_time(self) -> datetime:
        return from_ms(self._fetch_server_ms())

    def exchange_info(self) -> ExchangeInfo:
        info = _parse(
            "GET /api/v3/exchangeInfo",
            ExchangeInfo.from_json,
            self._get("/api/v3/exchangeInfo", signed=False),
        )
        self.budget.set_api_limit(info.weight_limit_per_minute())
        return info

    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[Kline]:
        rules.check_limit(limit, 1000)
        params = [
            ("symbol", symbol),
            ("interval", interval),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows("GET /api/v3/klines", Kline.from_json, self._get("/api/v3/klines", params, signed=False))

    def ticker_prices(self) -> dict[str, Decimal]:
        data = self._get("/api/v3/ticker/price", signed=False)
        return _parse(
            "GET /api/v3/ticker/price",
            lambda rows: {str(r["symbol"]): Decimal(str(r["price"])) for r in rows},
            data,
        )

    # --- account reads -----------------------------------------------------------------------------
    def account(self) -> Account:
        return _parse("GET /api/v3/account", Account.from_json, self._get("/api/v3/account"))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return _rows(
            "GET /api/v3/openOrders", Order.from_json, self._get("/api/v3/openOrders", [("symbol", symbol)])
        )

    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Order]:
        rules.check_day_window(start, end)
        rules.check_limit(limit, 1000)
        params = [
            ("symbol", symbol),
            ("orderId", order_id),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows("GET /api/v3/allOrders", Order.from_json, self._get("/api/v3/allOrders", params))

    def my_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Trade]:
        rules.check_my_trades_params(start=start, end=end, from_id=from_id, order_id=order_id)
        rules.check_day_window(start, end)
        rules.check_limit(limit, 1000)
        params = [
            ("symbol", symbol),
            ("orderId", order_id),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("fromId", from_id),
            ("limit", limit),
        ]
        return _rows("GET /api/v3/myTrades", Trade.from_json, self._get("/api/v3/myTrades", params))

    def api_restrictions(self) -> ApiRestrictions:
        path = "/sapi/v1/account/apiRestrictions"
        return _parse(f"GET {path}", ApiRestrictions.from_json, self._get(path))

    def account_status(self) -> str:
        path = "/sapi/v1/account/status"
        return _parse(f"GET {path}", lambda d: str(d["data"]), self._get(path))

    def api_trading_status(self) -> ApiTradingStatus:
        path = "/sapi/v1/account/apiTradingStatus"
        return _parse(f"GET {path}", ApiTradingStatus.from_json, self._get(path))

    def withdraw_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Withdrawal]:
        rules.check_window(start, end, rules.WALLET_WINDOW, "withdraw history")
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/capital/withdraw/history"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("offset", offset), ("limit", limit)]
        return _rows(f"GET {path}", Withdrawal.from_json, self._get(path, params))

    def deposit_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Deposit]:
        rules.check_window(start, end, rules.WALLET_WINDOW, "deposit history")
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/capital/deposit/hisrec"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("offset", offset), ("limit", limit)]
        return _rows(f"GET {path}", Deposit.from_json, self._get(path, params))

    def withdraw_addresses(self) -> list[WithdrawAddress]:
        path = "/sapi/v1/capital/withdraw/address/list"
        return _rows(f"GET {path}", WithdrawAddress.from_json, self._get(path))

    def universal_transfers(
        self,
        transfer_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> TransferPage:
        rules.check_limit(size, 100)
        path = "/sapi/v1/asset/transfer"
        params = [
            ("type", transfer_type),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("current", current),
            ("size", size),
        ]
        return _parse(f"GET {path}", TransferPage.from_json, self._get(path, params))

    def account_snapshot(
        self,
        snapshot_type: str = "SPOT",
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 30,
    ) -> list[DailySnapshot]:
        rules.check_window(start, end, rules.SNAPSHOT_WINDOW, "account snapshot")
        if not 7 <= limit <= 30:
            raise UsageError(f"account snapshot limit must be 7–30, not {limit}")
        path = "/sapi/v1/accountSnapshot"
        params = [("type", snapshot_type), ("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        data = self._get(path, params)
        return _parse(
            f"GET {path}", lambda d: [DailySnapshot.from_json(s) for s in d.get("snapshotVos", [])], data
        )

    def convert_trades(self, *, start: datetime, end: datetime, limit: int = 1000) -> ConvertPage:
        rules.check_window(start, end, rules.CONVERT_WINDOW, "convert trade flow", inclusive=True)
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/convert/tradeFlow"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        return _parse(f"GET {path}", ConvertPage.from_json, self._get(path, params))

    # --- the one mutation --------------------------------------------------------------------------
    def cancel_open_orders(self, symbol: str) -> list[Order]:
        """MUTATING. Cancel every open order on `symbol` (order-list legs included). Never retried."""
        data = self._request("DELETE", "/api/v3/openOrders", [("symbol", symbol)])
        return _parse("DELETE /api/v3/openOrders", cancel_reports, data)

    def cancel_order(self, symbol: str, order_id: int) -> Order:
        """MUTATING. Cancel one open order. Never retried; -2011 (gone already): NothingToCancel."""
        data = self._request("DELETE", "/api/v3/order", [("symbol", symbol), ("orderId", order_id)])
        return _parse("DELETE /api/v3/order", Order.from_json, data)

    def _get(self, path: str, params: Params = (), *, signed: bool = True) -> Any:
        return self._request("GET", path, params, signed=signed)

    def for_host(self, base_url: str, *, budget: RateBudget, time_path: str) -> BinanceClient:
        """A client for another Binance host (futures) with this one's key, signer, clock offset,
        recorder and connection pool, and that host's own weight budget and time endpoint."""
        return BinanceClient(
            base_url, self._api_key, self._signer, http=self._http, clock=self._clock, budget=budget,
            recorder=self._recorder, time_sync=self.time_sync, read_attempts=self._attempts,
            backoff_seconds=self._backoff, time_path=time_path,
        )  # fmt: skip


def _parse(endpoint: str, parse: Callable[[Any], T], data: Any) -> T:
    """Parse a decoded body into models; a shape we cannot trust is an error naming the endpoint."""
    try:
        return parse(data)
    except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ExchangeError(
            f"{endpoint}: Binance's answer has an unexpected shape ({type(exc).__name__}: {exc})",
            endpoint=endpoint,
            hint="the API may have changed; nothing was acted on",
        ) from None


def _rows(endpoint: str, parse: Callable[[Any], T], data: Any) -> list[T]:
    if not isinstance(data, list):
        raise ExchangeError(f"{endpoint}: expected a list from Binance", endpoint=endpoint)
    return _parse(endpoint, lambda rows: [parse(r) for r in rows], data)


def _ms(when: datetime | None) -> int | None:
    return to_ms(when) if when is not None else None


@contextmanager
def connect(
    base_url: str,
    credentials: KeyPair,
    *,
    clock: Clock,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    recorder: Recorder | None = None,
    budget: RateBudget | None = None,
) -> Iterator[BinanceClient]:
    """A client with its own `httpx.Client` (closed on exit): what commands use."""
    base = check_base_url(base_url)
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as http:
        yield BinanceClient(
            base,
            credentials.api_key,
            credentials.signer,
            http=http,
            clock=clock,
            budget=budget,
            recorder=recorder,
        )
