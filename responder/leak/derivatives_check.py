"""The drill's self-check for futures and margin: did containment and the investigation reach the
outcome the scenario's ground truth calls for?

No attacker futures or margin order left open; every cancel of futures orders journaled as a
confirmed mutation (`DELETE /fapi/v1/allOpenOrders`) with an ok (or read-back) outcome; findings.json's
futures section judges every attacker futures order and trade `attacker` and names the transfer into
futures; nothing of the user's own futures bot is blamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class Expect(Protocol):
    def expect(self, condition: bool, good: str, bad: str) -> None: ...


def covers_derivatives(truth: Mapping[str, Any]) -> bool:
    return any(str(a.get("kind", "")).startswith(("futures_", "margin_")) for a in truth["attacker_actions"])


def check(
    truth: Mapping[str, Any],
    journal: Iterable[tuple[str, Mapping[str, Any]]],
    findings: Mapping[str, Any] | None,
    result: Expect,
) -> None:
    """`journal` is (kind, payload) of every verified entry; `findings` the parsed findings.json."""
    if not covers_derivatives(truth):
        return
    left_f = [o for o in truth.get("futures_open_orders", []) if o.get("source") == "attacker"]
    result.expect(
        not left_f,
        "attacker's open futures orders cancelled",
        f"{len(left_f)} attacker futures orders still open",
    )
    left_m = [o for o in truth.get("margin_open_orders", []) if o.get("source") == "attacker"]
    result.expect(
        not left_m,
        "attacker's open margin orders cancelled",
        f"{len(left_m)} attacker margin orders still open",
    )
    _check_cancel_journal(list(journal), result)
    check_margin(truth, findings, result)
    _check_futures_findings(truth, findings, result)


def _check_cancel_journal(entries: list[tuple[str, Mapping[str, Any]]], result: Expect) -> None:
    intents = [
        p
        for k, p in entries
        if k == "intent" and p.get("request", {}).get("path") == "/fapi/v1/allOpenOrders"
    ]
    confirmed = any(k == "confirmation" and p.get("item") == "leak.cancel_futures_orders" for k, p in entries)
    outcomes = [
        str(p.get("status"))
        for k, p in entries
        if k == "outcome" and p.get("action") == "leak.cancel_futures_orders"
    ]
    result.expect(
        bool(intents) and confirmed and bool(outcomes) and all(s in ("ok", "reconciled") for s in outcomes),
        "futures cancel journaled as a confirmed mutation "
        f"(DELETE /fapi/v1/allOpenOrders: {', '.join(outcomes)})",
        f"futures cancel not journaled as a confirmed mutation with an ok outcome (intents {len(intents)}, "
        f"confirmed {confirmed}, outcomes {outcomes})",
    )


def _check_futures_findings(
    truth: Mapping[str, Any], findings: Mapping[str, Any] | None, result: Expect
) -> None:
    futures = (findings or {}).get("futures") or {}
    if not futures.get("read"):
        result.expect(False, "", "findings.json has no futures section that was read")
        return
    done = [a for a in truth["attacker_actions"] if a.get("status") == "done"]
    want = {
        (a["symbol"], a["orderId"]) for a in done if a["kind"] in ("futures_order", "futures_liquidation")
    }
    flagged = {(o["symbol"], o["order_id"]) for o in futures["orders"] if o["verdict"] == "attacker"}
    result.expect(
        want <= flagged,
        f"all {len(want)} attacker futures orders found",
        f"{len(want - flagged)} of {len(want)} attacker futures orders missed",
    )
    result.expect(
        not flagged - want,
        "no normal futures order judged the attacker's",
        f"{len(flagged - want)} normal futures orders wrongly judged the attacker's",
    )
    trades = [t for t in futures["trades"] if (t["symbol"], t["order_id"]) in want]
    result.expect(
        bool(trades) and all(t["verdict"] == "attacker" for t in trades),
        f"all {len(trades)} attacker futures trades carry verdict attacker",
        "attacker futures trades missing or not judged attacker",
    )
    into = [t for t in futures.get("transfers", []) if t.get("direction") == "in"]
    moved = [a for a in done if a["kind"] == "transfer" and a.get("type") == "MAIN_UMFUTURE"]
    result.expect(
        not moved or bool(into),
        "the transfer into futures is named",
        "the attacker's transfer into futures is not named in findings.json",
    )


REPLAYED = frozenset(
    {"leak.cancel_futures_orders", "leak.cancel_margin_orders", "leak.close_futures_positions"}
)


def replay(spot: Any, payload: Mapping[str, Any]) -> None:
    """Redo one journaled futures/margin mutation on a fresh simulator (the drill's replay check)."""
    from responder.exchange.futures import futures_for
    from responder.exchange.margin import MarginClient

    request = payload["request"]
    symbol = str(request["params"]["symbol"])
    if payload["action"] == "leak.cancel_futures_orders":
        futures_for(spot).cancel_all_open_orders(symbol)
    elif payload["action"] == "leak.cancel_margin_orders":
        MarginClient(spot).cancel_open_orders(symbol)
    else:
        fx = futures_for(spot)
        for p in fx.positions(symbol):
            if p.is_open:
                fx.close_position_market(p, client_order_id=str(request["params"]["newClientOrderId"]))


def check_margin(truth: Mapping[str, Any], findings: Mapping[str, Any] | None, result: Expect) -> None:
    """Every attacker margin order and loan judged the attacker's in findings.json's margin section."""
    done = [a for a in truth["attacker_actions"] if a.get("status") == "done"]
    orders = {(a["symbol"], a["orderId"]) for a in done if a["kind"] == "margin_order"}
    loans = {a["txId"] for a in done if a["kind"] == "margin_borrow"}
    if not orders and not loans:
        return
    margin = (findings or {}).get("margin") or {}
    flagged = {(o["symbol"], o["order_id"]) for o in margin.get("orders", []) if o["verdict"] == "attacker"}
    judged = {x["tx_id"] for x in margin.get("loans", []) if x["verdict"] == "attacker"}
    result.expect(
        orders <= flagged and loans <= judged,
        f"all {len(orders)} attacker margin orders and {len(loans)} loans found",
        f"attacker margin orders missed: {len(orders - flagged)}, loans missed: {len(loans - judged)}",
    )
