"""The timeline: what happened to the account and what the person did, in order.

Each journal kind has one describer giving a mark (✓ proven, ! needs attention, · informational) and a
sentence in the person's words ("I approved…", "The leaked key was proven dead…"). The engine's
bookkeeping (step starts and skips, action results, the renderings of the report, repeated polls) is
left out; a request with no recorded answer is shown as such. Events of the account from the
findings (the attacker's orders, withdrawals, transfers) are merged in by time. Pure.
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
_ARTICLE: Final = {"drill": "a drill", "dry-run": "a dry-run"}


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


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _outcome(e: JournalEntry, what: str) -> tuple[str, str]:
    status = _p(e, "status", "unknown")
    response = e.payload.get("response")
    cancelled = response.get("cancelled") if isinstance(response, Mapping) else None
    count = f" ({len(cancelled)} cancelled)" if isinstance(cancelled, list) else ""
    if status in ("ok", "reconciled"):
        how = "Binance confirmed" if status == "ok" else "confirmed by reading the account back"
        return PROVEN, f"{_cap(what)}: done, {how}{count}"
    summary = compact(e.payload.get("summary", response or ""))
    if status == "rejected":
        return ATTENTION, f"{_cap(what)}: Binance refused" + (f" — {summary}" if summary else "")
    return ATTENTION, f"{_cap(what)}: no clear answer from Binance ({status})" + (
        f" — {summary}" if summary else ""
    )


def _check(e: JournalEntry) -> tuple[str, str] | None:
    result, reason = _p(e, "result", "unknown"), _p(e, "reason")
    tail = f": {reason}" if reason else ""
    if result == "dead":
        return PROVEN, f"The leaked key was proven dead{tail}"
    if result == "alive":
        return ATTENTION, f"The leaked key still worked{tail}"
    if result == "indeterminate":
        return ATTENTION, f"Could not tell whether the leaked key is dead{tail}"
    if result == "failed":
        return ATTENTION, f"A check failed{tail}"
    return None  # the engine's own passed/pending polls restate the checks above


def _action_result(e: JournalEntry) -> tuple[str, str] | None:
    if e.payload.get("action") != "drill.act":
        return None  # the engine's step results: their facts are in the rows around them
    summary = e.payload.get("summary")
    done = summary.get("done") if isinstance(summary, Mapping) else None
    acted = "; ".join(clean(str(d)) for d in done) if isinstance(done, list) and done else "the step"
    return INFO, f"Drill: the simulated exchange played my part: {acted}"


def _file(e: JournalEntry) -> tuple[str, str] | None:
    if e.payload.get("what") == "torn-line":
        return ATTENTION, (
            f"The journal's line {_p(e, 'line')} had been cut off mid-write (a power cut?); its bytes were "
            f"set aside in {_p(e, 'path')} and the case continued"
        )
    return None  # renderings of the report and the findings file: accounted for, not events


_DESCRIBE: Final[dict[str, Callable[[JournalEntry], tuple[str, str] | None]]] = {
    "case-opened": lambda e: (
        INFO,
        f"I opened {_ARTICLE.get(_p(e, 'mode'), 'the')} case for the key {_p(e, 'key')}",
    ),
    "confirmation": lambda e: (PROVEN, f"I confirmed: {_p(e, 'text') or _p(e, 'item')}"),
    "consent": lambda e: (INFO, f"I approved: {_p(e, 'text') or _p(e, 'item')}"),
    "would-do": lambda e: (
        INFO,
        f"Would have done (dry run, nothing sent): {_p(e, 'description') or _p(e, 'action')}",
    ),
    "check": _check,
    "action-result": _action_result,
    "file": _file,
    "case-closed": lambda e: (
        INFO,
        "Case closed" + (" again after the report was re-rendered" if e.payload.get("reason") else ""),
    ),
    "resumed": lambda e: (INFO, "I resumed the case"),
}


def describe(e: JournalEntry) -> tuple[str, str] | None:
    """(mark, sentence) for a journal entry on its own, or None when the timeline leaves it out."""
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


def _evidence_row(group: list[JournalEntry]) -> tuple[str, str]:
    names = [_p(e, "path").removeprefix("evidence/").removesuffix(".json") for e in group]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return PROVEN, f"Saved {len(group)} evidence file(s) of the account as Binance returned it: {shown}"


def _described(entries: tuple[JournalEntry, ...]) -> list[tuple[JournalEntry, tuple[str, str]]]:
    """(entry, (mark, sentence)) for every entry the timeline shows, in journal order: what happened to
    the account and what the person did, not the engine's bookkeeping."""
    skip, approved = echoes(entries), consents(entries)
    intents: dict[str, tuple[JournalEntry, str]] = {}
    titles: dict[str, str] = {}
    out: list[tuple[JournalEntry, tuple[str, str]]] = []
    group: list[JournalEntry] = []
    for e in entries:
        if e.kind == "evidence":
            group.append(e)
            continue
        if group:
            out.append((group[0], _evidence_row(group)))
            group = []
        if e.seq in skip:
            continue
        described: tuple[str, str] | None
        if e.kind == "step-started":
            titles[str(e.step)] = _p(e, "title", str(e.step))
            continue
        if e.kind == "intent":
            intents[str(e.payload.get("action"))] = (e, _p(e, "description") or _p(e, "action"))
            continue
        if e.kind == "outcome":
            asked = intents.pop(str(e.payload.get("action")), None)
            described = _outcome(e, asked[1] if asked else _p(e, "action"))
        elif e.kind == "step-completed" and e.payload.get("status") in ("unresolved", "failed"):
            described = (ATTENTION, f"Not finished: {titles.get(str(e.step), str(e.step))}")
        else:
            described = _DESCRIBE["consent"](e) if e.seq in approved else describe(e)
        if described is not None:
            out.append((e, described))
    if group:
        out.append((group[0], _evidence_row(group)))
    for sent, what in intents.values():  # sent, and no answer was ever recorded: unknown, said so
        out.append((sent, (ATTENTION, f"{_cap(what)}: requested, no answer recorded (outcome unknown)")))
    return sorted(out, key=lambda pair: pair[0].seq)


def timeline_rows(
    entries: tuple[JournalEntry, ...], opened: datetime, account: tuple[tuple[datetime, str, str], ...] = ()
) -> tuple[TimelineRow, ...]:
    """The journal's rows and the account's events (time, mark, text; entry 0), merged by time."""
    rows: list[tuple[datetime, TimelineRow]] = [
        (e.time, TimelineRow(e.seq, fmt.clock_time(e.time), fmt.elapsed(e.time - opened), mark, text))
        for e, (mark, text) in _described(entries)
    ]
    for moment, mark, text in account:
        before = moment < opened
        since = f"-{fmt.duration(opened - moment)}" if before else fmt.elapsed(moment - opened)
        rows.append(
            (
                moment,
                TimelineRow(0, fmt.stamp(moment) if before else fmt.clock_time(moment), since, mark, text),
            )
        )
    return tuple(row for _, row in sorted(rows, key=lambda pair: pair[0]))


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
