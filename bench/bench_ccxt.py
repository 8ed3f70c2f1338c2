"""Benchmark (b), measured: responder's sweep against ccxt on the same account, served on loopback.

Each run gets a fresh `responder simulator serve --scenario large-account --latency-ms 20` subprocess
(6000 weight/min enforced, real clock), so no run pays for another's weight:
1. responder's whole sweep (`forensics.sweep.investigate`, the real client over HTTP) — its wall time,
   and the symbols and days it covered (read from the server's request log);
2. ccxt's documented full-history day-walk (`fetch_orders` + `fetch_my_trades` per symbol per day,
   `since` = the day's start, `until` = its end, next page from the last timestamp when a day is full,
   `enableRateLimit=True`) over a subset of those symbols × the same days;
3. a ccxt per-symbol `fromId` probe (`fetch_orders` with `orderId=0`, `fetch_my_trades` with
   `fromId=0`, next page from the last id while pages are full) over a larger subset.
For 2 and 3 it measures calls, weight and 429s (the server's request log), the highest
`x-mbx-used-weight-1m` seen, and wall time, and extrapolates to the whole account linearly by call
count (calls per symbol × symbols; seconds per call × calls). The subsets are spread evenly over the
sorted symbol list; a symbol with more than 1000 orders or trades costs the probe extra pages, so a
subset that misses the few busy ones makes the probe's extrapolation a slight underestimate
(`--probe-symbols 400` measures the whole probe, ~3 minutes).
The old analytic figure (calls × 20 weight ÷ 6000/min) is printed beside.
Every run is bounded by a deadline and a call cap; the server subprocess is always terminated.
"""

from __future__ import annotations

import argparse
import json
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

DAY_MS = 86_400_000
PAGE = 1000  # Binance's max page for allOrders / myTrades
WALK_PATHS = ("/api/v3/allOrders", "/api/v3/myTrades")


@dataclass(frozen=True)
class Server:
    base_url: str
    key: dict[str, Any]  # simulated credentials only (the scenario's own key)

    def get(self, what: str) -> Any:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            return http.get(f"/_sim/{what}").json()


@contextmanager
def serve(latency_ms: int, ready_timeout: float = 60.0) -> Iterator[Server]:
    """A `responder simulator serve --scenario large-account` subprocess on loopback."""
    with serve_scenario("large-account", latency_ms, ready_timeout) as server:
        yield server


@contextmanager
def serve_scenario(scenario: str, latency_ms: int, ready_timeout: float = 60.0) -> Iterator[Server]:
    """A `responder simulator serve` subprocess on loopback; terminated (then killed) on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "responder.cli", "simulator", "serve", "--scenario", scenario,
         "--latency-ms", str(latency_ms), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(ready_timeout):
                raise RuntimeError(f"simulator did not start within {ready_timeout:.0f} s")
        first = json.loads(proc.stdout.readline())
        yield Server(first["base_url"], first["keys"][0])
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@dataclass
class Run:
    """What one client did against one server: counted from the server's request log."""

    seconds: float = 0.0
    calls: int = 0
    weight: int = 0
    r429: int = 0
    r418: int = 0
    max_used: int = 0  # highest x-mbx-used-weight-1m the client saw (ccxt runs)
    symbols: int = 0
    complete: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, log: list[dict[str, Any]], paths: tuple[str, ...] | None = None) -> None:
        api = [e for e in log if e["path"].startswith("/api/") and (paths is None or e["path"] in paths)]
        self.calls = len(api)
        self.weight = sum(int(e["weight"] or 0) for e in api)
        self.r429 = sum(1 for e in api if e["status"] == 429)
        self.r418 = sum(1 for e in api if e["status"] == 418)


def responder_sweep(server: Server, latency_ms: int) -> tuple[Run, list[str], int, int]:
    """The whole sweep; returns the run, the symbols it read orders for, the first day (ms) and days."""
    from responder.clock import SystemClock, from_ms
    from responder.credentials import load_credentials
    from responder.exchange.budget import calendar_minimum_seconds
    from responder.exchange.client import connect
    from responder.forensics.sweep import investigate
    from responder.secrets import SecretRegistry

    env = {"BINANCE_API_KEY": str(server.key["api_key"]), "BINANCE_API_SECRET": str(server.key["secret"])}
    creds = load_credentials(env, SecretRegistry())
    leak = from_ms(int(server.get("ground_truth")["leak_time"]))
    clock = SystemClock()
    t0 = time.monotonic()
    with connect(server.base_url, creds, clock=clock) as client:
        f = investigate(client, since=leak, clock=clock)
    run = Run(seconds=time.monotonic() - t0)
    log = server.get("log")
    run.count(log)
    symbols = sorted({e["params"]["symbol"] for e in log if e["path"] == "/api/v3/allOrders"})
    run.symbols = len(symbols)
    first_api = min(datetime.fromisoformat(e["time"]) for e in log if e["path"].startswith("/api/"))
    second = first_api.timestamp() % 60  # where in the server's calendar minute the sweep started
    run.extra = {
        "second": second,
        "minimum": calendar_minimum_seconds(run.weight, limit=6000, second=second, latency=latency_ms / 1000),
    }
    days = f.window.baseline_days + max(1, round((f.window.until - f.window.leak) / timedelta(days=1) + 0.5))
    first = int((f.window.leak - timedelta(days=f.window.baseline_days)).timestamp() * 1000)
    return run, symbols, first, days


def ccxt_exchange(server: Server) -> Any:
    """ccxt's binance pointed at the simulator, as tests/simulator/test_ccxt.py does, with its limiter on."""
    import ccxt

    ex = ccxt.binance(
        {
            "apiKey": server.key["api_key"],
            "secret": server.key["secret"],
            "enableRateLimit": True,
            "options": {
                "fetchMarkets": {"types": ["spot"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
            },
        }
    )
    base = server.base_url
    ex.urls["api"] = {name: f"{base}/api/v3" for name in ("public", "private", "v1", "v3")} | {
        "sapi": f"{base}/sapi/v1",
        "sapiV2": f"{base}/sapi/v2",
        "sapiV3": f"{base}/sapi/v3",
    }
    return ex


class Stopped(Exception):
    """A ccxt run ended before its walk was complete (bound reached or banned)."""


class Caller:
    """Calls ccxt with a deadline and a call cap; a 429 is counted and retried after Retry-After (ccxt
    itself raises it), a 418 ends the run."""

    def __init__(self, ex: Any, deadline: float, max_calls: int) -> None:
        self.ex, self.deadline, self.left, self.max_used = ex, deadline, max_calls, 0

    def __call__(
        self, fn: Callable[..., list[dict[str, Any]]], *args: Any, **kw: Any
    ) -> list[dict[str, Any]]:
        import ccxt

        while True:
            if time.monotonic() > self.deadline or self.left <= 0:
                raise Stopped("time or call bound reached")
            self.left -= 1
            try:
                rows = fn(*args, **kw)
            except ccxt.RateLimitExceeded:
                headers = self.ex.last_response_headers or {}
                time.sleep(min(60.0, float(headers.get("Retry-After") or headers.get("retry-after") or 1)))
                continue
            except ccxt.DDoSProtection as e:  # 418: the IP is banned; nothing more can be read
                raise Stopped(f"banned: {type(e).__name__}") from e
            headers = {k.lower(): v for k, v in (self.ex.last_response_headers or {}).items()}
            self.max_used = max(self.max_used, int(headers.get("x-mbx-used-weight-1m", 0)))
            return rows


def day_walk(call: Caller, symbol: str, first_ms: int, days: int) -> int:
    """ccxt's documented date-based walk for one symbol: each day, orders then trades from `since`."""
    rows = 0
    for d in range(days):
        start, end = first_ms + d * DAY_MS, first_ms + (d + 1) * DAY_MS - 1
        for fn in (call.ex.fetch_orders, call.ex.fetch_my_trades):
            since = start
            while True:
                page = call(fn, symbol, since, PAGE, {"until": end})
                rows += len(page)
                if len(page) < PAGE:
                    break
                since = int(page[-1]["timestamp"]) + 1
    return rows


def from_id_probe(call: Caller, symbol: str) -> int:
    """The whole history of one symbol by id: allOrders from orderId 0, myTrades from fromId 0."""
    rows = 0
    for fn, param in ((call.ex.fetch_orders, "orderId"), (call.ex.fetch_my_trades, "fromId")):
        cursor = 0
        while True:
            page = call(fn, symbol, None, PAGE, {param: cursor})
            rows += len(page)
            if len(page) < PAGE:
                break
            cursor = int(page[-1]["id"]) + 1
    return rows


def ccxt_run(
    latency_ms: int, symbols: list[str], walk: Callable[[Caller, str], int], bound_s: float, max_calls: int
) -> Run:
    with serve(latency_ms) as server:
        ex = ccxt_exchange(server)
        ex.load_markets()
        unified = [ex.markets_by_id[s][0]["symbol"] for s in symbols]
        skip = len(server.get("log"))  # exchangeInfo of load_markets is not part of the walk
        call = Caller(ex, time.monotonic() + bound_s, max_calls)
        run = Run(symbols=len(symbols))
        t0 = time.monotonic()
        try:
            run.extra["rows"] = sum(walk(call, s) for s in unified)
        except Stopped as e:
            run.complete, run.extra["stopped"] = False, str(e)
        run.seconds = time.monotonic() - t0
        run.count(server.get("log")[skip:], WALK_PATHS)
        run.max_used = call.max_used
    return run


def spread(symbols: list[str], n: int) -> list[str]:
    """n symbols evenly spaced over the sorted list (neither only the busiest nor only the quietest)."""
    n = max(1, min(n, len(symbols)))
    return [symbols[i * len(symbols) // n] for i in range(n)]


def extrapolate(run: Run, total_symbols: int) -> tuple[float, float, float]:
    """(calls, weight, seconds) for the whole account, linear in call count."""
    calls = run.calls / run.symbols * total_symbols
    return calls, run.weight / run.calls * calls, run.seconds / run.calls * calls


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench ccxt")
    p.add_argument("--walk-symbols", type=int, default=10, help="symbols in the day-walk subset (default 10)")
    p.add_argument("--probe-symbols", type=int, default=50, help="symbols in the fromId subset (default 50)")
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--bound", type=float, default=150.0, help="wall-time bound per ccxt run, s")
    p.add_argument("--max-calls", type=int, default=2000, help="call cap per ccxt run")
    args, _others = p.parse_known_args(argv)  # `python -m bench -- ARGS` gives every benchmark all ARGS
    try:
        import ccxt
    except ImportError:
        print("ccxt is not installed (pip install -e '.[test]'); skipped", file=sys.stderr)
        return 0
    print(f"large-account via `responder simulator serve` on loopback · 6000 weight/min · "
          f"{args.latency_ms} ms latency · real clock · ccxt {ccxt.__version__}")  # fmt: skip
    with serve(args.latency_ms) as server:
        r, symbols, first_ms, days = responder_sweep(server, args.latency_ms)
    n = len(symbols)
    print(f"    responder sweep, whole account (measured): {r.seconds:.1f} s wall, {r.calls} /api calls, "
          f"weight {r.weight}, {r.r429}× 429, {r.symbols} symbols × {days} days; started at second "
          f"{r.extra['second']:.1f} of the server's minute, calendar-minute minimum "
          f"{r.extra['minimum']:.1f} s ({r.seconds / r.extra['minimum']:.2f}×) "
          f"(from {datetime.fromtimestamp(first_ms / 1000, UTC):%Y-%m-%d %H:%M} UTC)")  # fmt: skip
    runs = {
        "day-walk": (spread(symbols, args.walk_symbols), lambda c, s: day_walk(c, s, first_ms, days)),
        "fromId probe": (spread(symbols, args.probe_symbols), from_id_probe),
    }
    analytic = {"day-walk": n * days * 2, "fromId probe": n * 2}  # the old calculated call counts
    status = 0
    for name, (subset, walk) in runs.items():
        c = ccxt_run(args.latency_ms, subset, walk, args.bound, args.max_calls)
        calls, weight, seconds = extrapolate(c, n)
        calc = analytic[name] * 20 / 6000 * 60
        done = "complete" if c.complete else f"INCOMPLETE ({c.extra.get('stopped')})"
        print(f"    ccxt {name}, subset (measured): {c.symbols} symbols, {c.calls} calls, "
              f"weight {c.weight}, {c.r429}× 429, {c.r418}× 418, max x-mbx-used-weight-1m {c.max_used}, "
              f"{c.seconds:.1f} s ({c.seconds / max(1, c.calls) * 1000:.0f} ms/call), "
              f"{c.extra.get('rows', 0)} rows, {done}")  # fmt: skip
        print(f"(b) ccxt {name}, whole account ({n} symbols, extrapolated from the measured subset by "
              f"call count): {calls:.0f} calls, weight {weight:.0f}, {seconds:.0f} s → responder "
              f"{seconds / r.seconds:.1f}× faster{' (goal ≥ 5×)' if name == 'day-walk' else ''}; "
              f"calculated (old, at the limit): {analytic[name]} calls, {calc:.0f} s → "
              f"{calc / r.seconds:.1f}×")  # fmt: skip
        status = max(status, 0 if c.complete else 1)
    return status
