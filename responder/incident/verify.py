"""`verify`: is an incident directory what its journal says it is? The journal is the root of trust.

The chain proves no line was changed, removed from the middle or reordered. Every file of the incident
(evidence, findings, each report rendering, the manifest, torn bytes set aside) was journaled with its
SHA-256 when written, so each file is checked against its latest record: changed, missing, or on disk
without any record (unaccounted). A closed case ends with `case-closed`, which records the manifest:
its end is anchored. An open case is "intact so far": entries could have been cut from its end, which
only a head hash kept elsewhere (`--expect`, the letter to support) can rule out. A report or manifest
the journal does not account for means the journal lost its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from responder.errors import JournalError, UsageError
from responder.incident.evidence import MANIFEST_NAME, is_case, recorded_files, sha256_file
from responder.incident.journal import JOURNAL_NAME, Entry, readable_entries, verify_chain

_END_FILES: Final = ("MANIFEST.sha256", "report.md", "report.txt", "report.html", "findings.json")
MIN_EXPECT: Final = 12  # hex digits of a kept head hash accepted as a prefix


@dataclass(frozen=True)
class Verdict:
    """What `verify` found. `problems` empty means intact (so far, when `closed` is None)."""

    directory: Path
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    closed: str | None  # the closed case's status; None: open
    entries: int
    head: str | None
    files: int  # files checked against their record

    @property
    def intact(self) -> bool:
        return not self.problems


def _on_disk(directory: Path) -> tuple[set[str], list[str]]:
    files: set[str] = set()
    problems: list[str] = []
    for p in sorted(directory.rglob("*")):
        rel = p.relative_to(directory).as_posix()
        if p.is_symlink():
            problems.append(f"{rel}: a symbolic link inside the incident (not written by responder)")
        elif p.is_file() and rel != JOURNAL_NAME:
            files.add(rel)
    return files, problems


def _check_files(directory: Path, entries: list[Entry]) -> tuple[list[str], int]:
    problems: list[str] = []
    records = recorded_files(entries)
    checked = 0
    for rel, (digest, seq) in sorted(records.items()):
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            problems.append(f"journal entry #{seq} records a path outside the incident: {rel[:80]!r}")
            continue
        file = directory / rel
        if not file.is_file():
            problems.append(f"{rel}: missing (journaled at #{seq} with sha256 {digest[:12]}…)")
        elif (actual := sha256_file(file)) != digest:
            problems.append(
                f"{rel}: changed since it was journaled at #{seq} "
                f"(sha256 now {actual[:12]}…, journaled {digest[:12]}…)"
            )
        else:
            checked += 1
    present, links = _on_disk(directory)
    problems += links
    for rel in sorted(present - set(records)):
        if rel in _END_FILES:
            problems.append(
                f"{rel}: not accounted for by the journal — the journal lost its end "
                "(entries recording it were removed)"
            )
        else:
            problems.append(f"{rel}: not accounted for by the journal (added after the fact, or left over)")
    return problems, checked


def _ending(entries: list[Entry]) -> tuple[str | None, list[str], list[str]]:
    closes = [e for e in entries if e.kind == "case-closed"]
    if not closes:
        note = (
            "open: the case was not closed, so its end is not anchored — entries removed from its end "
            "would go unnoticed; compare the head hash with one you kept (--expect HASH)"
        )
        return None, [], [note]
    last = closes[-1]
    problems = []
    if entries[-1] is not last:
        problems.append(
            f"the journal goes on after case-closed (#{last.seq}): {len(entries) - entries.index(last) - 1} "
            "entries without a new close"
        )
    if not isinstance(last.payload.get("manifest"), dict):
        problems.append(f"case-closed (#{last.seq}) carries no manifest: the end of the case is not anchored")
    return str(last.payload.get("status", "done")), problems, []


def _expect(entries: list[Entry], expect: str) -> tuple[list[str], list[str]]:
    want = expect.strip().lower()
    if len(want) < MIN_EXPECT or any(c not in "0123456789abcdef" for c in want):
        raise UsageError(
            f"--expect needs a journal head hash (at least {MIN_EXPECT} hex digits), not {expect[:70]!r}"
        )
    match = [e for e in entries if e.hash.startswith(want)]
    if not match:
        return [
            f"the journal does not contain the kept head hash {want[:16]}…: it is not the journal that was "
            "anchored (rewritten, re-chained or replaced)"
        ], []
    hit = match[0]
    after = len(entries) - entries.index(hit) - 1
    if not after:
        return [], [f"the head hash matches the one kept (entry #{hit.seq})"]
    kinds = sorted({e.kind for e in entries[entries.index(hit) + 1 :]})
    return [], [
        f"the kept hash is entry #{hit.seq}: everything up to it is unchanged; {after} entries were added "
        f"after it ({', '.join(kinds)})"
    ]


def _replaced_notes(entries: list[Entry]) -> list[str]:
    return [
        f"{e.payload.get('path')} on disk did not match the journal when it was rewritten at #{e.seq} "
        f"(it had sha256 {str(e.payload.get('replaced_unrecorded'))[:12]}…): a changed or unrecorded file "
        "was replaced, and that is recorded"
        for e in entries
        if e.kind == "file" and e.payload.get("replaced_unrecorded")
    ]


def _torn_notes(entries: list[Entry]) -> list[str]:
    return [
        f"a torn journal line was recovered: line {e.payload.get('line')} was cut off mid-write "
        "(a power cut?); "
        f"its {e.payload.get('bytes')} bytes are kept in {e.payload.get('path')} (entry #{e.seq})"
        for e in entries
        if e.kind == "file" and e.payload.get("what") == "torn-line"
    ]


def verify_case(directory: Path, *, expect: str | None = None) -> Verdict:
    """Check an incident directory against its journal; UsageError if it holds no case."""
    if not directory.is_dir():
        raise UsageError(
            f"{directory} is not an incident directory (no such folder)", hint="pass the incident directory"
        )
    if not is_case(directory):
        raise UsageError(f"{directory} is not an incident directory (no {JOURNAL_NAME}, no {MANIFEST_NAME})")
    path = directory / JOURNAL_NAME
    if not path.is_file():
        missing = f"{JOURNAL_NAME}: missing — nothing accounts for this incident"
        return Verdict(directory, (missing,), (), None, 0, None, 0)
    try:
        problems = verify_chain(path)
    except JournalError as e:
        problems = [e.one_line()]
    entries = readable_entries(path)
    file_problems, checked = _check_files(directory, entries)
    closed, end_problems, notes = _ending(entries) if entries else (None, [], [])
    problems += end_problems + file_problems
    notes = _torn_notes(entries) + _replaced_notes(entries) + notes
    if expect is not None:
        more, said = _expect(entries, expect)
        problems += more
        notes += said
    head = entries[-1].hash if entries else None
    return Verdict(directory, tuple(problems), tuple(notes), closed, len(entries), head, checked)
