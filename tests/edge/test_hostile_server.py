"""`run --dry-run`, `key check` and `investigate` against a lying server (issue 12), as a person runs them:
a real subprocess talking over loopback to a hostile proxy in front of the simulator.

Whatever the server sends: no control character reaches stdout, stderr or a text report; peak memory
stays under 400 MiB; the command ends on its own within a minute; it never exits 70 (internal error);
a server fault is one line naming the server's fault, with exit 1 or 3."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from responder.simulator import Simulator, load_scenario, serve

from .hostile import MODES, hostile_proxy

pytestmark = [pytest.mark.loopback, pytest.mark.slow]

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MEASURE = Path(__file__).with_name("measure.py")
MAX_RSS_KIB = 400 * 1024
ANSWERS = """
cancel = true
cancel-own = false
delete-key = []
"delete-key.keep-checking" = false
disable-account = []
lockdown = ["Withdrawal whitelist is on"]
account-security = ["Password changed", "2FA reset"]

[triage]
what = "API key and secret"
vector = "Compromised server"
leaked_at = "6h ago"
noticed_at = "now"
user_type = "market-maker"
bot_prefixes = ""

[readonly-key]
api_key = ""
secret = ""

[sub-account]
belongs = "No: the main account"
"""
# What each fault must say on stderr (the server's fault named), and the exits it may end with: 1 (the
# run ends at once), or 3 for `key check`, whose verdict is then `indeterminate` (its documented contract).
FAULTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "nan-literal": ("the server sent a non-finite number", (1, 3)),
    "deep": ("nested", (1, 3)),
    "huge": ("the server sent an answer over 32 MiB", (1, 3)),
    "trickle": ("too slowly", (1, 3)),
    "trickle-headers": ("too slowly", (1, 3)),
    "retry-after-inf": ("Retry-After: 1e999", (1, 3)),
    "retry-after-huge": ("Retry-After: 100000000", (1, 3)),
    "ban": ("banned by Binance until", (1, 3)),
}


SHOWS_SERVER_TEXT = {("inject", "run-dry-run"), ("reject-2015", "key-check"), ("reject-2015", "run-dry-run")}


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float
    peak_kib: int


@pytest.fixture(scope="module")
def simulator() -> Iterator[tuple[str, dict[str, str]]]:
    sim = Simulator(load_scenario("pump-and-dump"))
    key = sim.keys[0]
    assert key.secret is not None
    try:
        with serve(sim) as base:
            yield base, {"BINANCE_API_KEY": key.api_key, "BINANCE_API_SECRET": key.secret.reveal()}
    finally:
        sim.close()


def responder(args: list[str], env: dict[str, str], home: Path) -> Result:
    rss = home / "maxrss"
    full_env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"), "NO_COLOR": "1", "LC_ALL": "C.UTF-8",
        "EDGE_MAXRSS_FILE": str(rss), **env,
    }  # fmt: skip
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(MEASURE), *args], env=full_env, cwd=home, capture_output=True, text=True,
        timeout=90, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    peak = int(rss.read_text()) if rss.exists() else 0
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started, peak)


COMMANDS = {
    "key-check": lambda base, home: ["key", "check", "--base-url", base],
    "investigate": lambda base, home: [
        "investigate", "--since", "6h ago", "--base-url", base, "--out", str(home / "inv"),
    ],
    "run-dry-run": lambda base, home: [
        "run", "--dry-run", "--base-url", base, "--answers", str(home / "answers.toml"),
        "--incident-dir", str(home / "case"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("mode", MODES)
def test_a_hostile_server_cannot_drive_the_terminal_exhaust_memory_hang_or_crash_responder(
    simulator: tuple[str, dict[str, str]], tmp_path: Path, mode: str, command: str
) -> None:
    upstream, creds = simulator
    (tmp_path / "answers.toml").write_text(ANSWERS, encoding="utf-8")
    with hostile_proxy(upstream, mode) as base:
        result = responder(COMMANDS[command](base, tmp_path), creds, tmp_path)
    shown = (
        f"exit {result.code} in {result.seconds:.0f} s\n"
        f"--- stdout\n{result.out[-3000:]}\n--- stderr\n{result.err[-3000:]}"
    )
    assert result.code != 70 and "Traceback" not in result.out + result.err, shown
    assert result.seconds < 60, shown
    assert 0 < result.peak_kib < MAX_RSS_KIB, f"peak {result.peak_kib // 1024} MiB\n{shown}"
    assert not CONTROL.search(result.out), shown
    assert not CONTROL.search(result.err), shown
    for report in (tmp_path / "case").glob("report.*"):
        if report.suffix in (".txt", ".md"):
            assert not CONTROL.search(report.read_text(encoding="utf-8")), report
    if mode in FAULTS:
        needle, codes = FAULTS[mode]
        assert result.code in codes, shown
        assert needle in result.err, shown
        assert result.err.strip().splitlines()[-1].startswith("responder: "), shown
    else:
        assert result.code in (0, 1, 3), shown
    if (mode, command) in SHOWS_SERVER_TEXT:
        assert "\\x1b" in result.out + result.err, "the injected escape is shown, visibly\n" + shown
