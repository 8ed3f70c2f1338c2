"""What lived only in memory after a restart (issue 17 #3): the read-only key's secret is asked again
and the investigation connection is made again, so a resumed case investigates with that key."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from responder.clock import SystemClock
from responder.commands.session import open_session
from responder.commands.settings import Settings
from responder.errors import Aborted
from responder.leak.drill import DrillControl, DrillSetup, auto_answers, leaked_credentials
from responder.leak.registry import build_registry
from responder.playbook.loader import find_playbook, load_playbook
from responder.playbook.runner import RunResult
from responder.playbook.session import CaseInfo, resume_case, start_case
from responder.secrets import SecretRegistry, mask_key
from responder.simulator import Simulator, load_scenario
from responder.wizard.prompter import ABORT, RecordingDisplay, ScriptedPrompter

BASE = "http://127.0.0.1:9"  # never dialled: the simulator's in-process transport answers


def run(sim: Simulator, answers: dict[str, Any], case: Path, *, resume: bool) -> RunResult:
    """One process: a fresh secret registry, vault and clients (nothing carried over in memory)."""
    clock, secrets, registry = SystemClock(), SecretRegistry(), build_registry()
    settings = Settings({}, interactive=False, out=io.StringIO(), err=io.StringIO(), clock=clock,
                        transport=sim.transport)  # fmt: skip
    setup = DrillSetup(sim, BASE, DrillControl(sim), "pump-and-dump")
    creds = leaked_credentials(setup, secrets)
    session = open_session(settings, base_url=BASE, credentials=creds, secrets=secrets,
                           prompter=ScriptedPrompter(answers, clock), display=RecordingDisplay(),
                           registry=registry)  # fmt: skip
    with session as env:
        playbook = load_playbook(find_playbook("binance-api-key-leak"), registry)
        if resume:
            return resume_case(env, case, playbook=playbook)
        info = CaseInfo(BASE, creds.masked_key, creds.key_type)
        return start_case(env, playbook, mode="live", info=info, incident_dir=case)


def test_a_resumed_live_case_asks_for_the_read_only_secret_again_and_investigates_with_it(
    tmp_path: Path,
) -> None:
    sim = Simulator(load_scenario("pump-and-dump"))
    try:
        api_key, secret = DrillControl(sim).create_read_only_key()
        answers = auto_answers(sim) | {
            "readonly-key": {"api_key": api_key, "secret": secret},
            "delete-key.keep-checking": False,
        }
        case = tmp_path / "case"
        with pytest.raises(Aborted):
            run(sim, answers | {"account-security": ABORT}, case, resume=False)
        result = run(sim, answers, case, resume=True)
        entries = [json.loads(x) for x in (case / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
        again = [e for e in entries if e["kind"] == "answer" and e["payload"].get("again")]
        assert [(e["step"], e["payload"]["question"]) for e in again] == [
            ("readonly-key", "api_key"),
            ("readonly-key", "secret"),
        ]  # both lived only in memory: the key (journaled masked) and its secret (withheld)
        assert [e["payload"]["value"] for e in again] == [mask_key(api_key), "<secret withheld>"]
        assert [e["step"] for e in entries if e["kind"] == "step-started"].count("connect") == 2
        swept_with = {r.key for r in sim.request_log.entries() if r.path == "/api/v3/allOrders"}
        assert mask_key(api_key) in swept_with  # the resumed investigation swept with the read-only key
        assert next(s for s in result.steps if s.id == "investigate").outputs["attacker_orders"] > 0
        assert secret.reveal() not in (case / "journal.jsonl").read_text(encoding="utf-8")
    finally:
        sim.close()
