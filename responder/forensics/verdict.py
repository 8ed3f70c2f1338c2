"""Combining an order's findings into one verdict: attacker, suspicious or normal.

Two questions, kept apart. *Who placed it?* — the origin: a channel the user used before the leak
(their bot's prefix *and* id shape, the web UI, default API ids) or not. *Does it look like an
attack?* — the anomaly score: the weights of the behavioural rules that fired (price off the market 2,
wash trade 2, part of a funnel 2, size outlier 1, burst 1), plus new symbol 2 and illiquid pair 1 only
beside another anomaly or an unknown origin: the user's own bot adding a market is not a doubt by
itself, but a forged bot id on a new symbol that also trades off the market or oversized still adds up.

- Before the leak: normal (that history *is* the baseline).
- Unknown origin: attacker with any anomaly, else suspicious (a new device or script of the user's).
- Known origin: attacker from a score of 3 (a forged id copying the user's bot must still behave
  like an attack on more than one count), suspicious from 1, else normal.
- Then linking: an unknown-origin order that is only suspicious becomes attacker when an attacker
  order of the same channel lies within an hour of it (an attacker keeps one channel for a run).

The thresholds depend on the account's own baseline, not on any scenario; the docstring of each
rule states its false positives.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from responder.exchange.models import ApiRestrictions, Order, Transfer, Withdrawal
from responder.forensics.channel import classify
from responder.forensics.context import RuleContext
from responder.forensics.model import Finding, ItemVerdict, OrderVerdict, VerdictName
from responder.forensics.rules import (
    KEY_RULES,
    ORDER_RULES,
    TRANSFER_RULES,
    WITHDRAWAL_RULES,
    Rule,
    require_rules,
    run,
)

ATTACKER_SCORE_KNOWN_ORIGIN = 3
LINK_SPAN = timedelta(hours=1)


def combine(
    order: Order, findings: Sequence[Finding], ctx: RuleContext, rules: Sequence[Rule[Order]]
) -> OrderVerdict:
    """The verdict on one order from its findings (see the module docstring)."""
    by_id = {r.id: r for r in rules}
    if not ctx.evidence.window.in_incident(order.time):
        return OrderVerdict(order, "normal", tuple(findings), 0)
    score = sum(by_id[f.rule].weight for f in findings if by_id[f.rule].role == "anomaly")
    unknown = any(by_id[f.rule].role == "origin" for f in findings)
    if score or unknown:  # an amplifier (new symbol) adds to a doubt, never raises one on its own
        score += sum(by_id[f.rule].weight for f in findings if by_id[f.rule].role == "amplifier")
    verdict: VerdictName
    if unknown:
        verdict = "attacker" if score >= 1 else "suspicious"
    elif score >= ATTACKER_SCORE_KNOWN_ORIGIN:
        verdict = "attacker"
    else:
        verdict = "suspicious" if score >= 1 else "normal"
    return OrderVerdict(order, verdict, tuple(findings), score)


def judge_orders(ctx: RuleContext, rules: Sequence[Rule[Order]] = ORDER_RULES) -> tuple[OrderVerdict, ...]:
    """Run the order rules over every incident-window order and combine, then link (module docstring)."""
    require_rules(rules, "order")
    incident = sorted(
        (o for o in ctx.evidence.orders if ctx.evidence.window.in_incident(o.time)), key=lambda o: o.time
    )
    verdicts = [combine(o, run(rules, o, ctx), ctx, rules) for o in incident]
    return tuple(_link(verdicts))


def _link(verdicts: list[OrderVerdict]) -> list[OrderVerdict]:
    attacker_times: dict[str, list[float]] = defaultdict(list)
    for v in verdicts:
        if v.verdict == "attacker":
            attacker_times[classify(v.order.placement_client_order_id).key].append(v.order.time.timestamp())
    out = []
    span = LINK_SPAN.total_seconds()
    for v in verdicts:
        if v.verdict == "suspicious" and "unknown-origin" in v.rules:
            times = attacker_times.get(classify(v.order.placement_client_order_id).key, [])
            t = v.order.time.timestamp()
            if bisect.bisect_right(times, t + span) > bisect.bisect_left(times, t - span):
                note = Finding(
                    "linked-to-attacker",
                    "high",
                    f"order:{v.order.symbol}:{v.order.order_id}",
                    "same unknown channel as attacker orders placed within an hour",
                )
                out.append(OrderVerdict(v.order, "attacker", (*v.findings, note), v.score))
                continue
        out.append(v)
    return out


def judge_withdrawals(
    ctx: RuleContext, rules: Sequence[Rule[Withdrawal]] = WITHDRAWAL_RULES
) -> tuple[ItemVerdict, ...]:
    """After the leak to a new address: attacker; after the leak to a known one: suspicious."""
    require_rules(rules, "withdrawal")
    out = []
    for w in sorted(ctx.evidence.withdrawals, key=lambda x: x.apply_time):
        findings = run(rules, w, ctx)
        ids = {f.rule for f in findings}
        verdict: VerdictName = (
            "attacker" if "new-withdrawal-address" in ids else "suspicious" if findings else "normal"
        )
        out.append(ItemVerdict(w, verdict, findings))
    return tuple(out)


def judge_transfers(
    ctx: RuleContext, rules: Sequence[Rule[Transfer]] = TRANSFER_RULES
) -> tuple[ItemVerdict, ...]:
    """A transfer out of spot/funding after the leak is suspicious: it moves funds, it does not lose them."""
    require_rules(rules, "transfer")
    return tuple(
        ItemVerdict(t, "suspicious" if (fs := run(rules, t, ctx)) else "normal", fs)
        for t in sorted(ctx.evidence.transfers, key=lambda x: x.time)
    )


def judge_addresses(withdrawals: Sequence[ItemVerdict], ctx: RuleContext) -> tuple[ItemVerdict, ...]:
    """Address-book entries used by an attacker withdrawal are the attacker's; the rest are listed."""
    bad = {
        v.subject.address
        for v in withdrawals
        if v.verdict == "attacker" and isinstance(v.subject, Withdrawal)
    }
    out = []
    for a in ctx.evidence.addresses:
        if a.address in bad:
            f = Finding(
                "new-withdrawal-address", "high", f"address:{a.address}", "used by an attacker withdrawal"
            )
            out.append(ItemVerdict(a, "attacker", (f,)))
        else:
            out.append(ItemVerdict(a, "normal", ()))
    return tuple(out)


def judge_key(ctx: RuleContext, rules: Sequence[Rule[ApiRestrictions]] = KEY_RULES) -> tuple[Finding, ...]:
    r = ctx.evidence.restrictions
    return () if r is None else run(require_rules(rules, "key"), r, ctx)
