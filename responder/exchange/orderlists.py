"""Order lists (OCO/OTO/OTOCO) parsed at the edge (reference §11: `allOrderList`/`openOrderList` need no
symbol, so an attacker's contingent orders on any market can be seen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from responder.exchange.models import Json, ms


@dataclass(frozen=True)
class OrderListLeg:
    symbol: str
    order_id: int
    client_order_id: str


@dataclass(frozen=True)
class OrderList:
    """An OCO/OTO/OTOCO (`GET /api/v3/allOrderList`, `/api/v3/openOrderList`: every symbol at once)."""

    order_list_id: int
    contingency_type: str  # OCO | OTO | OTOCO
    list_status_type: str  # RESPONSE | EXEC_STARTED | ALL_DONE
    list_order_status: str  # EXECUTING | ALL_DONE | REJECT
    list_client_order_id: str
    transaction_time: datetime
    symbol: str
    orders: tuple[OrderListLeg, ...]

    @classmethod
    def from_json(cls, d: Json) -> OrderList:
        return cls(
            int(d["orderListId"]),
            str(d["contingencyType"]),
            str(d["listStatusType"]),
            str(d["listOrderStatus"]),
            str(d["listClientOrderId"]),
            ms(d["transactionTime"]),
            str(d["symbol"]),
            tuple(
                OrderListLeg(str(o["symbol"]), int(o["orderId"]), str(o["clientOrderId"]))
                for o in d.get("orders", [])
            ),
        )

    @property
    def is_open(self) -> bool:
        return self.list_order_status == "EXECUTING"
