"""Evidence files are written once and journaled; the manifest names every changed, missing or extra file."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from responder.clock import ManualClock
from responder.errors import JournalError
from responder.incident.evidence import EvidenceStore, verify_incident, verify_manifest, write_manifest
from responder.incident.journal import Journal
from responder.secrets import Secret, SecretRegistry


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    secrets = SecretRegistry()
    secrets.add(Secret("a-very-secret-secret-value"))
    journal = Journal.create(tmp_path, ManualClock(datetime(2026, 11, 23, tzinfo=UTC)), secrets)
    journal.append("case-opened", None, {"case_id": "c"})
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


def test_manifest_is_sha256sum_compatible(store: EvidenceStore, tmp_path: Path) -> None:
    store.write("a", [1, 2], source="s", description="d", step=None)
    write_manifest(tmp_path)
    result = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert verify_manifest(tmp_path) == []
    assert verify_incident(tmp_path) == []


def test_manifest_names_changed_missing_and_unlisted_files(store: EvidenceStore, tmp_path: Path) -> None:
    a = store.write("a", [1], source="s", description="d", step=None)
    b = store.write("b", [2], source="s", description="d", step=None)
    write_manifest(tmp_path)
    (tmp_path / a.path).write_text("[9]\n")
    (tmp_path / b.path).unlink()
    (tmp_path / "evidence" / "extra.json").write_text("{}")
    assert verify_manifest(tmp_path) == [
        "evidence/a.json: sha256 differs from MANIFEST.sha256 (changed after the case closed)",
        "evidence/b.json: listed in MANIFEST.sha256 but missing",
        "evidence/extra.json: not listed in MANIFEST.sha256",
    ]


def test_a_truncated_journal_is_caught_by_the_manifest(store: EvidenceStore, tmp_path: Path) -> None:
    store.write("a", [1], source="s", description="d", step=None)
    write_manifest(tmp_path)
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:-1]))
    assert verify_incident(tmp_path) == [
        "journal.jsonl: sha256 differs from MANIFEST.sha256 (changed after the case closed)"
    ]


def test_manifest_covers_findings_and_reports_when_present(store: EvidenceStore, tmp_path: Path) -> None:
    store.write("a", [1], source="s", description="d", step=None)
    (tmp_path / "report.md").write_text("# report\n")
    (tmp_path / "findings.json").write_text("{}\n")
    (tmp_path / "notes.txt").write_text("not part of the bundle\n")
    listed = [line.split("  ", 1)[1] for line in write_manifest(tmp_path).read_text().splitlines()]
    assert listed == ["journal.jsonl", "findings.json", "report.md", "evidence/a.json"]
    (tmp_path / "report.html").write_text("<html></html>\n")
    assert verify_manifest(tmp_path) == ["report.html: not listed in MANIFEST.sha256"]
    write_manifest(tmp_path)
    (tmp_path / "report.md").write_text("# edited\n")
    assert verify_manifest(tmp_path) == [
        "report.md: sha256 differs from MANIFEST.sha256 (changed after the case closed)"
    ]
