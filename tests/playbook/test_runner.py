# ruff: noqa: E501 — scenario set-ups read best on one line
"""The runner and sessions: journaled steps, mutations with intent/outcome, dry run, Ctrl-C and resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from responder.clock import ManualClock
from responder.errors import EXIT_ABORTED, Aborted, AnswersError, UsageError
from responder.incident.journal import verify_chain
from responder.playbook.actions import ActionRegistry
from responder.playbook.answers import parse_answers
from responder.playbook.loader import parse_playbook
from responder.playbook.model import Playbook
from responder.playbook.runner import Env, RunResult
from responder.playbook.session import resume_case, start_case
from responder.secrets import SecretRegistry
from responder.wizard.prompter import ABORT, AnswersPrompter, RecordingDisplay, ScriptedPrompter

from .conftest import BASIC_ANSWERS
from .fakes import FakeExchange, make_order


def env_for(
    answers: dict[str, Any], exchange: FakeExchange, clock: ManualClock, registry: ActionRegistry,
    secrets: SecretRegistry | None = None,
) -> Env:  # fmt: skip
    return Env(
        ScriptedPrompter(answers, clock),
        RecordingDisplay(),
        clock,
        secrets if secrets is not None else SecretRegistry(),
        registry,
        exchange,
    )


def journal(case: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (case / "journal.jsonl").read_text().splitlines()]


def kinds(case: Path, step: str | None = None) -> list[str]:
    return [e["kind"] for e in journal(case) if step is None or e["step"] == step]


def statuses(result: RunResult) -> dict[str, str]:
    return {s.id: s.status for s in result.steps}


def test_a_live_run_journals_every_step_and_mutates_once(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1), make_order(2)])
    result = start_case(
        env_for(BASIC_ANSWERS, ex, clock, registry), basic, mode="live", incident_dir=tmp_path / "c"
    )
    assert result.closed == "done"
    assert set(statuses(result).values()) == {"done"}
    assert ex.mutations == [("DELETE", "/api/v3/openOrders", "QKCUSDT")]
    assert kinds(tmp_path / "c", "cancel") == [
        "step-started",
        "confirmation",
        "intent",
        "outcome",
        "action-result",
        "step-completed",
    ]
    intent = next(e for e in journal(tmp_path / "c") if e["kind"] == "intent")
    assert intent["payload"]["request"] == {
        "method": "DELETE",
        "path": "/api/v3/openOrders",
        "params": {"symbol": "QKCUSDT"},
    }
    assert result.findings == ("2 open orders on QKCUSDT",)
    assert verify_chain(tmp_path / "c" / "journal.jsonl") == []
    assert (tmp_path / "c" / "MANIFEST.sha256").read_text().count(
        "\n"
    ) == 1  # the evidence; the journal is anchored by its head
    opened = journal(tmp_path / "c")[0]["payload"]
    assert opened["playbook_sha256"] == basic.sha256 and opened["responder_version"]


def test_a_secret_answer_is_never_journaled(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    secrets = SecretRegistry()
    start_case(
        env_for(BASIC_ANSWERS, FakeExchange(), clock, registry, secrets),
        basic,
        mode="live",
        incident_dir=tmp_path / "c",
    )
    text = (tmp_path / "c" / "journal.jsonl").read_text()
    assert "old-secret-value-123" not in text
    assert '"question":"passphrase","value":"<secret withheld>"' in text
    assert secrets.find_in("old-secret-value-123")  # registered, so no later writer can leak it


def test_dry_run_sends_no_mutation_and_journals_would_do(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)])
    env = env_for(BASIC_ANSWERS | {"delete-key.keep-checking": False}, ex, clock, registry)
    result = start_case(env, basic, mode="dry-run", incident_dir=tmp_path / "c")
    assert ex.mutations == []
    assert result.dry_run
    assert kinds(tmp_path / "c", "cancel") == [
        "step-started",
        "confirmation",
        "would-do",
        "action-result",
        "step-completed",
    ]
    assert statuses(result)["repo-advice"] == "skipped"  # when: ... and not dry_run
    assert statuses(result)["delete-key"] == "unresolved"  # the orders are still there: verify pending
    assert ("dry", "would cancel every open order on QKCUSDT: DELETE /api/v3/openOrders") in env.display.lines  # type: ignore[attr-defined]
    assert journal(tmp_path / "c")[0]["payload"]["mode"] == "dry-run"


def test_an_unknown_outcome_is_reconciled_by_reading_never_resent(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)], unknown_after_cancel=1)
    result = start_case(
        env_for(BASIC_ANSWERS, ex, clock, registry), basic, mode="live", incident_dir=tmp_path / "c"
    )
    assert ex.mutations == [("DELETE", "/api/v3/openOrders", "QKCUSDT")]
    outcomes = [e["payload"] for e in journal(tmp_path / "c") if e["kind"] == "outcome"]
    assert [o["status"] for o in outcomes] == ["unknown", "reconciled"]
    assert outcomes[1]["response"] == {"open_orders": 0}
    assert result.steps[3].outputs == {"outcome": "reconciled", "open_orders": 0}


def test_a_failed_read_fails_its_step_and_the_run_goes_on(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)], fail_reads=True)
    answers = BASIC_ANSWERS | {"delete-key.keep-checking": False}
    result = start_case(
        env_for(answers, ex, clock, registry), basic, mode="live", incident_dir=tmp_path / "c"
    )
    assert statuses(result)["snapshot"] == "failed"
    # snapshot.open_orders is unknown, not "no": the cancel takes the safe branch and runs, and says why
    assert statuses(result)["cancel"] != "skipped"
    started = [
        e["payload"] for e in journal(tmp_path / "c") if e["kind"] == "step-started" and e["step"] == "cancel"
    ]
    assert started[0]["unknown"] == "snapshot.open_orders (step snapshot failed)"
    assert result.closed == "unresolved"


def test_declining_a_mutation_skips_it(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)])
    answers = BASIC_ANSWERS | {"cancel": False, "delete-key.keep-checking": False}
    result = start_case(
        env_for(answers, ex, clock, registry), basic, mode="live", incident_dir=tmp_path / "c"
    )
    assert ex.mutations == []
    assert statuses(result)["cancel"] == "skipped"
    assert result.steps[-1].outputs["cancel_outcome"] is None


def test_a_pending_verify_polls_then_moves_on_as_unresolved(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)])
    answers = BASIC_ANSWERS | {"cancel": False, "delete-key.keep-checking": False}
    start = clock.now()
    start_case(env_for(answers, ex, clock, registry), basic, mode="live", incident_dir=tmp_path / "c")
    checks = [e["payload"]["result"] for e in journal(tmp_path / "c") if e["kind"] == "check"]
    assert checks == ["pending", "pending"]  # attempts = 2, then the user moved on
    assert (clock.now() - start).total_seconds() == 1  # slept the interval once, on the clock


def test_a_scripted_prompter_fails_on_a_question_it_was_not_given(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    with pytest.raises(AnswersError, match="step triage, symbol"):
        start_case(env_for({"triage": {"vector": "malware", "leaked_at": "1h ago"}}, FakeExchange(), clock, registry),
                   basic, mode="live", incident_dir=tmp_path / "c")  # fmt: skip


def test_ctrl_c_saves_and_resume_continues_without_repeating(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)])
    case = tmp_path / "c"
    with pytest.raises(Aborted) as info:
        start_case(
            env_for(BASIC_ANSWERS | {"delete-key": ABORT}, ex, clock, registry),
            basic,
            mode="live",
            incident_dir=case,
        )
    assert info.value.exit_code == EXIT_ABORTED
    assert f"responder resume {case}" in info.value.one_line()
    env = env_for({"delete-key": BASIC_ANSWERS["delete-key"]}, ex, clock, registry)  # only what is left
    result = resume_case(env, case, playbook=basic)
    assert result.closed == "done"
    assert ex.mutations == [("DELETE", "/api/v3/openOrders", "QKCUSDT")]
    assert [p.step_id for p in env.prompter.asked] == ["delete-key", "delete-key"]  # type: ignore[attr-defined]
    assert kinds(case).count("resumed") == 1
    assert verify_chain(case / "journal.jsonl") == []


def test_a_crash_between_intent_and_outcome_is_reconciled_on_resume(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    class CrashingExchange(FakeExchange):
        def cancel_open_orders(self, symbol: str) -> list[Any]:
            super().cancel_open_orders(symbol)
            raise KeyboardInterrupt  # the request went out; the process died before the outcome

    ex = CrashingExchange([make_order(1)])
    case = tmp_path / "c"
    with pytest.raises(Aborted):
        start_case(env_for(BASIC_ANSWERS, ex, clock, registry), basic, mode="live", incident_dir=case)
    assert kinds(case, "cancel")[-1] == "intent"
    after = FakeExchange(ex.orders, log=ex.log)
    result = resume_case(
        env_for({"delete-key": BASIC_ANSWERS["delete-key"]}, after, clock, registry), case, playbook=basic
    )
    assert after.mutations == [("DELETE", "/api/v3/openOrders", "QKCUSDT")]  # not re-sent
    outcomes = [e["payload"]["status"] for e in journal(case) if e["kind"] == "outcome"]
    assert outcomes == ["unknown", "reconciled"]
    assert result.closed == "done"


def test_resume_refuses_a_changed_playbook_unless_forced(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path, basic_path: Path
) -> None:
    case = tmp_path / "c"
    with pytest.raises(Aborted):
        start_case(
            env_for(BASIC_ANSWERS | {"cancel": ABORT}, FakeExchange([make_order(1)]), clock, registry),
            basic,
            mode="live",
            incident_dir=case,
        )
    changed = parse_playbook(basic_path.read_bytes() + b"\n# edited\n", str(basic_path), registry)
    env = env_for(BASIC_ANSWERS, FakeExchange(), clock, registry)
    with pytest.raises(UsageError, match="changed since the case opened"):
        resume_case(env, case, playbook=changed)
    assert resume_case(env, case, playbook=changed, force=True).closed == "done"


def test_resuming_a_closed_case_changes_nothing(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    case = tmp_path / "c"
    start_case(env_for(BASIC_ANSWERS, FakeExchange(), clock, registry), basic, mode="live", incident_dir=case)
    before = (case / "journal.jsonl").read_bytes()
    result = resume_case(env_for({}, FakeExchange(), clock, registry), case, playbook=basic)
    assert result.closed == "done" and (case / "journal.jsonl").read_bytes() == before


def test_an_existing_case_directory_is_not_reused(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    case = tmp_path / "c"
    start_case(env_for(BASIC_ANSWERS, FakeExchange(), clock, registry), basic, mode="live", incident_dir=case)
    with pytest.raises(UsageError, match="already holds a case"):
        start_case(
            env_for(BASIC_ANSWERS, FakeExchange(), clock, registry), basic, mode="live", incident_dir=case
        )


def test_the_default_incident_dir_is_under_the_user_data_dir(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    env = env_for(BASIC_ANSWERS, FakeExchange(), clock, registry)
    result = start_case(
        env, basic, mode="live", environ={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    )
    assert result.incident_dir.parent == tmp_path / "xdg" / "responder" / "incidents"
    assert result.incident_dir.name.startswith("2026-11-23-") and len(result.case_id) == 15


# --- answers files --------------------------------------------------------------------------------------
ANSWERS_TOML = b"""
cancel = true
delete-key = ["I deleted the key", "I checked no other key exists"]
[triage]
vector = "malware"
leaked_at = 2026-11-23T09:40:00Z
symbol = "QKCUSDT"
passphrase = "old-secret-value-123"
"""


def test_an_answers_file_runs_without_questions(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    answers = parse_answers(ANSWERS_TOML, "a.toml", basic)
    env = Env(
        AnswersPrompter(answers, clock=clock),
        RecordingDisplay(),
        clock,
        SecretRegistry(),
        registry,
        FakeExchange(),
    )
    result = start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    assert result.steps[1].outputs["leaked_at"] == "2026-11-23T09:40:00.000Z"
    assert statuses(result)["repo-advice"] == "skipped"  # vector is malware


def test_a_missing_answer_names_the_step_unless_a_terminal_can_ask(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    answers = parse_answers(ANSWERS_TOML.replace(b"cancel = true\n", b""), "a.toml", basic)
    env = Env(
        AnswersPrompter(answers, clock=clock),
        RecordingDisplay(),
        clock,
        SecretRegistry(),
        registry,
        FakeExchange([make_order(1)]),
    )
    with pytest.raises(AnswersError, match="no answer for step cancel"):
        start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    terminal = ScriptedPrompter({"cancel": True})
    env = Env(
        AnswersPrompter(answers, clock=clock, fallback=terminal),
        RecordingDisplay(),
        clock,
        SecretRegistry(),
        registry,
        FakeExchange([make_order(1)]),
    )
    assert start_case(env, basic, mode="live", incident_dir=tmp_path / "d").closed == "done"
    assert [p.step_id for p in terminal.asked] == ["cancel"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"ghost = 1", "ghost: no such step"),
        (b"[triage]\nvector = 'fax'", "triage: vector: 'fax' is not one of"),
        (b"[triage]\nnope = 'x'", "triage: no question 'nope'"),
        (b"delete-key = ['I ate the key']", "delete-key: no checklist item"),
        (b"cancel = 'yes'", "cancel: the answer is true or false"),
        (b"snapshot = true", "snapshot: a action step that changes nothing takes no answer"),
        (b"[triage]\nleaked_at = 2026-11-23T09:40:00", "triage: leaked_at: a time with a zone"),
        (b"x = ", "TOML syntax error"),
    ],
)
def test_answers_files_that_do_not_fit_are_answers_errors(
    basic: Playbook, text: bytes, expected: str
) -> None:
    with pytest.raises(AnswersError, match=expected):
        parse_answers(text, "a.toml", basic)
