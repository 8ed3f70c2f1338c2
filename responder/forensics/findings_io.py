"""`findings.json`: the findings as the JSON object pinned in docs/ARCHITECTURE.md.

Decimals are strings, times ISO-8601 UTC with `Z`. Also writes the collected evidence (orders,
trades, wallet history) as JSON next to it, so every verdict can be checked against the raw rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from responder.exchange.models import Order
from responder.forensics.model import Findings, ItemVerdict, OrderVerdict
from responder.jsonable import iso, plain


def order_json(v: OrderVerdict) -> dict[str, Any]:
    o: Order = v.order
    return {
        "symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.placement_client_order_id,
        "time": iso(o.time), "side": o.side, "type": o.type, "price": f"{o.price:f}",
        "origQty": f"{o.orig_qty:f}", "executedQty": f"{o.executed_qty:f}",
        "quoteQty": f"{o.cummulative_quote_qty:f}", "status": o.status, "verdict": v.verdict,
        "rules": list(v.rules), "reason": v.reason, "score": v.score,
        **({"expiryReason": o.expiry_reason} if o.expiry_reason else {}),  # e.g. a blocked pump (§11)
    }  # fmt: skip


def item_json(v: ItemVerdict) -> dict[str, Any]:
    out = plain(v.subject)
    assert isinstance(out, dict)
    out.update({"verdict": v.verdict, "rules": [f.rule for f in v.findings], "reason": v.reason})
    return out


def to_json(f: Findings) -> dict[str, Any]:
    counts = {
        name: sum(1 for v in f.orders if v.verdict == name) for name in ("attacker", "suspicious", "normal")
    }
    summary: dict[str, Any] = {
        "window": {
            "leak": iso(f.window.leak), "until": iso(f.window.until), "baseline_days": f.window.baseline_days,
        },
        "orders": counts,
        "withdrawals_flagged": sum(1 for v in f.withdrawals if v.verdict != "normal"),
        "transfers_flagged": sum(1 for v in f.transfers if v.verdict != "normal"),
        "key": [{"rule": x.rule, "severity": x.severity, "reason": x.reason} for x in f.account_findings],
        "loss": {
            "usdt_paid": f"{f.loss.usdt_paid:f}", "value_at_leak": f"{f.loss.value_at_leak:f}",
            "value_now": f"{f.loss.value_now:f}", "withdrawn_value": f"{f.loss.withdrawn_value:f}",
            "estimated_loss": f"{f.loss.estimated_loss:f}", "method": f.loss.method,
        },
        "baseline": plain(f.baseline_summary),
        "sweep": plain(f.stats),
        "gaps": list(f.gaps),
        "heuristics": "channels are read from clientOrderId prefixes, which Binance does not document",
    }  # fmt: skip
    return {
        "orders": [order_json(v) for v in f.orders],
        "withdrawals": [item_json(v) for v in f.withdrawals],
        "transfers": [item_json(v) for v in f.transfers],
        "addresses": [item_json(v) for v in f.addresses],
        "summary": summary,
    }


def write(f: Findings, out_dir: Path) -> dict[str, Path]:
    """Write findings.json and the evidence files into `out_dir`; returns what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"findings": out_dir / "findings.json"}
    written["findings"].write_text(json.dumps(to_json(f), indent=2) + "\n", encoding="utf-8")
    if f.evidence is not None:
        ev_dir = out_dir / "evidence"
        ev_dir.mkdir(exist_ok=True)
        e = f.evidence
        for name, rows in (
            ("orders", e.orders), ("trades", e.trades), ("withdrawals", e.withdrawals),
            ("deposits", e.deposits), ("transfers", e.transfers),
            ("convert-trades", e.convert_trades), ("addresses", e.addresses),
        ):  # fmt: skip
            path = ev_dir / f"investigate-{name}.json"
            path.write_text(json.dumps(plain(list(rows)), indent=1) + "\n", encoding="utf-8")
            written[name] = path
    return written
