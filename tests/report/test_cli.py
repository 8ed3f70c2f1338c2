"""`responder report DIR`: writes the reports into the incident directory and keeps the manifest honest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from responder.cli import main
from responder.incident.evidence import MANIFEST_NAME, verify_manifest


def test_report_writes_every_format_and_rewrites_a_manifest_that_checks(
    full_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(full_dir), "--tz", "Europe/Paris"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(full_dir / f"report.{f}") for f in ("md", "txt", "html")]
    assert "(15:00:00 CET)" in (full_dir / "report.txt").read_text()
    assert verify_manifest(full_dir) == []
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "-c", MANIFEST_NAME], cwd=full_dir, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stdout


def test_report_can_rerender_one_format(quiet_dir: Path) -> None:
    assert main(["report", str(quiet_dir), "--format", "md"]) == 0
    assert (quiet_dir / "report.md").is_file() and not (quiet_dir / "report.html").exists()
    assert main(["report", str(quiet_dir), "--format", "md"]) == 0  # re-rendering is allowed


def test_changed_evidence_is_marked_and_the_manifest_is_not_blessed(
    full_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = (full_dir / MANIFEST_NAME).read_bytes()
    evidence = next((full_dir / "evidence").iterdir())
    evidence.write_bytes(evidence.read_bytes().replace(b"354937868", b"354937869"))
    assert main(["report", str(full_dir), "--format", "md"]) == 1
    assert "was left as it is" in capsys.readouterr().err
    assert (full_dir / MANIFEST_NAME).read_bytes() == manifest
    assert "| CHANGED |" in (full_dir / "report.md").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "{dir}", "--format", "pdf"],
        ["report", "{dir}/nope"],
        ["report", "{dir}", "--tz", "Mars/Base"],
    ],
)
def test_bad_input_is_a_usage_error(
    args: list[str], quiet_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.format(dir=quiet_dir) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("responder: ") and err.count("\n") == 1


def test_report_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--help"]) == 0
    assert "--format" in capsys.readouterr().out
