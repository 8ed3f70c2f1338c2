"""`responder report DIR`: writes the reports into the incident directory and keeps the manifest honest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from responder.cli import main
from responder.incident.evidence import MANIFEST_NAME
from responder.incident.verify import verify_case


def test_report_writes_every_format_and_rewrites_a_manifest_that_checks(
    full_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(full_dir), "--tz", "Europe/Paris"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(full_dir / f"report.{f}") for f in ("md", "txt", "html")]
    assert "(15:00:00 CET)" in (full_dir / "report.txt").read_text()
    v = verify_case(full_dir)
    assert (v.problems, v.closed) == ((), "done")
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "-c", MANIFEST_NAME], cwd=full_dir, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stdout


def test_report_can_rerender_one_format(quiet_dir: Path) -> None:
    assert main(["report", str(quiet_dir), "--format", "md"]) == 0
    assert (quiet_dir / "report.md").is_file() and not (quiet_dir / "report.html").exists()
    assert main(["report", str(quiet_dir), "--format", "md"]) == 0  # re-rendering is allowed


def test_changed_evidence_is_marked_and_never_blessed_by_a_rerendering(full_dir: Path) -> None:
    evidence = next((full_dir / "evidence").iterdir())
    evidence.write_bytes(evidence.read_bytes().replace(b"354937868", b"354937869"))
    assert main(["report", str(full_dir), "--format", "md"]) == 0
    assert "| CHANGED |" in (full_dir / "report.md").read_text()
    problems = verify_case(full_dir).problems
    assert len(problems) == 1 and problems[0].startswith(f"{evidence.relative_to(full_dir)}: changed since")
    # the re-rendered manifest keeps the journaled hash, so sha256sum still catches the change
    if shutil.which("sha256sum"):
        done = subprocess.run(
            ["sha256sum", "-c", MANIFEST_NAME], cwd=full_dir, capture_output=True, check=False
        )
        assert done.returncode == 1


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
