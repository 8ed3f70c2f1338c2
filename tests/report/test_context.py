"""The report context: what the journal, evidence and findings say, as display-ready facts."""

from __future__ import annotations

import json
from pathlib import Path

from responder.report.model import ReportContext
from tests.report.builder import HOSTILE_COID, IncidentBuilder, open_case
from tests.report.conftest import context_of


def test_header_reads_the_key_profile_from_the_snapshot_before_revocation(full_ctx: ReportContext) -> None:
    h = full_ctx.header
    assert (h.case_id, h.mode, h.key_masked, h.key_type) == ("2026-11-23-7f3a", "drill", "vmPU…Eh8A", "HMAC")
    assert h.account_uid == "354937868"
    assert h.permissions == ("read", "spot & margin trading")
    assert h.withdrawals_enabled is False
    assert h.ip_restricted is False
    assert h.key_created == "2025-04-18 18:13:20 UTC (20:13:20 CEST)"
    assert h.banner is not None and h.banner.startswith("DRILL · scenario pump-and-dump")


def test_dry_run_and_live_banners(tmp_path: Path) -> None:
    dry = IncidentBuilder(tmp_path / "dry")
    open_case(dry, mode="dry-run", scenario=None)
    live = IncidentBuilder(tmp_path / "live")
    open_case(live, mode="live", scenario=None)
    assert (context_of(dry.dir).header.banner or "").startswith("DRY RUN")
    assert context_of(live.dir).header.banner is None


def test_what_happened_shows_utc_and_the_users_zone(full_ctx: ReportContext) -> None:
    hp = full_ctx.happened
    assert hp.what_leaked == "API key and secret"
    assert hp.vector == "Pushed to a public repository"
    assert hp.leak_time == "2026-11-23 09:02:00 UTC (10:02:00 CET)"
    assert hp.noticed == "2026-11-23 13:50:00 UTC (14:50:00 CET)"


def test_metrics_count_from_first_noticed_to_key_proven_dead_and_to_the_report(
    full_ctx: ReportContext,
) -> None:
    # noticed 13:50:00; dead check at 14:01:28; report action-result at 14:02:43
    assert full_ctx.metrics.time_to_contain == "11 min 28 s"
    assert full_ctx.metrics.contain_from == "first noticed"
    assert full_ctx.metrics.time_to_report == "12 min 43 s"


def test_timeline_speaks_of_the_account_and_the_person_not_the_engine(full_ctx: ReportContext) -> None:
    texts = [t.text for t in full_ctx.timeline]
    assert texts[:3] == [
        "Suspected leak of the key",
        "First of 2 attacker orders: BUY 10000 QKCUSDT at 0.0123",
        "Last attacker order: BUY 10000 QKCUSDT at 0.0123",
    ]
    assert "Saved 1 evidence file(s) of the account as Binance returned it: snapshot-before-revoke" in texts
    assert "Cancel 3 open orders on QKCUSDT: done, Binance confirmed" in texts
    assert "I confirmed: Deleted the key in API Management" in texts
    assert "I first noticed something was wrong" in texts
    assert not any("What leaked" in t for t in texts)  # answers are not timeline events
    engine = ("status: ok", "condition not met", "leak.", "Step ", "report.md", "action-result")
    assert [t for t in texts if any(word in t for word in engine)] == []
    journal_rows = [t.seq for t in full_ctx.timeline if t.seq]
    assert journal_rows == sorted(journal_rows)
    account = [t for t in full_ctx.timeline if not t.seq]
    assert account and all(t.time.startswith("2026-11-23 ") and t.elapsed.startswith("-") for t in account)
    marks = {t.text.split(":")[0]: t.mark for t in full_ctx.timeline}
    assert marks["The leaked key was proven dead"] == "✓"
    assert marks["The leaked key still worked"] == "!"


def test_revocation_proof_lists_every_check_and_concludes_dead(full_ctx: ReportContext) -> None:
    rv = full_ctx.revocation
    assert [(c.result, c.proven) for c in rv.checks] == [("alive", False), ("dead", True)]
    assert rv.dead
    assert "proven dead at 2026-11-23 14:01:28 UTC" in rv.conclusion


def test_unproven_revocation_says_so_plainly(tmp_path: Path) -> None:
    b = IncidentBuilder(tmp_path / "ip")
    open_case(b, mode="live", scenario=None)
    b.advance(5).event(
        "confirmation", {"item": "delete-key", "text": "Deleted the key", "role": "key-deleted"}, "delete-key"
    )
    b.advance(5).event(
        "check", {"action": "revocation-check", "result": "indeterminate", "reason": "key is IP-restricted"}
    )
    ctx = context_of(b.dir)
    assert not ctx.revocation.dead
    assert ctx.revocation.conclusion.startswith("Revocation is NOT proven")
    assert ctx.revocation.to_support.startswith("I deleted the key, but its revocation is not proven")
    assert ctx.metrics.time_to_contain is None


def test_abnormal_orders_keep_only_flagged_orders_sorted_by_time(full_ctx: ReportContext) -> None:
    f = full_ctx.findings
    assert f.present and f.orders_reviewed == 5
    assert [o.verdict for o in f.orders] == ["attacker", "attacker", "suspicious"]
    first = f.orders[0]
    assert (first.time, first.symbol, first.side, first.qty, first.price, first.quote) == (
        "2026-11-23 11:02:00", "QKCUSDT", "BUY", "10000", "0.0123", "123 USDT",
    )  # fmt: skip
    assert first.rules == ("after-leak", "off-market-price")


def test_hostile_strings_reach_the_context_without_control_characters(full_ctx: ReportContext) -> None:
    coid = full_ctx.findings.orders[1].client_order_id
    assert "\x1b" not in coid
    assert coid == HOSTILE_COID.replace("\x1b", "\\x1b")  # made visible, not dropped
    address = full_ctx.findings.withdrawals[0].address
    assert "\x1b" not in address and "\x07" not in address


def test_withdrawals_after_the_leak_get_explorer_links_where_known(full_ctx: ReportContext) -> None:
    ws = full_ctx.findings.withdrawals
    assert [w.coin for w in ws] == ["USDT", "TRX"]  # the BTC one predates the leak
    assert ws[0].tx_url == "https://etherscan.io/tx/0x" + "ab" * 32
    assert ws[0].status == "Completed"
    assert ws[1].tx_url is None  # "Internal transfer 123" is not a hash


def test_transfers_and_loss(full_ctx: ReportContext) -> None:
    (t,) = full_ctx.findings.transfers
    assert (t.asset, t.amount, t.type, t.tran_id) == ("USDT", "99.9", "MAIN_FUNDING", "777")
    loss = full_ctx.findings.loss
    assert loss is not None
    assert (loss.usdt_paid, loss.value_now) == ("1234.56", "310.2")
    assert "kline" in loss.method


def test_what_the_user_did_comes_from_outcomes_confirmations_and_proof(full_ctx: ReportContext) -> None:
    done = full_ctx.done_by_user
    assert done[0].startswith("Cancel 3 open orders on QKCUSDT: done")
    assert any(d.startswith("Withdrawal whitelist turned on (confirmed") for d in done)
    assert any(d.startswith("Revocation proven") for d in done)


def test_evidence_rows_carry_hashes_and_detect_changed_and_missing_files(full_dir: Path) -> None:
    ctx = context_of(full_dir)
    (row,) = ctx.evidence
    assert row.status == "intact" and len(row.sha256) == 64 and ctx.evidence_intact
    assert ctx.journal_head == json.loads((full_dir / "journal.jsonl").read_text().splitlines()[-1])["hash"]
    evidence = full_dir / row.path
    evidence.write_bytes(evidence.read_bytes().replace(b"354937868", b"354937869"))
    changed = context_of(full_dir)
    assert changed.evidence[0].status == "CHANGED" and not changed.evidence_intact
    evidence.unlink()
    assert context_of(full_dir).evidence[0].status == "MISSING"


def test_quiet_leak_has_nothing_found_and_nothing_invented(quiet_ctx: ReportContext) -> None:
    assert quiet_ctx.header.permissions is None and quiet_ctx.header.account_uid is None
    assert quiet_ctx.happened.leak_time is None and quiet_ctx.happened.noticed is None
    assert not quiet_ctx.findings.present and quiet_ctx.findings.orders == ()
    assert quiet_ctx.revocation.checks == () and not quiet_ctx.revocation.dead
    assert quiet_ctx.metrics.contain_from == "case opened"
    assert quiet_ctx.done_by_user == ()
    assert quiet_ctx.evidence == ()


def test_answers_typed_as_text_are_kept_as_typed(tmp_path: Path) -> None:
    b = IncidentBuilder(tmp_path / "typed")
    open_case(b, mode="live", scenario=None)
    b.event("answer", {"question": "leaked", "value": "yesterday, maybe", "role": "leak-time"}, "triage")
    b.event("answer", {"question": "Secret?", "value": "<secret withheld>"}, "secret")
    assert context_of(b.dir).happened.leak_time == "yesterday, maybe"


def test_the_svg_timeline_places_fills_milestones_and_checks_inside_the_axis(full_ctx: ReportContext) -> None:
    overview, response = full_ctx.svg.panels
    labels = [m.label for m in overview.markers if m.label]
    assert labels == ["leak", "noticed", "case opened", "key dead", "closed"]
    fills = [m for m in overview.markers if m.css.startswith("fill-")]
    assert [m.css for m in fills] == ["fill-attacker", "fill-attacker", "fill-suspicious"]
    for panel in (overview, response):
        assert all(panel.x0 <= m.x <= panel.x1 for m in panel.markers)
        xs = [t.x for t in panel.ticks]
        assert xs == sorted(xs) and len(xs) >= 2
    assert len([m for m in response.markers if m.css == "milestone" and m.label == "dead"]) == 1
    # the leak (09:02) sits left of the fills (11:02), which sit left of the case opening (14:00)
    x = {m.label: m.x for m in overview.markers if m.label}
    assert x["leak"] < fills[0].x < x["case opened"] < x["key dead"]


def test_the_shapes_a_real_run_writes(tmp_path: Path) -> None:
    """Triage question ids, the client's snake_case apiRestrictions model, snake_case withdrawals,
    an approval before a request, a verify poll restating the revocation check, investigation gaps."""
    b = IncidentBuilder(tmp_path / "run")
    open_case(b)
    for question, value, role in (
        ("what", "API key and secret", "what-leaked"),
        ("vector", "Pushed to a public repository", "leak-vector"),
        ("leaked_at", "2026-11-23T10:00:00.000Z", "leak-time"),
        ("noticed_at", "2026-11-23T13:30:00Z", "noticed-time"),
    ):
        b.advance(1).event("answer", {"question": question, "value": value, "role": role}, "triage")
    model = {"create_time": "2026-04-27T20:45:13.779000Z", "enable_reading": True, "ip_restrict": True,
             "enable_spot_and_margin_trading": False, "enable_withdrawals": True,
             "raw_flags": [["enableFixReadOnly", True], ["enableReading", True]]}  # fmt: skip
    b.evidence("api-restrictions", model, "GET /sapi/v1/account/apiRestrictions", "the key's permissions")
    order = {"method": "DELETE", "path": "/api/v3/openOrders", "params": {"symbol": "X"}}
    b.advance(1).event("confirmation", {"item": "leak.cancel", "text": "Cancel every open order?"}, "cancel")
    b.event("intent", {"action": "leak.cancel", "request": order, "description": "cancel on X"}, "cancel")
    b.event("outcome", {"action": "leak.cancel", "status": "ok", "response": {}}, "cancel")
    check = {"action": "leak.revocation_check", "reason": "rejected with -2015"}
    b.advance(1).event("check", {**check, "result": "dead"}, "delete-key")
    b.event("check", {**check, "result": "passed"}, "delete-key")
    b.findings({"orders": [], "transfers": [], "withdrawals": [
        {"coin": "USDT", "network": "TRX", "amount": "6500", "address": "TN3W", "address_tag": "m1",
         "tx_id": "abc", "apply_time": "2026-11-23T11:00:00.000Z", "status": 6, "reason": "after the leak"},
        {"coin": "USDT", "network": "TRX", "amount": "1", "address": "TOld", "tx_id": "def",
         "apply_time": "2026-11-14T11:00:00.000Z", "status": 6, "reason": "nothing abnormal"}],
        "summary": {"gaps": ["orders not swept: -2015"], "loss": {"usdt_paid": "0", "estimated_loss": "0",
                                                                  "method": "not estimated"}}})  # fmt: skip
    ctx = context_of(b.dir)
    assert ctx.happened.what_leaked == "API key and secret"
    assert ctx.happened.leak_time is not None and ctx.happened.leak_time.startswith("2026-11-23 10:00:00 UTC")
    assert ctx.header.key_created is not None and ctx.header.key_created.startswith("2026-04-27 20:45:13 UTC")
    assert ctx.header.permissions == ("read", "withdrawals", "FIX API read")
    assert (ctx.header.ip_restricted, ctx.header.withdrawals_enabled) == (True, True)
    texts = [r.text for r in ctx.timeline]
    assert "I approved: Cancel every open order?" in texts
    assert [t for t in texts if "revocation_check" in t or "proven dead" in t] == [
        "The leaked key was proven dead: rejected with -2015"
    ]
    assert not any("Cancel every open order?" in d for d in ctx.done_by_user)
    assert [(w.time, w.address, w.address_tag) for w in ctx.findings.withdrawals] == [
        ("2026-11-23 11:00:00", "TN3W", "m1")
    ]
    assert ctx.findings.gaps == ("orders not swept: -2015",)
    loss = ctx.findings.loss  # "0" from an incomplete sweep is not shown as a figure
    assert loss is not None and loss.estimated is None and not loss.nothing_lost
