"""The leak playbook's containment actions: snapshot before revoking, cancel the attacker's orders,
prove the key is dead, and act out manual steps in a drill.

Each action reads through the `Exchange` protocol, saves what it read as evidence, and returns data
(outputs for later steps, display lines); none prints or prompts. The one mutation (cancel all open
orders of a symbol) goes through `ctx.mutate`. Aftercare actions (investigation key, withdrawal
audit, forensics, recovery advice, report) live in `aftercare.py`; `registry.py` registers both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from responder.clock import show
from responder.errors import BadKeyFormat, ExchangeError, KeyRejected, NothingToCancel
from responder.exchange import pagination as paging
from responder.exchange.models import ApiRestrictions, Order, Transfer
from responder.exchange.orderlists import OrderList
from responder.jsonable import plain
from responder.leak.common import evidence_body, parse_time
from responder.leak.orders import classify, order_lines, prefixes_of
from responder.leak.snapshot_lines import amounts as _amounts
from responder.leak.snapshot_lines import withdrawal_lines as _withdrawal_lines
from responder.playbook.actions import (
    ActionContext,
    ActionRegistry,
    ActionResult,
    ActionStatus,
    JsonMap,
)
from responder.playbook.conditions import as_unknown, unknown
from responder.playbook.protocols import Level

T = TypeVar("T")


def _days(delta: timedelta) -> str:
    days = delta.days
    return f"{days} day{'s' if days != 1 else ''}" if days else f"{int(delta.total_seconds() // 3600)} h"


def describe_permissions(r: ApiRestrictions, now: datetime) -> str:
    can = ["read"] if r.enable_reading else []
    if r.enable_spot_and_margin_trading:
        can.append("spot trading")
    if r.enable_margin:
        can.append("margin")
    if r.enable_futures:
        can.append("futures")
    if r.permits_universal_transfer:
        can.append("universal transfer")
    parts = [", ".join(can) or "nothing", "withdrawals ON" if r.enable_withdrawals else "withdrawals OFF"]
    parts.append("IP whitelist on" if r.ip_restrict else "no IP whitelist")
    parts.append(f"created {_days(now - r.create_time)} ago")
    return " · ".join(parts)


class _Reads:
    """Runs the snapshot's reads one by one; a failed read is a gap, never the end of the snapshot."""

    def __init__(self, ctx: ActionContext) -> None:
        self.ctx = ctx
        self.gaps: list[str] = []
        self.refs: list[Any] = []
        self.why: dict[str, str] = {}  # evidence name -> why it could not be read
        self.rejected = False  # Binance refused the key itself (-2015/-2014), not a 5XX/WAF/429

    def read(self, name: str, source: str, what: str, fn: Callable[[], T], *, raw: bool = True) -> T | None:
        """`fn` makes one request to `source` (`METHOD /path`); its raw body is the evidence. A read made
        of many requests (`raw=False`) is saved as the parsed rows instead."""
        try:
            value = fn()
        except ExchangeError as e:
            if e.fatal:  # a ban or a hostile server: the next read would fail the same way
                raise
            why = self.ctx.secrets.scrub(e.one_line())
            self.gaps.append(f"{what}: {why}")
            self.why[name] = why
            self.rejected = self.rejected or isinstance(e, (KeyRejected, BadKeyFormat))
            return None
        body = evidence_body(self.ctx.need_exchange(), source, value, raw)
        self.refs.append(self.ctx.save_evidence(name, body, source=source, description=what))
        return value


def snapshot(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Read what the leaked key can still show, before it is deleted, and save it as evidence."""
    ex = ctx.need_exchange()
    now = ctx.clock.now()
    leaked_at = parse_time(params.get("leaked_at")) or now - timedelta(days=1)
    reads = _Reads(ctx)
    r = reads.read(
        "api-restrictions",
        "GET /sapi/v1/account/apiRestrictions",
        "the key's permissions",
        ex.api_restrictions,
    )
    account = reads.read("account", "GET /api/v3/account", "balances and account flags", ex.account)
    orders = reads.read("open-orders", "GET /api/v3/openOrders", "open orders, all symbols", ex.open_orders)
    lists = reads.read(
        "open-order-lists", "GET /api/v3/openOrderList", "open order lists (OCO/OTO), all symbols",
        ex.open_order_lists,
    )  # fmt: skip
    since = now - timedelta(days=89)  # the history before the leak tells known addresses from new ones
    withdrawals = reads.read(
        "withdrawals",
        "GET /sapi/v1/capital/withdraw/history",
        "withdrawals, last 89 days",
        lambda: ex.withdraw_history(start=since, end=now),
    )
    deposits = reads.read(
        "deposits",
        "GET /sapi/v1/capital/deposit/hisrec",
        "deposits, last 89 days",
        lambda: ex.deposit_history(start=since, end=now),
    )
    transfers = reads.read(
        "transfers",
        "GET /sapi/v1/asset/transfer",
        "universal transfers since the day before the leak",
        lambda: paging.all_transfers(ex, max(leaked_at - timedelta(days=1), now - timedelta(days=180)), now),
        raw=False,
    )
    status = reads.read("account-status", "GET /sapi/v1/account/status", "account status", ex.account_status)
    return _snapshot_result(
        ctx,
        now,
        leaked_at,
        reads,
        r=r,
        account=account,
        orders=orders,
        withdrawals=withdrawals,
        deposits=deposits,
        status=status,
        transfers=transfers,
        ctx_prefixes=params.get("bot_prefixes"),
        lists=lists,
    )


def _snapshot_result(
    ctx: ActionContext,
    now: datetime,
    leaked_at: datetime,
    reads: _Reads,
    *,
    r: ApiRestrictions | None,
    account: Any,
    orders: list[Order] | None,
    withdrawals: Any,
    deposits: Any,
    status: str | None,
    transfers: list[Transfer] | None = None,
    ctx_prefixes: object = "",
    lists: list[OrderList] | None = None,
) -> ActionResult:
    lines: list[tuple[Level, str]] = []
    out: dict[str, Any] = {"key": ctx.need_exchange().masked_key, "leaked_at": plain(leaked_at)}
    _permissions(out, lines, r, now=now, leaked_at=leaked_at, reads=reads)
    if account is not None:
        held = account.nonzero_balances()
        out.update(uid=account.uid, assets=len(held), account_can_withdraw=account.can_withdraw)
        if r is None and account.can_withdraw is False:  # no key of this account can withdraw
            out["can_withdraw"] = False
        lines.append(("ok", f"balances      {_amounts(held)}"))
    _activity(
        out, lines, leaked_at, orders=orders, withdrawals=withdrawals, deposits=deposits, transfers=transfers
    )
    _whose_orders(out, lines, orders, leaked_at=leaked_at, prefixes=prefixes_of(ctx_prefixes), reads=reads)
    if orders is not None:
        _note_order_lists(out, lines, lists or [], orders)
    if status is not None:
        out["account_status"] = status
    for gap in reads.gaps:
        lines.append(("warn", f"could not read {gap}"))
    out["gaps"] = reads.gaps
    out["key_rejected"] = reads.rejected  # refused as a key: deleted, or called from off its whitelist
    out["key_worked"] = (
        True if reads.refs else False if reads.rejected else unknown("whether the key still worked")
    )
    lines.extend(("info", ref.short) for ref in reads.refs[:1])
    if len(reads.refs) > 1:
        lines.append(("info", f"… and {len(reads.refs) - 1} more evidence files"))
    theirs = out.get("attacker_open")
    findings = (
        (f"{theirs} open orders that are not yours were on the book at the snapshot",)
        if isinstance(theirs, int) and theirs
        else ()
    )
    status_: ActionStatus = "warn" if reads.gaps or out.get("open_orders") else "ok"
    return ActionResult(status_, out, lines=tuple(lines), evidence=tuple(reads.refs), findings=findings)


def _permissions(
    out: dict[str, Any],
    lines: list[tuple[Level, str]],
    r: ApiRestrictions | None,
    *,
    now: datetime,
    leaked_at: datetime,
    reads: _Reads,
) -> None:
    """The key's permissions as read, or each one unknown (with why) when the read failed."""
    if r is None:
        _unknown_permissions(out, lines, reads.why.get("api-restrictions", "the read failed"))
        return
    lines.append(("ok", f"permissions   {describe_permissions(r, now)}"))
    out.update(
        created=plain(r.create_time),
        ip_restrict=r.ip_restrict,
        can_withdraw=r.enable_withdrawals,
        can_trade=r.enable_spot_and_margin_trading,
        permissions=r.as_dict(),
    )
    if r.create_time > leaked_at:
        lines.append(("info", f"the key was created {show(r.create_time)}: it cannot have leaked before"))
        out["leaked_at"] = plain(r.create_time)


def _whose_orders(
    out: dict[str, Any],
    lines: list[tuple[Level, str]],
    orders: list[Order] | None,
    *,
    leaked_at: datetime,
    prefixes: tuple[str, ...],
    reads: _Reads,
) -> None:
    """Each open order with whose it is, right under the open-orders line; unknown when unreadable."""
    if orders is None:
        why = reads.why.get("open-orders", "the read failed")
        out["open_orders"] = unknown(f"whether there are open orders ({why})")
        out["open_symbols"] = unknown(f"which symbols have open orders ({why})")
        out["attacker_open"] = unknown(f"whether the attacker left open orders ({why})")
        out["attacker_orders"] = unknown(f"which open orders are the attacker's ({why})")
        return
    out.update(classify(orders, leaked_at, prefixes))
    at = next((n + 1 for n, (_, text) in enumerate(lines) if text.startswith("open orders")), len(lines))
    lines[at:at] = [("info", row) for row in order_lines(orders, leaked_at, prefixes)]


def _activity(
    out: dict[str, Any],
    lines: list[tuple[Level, str]],
    leaked_at: datetime,
    *,
    orders: list[Order] | None,
    withdrawals: Any,
    deposits: Any,
    transfers: list[Transfer] | None,
) -> None:
    """The snapshot's account activity: open orders, withdrawals, deposits, transfers since the leak."""
    if orders is not None:
        symbols = sorted({o.symbol for o in orders})
        recent = [o for o in orders if o.time >= leaked_at]
        out.update(open_orders=len(orders), open_symbols=symbols, open_after_leak=len(recent))
        if orders:
            oldest = min(o.time for o in orders)
            order_level: Level = "warn" if recent else "info"
            lines.append(
                (
                    order_level,
                    f"open orders   {len(orders)} on {', '.join(symbols)}, {len(recent)} placed after the "
                    f"leak; oldest placed {show(oldest)}",
                )
            )
        else:
            lines.append(("ok", "open orders   none"))
    if withdrawals is not None:
        after = [w for w in withdrawals if w.apply_time >= leaked_at]
        out["withdrawals_since_leak"] = len(after)
        lines.extend(_withdrawal_lines(after))
    if deposits is not None:
        out["deposits"] = len(deposits)
    if transfers is not None:
        moved = [t for t in transfers if t.time >= leaked_at]
        out["transfers_since_leak"] = len(moved)
        lines.append(("warn" if moved else "ok", f"transfers     {len(moved) or 'none'} since the leak"))


def _unknown_permissions(out: dict[str, Any], lines: list[tuple[Level, str]], why: str) -> None:
    """The key's permissions could not be read: every permission is unknown, and said so."""
    out.update(
        ip_restrict=unknown(f"whether the key has an IP whitelist ({why})"),
        can_withdraw=unknown(f"whether the key can withdraw ({why})"),
        can_trade=unknown(f"whether the key can trade ({why})"),
    )
    lines.append(("warn", "could not read whether the key can withdraw — treating it as yes"))


def _note_order_lists(
    out: dict[str, Any], lines: list[tuple[Level, str]], lists: list[OrderList], orders: list[Order]
) -> None:
    """An attacker's OCO/OTO cannot survive unseen: its symbols join the cancel (DELETE openOrders
    cancels list legs too) and its legs not yet on the book count as open orders."""
    if not lists:
        return
    symbols = sorted({ol.symbol for ol in lists} | {leg.symbol for ol in lists for leg in ol.orders})
    lines.append(("warn", f"order lists   {len(lists)} open (OCO/OTO) on {', '.join(symbols)}"))
    seen = {o.order_id for o in orders}
    pending = {leg.order_id for ol in lists for leg in ol.orders} - seen
    out.update(
        open_order_lists=len(lists),
        open_orders=out["open_orders"] + len(pending),
        open_symbols=sorted(set(out["open_symbols"]) | set(symbols)),
    )


def cancel_open_orders(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Cancel every open order on each symbol (DELETE /api/v3/openOrders), one mutation per symbol."""
    ex = ctx.need_exchange()
    symbols = [str(s) for s in params.get("symbols") or []]
    lines: list[tuple[Level, str]] = []
    results: dict[str, Any] = {}
    cancelled = 0
    for symbol in symbols:
        outcome = ctx.mutate(
            f"cancel every open order on {symbol}",
            request={"method": "DELETE", "path": "/api/v3/openOrders", "params": {"symbol": symbol}},
            call=lambda s=symbol: _cancel(ex, s),  # type: ignore[misc]
            reconcile=lambda s=symbol: {"open_after": len(ex.open_orders(s))},  # type: ignore[misc]
        )
        results[symbol] = {"status": outcome.status, "response": outcome.response}
        if outcome.status == "ok" and isinstance(outcome.response, dict):
            n = len(outcome.response.get("cancelled", []))
            cancelled += n
            lines.append(
                ("ok", f"cancelled {n} orders ({symbol})" if n else f"nothing left to cancel on {symbol}")
            )
        elif outcome.status == "reconciled":
            left = (outcome.response or {}).get("open_after")
            level: Level = "ok" if left == 0 else "warn"
            lines.append((level, f"{symbol}: outcome was unknown; read back {left} open orders"))
        elif outcome.status == "rejected":
            why = (outcome.response or {}).get("msg") or (outcome.response or {}).get("error")
            lines.append(
                (
                    "warn",
                    f"{symbol}: NOT cancelled: Binance refused the request, so it was not executed ({why})",
                )
            )
        elif outcome.status != "would-do":
            lines.append(("warn", f"{symbol}: {outcome.status} {outcome.response}"))
    remaining = _remaining(ctx, symbols)
    if remaining is not None:
        lines.append(("ok" if remaining == 0 else "warn", f"open orders now: {remaining}"))
    status: ActionStatus = "ok" if remaining in (0, None) or ctx.dry_run else "warn"
    return ActionResult(
        status,
        {"cancelled": cancelled, "symbols": symbols, "results": results, "remaining": remaining},
        lines=tuple(lines),
    )


def _cancel(ex: Any, symbol: str) -> dict[str, Any]:
    try:
        reports = ex.cancel_open_orders(symbol)
    except NothingToCancel:
        return {"cancelled": [], "note": "nothing to cancel (-2011 Unknown order sent.)"}
    return {
        "cancelled": [
            {
                "orderId": o.order_id,
                "clientOrderId": o.placement_client_order_id,
                "status": o.status,
                "price": str(o.price),
                "origQty": str(o.orig_qty),
                "side": o.side,
            }
            for o in reports
        ]
    }


def _remaining(ctx: ActionContext, symbols: list[str]) -> int | None:
    if ctx.dry_run or not symbols:
        return None
    try:
        return sum(len(ctx.need_exchange().open_orders(s)) for s in symbols)
    except ExchangeError:
        return None


def revocation_check(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Is the leaked key dead? passed = proven dead; pending = alive or indeterminate (with the reason)."""
    from responder.keycheck import check_key

    now = ctx.clock.now()
    ip_restricted = params.get("ip_restrict")
    if as_unknown(ip_restricted) is not None:  # the snapshot could not read it: a rejection proves nothing
        ip_restricted = None
    if params.get("key_worked") is False:  # refused as a key (-2015/-2014) before the deletion
        reason = (
            f"indeterminate at {now.strftime('%H:%M:%S UTC')}: the key was already rejected "
            "from this address before you deleted it, so a rejection now proves nothing — it is "
            "probably IP-restricted to another address. Check in API Management that the key is gone."
        )
        ctx.check("leak.revocation_check", "indeterminate", reason)
        return ActionResult(
            "pending", {"revocation": "indeterminate", "at": plain(now)}, lines=(("warn", reason),)
        )
    check = check_key(
        ctx.need_exchange(), now=now, ip_restricted=bool(ip_restricted) if ip_restricted is not None else None
    )
    at = now.strftime("%H:%M:%S UTC")
    if check.status == "revoked":
        why = (
            "the key had no IP whitelist"
            if ip_restricted is False
            else "the key was not known to be IP-restricted"
        )
        result, reason = "dead", f"dead at {at} — rejected with {check.code}; {why}, so this is conclusive"
        ctx.check("leak.revocation_check", result, reason)
        return ActionResult("passed", {"revocation": result, "at": plain(now)}, lines=(("ok", reason),))
    if check.status == "live":
        result, reason = "alive", f"KEY STILL ALIVE at {at}: a signed read with it succeeded"
        ctx.check("leak.revocation_check", result, reason)
        return ActionResult("pending", {"revocation": result, "at": plain(now)}, lines=(("danger", reason),))
    else:
        result, reason = "indeterminate", f"indeterminate at {at}: {check.reason}"
        if ip_restricted:
            reason += ". Check in API Management that the key is gone; responder cannot prove it from here."
    ctx.check("leak.revocation_check", result, reason)
    return ActionResult("pending", {"revocation": result, "at": plain(now)}, lines=(("warn", reason),))


def drill_act(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """In a drill, do in the simulator what the user just confirmed doing in Binance's web UI."""
    control: Any = ctx.control
    if not ctx.drill or control is None:
        return ActionResult("ok", {"acted": False})
    todo = [str(what) for what in params.get("do") or []]
    done = [str(control.act(what)) for what in todo]
    ctx.journal.append(
        "action-result", ctx.step_id, {"action": "drill.act", "summary": {"do": todo, "done": done}}
    )
    lines: tuple[tuple[Level, str], ...] = (
        (("info", f"DRILL · simulator: {', '.join(done)}"),) if done else ()
    )
    return ActionResult("ok", {"acted": done}, lines=lines)


def open_case(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """The case is open: name the key it is about (masked) and the clock it runs on."""
    key = ctx.exchange.masked_key if ctx.exchange is not None else "(no key given)"
    now = ctx.clock.now()
    lines: tuple[tuple[Level, str], ...] = (("info", f"key {key} · clock started {show(now)}"),)
    return ActionResult("ok", {"key": key, "opened": plain(now)}, lines=lines)


def register(registry: ActionRegistry) -> None:
    registry.register("leak.open_case", open_case, description="open the case: the key and the clock")
    registry.register(
        "leak.snapshot",
        snapshot,
        optional=("leaked_at", "bot_prefixes"),
        description="read permissions, balances, open orders, withdrawals before revoking",
    )
    registry.register(
        "leak.cancel_open_orders",
        cancel_open_orders,
        mutating=True,
        required=("symbols",),
        description="cancel every open order on the given symbols",
    )
    registry.register(
        "leak.revocation_check",
        revocation_check,
        verify=True,
        optional=("ip_restrict", "key_worked"),
        description="prove the leaked key is dead (or say why that cannot be proven)",
    )
    registry.register(
        "drill.act",
        drill_act,
        optional=("do",),
        description="in a drill, act out a confirmed manual step in the simulator",
    )
