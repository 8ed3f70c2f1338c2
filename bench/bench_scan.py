"""`responder scan --history` against the cheapest possible look at the same history.

Issue 16's goal: on a repository of ~2,000 commits and ~20,000 files, `responder scan --history`
takes at most 2× the time of `git log -p --all | grep -cE '[A-Za-z0-9]{64}'`, with memory flat in
the repository's size. The repository is generated with `git fast-import` (seeded, so every run
builds the same one): a first commit of N files of code-like text in 200 directories, then commits
that each modify 10 files, a second branch, one file deleted, 64-character tokens in 1 % of the
files (hashes and tokens: traps), and a few planted Binance key pairs. Both commands run as a user
would run them (responder includes its interpreter start-up), alternating, median of `--runs`.
Memory is the peak RSS of the largest process of each command (`getrusage` of the waited-for
children, measured in a fresh helper process per command), at two repository sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.0
ALNUM = string.ascii_letters + string.digits
WORDS = ["def", "return", "self", "value", "order", "price", "import", "config", "for", "in", "if", "else"]


def _token(rng: random.Random) -> str:
    while True:
        t = "".join(rng.choice(ALNUM) for _ in range(64))
        if any(c.isdigit() for c in t) and any(c.isupper() for c in t) and any(c.islower() for c in t):
            return t


def _text(rng: random.Random, lines: int) -> bytes:
    out = []
    for n in range(lines):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        out.append(f"    {words}  # line {n}")
    if rng.random() < 0.01:  # a trap: a token with no Binance context, or a hex digest
        out.append(f"checksum = '{rng.randbytes(32).hex()}'  token = '{_token(rng)}'")
    return ("\n".join(out) + "\n").encode()


def _blob(data: bytes) -> bytes:
    return b"data %d\n" % len(data) + data + b"\n"


def build(root: Path, *, files: int, commits: int, seed: int = 16) -> tuple[Path, int]:
    """A repository made with fast-import; returns it and the number of planted key pairs."""
    rng = random.Random(seed)
    repo = root / f"repo-{files}-{commits}"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    paths = [f"pkg{n % 200:03d}/module_{n:05d}.py" for n in range(files)]
    stream: list[bytes] = []
    when = 1_780_000_000
    planted = 0

    def commit(branch: str, changes: list[bytes]) -> None:
        nonlocal when
        when += 600
        msg = b"change"
        stream.append(
            b"commit refs/heads/%s\ncommitter b <b@example.invalid> %d +0000\n" % (branch.encode(), when)
        )
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        stream.extend(changes)

    first = [b"M 100644 inline %s\n" % p.encode() + _blob(_text(rng, rng.randint(20, 60))) for p in paths]
    commit("main", first)
    for n in range(1, commits):
        changes: list[bytes] = []
        for p in rng.sample(paths, 10):
            data = _text(rng, rng.randint(20, 60))
            if n % 250 == 0 and not changes:  # a leak: a Binance pair in a config file
                data += f"BINANCE_API_KEY={_token(rng)}\nBINANCE_API_SECRET={_token(rng)}\n".encode()
                planted += 1
            changes.append(b"M 100644 inline %s\n" % p.encode() + _blob(data))
        if n == commits // 2:
            changes.append(b"D %s\n" % paths[0].encode())
        commit("main", changes)
    stream.append(b"reset refs/heads/side\nfrom refs/heads/main\n")
    side = [b"M 100644 inline side/binance.env\n" + _blob(f"BINANCE_API_KEY={_token(rng)}\n".encode())]
    commit("side", side)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    return repo, planted


def responder() -> list[str]:
    script = Path(sys.executable).parent / "responder"
    return [str(script)] if script.exists() else [sys.executable, "-m", "responder.cli"]


def commands(repo: Path) -> dict[str, list[str]]:
    return {
        "git log -p | grep": ["sh", "-c", "git log -p --all | grep -cE '[A-Za-z0-9]{64}'"],
        "scan --history": [*responder(), "scan", "--history", "--json", str(repo)],
    }


def time_once(argv: list[str], repo: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.stdout


_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[2:], cwd=sys.argv[1], capture_output=True);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
# VmHWM is this process's own peak (reset by exec); ru_maxrss would also count the bench's RSS at fork.
_SCAN_PEAK = (
    "import contextlib, io, resource, sys; from responder.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()): main(['scan', '--history', '--json', sys.argv[1]])\n"
    "hwm = next(x for x in open('/proc/self/status') if x.startswith('VmHWM')).split()[1]\n"
    "print(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_rss_mb(argv: list[str], repo: Path) -> float:
    """Peak RSS (MB) of the largest process the command ran, measured in a fresh helper."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(repo), *argv], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def scan_peak_rss_mb(repo: Path) -> tuple[float, float]:
    """Peak RSS (MB) of responder's own Python process, and of the largest git process it ran."""
    out = subprocess.run(
        [sys.executable, "-c", _SCAN_PEAK, str(repo)], capture_output=True, text=True, check=True
    )
    own, children = out.stdout.split()
    return int(own) / 1024, int(children) / 1024


def measure(repo: Path, runs: int) -> tuple[dict[str, float], str]:
    cmds = commands(repo)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    output = ""
    for _ in range(runs):
        for name, argv in cmds.items():
            took, out = time_once(argv, repo)
            times[name].append(took)
            if name == "scan --history":
                output = out
    return {name: statistics.median(t) for name, t in times.items()}, output


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scan", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions (median taken)")
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="a small repository: a smoke check")
    args, _others = parser.parse_known_args(argv)
    files, commits, runs = (2_000, 200, 1) if args.quick else (args.files, args.commits, max(1, args.runs))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        repo, planted = build(Path(tmp), files=files, commits=commits)
        small, _ = build(Path(tmp), files=files // 4, commits=commits // 4, seed=17)
        took = time.perf_counter() - started
        print(f"built {files} files × {commits} commits (+ a quarter-size copy) in {took:.1f} s")
        medians, output = measure(repo, runs)
        summary = json.loads(output)["summary"]
        ratio = medians["scan --history"] / medians["git log -p | grep"]
        print(f"  git log -p --all | grep -cE …   {medians['git log -p | grep']:.2f} s (median of {runs})")
        scan_s = medians["scan --history"]
        print(f"  responder scan --history       {scan_s:.2f} s   ratio {ratio:.2f}× (goal ≤ {GOAL}×)")
        print(f"  findings {summary['findings']} (planted {planted + 1}); scanned {summary['scanned']}")
        for label, target in (("quarter size", small), ("full size", repo)):
            own, git_children = scan_peak_rss_mb(target)
            git_mb = peak_rss_mb(commands(target)["git log -p | grep"], target)
            print(
                f"  peak RSS {label:<12} scan: python {own:6.1f} MB, its git processes {git_children:6.1f} MB"
                f"   ·   git log -p {git_mb:6.1f} MB"
            )
        ok = ratio <= GOAL and summary["findings"] == planted + 1
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
