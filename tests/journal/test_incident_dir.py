"""The incident directory is a place for secrets: refused when it is not ours, private whatever the
umask, and a folder that cannot be written ends in one line that says what is kept.

Driven through the installed `responder` script in a subprocess, as a person runs it."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.incident.verify import verify_case

RESPONDER = str(Path(sys.executable).parent / "responder")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]


def run(*args: str, home: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "NO_COLOR": "1", "LC_ALL": "C.UTF-8"}  # fmt: skip
    return subprocess.run(
        [RESPONDER, *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        check=False, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mode, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_folder_holding_other_files_is_refused_and_left_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "evidence").mkdir(parents=True)
    (folder / "report.md").write_text("my own notes\n")
    (folder / "evidence" / "taxes.json").write_text("{}\n")
    before = snapshot(folder)
    done = run("drill", "--auto", "--incident-dir", str(folder), home=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "already holds files responder did not write" in done.stderr
    assert snapshot(folder) == before


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "etc"
    target.mkdir()
    (target / "passwd").write_text("root:x:0:0\n")
    link = tmp_path / "case"
    link.symlink_to(target)
    for where in (link, tmp_path / "empty-link"):
        if where != link:
            (tmp_path / "empty").mkdir()
            where.symlink_to(tmp_path / "empty")
        done = run("drill", "--auto", "--incident-dir", str(where), home=tmp_path)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.count("\n") == 1 and "symbolic link" in done.stderr
    assert [p.name for p in target.iterdir()] == ["passwd"] and not list((tmp_path / "empty").iterdir())


def test_an_empty_folder_is_used_and_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    done = run("drill", "--auto", "--incident-dir", str(folder), home=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_every_folder_is_0700_and_every_file_0600_under_umask_000(tmp_path: Path) -> None:
    case = tmp_path / "case"
    done = run("drill", "--auto", "--incident-dir", str(case), home=tmp_path, umask=0)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert run("report", str(case), home=tmp_path, umask=0).returncode == 0  # re-rendered files too
    modes = {p.relative_to(case).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in case.rglob("*")}
    modes["."] = stat.S_IMODE(case.stat().st_mode)
    assert {"journal.jsonl", "MANIFEST.sha256", "findings.json", "report.html", "evidence"} <= set(modes)
    assert {k: oct(m) for k, m in modes.items() if m != (0o700 if (case / k).is_dir() else 0o600)} == {}
    # the default place (no --incident-dir) too
    assert run("drill", "--auto", home=tmp_path, umask=0).returncode == 0
    root = tmp_path / "data" / "responder" / "drills"  # drills are kept apart from real incidents
    (default_case,) = list(root.iterdir())
    assert stat.S_IMODE(root.stat().st_mode) == 0o700 and stat.S_IMODE(default_case.stat().st_mode) == 0o700
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in default_case.rglob("*") if p.is_file()} == {"0o600"}


@pytest.fixture
def read_only() -> Iterator[object]:
    """Make a folder read-only for real: chmod for a normal user; root ignores modes, so chattr +i."""
    made: list[Path] = []

    def make(folder: Path) -> None:
        if os.geteuid() != 0:
            os.chmod(folder, 0o500)
        elif (
            shutil.which("chattr") is None
            or subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode
        ):
            pytest.skip("cannot make a folder read-only here (root without chattr +i)")
        made.append(folder)

    yield make
    for folder in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        else:
            os.chmod(folder, 0o700)


def test_a_read_only_folder_is_one_line_that_says_what_is_kept(tmp_path: Path, read_only: object) -> None:
    case = tmp_path / "case"
    assert run("drill", "--auto", "--incident-dir", str(case), home=tmp_path).returncode == 0
    before = snapshot(case)
    read_only(case)  # type: ignore[operator]
    done = run("report", str(case), home=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr  # not 70: a write that failed is not a bug
    assert done.stderr.count("\n") == 1
    assert "could not write report.md" in done.stderr and "everything already recorded is kept" in done.stderr
    assert "internal error" not in done.stderr
    assert snapshot(case) == before  # no orphan, nothing half-written
    verdict = verify_case(case)
    assert verdict.intact and verdict.closed == "done"
