"""Reading an incident directory (the edge): the journal lines, the evidence files, findings.json.

Formats are those pinned in docs/ARCHITECTURE.md. This module only reads and parses; it does not
verify the hash chain (that is `responder verify`), but it records each evidence file's actual SHA-256
next to the one the journal recorded, so the report can say whether the bundle is intact.
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

JOURNAL = "journal.jsonl"
FINDINGS = "findings.json"


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


def parse_time(text: str) -> datetime:
    """ISO-8601 with `Z` or an offset, as aware UTC. Naive times are refused: the journal is UTC."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(f"naive time {text!r}")
    return when.astimezone(UTC)


def parse_journal_line(line: str, lineno: int) -> JournalEntry:
    try:
        d = json.loads(line)
        payload = d.get("payload") or {}
        if not isinstance(payload, dict):
            raise ValueError("payload is not an object")
        step = d.get("step")
        return JournalEntry(
            int(d["seq"]),
            parse_time(str(d["time"])),
            str(d["kind"]),
            str(step) if step is not None else None,
            payload,
            str(d["hash"]),
        )
    except (ValueError, KeyError, TypeError) as e:
        raise JournalError(
            f"journal.jsonl line {lineno} cannot be read ({e})",
            hint="run `responder verify DIR` to see where the journal is damaged",
        ) from None


def read_journal(directory: Path) -> tuple[JournalEntry, ...]:
    path = directory / JOURNAL
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{directory} has no {JOURNAL}", hint="is this an incident directory?") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise JournalError(f"{path} is empty", hint="the case was never opened")
    return tuple(parse_journal_line(ln, n) for n, ln in lines)


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


def read_findings(directory: Path) -> Mapping[str, Any] | None:
    path = directory / FINDINGS
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise UsageError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a JSON object")
    return data


def read_incident(directory: Path) -> IncidentRecord:
    """Everything the report needs, read from `directory` (nothing else is consulted)."""
    entries = read_journal(directory)
    evidence = tuple(_read_evidence(directory, e.payload) for e in entries if e.kind == "evidence")
    return IncidentRecord(directory, entries, evidence, read_findings(directory))
