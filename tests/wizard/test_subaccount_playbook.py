"""The leak playbook on a sub-account key: deleted through the master's API with every outcome, the
fallbacks to the manual step, and the drill's self-check — scripted answers against the simulator."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from responder.clock import SystemClock
from responder.commands.session import open_session
from responder.commands.settings import Settings
from responder.exchange.subaccounts import KEYS
from responder.incident.journal import verify_chain
from responder.incident.verify import verify_case
from responder.leak import subaccount_drill
from responder.leak.drill import DrillControl, DrillSetup, auto_answers, leaked_credentials, self_check
from responder.leak.registry import build_registry
from responder.playbook.loader import find_playbook, load_playbook
from responder.playbook.runner import RunResult
from responder.playbook.session import CaseInfo, start_case
from responder.secrets import SecretRegistry
from responder.simulator import Simulator, load_scenario
from responder.wizard.prompter import RecordingDisplay, ScriptedPrompter

BASE = "http://127.0.0.1:9"  # never dialled: the simulator's in-process transport answers
DESK = "mm-desk@fund.example"


@dataclass
class Case:
    result: RunResult
    sim: Simulator
    dir: Path
    display: RecordingDisplay

    def journal(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (self.dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()]

    def status(self, step: str) -> str:
        return next(s.status for s in self.result.steps if s.id == step)

    def outputs(self, step: str) -> Any:
        return next(s.outputs for s in self.result.steps if s.id == step)

    def sent(self, method: str, path: str) -> int:
        return sum(1 for e in self.sim.request_log.entries() if e.method == method and e.path == path)

    def checks(self) -> list[str]:
        return [
            e["payload"]["result"]
            for e in self.journal()
            if e["kind"] == "check"
            and e["payload"].get("action") == "leak.revocation_check"
            and e["payload"]["result"] in ("dead", "alive", "indeterminate")
        ]


def run_case(
    tmp: Path,
    *,
    change: dict[str, Any] | None = None,
    master: bool = True,
    mode: str = "drill",
    before: Any = None,
) -> Case:
    clock = SystemClock()
    sim = Simulator(load_scenario("sub-account-leak"), clock=clock)
    if before is not None:
        before(sim)
    answers = auto_answers(sim)
    for key, value in (change or {}).items():
        answers[key] = {**answers[key], **value} if isinstance(value, dict) and key in answers else value
    secrets, registry = SecretRegistry(), build_registry()
    display = RecordingDisplay()
    settings = Settings({}, interactive=False, out=io.StringIO(), err=io.StringIO(), clock=clock,
                        transport=sim.transport)  # fmt: skip
    setup = DrillSetup(sim, BASE, DrillControl(sim), "sub-account-leak")
    creds = leaked_credentials(setup, secrets)
    session = open_session(
        settings, base_url=BASE, credentials=creds, secrets=secrets,
        prompter=ScriptedPrompter(answers, clock),
        display=display, registry=registry, control=setup.control,
        master=subaccount_drill.master_credentials(sim, secrets) if master else None,
    )  # fmt: skip
    with session as env:
        playbook = load_playbook(find_playbook("binance-api-key-leak"), registry)
        info = CaseInfo(BASE, creds.masked_key, creds.key_type, scenario="sub-account-leak")
        result = start_case(env, playbook, mode=mode, info=info, incident_dir=tmp / "case")  # type: ignore[arg-type]
    return Case(result, sim, tmp / "case", display)


def test_drill_deletes_the_leaked_key_through_the_api_proves_it_dead_and_reports(tmp_path: Path) -> None:
    case = run_case(tmp_path)
    assert case.outputs("sub-check")["available"] is True
    assert case.outputs("sub-delete")["deleted"] == "yes"
    assert case.checks() == ["dead"]
    assert case.status("delete-key") == "skipped"  # no manual step: the API did it
    assert case.sent("DELETE", KEYS) == 2  # the leaked key, then the risky legacy key (each confirmed)
    truth = case.sim.ground_truth
    keys = {k["name"]: k["state"] for s in truth["organisation"]["sub_accounts"] for k in s["keys"]}
    assert (
        keys["desk-bot"] == "deleted"
        and keys["legacy-arb"] == "deleted"
        and keys["desk-reporting"] == "active"
    )
    assert all(a["status"] != "done" for a in truth["attacker_actions"] if a["label"] == "pump-buy-late")
    check = self_check(case.sim, case.dir)
    assert check.ok, check.problems
    assert any("deleted through the master account's API" in p for p in check.passed)
    report = (case.dir / "report.md").read_text(encoding="utf-8")
    deletion = next(line for line in report.splitlines() if "Delete the leaked API key" in line)
    assert "through the master account's API: done, Binance confirmed" in deletion
    assert "Time to contain" in report
    assert verify_chain(case.dir / "journal.jsonl") == []
    verdict = verify_case(case.dir)
    assert verdict.intact and verdict.closed, verdict.problems
    everything = "".join(p.read_text(errors="replace") for p in case.dir.rglob("*") if p.is_file())
    everything += "".join(text for _, text in case.display.lines)
    for key in case.sim.keys:  # full API keys and secrets of every account stay out of every file and line
        assert key.api_key not in everything
        assert key.secret is None or key.secret.reveal() not in everything


def test_intent_is_journaled_before_and_outcome_after_the_deletion(tmp_path: Path) -> None:
    entries = run_case(tmp_path).journal()
    mine = [
        e
        for e in entries
        if "sub.delete_leaked_key" in (e["payload"].get("action"), e["payload"].get("item"))
    ]
    kinds = [e["kind"] for e in mine if e["kind"] in ("confirmation", "intent", "outcome")]
    assert kinds == ["confirmation", "intent", "outcome"]
    intent = next(e for e in mine if e["kind"] == "intent")
    assert intent["payload"]["request"]["params"]["subAccountApiKey"].count("…") == 1  # masked


@pytest.mark.parametrize("executed", [True, False])
def test_a_5xx_on_the_deletion_is_read_back_and_never_resent(tmp_path: Path, executed: bool) -> None:
    def fault(sim: Simulator) -> None:
        sim.control.inject_fault("server_error", path=KEYS, method="DELETE", status=503, executed=executed)

    case = run_case(tmp_path, before=fault, change={"sub-other-1-choice": {"do": "Leave it as it is"}})
    outcomes = [e["payload"]["status"] for e in case.journal()
                if e["kind"] == "outcome" and e["payload"]["action"] == "sub.delete_leaked_key"]  # fmt: skip
    assert outcomes == ["unknown", "reconciled"]
    assert case.sent("DELETE", KEYS) == 1  # never re-sent
    if executed:
        assert case.outputs("sub-delete")["deleted"] == "yes" and case.checks() == ["dead"]
        assert case.status("delete-key") == "skipped"
    else:
        assert case.outputs("sub-delete")["deleted"] == "no"
        assert case.status("delete-key") == "done"  # the manual step follows (acted out in the drill)
        assert case.checks()[-1] == "dead"


def test_a_kyc_refusal_is_rejected_changes_nothing_and_falls_back(tmp_path: Path) -> None:
    case = run_case(tmp_path, before=lambda sim: sim.control.set_kyc_ip_check(False))
    out = case.outputs("sub-delete")
    assert out["deleted"] == "no" and "KYC" in out["reason"]
    assert case.status("delete-key") == "done"
    assert any("refused the deletion" in text for _, text in case.display.lines)


def test_without_a_master_key_it_says_so_and_falls_back(tmp_path: Path) -> None:
    case = run_case(
        tmp_path, master=False, mode="live",
        change={"master-key": {"api_key": "", "secret": ""}, "readonly-key": {"api_key": "", "secret": ""}},
    )  # fmt: skip
    assert case.outputs("sub-check") == {"available": False, "reason": "no master-account key was given"}
    assert case.status("sub-delete") == "skipped" and case.sent("DELETE", KEYS) == 0


def test_a_master_key_typed_at_the_prompt_is_used_and_never_journaled(tmp_path: Path) -> None:
    sim_key = next(k for k in Simulator(load_scenario("sub-account-leak")).keys if k.name == "master")
    assert sim_key.secret is not None
    typed = {"api_key": sim_key.api_key, "secret": sim_key.secret.reveal()}
    case = run_case(
        tmp_path, master=False, mode="live",
        change={"master-key": typed, "readonly-key": {"api_key": "", "secret": ""}},
    )  # fmt: skip
    assert case.outputs("sub-delete")["deleted"] == "yes"
    journal = (case.dir / "journal.jsonl").read_text(encoding="utf-8")
    assert typed["api_key"] not in journal and typed["secret"] not in journal


def test_an_asset_sub_account_is_not_supported_and_falls_back(tmp_path: Path) -> None:
    case = run_case(tmp_path, change={"sub-account-details": {"email": "treasury@fund.example"}})
    out = case.outputs("sub-check")
    assert out["available"] is False and "Asset Management" in out["reason"]
    assert case.status("delete-key") == "done"


def test_an_unknown_email_searches_nothing_and_falls_back(tmp_path: Path) -> None:
    case = run_case(tmp_path, change={"sub-account-details": {"email": "nobody@else.example"}})
    assert "is not one of this master account's" in case.outputs("sub-check")["reason"]


def test_an_empty_email_finds_the_key_by_searching_the_sub_accounts(tmp_path: Path) -> None:
    case = run_case(tmp_path, change={"sub-account-details": {"email": ""}})
    assert case.outputs("sub-check")["email"] == DESK and case.outputs("sub-delete")["deleted"] == "yes"


def test_dry_run_sends_no_deletion(tmp_path: Path) -> None:
    case = run_case(tmp_path, mode="dry-run", change={"readonly-key": {"api_key": "", "secret": ""}})
    assert case.sent("DELETE", KEYS) == 0 and case.sent("POST", "/sapi/v1/sub-account/universalTransfer") == 0
    assert case.outputs("sub-delete")["deleted"] == "would-do"
    assert any(
        e["kind"] == "would-do" and e["payload"]["action"] == "sub.delete_leaked_key" for e in case.journal()
    )
    assert case.sim.keys[0].active


def test_declining_the_deletion_leaves_the_manual_step(tmp_path: Path) -> None:
    case = run_case(tmp_path, change={"sub-delete": False})
    assert case.status("sub-delete") == "skipped" and case.sent("DELETE", KEYS) == 1  # only legacy-arb
    assert case.status("delete-key") == "done"


def test_other_keys_can_be_restricted_or_stripped_each_confirmed(tmp_path: Path) -> None:
    case = run_case(
        tmp_path,
        change={
            "sub-other-1-choice": {"do": "Restrict it to trusted IPs"},
            "sub-other-1-ips": {"ips": "198.51.100.9"},
        },
    )
    legacy = next(k for k in case.sim.keys if k.name == "legacy-arb")
    assert legacy.active and legacy.ip_whitelist == ("198.51.100.9",)
    case2 = run_case(
        tmp_path / "b", change={"sub-other-1-choice": {"do": "Drop its trading and transfer permissions"}}
    )
    legacy2 = next(k for k in case2.sim.keys if k.name == "legacy-arb")
    assert legacy2.permissions == ("enableReading",)
    declined = run_case(tmp_path / "c", change={"sub-other-1": False})
    assert declined.status("sub-other-1") == "skipped"
    assert next(k for k in declined.sim.keys if k.name == "legacy-arb").active


def test_moving_the_assets_leaves_the_sub_account_empty(tmp_path: Path) -> None:
    case = run_case(tmp_path)
    assert case.outputs("sub-move")["moved"] == 3
    transfers = case.sim.ground_truth["organisation"]["transfers"]
    assert {t["asset"] for t in transfers} == {"USDT", "BTC", "PHB"}
    assert all(t["toEmail"] == "ops@fund.example" for t in transfers)


def test_a_deletion_interrupted_and_resumed_without_the_master_key_is_unknown_never_resent(
    tmp_path: Path,
) -> None:
    """A crash between the deletion's intent and its outcome; the resume has no master key at hand."""
    from responder.incident.evidence import EvidenceStore
    from responder.incident.journal import Journal, read_entries
    from responder.leak.subaccount import delete_leaked_key
    from responder.playbook.actions import ActionContext, RecordedMutation
    from tests.exchange.unused import UnusedExchange

    clock, secrets = SystemClock(), SecretRegistry()
    (tmp_path / "case").mkdir()
    journal = Journal.create(tmp_path / "case", clock, secrets)
    request = {"method": "DELETE", "path": KEYS, "params": {"email": DESK, "subAccountApiKey": "fake…key0"}}
    intent = {"action": "sub.delete_leaked_key", "request": request, "description": "delete"}
    journal.append("intent", "sub-delete", intent)
    ctx = ActionContext(
        "sub-delete", "sub.delete_leaked_key", UnusedExchange(), clock, journal,
        EvidenceStore(tmp_path / "case", journal, secrets), RecordingDisplay(), secrets,
        tmp_path / "case", {}, recorded=(RecordedMutation(intent),),
    )  # fmt: skip
    result = delete_leaked_key(ctx, {"email": DESK})
    assert result.outputs["deleted"] == "unknown"
    outcomes = [
        e.payload["status"] for e in read_entries(tmp_path / "case" / "journal.jsonl") if e.kind == "outcome"
    ]
    assert outcomes == ["unknown", "unknown"]  # interrupted; and no master key to read the list back with
