"""USDⓈ-M futures and cross margin as the rest of responder sees them (reference §10).

`forensics`, `playbook` and `leak` depend on these protocols, never on `FuturesClient`/`MarginClient`.
Mutating methods are named as such and may raise OutcomeUnknown (never retried: re-read, then decide).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from responder.exchange.models import Kline, Order, Trade
from responder.exchange.models_derivatives import (
    FuturesAccount,
    FuturesExchangeInfo,
    FuturesOrder,
    FuturesPosition,
    FuturesTrade,
    Income,
    LoanRecord,
    MarginAccount,
    MarginLiquidation,
    MarkPrice,
)
from responder.exchange.protocol import RawResponse


class FuturesExchange(Protocol):
    @property
    def masked_key(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    def last_response(self, endpoint: str) -> RawResponse | None: ...
    def exchange_info(self) -> FuturesExchangeInfo: ...
    def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[Kline]: ...
    def mark_price(self, symbol: str) -> MarkPrice: ...
    def mark_prices(self) -> dict[str, Decimal]: ...
    def account(self) -> FuturesAccount: ...
    def positions(self, symbol: str | None = None) -> list[FuturesPosition]: ...
    def open_orders(self, symbol: str | None = None) -> list[FuturesOrder]: ...
    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 1000,
    ) -> list[FuturesOrder]: ...
    def user_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 1000,
    ) -> list[FuturesTrade]: ...
    def income(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        income_type: str | None = None,
        symbol: str | None = None,
        limit: int = 1000,
    ) -> list[Income]: ...
    def force_orders(
        self,
        *,
        symbol: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
    ) -> list[FuturesOrder]: ...

    # --- mutations -------------------------------------------------------------------------------
    def cancel_all_open_orders(self, symbol: str) -> str:
        """MUTATING. DELETE /fapi/v1/allOpenOrders. OutcomeUnknown on 5XX/timeout."""
        ...

    def close_position_market(self, position: FuturesPosition, *, client_order_id: str) -> FuturesOrder:
        """MUTATING, market risk. A reduce-only MARKET order. OutcomeUnknown on 5XX/timeout."""
        ...


class MarginExchange(Protocol):
    @property
    def masked_key(self) -> str: ...
    def last_response(self, endpoint: str) -> RawResponse | None: ...
    def account(self) -> MarginAccount: ...
    def open_orders(self, symbol: str | None = None) -> list[Order]: ...
    def all_orders(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_id: int | None = None,
        limit: int = 500,
    ) -> list[Order]: ...
    def my_trades(
        self,
        symbol: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[Trade]: ...
    def loans(
        self,
        kind: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        current: int = 1,
        size: int = 100,
    ) -> list[LoanRecord]: ...
    def force_liquidations(
        self, *, start: datetime | None = None, end: datetime | None = None, current: int = 1, size: int = 100
    ) -> list[MarginLiquidation]: ...

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        """MUTATING. DELETE /sapi/v1/margin/openOrders. NothingToCancel (-2011) when none are open."""
        ...
