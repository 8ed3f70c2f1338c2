"""Runs the shipped leak playbook against the in-process simulator with scripted answers."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from responder.clock import SystemClock
from responder.commands.session import open_session
from responder.commands.settings import Settings
from responder.leak.drill import DrillControl, DrillSetup, auto_answers, leaked_credentials
from responder.leak.registry import build_registry
from responder.playbook.loader import find_playbook, load_playbook
from responder.playbook.runner import RunResult
from responder.playbook.session import CaseInfo, start_case
from responder.secrets import SecretRegistry
from responder.simulator import Simulator, load_scenario
from responder.wizard.prompter import RecordingDisplay, ScriptedPrompter

BASE = "http://127.0.0.1:9"  # never dialled: the simulator's in-process transport answers


@dataclass
class Case:
    result: RunResult
    sim: Simulator
    dir: Path
    display: RecordingDisplay
    prompter: ScriptedPrompter

    def journal(self) -> list[dict[str, Any]]:
        lines = (self.dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(x) for x in lines]

    def status(self, step: str) -> str:
        return next(s.status for s in self.result.steps if s.id == step)

    def outputs(self, step: str) -> Any:
        return next(s.outputs for s in self.result.steps if s.id == step)

    def prompts(self, step: str) -> list[str]:
        """The texts of the questions asked in `step`."""
        return [q.text for q in self.prompter.asked if q.step_id == step]

    def mutating_requests(self) -> list[Any]:
        return [e for e in self.sim.request_log.entries() if e.mutating]


def run_leak(
    tmp: Path,
    scenario: str,
    *,
    mode: str = "drill",
    change: dict[str, Any] | None = None,
    faults: list[dict[str, Any]] | None = None,
    prepare: Callable[[Simulator], dict[str, Any] | None] | None = None,
) -> Case:
    """The leak playbook on a fresh simulator. `faults` are injected before the first request
    (`{"kind": "server_error", "path": "/sapi/v1/account/apiRestrictions", "count": None}`);
    `prepare(sim)` may act in the simulator first (an attacker's order list, a new read-only key) and
    return answers to change."""
    clock = SystemClock()
    sim = Simulator(load_scenario(scenario), clock=clock)
    for fault in faults or []:
        sim.control.inject_fault(**fault)
    prepared = prepare(sim) if prepare is not None else None
    answers = auto_answers(sim)
    change = {**(change or {}), **(prepared or {})}
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(answers.get(key), dict):
            answers[key] = {**answers[key], **value}
        elif value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    secrets, registry = SecretRegistry(), build_registry()
    prompter = ScriptedPrompter(answers, clock)
    display = RecordingDisplay()
    settings = Settings({}, interactive=False, out=io.StringIO(), err=io.StringIO(), clock=clock,
                        transport=sim.transport)  # fmt: skip
    setup = DrillSetup(sim, BASE, DrillControl(sim), scenario)
    creds = leaked_credentials(setup, secrets)
    session = open_session(
        settings,
        base_url=BASE,
        credentials=creds,
        secrets=secrets,
        prompter=prompter,
        display=display,
        registry=registry,
        control=setup.control,
    )
    with session as env:
        playbook = load_playbook(find_playbook("binance-api-key-leak"), registry)
        info = CaseInfo(BASE, creds.masked_key, creds.key_type, scenario=scenario)
        result = start_case(env, playbook, mode=mode, info=info, incident_dir=tmp / "case")  # type: ignore[arg-type]
    return Case(result, sim, tmp / "case", display, prompter)


@pytest.fixture
def leak(tmp_path: Path) -> Iterator[Any]:
    sims: list[Simulator] = []

    def run(scenario: str, **kw: Any) -> Case:
        case = run_leak(tmp_path, scenario, **kw)
        sims.append(case.sim)
        return case

    yield run
    for sim in sims:
        sim.close()
