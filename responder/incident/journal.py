"""The incident's record: an append-only, hash-chained JSON Lines file, `<incident>/journal.jsonl`.

Each line is `{"seq", "time", "kind", "step", "payload", "prev", "hash"}`; `hash` is the SHA-256 of
the canonical JSON (sorted keys, compact, UTF-8) of the line without `hash`, and `prev` is the hash of
the line before (64 zeros on line 1), so changing, deleting or reordering any line breaks the chain
at a place `verify_chain` can name. Every line is flushed and fsynced before the caller goes on: a
crash never loses a step the user was told is done. The writer refuses any payload containing a
loaded secret (the first defence is never passing one; this is the second).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from responder.clock import Clock
from responder.errors import JournalError, UsageError
from responder.incident.store import OS_WRITER, Writer, write_failed
from responder.incident.torn import recover
from responder.secrets import Secret, SecretRegistry

ZERO_HASH: Final = "0" * 64
JOURNAL_NAME: Final = "journal.jsonl"
SECRET_WITHHELD: Final = "<secret withheld>"  # noqa: S105 — a placeholder, not a password
KINDS: Final = frozenset(
    {
        "case-opened",
        "step-started",
        "step-completed",
        "step-skipped",
        "answer",
        "confirmation",
        "intent",
        "outcome",
        "would-do",
        "check",
        "evidence",
        "action-result",
        "case-closed",
        "resumed",
        "checkpoint",
        "file",
    }
)
_FIELDS: Final = ("seq", "time", "kind", "step", "payload", "prev", "hash")


def _default(value: object) -> object:
    if isinstance(value, Secret):
        raise JournalError("refusing to journal a Secret object")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical(obj: object) -> str:
    """The canonical JSON the chain hashes: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def format_time(when: datetime) -> str:
    """`2026-11-23T14:02:03.123Z`: UTC, milliseconds."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: the journal keeps time in UTC")
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def line_hash(fields: Mapping[str, Any]) -> str:
    body = {k: v for k, v in fields.items() if k != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One journal line, parsed."""

    seq: int
    time: str
    kind: str
    step: str | None
    payload: Mapping[str, Any]
    prev: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in _FIELDS}


class Journal:
    """The writer. Create with `Journal.create` (new case) or `Journal.open` (resume, chain verified)."""

    def __init__(
        self,
        path: Path,
        clock: Clock,
        secrets: SecretRegistry,
        entries: list[Entry],
        *,
        writer: Writer = OS_WRITER,
    ) -> None:
        self.path = path
        self.writer = writer  # the write seam every file of this incident goes through
        # step id -> its role (set by the runner from the playbook): every entry of that step records it
        self.step_roles: Mapping[str, str] = {}
        self._clock = clock
        self._secrets = secrets
        self._entries = entries

    @classmethod
    def create(
        cls, incident_dir: Path, clock: Clock, secrets: SecretRegistry, *, writer: Writer = OS_WRITER
    ) -> Journal:
        path = incident_dir / JOURNAL_NAME
        if path.exists():
            raise JournalError(f"{path} already exists; a journal is never overwritten")
        return cls(path, clock, secrets, [], writer=writer)

    @classmethod
    def open(
        cls, incident_dir: Path, clock: Clock, secrets: SecretRegistry, *, writer: Writer = OS_WRITER
    ) -> Journal:
        """Open an existing journal to append to it; refuses a broken chain. A torn last line (a write
        cut off by a power cut) is first set aside and the recovery journaled (`torn.recover`)."""
        path = incident_dir / JOURNAL_NAME
        recovered = recover(path, writer, _is_whole_entry)
        problems = verify_chain(path)
        if problems:
            raise JournalError(
                f"{path} is damaged ({problems[0]}); it cannot be continued",
                hint=f"run `responder verify {incident_dir}` for every problem",
            )
        journal = cls(path, clock, secrets, read_entries(path), writer=writer)
        if recovered is not None:
            journal.append("file", None, recovered.payload())
        return journal

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(self._entries)

    def append(self, kind: str, step: str | None, payload: Mapping[str, Any]) -> Entry:
        """Write one line, fsync it, return it. Refuses unknown kinds and payloads holding a secret."""
        if kind not in KINDS:
            raise JournalError(f"unknown journal entry kind {kind!r}")
        if step is not None and step in self.step_roles and "role" not in payload:
            payload = {**payload, "role": self.step_roles[step]}
        fields: dict[str, Any] = {
            "seq": len(self._entries) + 1,
            "time": format_time(self._clock.now()),
            "kind": kind,
            "step": step,
            "payload": dict(payload),
            "prev": self._entries[-1].hash if self._entries else ZERO_HASH,
        }
        try:
            text = canonical(fields)
        except TypeError as e:
            raise JournalError(f"journal {kind} entry for step {step}: {e}") from None
        if self._secrets.find_in(text) or any(self._secrets.find_in(t) for t in _strings(payload)):
            raise JournalError(
                f"refusing to journal a {kind} entry for step {step}: its payload contains a loaded secret"
            )
        fields["payload"] = json.loads(canonical(fields["payload"]))  # what is read back later
        fields["hash"] = line_hash(fields)
        line = json.dumps(fields, separators=(",", ":"), ensure_ascii=False) + "\n"
        self._write(line.encode("utf-8"))
        entry = Entry(**fields)
        self._entries.append(entry)
        return entry

    def _write(self, data: bytes) -> None:
        try:
            self.writer.append(self.path, data)
        except OSError as e:
            raise write_failed(f"the journal entry #{len(self._entries) + 1}", self.path.parent, e) from None


def _strings(value: object) -> list[str]:
    """Every string (keys and values) in a JSON-like value, unescaped, for the secret check."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [s for v in value for s in _strings(v)]
    return []


def _parse_line(raw: bytes) -> Entry:
    """One line to an Entry; ValueError naming what is wrong."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("truncated or garbled line (not valid JSON)") from None
    if not isinstance(obj, dict) or set(obj) != set(_FIELDS):
        raise ValueError("not a journal entry (wrong fields)")
    seq, step, payload = obj["seq"], obj["step"], obj["payload"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(payload, dict):
        raise ValueError("not a journal entry (seq or payload of the wrong type)")
    if not all(isinstance(obj[k], str) for k in ("time", "kind", "prev", "hash")):
        raise ValueError("not a journal entry (time, kind, prev or hash not a string)")
    if step is not None and not isinstance(step, str):
        raise ValueError("not a journal entry (step neither a string nor null)")
    return Entry(**obj)


def _raw_lines(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise JournalError(f"no journal at {path}", hint="is this an incident directory?") from None
    except OSError as e:
        raise JournalError(f"cannot read {path}: {e.strerror}") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def read_entries(path: Path) -> list[Entry]:
    """Every entry, parsed; JournalError at the first unreadable line (run `verify_chain` for all)."""
    entries = []
    for number, raw in enumerate(_raw_lines(path), start=1):
        try:
            entries.append(_parse_line(raw))
        except ValueError as e:
            raise JournalError(f"{path}:{number}: {e}") from None
    return entries


def _is_whole_entry(raw: bytes) -> bool:
    try:
        entry = _parse_line(raw)
    except ValueError:
        return False
    return line_hash(entry.as_dict()) == entry.hash


def readable_entries(path: Path) -> list[Entry]:
    """Every line that parses as an entry, skipping the rest: for `verify`, which reports the rest."""
    entries = []
    for raw in _raw_lines(path):
        try:
            entries.append(_parse_line(raw))
        except ValueError:
            continue
    return entries


def verify_chain(path: Path) -> list[str]:
    """Every place the chain breaks, as `journal.jsonl:LINE: why`; an empty list means intact."""
    problems: list[str] = []
    lines = _raw_lines(path)
    if not lines:
        return [f"{path.name}: empty journal"]
    if not path.read_bytes().endswith(b"\n"):
        problems.append(
            f"{path.name}:{len(lines)}: torn last line (a write was cut off, e.g. by a power cut); "
            "`responder resume` sets it aside and continues"
        )
    prev_hash: str | None = ZERO_HASH
    prev_seq = 0
    for number, raw in enumerate(lines, start=1):
        where = f"{path.name}:{number}"
        try:
            entry = _parse_line(raw)
        except ValueError as e:
            problems.append(f"{where}: {e}")
            prev_hash, prev_seq = None, prev_seq + 1
            continue
        if line_hash(entry.as_dict()) != entry.hash:
            problems.append(f"{where}: bad hash (the line was changed after it was written)")
        if prev_hash is not None and entry.prev != prev_hash:
            problems.append(f"{where}: broken link (prev does not match the hash of line {number - 1})")
        if entry.seq != prev_seq + 1:
            problems.append(
                f"{where}: seq {entry.seq} where {prev_seq + 1} was expected (line missing or moved)"
            )
        if number == 1 and entry.kind != "case-opened":
            problems.append(f"{where}: the first entry is {entry.kind!r}, not 'case-opened'")
        if entry.kind not in KINDS:
            problems.append(f"{where}: unknown entry kind {entry.kind!r}")
        prev_hash, prev_seq = entry.hash, entry.seq
    return problems


def read_verified(incident_dir: Path) -> tuple[Entry, ...]:
    """The entries of an incident's journal, only if the whole chain verifies (JournalError otherwise).

    Every decision taken from a journal (resume as a drill or live, replaying a drill, the self-check,
    the report) reads it through here: an edited line is refused, never believed."""
    path = incident_dir / JOURNAL_NAME
    if not path.is_file():
        raise UsageError(f"{incident_dir} is not an incident directory (no readable {JOURNAL_NAME})")
    problems = verify_chain(path)
    if problems and (problems[0].startswith(f"{JOURNAL_NAME}:1: not ") or "empty journal" in problems[0]):
        raise UsageError(  # not a journal at all (a JSON list, missing fields): the wrong directory, exit 2
            f"{incident_dir} is not an incident directory ({problems[0]})",
            hint="give the directory responder printed when the case was opened",
        )
    if problems:
        raise JournalError(
            f"{path} is damaged ({problems[0]})",
            hint=f"run `responder verify {incident_dir}` for every problem",
        )
    return tuple(read_entries(path))


def case_opened(incident_dir: Path) -> Entry:
    """The verified `case-opened` entry: mode (live, dry-run, drill), playbook, base URL, scenario."""
    return read_verified(incident_dir)[0]  # verify_chain refuses a first entry of another kind


def journal_head(incident_dir: Path) -> str | None:
    """The hash of the journal's last entry, to anchor it elsewhere; None when it does not verify."""
    try:
        entries = read_verified(incident_dir)
    except (JournalError, UsageError):
        return None
    return entries[-1].hash if entries else None


def recover_torn_line(incident_dir: Path, clock: Clock) -> str | None:
    """Before continuing a case: set a torn last line aside and journal it (see `incident.torn`).
    Returns what was done, to tell the person, or None when the journal ended cleanly."""
    path = incident_dir / JOURNAL_NAME
    if not path.is_file():
        return None
    before = path.read_bytes()
    if not before or before.endswith(b"\n"):
        return None
    journal = Journal.open(incident_dir, clock, SecretRegistry())
    last = journal.entries[-1]
    if last.kind == "file" and last.payload.get("what") == "torn-line":
        return (
            f"the journal's last line was cut off mid-write (a power cut?); its {last.payload.get('bytes')} "
            f"bytes are kept in {last.payload.get('path')} and the recovery is journaled (entry #{last.seq})"
        )
    return "the journal's last line lacked only its newline; it was completed"
