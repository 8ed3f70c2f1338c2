"""Detection rules for USDⓈ-M futures and cross margin: pure functions of one shape, and the verdicts.

Each rule is `(subject, DerivContext) -> reason | None` with a stable id, a severity and a role
(`window`, `origin`, `anomaly`), and a docstring naming its false positives. Verdict: an order placed
after the leak from a channel the account did not use before (clientOrderId heuristic, reference §5)
with at least one anomaly is the attacker's; unknown origin alone is suspicious; a known channel
(the user's own futures bot) stays normal unless two anomalies stack up. A liquidation after the leak
on a symbol where the attacker opened a position is the attacker's doing. Empty rule sets are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, Literal, TypeVar

from responder.exchange.models import Order
from responder.exchange.models_derivatives import FuturesOrder, LoanRecord
from responder.forensics.baseline import Baseline
from responder.forensics.channel import classify, describe, shape_of
from responder.forensics.model import Finding, Severity, VerdictName, Window
from responder.forensics.rules import require_rules

S = TypeVar("S")
Role = Literal["window", "origin", "anomaly"]
LIQUIDATION_PREFIXES = ("autoclose-", "adl_autoclose")


@dataclass(frozen=True)
class DerivThresholds:
    high_leverage: int = 20  # at or above this, and above what the account used before
    loan_to_buy: timedelta = timedelta(minutes=30)  # a margin buy this soon after a loan


@dataclass(frozen=True)
class DerivContext:
    window: Window
    futures_baseline: Baseline  # channels and symbols of futures orders before the leak
    margin_baseline: Baseline
    leverage: Mapping[str, int] = field(default_factory=dict)  # setting now, per symbol
    usual_leverage: int | None = None  # highest setting on symbols traded before the leak
    loans: tuple[LoanRecord, ...] = ()
    thresholds: DerivThresholds = field(default_factory=DerivThresholds)


def channel_baseline(ids: Iterable[str], symbols: Iterable[str], bot_prefixes: Sequence[str]) -> Baseline:
    """The channels (clientOrderId heuristic) and symbols of orders placed before the leak."""
    channels: set[str] = {f"custom:{p}" for p in bot_prefixes}
    shapes = set()
    n = 0
    for cid in ids:
        n += 1
        declared = next((p for p in bot_prefixes if cid.startswith(p)), None)
        if declared is not None:
            shapes.add(shape_of(cid, declared))
            continue
        ch = classify(cid)
        if ch.well_formed:
            channels.add(ch.key)
            if ch.name == "custom":
                shapes.add(shape_of(cid))
    return Baseline(
        channels=frozenset(channels),
        shapes=frozenset(shapes),
        declared_prefixes=tuple(bot_prefixes),
        symbols=frozenset(symbols),
        assets=frozenset(),
        notionals=(),
        max_burst=0,
        hours=frozenset(),
        orders=n,
    )


@dataclass(frozen=True)
class DRule(Generic[S]):
    id: str
    severity: Severity
    role: Role
    check: Callable[[S, DerivContext], str | None]
    subject: Callable[[S], str]

    def __call__(self, item: S, ctx: DerivContext) -> Finding | None:
        reason = self.check(item, ctx)
        return None if reason is None else Finding(self.id, self.severity, self.subject(item), reason)


def _ago(leak: datetime, when: datetime) -> str:
    h, m = divmod(int((when - leak).total_seconds()) // 60, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m"


def is_liquidation(o: FuturesOrder) -> bool:
    return o.client_order_id.startswith(LIQUIDATION_PREFIXES)


# --- futures order rules -------------------------------------------------------------------------------
def f_after_leak(o: FuturesOrder, ctx: DerivContext) -> str | None:
    """Placed inside the incident window. Context only: the user's own futures bot keeps trading."""
    if not ctx.window.in_incident(o.time):
        return None
    return f"futures order placed {_ago(ctx.window.leak, o.time)} after the leak"


def f_unknown_origin(o: FuturesOrder, ctx: DerivContext) -> str | None:
    """clientOrderId from a channel no futures order used before the leak (nor a declared bot prefix).
    Heuristic: ids can be forged, and a user may start a new script after the leak. Liquidations are
    Binance's own orders and are judged by `futures-liquidation` instead."""
    cid = o.client_order_id
    if not ctx.window.in_incident(o.time) or is_liquidation(o) or ctx.futures_baseline.knows_channel(cid):
        return None
    known = ", ".join(sorted(ctx.futures_baseline.channels)) or "none"
    looks = describe(classify(cid))
    return f"clientOrderId {cid!r} looks like {looks} (heuristic); futures channels before: {known}"


def f_new_symbol(o: FuturesOrder, ctx: DerivContext) -> str | None:
    """A perpetual the account did not trade in the baseline period. Wrong when the user tried a new
    contract after the leak, or the baseline period was too short."""
    if not ctx.window.in_incident(o.time) or o.symbol in ctx.futures_baseline.symbols:
        return None
    return f"{o.symbol} futures were not traded in the {ctx.window.baseline_days} days before the leak"


def f_high_leverage(o: FuturesOrder, ctx: DerivContext) -> str | None:
    """The symbol's leverage is at or above the threshold (20×) and above the highest the account used
    on the symbols it traded before the leak. Binance has no leverage history: this reads the setting
    *now*, so it is wrong if the user raised it themselves after the leak."""
    lev = ctx.leverage.get(o.symbol)
    if lev is None or not ctx.window.in_incident(o.time) or lev < ctx.thresholds.high_leverage:
        return None
    if ctx.usual_leverage is not None and lev <= ctx.usual_leverage:
        return None
    usual = f"{ctx.usual_leverage}×" if ctx.usual_leverage is not None else "unknown"
    return f"{o.symbol} leverage is {lev}× now (usual before the leak: {usual})"


FUTURES_RULES: tuple[DRule[FuturesOrder], ...] = (
    DRule("futures-after-leak", "low", "window", f_after_leak, lambda o: f"futures:{o.symbol}:{o.order_id}"),
    DRule(
        "futures-unknown-origin",
        "high",
        "origin",
        f_unknown_origin,
        lambda o: f"futures:{o.symbol}:{o.order_id}",
    ),
    DRule(
        "futures-new-symbol", "medium", "anomaly", f_new_symbol, lambda o: f"futures:{o.symbol}:{o.order_id}"
    ),
    DRule(
        "futures-leverage-raised",
        "high",
        "anomaly",
        f_high_leverage,
        lambda o: f"futures:{o.symbol}:{o.order_id}",
    ),
)


# --- margin rules ---------------------------------------------------------------------------------------
def m_after_leak(o: Order, ctx: DerivContext) -> str | None:
    """A margin order inside the incident window. Context only."""
    if not ctx.window.in_incident(o.time):
        return None
    return f"margin order placed {_ago(ctx.window.leak, o.time)} after the leak"


def m_unknown_origin(o: Order, ctx: DerivContext) -> str | None:
    """clientOrderId from a channel no margin order used before the leak (heuristic, as for futures)."""
    cid = o.placement_client_order_id
    if not ctx.window.in_incident(o.time) or ctx.margin_baseline.knows_channel(cid):
        return None
    return (
        f"clientOrderId {cid!r} looks like {describe(classify(cid))} (heuristic); not seen on margin before"
    )


def m_loan_then_buy(o: Order, ctx: DerivContext) -> str | None:
    """A margin BUY within 30 minutes after a loan taken after the leak: borrowed money spent at once,
    the shape of a margin pump. Wrong when the user borrowed to buy on purpose."""
    if o.side != "BUY" or not ctx.window.in_incident(o.time):
        return None
    span = ctx.thresholds.loan_to_buy
    for loan in ctx.loans:
        if ctx.window.in_incident(loan.time) and loan.time <= o.time <= loan.time + span:
            mins = int((o.time - loan.time).total_seconds() // 60)
            return f"bought {mins} min after borrowing {loan.amount:f} {loan.asset} on margin"
    return None


def m_new_symbol(o: Order, ctx: DerivContext) -> str | None:
    """A pair not traded on margin before the leak. Wrong when the baseline is short."""
    if not ctx.window.in_incident(o.time) or o.symbol in ctx.margin_baseline.symbols:
        return None
    return f"{o.symbol} was not traded on margin before the leak"


MARGIN_RULES: tuple[DRule[Order], ...] = (
    DRule("margin-after-leak", "low", "window", m_after_leak, lambda o: f"margin:{o.symbol}:{o.order_id}"),
    DRule(
        "margin-unknown-origin",
        "high",
        "origin",
        m_unknown_origin,
        lambda o: f"margin:{o.symbol}:{o.order_id}",
    ),
    DRule(
        "margin-loan-then-buy",
        "high",
        "anomaly",
        m_loan_then_buy,
        lambda o: f"margin:{o.symbol}:{o.order_id}",
    ),
    DRule(
        "margin-new-symbol", "medium", "anomaly", m_new_symbol, lambda o: f"margin:{o.symbol}:{o.order_id}"
    ),
)


def run_rules(rules: Sequence[DRule[S]], item: S, ctx: DerivContext) -> tuple[Finding, ...]:
    require_rules(rules, "derivatives")  # type: ignore[arg-type]  # same fail-closed check, other rule type
    return tuple(f for r in rules if (f := r(item, ctx)) is not None)


def combine(findings: Sequence[Finding], roles: Mapping[str, Role]) -> VerdictName:
    """attacker: after the leak, unknown origin and an anomaly; suspicious: unknown origin alone, or a
    known channel with two anomalies (a forged bot id); normal otherwise."""
    have = [roles[f.rule] for f in findings]
    if "window" not in have:
        return "normal"
    anomalies = have.count("anomaly")
    if "origin" in have:
        return "attacker" if anomalies else "suspicious"
    return "suspicious" if anomalies >= 2 else "normal"


def roles_of(rules: Sequence[DRule[S]]) -> dict[str, Role]:
    return {r.id: r.role for r in rules}


def liquidation_verdict(
    o: FuturesOrder, attacker_before: Sequence[FuturesOrder], window: Window
) -> tuple[VerdictName, tuple[Finding, ...]]:
    """A forced liquidation after the leak: the attacker's when the attacker opened a position on the
    symbol before it, else suspicious (a position of the user's liquidated during the incident)."""
    if not window.in_incident(o.time):
        return "normal", ()
    opened = [
        a for a in attacker_before if a.symbol == o.symbol and a.time <= o.time and not is_liquidation(a)
    ]
    subject = f"futures:{o.symbol}:{o.order_id}"
    if opened:
        reason = (
            f"Binance liquidated the {o.symbol} position the attacker opened (order {opened[0].order_id})"
        )
        return "attacker", (Finding("futures-liquidation", "critical", subject, reason),)
    why = f"{o.symbol} position liquidated after the leak"
    return "suspicious", (Finding("futures-liquidation", "high", subject, why),)


def loan_verdict(
    loan: LoanRecord, attacker_buys: Sequence[Order], ctx: DerivContext
) -> tuple[VerdictName, tuple[Finding, ...]]:
    """A loan after the leak is suspicious; followed by an attacker margin buy, it is the attacker's."""
    if not ctx.window.in_incident(loan.time):
        return "normal", ()
    subject = f"loan:{loan.tx_id}"
    spent = [o for o in attacker_buys if loan.time <= o.time <= loan.time + ctx.thresholds.loan_to_buy]
    if spent:
        why = f"borrowed {loan.amount:f} {loan.asset}, spent by attacker order {spent[0].order_id}"
        return "attacker", (Finding("margin-loan-after-leak", "critical", subject, why),)
    why = f"borrowed {loan.amount:f} {loan.asset} after the leak"
    return "suspicious", (Finding("margin-loan-after-leak", "high", subject, why),)
