"""`findings.json`: the one schema (pinned in docs/ARCHITECTURE.md), its only writer and its reader.

Decimals are strings, times ISO-8601 UTC with `Z`. Every writer of findings (the wizard's
investigation, its snapshot-only fallback, `responder investigate --out`) goes through `to_json` and
`write_findings`, which refuses a loaded secret. `write` also saves the collected rows (orders,
trades, wallet history) next to it, so every verdict can be checked against them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from responder.errors import JournalError, UsageError
from responder.exchange.models import Order
from responder.forensics.model import VERDICTS, Findings, ItemVerdict, OrderVerdict
from responder.incident.evidence import record_bundle_file, write_bundle_file
from responder.incident.journal import Journal
from responder.incident.store import DIR_MODE, OS_WRITER, write_failed
from responder.jsonable import iso, plain
from responder.secrets import SecretRegistry


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


HEURISTICS: Final = "channels are read from clientOrderId prefixes, which Binance does not document"
FINDINGS_NAME: Final = "findings.json"


def to_json(f: Findings, *, heuristics: str = HEURISTICS, swept: bool = True) -> dict[str, Any]:
    """The findings object; `swept=False` when no sweep ran (findings from the snapshot only)."""
    counts = {name: sum(1 for v in f.orders if v.verdict == name) for name in VERDICTS}
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
        "sweep": plain(f.stats) if swept else {},
        "orders_swept": swept,
        "gaps": list(f.gaps),
        "onset": plain(f.onset),
        "heuristics": heuristics,
    }  # fmt: skip
    return {
        "orders": [order_json(v) for v in f.orders],
        "withdrawals": [item_json(v) for v in f.withdrawals],
        "transfers": [item_json(v) for v in f.transfers],
        "addresses": [item_json(v) for v in f.addresses],
        "summary": summary,
    }


def write_findings(
    directory: Path,
    data: Mapping[str, Any],
    *,
    secrets: SecretRegistry | None = None,
    journal: Journal | None = None,
) -> Path:
    """Write `findings.json` (from `to_json`) into `directory`, private, refusing a loaded secret;
    journaled (a `file` entry with its SHA-256) when written into a case (`journal` given)."""
    text = json.dumps(data, indent=2) + "\n"
    if journal is not None:
        return record_bundle_file(journal, FINDINGS_NAME, text, what="findings", secrets=secrets)
    return write_bundle_file(directory, FINDINGS_NAME, text, secrets=secrets)


def read_findings(directory: Path) -> Mapping[str, Any] | None:
    """`findings.json` of `directory` as a JSON object; None when no investigation wrote one."""
    path = directory / FINDINGS_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise UsageError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a JSON object")
    return data


def write(f: Findings, out_dir: Path, *, secrets: SecretRegistry | None = None) -> dict[str, Path]:
    """Write findings.json and the evidence files into `out_dir`; returns what was written."""
    try:
        out_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create {out_dir}: {err.strerror}") from None
    written = {"findings": write_findings(out_dir, to_json(f), secrets=secrets)}
    if f.evidence is not None:
        ev_dir = out_dir / "evidence"
        e = f.evidence
        for name, rows in (
            ("orders", e.orders), ("trades", e.trades), ("withdrawals", e.withdrawals),
            ("deposits", e.deposits), ("transfers", e.transfers),
            ("convert-trades", e.convert_trades), ("addresses", e.addresses),
        ):  # fmt: skip
            path = ev_dir / f"investigate-{name}.json"
            text = json.dumps(plain(list(rows)), indent=1) + "\n"
            if secrets is not None and secrets.find_in(text):
                raise JournalError(f"refusing to write {path.name}: it would contain a loaded secret")
            try:
                OS_WRITER.make_dir(ev_dir)
                OS_WRITER.replace(path, text.encode("utf-8"))
            except OSError as err:
                raise write_failed(f"evidence/{path.name}", out_dir, err) from None
            written[name] = path
    return written
