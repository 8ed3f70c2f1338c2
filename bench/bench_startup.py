"""Start-up benchmark: `responder --help` and the first prompt of `responder run`, against bare imports.

Issue 5 asks that start-up carries nothing but what the user sees first:
(a) `responder --help` ÷ `python -c "import typer"` — goal ≤ 1.3×;
(b) time to the first prompt of `responder run` ÷ `python -c "import typer, questionary"` — goal ≤ 1.15×.

Every command is spawned the same way, in a pseudo-terminal (pexpect), so fork, exec and pty costs
cancel out. The bare imports and `--help` are timed until they exit (as hyperfine would time them);
`responder run` until the first prompt's text ("Binance API key", asked because no BINANCE_*
variable is set) appears on the terminal, and then it is killed. A stricter reference is printed
too: the bare imports followed by that same masked prompt ("bare prompt"), timed the same way.
The commands run round-robin, so drift on a busy machine hits all of them alike, and each figure is
the median of `--runs` repetitions. Nothing touches the network: the first prompt comes before any
client is built.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pexpect

PROMPT = "Binance API key"
# The floor for "nothing but the prompt": the same masked prompt, straight after the bare imports.
BARE_PROMPT = f"import typer, questionary; questionary.password({PROMPT!r}).unsafe_ask()"
GOALS = {"help": 1.3, "first-prompt": 1.15}


def responder_command() -> list[str]:
    """The installed console script next to this interpreter (what a user runs), else `-m`."""
    script = Path(sys.executable).parent / "responder"
    return [str(script)] if script.exists() else [sys.executable, "-m", "responder.cli"]


def clean_env() -> dict[str, str]:
    """The environment without any Binance credential or base URL, and without colours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BINANCE_")}
    env["NO_COLOR"] = "1"
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def time_once(argv: Sequence[str], *, until: str | None, cwd: str, env: dict[str, str]) -> float:
    """Seconds from spawn until `until` appears on the terminal (or, with None, until the exit)."""
    start = time.perf_counter()
    child = pexpect.spawn(
        argv[0], list(argv[1:]), env=env, cwd=cwd, encoding="utf-8", timeout=30, dimensions=(40, 160)
    )
    try:
        child.expect(pexpect.EOF if until is None else until)
        elapsed = time.perf_counter() - start
    finally:
        child.close(force=True)
    if until is None and child.exitstatus not in (0, None):
        raise RuntimeError(f"{' '.join(argv)} exited with {child.exitstatus}: {child.before!r}")
    return elapsed


def cases() -> dict[str, tuple[list[str], str | None]]:
    py, cli = sys.executable, responder_command()
    return {
        "bare typer": ([py, "-c", "import typer"], None),
        "responder --help": ([*cli, "--help"], None),
        "bare typer+questionary": ([py, "-c", "import typer, questionary"], None),
        "bare prompt": ([py, "-c", BARE_PROMPT], PROMPT),
        "responder run → prompt": ([*cli, "run"], PROMPT),
    }


def measure(runs: int) -> dict[str, float]:
    """Median milliseconds per case, the cases interleaved round-robin after one warm-up each."""
    env, todo = clean_env(), cases()
    samples: dict[str, list[float]] = {name: [] for name in todo}
    with tempfile.TemporaryDirectory(prefix="responder-bench-") as cwd:
        env["HOME"] = cwd  # nothing of the user's (incident directories, configs) is read or written
        for round_ in range(runs + 1):
            for name, (argv, until) in todo.items():
                seconds = time_once(argv, until=until, cwd=cwd, env=env)
                if round_ > 0:  # round 0 warms the page cache and the .pyc files
                    samples[name].append(seconds * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(ms: dict[str, float], runs: int) -> int:
    help_ratio = ms["responder --help"] / ms["bare typer"]
    prompt_ratio = ms["responder run → prompt"] / ms["bare typer+questionary"]
    floor_ratio = ms["responder run → prompt"] / ms["bare prompt"]
    print(f"median of {runs} runs each, spawned in a pty, python {sys.version.split()[0]}")
    for name, value in ms.items():
        print(f"  {name:<26} {value:7.1f} ms")
    status = 0
    for label, ratio, goal in (
        ("help", help_ratio, GOALS["help"]),
        ("first-prompt", prompt_ratio, GOALS["first-prompt"]),
    ):
        verdict = "ok" if ratio <= goal else "OVER GOAL"
        print(f"  {label:<26} {ratio:7.2f}×   (goal ≤ {goal}×) {verdict}")
        status = status if ratio <= goal else 1
    print(f"  {'run → prompt ÷ bare prompt':<26} {floor_ratio:7.2f}×   (stricter reference, no goal)")
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="repetitions per command (median taken)")
    parser.add_argument("--quick", action="store_true", help="5 runs: a smoke check, not a measurement")
    args, _others = parser.parse_known_args(argv)  # `python -m bench -- ARGS` passes every benchmark's
    runs = 5 if args.quick else max(1, args.runs)
    return report(measure(runs), runs)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
