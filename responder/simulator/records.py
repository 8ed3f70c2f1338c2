"""The records the simulated exchange keeps (orders, trades, wallet rows) and their Binance JSON shapes.

Each record serialises exactly as Binance sends it (reference §3): amounts as 8-decimal strings,
/api times as epoch ms, withdraw times as UTC strings. The ground-truth `label` (which attacker
action made a record) is kept beside the record and never appears in its JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from responder.simulator.market import fmt

ZERO = Decimal(0)
ARCHIVE_MS = 90 * 86_400_000


@dataclass
class SimOrder:
    symbol: str
    order_id: int
    client_order_id: str
    price: Decimal
    orig_qty: Decimal
    side: str
    type: str
    time_ms: int
    tif: str = "GTC"
    executed_qty: Decimal = ZERO
    cumm_quote: Decimal = ZERO
    status: str = "NEW"
    update_ms: int = 0
    orig_quote_qty: Decimal = ZERO
    source: str = "api"  # bot | web | attacker | api (ground truth, never serialised)
    label: str | None = None
    order_list_id: int = -1  # an OCO leg's list (simulator/orderlists.py)
    expiry_reason: str | None = None  # e.g. EXECUTION_RULE_PRICE_RANGE_EXCEEDED (since 2026-05)

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    def archived(self, now_ms: int) -> bool:
        """Canceled/expired with nothing filled and older than 90 days: Binance hides it (-2026)."""
        return (
            self.status in ("CANCELED", "EXPIRED", "EXPIRED_IN_MATCH")
            and self.executed_qty == 0
            and now_ms - self.update_ms > ARCHIVE_MS
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": self.client_order_id,
            "price": fmt(self.price),
            "origQty": fmt(self.orig_qty),
            "executedQty": fmt(self.executed_qty),
            "cummulativeQuoteQty": fmt(self.cumm_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": self.time_ms,
            "updateTime": self.update_ms or self.time_ms,
            "isWorking": True,
            "workingTime": self.time_ms,
            "origQuoteOrderQty": fmt(self.orig_quote_qty),
            "selfTradePreventionMode": "EXPIRE_MAKER",
            **({"expiryReason": self.expiry_reason} if self.expiry_reason else {}),
        }

    def cancel_report(self, cancel_id: str, now_ms: int) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "origClientOrderId": self.client_order_id,
            "orderId": self.order_id,
            "orderListId": self.order_list_id,
            "clientOrderId": cancel_id,
            "transactTime": now_ms,
            "price": fmt(self.price),
            "origQty": fmt(self.orig_qty),
            "executedQty": fmt(self.executed_qty),
            "origQuoteOrderQty": fmt(self.orig_quote_qty),
            "cummulativeQuoteQty": fmt(self.cumm_quote),
            "status": self.status,
            "timeInForce": self.tif,
            "type": self.type,
            "side": self.side,
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }


@dataclass
class SimTrade:
    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "id": self.id,
            "orderId": self.order_id,
            "orderListId": -1,
            "price": fmt(self.price),
            "qty": fmt(self.qty),
            "quoteQty": fmt(self.price * self.qty),
            "commission": fmt(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time_ms,
            "isBuyer": self.is_buyer,
            "isMaker": self.is_maker,
            "isBestMatch": True,
        }


def utc_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class WalletRecord:
    """A withdrawal, deposit, address-book entry, universal transfer or convert, as Binance shows it."""

    kind: str
    time_ms: int
    data: dict[str, Any]
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.data)
        if self.kind == "withdrawal":
            d["applyTime"] = utc_text(self.time_ms)
            if d.get("status") == 6:
                d["completeTime"] = utc_text(self.time_ms + 15 * 60_000)
        elif self.kind == "deposit":
            d["insertTime"] = self.time_ms
            d["completeTime"] = self.time_ms + 10 * 60_000
        elif self.kind == "transfer":
            d["timestamp"] = self.time_ms
        elif self.kind == "convert":
            d["createTime"] = self.time_ms
        return d
