"""The journal as a timeline: every action, confirmation, check and piece of evidence, in order.

Each journal kind has one describer giving a mark (✓ proven, ! needs attention, · informational) and a
sentence. Step starts, routine step completions and answers are left out (answers appear under "What
happened"); everything else the journal records is shown. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from responder.incident.record import JournalEntry
from responder.report import fmt
from responder.report.model import TimelineRow
from responder.report.text import clean
from responder.report.timeline_svg import Point

PROVEN, ATTENTION, INFO = "✓", "!", "·"
_MAX_SUMMARY: Final = 200


def compact(value: Any) -> str:
    """A one-line summary of a payload value (scalars of a dict, joined), cleaned and capped."""
    if isinstance(value, Mapping):
        parts = [
            f"{clean(str(k))}: {compact(v)}" for k, v in value.items() if not isinstance(v, Mapping | list)
        ]
        parts += [f"{clean(str(k))}: {_list(v)}" for k, v in value.items() if isinstance(v, list) and v]
        text = ", ".join(parts)
    elif isinstance(value, list):
        text = ", ".join(compact(v) for v in value[:10]) + (" …" if len(value) > 10 else "")
    else:
        text = clean(str(value)) if value is not None else ""
    return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 1] + "…"


def _list(items: list[Any]) -> str:
    """A few short sentences are shown (`done: deleted the leaked key`); anything longer is counted."""
    if len(items) <= 3 and all(isinstance(i, str) and len(i) <= 80 for i in items):
        return "; ".join(clean(i) for i in items)
    return f"{len(items)} item(s)"


def _p(e: JournalEntry, key: str, default: str = "") -> str:
    value = e.payload.get(key)
    return clean(str(value)) if value is not None and value != "" else default


def _outcome(e: JournalEntry) -> tuple[str, str]:
    status = _p(e, "status", "unknown")
    summary = compact(e.payload.get("summary", e.payload.get("response", "")))
    mark = PROVEN if status in ("ok", "reconciled") else ATTENTION
    return mark, f"{_p(e, 'action')}: {status}" + (f" — {summary}" if summary else "")


def _check(e: JournalEntry) -> tuple[str, str]:
    result = _p(e, "result", "unknown")
    mark = PROVEN if result in ("dead", "passed") else INFO if result == "pending" else ATTENTION
    label = "Key proven dead" if result == "dead" else f"Check {_p(e, 'action')}: {result}"
    return mark, label + (f" — {_p(e, 'reason')}" if _p(e, "reason") else "")


_DESCRIBE: Final[dict[str, Callable[[JournalEntry], tuple[str, str] | None]]] = {
    "case-opened": lambda e: (
        INFO,
        f"Case {_p(e, 'case_id')} opened ({_p(e, 'mode', 'live')}), key {_p(e, 'key')}",
    ),
    "confirmation": lambda e: (PROVEN, f"Confirmed: {_p(e, 'text') or _p(e, 'item')}"),
    "consent": lambda e: (INFO, f"Approved: {_p(e, 'text') or _p(e, 'item')}"),
    "intent": lambda e: (INFO, f"Requested: {_p(e, 'description') or _p(e, 'action')}"),
    "outcome": _outcome,
    "would-do": lambda e: (INFO, f"Would do (dry run, not sent): {_p(e, 'description') or _p(e, 'action')}"),
    "check": _check,
    "evidence": lambda e: (PROVEN, f"Evidence saved: {_p(e, 'path')} ({_p(e, 'source')})"),
    "action-result": lambda e: (
        INFO,
        f"{_p(e, 'action')}: {compact(e.payload.get('summary', ''))}".rstrip(": "),
    ),
    "step-completed": lambda e: (
        (ATTENTION, f"Step {e.step or ''} ended {_p(e, 'status')}")
        if e.payload.get("status") in ("unresolved", "failed")
        else None
    ),
    "step-skipped": lambda e: (INFO, f"Step {e.step or ''} skipped: {_p(e, 'reason')}"),
    "case-closed": lambda e: (INFO, f"Case closed ({_p(e, 'status')})"),
    "resumed": lambda e: (INFO, f"Resumed after journal #{_p(e, 'from_seq')}"),
}


def describe(e: JournalEntry) -> tuple[str, str] | None:
    """(mark, sentence) for a journal entry, or None when the timeline leaves it out."""
    describer = _DESCRIBE.get(e.kind)
    return describer(e) if describer else None


def consents(entries: tuple[JournalEntry, ...]) -> set[int]:
    """Confirmations that approve a request (their item names the action of an intent or would-do)."""
    actions = {str(e.payload.get("action")) for e in entries if e.kind in ("intent", "would-do")}
    return {e.seq for e in entries if e.kind == "confirmation" and str(e.payload.get("item")) in actions}


def echoes(entries: tuple[JournalEntry, ...]) -> set[int]:
    """Checks repeating the previous check's action and reason (a verify poll restating a revocation)."""
    out: set[int] = set()
    previous: JournalEntry | None = None
    for e in entries:
        if e.kind != "check":
            continue
        p = previous.payload if previous else {}
        if p.get("action") == e.payload.get("action") and p.get("reason") == e.payload.get("reason"):
            out.add(e.seq)
        previous = e
    return out


def _described(entries: tuple[JournalEntry, ...]) -> list[tuple[JournalEntry, tuple[str, str]]]:
    """(entry, (mark, sentence)) for every entry the timeline shows, in journal order."""
    skip, approved = echoes(entries), consents(entries)
    out = []
    for e in entries:
        if e.seq in skip:
            continue
        described = _DESCRIBE["consent"](e) if e.seq in approved else describe(e)
        if described is not None:
            out.append((e, described))
    return out


def timeline_rows(entries: tuple[JournalEntry, ...], opened: datetime) -> tuple[TimelineRow, ...]:
    rows = []
    for e, (mark, text) in _described(entries):
        rows.append(TimelineRow(e.seq, fmt.clock_time(e.time), fmt.elapsed(e.time - opened), mark, text))
    return tuple(rows)


def response_points(entries: tuple[JournalEntry, ...]) -> tuple[list[Point], list[Point]]:
    """(actions, revocation checks) for the SVG's response panel."""
    actions: list[Point] = []
    checks: list[Point] = []
    for e, (mark, text) in _described(entries):
        title = f"#{e.seq} {fmt.clock_time(e.time)} UTC · {text}"
        css = "milestone" if mark == PROVEN else "attention" if mark == ATTENTION else "action"
        if e.kind == "check" and e.payload.get("result") in ("dead", "alive", "indeterminate"):
            checks.append(Point(e.time, title, "dead" if e.payload["result"] == "dead" else None, css))
        else:
            actions.append(Point(e.time, title, None, css))
    return actions, checks


def milestone_points(
    entries: tuple[JournalEntry, ...], leak: datetime | None, noticed: datetime | None
) -> list[Point]:
    """Suspected leak, first noticed, case opened, key proven dead, case closed: the labelled points."""
    points: list[Point] = []
    if leak is not None:
        points.append(Point(leak, f"suspected leak {fmt.stamp(leak)} UTC", "leak", "attention"))
    if noticed is not None:
        points.append(Point(noticed, f"first noticed {fmt.stamp(noticed)} UTC", "noticed", "attention"))
    points.append(
        Point(entries[0].time, f"case opened {fmt.stamp(entries[0].time)} UTC", "case opened", "action")
    )
    dead = next((e for e in entries if e.kind == "check" and e.payload.get("result") == "dead"), None)
    if dead is not None:
        points.append(
            Point(dead.time, f"key proven dead {fmt.stamp(dead.time)} UTC", "key dead", "milestone")
        )
    closed = next((e for e in entries if e.kind == "case-closed"), None)
    if closed is not None:
        points.append(Point(closed.time, f"case closed {fmt.stamp(closed.time)} UTC", "closed", "action"))
    return points
