"""A small in-memory `Exchange` (a fake at our seam) with Binance's paging rules for orders/trades."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from responder.errors import Rejected
from responder.exchange.models import (
    Account,
    ApiRestrictions,
    ApiTradingStatus,
    Balance,
    ConvertPage,
    DailySnapshot,
    Deposit,
    ExchangeInfo,
    Kline,
    Order,
    SymbolInfo,
    Trade,
    TransferPage,
    WithdrawAddress,
    Withdrawal,
)
from responder.exchange.orderlists import OrderList
from responder.exchange.protocol import Exchange, RawResponse
from responder.exchange.ticker import Ticker24h


class FakeExchange:
    """Every `Exchange` method, in memory; checked against the protocol by mypy (the line at the end)."""

    @property
    def masked_key(self) -> str:
        return "fake…key1"

    def last_response(self, endpoint: str) -> RawResponse | None:
        return None  # no raw bodies: the sweep's evidence is tested against the simulator

    def __init__(
        self,
        *,
        symbols: list[SymbolInfo],
        orders: list[Order],
        balances: dict[str, str],
        now: datetime,
        klines: dict[str, tuple[Kline, ...]] | None = None,
        withdrawals: list[Withdrawal] | None = None,
    ) -> None:
        self.symbols, self.orders, self.now = symbols, orders, now
        self.balances = [Balance(a, Decimal(v), Decimal(0)) for a, v in balances.items()]
        self._klines = klines or {}
        self._withdrawals = withdrawals or []
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def _log(self, endpoint: str, symbol: str = "") -> None:
        with self._lock:
            self.calls.append((endpoint, symbol))

    def server_time(self) -> datetime:
        return self.now

    def exchange_info(self) -> ExchangeInfo:
        self._log("exchangeInfo")
        return ExchangeInfo(self.now, (), tuple(self.symbols))

    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[Kline]:
        self._log("klines", symbol)
        rows = [
            k
            for k in self._klines.get(symbol, ())
            if (start is None or k.open_time >= start) and (end is None or k.open_time <= end)
        ]
        return rows[:limit]

    def ticker_prices(self) -> dict[str, Decimal]:
        self._log("ticker")
        return {"BTCUSDT": Decimal(60000), "ETHUSDT": Decimal(3000), "QKCUSDT": Decimal("0.005")}

    def ticker_24h(self) -> dict[str, Ticker24h]:
        self._log("ticker24h")
        return {}

    def account(self) -> Account:
        self._log("account")
        return Account(1, "SPOT", True, True, True, self.now, tuple(self.balances), ("SPOT",))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        self._log("openOrders")
        return [o for o in self.orders if o.status == "NEW" and (symbol is None or o.symbol == symbol)]

    def open_order_lists(self) -> list[OrderList]:
        self._log("openOrderList")
        return []

    def all_order_lists(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderList]:
        self._log("allOrderList")
        return []

    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Order]:
        self._log("allOrders", symbol)
        if start and end and end - start > timedelta(hours=24):
            raise Rejected(-1127, "More than 24 hours between startTime and endTime.", status=400)
        rows = sorted((o for o in self.orders if o.symbol == symbol), key=lambda o: o.order_id)
        if order_id is not None:
            return [o for o in rows if o.order_id >= order_id][:limit]
        if start is not None:
            return [o for o in rows if o.time >= start and (end is None or o.time <= end)][:limit]
        return rows[-limit:]

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
        self._log("myTrades" + ("/orderId" if order_id else ""), symbol)
        trades = [
            Trade(
                o.symbol,
                o.order_id,
                o.order_id,
                o.cummulative_quote_qty / o.executed_qty,
                o.executed_qty,
                o.cummulative_quote_qty,
                Decimal(0),
                "BNB",
                o.time,
                o.side == "BUY",
                False,
            )
            for o in self.orders
            if o.symbol == symbol and o.executed_qty > 0 and (order_id is None or o.order_id == order_id)
        ]
        return trades[-limit:]

    def api_restrictions(self) -> ApiRestrictions:
        return ApiRestrictions(False, self.now, True, False, False, False, False, False, False, True)

    def account_status(self) -> str:
        return "Normal"

    def api_trading_status(self) -> ApiTradingStatus:
        return ApiTradingStatus(False, None, None)

    def withdraw_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Withdrawal]:
        self._log("withdrawHistory")
        return self._withdrawals[offset : offset + limit]

    def deposit_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Deposit]:
        return []

    def withdraw_addresses(self) -> list[WithdrawAddress]:
        return []

    def universal_transfers(
        self,
        transfer_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> TransferPage:
        self._log("transfers")
        return TransferPage(0, ())

    def account_snapshot(
        self,
        snapshot_type: str = "SPOT",
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 30,
    ) -> list[DailySnapshot]:
        raise Rejected(-1002, "You are not authorized to execute this request.", status=401)

    def convert_trades(self, *, start: datetime, end: datetime, limit: int = 1000) -> ConvertPage:
        return ConvertPage((), False)

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        raise AssertionError("forensics must never mutate")

    def cancel_order(self, symbol: str, order_id: int) -> Order:
        raise AssertionError("forensics must never mutate")


_: Callable[..., Exchange] = FakeExchange  # mypy: the fake keeps to the Exchange protocol
