"""Evidence files are written once and journaled; `verify` checks every file against its journal record."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from responder.clock import ManualClock
from responder.errors import JournalError
from responder.incident.evidence import (
    MANIFEST_NAME,
    EvidenceStore,
    close_case,
    record_bundle_file,
    sha256_file,
)
from responder.incident.journal import Journal
from responder.incident.store import IncidentWriteError, OsWriter
from responder.incident.verify import Verdict, verify_case
from responder.secrets import Secret, SecretRegistry


@pytest.fixture
def secrets() -> SecretRegistry:
    registry = SecretRegistry()
    registry.add(Secret("a-very-secret-secret-value"))
    return registry


@pytest.fixture
def journal(tmp_path: Path, secrets: SecretRegistry) -> Journal:
    journal = Journal.create(tmp_path, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)), secrets)
    journal.append("case-opened", None, {"case_id": "c"})
    return journal


@pytest.fixture
def store(tmp_path: Path, journal: Journal, secrets: SecretRegistry) -> EvidenceStore:
    return EvidenceStore(tmp_path, journal, secrets)


def test_evidence_is_written_once_and_journaled(store: EvidenceStore, tmp_path: Path) -> None:
    first = store.write("snapshot", {"b": 1}, source="GET /x", description="d", step="s")
    second = store.write("snapshot", {"b": 2}, source="GET /x", description="d", step="s")
    assert (first.path, second.path) == ("evidence/snapshot.json", "evidence/snapshot-2.json")
    assert json.loads((tmp_path / first.path).read_text()) == {"b": 1}
    entries = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert entries[-1]["kind"] == "evidence"
    assert entries[-1]["payload"] == {
        "path": second.path,
        "sha256": second.sha256,
        "source": "GET /x",
        "description": "d",
    }


def test_evidence_refuses_secrets_and_bad_names(store: EvidenceStore) -> None:
    with pytest.raises(JournalError, match="secret"):
        store.write("x", {"k": "a-very-secret-secret-value"}, source="s", description="d", step=None)
    with pytest.raises(JournalError, match="bad evidence name"):
        store.write("../escape", {}, source="s", description="d", step=None)


def _verdict(directory: Path) -> Verdict:
    return verify_case(directory)


def test_the_manifest_written_at_close_is_sha256sum_compatible_and_journaled(
    store: EvidenceStore, journal: Journal, tmp_path: Path
) -> None:
    store.write("a", [1, 2], source="s", description="d", step=None)
    record_bundle_file(journal, "report.md", "# report\n", what="report")
    close_case(journal, "done")
    result = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = [line.split("  ", 1)[1] for line in (tmp_path / MANIFEST_NAME).read_text().splitlines()]
    assert listed == ["evidence/a.json", "report.md"]  # the journal is anchored by its head, not listed
    closed = journal.entries[-1]
    assert closed.kind == "case-closed" and closed.payload["manifest"]["sha256"] == sha256_file(
        tmp_path / MANIFEST_NAME
    )
    v = _verdict(tmp_path)
    assert (v.problems, v.closed, v.files) == ((), "done", 3)


def test_verify_names_changed_missing_and_unaccounted_files(
    store: EvidenceStore, journal: Journal, tmp_path: Path
) -> None:
    a = store.write("a", [1], source="s", description="d", step=None)
    b = store.write("b", [2], source="s", description="d", step=None)
    close_case(journal, "done")
    (tmp_path / a.path).write_text("[9]\n")
    (tmp_path / b.path).unlink()
    (tmp_path / "evidence" / "extra.json").write_text("{}")
    problems = _verdict(tmp_path).problems
    assert problems[0].startswith("evidence/a.json: changed since it was journaled at #2")
    assert problems[1].startswith("evidence/b.json: missing (journaled at #3")
    assert problems[2].startswith("evidence/extra.json: not accounted for by the journal")
    assert len(problems) == 3


def test_an_open_case_is_intact_so_far_and_says_its_end_is_not_anchored(
    store: EvidenceStore, tmp_path: Path
) -> None:
    store.write("a", [1], source="s", description="d", step=None)
    v = _verdict(tmp_path)
    assert v.intact and v.closed is None
    assert any("end is not anchored" in n for n in v.notes)


def test_a_report_the_journal_does_not_account_for_means_the_journal_lost_its_end(
    store: EvidenceStore, journal: Journal, tmp_path: Path
) -> None:
    record_bundle_file(journal, "report.md", "# report\n", what="report")
    close_case(journal, "done")
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-2]))  # cut the last two lines
    problems = _verdict(tmp_path).problems
    assert any(p.startswith("MANIFEST.sha256: not accounted for") and "lost its end" in p for p in problems)
    assert any(p.startswith("report.md: not accounted for") for p in problems)


def test_a_disk_full_write_leaves_no_orphan_and_says_what_is_kept(tmp_path: Path) -> None:
    writer = FullDisk(budget=2000)
    journal = Journal.create(tmp_path, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)), SecretRegistry(),
                             writer=writer)  # fmt: skip
    journal.append("case-opened", None, {"case_id": "c"})
    store = EvidenceStore(tmp_path, journal, SecretRegistry())
    store.write("small", [1], source="s", description="d", step=None)
    with pytest.raises(IncidentWriteError) as caught:
        store.write("big", ["x" * 5000], source="s", description="d", step=None)
    message = caught.value.one_line()
    assert "could not write the evidence file big.json" in message and "No space left on device" in message
    assert "everything already recorded is kept" in message and "\n" not in message
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == ["small.json"]  # no empty orphan
    assert [e.kind for e in journal.entries] == ["case-opened", "evidence"]
    with pytest.raises(IncidentWriteError, match=r"MANIFEST\.sha256"):
        close_case(journal, "done")
    assert not (tmp_path / MANIFEST_NAME).exists()
    v = _verdict(tmp_path)
    assert v.intact and v.closed is None and v.files == 1  # what was recorded still holds up


class FullDisk:
    """A disk that fills up: every write past `budget` bytes fails with ENOSPC, leaving nothing half
    written (the real writer's promise), except the journal's append, which may tear like a real one."""

    def __init__(self, budget: int) -> None:
        self.left = budget
        self.real = OsWriter()

    def _take(self, data: bytes) -> None:
        if len(data) > self.left:
            self.left = 0  # a full disk stays full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.left -= len(data)

    def make_dir(self, path: Path) -> None:
        self.real.make_dir(path)

    def write_new(self, path: Path, data: bytes) -> None:
        self._take(data)
        self.real.write_new(path, data)

    def replace(self, path: Path, data: bytes) -> None:
        self._take(data)
        self.real.replace(path, data)

    def append(self, path: Path, data: bytes) -> None:
        if len(data) > self.left:
            self.real.append(path, data[: self.left])  # a torn line, as a real full disk leaves it
            self.left = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._take(data)
        self.real.append(path, data)


def test_rewriting_a_changed_report_records_what_it_replaced(journal: Journal, tmp_path: Path) -> None:
    record_bundle_file(journal, "report.md", "# report\n", what="report")
    close_case(journal, "done")
    (tmp_path / "report.md").write_text("# forged\n")
    assert _verdict(tmp_path).problems[0].startswith("report.md: changed since it was journaled")
    record_bundle_file(journal, "report.md", "# report again\n", what="report")
    close_case(journal, "done", reason="report re-rendered")
    forged = hashlib.sha256(b"# forged\n").hexdigest()
    assert journal.entries[-2].payload["replaced_unrecorded"] == forged
    v = _verdict(tmp_path)
    assert v.intact and v.closed == "done"
    assert any(
        n.startswith("report.md on disk did not match the journal when it was rewritten") for n in v.notes
    )
