"""Combining an order's findings into one verdict: attacker, suspicious, unknown or normal.

Two questions, kept apart. *Who placed it?* — the origin: a channel the user used before the leak
(their bot's prefix *and* id shape, the web UI, default API ids) or not. *Does it look like an
attack?* — the anomaly score: the weights of the behavioural rules that fired (price off the market 2,
wash trade 2, part of a funnel 2, size outlier 1, burst 1), plus new symbol 2 and illiquid pair 1 only
beside another anomaly or an unknown origin: the user's own bot (or app) adding a market is not a
doubt by itself, but a
forged bot id on a new symbol that also trades off the market or oversized still adds up.

- Before the leak: normal (that history *is* the baseline).
- Not enough history before the leak (no orders in the baseline period): the origin cannot be judged,
  and the rules that compare with the baseline (size, burst) do not count. Attacker only when the
  market evidence alone reaches 3 (e.g. bought far above the market on a thin pair), suspicious from
  1, else **unknown — not enough history before the leak**. Never "attacker" for lack of history.
- Unknown origin: attacker with any anomaly or amplifier weight, else suspicious (a new device or
  script of the user's). Well-formed Binance app/web ids are not an unknown origin (`unknown_origin`).
- Known origin: attacker from a score of 3 (a forged id copying the user's bot must still behave
  like an attack on more than one count), suspicious from 1, else normal.
- Then linking: an unknown-origin order that is only suspicious becomes attacker when an attacker
  order of the same channel lies within an hour of it or on the same symbol (an attacker keeps one
  channel for a run). Without history, the same holds for a channel that *began* with the attack
  (its first order in the window at most an hour before its first attacker order): the onset of a
  new shape; a stream that was already running before is left unknown.

An early (conservative) leak time therefore does not blame the user: what continues unchanged from
before it — the bot's prefix and id shape, its symbols and sizes, the person's app trading — stays
normal, and the first order of a new shape with an anomaly is reported as the change point
(`onset`). The thresholds depend on the account's own baseline, not on any scenario; the docstring
of each rule states its false positives.
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
    fired = [by_id[f.rule] for f in findings if f.rule in by_id]
    thin = any(r.role == "history" for r in fired)
    counted = [r for r in fired if not (thin and r.needs_history)]
    score = sum(r.weight for r in counted if r.role == "anomaly")
    unknown = any(r.role == "origin" for r in fired)
    if score or unknown:  # an amplifier (new symbol, thin pair) adds to a doubt, never raises one alone
        score += sum(r.weight for r in counted if r.role == "amplifier")
    verdict: VerdictName
    if thin:
        verdict = "attacker" if score >= ATTACKER_SCORE_KNOWN_ORIGIN else "suspicious" if score else "unknown"
    elif unknown:
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
    attacker_symbols: dict[str, set[str]] = defaultdict(set)
    first_seen: dict[str, float] = {}  # each channel's first order in the window (verdicts are by time)
    for v in verdicts:
        key = classify(v.order.placement_client_order_id).key
        first_seen.setdefault(key, v.order.time.timestamp())
        if v.verdict == "attacker":
            attacker_times[key].append(v.order.time.timestamp())
            attacker_symbols[key].add(v.order.symbol)
    out = []
    span = LINK_SPAN.total_seconds()
    for v in verdicts:
        key = classify(v.order.placement_client_order_id).key
        times = attacker_times.get(key, [])
        # Without history, only a channel that *began* with the attack (its first order within an
        # hour before its first attacker order) is the attacker's: a stream older than that is not.
        new_shape = "unknown-origin" in v.rules or (
            "thin-history" in v.rules and bool(times) and first_seen[key] >= times[0] - span
        )
        if v.verdict in ("suspicious", "unknown") and new_shape:
            t = v.order.time.timestamp()
            near = bisect.bisect_right(times, t + span) > bisect.bisect_left(times, t - span)
            if near or v.order.symbol in attacker_symbols.get(key, set()):
                why = "placed within an hour of" if near else "on the same symbol as"
                note = Finding(
                    "linked-to-attacker",
                    "high",
                    f"order:{v.order.symbol}:{v.order.order_id}",
                    f"same new channel as attacker orders, {why} them",
                )
                out.append(OrderVerdict(v.order, "attacker", (*v.findings, note), v.score))
                continue
        out.append(v)
    return out


def onset(verdicts: Sequence[OrderVerdict]) -> dict[str, object]:
    """The change point: the first attacker order (the first of a new shape with an anomaly) — a
    better leak time than an early guess. Empty when nothing was judged the attacker's."""
    first = min((v for v in verdicts if v.verdict == "attacker"), key=lambda v: v.order.time, default=None)
    if first is None:
        return {}
    o = first.order
    channel = classify(o.placement_client_order_id)
    return {
        "time": o.time,
        "symbol": o.symbol,
        "orderId": o.order_id,
        "channel": channel.key,
        "note": "first order judged the attacker's: the activity of a new shape began here",
    }


def judge_withdrawals(
    ctx: RuleContext, rules: Sequence[Rule[Withdrawal]] = WITHDRAWAL_RULES
) -> tuple[ItemVerdict, ...]:
    """After the leak: to an address the user trusted (used before, whitelisted): normal; to a
    never-used address outside the address book: attacker; to a never-used, non-whitelisted entry of
    the address book (the book does not say who added it, or when): suspicious."""
    require_rules(rules, "withdrawal")
    out = []
    for w in sorted(ctx.evidence.withdrawals, key=lambda x: x.apply_time):
        findings = run(rules, w, ctx)
        ids = {f.rule for f in findings}
        verdict: VerdictName
        if "known-withdrawal-address" in ids:
            verdict = "normal"
        elif "new-withdrawal-address" in ids:
            entry = next((a for a in ctx.evidence.addresses if a.address == w.address), None)
            verdict = "suspicious" if entry is not None else "attacker"
        else:
            verdict = "suspicious" if findings else "normal"
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
