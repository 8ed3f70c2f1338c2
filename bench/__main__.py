"""Run every benchmark module `bench/bench_*.py` (each has `main(argv) -> int`), or the ones named.

Usage: python -m bench [NAME ...] [-- ARGS for the benchmarks]   e.g. `python -m bench forensics -- --quick`
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names, args = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    found = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    chosen = names or found
    unknown = set(chosen) - set(found)
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(found)}", file=sys.stderr
        )
        return 2
    status = 0
    for name in chosen:
        print(f"== bench {name} ==")
        module = importlib.import_module(f"bench.bench_{name}")
        status = max(status, int(module.main(args)))
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
