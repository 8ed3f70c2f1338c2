"""USDⓈ-M futures and cross-margin responses parsed at the edge into frozen types (reference §10).

Same rules as `models.py`: amounts are `Decimal` (floats refused), times aware UTC, unknown extra
fields ignored, a shape we cannot trust raises `ValueError` (the client names the endpoint). Margin
orders and trades have the spot shapes and parse into `models.Order` / `models.Trade`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from responder.exchange.models import RateLimit, dec, ms

Json = Mapping[str, Any]
ZERO = Decimal(0)


def _opt_dec(d: Json, name: str) -> Decimal:
    return dec(d[name]) if d.get(name) not in (None, "") else ZERO


def _opt_ms(d: Json, name: str) -> datetime | None:
    value = d.get(name)
    return ms(value) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


@dataclass(frozen=True)
class FuturesSymbol:
    symbol: str
    pair: str
    contract_type: str  # PERPETUAL, CURRENT_QUARTER, …
    status: str
    base_asset: str
    quote_asset: str
    margin_asset: str

    @classmethod
    def from_json(cls, d: Json) -> FuturesSymbol:
        return cls(
            str(d["symbol"]),
            str(d.get("pair", d["symbol"])),
            str(d.get("contractType", "")),
            str(d["status"]),
            str(d["baseAsset"]),
            str(d["quoteAsset"]),
            str(d.get("marginAsset", d["quoteAsset"])),
        )


@dataclass(frozen=True)
class FuturesExchangeInfo:
    server_time: datetime
    rate_limits: tuple[RateLimit, ...]
    symbols: tuple[FuturesSymbol, ...]

    @classmethod
    def from_json(cls, d: Json) -> FuturesExchangeInfo:
        return cls(
            ms(d["serverTime"]),
            tuple(RateLimit.from_json(r) for r in d.get("rateLimits", [])),
            tuple(FuturesSymbol.from_json(s) for s in d["symbols"]),
        )

    def weight_limit_per_minute(self, default: int = 2400) -> int:
        for r in self.rate_limits:
            if r.rate_limit_type == "REQUEST_WEIGHT" and r.interval == "MINUTE" and r.interval_num == 1:
                return r.limit
        return default


@dataclass(frozen=True)
class FuturesAsset:
    asset: str
    wallet_balance: Decimal
    unrealized_profit: Decimal
    margin_balance: Decimal
    available_balance: Decimal

    @classmethod
    def from_json(cls, d: Json) -> FuturesAsset:
        return cls(
            str(d["asset"]),
            dec(d["walletBalance"]),
            _opt_dec(d, "unrealizedProfit"),
            _opt_dec(d, "marginBalance"),
            _opt_dec(d, "availableBalance"),
        )


@dataclass(frozen=True)
class FuturesPosition:
    """One position (`GET /fapi/v2/positionRisk` carries leverage, entry, mark and liquidation price;
    the account's `positions` rows carry fewer fields, so the missing ones are zero there)."""

    symbol: str
    position_side: str  # BOTH (one-way mode), LONG, SHORT
    position_amt: Decimal  # signed: negative is short
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    liquidation_price: Decimal
    leverage: int | None
    margin_type: str
    notional: Decimal
    update_time: datetime | None

    @property
    def is_open(self) -> bool:
        return self.position_amt != 0

    @classmethod
    def from_json(cls, d: Json) -> FuturesPosition:
        lev = d.get("leverage")
        return cls(
            str(d["symbol"]),
            str(d.get("positionSide", "BOTH")),
            dec(d["positionAmt"]),
            _opt_dec(d, "entryPrice"),
            _opt_dec(d, "markPrice"),
            dec(d.get("unRealizedProfit", d.get("unrealizedProfit", "0"))),
            _opt_dec(d, "liquidationPrice"),
            int(str(lev)) if lev not in (None, "") else None,
            str(d.get("marginType", "cross")),
            _opt_dec(d, "notional"),
            _opt_ms(d, "updateTime"),
        )


@dataclass(frozen=True)
class FuturesAccount:
    total_wallet_balance: Decimal
    total_unrealized_profit: Decimal
    available_balance: Decimal
    assets: tuple[FuturesAsset, ...]
    positions: tuple[FuturesPosition, ...]

    @classmethod
    def from_json(cls, d: Json) -> FuturesAccount:
        return cls(
            dec(d["totalWalletBalance"]),
            _opt_dec(d, "totalUnrealizedProfit"),
            _opt_dec(d, "availableBalance"),
            tuple(FuturesAsset.from_json(a) for a in d["assets"]),
            tuple(FuturesPosition.from_json(p) for p in d.get("positions", [])),
        )

    def nonzero_assets(self) -> tuple[FuturesAsset, ...]:
        return tuple(a for a in self.assets if a.wallet_balance != 0 or a.unrealized_profit != 0)


@dataclass(frozen=True)
class FuturesOrder:
    symbol: str
    order_id: int
    client_order_id: str
    price: Decimal
    avg_price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cum_quote: Decimal
    status: str
    type: str
    side: str
    position_side: str
    reduce_only: bool
    time: datetime
    update_time: datetime

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @classmethod
    def from_json(cls, d: Json) -> FuturesOrder:
        placed = d.get("time", d.get("updateTime"))
        return cls(
            str(d["symbol"]),
            int(d["orderId"]),
            str(d["clientOrderId"]),
            dec(d["price"]),
            _opt_dec(d, "avgPrice"),
            dec(d["origQty"]),
            dec(d["executedQty"]),
            _opt_dec(d, "cumQuote"),
            str(d["status"]),
            str(d["type"]),
            str(d["side"]),
            str(d.get("positionSide", "BOTH")),
            bool(d.get("reduceOnly", False)),
            ms(placed),
            ms(d.get("updateTime", placed)),
        )


@dataclass(frozen=True)
class FuturesTrade:
    symbol: str
    id: int
    order_id: int
    side: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    realized_pnl: Decimal
    commission: Decimal
    commission_asset: str
    time: datetime
    is_buyer: bool
    is_maker: bool

    @classmethod
    def from_json(cls, d: Json) -> FuturesTrade:
        return cls(
            str(d["symbol"]),
            int(d["id"]),
            int(d["orderId"]),
            str(d["side"]),
            dec(d["price"]),
            dec(d["qty"]),
            dec(d["quoteQty"]),
            dec(d["realizedPnl"]),
            dec(d["commission"]),
            str(d["commissionAsset"]),
            ms(d["time"]),
            bool(d["buyer"]),
            bool(d["maker"]),
        )


INCOME_TYPES = (
    "TRANSFER",
    "WELCOME_BONUS",
    "REALIZED_PNL",
    "FUNDING_FEE",
    "COMMISSION",
    "INSURANCE_CLEAR",
    "REFERRAL_KICKBACK",
    "COMMISSION_REBATE",
    "API_REBATE",
    "CONTEST_REWARD",
    "CROSS_COLLATERAL_TRANSFER",
    "OPTIONS_PREMIUM_FEE",
    "OPTIONS_SETTLE_PROFIT",
    "INTERNAL_TRANSFER",
    "AUTO_EXCHANGE",
    "DELIVERED_SETTELMENT",
    "COIN_SWAP_DEPOSIT",
    "COIN_SWAP_WITHDRAW",
    "POSITION_LIMIT_INCREASE_FEE",
)


@dataclass(frozen=True)
class Income:
    """One row of `GET /fapi/v1/income`: money that moved in the futures wallet, and why.
    `income` is signed (negative = out). `symbol` is empty for transfers."""

    symbol: str
    income_type: str
    income: Decimal
    asset: str
    info: str
    time: datetime
    tran_id: str
    trade_id: str

    @classmethod
    def from_json(cls, d: Json) -> Income:
        return cls(
            str(d.get("symbol") or ""),
            str(d["incomeType"]),
            dec(d["income"]),
            str(d["asset"]),
            str(d.get("info") or ""),
            ms(d["time"]),
            str(d.get("tranId", "")),
            str(d.get("tradeId") or ""),
        )


@dataclass(frozen=True)
class MarkPrice:
    symbol: str
    mark_price: Decimal
    index_price: Decimal
    last_funding_rate: Decimal
    time: datetime

    @classmethod
    def from_json(cls, d: Json) -> MarkPrice:
        return cls(
            str(d["symbol"]),
            dec(d["markPrice"]),
            _opt_dec(d, "indexPrice"),
            _opt_dec(d, "lastFundingRate"),
            ms(d["time"]),
        )


# --- cross margin ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarginAsset:
    asset: str
    free: Decimal
    locked: Decimal
    borrowed: Decimal
    interest: Decimal
    net_asset: Decimal

    @property
    def debt(self) -> Decimal:
        return self.borrowed + self.interest

    @classmethod
    def from_json(cls, d: Json) -> MarginAsset:
        return cls(
            str(d["asset"]),
            dec(d["free"]),
            dec(d["locked"]),
            dec(d["borrowed"]),
            dec(d["interest"]),
            dec(d["netAsset"]),
        )


@dataclass(frozen=True)
class MarginAccount:
    borrow_enabled: bool
    trade_enabled: bool
    transfer_enabled: bool
    margin_level: Decimal
    total_liability_of_btc: Decimal
    total_net_asset_of_btc: Decimal
    user_assets: tuple[MarginAsset, ...]

    @classmethod
    def from_json(cls, d: Json) -> MarginAccount:
        return cls(
            bool(d["borrowEnabled"]),
            bool(d["tradeEnabled"]),
            bool(d["transferEnabled"]),
            dec(d["marginLevel"]),
            dec(d["totalLiabilityOfBtc"]),
            dec(d["totalNetAssetOfBtc"]),
            tuple(MarginAsset.from_json(a) for a in d["userAssets"]),
        )

    def nonzero_assets(self) -> tuple[MarginAsset, ...]:
        return tuple(a for a in self.user_assets if a.free or a.locked or a.borrowed or a.interest)

    def debts(self) -> tuple[MarginAsset, ...]:
        return tuple(a for a in self.user_assets if a.debt != 0)


@dataclass(frozen=True)
class LoanRecord:
    """A borrow or a repay (`GET /sapi/v1/margin/borrow-repay`, type BORROW or REPAY)."""

    kind: str  # BORROW | REPAY
    asset: str
    amount: Decimal
    isolated_symbol: str
    status: str
    time: datetime
    tx_id: int

    @classmethod
    def from_json(cls, d: Json, kind: str) -> LoanRecord:
        return cls(
            kind,
            str(d["asset"]),
            dec(d.get("amount", d.get("principal", "0"))),
            str(d.get("isolatedSymbol") or ""),
            str(d["status"]),
            ms(d["timestamp"]),
            int(d["txId"]),
        )


@dataclass(frozen=True)
class MarginLiquidation:
    """A forced liquidation of the margin account (`GET /sapi/v1/margin/forceLiquidationRec`)."""

    symbol: str
    order_id: int
    side: str
    price: Decimal
    avg_price: Decimal
    qty: Decimal
    executed_qty: Decimal
    is_isolated: bool
    time: datetime

    @classmethod
    def from_json(cls, d: Json) -> MarginLiquidation:
        return cls(
            str(d["symbol"]),
            int(d["orderId"]),
            str(d["side"]),
            dec(d["price"]),
            _opt_dec(d, "avgPrice"),
            dec(d["qty"]),
            dec(d["executedQty"]),
            bool(d.get("isIsolated", False)),
            ms(d["updatedTime"]),
        )
