"""Generic actions every build has: enough to write and test playbooks without the leak actions.

`test.echo` shows a message and returns its parameters; `test.count_open_orders` reads open orders
(and saves them as evidence); `test.cancel_open_orders` is the one mutation, through `ctx.mutate`;
`test.no_open_orders` is a verify action (passed when none are open). Register with `register()`.
"""

from __future__ import annotations

from typing import Any

from responder.errors import NothingToCancel
from responder.exchange.models import Order
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, JsonMap
from responder.playbook.protocols import Level


def _order_summary(order: Order) -> dict[str, Any]:
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "side": order.side,
        "status": order.status,
        "price": str(order.price),
        "origQty": str(order.orig_qty),
    }


def echo(ctx: ActionContext, params: JsonMap) -> ActionResult:
    message = str(params.get("message", ""))
    lines: tuple[tuple[Level, str], ...] = (("info", message),) if message else ()
    return ActionResult("ok", dict(params), lines=lines)


def count_open_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    symbol = str(params["symbol"])
    orders = ctx.need_exchange().open_orders(symbol)
    ref = ctx.save_evidence(
        f"open-orders-{symbol}",
        [_order_summary(o) for o in orders],
        source="GET /api/v3/openOrders",
        description=f"open orders on {symbol}",
    )
    level: Level = "warn" if orders else "ok"
    return ActionResult(
        "warn" if orders else "ok",
        {"open_orders": len(orders), "symbol": symbol},
        lines=((level, f"open orders  {len(orders)} on {symbol}"), ("info", ref.short)),
        evidence=(ref,),
        findings=(f"{len(orders)} open orders on {symbol}",) if orders else (),
    )


def cancel_open_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    symbol = str(params["symbol"])
    exchange = ctx.exchange

    def call() -> dict[str, Any]:
        assert exchange is not None
        try:
            cancelled = exchange.cancel_open_orders(symbol)
        except NothingToCancel:
            return {"cancelled": 0}
        return {"cancelled": len(cancelled), "orders": [_order_summary(o) for o in cancelled]}

    def reconcile() -> dict[str, Any]:
        assert exchange is not None
        return {"open_orders": len(exchange.open_orders(symbol))}

    if not ctx.dry_run:
        ctx.need_exchange()
    outcome = ctx.mutate(
        f"cancel every open order on {symbol}",
        request={"method": "DELETE", "path": "/api/v3/openOrders", "params": {"symbol": symbol}},
        call=call,
        reconcile=reconcile,
    )
    response = outcome.response if isinstance(outcome.response, dict) else {}
    if outcome.status == "ok":
        n = int(response.get("cancelled", 0))
        return ActionResult(
            "ok", {"outcome": "ok", "cancelled": n}, lines=(("ok", f"cancelled {n} orders ({symbol})"),)
        )
    if outcome.status == "reconciled":
        still = int(response.get("open_orders", 0))
        level: Level = "ok" if still == 0 else "warn"
        text = f"after an unknown outcome, {still} open orders remain on {symbol}"
        return ActionResult(
            "ok" if still == 0 else "warn",
            {"outcome": "reconciled", "open_orders": still},
            lines=((level, text),),
        )
    if outcome.status == "would-do":
        return ActionResult("ok", {"outcome": "would-do"})
    return ActionResult(
        "failed", {"outcome": outcome.status}, lines=(("warn", f"cancel {outcome.status}: {response}"),)
    )


def no_open_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    symbol = str(params["symbol"])
    n = len(ctx.need_exchange().open_orders(symbol))
    if n == 0:
        return ActionResult("passed", {"open_orders": 0}, lines=(("ok", f"no open orders on {symbol}"),))
    return ActionResult(
        "pending", {"open_orders": n}, lines=(("warn", f"{n} open orders still on {symbol}"),)
    )


def register(registry: ActionRegistry) -> None:
    registry.register("test.echo", echo, optional=None, description="show `message`; outputs = params")
    registry.register(
        "test.count_open_orders",
        count_open_orders,
        required=("symbol",),
        description="read open orders on `symbol`, save them as evidence",
    )
    registry.register(
        "test.cancel_open_orders",
        cancel_open_orders,
        mutating=True,
        required=("symbol",),
        description="MUTATING: cancel every open order on `symbol`",
    )
    registry.register(
        "test.no_open_orders",
        no_open_orders,
        verify=True,
        required=("symbol",),
        description="verify: passed when `symbol` has no open orders",
    )
