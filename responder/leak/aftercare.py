"""The leak playbook's aftercare actions: a fresh read-only key for the investigation, the
withdrawal and address-book audit, the forensics sweep, recovery advice and the report.

The investigation runs on a new read-only, IP-restricted key when the user made one (the leaked
key should be dead by now); in a drill the simulator issues it. Without one, the leaked key is used
if it still works, and the report says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from responder.clock import show, to_ms
from responder.errors import ExchangeError
from responder.exchange.models import ApiRestrictions, Transfer, WithdrawAddress, Withdrawal
from responder.exchange.protocol import Exchange
from responder.jsonable import plain
from responder.leak.common import evidence_body, parse_time
from responder.leak.cursors import SweepCursors
from responder.leak.derivatives import merge_findings
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, JsonMap
from responder.playbook.protocols import Level
from responder.secrets import mask_key


def _investigation(ctx: ActionContext) -> Exchange | None:
    return ctx.exchanges.get("investigation") or ctx.exchange


def connect_investigation(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Use the fresh read-only key: from the simulator in a drill, else from the answers given."""
    control: Any = ctx.control
    if ctx.drill and control is not None:
        api_key, secret = control.create_read_only_key()
    else:
        held = ctx.vault.get(str(params.get("api_key_ref") or ""))  # the key, kept whole only in memory
        api_key = held.reveal() if held is not None else ""
        secret = ctx.vault.get(str(params.get("secret_ref") or ""))
        if not api_key or secret is None:
            return ActionResult(
                "warn",
                {"connected": False},
                lines=(
                    (
                        "warn",
                        "no read-only key given: the investigation uses the leaked key if it still "
                        "works; create a read-only key to investigate after deletion",
                    ),
                ),
            )
    if ctx.exchange is not None and mask_key(api_key) == ctx.exchange.masked_key:
        text = (
            f"that is the leaked key ({ctx.exchange.masked_key}), not a new read-only one: it is refused. "
            "Create a new key (API Management → Create API → Enable Reading only, your IP); "
            "the investigation goes on with what can still be read"
        )
        return ActionResult("warn", {"connected": False, "refused": "leaked key"}, lines=(("warn", text),))
    if ctx.connect is None:
        return ActionResult("warn", {"connected": False}, lines=(("warn", "cannot connect here"),))
    exchange = ctx.connect(api_key, secret)
    try:
        r = exchange.api_restrictions()
    except ExchangeError as e:
        return ActionResult(
            "warn",
            {"connected": False},
            lines=(("warn", f"the new key does not work: {ctx.secrets.scrub(e.one_line())}"),),
        )
    ctx.exchanges["investigation"] = exchange
    risky = r.enable_withdrawals or r.enable_spot_and_margin_trading or not r.ip_restrict
    lines: list[tuple[Level, str]] = [("ok", f"investigation key {exchange.masked_key} works")]
    if risky:
        lines.append(("warn", "it is not read-only and IP-restricted: make it so before going on"))
    outputs = {"connected": True, "key": exchange.masked_key, "read_only": not risky, "in_memory": True}
    return ActionResult("ok", outputs, lines=tuple(lines))


def audit_withdrawals(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """The address book (whitelist status) and withdrawals/transfers since the leak."""
    ex = _investigation(ctx)
    if ex is None:
        return ActionResult("warn", {"audited": False}, lines=(("warn", "no key to read with"),))
    now = ctx.clock.now()
    since = parse_time(params.get("since")) or now - timedelta(days=1)
    lines: list[tuple[Level, str]] = []
    out: dict[str, Any] = {"audited": True}
    try:
        book = ex.withdraw_addresses()
        ref = ctx.save_evidence(
            "address-book",
            evidence_body(ex, "GET /sapi/v1/capital/withdraw/address/list", book),
            source="GET /sapi/v1/capital/withdraw/address/list",
            description="the withdrawal address book",
        )
        listed = sum(1 for a in book if not a.white_status)
        out.update(addresses=len(book), not_whitelisted=listed)
        lines.append(
            ("warn" if listed else "ok", f"address book  {len(book)} addresses, {listed} not whitelisted")
        )
        lines.append(("info", ref.short))
        w = ex.withdraw_history(start=max(since, now - timedelta(days=89)), end=now)
        ctx.save_evidence(
            "withdrawals-since-leak",
            evidence_body(ex, "GET /sapi/v1/capital/withdraw/history", w),
            source="GET /sapi/v1/capital/withdraw/history",
            description="withdrawals since the leak",
        )
        out["withdrawals_since_leak"] = len(w)
        for item in w:
            lines.append(
                (
                    "warn",
                    f"withdrawal    {item.amount} {item.coin} to {item.address} "
                    f"({item.network}) at {show(item.apply_time)}",
                )
            )
        if not w:
            lines.append(("ok", "withdrawals   none since the leak"))
    except ExchangeError as e:
        out["error"] = ctx.secrets.scrub(e.one_line())
        lines.append(("warn", f"could not read: {out['error']}"))
    return ActionResult("warn" if out.get("withdrawals_since_leak") else "ok", out, lines=tuple(lines))


def investigate(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """The forensics sweep since the leak; findings.json in the incident directory, rows as evidence."""
    from responder.forensics.sweep import Options
    from responder.forensics.sweep import investigate as sweep
    from responder.incident.findings import to_json, write_findings

    ex = _investigation(ctx)
    now = ctx.clock.now()
    since = parse_time(params.get("since")) or now - timedelta(days=1)
    dead = "no key to read with" if ex is None else _cannot_read(ctx, ex)
    if ex is None or dead:
        return _from_snapshot(ctx, since, now, dead, params)
    prefixes = [p.strip() for p in str(params.get("bot_prefixes") or "").split(",") if p.strip()]
    options = Options(bot_prefixes=prefixes, restrictions=_restrictions(params))
    _say_waits(ctx, ex)
    cursors = SweepCursors(ctx, now)  # an interrupted sweep resumes without redoing finished calls
    try:
        findings = sweep(
            ex, since=since, until=cursors.until, clock=ctx.clock, options=options, progress=_progress(ctx),
            checkpoint=cursors.checkpoint, done=cursors.done(),
        )  # fmt: skip
    except ExchangeError as exc:
        err = ctx.secrets.scrub(exc.one_line())
        return _from_snapshot(ctx, since, now, f"the sweep could not run: {err}", params)
    data = to_json(findings)
    extra = merge_findings(ctx, data)  # futures and margin, read while the leaked key could (issue 15)
    write_findings(ctx.incident_dir, data, secrets=ctx.secrets, journal=ctx.journal)
    refs = [ctx.save_evidence("findings", data, source="responder forensics", description="findings.json")]
    if findings.evidence is not None:
        ev = findings.evidence
        for name, rows in (
            ("orders", ev.orders),
            ("trades", ev.trades),
            ("withdrawals", ev.withdrawals),
            ("deposits", ev.deposits),
            ("transfers", ev.transfers),
            ("addresses", ev.addresses),
        ):
            refs.append(
                ctx.save_evidence(
                    f"investigate-{name}",
                    plain(list(rows)),
                    source="responder forensics",
                    description=f"{name} in the window",
                )
            )
    lines = [*_finding_lines(data), *extra]
    lines.append(("info", refs[0].short))
    attackers = sum(1 for o in data["orders"] if o["verdict"] == "attacker")
    out = {
        "investigated": True,
        "attacker_orders": attackers,
        "suspicious_orders": sum(1 for o in data["orders"] if o["verdict"] == "suspicious"),
        "withdrawals_flagged": data["summary"]["withdrawals_flagged"],
        "estimated_loss_usdt": data["summary"]["loss"]["estimated_loss"],
    }
    found = (f"{attackers} orders judged the attacker's",) if attackers else ()
    return ActionResult(
        "warn" if attackers else "ok", out, lines=tuple(lines), evidence=tuple(refs), findings=found
    )


def _cannot_read(ctx: ActionContext, ex: Exchange) -> str:
    """Why only the leaked key is left and it cannot read any more ("" when it still can, or when the
    read-only investigation key is connected)."""
    if "investigation" in ctx.exchanges:
        return ""
    try:
        ex.api_restrictions()
    except ExchangeError as e:
        return (
            f"no read-only key, and the leaked key cannot read any more ({ctx.secrets.scrub(e.one_line())})"
        )
    return ""


def _from_snapshot(
    ctx: ActionContext, since: datetime, now: datetime, why: str, params: JsonMap
) -> ActionResult:
    """No key can read any more (e.g. the account is disabled): judge the withdrawals the snapshot
    captured before revoking (forensics.snapshot), and say plainly that orders could not be swept."""
    from responder.forensics.snapshot import judge_snapshot
    from responder.incident.findings import to_json, write_findings

    withdrawals, transfers = _snapshot_rows(ctx, now)
    book = tuple(
        WithdrawAddress.from_json(r) for r in _evidence_rows(ctx, "address-book.json") if "address" in r
    )
    gaps: list[str] = []
    tickers: dict[str, Decimal] = {}
    if ctx.exchange is not None:  # public prices need no key, so they work after revoking too
        try:
            tickers = ctx.exchange.ticker_prices()
        except ExchangeError as e:
            gaps.append(f"ticker prices: {ctx.secrets.scrub(e.one_line())}")
    findings = judge_snapshot(
        since=since, now=now, why=why, withdrawals=withdrawals, transfers=transfers, addresses=book,
        restrictions=_restrictions(params), tickers=tickers, gaps=gaps,
    )  # fmt: skip
    heuristics = "withdrawals judged from the snapshot taken before revoking"
    data = to_json(findings, heuristics=heuristics, swept=False)
    extra = merge_findings(ctx, data)  # futures and margin, read while the leaked key could (issue 15)
    write_findings(ctx.incident_dir, data, secrets=ctx.secrets, journal=ctx.journal)
    ref = ctx.save_evidence(
        "findings",
        data,
        source="responder forensics (snapshot only)",
        description="findings.json from the snapshot",
    )
    lines = [("warn", f"{why}; judged the snapshot's withdrawals instead"), *_finding_lines(data), *extra]
    lines.append(("info", ref.short))
    flagged = data["summary"]["withdrawals_flagged"]
    return ActionResult(
        "warn",
        {"investigated": False, "withdrawals_flagged": flagged},
        lines=tuple(lines),
        evidence=(ref,),
        findings=(f"{flagged} withdrawals flagged",) if flagged else (),
    )


def _snapshot_rows(ctx: ActionContext, now: datetime) -> tuple[tuple[Withdrawal, ...], tuple[Transfer, ...]]:
    """The withdrawals and transfers the snapshot saved as evidence, parsed back."""
    rows = _evidence_rows(ctx, "withdrawals.json")
    withdrawals = tuple(
        Withdrawal.from_json(_binance_withdrawal(r) if "apply_time" in r else r) for r in rows
    )
    transfers = tuple(
        Transfer(
            r["asset"],
            Decimal(r["amount"]),
            r["type"],
            r["status"],
            int(r["tran_id"]),
            parse_time(r["time"]) or now,
        )
        for r in _evidence_rows(ctx, "transfers.json")
    )
    return withdrawals, transfers


def _evidence_rows(ctx: ActionContext, name: str) -> list[dict[str, Any]]:
    rows = ctx.evidence.read_json(name)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _binance_withdrawal(r: dict[str, Any]) -> dict[str, Any]:
    """A snapshot row (our plain form of `Withdrawal`) back in Binance's field names."""

    def t(v: Any) -> str | None:
        return parse_time(v).strftime("%Y-%m-%d %H:%M:%S") if parse_time(v) else None  # type: ignore[union-attr]

    return {
        "id": r["id"],
        "amount": r["amount"],
        "transactionFee": r["fee"],
        "coin": r["coin"],
        "status": r["status"],
        "address": r["address"],
        "addressTag": r["address_tag"],
        "txId": r["tx_id"],
        "network": r["network"],
        "applyTime": t(r["apply_time"]),
        "completeTime": t(r.get("complete_time")),
        "transferType": r["transfer_type"],
        "withdrawOrderId": r.get("withdraw_order_id"),
    }


def _say_waits(ctx: ActionContext, ex: Exchange) -> None:
    """Rate-limit waits show on the progress line: what responder waits for, and until when."""
    budget = getattr(ex, "budget", None)
    if budget is None or not hasattr(budget, "on_wait"):
        return

    def waiting(seconds: float, until: datetime) -> None:
        ctx.display.progress(
            f"waiting for Binance's next weight minute (rate limit) — until "
            f"{until.strftime('%H:%M:%S')} UTC, {seconds:.0f} s"
        )

    budget.on_wait = waiting


def _progress(ctx: ActionContext) -> Any:
    from responder.forensics.executor import Progress

    def show(p: Progress) -> None:
        ctx.display.progress(
            f"sweeping {p.symbols_done}/{p.symbols_total} symbols · weight {p.weight}/{p.weight_planned} · "
            f"about {p.eta_seconds:.0f} s left"
        )

    return show


def _restrictions(params: JsonMap) -> ApiRestrictions | None:
    """The leaked key's permissions as the snapshot read them (for the permission-exposure rule)."""
    flags, created = params.get("permissions"), parse_time(params.get("created"))
    if not isinstance(flags, dict) or created is None:
        return None
    try:
        return ApiRestrictions.from_json({**flags, "createTime": to_ms(created)})
    except (KeyError, ValueError):
        return None


def _finding_lines(data: dict[str, Any]) -> list[tuple[Level, str]]:
    flagged = [o for o in data["orders"] if o["verdict"] in ("attacker", "suspicious")]
    lines: list[tuple[Level, str]] = []
    if data["summary"].get("orders_swept") is False:
        lines.append(("warn", "orders        not swept — unknown (see findings.json gaps)"))
        flagged = []
    unknown = sum(1 for o in data["orders"] if o["verdict"] == "unknown")
    if unknown:
        lines.append(("warn", f"orders        {unknown} unknown — not enough history before the leak"))
    if not flagged and data["summary"].get("orders_swept") is False:
        pass
    elif not flagged:
        lines.append(("ok", f"orders        {len(data['orders'])} checked, none abnormal"))
    else:
        lines.append(("warn", f"orders        {len(flagged)} abnormal of {len(data['orders'])}"))
        lines.append(
            ("info", f"  {'time (UTC)':<17}{'symbol':<10}{'side':<5}{'paid/got':>18}  verdict    why")
        )
        for o in flagged[:10]:
            lines.append(("info", _order_row(o)))
        if len(flagged) > 10:
            lines.append(("info", f"  … {len(flagged) - 10} more in findings.json"))
    for kind in ("withdrawals", "transfers"):
        bad = [w for w in data[kind] if w["verdict"] != "normal"]
        if bad:
            lines.append(("warn", f"{kind:<13} {len(bad)} flagged"))
    loss = data["summary"]["loss"]
    lines.append(("info", _loss_line(loss)))
    return lines


_QUOTES = ("USDT", "FDUSD", "USDC", "TUSD", "BUSD", "DAI", "BTC", "ETH", "BNB", "TRY", "EUR", "BRL", "JPY")


def quote_asset(symbol: str) -> str:
    """The quote asset of a symbol by its suffix (BTCUSDT → USDT); empty when it cannot be told."""
    return next((q for q in _QUOTES if symbol.endswith(q) and len(symbol) > len(q)), "")


def _order_row(o: dict[str, Any]) -> str:
    """One flagged order: when, what, the quote amount with its unit, the verdict and why."""
    from responder.report.text import clean

    symbol = clean(str(o["symbol"]))
    amount = o.get("quoteQty") or o.get("cummulativeQuoteQty") or ""
    try:
        shown = f"{Decimal(str(amount)).normalize():,f} {quote_asset(symbol) or '(quote)'}"
    except ArithmeticError:
        shown = "?"
    reason = clean(str(o.get("reason") or ", ".join(o.get("rules") or [])))
    reason = reason if len(reason) <= 48 else reason[:47] + "…"
    when = str(o["time"])[:16].replace("T", " ")
    return f"  {when:<17}{symbol:<10}{clean(str(o['side'])):<5}{shown:>18}  {o['verdict']:<10} {reason}"


def _loss_line(loss: dict[str, Any]) -> str:
    """The estimate and its parts; how it is computed is in findings.json and the report."""
    if str(loss.get("method", "")).startswith("withdrawals since the leak that the snapshot"):
        at_least = loss["estimated_loss"]
        return f"estimated loss at least {at_least} USDT (withdrawn since the leak; orders not swept)"
    if str(loss.get("method", "")).startswith("not estimated"):
        return f"loss          {loss['method']}"
    parts = [f"paid {loss['usdt_paid']}", f"worth {loss['value_now']} now"]
    if str(loss.get("withdrawn_value", "0")) not in ("0", "0.00", ""):
        parts.append(f"withdrawn {loss['withdrawn_value']}")
    return f"estimated loss {loss['estimated_loss']} USDT ({', '.join(parts)}; method in findings.json)"


def recommend_profile(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """The new key's profile from the seed's table, with its rotation date."""
    from responder.keycheck import recommend_profile as pick

    p = pick(str(params.get("user_type") or "dashboard"))
    due = p.rotate_by(ctx.clock.now())
    trade = "Trade on" if p.trade else "Trade off"
    lines: list[tuple[Level, str]] = [
        (
            "info",
            f"new key profile: {p.name} — Read on · {trade} · Withdraw {p.withdraw} · "
            f"IP whitelist {p.whitelist}",
        ),
        (
            "info",
            f"rotate {p.rotation}: " + (f"next by {show(due)}" if p.rotate_days else "delete after use"),
        ),
        ("info", "create it only after the old key is deleted; store the secret in a password manager"),
    ]
    return ActionResult(
        "ok", {"profile": p.name, "rotate_by": plain(due) if p.rotate_days else None}, lines=tuple(lines)
    )


def render_report(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Render the incident report (md, txt, html) from the journal and evidence."""
    from responder.report.service import report_incident

    written = report_incident(
        ctx.incident_dir,
        ("md", "txt", "html"),
        now=ctx.clock.now(),
        zone=None,
        secrets=ctx.secrets,
        journal=ctx.journal,
    )
    lines: list[tuple[Level, str]] = [("ok", f"report        {', '.join(p.name for p in written)}")]
    lines.append(("info", f"in {ctx.incident_dir}"))
    return ActionResult("ok", {"reports": [p.name for p in written]}, lines=tuple(lines))


def register(registry: ActionRegistry) -> None:
    registry.register(
        "leak.connect_investigation",
        connect_investigation,
        optional=("api_key_ref", "secret_ref"),
        description="connect the fresh read-only key for the investigation",
    )
    registry.register(
        "leak.audit_withdrawals",
        audit_withdrawals,
        optional=("since",),
        description="address book and withdrawals since the leak",
    )
    registry.register(
        "leak.investigate",
        investigate,
        optional=("since", "bot_prefixes", "permissions", "created"),
        description="forensics sweep and detection rules since the leak",
    )
    registry.register(
        "leak.recommend_profile",
        recommend_profile,
        optional=("user_type",),
        description="the new key's recommended profile and rotation date",
    )
    registry.register("leak.report", render_report, description="render the incident report")
