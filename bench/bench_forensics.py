"""Forensics benchmark: the sweep on the simulator's `large-account` at 6000 weight/min, 20 ms latency.

Prints, in one run: (a) wall time ÷ the sweep's own weight-bound minimum; (b) the speed-up over
ccxt's documented day-walk (one allOrders + one myTrades call per symbol per day) and over a
per-symbol `fromId` probe, both computed analytically at ccxt's best pacing (exactly the weight
limit) over the same symbols and days — ccxt is not run here (`bench/bench_ccxt.py` runs it);
(c) time to the first attacker order flagged; (d) 429s with half of every minute's budget pre-used
by another client; (e) the rules over synthetic orders at growing sizes
(linear scaling shows as a flat µs/order).

A real sweep at 6000/min takes minutes, so (a)–(d) run the simulator AND the client on one sped-up
clock (`--speed`, default 10×): every sleep, rate window and the 20 ms latency are in simulated
seconds, and all times printed are simulated seconds. Real wall time is printed alongside.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from responder.exchange.budget import calendar_minimum_seconds
from responder.exchange.models import Order
from responder.forensics.baseline import learn
from responder.forensics.context import build
from responder.forensics.model import Evidence, Window
from responder.forensics.planner import minimum_seconds
from responder.forensics.sweep import investigate
from responder.forensics.verdict import judge_orders
from responder.simulator import Simulator, load_scenario
from tests.forensics.builders import SYMBOLS, TICKERS, order
from tests.forensics.simulated import client_for, leak_time, truth_orders

LATENCY_MS = 20


class ScaledClock:
    """Real time run `speed` times faster: now() and monotonic() advance fast, sleep() is short."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._t0 = time.monotonic()
        self._start = datetime.now(UTC)
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return (time.monotonic() - self._t0) * self.speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


def sweep(speed: float, preused: int, limit: int = 6000) -> dict[str, float]:
    clock = ScaledClock(speed)
    sim = Simulator(
        load_scenario("large-account"), clock=clock, weight_limit=limit, latency_ms=LATENCY_MS,
        preused_weight=preused,
    )  # fmt: skip
    try:
        truth = truth_orders(sim)
        real0 = time.monotonic()
        second = sim.now_ms() / 1000 % 60  # where in the server's calendar minute the sweep starts
        with client_for(sim, clock) as client:
            f = investigate(client, since=leak_time(sim) or clock.now() - timedelta(hours=6), clock=clock)
        real = time.monotonic() - real0
        flagged = {(v.order.symbol, v.order.order_id) for v in f.attacker_orders()}
        api = [e for e in sim.request_log.entries() if e.path.startswith("/api/")]
        days = f.window.baseline_days + max(
            1, round((f.window.until - f.window.leak) / timedelta(days=1) + 0.5)
        )
        weight = sum(e.weight or 0 for e in api)
        return {
            "second": second,
            "minimum": calendar_minimum_seconds(
                weight, limit=limit, second=second, used=preused, latency=LATENCY_MS / 1000
            ),
            "seconds": f.stats.seconds,
            "real": real,
            "weight": float(weight),
            "sweep_weight": float(f.stats.weight),
            "symbols": float(f.stats.symbols),
            "days": float(days),
            "first": f.stats.first_attacker_seconds or float("nan"),
            "429": float(sum(1 for e in api if e.status == 429)),
            "418": float(sum(1 for e in api if e.status == 418)),
            "recall": len(flagged & truth) / max(1, len(truth)),
        }
    finally:
        sim.close()


def _synthetic(n: int, leak: datetime) -> list[Order]:
    """`n` orders over 9 days on 3 symbols (so denser as n grows): bot and default ids, both sides;
    half repeat 13 sizes (wash-trade pairs exist), half have sizes that rarely match (the rule must
    look past them without scanning the whole time window)."""
    step = timedelta(days=9) / n
    return [
        order(leak - timedelta(days=7) + i * step, symbol=("BTCUSDT", "ETHUSDT", "QKCUSDT")[i % 3],
              cid=f"bot-{i:08d}" if i % 7 else f"{i:022d}", side=("BUY", "SELL")[i % 2],
              qty=str(Decimal(i % 13 + 1) / 1000 if i % 4 < 2 else Decimal(i * 7919 % 100_003 + 1) / 100_000))
        for i in range(n)
    ]  # fmt: skip


def rules_scaling(sizes: list[int], repeat: int) -> list[tuple[int, float]]:
    """Seconds for baseline + context + verdicts over each size: the best of `repeat` runs (the
    machine is shared; the minimum is the least disturbed measurement)."""
    leak = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    window = Window(leak, leak + timedelta(days=2), 7)
    out = []
    for n in sizes:
        orders = _synthetic(n, leak)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            base = learn([o for o in orders if window.in_baseline(o.time)], symbols=SYMBOLS, tickers=TICKERS)
            verdicts = judge_orders(
                build(Evidence(window, orders=tuple(orders), symbols=SYMBOLS, prices_now=TICKERS), base)
            )
            best = min(best, time.perf_counter() - t0)
            assert verdicts
        out.append((n, best))
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench forensics")
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated s per real s for (a)-(c) (default 1: the in-process simulator's CPU is not inflated)",
    )
    p.add_argument("--speed-d", type=float, default=10.0, help="clock speed for (d), which counts 429s")
    p.add_argument("--quick", action="store_true", help="rules scaling up to 200k orders instead of 1M")
    p.add_argument("--repeat", type=int, default=2, help="runs per rules size; the best is printed")
    args = p.parse_args(argv)  # fmt: skip
    print(f"large-account · 6000 weight/min · {LATENCY_MS} ms latency · clock {args.speed:g}× for (a)-(c), "
          f"{args.speed_d:g}× for (d) (times below are simulated s)")  # fmt: skip
    r = sweep(args.speed, 0)
    print("    minimum = the calendar-minute bound (Binance counts fixed minutes): starting s seconds")
    print("    into a minute with u weight already used, f = 6000 - u goes at once, then 6000 a minute:")
    print("    W <= f: latency; else (60 - s) + (ceil((W - f) / 6000) - 1) × 60 + latency;")
    print("    W = all /api weight the simulator logged (context reads included), s on its clock.")
    print(f"(a) sweep {r['seconds']:.1f} s for weight {r['weight']:.0f} ({r['symbols']:.0f} symbols), "
          f"started at second {r['second']:.1f}; weight-bound minimum {r['minimum']:.1f} s → "
          f"{r['seconds'] / r['minimum']:.2f}× (goal ≤ 1.1×); smooth total ÷ limit "
          f"{minimum_seconds(int(r['weight']), 6000):.1f} s; real {r['real']:.1f} s")  # fmt: skip
    walk = minimum_seconds(int(r["symbols"] * r["days"] * 2 * 20), 6000)
    probe = minimum_seconds(int(r["symbols"] * 2 * 20), 6000)
    print(f"(b) ccxt day-walk (analytic: {r['symbols']:.0f} symbols × {r['days']:.0f} days × "
          f"allOrders+myTrades at the limit) {walk:.0f} s → responder {walk / r['seconds']:.1f}× faster "
          "(goal ≥ 5×); "
          f"fromId probe (analytic, 2 calls/symbol) {probe:.0f} s → {probe / r['seconds']:.2f}×; "
          "CALCULATED — measured: `python -m bench ccxt`")  # fmt: skip
    print(f"(c) first attacker order flagged after {r['first']:.1f} s (goal ≤ 5 s); recall {r['recall']:.2f}")
    h = sweep(args.speed_d, 3000)
    print(f"(d) half the budget pre-used: {h['429']:.0f}× 429, {h['418']:.0f}× 418 (goal 0); "
          f"sweep {h['seconds']:.1f} s, calendar minimum with 3000 of every minute used {h['minimum']:.1f} s "
          f"({h['seconds'] / h['minimum']:.2f}×)")  # fmt: skip
    sizes = [25_000, 50_000, 100_000, 200_000] if args.quick else [125_000, 250_000, 500_000, 1_000_000]
    scaling = rules_scaling(sizes, args.repeat)
    for n, dt in scaling:
        print(
            f"(e) rules over {n:>9,} orders: {dt:5.1f} s = {dt / n * 1e6:4.1f} µs/order, "
            f"best of {args.repeat}"
        )
    per = [dt / n for n, dt in scaling]
    print(f"(e) µs/order largest ÷ smallest size: {per[-1] / per[0]:.2f} (linear = 1.0; goal within 1.2)")
    return 0
