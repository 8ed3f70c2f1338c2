"""The evidence store and the bundle's files: each written once through the write seam and journaled.

`<incident>/evidence/<name>.json` holds what the exchange said (or what an action measured), each
file journaled as an `evidence` entry with its SHA-256. The findings and every rendering of the report
(`findings.json`, `report.{md,txt,html}`) are journaled as `file` entries each time they are written,
so the journal accounts for every file of the incident. When the case closes, `MANIFEST.sha256`
(sha256sum format, relative paths) lists every file the journal records — not the journal itself,
whose own anchor is its head hash — and the `case-closed` entry records the manifest's SHA-256, so
`sha256sum -c MANIFEST.sha256` works without responder and `verify` checks it against the journal.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from responder.errors import JournalError
from responder.incident.journal import JOURNAL_NAME, Journal, canonical
from responder.incident.store import OS_WRITER, write_failed
from responder.secrets import SecretRegistry

MANIFEST_NAME: Final = "MANIFEST.sha256"
EVIDENCE_DIR: Final = "evidence"
# Top-level files of the bundle besides the journal: the findings and the reports.
BUNDLE_FILES: Final = ("findings.json", "report.md", "report.txt", "report.html")
RECORD_KINDS: Final = ("evidence", "file")  # journal entries that record a file and its SHA-256
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


@dataclass(frozen=True)
class EvidenceRef:
    """Where a piece of evidence is (relative to the incident dir) and its SHA-256."""

    path: str
    sha256: str

    @property
    def short(self) -> str:
        """`evidence/x.json  sha256 4be1…9c0d`, as the terminal shows it."""
        return f"{self.path}  sha256 {self.sha256[:4]}…{self.sha256[-4:]}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


class EvidenceStore:
    """Writes evidence files under one incident directory, journaling each write."""

    def __init__(self, incident_dir: Path, journal: Journal, secrets: SecretRegistry) -> None:
        self.incident_dir = incident_dir
        self._journal = journal
        self._secrets = secrets

    def write(self, name: str, data: Any, *, source: str, description: str, step: str | None) -> EvidenceRef:
        """Save `data` as JSON to `evidence/<name>.json` (or `<name>-2.json`… if taken) and journal it."""
        if not _NAME.match(name):
            raise JournalError(f"bad evidence name {name!r}: letters, digits, '.', '_' and '-' only")
        try:
            text = (
                json.dumps(json.loads(canonical(data)), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            )
        except TypeError as e:
            raise JournalError(f"evidence {name}: {e}") from None
        if self._secrets.find_in(text):
            raise JournalError(f"refusing to write evidence {name}: it contains a loaded secret")
        folder = self.incident_dir / EVIDENCE_DIR
        path = self._free_path(folder, name.removesuffix(".json"))
        data_bytes = text.encode("utf-8")
        writer = self._journal.writer
        try:
            writer.make_dir(folder)
            writer.write_new(path, data_bytes)
        except OSError as e:
            raise write_failed(f"the evidence file {path.name}", self.incident_dir, e) from None
        rel = path.relative_to(self.incident_dir).as_posix()
        ref = EvidenceRef(rel, hashlib.sha256(data_bytes).hexdigest())
        payload = {"path": ref.path, "sha256": ref.sha256, "source": source, "description": description}
        self._journal.append("evidence", step, payload)
        return ref

    def read_json(self, name: str) -> Any:
        """An evidence file written earlier (`evidence/<name>`), decoded; None when absent or unreadable."""
        path = self.incident_dir / EVIDENCE_DIR / name
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @staticmethod
    def _free_path(folder: Path, stem: str) -> Path:
        candidate = folder / f"{stem}.json"
        n = 2
        while candidate.exists():
            candidate = folder / f"{stem}-{n}.json"
            n += 1
        return candidate


def _bundle_bytes(name: str, text: str, secrets: SecretRegistry | None) -> bytes:
    if name not in BUNDLE_FILES:
        raise JournalError(f"{name!r} is not a file of the incident bundle ({', '.join(BUNDLE_FILES)})")
    if secrets is not None and secrets.find_in(text):
        raise JournalError(f"refusing to write {name}: it would contain a loaded secret")
    return text.encode("utf-8")


def write_bundle_file(
    incident_dir: Path, name: str, text: str, *, secrets: SecretRegistry | None = None
) -> Path:
    """Write one of the bundle's files outside a case (`investigate --out`): atomic, private (0600).

    Refuses a text holding a loaded secret, and any name outside the bundle."""
    data = _bundle_bytes(name, text, secrets)
    path = incident_dir / name
    try:
        OS_WRITER.replace(path, data)
    except OSError as e:
        raise write_failed(name, incident_dir, e) from None
    return path


def record_bundle_file(
    journal: Journal, name: str, text: str, *, what: str, secrets: SecretRegistry | None = None
) -> Path:
    """Write one of the bundle's files into the case and journal it (a `file` entry with its SHA-256).

    Every rendering is journaled, so a re-rendered report is accounted for and never hides a change."""
    data = _bundle_bytes(name, text, secrets)
    incident_dir = journal.path.parent
    path = incident_dir / name
    payload: dict[str, Any] = {"path": name, "what": what}
    record = recorded_files(journal.entries).get(name)
    if path.is_file() and (on_disk := sha256_file(path)) != (record[0] if record else None):
        # the file being replaced is not the one the journal recorded: say so, never hide it
        payload["replaced_unrecorded"] = on_disk
    try:
        journal.writer.replace(path, data)
    except OSError as e:
        raise write_failed(name, incident_dir, e) from None
    journal.append("file", None, {**payload, "sha256": hashlib.sha256(data).hexdigest()})
    return path


def recorded_files(entries: Any) -> dict[str, tuple[str, int]]:
    """Every file the journal accounts for: relative path -> (SHA-256 of its latest record, entry seq).

    The manifest a `case-closed` entry records counts as a file record too."""
    latest: dict[str, tuple[str, int]] = {}
    for e in entries:
        p = e.payload
        if e.kind in RECORD_KINDS and isinstance(p.get("path"), str) and isinstance(p.get("sha256"), str):
            latest[p["path"]] = (p["sha256"], e.seq)
        manifest = p.get("manifest") if e.kind == "case-closed" else None
        if isinstance(manifest, dict) and isinstance(manifest.get("sha256"), str):
            latest[MANIFEST_NAME] = (manifest["sha256"], e.seq)
    return latest


def close_case(journal: Journal, status: str, **extra: Any) -> str:
    """Anchor the end of a case: write `MANIFEST.sha256` over every file the journal records, then
    journal `case-closed` carrying the manifest's SHA-256. Returns the journal's new head hash."""
    incident_dir = journal.path.parent
    files = {
        rel: digest for rel, (digest, _) in recorded_files(journal.entries).items() if rel != MANIFEST_NAME
    }
    text = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(files.items()))
    data = text.encode("utf-8")
    try:
        journal.writer.replace(incident_dir / MANIFEST_NAME, data)
    except OSError as e:
        raise write_failed(MANIFEST_NAME, incident_dir, e) from None
    manifest = {"path": MANIFEST_NAME, "sha256": hashlib.sha256(data).hexdigest(), "files": len(files)}
    return journal.append("case-closed", None, {"status": status, **extra, "manifest": manifest}).hash


def closed_status(journal: Journal) -> str | None:
    """The status of the case's last `case-closed`, None while the case is open."""
    last = next((e for e in reversed(journal.entries) if e.kind == "case-closed"), None)
    return None if last is None else str(last.payload.get("status", "done"))


def is_case(directory: Path) -> bool:
    """Does `directory` hold a case (a journal, or at least a manifest)?"""
    return any((directory / name).is_file() for name in (JOURNAL_NAME, MANIFEST_NAME))


def bundle_path(incident_dir: Path, name: str) -> Path:
    """Where one of the bundle's files (`report.md`, ...) is, to tell the person."""
    if name not in BUNDLE_FILES:
        raise ValueError(f"{name!r} is not a file of the incident bundle")
    return incident_dir / name
