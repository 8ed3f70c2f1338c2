"""The exchange as the rest of responder sees it: typed reads, and the one mutation the API allows.

`playbook`, `forensics` and `wizard` depend on this protocol only, never on the client class.
Mutating methods are named as such and documented as "may raise OutcomeUnknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

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
from responder.exchange.ticker import Ticker24h


@dataclass(frozen=True)
class RawResponse:
    """A response exactly as Binance sent it: the endpoint, the parameters sent (never the signature),
    the HTTP status and the decoded JSON body. Evidence cites these, not our parsed models."""

    endpoint: str
    params: Mapping[str, object]
    status: int
    body: Any


class Exchange(Protocol):
    @property
    def masked_key(self) -> str:
        """The API key in use, masked (`vmPU…Eh8A`)."""
        ...

    def last_response(self, endpoint: str) -> RawResponse | None:
        """The latest raw response from `endpoint` (`METHOD /path`), or None."""
        ...

    def server_time(self) -> datetime: ...
    def exchange_info(self) -> ExchangeInfo: ...
    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[Kline]: ...
    def ticker_prices(self) -> dict[str, Decimal]: ...
    def ticker_24h(self) -> dict[str, Ticker24h]: ...
    def account(self) -> Account: ...
    def open_orders(self, symbol: str | None = None) -> list[Order]: ...
    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Order]: ...
    def my_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[Trade]: ...
    def api_restrictions(self) -> ApiRestrictions: ...
    def account_status(self) -> str: ...
    def api_trading_status(self) -> ApiTradingStatus: ...
    def withdraw_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Withdrawal]: ...
    def deposit_history(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        offset: int = 0,
        limit: int = 1000,
    ) -> list[Deposit]: ...
    def withdraw_addresses(self) -> list[WithdrawAddress]: ...
    def universal_transfers(
        self,
        transfer_type: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> TransferPage: ...
    def account_snapshot(
        self,
        snapshot_type: str = "SPOT",
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 30,
    ) -> list[DailySnapshot]: ...
    def convert_trades(self, *, start: datetime, end: datetime, limit: int = 1000) -> ConvertPage: ...

    # --- order lists (OCO/OTO/OTOCO; no symbol needed, reference §11) -------------------------------
    def open_order_lists(self) -> list[OrderList]: ...
    def all_order_lists(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderList]: ...

    # --- mutations -------------------------------------------------------------------------------
    def cancel_order(self, symbol: str, order_id: int) -> Order:
        """MUTATING. DELETE /api/v3/order: one order. NothingToCancel (-2011) when it is not open."""
        ...

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        """MUTATING. DELETE /api/v3/openOrders. Raises NothingToCancel (-2011) when none are open,
        OutcomeUnknown on 5XX/timeout (never retried: the caller re-reads open orders)."""
        ...
