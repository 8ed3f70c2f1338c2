"""The USDⓈ-M futures surface (reference §10): reads, the per-symbol cancel-all and a reduce-only close.

Futures live on their own host (`fapi.binance.com`) with their own weight budget (2400/min, read from
the futures exchangeInfo), so a `FuturesClient` wraps its own `BinanceClient` bound to that host: the
same signing, server-time stamps (`/fapi/v1/time`), error tree and never-blind-retry chokepoint, a
separate `RateBudget`. History reads (`allOrders`, `userTrades`) take windows of at most 7 days;
`income` answers for every symbol at once (weight 30), which is why forensics starts there.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from responder.clock import Clock
from responder.errors import UsageError
from responder.exchange import pagination as rules
from responder.exchange.baseurl import check_base_url
from responder.exchange.budget import FAPI_LIMIT, RateBudget
from responder.exchange.client import BinanceClient, KeyPair, Params, Recorder, _ms
from responder.exchange.models import Kline
from responder.exchange.models_derivatives import (
    INCOME_TYPES,
    FuturesAccount,
    FuturesExchangeInfo,
    FuturesOrder,
    FuturesPosition,
    FuturesTrade,
    Income,
    MarkPrice,
)
from responder.exchange.protocol import RawResponse
from responder.exchange.timesync import TimeSync
from responder.exchange.wire import parse_body as _parse
from responder.exchange.wire import rows as _rows

DEFAULT_FUTURES_URL = "https://fapi.binance.com"
FUTURES_WINDOW = timedelta(days=7)  # allOrders / userTrades: at most 7 days between start and end
INCOME_KEPT = timedelta(days=90)  # Binance keeps only the last 3 months of income history

# Known spot hosts and their futures host; anything else (the simulator) serves both on one host.
_FUTURES_HOSTS = {
    "api.binance.com": DEFAULT_FUTURES_URL,
    "api1.binance.com": DEFAULT_FUTURES_URL,
    "api2.binance.com": DEFAULT_FUTURES_URL,
    "api3.binance.com": DEFAULT_FUTURES_URL,
    "api4.binance.com": DEFAULT_FUTURES_URL,
    "api-gcp.binance.com": DEFAULT_FUTURES_URL,
    "testnet.binance.vision": "https://testnet.binancefuture.com",
}


def futures_base_url(spot_base_url: str, override: str | None = None) -> str:
    """The futures base URL: `override` (option / env BINANCE_FUTURES_BASE_URL) when given, else the
    futures host of a known Binance spot host, else the spot URL itself (the simulator serves
    `/fapi/...` next to `/api/...`)."""
    if override:
        return check_base_url(override)
    spot = check_base_url(spot_base_url)
    host = (urlsplit(spot).hostname or "").lower()
    return _FUTURES_HOSTS.get(host, spot)


def check_futures_window(start: datetime | None, end: datetime | None, what: str) -> None:
    if start is not None and end is not None:
        if end < start:
            raise UsageError(f"{what}: the window ends before it starts")
        if end - start > FUTURES_WINDOW:
            raise UsageError(f"{what}: Binance accepts at most 7 days between startTime and endTime")


class FuturesClient:
    """USDⓈ-M futures over REST. Safe to share between threads (the core client is)."""

    def __init__(self, core: BinanceClient) -> None:
        self._core = core

    @property
    def core(self) -> BinanceClient:
        return self._core

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def masked_key(self) -> str:
        return self._core.masked_key

    @property
    def budget(self) -> RateBudget:
        return self._core.budget

    def last_response(self, endpoint: str) -> RawResponse | None:
        return self._core.last_response(endpoint)

    def _get(self, path: str, params: Params = (), *, signed: bool = True) -> Any:
        return self._core.call("GET", path, params, signed=signed)

    # --- public -------------------------------------------------------------------------------------
    def exchange_info(self) -> FuturesExchangeInfo:
        path = "/fapi/v1/exchangeInfo"
        info = _parse(f"GET {path}", FuturesExchangeInfo.from_json, self._get(path, signed=False))
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
        rules.check_limit(limit, 1500)
        path = "/fapi/v1/klines"
        params = [
            ("symbol", symbol),
            ("interval", interval),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", Kline.from_json, self._get(path, params, signed=False))

    def mark_price(self, symbol: str) -> MarkPrice:
        path = "/fapi/v1/premiumIndex"
        return _parse(f"GET {path}", MarkPrice.from_json, self._get(path, [("symbol", symbol)], signed=False))

    def mark_prices(self) -> dict[str, Decimal]:
        path = "/fapi/v1/premiumIndex"
        rows = _rows(f"GET {path}", MarkPrice.from_json, self._get(path, signed=False))
        return {r.symbol: r.mark_price for r in rows}

    # --- account reads ------------------------------------------------------------------------------
    def account(self) -> FuturesAccount:
        path = "/fapi/v3/account"
        return _parse(f"GET {path}", FuturesAccount.from_json, self._get(path))

    def positions(self, symbol: str | None = None) -> list[FuturesPosition]:
        """Every position with entry, mark and liquidation price and leverage (v2 carries leverage)."""
        path = "/fapi/v2/positionRisk"
        return _rows(f"GET {path}", FuturesPosition.from_json, self._get(path, [("symbol", symbol)]))

    def open_orders(self, symbol: str | None = None) -> list[FuturesOrder]:
        path = "/fapi/v1/openOrders"
        return _rows(f"GET {path}", FuturesOrder.from_json, self._get(path, [("symbol", symbol)]))

    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[FuturesOrder]:
        check_futures_window(start, end, "futures allOrders")
        rules.check_limit(limit, 1000)
        path = "/fapi/v1/allOrders"
        params = [
            ("symbol", symbol),
            ("orderId", order_id),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", FuturesOrder.from_json, self._get(path, params))

    def user_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[FuturesTrade]:
        if from_id is not None and (start is not None or end is not None):
            raise UsageError("futures userTrades: fromId cannot be sent with startTime or endTime")
        check_futures_window(start, end, "futures userTrades")
        rules.check_limit(limit, 1000)
        path = "/fapi/v1/userTrades"
        params = [
            ("symbol", symbol),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("fromId", from_id),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", FuturesTrade.from_json, self._get(path, params))

    def income(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        income_type: str | None = None,
        symbol: str | None = None,
        limit: int = 1000,
    ) -> list[Income]:
        """Income history across every symbol (weight 30). Without times only the last 7 days."""
        if income_type is not None and income_type not in INCOME_TYPES:
            raise UsageError(f"unknown futures income type {income_type!r}")
        rules.check_limit(limit, 1000)
        path = "/fapi/v1/income"
        params = [
            ("symbol", symbol),
            ("incomeType", income_type),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", Income.from_json, self._get(path, params))

    def force_orders(
        self,
        *,
        symbol: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
    ) -> list[FuturesOrder]:
        """The account's liquidation (and ADL) orders."""
        rules.check_limit(limit, 100)
        path = "/fapi/v1/forceOrders"
        params = [("symbol", symbol), ("startTime", _ms(start)), ("endTime", _ms(end)), ("limit", limit)]
        return _rows(f"GET {path}", FuturesOrder.from_json, self._get(path, params))

    # --- mutations ----------------------------------------------------------------------------------
    def cancel_all_open_orders(self, symbol: str) -> str:
        """MUTATING. DELETE /fapi/v1/allOpenOrders: cancel every open futures order on `symbol`.
        Binance answers `{"code": 200, "msg": …}` (also when nothing was open). Never retried: a 5XX
        or timeout raises OutcomeUnknown and the caller re-reads the open orders."""
        path = "/fapi/v1/allOpenOrders"
        data = self._core.call("DELETE", path, [("symbol", symbol)])
        return _parse(f"DELETE {path}", _cancel_all_answer, data)

    def close_position_market(self, position: FuturesPosition, *, client_order_id: str) -> FuturesOrder:
        """MUTATING, market risk. A MARKET order with reduceOnly=true opposite to `position`: it can
        only shrink the position, at whatever price the book gives. Never retried; the caller re-reads
        the position on OutcomeUnknown."""
        if not position.is_open:
            raise UsageError(f"{position.symbol}: no open position to close")
        side = "SELL" if position.position_amt > 0 else "BUY"
        params: list[tuple[str, object]] = [
            ("symbol", position.symbol),
            ("side", side),
            ("type", "MARKET"),
            ("quantity", format(abs(position.position_amt), "f")),
            ("newClientOrderId", client_order_id),
            ("newOrderRespType", "RESULT"),
        ]
        if position.position_side == "BOTH":
            params.append(("reduceOnly", "true"))  # hedge mode refuses reduceOnly; positionSide does it
        else:
            params.append(("positionSide", position.position_side))
        path = "/fapi/v1/order"
        return _parse(f"POST {path}", FuturesOrder.from_json, self._core.call("POST", path, params))


def _cancel_all_answer(data: Any) -> str:
    if not isinstance(data, dict) or int(data["code"]) != 200:
        raise ValueError("not the documented {code: 200, msg} answer")
    return str(data.get("msg", ""))


@contextmanager
def connect_futures(
    base_url: str,
    credentials: KeyPair,
    *,
    clock: Clock,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
    recorder: Recorder | None = None,
    time_sync: TimeSync | None = None,
) -> Iterator[FuturesClient]:
    """A futures client with its own `httpx.Client` and its own weight budget (the fapi host's)."""
    base = check_base_url(base_url)
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as http:
        core = BinanceClient(
            base,
            credentials.api_key,
            credentials.signer,
            http=http,
            clock=clock,
            budget=RateBudget(clock, api_limit=FAPI_LIMIT),
            recorder=recorder,
            time_sync=time_sync,
            time_path="/fapi/v1/time",
        )
        yield FuturesClient(core)


_DERIVED: weakref.WeakKeyDictionary[BinanceClient, FuturesClient] = weakref.WeakKeyDictionary()


def can_reach_futures(ex: object) -> bool:
    """True when `ex` is a REST client whose key and signer can be taken to the futures host."""
    return isinstance(ex, BinanceClient)


_DERIVED_LOCK = threading.Lock()


def futures_for(spot: BinanceClient, override: str | None = None) -> FuturesClient:
    """The futures client of a spot client (built once per spot client, so the fapi budget is shared
    by every step): the futures host derived from the spot one unless `override` names it."""
    with _DERIVED_LOCK:
        found = _DERIVED.get(spot)
        if found is None:
            core = spot.for_host(
                futures_base_url(spot.base_url, override),
                budget=RateBudget(spot.budget_clock, api_limit=FAPI_LIMIT),
                time_path="/fapi/v1/time",
            )
            if spot.time_sync.offset_ms is not None:  # count the fapi minute on the server clock too
                core.budget.align(spot.time_sync.offset_ms / 1000)
            found = _DERIVED[spot] = FuturesClient(core)
        return found
