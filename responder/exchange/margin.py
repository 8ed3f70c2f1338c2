"""The cross-margin surface (reference §10): SAPI endpoints on the spot host, through the spot client.

Margin shares the spot host and its chokepoint (signing, clock, SAPI weight buckets, error tree,
never-blind-retry). Orders and trades have the spot shapes; `allOrders`/`myTrades` take windows of
at most 24 hours like spot. Borrow/repay and forced-liquidation records are paged (`current`, `size`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from responder.errors import UsageError
from responder.exchange import pagination as rules
from responder.exchange.client import BinanceClient, Params, _ms
from responder.exchange.models import Order, Trade
from responder.exchange.models_derivatives import LoanRecord, MarginAccount, MarginLiquidation
from responder.exchange.protocol import RawResponse
from responder.exchange.wire import cancel_reports as _cancel_reports
from responder.exchange.wire import parse_body as _parse
from responder.exchange.wire import rows as _rows


class MarginClient:
    """Cross margin over the spot client's chokepoint."""

    def __init__(self, core: BinanceClient) -> None:
        self._core = core

    @property
    def masked_key(self) -> str:
        return self._core.masked_key

    def last_response(self, endpoint: str) -> RawResponse | None:
        return self._core.last_response(endpoint)

    def _get(self, path: str, params: Params = ()) -> Any:
        return self._core.call("GET", path, params)

    def account(self) -> MarginAccount:
        path = "/sapi/v1/margin/account"
        return _parse(f"GET {path}", MarginAccount.from_json, self._get(path))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        path = "/sapi/v1/margin/openOrders"
        return _rows(f"GET {path}", Order.from_json, self._get(path, [("symbol", symbol)]))

    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 500,
    ) -> list[Order]:
        rules.check_day_window(start, end)
        rules.check_limit(limit, 500)
        path = "/sapi/v1/margin/allOrders"
        params = [
            ("symbol", symbol),
            ("orderId", order_id),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", Order.from_json, self._get(path, params))

    def my_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[Trade]:
        rules.check_day_window(start, end)
        rules.check_limit(limit, 1000)
        path = "/sapi/v1/margin/myTrades"
        params = [
            ("symbol", symbol),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("fromId", from_id),
            ("limit", limit),
        ]
        return _rows(f"GET {path}", Trade.from_json, self._get(path, params))

    def loans(
        self,
        kind: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> list[LoanRecord]:
        """Borrow (`BORROW`) or repay (`REPAY`) records, one page."""
        if kind not in ("BORROW", "REPAY"):
            raise UsageError(f"margin borrow-repay type must be BORROW or REPAY, not {kind!r}")
        rules.check_limit(size, 100)
        path = "/sapi/v1/margin/borrow-repay"
        params = [
            ("type", kind),
            ("startTime", _ms(start)),
            ("endTime", _ms(end)),
            ("current", current),
            ("size", size),
        ]
        data = self._get(path, params)
        return _parse(f"GET {path}", lambda d: [LoanRecord.from_json(r, kind) for r in d["rows"]], data)

    def force_liquidations(
        self, *, start: datetime | None = None, end: datetime | None = None, current: int = 1, size: int = 100
    ) -> list[MarginLiquidation]:
        rules.check_limit(size, 100)
        path = "/sapi/v1/margin/forceLiquidationRec"
        params = [("startTime", _ms(start)), ("endTime", _ms(end)), ("current", current), ("size", size)]
        data = self._get(path, params)
        return _parse(f"GET {path}", lambda d: [MarginLiquidation.from_json(r) for r in d["rows"]], data)

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        """MUTATING. DELETE /sapi/v1/margin/openOrders: cancel every open margin order on `symbol`.
        NothingToCancel (-2011) when none are open; OutcomeUnknown on 5XX/timeout (never retried)."""
        path = "/sapi/v1/margin/openOrders"
        data = self._core.call("DELETE", path, [("symbol", symbol)])
        return _parse(f"DELETE {path}", _cancel_reports, data)
