"""The evidence store: raw material a support agent can check, written once and never rewritten.

`<incident>/evidence/<name>.json` holds what the exchange said (or what an action measured), each
file journaled as an `evidence` entry with its SHA-256. `MANIFEST.sha256` (sha256sum format, relative
paths) covers `evidence/*`, `journal.jsonl`, and `findings.json` and `report.{md,txt,html}` when
present, so `sha256sum -c MANIFEST.sha256` works without responder, and `verify_manifest` names
every file that is missing, changed or unlisted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from responder.errors import JournalError
from responder.incident.journal import JOURNAL_NAME, Journal, canonical, verify_chain
from responder.secrets import SecretRegistry

MANIFEST_NAME: Final = "MANIFEST.sha256"
EVIDENCE_DIR: Final = "evidence"
# Top-level files the manifest covers besides the journal, when present: the findings and the reports.
BUNDLE_FILES: Final = ("findings.json", "report.md", "report.txt", "report.html")
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
        folder.mkdir(exist_ok=True)
        path = self._free_path(folder, name.removesuffix(".json"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        ref = EvidenceRef(path.relative_to(self.incident_dir).as_posix(), sha256_file(path))
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


def write_bundle_file(
    incident_dir: Path, name: str, text: str, *, secrets: SecretRegistry | None = None
) -> Path:
    """Write one of the bundle's files (`findings.json`, `report.<fmt>`) atomically, private (0600).

    Refuses a text holding a loaded secret, and any name outside the bundle."""
    if name not in BUNDLE_FILES:
        raise JournalError(f"{name!r} is not a file of the incident bundle ({', '.join(BUNDLE_FILES)})")
    if secrets is not None and secrets.find_in(text):
        raise JournalError(f"refusing to write {name}: it would contain a loaded secret")
    path = incident_dir / name
    tmp = path.with_name(f".{name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def _covered(incident_dir: Path) -> list[str]:
    files = [name for name in (JOURNAL_NAME, *BUNDLE_FILES) if (incident_dir / name).is_file()]
    folder = incident_dir / EVIDENCE_DIR
    if folder.is_dir():
        files += sorted(p.relative_to(incident_dir).as_posix() for p in folder.rglob("*") if p.is_file())
    return files


def write_manifest(incident_dir: Path) -> Path:
    """(Re)write `MANIFEST.sha256` over the journal, every evidence file, the findings and the reports."""
    lines = [f"{sha256_file(incident_dir / rel)}  {rel}\n" for rel in _covered(incident_dir)]
    path = incident_dir / MANIFEST_NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, path)
    return path


def verify_manifest(incident_dir: Path) -> list[str]:
    """One line per problem: a file missing, changed, or not listed; a malformed manifest line."""
    path = incident_dir / MANIFEST_NAME
    problems: list[str] = []
    listed: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
        if not m or ".." in Path(m.group(2)).parts or Path(m.group(2)).is_absolute():
            problems.append(f"{MANIFEST_NAME}:{number}: not a `sha256  relative/path` line")
            continue
        listed[m.group(2)] = m.group(1)
    for rel, digest in listed.items():
        file = incident_dir / rel
        if not file.is_file():
            problems.append(f"{rel}: listed in {MANIFEST_NAME} but missing")
        elif sha256_file(file) != digest:
            problems.append(f"{rel}: sha256 differs from {MANIFEST_NAME} (changed after the case closed)")
    problems += [
        f"{rel}: not listed in {MANIFEST_NAME}" for rel in _covered(incident_dir) if rel not in listed
    ]
    return problems


def verify_incident(incident_dir: Path) -> list[str]:
    """Every problem with an incident directory's record: the journal chain, then the manifest if any."""
    if not incident_dir.is_dir():
        return [f"{incident_dir}: not a directory"]
    try:
        problems = verify_chain(incident_dir / JOURNAL_NAME)
    except JournalError as e:
        problems = [e.one_line()]
    if (incident_dir / MANIFEST_NAME).exists():
        problems += verify_manifest(incident_dir)
    return problems


def is_case(directory: Path) -> bool:
    """Does `directory` hold a case (a journal, or at least a manifest)?"""
    return any((directory / name).is_file() for name in (JOURNAL_NAME, MANIFEST_NAME))


def bundle_path(incident_dir: Path, name: str) -> Path:
    """Where one of the bundle's files (`report.md`, ...) is, to tell the person."""
    if name not in BUNDLE_FILES:
        raise ValueError(f"{name!r} is not a file of the incident bundle")
    return incident_dir / name


def refresh_manifest(incident_dir: Path) -> None:
    """Re-write MANIFEST.sha256 after the reports were re-rendered, unless anything else no longer
    matches it: never bless changed evidence."""
    if (incident_dir / MANIFEST_NAME).exists():
        problems = [p for p in verify_manifest(incident_dir) if not p.startswith("report.")]
        if problems:
            raise JournalError(
                f"reports written, but {MANIFEST_NAME} was left as it is: {problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                hint="run `responder verify DIR`; the report marks changed evidence",
            )
    write_manifest(incident_dir)
