"""The report with the fourth verdict: orders judged unknown are counted, never listed as the
attacker's; the user's own withdrawal judged normal is not in the letter's list of addresses to flag."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from responder.report.findings_view import findings

LEAK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _order(n: int, verdict: str) -> dict[str, Any]:
    return {"symbol": "BTCUSDT", "orderId": n, "clientOrderId": f"bot-{n}", "time": "2026-11-21T10:00:00Z",
            "side": "BUY", "type": "LIMIT", "price": "60000", "origQty": "0.001", "executedQty": "0.001",
            "quoteQty": "60", "status": "FILLED", "verdict": verdict, "rules": [], "reason": ""}  # fmt: skip


def _withdrawal(wid: str, verdict: str) -> dict[str, Any]:
    return {"id": wid, "amount": "100", "coin": "USDT", "network": "TRX", "address": f"T{wid}",
            "apply_time": "2026-11-21T11:00:00Z", "status": 6, "verdict": verdict, "rules": [],
            "reason": ""}  # fmt: skip


def test_unknown_orders_are_counted_not_listed_and_normal_withdrawals_are_dropped() -> None:
    data = {
        "orders": [_order(1, "unknown"), _order(2, "unknown"), _order(3, "attacker"), _order(4, "normal")],
        "withdrawals": [
            _withdrawal("ledger", "normal"),
            _withdrawal("thief", "attacker"),
            _withdrawal("named", "suspicious"),
        ],
        "transfers": [],
        "summary": {"gaps": []},
    }
    f = findings(data, LEAK)
    assert f.unknown_orders == 2
    assert [o.order_id for o in f.orders] == ["3"]
    assert sorted(w.address for w in f.withdrawals) == ["Tnamed", "Tthief"]
    assert {w.address: w.verdict for w in f.withdrawals} == {"Tnamed": "suspicious", "Tthief": "attacker"}
