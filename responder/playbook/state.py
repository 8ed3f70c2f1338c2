"""A case's state rebuilt from its journal alone: what resume needs to continue without repeating.

The journal is the only state: which steps finished (and their outputs), which mutations were
recorded per step (intent, outcomes, would-do — so a re-run step replays them instead of sending
again), which steps the user already confirmed, and whether the case is closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from responder.errors import JournalError
from responder.incident.journal import Entry
from responder.playbook.actions import RecordedMutation


@dataclass(frozen=True)
class StepRecord:
    id: str
    status: str  # done | skipped | unresolved | failed
    outputs: Mapping[str, Any]


@dataclass
class CaseState:
    case_id: str
    mode: str
    playbook_id: str
    playbook_sha256: str
    opened_time: str
    last_seq: int
    finished: dict[str, StepRecord] = field(default_factory=dict)
    mutations: dict[str, list[RecordedMutation]] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)  # steps with a journaled confirmation
    # Checklist items (and manual "Done?") the person confirmed, per step: never asked again on resume.
    confirmed_items: dict[str, set[str]] = field(default_factory=dict)
    acted: set[str] = field(default_factory=set)  # steps whose confirmed manual work a drill acted out
    findings: list[str] = field(default_factory=list)
    closed: str | None = None


def rebuild(entries: Sequence[Entry]) -> CaseState:
    """Fold the journal into a CaseState. The chain must have been verified (`Journal.open` does)."""
    if not entries or entries[0].kind != "case-opened":
        raise JournalError("the journal does not start with case-opened; it cannot be resumed")
    p = entries[0].payload
    state = CaseState(
        str(p.get("case_id", "")),
        str(p.get("mode", "live")),
        str(p.get("playbook_id", "")),
        str(p.get("playbook_sha256", "")),
        entries[0].time,
        entries[-1].seq,
    )
    for e in entries[1:]:
        _apply(state, e)
    return state


def _apply(state: CaseState, e: Entry) -> None:
    step, p = e.step or "", e.payload
    if e.kind == "step-completed":
        state.finished[step] = StepRecord(step, str(p.get("status", "done")), dict(p.get("outputs", {})))
    elif e.kind == "step-skipped":
        state.finished[step] = StepRecord(step, "skipped", {})
    elif e.kind == "intent":
        state.mutations.setdefault(step, []).append(RecordedMutation(intent=p))
    elif e.kind == "would-do":
        state.mutations.setdefault(step, []).append(RecordedMutation(intent=None, would_do=True))
    elif e.kind == "outcome":
        recorded = state.mutations.setdefault(step, [])
        if not recorded or recorded[-1].intent is None:
            raise JournalError(f"journal line {e.seq}: an outcome without an intent for step {step}")
        last = recorded[-1]
        recorded[-1] = RecordedMutation(last.intent, (*last.outcomes, p), last.would_do)
    elif e.kind == "confirmation":
        state.confirmed.add(step)
        state.confirmed_items.setdefault(step, set()).add(str(p.get("item", "")))
    elif e.kind == "action-result":
        summary = p.get("summary")
        if p.get("action") == "drill.act":
            state.acted.add(step)
        if isinstance(summary, dict) and isinstance(summary.get("findings"), list):
            state.findings.extend(str(f) for f in summary["findings"])
    elif e.kind == "case-closed":
        state.closed = str(p.get("status", "closed"))
