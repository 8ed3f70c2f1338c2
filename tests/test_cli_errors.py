"""Bad input anywhere is one clear line on stderr and exit 2: never a traceback, never exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RESPONDER = str(Path(sys.executable).parent / "responder")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["resume", "{tmp}/nothing"], "not an incident directory"),
        (["verify", "{tmp}/nothing"], "not an incident directory"),
        (["report", "{tmp}"], "journal.jsonl"),
        (["run", "--answers", "{tmp}/missing.toml"], "answers file"),
        (["run", "--base-url", "ftp://x"], "not an http(s) URL"),
        (["run", "--base-url", "http://example.com"], "plain http"),
        (["run", "--playbook", "{tmp}/nope.toml", "--answers", "{tmp}/a.toml"], "nope"),
        (["drill", "--auto", "--scenario", "no-such-scenario"], "no-such-scenario"),
        (["simulator", "serve", "--scenario", "no-such-scenario"], "built-in: "),
        (["simulator", "serve", "--scenario", "{tmp}/a.toml"], "a.toml does not load"),
        (["drill", "--auto", "--incident-dir", "{tmp}/file"], "incident directory"),
        (["key", "check", "--profile", "nope"], "unknown profile"),
        (["playbooks", "show", "nope"], "no playbook"),
        (["investigate", "--since", "garbage"], "cannot read"),
        (["--no-such-option"], "No such option"),
        (["drill"], "responder drill --auto"),
        (["run"], "--answers FILE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    (tmp_path / "file").write_text("not a directory\n")
    (tmp_path / "a.toml").write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"),
        "BINANCE_API_KEY": "A" * 64, "BINANCE_API_SECRET": "B" * 64, "NO_COLOR": "1",
    }  # fmt: skip
    proc = subprocess.run(
        [RESPONDER, *(a.format(tmp=tmp_path) for a in args)], env=env, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "B" * 64 not in proc.stderr + proc.stdout
