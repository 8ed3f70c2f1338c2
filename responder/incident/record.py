"""An incident directory read whole, as typed records: the verified journal, the evidence files, findings.

What the report is built from. The journal is read through `journal.read_verified` (a damaged chain is
refused); each evidence file's actual SHA-256 is kept next to the one the journal recorded, so the
report says whether the bundle is intact. `findings.json` is believed only when it matches its journal
record: a changed one is replaced by the journaled copy in `evidence/` (and the report says so), so
editing verdicts cannot make the attacker's orders disappear from a re-rendered report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from responder.errors import JournalError, UsageError
from responder.incident.findings import FINDINGS_NAME, read_findings
from responder.incident.journal import JOURNAL_NAME, read_verified


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    time: datetime
    kind: str
    step: str | None
    payload: Mapping[str, Any]
    hash: str


@dataclass(frozen=True)
class EvidenceFile:
    """One `evidence` journal entry, with what is on disk now."""

    path: str
    recorded_sha256: str
    actual_sha256: str | None  # None: the file is missing
    source: str
    description: str
    content: Any  # the decoded JSON, or None when absent or not JSON


@dataclass(frozen=True)
class IncidentRecord:
    directory: Path
    entries: tuple[JournalEntry, ...]
    evidence: tuple[EvidenceFile, ...]
    findings: Mapping[str, Any] | None
    findings_note: str | None = None  # why the findings shown are not findings.json as it is on disk


def parse_time(text: str) -> datetime:
    """ISO-8601 with `Z` or an offset, as aware UTC. Naive times are refused: the journal is UTC."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"naive time {text!r}")
    return when.astimezone(UTC)


def read_journal(directory: Path) -> tuple[JournalEntry, ...]:
    """The journal's entries through the engine's reader, with times parsed to aware UTC."""
    if not (directory / JOURNAL_NAME).is_file():
        raise UsageError(f"{directory} has no {JOURNAL_NAME}", hint="is this an incident directory?")
    entries = []
    for e in read_verified(directory):
        try:
            when = parse_time(e.time)
        except ValueError:
            raise JournalError(
                f"{JOURNAL_NAME} entry #{e.seq} has a bad time {e.time[:40]!r}",
                hint="run `responder verify DIR` to see where the journal is damaged",
            ) from None
        entries.append(JournalEntry(e.seq, when, e.kind, e.step, e.payload, e.hash))
    if not entries:
        raise JournalError(f"{directory / JOURNAL_NAME} is empty", hint="the case was never opened")
    return tuple(entries)


def _read_evidence(directory: Path, payload: Mapping[str, Any]) -> EvidenceFile:
    rel = str(payload.get("path", ""))
    file = (directory / rel).resolve()
    actual: str | None = None
    content: Any = None
    if file.is_relative_to(directory.resolve()) and file.is_file():
        data = file.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        try:
            content = json.loads(data)
        except ValueError:
            content = None
    return EvidenceFile(
        rel,
        str(payload.get("sha256", "")),
        actual,
        str(payload.get("source", "")),
        str(payload.get("description", "")),
        content,
    )


def _trusted_findings(
    directory: Path, entries: tuple[JournalEntry, ...], evidence: tuple[EvidenceFile, ...]
) -> tuple[Mapping[str, Any] | None, str | None]:
    """findings.json if it is what the journal recorded; else the intact journaled copy, and why."""
    recorded = next(
        (str(e.payload.get("sha256")) for e in reversed(entries)
         if e.kind == "file" and e.payload.get("path") == FINDINGS_NAME),
        None,
    )  # fmt: skip
    path = directory / FINDINGS_NAME
    if recorded is None or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() == recorded:
        return read_findings(directory), None
    copy = next(
        (ev for ev in reversed(evidence)
         if ev.path.startswith("evidence/findings") and ev.actual_sha256 == ev.recorded_sha256
         and isinstance(ev.content, Mapping)),
        None,
    )  # fmt: skip
    if copy is None:
        return None, f"{FINDINGS_NAME} was changed after it was journaled and no intact copy exists"
    return copy.content, f"{FINDINGS_NAME} was changed after it was journaled; shown from {copy.path}"


def read_incident(directory: Path) -> IncidentRecord:
    """Everything the report needs, read from `directory` (nothing else is consulted)."""
    entries = read_journal(directory)
    evidence = tuple(_read_evidence(directory, e.payload) for e in entries if e.kind == "evidence")
    findings, note = _trusted_findings(directory, entries, evidence)
    return IncidentRecord(directory, entries, evidence, findings, note)
