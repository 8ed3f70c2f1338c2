"""The Binance REST client: exact signing, server-time stamps, a shared weight budget, one chokepoint.

Every request goes through `BinanceClient._request`, the only code that sees httpx exceptions and
Binance error bodies: it reserves weight, stamps and signs (percent-encoded query, `signature` last,
the exact bytes sent), records the response for evidence (never the signature), and maps failures to
`responder.errors`. Reads are retried with backoff on 5XX, timeouts and 429; a mutation is never
retried after it may have reached Binance (5XX, timeout, reset → OutcomeUnknown). A -1021 was never
executed: a read re-syncs the clock and retries once; a mutation re-syncs and raises, so the caller
that journals mutations (`ActionContext.mutate`) records the refused attempt before re-sending it.
What answers is untrusted: the body is streamed and cut off past `limits.MAX_BODY_BYTES` or
`limits.REQUEST_DEADLINE` seconds (a trickled body), decoded within `limits` (depth, values,
numbers), and an absurd Retry-After or weight limit is a `ServerFault`, never a wait without end.
The client is handed its `httpx.Client` (transport seam): tests and drills run the real signing and
parsing against a server app.
"""

from __future__ import annotations

import threading
import time
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
    RateLimitStall,
    ServerFault,
    TimestampRejected,
    Unreachable,
    UsageError,
)
from responder.exchange import limits
from responder.exchange import pagination as rules
from responder.exchange.baseurl import check_base_url
from responder.exchange.budget import Cost, RateBudget, ban_end, endpoint_cost
from responder.exchange.models import (
    Account,
    ExchangeInfo,
    Kline,
    Order,
    Trade,
)
from responder.exchange.orderlists import OrderList
from responder.exchange.protocol import RawResponse
from responder.exchange.responses import Body, decode, rejection, retry_after, server_failure
from responder.exchange.sapi_reads import SapiReads
from responder.exchange.signing import Signer, encode_params
from responder.exchange.ticker import Ticker24h, prices_by_symbol, stats_by_symbol
from responder.exchange.timesync import TimeSync
from responder.exchange.wire import Answer as _Answer
from responder.exchange.wire import cancel_reports as _cancel_reports
from responder.exchange.wire import parse_body as _parse
from responder.exchange.wire import read_bounded, within_deadline
from responder.exchange.wire import rows as _rows
from responder.exchange.wire import transport_error as _transport_error
from responder.exchange.wire import unknown_after_fault as _unknown_after_fault
from responder.secrets import mask_key

MAX_RETRY_WAIT = 61.0  # a read waits out a 429 itself only up to the next minute; longer → RateLimited
MAX_429_WAITS = 65.0  # seconds of 429 pauses per client; another 429 past it is a RateLimitStall
MIN_WEIGHT_LIMIT = 600  # a tenth of Binance's 6000/min; below it a sweep would take days: a server fault


class KeyPair(Protocol):
    """What `connect` needs of a credential: the API key and the signer holding its secret."""

    @property
    def api_key(self) -> str: ...
    @property
    def signer(self) -> Signer: ...


Recorder = Callable[[str, dict[str, object], int, Any], None]
Params = Sequence[tuple[str, object]]
T = TypeVar("T")

BAN_RETRY_AFTER_LIMIT = 4 * 86_400.0  # a 418 ban lasts from 2 minutes to 3 days
# Cancel-all endpoints whose -2011 means "nothing was open" (futures answers code 200 instead).
_CANCEL_ALL = frozenset(  # -2011 on these: nothing (left) to cancel
    {("DELETE", "/api/v3/openOrders"), ("DELETE", "/sapi/v1/margin/openOrders"), ("DELETE", "/api/v3/order")}
)
# Parameters that carry another API key (a sub-account's): kept masked in recorded evidence.
_MASKED_PARAMS = frozenset({"subAccountApiKey"})


class BinanceClient(SapiReads):
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
        deadline_seconds: float = limits.REQUEST_DEADLINE,
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
        self._deadline = deadline_seconds
        self._paused_429 = 0.0

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
                response, body = self._attempt(method, path, sent, signed)
            except Unreachable:
                if not mutating and attempt < self._attempts:
                    self._pause_before_retry(attempt)
                    continue
                raise
            self.budget.observe(cost, response.headers)
            self._record(endpoint, sent, response.status_code, body)
            status = response.status_code
            if 200 <= status < 300:
                return self._ok(cost, response, body, endpoint)
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
            if isinstance(error, TimestampRejected):
                self.time_sync.invalidate()  # a -1021 was never executed: re-sync before any re-send
                if not resynced and not mutating:
                    resynced = True  # a read is re-sent once here; a mutation by its journaling caller
                    attempt -= 1
                    continue
            raise error

    def call(self, method: str, path: str, params: Params = (), *, signed: bool = True) -> Any:
        """A request through the chokepoint, for endpoint families kept in their own module
        (`subaccounts.py`, `futures.py`, `margin.py`). A non-GET is a mutation: never retried once it may
        have been sent."""
        return self._request(method, path, params, signed=signed)

    def _attempt(
        self, method: str, path: str, sent: list[tuple[str, object]], signed: bool
    ) -> tuple[_Answer, Body]:
        """One request on the wire and its bounded, decoded answer; failures as our errors."""
        endpoint, mutating = f"{method} {path}", method != "GET"
        try:
            response = self._send(method, path, sent, signed)
            return response, decode(response.content, endpoint)
        except httpx.TransportError as exc:
            raise _transport_error(exc, endpoint, mutating) from None
        except ServerFault as fault:
            if mutating:  # it reached the server: whatever came back, it may have happened
                raise _unknown_after_fault(fault, endpoint) from None
            raise

    def _ok(self, cost: Cost, response: _Answer, body: Body, endpoint: str) -> Any:
        if not endpoint.startswith("GET ") and "x-mbx-used-weight-1m" not in response.headers:
            self.budget.refund(cost)  # successful orders and cancels weigh 0 (2026-04-02)
        if not body.is_json:
            raise ExchangeError(
                f"{endpoint}: HTTP {response.status_code} but the body is not JSON", endpoint=endpoint
            )
        return body.json

    def _send(self, method: str, path: str, sent: list[tuple[str, object]], signed: bool) -> _Answer:
        query = encode_params(sent)
        headers = {"Accept": "application/json"}
        if signed:
            query += ("&" if query else "") + "signature=" + self._signer.sign(query)
            headers["X-MBX-APIKEY"] = self._api_key
        request = self._http.build_request(
            method, f"{self._base}{path}" + (f"?{query}" if query else ""), headers=headers
        )
        return within_deadline(lambda: self._exchange(request), self._deadline, f"{method} {path}")

    def _exchange(self, request: httpx.Request) -> _Answer:
        started = time.monotonic()  # a network deadline is wall time, whatever the injected clock says
        response = self._http.send(request, stream=True)
        try:
            body = read_bounded(response, started, self._deadline, f"{request.method} {request.url.path}")
            return _Answer(response.status_code, response.headers, body)
        finally:
            response.close()

    def _rate_limited(
        self, cost: Cost, response: _Answer, endpoint: str, mutating: bool, attempt: int
    ) -> bool:
        """A 429: pause the bucket; True when the caller should retry (reads, bounded)."""
        wait = retry_after(response.headers, endpoint)
        wait = 60.0 if wait is None else wait
        if self._paused_429 + wait > MAX_429_WAITS and self._paused_429 > 0:
            raise RateLimitStall(
                f"{endpoint}: the server answered HTTP 429 again after responder had already waited "
                f"{self._paused_429:.0f} s; it keeps refusing, so responder stops rather than wait on",
                retry_after=wait,
                endpoint=endpoint,
            )
        self._paused_429 += wait
        self.budget.pause(cost, wait)
        if not mutating and attempt < self._attempts and wait <= MAX_RETRY_WAIT:
            return True
        if mutating:
            raise RateLimited(
                f"{endpoint}: Binance refused it with HTTP 429 (too many requests): it was NOT executed",
                retry_after=wait,
                endpoint=endpoint,
            )
        raise RateLimited(
            f"{endpoint}: Binance says too many requests (HTTP 429); responder slowed down",
            retry_after=wait,
            endpoint=endpoint,
        )

    def _banned(self, response: _Answer, body: Body, endpoint: str) -> IpBanned:
        wait = retry_after(response.headers, endpoint, limit=BAN_RETRY_AFTER_LIMIT)
        until = ban_end(self._server_now(), wait, body.msg)
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
        endpoint = "GET /api/v3/exchangeInfo"
        info = _parse(endpoint, ExchangeInfo.from_json, self._get("/api/v3/exchangeInfo", signed=False))
        limit = info.weight_limit_per_minute()
        if limit < MIN_WEIGHT_LIMIT:
            raise limits.fault(endpoint, f"a request weight limit of {limit} per minute (Binance's is 6000)")
        self.budget.set_api_limit(limit)
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
        return self._public("/api/v3/ticker/price", prices_by_symbol)

    def ticker_24h(self) -> dict[str, Ticker24h]:  # every symbol's rolling 24 h statistics: weight 80
        return self._public("/api/v3/ticker/24hr", stats_by_symbol)

    def _public(self, path: str, parse: Callable[[Any], T]) -> T:  # an unsigned read of every symbol
        return _parse(f"GET {path}", parse, self._get(path, signed=False))

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

    # --- order lists (OCO/OTO/OTOCO): no symbol needed, so none hides on an unswept market ---------
    def open_order_lists(self) -> list[OrderList]:
        path = "/api/v3/openOrderList"
        return _rows(f"GET {path}", OrderList.from_json, self._get(path))

    def all_order_lists(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderList]:
        """Order lists of every symbol; `start`–`end` at most 24 h apart (like allOrders)."""
        if from_id is not None and (start is not None or end is not None):
            raise UsageError("all order lists: fromId cannot be combined with startTime/endTime")
        rules.check_day_window(start, end)
        rules.check_limit(limit, 1000)
        path = "/api/v3/allOrderList"
        params = [("fromId", from_id), ("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        return _rows(f"GET {path}", OrderList.from_json, self._get(path, params))

    # --- the one mutation --------------------------------------------------------------------------
    def cancel_open_orders(self, symbol: str) -> list[Order]:
        """MUTATING. Cancel every open order on `symbol` (order-list legs included). Never retried."""
        data = self._request("DELETE", "/api/v3/openOrders", [("symbol", symbol)])
        return _parse("DELETE /api/v3/openOrders", _cancel_reports, data)

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
