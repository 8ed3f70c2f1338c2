"""Whose open order is it? And cancelling only the attacker's, one order at a time.

`DELETE /api/v3/openOrders` on a symbol takes the person's own orders too (their bot's grid, an order
placed in the app). The snapshot classifies every open order instead: placed before the leak, with
one of the person's bot prefixes, or with a Binance web/app id (`web_`, `and_`, `ios_`, `electron_`:
the API cannot place those) is the person's; placed through the API after the leak without such a
prefix is not. `leak.cancel_orders` then cancels the chosen orders one by one (DELETE /api/v3/order,
each through `ctx.mutate`): the attacker's by default, the person's own only in a step of its own,
default No. A cancel whose every request failed is `failed`, never a ✓; open orders that could not
be read are read again here, and if they still cannot be, nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from responder.clock import show
from responder.errors import ExchangeError, NothingToCancel
from responder.exchange.models import Order
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, ActionStatus, JsonMap
from responder.playbook.conditions import as_unknown
from responder.playbook.protocols import Level

APP_PREFIXES = ("web_", "and_", "ios_", "electron_")  # Binance's own apps; no API key places these


def prefixes_of(raw: object) -> tuple[str, ...]:
    """The person's bot prefixes from the triage answer ("grid-, dca_" → ("grid-", "dca_"))."""
    return tuple(p.strip() for p in str(raw or "").split(",") if p.strip())


def whose(order: Order, leaked_at: datetime, prefixes: Sequence[str]) -> tuple[str, str]:
    """("yours" | "not yours", why) for one open order."""
    cid = order.client_order_id
    if order.time < leaked_at:
        return "yours", f"placed {show(order.time)}, before the leak"
    mine = next((p for p in prefixes if cid.startswith(p)), None)
    if mine is not None:
        return "yours", f"your bot's prefix {mine!r}"
    app = next((p for p in APP_PREFIXES if cid.startswith(p)), None)
    if app is not None:
        return "yours", f"placed in Binance's web or app ({app}…)"
    return "not yours", "placed through the API after the leak, without your bots' prefixes"


def classify(orders: Sequence[Order], leaked_at: datetime, prefixes: Sequence[str]) -> dict[str, Any]:
    """Snapshot outputs: the attacker's and the person's open orders, as ids the cancel step takes."""
    theirs: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []
    for o in sorted(orders, key=lambda o: (o.symbol, o.time)):
        owner, why = whose(o, leaked_at, prefixes)
        ref = {"symbol": o.symbol, "orderId": o.order_id, "why": why}
        (own if owner == "yours" else theirs).append(ref)
    return {
        "attacker_orders": theirs,
        "attacker_open": len(theirs),
        "attacker_symbols": sorted({r["symbol"] for r in theirs}),
        "own_orders": own,
        "own_open": len(own),
    }


def order_lines(orders: Sequence[Order], leaked_at: datetime, prefixes: Sequence[str]) -> list[str]:
    """One line per open order (at most 12): what it is and whose."""
    from responder.report.text import clean

    rows = []
    for o in sorted(orders, key=lambda o: (o.symbol, o.time))[:12]:
        owner, why = whose(o, leaked_at, prefixes)
        rows.append(
            f"  {clean(o.symbol):<10} {o.side:<4} {o.orig_qty.normalize():f} @ {o.price.normalize():f}"
            f"  #{o.order_id}  {owner.upper() if owner != 'yours' else owner}: {why}"
        )
    if len(orders) > 12:
        rows.append(f"  … and {len(orders) - 12} more (evidence/open-orders.json)")
    return rows


def cancel_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Cancel the given open orders one by one. `orders` may be unknown: then they are read again now
    and the attacker's ones (by the same rule as the snapshot) are cancelled."""
    ex = ctx.need_exchange()
    wanted = params.get("orders")
    if as_unknown(wanted) is not None:
        try:
            from responder.leak.common import parse_time

            leaked_at = parse_time(params.get("leaked_at"))
            now_open = ex.open_orders()
        except ExchangeError as e:
            why = ctx.secrets.scrub(e.one_line())
            text = (
                f"could not read the open orders ({why}), so none were cancelled: cancel them in the "
                "app (Orders → Open Orders → Cancel all) or check them there"
            )
            return ActionResult("failed", {"cancelled": 0, "error": why}, lines=(("danger", text),))
        if leaked_at is None:
            leaked_at = min((o.time for o in now_open), default=ctx.clock.now())
        wanted = classify(now_open, leaked_at, prefixes_of(params.get("bot_prefixes")))["attacker_orders"]
    targets = [(str(o["symbol"]), int(o["orderId"])) for o in (wanted if isinstance(wanted, list) else [])]
    return _cancel_each(ctx, ex, targets)


def _cancel_each(ctx: ActionContext, ex: Any, targets: list[tuple[str, int]]) -> ActionResult:
    lines: list[tuple[Level, str]] = [] if targets else [("ok", "no open orders that are not yours")]
    results: dict[str, str] = {}
    done = 0
    for symbol, order_id in targets:
        outcome = ctx.mutate(
            f"cancel order {order_id} on {symbol}",
            request={
                "method": "DELETE",
                "path": "/api/v3/order",
                "params": {"symbol": symbol, "orderId": order_id},
            },
            call=lambda s=symbol, i=order_id: _cancel(ex, s, i),  # type: ignore[misc]
            reconcile=lambda s=symbol, i=order_id: {"still_open": _is_open(ex, s, i)},  # type: ignore[misc]
        )
        response = outcome.response if isinstance(outcome.response, dict) else {}
        gone = outcome.status == "ok" or (
            outcome.status == "reconciled" and response.get("still_open") is False
        )
        results[f"{symbol}#{order_id}"] = "cancelled" if gone else outcome.status
        done += gone
        if not gone and outcome.status != "would-do":
            lines.append(
                ("warn", f"order {order_id} on {symbol}: not cancelled ({outcome.status} {response})")
            )
    if targets and not ctx.dry_run:
        level: Level = "ok" if done == len(targets) else "danger" if done == 0 else "warn"
        lines.insert(0, (level, f"cancelled {done} of {len(targets)} orders"))
    status: ActionStatus = "ok" if ctx.dry_run or done == len(targets) else "failed" if done == 0 else "warn"
    return ActionResult(
        status,
        {
            "cancelled": done,
            "asked": len(targets),
            "results": results,
            "symbols": sorted({t[0] for t in targets}),
        },
        lines=tuple(lines),
    )


def _cancel(ex: Any, symbol: str, order_id: int) -> dict[str, Any]:
    try:
        o = ex.cancel_order(symbol, order_id)
    except NothingToCancel:
        return {"cancelled": [], "note": "already gone (-2011 Unknown order sent.)"}
    report = {"orderId": o.order_id, "clientOrderId": o.placement_client_order_id, "status": o.status,
              "side": o.side, "price": str(o.price), "origQty": str(o.orig_qty)}  # fmt: skip
    return {"cancelled": [report]}  # the shape of DELETE openOrders' summary: the report reads both


def _is_open(ex: Any, symbol: str, order_id: int) -> bool:
    return any(o.order_id == order_id for o in ex.open_orders(symbol))


def register(registry: ActionRegistry) -> None:
    registry.register(
        "leak.cancel_orders",
        cancel_orders,
        mutating=True,
        required=("orders",),
        optional=("leaked_at", "bot_prefixes"),
        description="cancel the given open orders one by one (the attacker's unless told otherwise)",
    )
