"""Binance responses parsed at the edge into frozen types. Amounts are `Decimal`, times aware UTC.

Past the client there are no raw dicts. Each `from_json` takes one decoded JSON object exactly as
Binance sends it (reference §3) and raises `ValueError` on a shape it cannot trust; the client turns
that into an error naming the endpoint. Unknown extra fields are ignored (Binance adds fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from responder.clock import from_ms

Json = Mapping[str, Any]


MAX_AMOUNT_CHARS = 40  # Binance amounts are ≤ 30 characters ("4723846.89208129"); ids ≤ 20 digits
MAX_AMOUNT_EXPONENT = 40  # |adjusted exponent|: beyond 1e40 or below 1e-40 is no amount of anything


def dec(value: object) -> Decimal:
    """Decimal from a Binance amount (a string; ints tolerated), strictly: finite, at most 40
    characters, exponent within ±40. NaN, sNaN, Infinity, 1e999 and 400-digit strings are refused
    (ValueError) here, at the edge, so no InvalidOperation can surface later in arithmetic.
    Floats are refused: money is exact."""
    if isinstance(value, float | bool):
        raise ValueError(f"float amount {value!r}: Binance sends amounts as strings")
    text = str(value)
    if len(text) > MAX_AMOUNT_CHARS:
        raise ValueError(f"not a Binance amount: a {len(text)}-character number")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal amount: {text[:40]!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {text!r}")
    if amount and abs(amount.adjusted()) > MAX_AMOUNT_EXPONENT:
        raise ValueError(f"not a Binance amount: {text!r} is out of range")
    return amount


def ms(value: object) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not an epoch-ms integer: {value!r}")
    return from_ms(value)


def utc_string(value: object) -> datetime:
    """Withdraw history `applyTime`/`completeTime`: 'YYYY-MM-DD HH:MM:SS' in UTC (not epoch)."""
    if not isinstance(value, str):
        raise ValueError(f"not a time string: {value!r}")
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


@dataclass(frozen=True)
class RateLimit:
    rate_limit_type: str  # REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
    interval: str  # SECOND, MINUTE, DAY
    interval_num: int
    limit: int

    @classmethod
    def from_json(cls, d: Json) -> RateLimit:
        return cls(str(d["rateLimitType"]), str(d["interval"]), int(d["intervalNum"]), int(d["limit"]))


@dataclass(frozen=True)
class SymbolInfo:
    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    is_spot_trading_allowed: bool = True

    @classmethod
    def from_json(cls, d: Json) -> SymbolInfo:
        return cls(
            str(d["symbol"]),
            str(d["status"]),
            str(d["baseAsset"]),
            str(d["quoteAsset"]),
            bool(d.get("isSpotTradingAllowed", True)),
        )


@dataclass(frozen=True)
class ExchangeInfo:
    server_time: datetime
    rate_limits: tuple[RateLimit, ...]
    symbols: tuple[SymbolInfo, ...]

    @classmethod
    def from_json(cls, d: Json) -> ExchangeInfo:
        return cls(
            ms(d["serverTime"]),
            tuple(RateLimit.from_json(r) for r in d.get("rateLimits", [])),
            tuple(SymbolInfo.from_json(s) for s in d["symbols"]),
        )

    def weight_limit_per_minute(self, default: int = 6000) -> int:
        for r in self.rate_limits:
            if r.rate_limit_type == "REQUEST_WEIGHT" and r.interval == "MINUTE" and r.interval_num == 1:
                return r.limit
        return default


@dataclass(frozen=True)
class Kline:
    open_time: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: datetime
    quote_volume: Decimal
    trades: int

    @classmethod
    def from_json(cls, row: list[Any]) -> Kline:
        if not isinstance(row, list) or len(row) < 9:
            raise ValueError("kline row is not a 12-element array")
        return cls(
            ms(row[0]),
            dec(row[1]),
            dec(row[2]),
            dec(row[3]),
            dec(row[4]),
            dec(row[5]),
            ms(row[6]),
            dec(row[7]),
            int(row[8]),
        )


@dataclass(frozen=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked

    @classmethod
    def from_json(cls, d: Json) -> Balance:
        return cls(str(d["asset"]), dec(d["free"]), dec(d["locked"]))


@dataclass(frozen=True)
class Account:
    uid: int | None
    account_type: str
    can_trade: bool
    can_withdraw: bool
    can_deposit: bool
    update_time: datetime | None
    balances: tuple[Balance, ...]
    permissions: tuple[str, ...]

    @classmethod
    def from_json(cls, d: Json) -> Account:
        return cls(
            int(d["uid"]) if d.get("uid") is not None else None,
            str(d.get("accountType", "SPOT")),
            bool(d["canTrade"]),
            bool(d["canWithdraw"]),
            bool(d["canDeposit"]),
            ms(d["updateTime"]) if d.get("updateTime") else None,
            tuple(Balance.from_json(b) for b in d["balances"]),
            tuple(str(p) for p in d.get("permissions", [])),
        )

    def nonzero_balances(self) -> tuple[Balance, ...]:
        return tuple(b for b in self.balances if b.total != 0)


@dataclass(frozen=True)
class Order:
    symbol: str
    order_id: int
    order_list_id: int
    client_order_id: str
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cummulative_quote_qty: Decimal
    status: str
    time_in_force: str
    type: str
    side: str
    time: datetime
    update_time: datetime
    orig_client_order_id: str | None = None  # only on cancel reports: the id used at placement
    # Why Binance expired it (since 2026-05, expired orders only), e.g. EXECUTION_RULE_PRICE_RANGE_EXCEEDED:
    # a blocked pump attempt leaves this evidence (reference §11).
    expiry_reason: str | None = None

    @classmethod
    def from_json(cls, d: Json) -> Order:
        placed = d.get("time", d.get("transactTime"))
        return cls(
            str(d["symbol"]),
            int(d["orderId"]),
            int(d.get("orderListId", -1)),
            str(d["clientOrderId"]),
            dec(d["price"]),
            dec(d["origQty"]),
            dec(d["executedQty"]),
            dec(d["cummulativeQuoteQty"]),
            str(d["status"]),
            str(d.get("timeInForce", "")),
            str(d["type"]),
            str(d["side"]),
            ms(placed),
            ms(d.get("updateTime", placed)),
            str(d["origClientOrderId"]) if d.get("origClientOrderId") is not None else None,
            str(d["expiryReason"]) if d.get("expiryReason") is not None else None,
        )

    @property
    def placement_client_order_id(self) -> str:
        """The id the order was placed with (cancel reports carry the cancel's id in clientOrderId)."""
        return self.orig_client_order_id or self.client_order_id


@dataclass(frozen=True)
class Trade:
    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: datetime
    is_buyer: bool
    is_maker: bool

    @classmethod
    def from_json(cls, d: Json) -> Trade:
        return cls(
            str(d["symbol"]),
            int(d["id"]),
            int(d["orderId"]),
            dec(d["price"]),
            dec(d["qty"]),
            dec(d["quoteQty"]),
            dec(d["commission"]),
            str(d["commissionAsset"]),
            ms(d["time"]),
            bool(d["isBuyer"]),
            bool(d["isMaker"]),
        )


@dataclass(frozen=True)
class ApiRestrictions:
    """What the calling key can do (GET /sapi/v1/account/apiRestrictions)."""

    ip_restrict: bool
    create_time: datetime
    enable_reading: bool
    enable_withdrawals: bool
    enable_internal_transfer: bool
    enable_margin: bool
    enable_futures: bool
    permits_universal_transfer: bool
    enable_vanilla_options: bool
    enable_spot_and_margin_trading: bool
    raw_flags: tuple[tuple[str, bool], ...] = field(default=())

    @classmethod
    def from_json(cls, d: Json) -> ApiRestrictions:
        flags = tuple(sorted((k, bool(v)) for k, v in d.items() if isinstance(v, bool)))
        return cls(
            bool(d["ipRestrict"]),
            ms(d["createTime"]),
            bool(d.get("enableReading", False)),
            bool(d.get("enableWithdrawals", False)),
            bool(d.get("enableInternalTransfer", False)),
            bool(d.get("enableMargin", False)),
            bool(d.get("enableFutures", False)),
            bool(d.get("permitsUniversalTransfer", False)),
            bool(d.get("enableVanillaOptions", False)),
            bool(d.get("enableSpotAndMarginTrading", False)),
            flags,
        )

    def as_dict(self) -> dict[str, bool]:
        """Every boolean field as Binance named it (for `key check --json`)."""
        return dict(self.raw_flags)


@dataclass(frozen=True)
class ApiTradingStatus:
    is_locked: bool
    planned_recover_time: datetime | None
    update_time: datetime | None

    @classmethod
    def from_json(cls, d: Json) -> ApiTradingStatus:
        data = d["data"]
        recover = int(data.get("plannedRecoverTime", 0))
        upd = int(data.get("updateTime", 0))
        return cls(
            bool(data["isLocked"]), from_ms(recover) if recover else None, from_ms(upd) if upd else None
        )


WITHDRAW_STATUS = {
    0: "Email Sent",
    1: "Cancelled",
    2: "Awaiting Approval",
    3: "Rejected",
    4: "Processing",
    5: "Failure",
    6: "Completed",
}


@dataclass(frozen=True)
class Withdrawal:
    id: str
    amount: Decimal
    fee: Decimal
    coin: str
    status: int
    address: str
    address_tag: str
    tx_id: str
    network: str
    apply_time: datetime
    complete_time: datetime | None
    transfer_type: int  # 0 external, 1 internal
    withdraw_order_id: str | None

    @classmethod
    def from_json(cls, d: Json) -> Withdrawal:
        return cls(
            str(d["id"]),
            dec(d["amount"]),
            dec(d.get("transactionFee", "0")),
            str(d["coin"]),
            int(d["status"]),
            str(d["address"]),
            str(d.get("addressTag", "")),
            str(d.get("txId", "")),
            str(d.get("network", "")),
            utc_string(d["applyTime"]),
            utc_string(d["completeTime"]) if d.get("completeTime") else None,
            int(d.get("transferType", 0)),
            str(d["withdrawOrderId"]) if d.get("withdrawOrderId") else None,
        )


@dataclass(frozen=True)
class Deposit:
    id: str
    amount: Decimal
    coin: str
    network: str
    status: int
    address: str
    tx_id: str
    insert_time: datetime

    @classmethod
    def from_json(cls, d: Json) -> Deposit:
        return cls(
            str(d["id"]),
            dec(d["amount"]),
            str(d["coin"]),
            str(d.get("network", "")),
            int(d["status"]),
            str(d["address"]),
            str(d.get("txId", "")),
            ms(d["insertTime"]),
        )


@dataclass(frozen=True)
class WithdrawAddress:
    address: str
    address_tag: str
    coin: str
    name: str
    network: str
    origin: str
    origin_type: str
    white_status: bool

    @classmethod
    def from_json(cls, d: Json) -> WithdrawAddress:
        return cls(
            str(d["address"]),
            str(d.get("addressTag", "")),
            str(d["coin"]),
            str(d.get("name", "")),
            str(d.get("network", "")),
            str(d.get("origin", "")),
            str(d.get("originType", "")),
            bool(d.get("whiteStatus", False)),
        )


@dataclass(frozen=True)
class Transfer:
    asset: str
    amount: Decimal
    type: str
    status: str
    tran_id: int
    time: datetime

    @classmethod
    def from_json(cls, d: Json) -> Transfer:
        return cls(
            str(d["asset"]),
            dec(d["amount"]),
            str(d["type"]),
            str(d["status"]),
            int(d["tranId"]),
            ms(d["timestamp"]),
        )


@dataclass(frozen=True)
class TransferPage:
    total: int
    rows: tuple[Transfer, ...]

    @classmethod
    def from_json(cls, d: Json) -> TransferPage:
        return cls(int(d.get("total", 0)), tuple(Transfer.from_json(r) for r in d.get("rows", []) or []))


@dataclass(frozen=True)
class DailySnapshot:
    type: str
    update_time: datetime
    total_asset_of_btc: Decimal
    balances: tuple[Balance, ...]

    @classmethod
    def from_json(cls, d: Json) -> DailySnapshot:
        data = d["data"]
        return cls(
            str(d["type"]),
            ms(d["updateTime"]),
            dec(data.get("totalAssetOfBtc", "0")),
            tuple(Balance.from_json(b) for b in data.get("balances", [])),
        )


@dataclass(frozen=True)
class ConvertTrade:
    quote_id: str
    order_id: int
    status: str
    from_asset: str
    from_amount: Decimal
    to_asset: str
    to_amount: Decimal
    create_time: datetime

    @classmethod
    def from_json(cls, d: Json) -> ConvertTrade:
        return cls(
            str(d["quoteId"]),
            int(d["orderId"]),
            str(d["orderStatus"]),
            str(d["fromAsset"]),
            dec(d["fromAmount"]),
            str(d["toAsset"]),
            dec(d["toAmount"]),
            ms(d["createTime"]),
        )


@dataclass(frozen=True)
class ConvertPage:
    trades: tuple[ConvertTrade, ...]
    more_data: bool

    @classmethod
    def from_json(cls, d: Json) -> ConvertPage:
        return cls(
            tuple(ConvertTrade.from_json(r) for r in d.get("list", [])), bool(d.get("moreData", False))
        )
