"""Judge the futures and margin evidence: verdicts, positions opened after the leak, the loss.

Pure: evidence in, `DerivativesFindings` out. The futures loss is what Binance's own income history
says the attacker's symbols cost since the leak (realised PnL, commission, funding, insurance clear)
plus the unrealised PnL now of positions opened after the leak; the margin loss is, for each attacker
margin buy, what was paid minus what it is worth now, plus the interest on loans taken after the leak.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from responder.exchange.models import Order
from responder.exchange.models_derivatives import FuturesOrder, FuturesPosition, FuturesTrade
from responder.forensics.derivatives_model import (
    DerivativesEvidence,
    DerivativesFindings,
    DerivativesLoss,
    FuturesEvidence,
    Judged,
    MarginEvidence,
    PositionView,
)
from responder.forensics.derivatives_rules import (
    FUTURES_RULES,
    MARGIN_RULES,
    DerivContext,
    channel_baseline,
    combine,
    is_liquidation,
    liquidation_verdict,
    loan_verdict,
    roles_of,
    run_rules,
)
from responder.forensics.model import VerdictName, Window

ZERO = Decimal(0)
LOSS_TYPES = ("REALIZED_PNL", "COMMISSION", "FUNDING_FEE", "INSURANCE_CLEAR")


def context(ev: DerivativesEvidence) -> DerivContext:
    w = ev.window
    f = ev.futures or FuturesEvidence()
    m = ev.margin or MarginEvidence()
    before = [
        o for rows in f.orders.values() for o in rows if w.in_baseline(o.time) and not is_liquidation(o)
    ]
    m_before = [o for rows in m.orders.values() for o in rows if w.in_baseline(o.time)]
    traded = {o.symbol for o in before}
    usual = max((f.leverage[s] for s in traded if s in f.leverage), default=None)
    return DerivContext(
        window=w,
        futures_baseline=channel_baseline([o.client_order_id for o in before], traded, ev.bot_prefixes),
        margin_baseline=channel_baseline(
            [o.placement_client_order_id for o in m_before], {o.symbol for o in m_before}, ev.bot_prefixes
        ),
        leverage=f.leverage,
        usual_leverage=usual,
        loans=m.loans,
    )


def judge(ev: DerivativesEvidence, *, prices_now: Mapping[str, Decimal] | None = None) -> DerivativesFindings:
    ctx = context(ev)
    w = ev.window
    f = ev.futures or FuturesEvidence()
    m = ev.margin or MarginEvidence()
    f_orders = _judge_futures(f, ctx)
    attacker_ids = {(j.subject.symbol, j.subject.order_id) for j in f_orders if j.verdict == "attacker"}
    trades = tuple(
        Judged(t, "attacker" if (t.symbol, t.order_id) in attacker_ids else _trade_verdict(t, f_orders), ())
        for rows in f.trades.values()
        for t in rows
        if w.in_incident(t.time)
    )
    m_orders = _judge_margin(m, ctx)
    attacker_buys = [j.subject for j in m_orders if j.verdict == "attacker" and j.subject.side == "BUY"]
    loans = tuple(Judged(loan, *loan_verdict(loan, attacker_buys, ctx)) for loan in m.loans)
    since: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in f.income:
        if w.in_incident(row.time):
            since[row.income_type] += row.income
    positions = tuple(_position_view(p, f, w) for p in f.positions if p.is_open)
    return DerivativesFindings(
        window=w,
        futures_orders=f_orders,
        futures_trades=trades,
        transfers=tuple(r for r in f.income if r.income_type == "TRANSFER" and w.in_incident(r.time)),
        liquidations=tuple(o for o in f.force_orders if w.in_incident(o.time)),
        positions=positions,
        income_since_leak=dict(since),
        margin_orders=m_orders,
        margin_loans=loans,
        margin_liquidations=tuple(x for x in m.liquidations if w.in_incident(x.time)),
        margin_debts={a.asset: a.debt for a in m.account.debts()} if m.account else {},
        loss=loss(f, m, f_orders, m_orders, positions, w, prices_now or f.mark_prices),
        gaps=ev.gaps,
        futures_read=ev.futures is not None and ev.futures.account is not None,  # else unknown, not empty
        margin_read=ev.margin is not None and ev.margin.account is not None,
    )


def _trade_verdict(t: FuturesTrade, orders: tuple[Judged[FuturesOrder], ...]) -> VerdictName:
    for j in orders:
        if (j.subject.symbol, j.subject.order_id) == (t.symbol, t.order_id):
            return j.verdict
    return "suspicious"  # a trade whose order we did not read: unknown, never "normal"


def _judge_futures(f: FuturesEvidence, ctx: DerivContext) -> tuple[Judged[FuturesOrder], ...]:
    roles = roles_of(FUTURES_RULES)
    seen: dict[tuple[str, int], FuturesOrder] = {}
    for rows in f.orders.values():
        for o in rows:
            seen[(o.symbol, o.order_id)] = o
    for o in (*f.open_orders, *f.force_orders):
        seen.setdefault((o.symbol, o.order_id), o)
    ordered = sorted(seen.values(), key=lambda o: o.time)
    out: list[Judged[FuturesOrder]] = []
    attackers: list[FuturesOrder] = []
    for o in ordered:
        if is_liquidation(o):
            verdict, found = liquidation_verdict(o, attackers, ctx.window)
        else:
            found = run_rules(FUTURES_RULES, o, ctx)
            verdict = combine(found, roles)
        if verdict == "attacker":
            attackers.append(o)
        out.append(Judged(o, verdict, found))
    return tuple(out)


def _judge_margin(m: MarginEvidence, ctx: DerivContext) -> tuple[Judged[Order], ...]:
    roles = roles_of(MARGIN_RULES)
    seen: dict[tuple[str, int], Order] = {}
    for rows in m.orders.values():
        for o in rows:
            seen[(o.symbol, o.order_id)] = o
    for o in m.open_orders:
        seen.setdefault((o.symbol, o.order_id), o)
    out = []
    for o in sorted(seen.values(), key=lambda o: o.time):
        found = run_rules(MARGIN_RULES, o, ctx)
        out.append(Judged(o, combine(found, roles), found))
    return tuple(out)


def _position_view(p: FuturesPosition, f: FuturesEvidence, w: Window) -> PositionView:
    if p.symbol not in f.trades:
        return PositionView(p, None, None)
    moved = sum(
        ((t.qty if t.side == "BUY" else -t.qty) for t in f.trades[p.symbol] if t.time >= w.leak), ZERO
    )
    at_leak = p.position_amt - moved
    if at_leak == 0:
        return PositionView(p, True, at_leak)
    grew = abs(p.position_amt) > abs(at_leak) and (at_leak > 0) == (p.position_amt > 0)
    return PositionView(p, grew, at_leak)


def loss(  # noqa: PLR0917 -- one call site; each argument is a separate part of the estimate
    f: FuturesEvidence,
    m: MarginEvidence,
    f_orders: tuple[Judged[FuturesOrder], ...],
    m_orders: tuple[Judged[Order], ...],
    positions: tuple[PositionView, ...],
    w: Window,
    prices_now: Mapping[str, Decimal],
) -> DerivativesLoss:
    symbols = {j.subject.symbol for j in f_orders if j.verdict == "attacker"}
    realized = sum(
        (
            r.income
            for r in f.income
            if r.symbol in symbols and r.income_type in LOSS_TYPES and w.in_incident(r.time)
        ),
        ZERO,
    )
    unrealized = sum((v.position.unrealized_pnl for v in positions if v.opened_after_leak), ZERO)
    margin, unvalued = ZERO, []
    for j in m_orders:
        o = j.subject
        if j.verdict != "attacker" or o.side != "BUY" or o.executed_qty == 0:
            continue
        price = prices_now.get(o.symbol)
        if price is None:
            unvalued.append(o.symbol)
            continue
        margin += o.cummulative_quote_qty - o.executed_qty * price
    interest = sum((a.interest for a in (m.account.user_assets if m.account else ()) if a.borrowed), ZERO)
    margin += interest
    method = (
        "futures: Binance's income history (REALIZED_PNL, COMMISSION, FUNDING_FEE, INSURANCE_CLEAR) on the "
        f"symbols of the attacker's orders ({', '.join(sorted(symbols)) or 'none'}) since the leak, plus "
        "the unrealised PnL at mark price of positions opened after the leak; margin: what the attacker's "
        "margin buys cost minus their value at today's price, plus interest owed now on margin loans"
        + (f"; not valued (no price): {', '.join(sorted(set(unvalued)))}" if unvalued else "")
    )
    return DerivativesLoss(realized, unrealized, margin, method)
