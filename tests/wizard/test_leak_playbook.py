"""Every branch of the shipped leak playbook, driven by a scripted prompter against the simulator."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from responder.errors import AnswersError
from responder.incident.journal import verify_chain
from responder.incident.verify import verify_case
from responder.leak.drill import self_check
from responder.simulator import Simulator, load_scenario


def kinds(case: Any, kind: str, action: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in case.journal()
        if e["kind"] == kind and (action is None or e["payload"].get("action") == action)
    ]


def revocation(case: Any) -> list[dict[str, Any]]:
    """The revocation checks with their precise result (the runner also journals passed/pending)."""
    return [
        c
        for c in kinds(case, "check", "leak.revocation_check")
        if c["payload"]["result"] in ("dead", "alive", "indeterminate")
    ]


def test_pump_and_dump_contains_proves_and_reports(leak: Any) -> None:
    case = leak("pump-and-dump")
    roles = {(e["kind"], e["payload"].get("question")): e["payload"].get("role") for e in case.journal()}
    assert roles[("answer", "leaked_at")] == "leak-time" and roles[("answer", "noticed_at")] == "noticed-time"
    deleted = [e for e in kinds(case, "confirmation") if e["step"] == "delete-key"]
    assert deleted and all(e["payload"]["role"] == "key-deleted" for e in deleted)
    assert {e["payload"].get("role") for e in case.journal() if e["step"] == "report"} == {"report"}
    assert case.result.closed == "done"
    assert case.outputs("snapshot")["open_orders"] > 0
    assert case.outputs("cancel")["cancelled"] == case.outputs("cancel")["asked"] > 0
    assert case.status("delete-key") == "done"
    assert [c["payload"]["result"] for c in revocation(case)] == ["dead"]
    assert case.outputs("investigate")["attacker_orders"] > 0
    assert {p.name for p in case.dir.glob("report.*")} == {"report.md", "report.txt", "report.html"}
    assert self_check(case.sim, case.dir).ok
    assert verify_chain(case.dir / "journal.jsonl") == []
    assert verify_case(case.dir).problems == ()


def test_every_cancel_is_journaled_before_and_after(leak: Any) -> None:
    case = leak("pump-and-dump")
    entries = case.journal()
    intents = [i for i, e in enumerate(entries) if e["kind"] == "intent"]
    outcomes = [i for i, e in enumerate(entries) if e["kind"] == "outcome"]
    assert intents and len(intents) == len(outcomes)
    assert all(i < o for i, o in zip(intents, outcomes, strict=True))
    sent = [e for e in case.mutating_requests() if e.method == "DELETE"]
    assert len(sent) == len(intents)  # one request per intent, none repeated
    assert entries[intents[0]]["payload"]["request"]["path"] == "/api/v3/order"  # one order at a time


def test_dry_run_sends_no_mutation_and_records_what_it_would_do(leak: Any) -> None:
    case = leak("pump-and-dump", mode="dry-run", change={"readonly-key": {"api_key": "", "secret": ""}})
    assert case.mutating_requests() == []
    would = kinds(case, "would-do")
    assert would and would[0]["payload"]["request"]["method"] == "DELETE"
    assert not kinds(case, "intent")
    assert case.sim.ground_truth["open_orders"]  # the attacker's orders are still there
    assert case.result.mode == "dry-run"


def test_declining_the_cancel_changes_nothing(leak: Any) -> None:
    case = leak("pump-and-dump", change={"cancel": False})
    assert case.status("cancel") == "skipped"
    assert case.mutating_requests() == []
    assert any(o["source"] == "attacker" for o in case.sim.ground_truth["open_orders"])


def test_key_only_leak_skips_the_snapshot_and_the_cancel(leak: Any) -> None:
    case = leak("pump-and-dump", change={"triage": {"what": "API key only"}})
    assert case.status("snapshot") == "skipped"
    assert case.status("cancel") == "skipped"


@pytest.mark.parametrize(
    ("vector", "step"),
    [
        ("Pushed to a public repository", "repo-scrub"),
        ("Compromised server", "server-rotate"),
        ("Phishing site", "phishing"),
        ("Insider", "insider"),
    ],
)
def test_each_leak_vector_adds_its_own_advice(leak: Any, vector: str, step: str) -> None:
    case = leak("quiet-leak", change={"triage": {"vector": vector}})
    vector_steps = {"repo-scrub", "server-rotate", "phishing", "insider"}
    assert case.status(step) == "done"
    assert all(case.status(s) == "skipped" for s in vector_steps - {step})


def test_quiet_leak_flags_nothing(leak: Any) -> None:
    case = leak("quiet-leak")
    assert case.outputs("snapshot")["open_after_leak"] == 0
    assert case.outputs("investigate")["attacker_orders"] == 0
    assert self_check(case.sim, case.dir).ok


def test_withdrawal_drain_disables_the_account_and_still_finds_the_withdrawals(leak: Any) -> None:
    case = leak("withdrawal-drain")
    assert case.outputs("snapshot")["can_withdraw"] is True
    assert case.status("disable-account") == "done"
    assert case.sim.ground_truth["account"]["disabled"] is True
    assert self_check(case.sim, case.dir).ok


def test_ip_restricted_key_is_never_called_dead(leak: Any) -> None:
    case = leak("ip-restricted")
    results = [c["payload"]["result"] for c in revocation(case)]
    assert results and set(results) == {"indeterminate"}
    assert case.status("delete-key") == "unresolved"
    assert "IP-restricted" in " ".join(c["payload"]["reason"] for c in revocation(case))


def test_unconfirmed_deletion_is_unresolved_not_done(leak: Any) -> None:
    case = leak("quiet-leak", change={"delete-key": []})
    assert case.status("delete-key") == "unresolved"
    assert case.sim.ground_truth["keys"][0]["state"] == "active"  # nothing was acted out
    assert case.result.closed == "unresolved"


def test_a_missing_scripted_answer_is_an_error_naming_the_step(leak: Any) -> None:
    with pytest.raises(AnswersError, match="lockdown"):
        leak("quiet-leak", change={"lockdown": None})


def test_secrets_never_reach_the_incident_directory(leak: Any) -> None:
    case = leak("pump-and-dump")
    secrets = [k.secret.reveal() for k in case.sim.keys if k.secret is not None]
    assert secrets
    for path in case.dir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not any(s in text for s in secrets), path


def test_an_interrupted_sweep_resumes_from_its_journal_cursors(leak: Any) -> None:
    """The investigation journals each finished sweep call; read back, they spare every order read."""
    from datetime import datetime

    from responder.clock import SystemClock
    from responder.credentials import credentials_from
    from responder.exchange.client import connect
    from responder.forensics.sweep import investigate
    from responder.incident.evidence import EvidenceStore
    from responder.incident.journal import Journal
    from responder.leak.cursors import SweepCursors
    from responder.playbook.actions import ActionContext
    from responder.secrets import SecretRegistry
    from responder.wizard.prompter import RecordingDisplay

    from .conftest import BASE

    case = leak("pump-and-dump")
    clock, secrets = SystemClock(), SecretRegistry()
    journal = Journal.open(case.dir, clock, secrets)
    ctx = ActionContext(
        "investigate", "leak.investigate", None, clock, journal, EvidenceStore(case.dir, journal, secrets),
        RecordingDisplay(), secrets, case.dir, {},
    )  # fmt: skip
    cursors = SweepCursors(ctx, clock.now())
    done = cursors.done()
    assert any(key.startswith("orders:") for key in done) and cursors.until < clock.now()
    key = next(k for k in case.sim.keys if k.name == "investigation")
    creds = credentials_from(key.api_key, secrets, secret=key.secret)
    since = datetime.fromisoformat(str(case.outputs("triage")["leaked_at"]).replace("Z", "+00:00"))
    sent_before = len(case.sim.request_log.entries())
    with connect(BASE, creds, clock=clock, transport=case.sim.transport()) as client:
        findings = investigate(client, since=since, until=cursors.until, clock=clock, done=done)
    sent = [e.path for e in case.sim.request_log.entries()[sent_before:]]
    assert "/api/v3/allOrders" not in sent
    assert findings.attacker_orders()


def test_the_users_own_orders_are_kept_unless_asked(leak: Any) -> None:
    """quiet-leak: the person's two orders, none placed after the leak (issue 17 #8)."""
    case = leak("quiet-leak")
    assert case.outputs("snapshot")["attacker_open"] == 0 and case.outputs("snapshot")["own_open"] == 2
    assert case.status("cancel") == "skipped" and case.status("cancel-own") == "skipped"  # declined
    assert case.mutating_requests() == []
    assert len(case.sim.ground_truth["open_orders"]) == 2
    asked = case.prompts("cancel-own")
    assert asked and "Also cancel your own 2 open orders" in asked[0]


def test_the_snapshot_says_whose_each_open_order_is(leak: Any) -> None:
    case = leak("pump-and-dump")
    shown = case.display.text()
    assert "NOT YOURS: placed through the API after the leak" in shown
    assert "yours: your bot's prefix 'grid7-'" in shown
    own = {o["orderId"] for o in case.outputs("snapshot")["own_orders"]}
    still_open = {o["orderId"] for o in case.sim.ground_truth["open_orders"]}
    assert own and own <= still_open  # the bot's grid is still on the book


FAULTS: dict[str, dict[str, Any]] = {
    "5XX": {"kind": "server_error", "status": 503},
    "WAF 403": {"kind": "waf"},
    "429": {"kind": "reject", "status": 429, "code": -1003, "retry_after": 1},
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_unreadable_permissions_take_the_safe_branch_and_say_so(leak: Any, fault: str) -> None:
    """The key's permissions cannot be read: "Disable the account first" is not skipped (issue 17 #2)."""
    spec = {**FAULTS[fault], "path": "/sapi/v1/account/apiRestrictions", "count": None}
    case = leak("pump-and-dump", faults=[spec])
    assert case.outputs("snapshot")["can_withdraw"]["unknown"].startswith("whether the key can withdraw")
    assert case.status("disable-account") != "skipped"
    started = next(
        e for e in case.journal() if e["kind"] == "step-started" and e["step"] == "disable-account"
    )
    assert started["payload"]["unknown"].startswith("whether the key can withdraw")
    shown = case.display.text()
    assert "could not read whether the key can withdraw — treating it as yes" in shown
    assert "could not read whether the key can withdraw" in shown and "doing this step to be safe" in shown


def test_unreadable_open_orders_do_not_skip_the_cancel(leak: Any) -> None:
    """The snapshot could not read open orders (a 503 every time during the snapshot): the cancel
    step still runs, reads them again, and cancels the attacker's."""
    spec = {"kind": "server_error", "status": 503, "path": "/api/v3/openOrders", "method": "GET", "count": 3}
    case = leak("pump-and-dump", faults=[spec])
    assert "unknown" in case.outputs("snapshot")["open_orders"]
    assert case.status("cancel") == "done"
    assert case.outputs("cancel")["cancelled"] > 0
    assert not [o for o in case.sim.ground_truth["open_orders"] if o["source"] == "attacker"]


def test_a_cancel_whose_every_request_failed_is_failed_never_a_tick(leak: Any) -> None:
    spec = {
        "kind": "reject",
        "status": 400,
        "code": -1013,
        "path": "/api/v3/order",
        "method": "DELETE",
        "count": None,
    }
    case = leak("pump-and-dump", faults=[spec])
    assert case.status("cancel") == "failed"
    assert case.outputs("cancel")["cancelled"] == 0
    assert ("danger", f"cancelled 0 of {case.outputs('cancel')['asked']} orders") in case.display.lines
    assert not any(level == "ok" and "cancelled" in text for level, text in case.display.lines)
    assert case.result.closed == "unresolved"


def test_failed_reads_do_not_make_the_revocation_claim_an_ip_restriction(leak: Any) -> None:
    """Every snapshot read failed with 503: the key was not "already rejected", so the revocation
    check is made normally and nothing is blamed on an IP whitelist."""
    paths = ["/sapi/v1/account/apiRestrictions", "/api/v3/account", "/api/v3/openOrders", "/sapi/v1/capital",
             "/sapi/v1/asset", "/sapi/v1/account/status"]  # fmt: skip
    faults = [{"kind": "server_error", "status": 503, "path": p, "method": "GET", "count": 3} for p in paths]
    case = leak("pump-and-dump", faults=faults)
    assert case.outputs("snapshot")["key_rejected"] is False
    reasons = [c["payload"]["reason"] for c in revocation(case)]
    assert reasons and not any("IP-restricted" in r or "already rejected" in r for r in reasons)


def test_a_key_that_could_withdraw_disables_the_account_first_and_counts_what_left(leak: Any) -> None:
    """withdrawal-drain (issue 17 #4): Disable the account comes before Delete the key; nothing
    impossible is asked after it; the loss counts the withdrawal the snapshot proved."""
    case = leak("withdrawal-drain")
    order = [e["step"] for e in case.journal() if e["kind"] == "step-started"]
    assert order.index("disable-account") < order.index("delete-key")
    for step in ("lockdown", "connect", "audit"):
        assert case.status(step) == "skipped"
    loss = json.loads((case.dir / "findings.json").read_text(encoding="utf-8"))["summary"]["loss"]
    assert Decimal(loss["estimated_loss"]) >= Decimal("6500")
    assert "lower bound" in loss["method"]  # orders not swept: what left is counted, the rest unknown


def test_the_leaked_key_pasted_as_the_read_only_key_is_refused(leak: Any) -> None:
    sim = Simulator(load_scenario("quiet-leak"))
    try:
        leaked = sim.keys[0].api_key
    finally:
        sim.close()
    case = leak(
        "quiet-leak",
        mode="live",
        change={
            "readonly-key": {"api_key": leaked, "secret": "k3Yq9TzW0pLr7VbN2mXc"},
            "delete-key.keep-checking": False,
        },
    )
    assert case.outputs("connect") == {"connected": False, "refused": "leaked key"}
    assert "not a new read-only one: it is refused" in case.display.text()


def test_the_investigation_key_is_journaled_masked_and_still_used(leak: Any) -> None:
    from responder.leak.drill import DrillControl
    from responder.secrets import mask_key

    made: dict[str, str] = {}

    def read_only_key(sim: Any) -> dict[str, Any]:  # a new key, as the person creates in API Management
        api_key, secret = DrillControl(sim).create_read_only_key()
        made.update(api_key=api_key, secret=secret.reveal())
        return {"readonly-key": {"api_key": api_key, "secret": made["secret"]}}

    case = leak("pump-and-dump", mode="dry-run", prepare=read_only_key)
    key_api, secret = made["api_key"], made["secret"]
    raw = (case.dir / "journal.jsonl").read_text()
    assert key_api not in raw and secret not in raw
    answer = next(e for e in kinds(case, "answer") if e["payload"]["question"] == "api_key")
    assert answer["payload"]["value"] == mask_key(key_api)
    assert case.outputs("connect")["connected"] is True  # the whole key was used, from memory
    for path in case.dir.rglob("*"):
        if path.is_file():
            assert key_api not in path.read_text(errors="replace"), path
