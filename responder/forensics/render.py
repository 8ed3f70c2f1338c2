"""Findings as text for a terminal: a top-findings table and the loss, plus the progress line.

Pure: returns strings; the CLI (and the wizard) decide where they go. Times are shown in UTC.
"""

from __future__ import annotations

from responder.forensics.executor import Progress
from responder.forensics.model import NOT_ENOUGH_HISTORY, Findings, OrderVerdict

_RANK = {"attacker": 0, "suspicious": 1, "unknown": 2, "normal": 3}


def top_orders(findings: Findings, limit: int = 15) -> list[OrderVerdict]:
    flagged = [v for v in findings.orders if v.verdict in ("attacker", "suspicious")]
    return sorted(flagged, key=lambda v: (_RANK[v.verdict], -v.score, v.order.time))[:limit]


def summary(findings: Findings, limit: int = 15) -> str:
    f = findings
    counts = {k: sum(1 for v in f.orders if v.verdict == k) for k in _RANK}
    lines = [
        f"Window {f.window.leak:%Y-%m-%d %H:%M} UTC → {f.window.until:%Y-%m-%d %H:%M} UTC "
        f"(baseline {f.window.baseline_days} days before)",
        f"Orders in the window: {counts['attacker']} attacker · {counts['suspicious']} suspicious · "
        f"{counts['unknown']} unknown · {counts['normal']} normal",
    ]
    if counts["unknown"]:
        lines.append(
            f"  {counts['unknown']} orders: {NOT_ENOUGH_HISTORY} (no orders in the "
            f"{f.window.baseline_days} days before it; a larger --baseline-days may find the user's normal)"
        )
    if f.baseline_summary.get("fallback"):
        lines.append(f"  baseline: {f.baseline_summary['fallback']}")
    if f.onset:
        lines.append(
            f"Change point: the first order of a new shape was {f.onset.get('symbol')} at "
            f"{f.onset.get('time'):%Y-%m-%d %H:%M:%S} UTC — the leak was at or before it"
        )
    rows = top_orders(f, limit)
    if rows:
        lines.append(f"  {'verdict':<10} {'time (UTC)':<16} {'symbol':<12} {'side':<4} {'paid/got':>20}  why")
        for v in rows:
            o = v.order
            amount = f"{o.cummulative_quote_qty.normalize():f} {_quote(o.symbol)}"
            why = v.reason or ",".join(r for r in v.rules if r != "after-leak")
            why = why if len(why) <= 60 else why[:59] + "…"
            lines.append(
                f"  {v.verdict:<10} {o.time:%m-%d %H:%M:%S}  {o.symbol:<12} {o.side:<4} {amount:>20}  {why}"
            )
    for w in f.withdrawals:
        if w.verdict != "normal":
            lines.append(f"! withdrawal {w.verdict}: {w.reason}")
    for t in f.transfers:
        if t.verdict != "normal":
            lines.append(f"! transfer {t.verdict}: {t.reason}")
    for k in f.account_findings:
        lines.append(f"! key: {k.reason}")
    loss = f.loss
    lines.append(
        f"Estimated loss: {loss.estimated_loss:f} USDT (paid {loss.usdt_paid:f}, worth "
        f"{loss.value_at_leak:f} at leak prices, {loss.value_now:f} now; withdrawn {loss.withdrawn_value:f}; "
        "how it is computed: summary.loss.method in findings.json)"
    )
    s = f.stats
    lines.append(
        f"Swept {s.symbols} symbols: {s.calls} calls, weight {s.weight}, {s.seconds:.1f} s "
        f"(weight-bound minimum {s.minimum_seconds:.1f} s)"
    )
    lines += [f"! not covered: {g}" for g in f.gaps]
    lines.append("Channels are read from clientOrderId prefixes: a heuristic, ids can be forged.")
    return "\n".join(lines)


_QUOTES = ("USDT", "FDUSD", "USDC", "TUSD", "BUSD", "DAI", "BTC", "ETH", "BNB", "TRY", "EUR", "BRL", "JPY")


def _quote(symbol: str) -> str:
    """The quote asset by suffix (BTCUSDT → USDT), `(quote)` when it cannot be told."""
    return next((q for q in _QUOTES if symbol.endswith(q) and len(symbol) > len(q)), "(quote)")


def progress_line(p: Progress) -> str:
    return (
        f"\rsweeping: {p.symbols_done}/{p.symbols_total} symbols · weight {p.weight}/{p.weight_planned} · "
        f"ETA {p.eta_seconds:.0f} s   "
    )
