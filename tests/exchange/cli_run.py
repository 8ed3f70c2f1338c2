"""Run the real `responder` command in a subprocess with a controlled environment and HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    out: str
    err: str


def responder_command() -> list[str]:
    script = Path(sys.executable).parent / "responder"
    return [str(script)] if script.exists() else [sys.executable, "-m", "responder.cli"]


def run(args: list[str], env: dict[str, str], home: Path, *, extra: list[str] | None = None) -> Run:
    """`responder ARGS` with only `env` (plus PATH), HOME and the working directory set to `home`."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "LC_ALL": "C.UTF-8",
    }
    proc = subprocess.run(
        [*(extra or responder_command()), *args],
        env={**base, **env},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)
