"""A base for in-memory exchanges that a test only partly needs: every `Exchange` method is present
with the protocol's signature and fails loudly if called. Subclasses override what their test uses;
mypy checks the overrides and the `Exchange` conformance, so a fake cannot drift from the protocol."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NoReturn

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
)
from responder.exchange.orderlists import OrderList
from responder.exchange.protocol import Exchange, RawResponse
from responder.exchange.ticker import Ticker24h


def _unused(name: str) -> NoReturn:
    raise AssertionError(f"this fake exchange does not serve {name}: the test did not expect it")


class UnusedExchange:
    @property
    def masked_key(self) -> str:
        return "fake…key0"

    def last_response(self, endpoint: str) -> RawResponse | None:
        return None

    def server_time(self) -> datetime:
        _unused("server_time")

    def exchange_info(self) -> ExchangeInfo:
        _unused("exchange_info")

    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[Kline]:
        _unused("klines")

    def ticker_prices(self) -> dict[str, Decimal]:
        _unused("ticker_prices")

    def ticker_24h(self) -> dict[str, Ticker24h]:
        _unused("ticker_24h")

    def account(self) -> Account:
        _unused("account")

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        _unused("open_orders")

    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Order]:
        _unused("all_orders")

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
        _unused("my_trades")

    def api_restrictions(self) -> ApiRestrictions:
        _unused("api_restrictions")

    def account_status(self) -> str:
        _unused("account_status")

    def api_trading_status(self) -> ApiTradingStatus:
        _unused("api_trading_status")

    def withdraw_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Withdrawal]:
        _unused("withdraw_history")

    def deposit_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Deposit]:
        _unused("deposit_history")

    def withdraw_addresses(self) -> list[WithdrawAddress]:
        _unused("withdraw_addresses")

    def universal_transfers(
        self,
        transfer_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> TransferPage:
        _unused("universal_transfers")

    def account_snapshot(
        self,
        snapshot_type: str = "SPOT",
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 30,
    ) -> list[DailySnapshot]:
        _unused("account_snapshot")

    def convert_trades(self, *, start: datetime, end: datetime, limit: int = 1000) -> ConvertPage:
        _unused("convert_trades")

    def open_order_lists(self) -> list[OrderList]:
        _unused("open_order_lists")

    def all_order_lists(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderList]:
        _unused("all_order_lists")

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        _unused("cancel_open_orders")

    def cancel_order(self, symbol: str, order_id: int) -> Order:
        _unused("cancel_order")


_: Callable[[], Exchange] = UnusedExchange  # mypy: the base keeps to the protocol
