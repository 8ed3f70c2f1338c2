"""The leak playbook's futures and margin branches, driven by a scripted prompter against the simulator."""

from __future__ import annotations

from typing import Any

from responder.leak.drill import self_check


def kinds(case: Any, kind: str, action: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in case.journal()
        if e["kind"] == kind and (action is None or e["payload"].get("action") == action)
    ]


def test_futures_drain_snapshots_cancels_and_keeps_the_position_by_default(leak: Any) -> None:
    case = leak("futures-drain")
    snap = case.outputs("derivatives")
    assert snap["futures_open_orders"] == 2 and snap["margin_open_orders"] == 1
    assert snap["positions_after_leak_symbols"] == ["ETHUSDT"]
    assert case.outputs("cancel-futures")["remaining"] == 0
    assert case.outputs("cancel-margin")["remaining"] == 0
    assert case.status("close-positions") == "skipped"  # the default is no
    assert case.outputs("positions")["kept"] == ["ETHUSDT"]
    sent = [(e.method, e.path) for e in case.mutating_requests()]
    assert sent == [("DELETE", "/fapi/v1/allOpenOrders"), ("DELETE", "/sapi/v1/margin/openOrders")]
    assert case.sim.ground_truth["futures_positions"][0]["symbol"] == "ETHUSDT"  # still open: kept
    evidence = {e["payload"]["path"] for e in kinds(case, "evidence")}
    assert {
        "evidence/futures-account.json",
        "evidence/futures-positions.json",
        "evidence/futures-open-orders.json",
        "evidence/margin-account.json",
        "evidence/margin-open-orders.json",
    } <= evidence
    assert self_check(case.sim, case.dir).ok


def test_saying_yes_closes_the_position_with_a_reduce_only_market_order(leak: Any) -> None:
    case = leak("futures-drain", change={"close-positions": True})
    intent = kinds(case, "intent", "leak.close_futures_positions")
    assert len(intent) == 1
    params = intent[0]["payload"]["request"]["params"]
    assert (params["symbol"], params["side"], params["type"], params["reduceOnly"]) == (
        "ETHUSDT",
        "BUY",
        "MARKET",
        "true",
    )
    outcome = kinds(case, "outcome", "leak.close_futures_positions")
    assert outcome[0]["payload"]["status"] == "ok"
    assert case.sim.ground_truth["futures_positions"] == []
    assert case.outputs("positions")["closed"] == ["ETHUSDT"] and case.outputs("positions")["kept"] == []


def test_dry_run_reads_futures_and_sends_nothing(leak: Any) -> None:
    case = leak("futures-drain", mode="dry-run", change={"readonly-key": {"api_key": "", "secret": ""}})
    assert case.mutating_requests() == []
    would = [e["payload"]["request"]["path"] for e in kinds(case, "would-do")]
    assert "/fapi/v1/allOpenOrders" in would and "/sapi/v1/margin/openOrders" in would
    assert case.sim.ground_truth["futures_open_orders"]


def test_a_spot_only_key_says_futures_were_impossible_not_unknown(leak: Any) -> None:
    case = leak("pump-and-dump")
    snap = case.outputs("derivatives")
    assert snap["futures_allowed"] is False and snap["futures_read"] is False
    assert case.status("cancel-futures") == "skipped"
    assert not any(e.path.startswith("/fapi/") for e in case.sim.request_log.entries())  # not even tried
