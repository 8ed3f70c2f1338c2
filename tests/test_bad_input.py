# ruff: noqa: E501 — a table of cases reads best one case per line
"""The bad inputs of issue 12, each tried as a person would type it: one line on stderr, exit 2, no
traceback, in bounded time and memory (the child runs under a 1 GiB address-space limit: /dev/zero
cannot eat 24 GB, a quadratic loader cannot run for minutes)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from responder.incident.journal import ZERO_HASH, line_hash

RESPONDER = str(Path(sys.executable).parent / "responder")
ANSWERS = """[triage]
what = "API key and secret"
vector = "Compromised server"
leaked_at = {leaked_at}
noticed_at = "now"
user_type = "market-maker"
bot_prefixes = ""
"""
CR_LF_URL = "http://127.0.0.1:9/\r\nX-Evil: 1"
NO_SERVER = "http://127.0.0.1:9"

CASES: list[tuple[str, list[str], dict[str, str], str]] = [
    ("since-year-9999", ["investigate", "--since", "9999-12-31", "--base-url", NO_SERVER], {}, "in the future"),
    ("since-2030", ["investigate", "--since", "2030-01-01", "--base-url", NO_SERVER], {}, "in the future"),
    ("since-absurd-ago", ["investigate", "--since", "99999999999 days ago", "--base-url", NO_SERVER], {}, "before Binance existed"),
    ("until-before-since", ["investigate", "--since", "1h ago", "--until", "3h ago", "--base-url", NO_SERVER], {}, "is not after --since"),
    ("port-99999", ["simulator", "serve", "--port", "99999"], {}, "not a TCP port"),
    ("port-minus-1", ["simulator", "serve", "--port", "-1"], {}, "not a TCP port"),
    ("host-unresolvable", ["simulator", "serve", "--host", "no.such.host.invalid"], {}, "cannot be resolved"),
    ("log-unwritable", ["simulator", "serve", "--log", "/proc/nope/log"], {}, "cannot write the log file"),
    ("resume-missing-fields", ["resume", "{tmp}/missing-fields"], {}, "not an incident directory"),
    ("resume-no-playbook", ["resume", "{tmp}/no-playbook"], {}, "lacks a valid mode or playbook_id"),
    ("resume-json-list", ["resume", "{tmp}/json-list"], {}, "not an incident directory"),
    ("answers-absurd-date", ["run", "--dry-run", "--base-url", NO_SERVER, "--answers", "{tmp}/absurd.toml", "--incident-dir", "{tmp}/c1"], {}, "in the future"),
    ("answers-year-1", ["run", "--dry-run", "--base-url", NO_SERVER, "--answers", "{tmp}/year1.toml", "--incident-dir", "{tmp}/c2"], {}, "before Binance existed"),
    ("answers-dev-zero", ["run", "--dry-run", "--base-url", NO_SERVER, "--answers", "/dev/zero"], {}, "not a regular file"),
    ("playbook-dev-zero", ["run", "--dry-run", "--base-url", NO_SERVER, "--playbook", "/dev/zero", "--answers", "{tmp}/absurd.toml"], {}, "no playbook '/dev/zero'"),
    ("validate-dev-zero", ["playbooks", "validate", "/dev/zero"], {}, "not a regular file"),
    ("base-url-cr-lf", ["key", "check", "--base-url", CR_LF_URL], {}, "control characters"),
    ("base-url-cr-lf-run", ["run", "--dry-run", "--base-url", CR_LF_URL, "--answers", "{tmp}/absurd.toml"], {}, "control characters"),
    ("key-file-binary", ["key", "check", "--base-url", NO_SERVER], {"BINANCE_PRIVATE_KEY_FILE": "/bin/ls"}, "private key file /bin/ls"),
    ("key-file-dev-zero", ["key", "check", "--base-url", NO_SERVER], {"BINANCE_PRIVATE_KEY_FILE": "/dev/zero"}, "not a regular file"),
]  # fmt: skip


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


def _responder(
    args: list[str], env: dict[str, str], home: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    full = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "d"),
        "NO_COLOR": "1", "LC_ALL": "C.UTF-8", "BINANCE_API_KEY": "A" * 64, **env,
    }  # fmt: skip
    if "BINANCE_PRIVATE_KEY_FILE" not in env:
        full["BINANCE_API_SECRET"] = "B" * 64
    started = time.monotonic()
    proc = subprocess.run(
        [RESPONDER, *args], env=full, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory, check=False,
    )  # fmt: skip
    return proc, time.monotonic() - started


def _setup(tmp: Path) -> None:
    (tmp / "absurd.toml").write_text(ANSWERS.format(leaked_at='"9999-12-31"'), encoding="utf-8")
    (tmp / "year1.toml").write_text(ANSWERS.format(leaked_at="0001-01-01T00:00:00Z"), encoding="utf-8")
    opened = {"seq": 1, "time": "2026-11-23T14:02:03.123Z", "kind": "case-opened", "step": None,
              "payload": {"mode": "live"}, "prev": ZERO_HASH}  # fmt: skip
    for name, first in {
        "missing-fields": '{"kind": "case-opened"}',
        "no-playbook": json.dumps({**opened, "hash": line_hash(opened)}),  # a chain that verifies
        "json-list": "[1, 2, 3]",
    }.items():
        (tmp / name).mkdir(mode=0o700)
        (tmp / name / "journal.jsonl").write_text(first + "\n", encoding="utf-8")


@pytest.mark.parametrize(("args", "env", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_in_bounded_time_and_memory(
    tmp_path: Path, args: list[str], env: dict[str, str], needle: str
) -> None:
    _setup(tmp_path)
    proc, seconds = _responder([a.format(tmp=tmp_path) for a in args], env, tmp_path)
    shown = f"exit {proc.returncode} in {seconds:.1f} s\nstdout: {proc.stdout[-500:]}\nstderr: {proc.stderr[-1500:]}"
    assert proc.returncode == 2, shown
    first, *rest = proc.stderr.splitlines()
    assert first.startswith("responder: ") and all(r.startswith("  ") for r in rest), (
        shown
    )  # + listed problems
    assert needle in proc.stderr, shown
    assert "Traceback" not in proc.stdout + proc.stderr and "\r" not in proc.stderr, shown
    assert seconds < 30, shown


@pytest.mark.slow
def test_a_40000_step_playbook_validates_in_linear_time(tmp_path: Path) -> None:
    steps = "\n".join(
        f'  {{ id = "s{i}", kind = "note", title = "Step {i}", text = "x"'
        + (f', when = "s{i - 1}.x != \\"y\\""' if i else "") + " },"
        for i in range(40_000)
    )  # fmt: skip
    path = tmp_path / "big.toml"
    path.write_text(f'id = "big"\ntitle = "Big"\nversion = "1"\nsteps = [\n{steps}\n]\n', encoding="utf-8")
    proc, seconds = _responder(["playbooks", "validate", str(path)], {}, tmp_path)
    assert proc.returncode == 0 and "40000 steps" in proc.stdout, proc.stderr
    assert seconds < 40  # quadratic took more than 90 s; linear takes about 6 s on a busy 2-core machine
