"""Order lists (OCO): how an attacker's contingent orders look, are queried and are cancelled.

`GET /api/v3/allOrderList` and `GET /api/v3/openOrderList` need no symbol (reference §11), so an
OCO on a market nobody sweeps still shows. `POST /api/v3/orderList/oco` places one (two resting legs
with the list's id); `DELETE /api/v3/openOrders` cancels the legs with the rest of the symbol's orders
and answers with one list entry (`orderReports`) per list, as Binance does. Simplification: legs rest
on the book without locking funds or triggering stops; they are cancelled and queried like any order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from responder.simulator.records import SimOrder
from responder.simulator.routes import DAY_MS, Ctx, Endpoint
from responder.simulator.wire import ApiError, mandatory

if TYPE_CHECKING:
    from responder.simulator.state import ExchangeState


@dataclass
class SimOrderList:
    order_list_id: int
    contingency_type: str
    list_client_order_id: str
    symbol: str
    transaction_ms: int
    legs: list[SimOrder]

    @property
    def is_open(self) -> bool:
        return any(leg.is_open for leg in self.legs)

    def to_json(self) -> dict[str, Any]:
        done = not self.is_open
        return {
            "orderListId": self.order_list_id,
            "contingencyType": self.contingency_type,
            "listStatusType": "ALL_DONE" if done else "EXEC_STARTED",
            "listOrderStatus": "ALL_DONE" if done else "EXECUTING",
            "listClientOrderId": self.list_client_order_id,
            "transactionTime": self.transaction_ms,
            "symbol": self.symbol,
            "orders": [
                {"symbol": leg.symbol, "orderId": leg.order_id, "clientOrderId": leg.client_order_id}
                for leg in self.legs
            ],
        }


def lists_of(state: ExchangeState) -> list[SimOrderList]:
    """The state's order lists (kept beside it, so the core state needs no change for them)."""
    found: list[SimOrderList] | None = getattr(state, "order_lists", None)
    if found is None:
        found = []
        state.order_lists = found  # type: ignore[attr-defined]  # attached on first use, see docstring
    return found


def _amount(params: dict[str, str], name: str) -> Decimal:
    raw = params.get(name)
    if not raw:
        raise mandatory(name)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ApiError(-1100, f"Illegal characters found in parameter '{name}'.") from None
    if not value.is_finite() or value <= 0:
        raise ApiError(-1013, "Invalid quantity." if name == "quantity" else "Invalid price.")
    return value


def place_oco(
    state: ExchangeState, symbol: str, params: dict[str, str], now_ms: int, *, source: str = "api"
) -> dict[str, Any]:
    """POST /api/v3/orderList/oco: a LIMIT_MAKER above and a stop-limit below, as one list."""
    side = params.get("side", "")
    if side not in ("BUY", "SELL"):
        raise mandatory("side")
    qty = _amount(params, "quantity")
    above, below = _amount(params, "abovePrice"), _amount(params, "belowPrice")
    book = state.book(symbol)
    legs = []
    for n, (kind, price) in enumerate(
        ((params.get("aboveType", "LIMIT_MAKER"), above), (params.get("belowType", "STOP_LOSS_LIMIT"), below))
    ):
        leg = SimOrder(symbol, 0, f"oco{now_ms % 10**9}x{n}", price, qty, side, kind, now_ms, source=source)
        book.add_order(leg)
        leg.order_list_id = 0
        legs.append(leg)
    lists = lists_of(state)
    order_list = SimOrderList(
        len(lists) + 1,
        "OCO",
        params.get("listClientOrderId") or f"list{now_ms % 10**9}",
        symbol,
        now_ms,
        legs,
    )
    for leg in legs:
        leg.order_list_id = order_list.order_list_id
    lists.append(order_list)
    return {**order_list.to_json(), "orderReports": [_placed(leg, now_ms) for leg in legs]}


def _placed(leg: SimOrder, now_ms: int) -> dict[str, Any]:
    """A leg as the placement answer reports it: `transactTime`, no `time`/`updateTime`/`isWorking`."""
    report = {k: v for k, v in leg.to_json().items() if k not in ("time", "updateTime", "isWorking")}
    return {**report, "transactTime": now_ms}


def group_cancel_reports(state: ExchangeState, reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DELETE openOrders' answer: plain reports, then one entry per order list with its leg reports."""
    by_list: dict[int, list[dict[str, Any]]] = {}
    plain: list[dict[str, Any]] = []
    for report in reports:
        list_id = int(report.get("orderListId", -1))
        (by_list.setdefault(list_id, []) if list_id != -1 else plain).append(report)
    lists = {ol.order_list_id: ol for ol in lists_of(state)}
    entries = []
    for list_id, leg_reports in by_list.items():
        for report in leg_reports:  # a stop leg reports its trigger (the simulator's stop = limit price)
            if str(report.get("type", "")).startswith(("STOP", "TAKE_PROFIT")):
                report["stopPrice"] = report["price"]
        order_list = lists[list_id]
        entry = order_list.to_json()
        entry["transactionTime"] = leg_reports[0]["transactTime"]
        entries.append({**entry, "orderReports": leg_reports})
    return plain + entries


# --- endpoints ----------------------------------------------------------------------------------------
def all_order_lists(ctx: Ctx) -> Any:
    from_id = ctx.int_param("fromId")
    start, end = ctx.window(DAY_MS)
    if from_id is not None and (start is not None or end is not None):
        raise ApiError(-1106, "Parameter 'startTime' sent when not required.")
    limit = ctx.limit(500)
    rows = [
        ol
        for ol in lists_of(ctx.state)
        if (from_id is None or ol.order_list_id >= from_id)
        and (start is None or ol.transaction_ms >= start)
        and (end is None or ol.transaction_ms <= end)
    ]
    rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
    return [ol.to_json() for ol in rows]


def open_order_lists(ctx: Ctx) -> Any:
    return [ol.to_json() for ol in lists_of(ctx.state) if ol.is_open]


def new_oco(ctx: Ctx) -> Any:
    return place_oco(ctx.state, str(ctx.symbol()), ctx.params, ctx.now_ms)


def endpoints(trade_permission: str) -> list[Endpoint]:
    return [
        Endpoint("GET", "/api/v3/allOrderList", all_order_lists, weight=20),
        Endpoint("GET", "/api/v3/openOrderList", open_order_lists, weight=6),
        Endpoint(
            "POST",
            "/api/v3/orderList/oco",
            new_oco,
            "TRADE",
            1,
            permission=trade_permission,
            zero_on_success=True,
        ),
    ]
