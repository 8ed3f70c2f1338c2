"""Cross-margin `/sapi/v1/margin/...` endpoints with Binance's shapes, weights and windows (reference §10).

Reads need `enableReading`; the cancel needs `enableSpotAndMarginTrading`. allOrders and myTrades
take windows of at most 24 hours (no times: the last 24 hours). Paged records (borrow-repay,
forceLiquidationRec) answer `{"rows": [...], "total": n}`, newest first, filtered by the given times.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from responder.simulator.margin import Margin
from responder.simulator.routes import DAY_MS, TRADE, Ctx, Endpoint
from responder.simulator.wire import ApiError, mandatory


def _m(ctx: Ctx) -> Margin:
    return ctx.state.derivatives.margin


def _btc_price(ctx: Ctx) -> Decimal:
    m = ctx.state.markets.get("BTCUSDT")
    return m.price(ctx.now_ms) if m else Decimal("60000")


def account(ctx: Ctx) -> Any:
    # `created` (the margin account exists) is in Binance's answer and required by its OpenAPI.
    return {"created": True, **_m(ctx).account_json(ctx.now_ms, _btc_price(ctx))}


def open_orders(ctx: Ctx) -> Any:
    sym = ctx.symbol(required=False)
    return [o.to_json() for o in _m(ctx).orders if o.is_open and (sym is None or o.symbol == sym)]


def cancel_open_orders(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    done = _m(ctx).cancel_all(sym, ctx.now_ms)
    if not done:
        raise ApiError(-2011, "Unknown order sent.")
    return [
        o.to_json()
        | {
            "origClientOrderId": o.client_order_id,
            "clientOrderId": f"cancel_{o.order_id}",
            "isIsolated": False,
            "orderListId": -1,
        }
        for o in done
    ]


def _day(ctx: Ctx) -> tuple[int, int]:
    start, end = ctx.window(DAY_MS, "More than 24 hours between startTime and endTime.")
    if start is None and end is None:
        return ctx.now_ms - DAY_MS, ctx.now_ms
    if start is None:
        assert end is not None
        return end - DAY_MS, end
    return start, end if end is not None else start + DAY_MS


def all_orders(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    limit = ctx.limit(500, 500)
    order_id = ctx.int_param("orderId")
    rows = [o for o in _m(ctx).orders if o.symbol == sym]
    if order_id is not None:
        rows = [o for o in rows if o.order_id >= order_id]
    else:
        start, end = _day(ctx)
        rows = [o for o in rows if start <= o.time_ms <= end]
    return [o.to_json() for o in sorted(rows, key=lambda o: o.order_id)[:limit]]


def my_trades(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    limit = ctx.limit(500, 1000)
    from_id = ctx.int_param("fromId")
    rows = [t for t in _m(ctx).trades if t["symbol"] == sym]
    if from_id is not None:
        rows = [t for t in rows if int(t["id"]) >= from_id]
    else:
        start, end = _day(ctx)
        rows = [t for t in rows if start <= int(t["time"]) <= end]
    return sorted(rows, key=lambda t: int(t["id"]))[:limit]


def _page(ctx: Ctx, rows: list[dict[str, Any]], time_key: str) -> Any:
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    current = ctx.int_param("current") or 1
    size = ctx.int_param("size") or 10
    if size > 100:
        raise ApiError(-1102, "'size' contains unexpected value. Cannot be greater than 100.")
    rows = [
        r
        for r in rows
        if (start is None or int(r[time_key]) >= start) and (end is None or int(r[time_key]) <= end)
    ]
    rows.sort(key=lambda r: int(r[time_key]), reverse=True)
    return {"rows": rows[(current - 1) * size : current * size], "total": len(rows)}


def borrow_repay(ctx: Ctx) -> Any:
    kind = ctx.params.get("type")
    if not kind:
        raise mandatory("type")
    if kind not in ("BORROW", "REPAY"):
        raise ApiError(-1100, "Illegal characters found in parameter 'type'.")
    rows = _m(ctx).loans if kind == "BORROW" else []
    return _page(ctx, [dict(r) for r in rows], "timestamp")


def force_liquidations(ctx: Ctx) -> Any:
    return _page(ctx, [dict(r) for r in _m(ctx).liquidations], "updatedTime")


ENDPOINTS = [
    Endpoint("GET", "/sapi/v1/margin/account", account, weight=10, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/margin/openOrders", open_orders, weight=10, sapi_scope="IP"),
    Endpoint(
        "DELETE",
        "/sapi/v1/margin/openOrders",
        cancel_open_orders,
        "TRADE",
        1,
        sapi_scope="IP",
        permission=TRADE,
    ),
    Endpoint("GET", "/sapi/v1/margin/allOrders", all_orders, weight=200, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/margin/myTrades", my_trades, weight=10, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/margin/borrow-repay", borrow_repay, weight=10, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/margin/forceLiquidationRec", force_liquidations, weight=1, sapi_scope="IP"),
]
