"""The leak playbook's futures and margin steps: snapshot, cancel, the optional close, the record.

A leaked key with futures or margin enabled reaches further than spot (reference §10). Before the key
is deleted, `derivatives_snapshot` reads futures balances, positions (entry, leverage, uPnL,
liquidation price) and open orders, the margin account (debts) and its open orders, saves what
Binance sent as evidence, and runs the futures/margin investigation while the key can still read
futures (a read-only key cannot: fapi needs Enable Futures), saving its findings as evidence for
findings.json. The mutations — cancel every open futures order of a symbol
(`DELETE /fapi/v1/allOpenOrders`), cancel margin orders, and the optional reduce-only MARKET close of
positions opened after the leak (market risk, never by default) — each go through `ctx.mutate`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from responder.errors import ExchangeError
from responder.exchange.models_derivatives import FuturesPosition
from responder.exchange.protocol_derivatives import FuturesExchange, MarginExchange
from responder.jsonable import plain
from responder.leak.common import evidence_body, parse_time
from responder.playbook.actions import ActionContext, ActionResult, ActionStatus, JsonMap
from responder.playbook.protocols import Level

T = TypeVar("T")
DERIVATIVES_FINDINGS = "derivatives-findings"  # the evidence name investigate merges into findings.json


def clients(ctx: ActionContext) -> tuple[FuturesExchange | None, MarginExchange | None]:
    """The futures and margin clients of the leaked key's connection (None when it has none)."""
    from responder.exchange.futures import can_reach_futures, futures_for
    from responder.exchange.margin import MarginClient

    ex: Any = ctx.need_exchange()
    if not can_reach_futures(ex):
        return None, None
    return futures_for(ex), MarginClient(ex)


class _Reads:
    def __init__(self, ctx: ActionContext) -> None:
        self.ctx, self.gaps, self.refs = ctx, list[str](), list[Any]()

    def read(self, ex: Any, name: str, source: str, what: str, fn: Callable[[], T]) -> T | None:
        try:
            value = fn()
        except ExchangeError as e:
            self.gaps.append(f"{what}: {self.ctx.secrets.scrub(e.one_line())}")
            return None
        body = evidence_body(ex, source, value)
        self.refs.append(self.ctx.save_evidence(name, body, source=source, description=what))
        return value


def _allowed(params: JsonMap, flag: str) -> bool | None:
    perms = params.get("permissions")
    return bool(perms.get(flag)) if isinstance(perms, dict) and flag in perms else None


def position_line(p: FuturesPosition) -> str:
    side = "long" if p.position_amt > 0 else "short"
    lev = f"{p.leverage}×" if p.leverage else "leverage unknown"
    return (
        f"{p.symbol} {side} {abs(p.position_amt):f} @ {p.entry_price:f} ({lev}, "
        f"uPnL {p.unrealized_pnl:f} USDT, liquidation {p.liquidation_price:f})"
    )


def _after_leak(fx: FuturesExchange, p: FuturesPosition, leak: datetime, now: datetime) -> bool | None:
    """Was the position opened (or grown) after the leak? From its trades since then; None if unknown."""
    if now - leak > timedelta(days=7):
        return None  # one userTrades window is 7 days; older leaks are judged by the investigation
    try:
        trades = fx.user_trades(p.symbol, start=leak, end=now)
    except ExchangeError:
        return None
    moved = sum(((t.qty if t.side == "BUY" else -t.qty) for t in trades), p.position_amt * 0)
    at_leak = p.position_amt - moved
    return at_leak == 0 or (abs(p.position_amt) > abs(at_leak) and (at_leak > 0) == (p.position_amt > 0))


def derivatives_snapshot(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Read futures and margin before revoking; investigate them while the leaked key still can."""
    now = ctx.clock.now()
    leak = parse_time(params.get("leaked_at")) or now - timedelta(days=1)
    fx, mx = clients(ctx)
    out: dict[str, Any] = dict.fromkeys(("futures_open_orders", "margin_open_orders", "open_positions"), 0)
    out.update(positions_after_leak=0, futures_read=False, margin_read=False)
    lines: list[tuple[Level, str]] = []
    reads = _Reads(ctx)
    use_f = _allowed(params, "enableFutures")
    loans, trade = _allowed(params, "enableMargin"), _allowed(params, "enableSpotAndMarginTrading")
    use_m = None if loans is None or trade is None else loans or trade  # margin orders need only trading
    out.update(futures_allowed=use_f, margin_allowed=use_m)
    if fx is not None and use_f is not False:
        _futures(ctx, fx=fx, reads=reads, leak=leak, now=now, out=out, lines=lines)
    elif use_f is False:
        lines.append(("ok", "futures       the key could not use futures (Enable Futures was off)"))
    if mx is not None and use_m is not False:
        _margin(mx, reads, out, lines)
    elif use_m is False:
        lines.append(
            ("ok", "margin        the key could not use margin (margin and spot & margin trading off)")
        )
    if fx is None and mx is None:
        lines.append(("warn", "futures and margin could not be read over this connection: unknown"))
    refs = list(reads.refs)
    if out["futures_read"] or out["margin_read"]:
        refs.append(
            _investigate(
                ctx,
                fx=fx if out["futures_read"] else None,
                mx=mx if out["margin_read"] else None,
                leak=leak,
                now=now,
                params=params,
                out=out,
                lines=lines,
            )
        )
    lines.extend(("warn", f"could not read {g}") for g in reads.gaps)
    out["gaps"] = reads.gaps
    findings = _attention(out)
    status: ActionStatus = "warn" if findings or reads.gaps else "ok"
    return ActionResult(status, out, lines=tuple(lines), evidence=tuple(refs), findings=findings)


def _attention(out: dict[str, Any]) -> tuple[str, ...]:
    """What the person must attend to after the snapshot."""
    counts = (
        (out["futures_open_orders"], "open futures orders at the snapshot"),
        (out["positions_after_leak"], "futures positions opened after the leak"),
        (out["margin_open_orders"], "open margin orders at the snapshot"),
    )
    return tuple(f"{n} {text}" for n, text in counts if n)


def _futures(
    ctx: ActionContext,
    *,
    fx: FuturesExchange,
    reads: _Reads,
    leak: datetime,
    now: datetime,
    out: dict[str, Any],
    lines: list[tuple[Level, str]],
) -> None:
    account = reads.read(fx, "futures-account", "GET /fapi/v3/account", "futures balances", fx.account)
    positions = reads.read(
        fx, "futures-positions", "GET /fapi/v2/positionRisk", "futures positions", fx.positions
    )
    orders = reads.read(
        fx, "futures-open-orders", "GET /fapi/v1/openOrders", "open futures orders", fx.open_orders
    )
    out["futures_read"] = account is not None
    if account is not None:
        held = account.nonzero_assets()
        text = ", ".join(f"{a.wallet_balance:f} {a.asset}" for a in held) or "empty"
        lines.append(("ok", f"futures       wallet {text}"))
    if orders is not None:
        symbols = sorted({o.symbol for o in orders})
        out.update(futures_open_orders=len(orders), futures_open_symbols=symbols)
        level: Level = "warn" if orders else "ok"
        lines.append(
            (
                level,
                f"futures       {len(orders)} open orders" + (f" on {', '.join(symbols)}" if symbols else ""),
            )
        )
    if positions is not None:
        live = [p for p in positions if p.is_open]
        after = {p.symbol: _after_leak(fx, p, leak, now) for p in live}
        chosen = [p for p in live if after[p.symbol] is not False]  # unknown takes the safe branch: offered
        out.update(
            open_positions=len(live),
            positions=[{**plain(p), "opened_after_leak": after[p.symbol]} for p in live],
            positions_after_leak=len(chosen),
            positions_after_leak_symbols=[p.symbol for p in chosen],
            positions_after_leak_text="; ".join(position_line(p) for p in chosen),
        )
        for p in live:
            when = {
                True: "opened after the leak",
                False: "held since before the leak",
                None: "opened when: unknown",
            }
            lines.append(
                (
                    "warn" if after[p.symbol] is not False else "info",
                    f"position      {position_line(p)} — {when[after[p.symbol]]}",
                )
            )
        if not live:
            lines.append(("ok", "positions     none open"))


def _margin(mx: MarginExchange, reads: _Reads, out: dict[str, Any], lines: list[tuple[Level, str]]) -> None:
    account = reads.read(
        mx, "margin-account", "GET /sapi/v1/margin/account", "margin balances and debts", mx.account
    )
    orders = reads.read(
        mx, "margin-open-orders", "GET /sapi/v1/margin/openOrders", "open margin orders", mx.open_orders
    )
    out["margin_read"] = account is not None
    if account is not None:
        debts = account.debts()
        out["margin_debts"] = {a.asset: f"{a.debt:f}" for a in debts}
        text = ", ".join(f"{a.debt:f} {a.asset}" for a in debts) or "none"
        lines.append(("warn" if debts else "ok", f"margin        debts {text}"))
    if orders is not None:
        symbols = sorted({o.symbol for o in orders})
        out.update(margin_open_orders=len(orders), margin_open_symbols=symbols)
        lines.append(
            (
                "warn" if orders else "ok",
                f"margin        {len(orders)} open orders" + (f" on {', '.join(symbols)}" if symbols else ""),
            )
        )


def _investigate(
    ctx: ActionContext,
    *,
    fx: FuturesExchange | None,
    mx: MarginExchange | None,
    leak: datetime,
    now: datetime,
    params: JsonMap,
    out: dict[str, Any],
    lines: list[tuple[Level, str]],
) -> Any:
    from responder.forensics.derivatives_collect import collect
    from responder.forensics.derivatives_json import sections
    from responder.forensics.derivatives_judge import judge
    from responder.forensics.model import Window

    prefixes = [p.strip() for p in str(params.get("bot_prefixes") or "").split(",") if p.strip()]
    evidence = collect(Window(leak, now), now, futures=fx, margin=mx, bot_prefixes=prefixes)
    found = judge(evidence)
    data = sections(found)
    if out.get("futures_allowed") is False:
        data["futures"] = _unread(False, "futures", "Enable Futures was off", "")
    if out.get("margin_allowed") is False:
        data["margin"] = _unread(False, "margin", "margin and spot & margin trading off", "")
    attackers = len(found.attacker_futures_orders()) + len(found.attacker_margin_orders())
    out.update(
        derivatives_attacker_orders=attackers,
        derivatives_loss_usdt=data["derivatives_loss"]["estimated_loss"],
    )
    for t in data["futures"].get("transfers", []):
        lines.append(("warn", f"transfer      {t['description']}"))
    if attackers:
        lines.append(
            (
                "warn",
                f"futures/margin {attackers} orders judged the attacker's; "
                f"estimated loss {data['derivatives_loss']['estimated_loss']} USDT",
            )
        )
    data["evidence"] = {"futures": plain(evidence.futures), "margin": plain(evidence.margin)}
    ref = ctx.save_evidence(
        DERIVATIVES_FINDINGS,
        data,
        source="responder forensics (futures, margin)",
        description="futures and margin findings, with the rows they rest on",
    )
    out["findings_evidence"] = ref.path
    return ref


def merge_findings(ctx: ActionContext, data: dict[str, Any]) -> list[tuple[Level, str]]:
    """Add the futures and margin sections the snapshot step saved to findings.json's `data` (the
    investigation runs after the key is deleted; a read-only key cannot read futures); returns the
    lines to show."""
    snap = ctx.outputs.get("derivatives")
    if not snap:
        return []  # the step did not run (e.g. only an API key leaked): spot findings only
    name = str(snap.get("findings_evidence") or "")
    saved = ctx.evidence.read_json(name.rsplit("/", 1)[-1]) if name else None
    if isinstance(saved, dict):
        data.update({k: saved[k] for k in ("futures", "margin", "derivatives_loss") if k in saved})
        n = sum(
            1
            for part in ("futures", "margin")
            for o in saved[part].get("orders", [])
            if o["verdict"] == "attacker"
        )
        loss = (saved.get("derivatives_loss") or {}).get("estimated_loss")
        level: Level = "warn" if n else "ok"
        return [
            (
                level,
                f"futures/margin {n} orders judged the attacker's (read before the key was deleted)"
                + (f"; estimated loss {loss} USDT" if n and loss else ""),
            )
        ]
    why = "not read before the key was deleted; see the snapshot step's gaps"
    data["futures"] = _unread(snap.get("futures_allowed"), "futures", "Enable Futures was off", why)
    data["margin"] = _unread(
        snap.get("margin_allowed"), "margin", "margin and spot & margin trading off", why
    )
    data["futures"]["gaps"] = [g for g in snap.get("gaps", []) if "futures" in g]
    unknown = [k for k in ("futures", "margin") if data[k].get("allowed") is not False]
    return (
        [("warn", f"{' and '.join(unknown)}: unknown (not read before the key was deleted)")]
        if unknown
        else []
    )


def _unread(allowed: object, what: str, off: str, why: str) -> dict[str, Any]:
    if allowed is False:
        return {"read": False, "allowed": False, "why": f"The leaked key could not use {what} ({off})"}
    return {"read": False, "why": why}
