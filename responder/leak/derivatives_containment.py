"""Futures and margin containment: cancel open orders per symbol, the optional reduce-only close, and
the record of positions kept.

Every change goes through `ctx.mutate` (intent journaled with the exact request, outcome after, a
read-back instead of a re-send on an unknown outcome). Cancelling futures orders is
`DELETE /fapi/v1/allOpenOrders` per symbol; Binance's answer does not list the orders, so the ones
read just before are recorded as `open_before`, and the read-back after says what is left. Closing a
position is a MARKET order with `reduceOnly=true`: it can only shrink the position, at whatever price
the book gives — the step asks with "no" as the default, and positions kept are recorded as kept.
"""

from __future__ import annotations

from typing import Any

from responder.errors import ExchangeError, NothingToCancel
from responder.exchange.protocol_derivatives import FuturesExchange, MarginExchange
from responder.leak.derivatives import clients, position_line
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, ActionStatus, JsonMap
from responder.playbook.protocols import Level


def _order_rows(orders: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "orderId": o.order_id,
            "clientOrderId": getattr(o, "placement_client_order_id", o.client_order_id),
            "side": o.side,
            "price": f"{o.price:f}",
            "origQty": f"{o.orig_qty:f}",
        }
        for o in orders
    ]


def _cancel_futures(fx: FuturesExchange, symbol: str) -> dict[str, Any]:
    before = fx.open_orders(symbol)
    msg = fx.cancel_all_open_orders(symbol)
    return {"code": 200, "msg": msg, "open_before": _order_rows(before)}


def cancel_futures_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Cancel every open USDⓈ-M futures order on each symbol, one journaled mutation per symbol."""
    fx, _ = clients(ctx)
    if fx is None:
        return ActionResult("failed", {"error": "no futures connection"})
    symbols = [str(s) for s in params.get("symbols") or []]
    lines: list[tuple[Level, str]] = []
    results: dict[str, Any] = {}
    for symbol in symbols:
        outcome = ctx.mutate(
            f"cancel every open futures order on {symbol}",
            request={"method": "DELETE", "path": "/fapi/v1/allOpenOrders", "params": {"symbol": symbol}},
            call=lambda s=symbol: _cancel_futures(fx, s),  # type: ignore[misc]
            reconcile=lambda s=symbol: {"open_after": len(fx.open_orders(s))},  # type: ignore[misc]
        )
        results[symbol] = {"status": outcome.status, "response": outcome.response}
        lines.append(_line(symbol, outcome.status, outcome.response, "futures"))
    remaining = _left(ctx, lambda: sum(len(fx.open_orders(s)) for s in symbols), symbols)
    return _result(ctx, symbols=symbols, results=results, remaining=remaining, lines=lines, where="futures")


def cancel_margin_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Cancel every open cross-margin order on each symbol (DELETE /sapi/v1/margin/openOrders)."""
    _, mx = clients(ctx)
    if mx is None:
        return ActionResult("failed", {"error": "no margin connection"})
    symbols = [str(s) for s in params.get("symbols") or []]
    lines: list[tuple[Level, str]] = []
    results: dict[str, Any] = {}
    for symbol in symbols:
        outcome = ctx.mutate(
            f"cancel every open margin order on {symbol}",
            request={"method": "DELETE", "path": "/sapi/v1/margin/openOrders", "params": {"symbol": symbol}},
            call=lambda s=symbol: _cancel_margin(mx, s),  # type: ignore[misc]
            reconcile=lambda s=symbol: {"open_after": len(mx.open_orders(s))},  # type: ignore[misc]
        )
        results[symbol] = {"status": outcome.status, "response": outcome.response}
        lines.append(_line(symbol, outcome.status, outcome.response, "margin"))
    remaining = _left(ctx, lambda: sum(len(mx.open_orders(s)) for s in symbols), symbols)
    return _result(ctx, symbols=symbols, results=results, remaining=remaining, lines=lines, where="margin")


def _cancel_margin(mx: MarginExchange, symbol: str) -> dict[str, Any]:
    try:
        return {"cancelled": _order_rows(mx.cancel_open_orders(symbol))}
    except NothingToCancel:
        return {"cancelled": [], "note": "nothing to cancel (-2011 Unknown order sent.)"}


def _line(symbol: str, status: str, response: Any, where: str) -> tuple[Level, str]:
    if status == "ok" and isinstance(response, dict):
        n = len(response.get("open_before") or response.get("cancelled") or [])
        return (
            "ok",
            f"cancelled {n} open {where} orders ({symbol})" if n else f"nothing left to cancel on {symbol}",
        )
    if status == "reconciled":
        left = (response or {}).get("open_after")
        return (
            "ok" if left == 0 else "warn"
        ), f"{symbol}: outcome unknown; read back {left} open {where} orders"
    if status == "would-do":
        return "info", f"{symbol}: would cancel (dry run)"
    return "warn", f"{symbol}: {status} {response}"


def _left(ctx: ActionContext, count: Any, symbols: list[str]) -> int | None:
    if ctx.dry_run or not symbols:
        return None
    try:
        return int(count())
    except ExchangeError:
        return None  # unknown: said as such below


def _result(
    ctx: ActionContext,
    *,
    symbols: list[str],
    results: dict[str, Any],
    remaining: int | None,
    lines: list[tuple[Level, str]],
    where: str,
) -> ActionResult:
    if remaining is not None:
        lines.append(("ok" if remaining == 0 else "warn", f"open {where} orders now: {remaining}"))
    elif not ctx.dry_run and symbols:
        lines.append(("warn", f"open {where} orders now: unknown (the read-back failed)"))
    status: ActionStatus = "ok" if remaining == 0 or ctx.dry_run else "warn"
    return ActionResult(
        status, {"symbols": symbols, "results": results, "remaining": remaining}, lines=tuple(lines)
    )


def close_futures_positions(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Close each named position with a reduce-only MARKET order (the person said yes, knowing the risk)."""
    fx, _ = clients(ctx)
    if fx is None:
        return ActionResult("failed", {"error": "no futures connection"})
    lines: list[tuple[Level, str]] = []
    closed, results = [], {}
    for symbol in [str(s) for s in params.get("symbols") or []]:
        live = [p for p in fx.positions(symbol) if p.is_open]  # fresh: the amount may have moved
        if not live:
            lines.append(("ok", f"{symbol}: no open position any more"))
            continue
        p = live[0]
        cid = f"responder-close-{symbol}"[:36]
        side = "SELL" if p.position_amt > 0 else "BUY"
        request = {
            "method": "POST",
            "path": "/fapi/v1/order",
            "params": {
                "symbol": symbol,
                "side": side,
                "type": "MARKET",
                "quantity": f"{abs(p.position_amt):f}",
                "reduceOnly": "true",
                "newClientOrderId": cid,
            },
        }
        outcome = ctx.mutate(
            f"close the {symbol} position ({position_line(p)}) at market, reduce-only",
            request=request,
            call=lambda p=p, cid=cid: _close(fx, p, cid),  # type: ignore[misc]
            reconcile=lambda s=symbol: {"position_amt": [f"{x.position_amt:f}" for x in fx.positions(s)]},  # type: ignore[misc]
        )
        results[symbol] = {"status": outcome.status, "response": outcome.response}
        if outcome.status == "ok":
            closed.append(symbol)
            lines.append(("ok", f"closed {symbol} at market: {outcome.response.get('avgPrice')} avg"))
        elif outcome.status != "would-do":
            lines.append(("warn", f"{symbol}: {outcome.status} {outcome.response}"))
    return ActionResult(
        "ok" if not results or closed else "warn", {"closed": closed, "results": results}, lines=tuple(lines)
    )


def _close(fx: FuturesExchange, p: Any, cid: str) -> dict[str, Any]:
    o = fx.close_position_market(p, client_order_id=cid)
    return {
        "orderId": o.order_id,
        "status": o.status,
        "avgPrice": f"{o.avg_price:f}",
        "executedQty": f"{o.executed_qty:f}",
        "reduceOnly": o.reduce_only,
    }


def record_positions(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Record what became of each open position: closed by responder, or kept by the person's choice."""
    snap = ctx.outputs.get("derivatives", {})
    close = ctx.outputs.get("close-positions", {})
    closed = set(close.get("closed", []))
    rows = list(snap.get("positions", []))
    kept = [r for r in rows if r["symbol"] not in closed]
    lines: list[tuple[Level, str]] = []
    for r in kept:
        why = "kept open by your choice" if close.get("declined") else "kept open"
        when = {True: "opened after the leak", False: "held since before the leak"}.get(
            r.get("opened_after_leak"), "opened when: unknown"
        )
        lines.append(
            (
                "warn" if r.get("opened_after_leak") is not False else "info",
                f"{r['symbol']} position {r['position_amt']} @ {r['entry_price']} {why} ({when})",
            )
        )
    for symbol in sorted(closed):
        lines.append(("ok", f"{symbol} position closed by responder"))
    ctx.check(
        "leak.futures_positions",
        "kept" if kept else "none-kept",
        "; ".join(f"{r['symbol']} {r['position_amt']}" for r in kept) or "no open position kept",
    )
    findings = tuple(
        f"futures position {r['symbol']} kept open" for r in kept if r.get("opened_after_leak") is not False
    )
    return ActionResult(
        "ok",
        {"kept": [r["symbol"] for r in kept], "closed": sorted(closed)},
        lines=tuple(lines),
        findings=findings,
    )


def register(registry: ActionRegistry) -> None:
    from responder.leak.derivatives import derivatives_snapshot

    registry.register(
        "leak.derivatives_snapshot",
        derivatives_snapshot,
        optional=("leaked_at", "permissions", "bot_prefixes"),
        description="read futures and margin (positions, orders, debts) and investigate them",
    )
    registry.register(
        "leak.cancel_futures_orders",
        cancel_futures_orders,
        mutating=True,
        required=("symbols",),
        description="cancel every open futures order on the given symbols",
    )
    registry.register(
        "leak.cancel_margin_orders",
        cancel_margin_orders,
        mutating=True,
        required=("symbols",),
        description="cancel every open margin order on the given symbols",
    )
    registry.register(
        "leak.close_futures_positions",
        close_futures_positions,
        mutating=True,
        required=("symbols",),
        description="close positions with reduce-only market orders",
    )
    registry.register(
        "leak.record_positions",
        record_positions,
        description="record which futures positions were closed and which were kept",
    )
