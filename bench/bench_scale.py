"""Benchmark: the sweep at Binance's scale — 1,500 symbols, 20 ms latency, 6,000 weight per calendar minute.

A `responder simulator serve` subprocess (real clock, limits enforced) serves a generated exchange of
1,500 symbols (bench/scale-1500.toml, written here: 1,494 generated markets, the user's bot on three,
an attacker pumping three thin pairs at ~4× within the last day). Responder's real client sweeps it
over loopback (`--symbols all`: every symbol's `allOrders`, 20 weight each — ~30,000 weight, so about
five calendar minutes is the floor). Measured:

1. every attacker symbol read: seconds from the start until the last attacker symbol's first `allOrders`
   page was in (the sweep's `checkpoint` callback) — goal ≤ 15 s;
2. the complete sweep ÷ its calendar-minute floor (`exchange.budget.calendar_minimum_seconds` of all
   /api weight in the server's log, from the second of the server's minute the sweep started) — ≤ 1.15×;
3. peak memory of this process (ru_maxrss; the simulator runs in its own process) — < 200 MiB;
4. an interrupted sweep (stopped after `--stop-after` s) resumed with the finished calls as cursors:
   how many calls the resumed run sent again for calls already finished — goal 0.

Slow (about twelve minutes: two full sweeps). Not part of the unit suite: `python -m bench scale`.
"""

from __future__ import annotations

import argparse
import resource
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.bench_ccxt import Server, serve_scenario

HERE = Path(__file__).parent
SCENARIO = HERE / "scale-1500.toml"
ATTACKED = ("ZKAUSDT", "ZKBUSDT", "ZKCBTC")
SCENARIO_TEXT = (
    """# Written by bench/bench_scale.py: 1,500 symbols for the scale benchmark (not a drill scenario).
name = "scale-1500"
description = "1,500 symbols: the user's bot on three, an attacker pumping three thin pairs."
seed = 1500
client_ip = "203.0.113.10"
generated_markets = 1494

[account]
uid = 700150000
balances = { USDT = "40000.00", BTC = "1.2", ETH = "10", BNB = "30", ZKA = "9e4", ZKB = "5e4", ZKC = "7e4" }

[[keys]]
name = "bot"
type = "HMAC"
permissions = ["enableReading", "enableSpotAndMarginTrading"]
created = "-400d"
leaked = true

[[markets]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
price = "64250.00"
step_size = "0.00001"
depth = "3"

[[markets]]
symbol = "ETHUSDT"
base = "ETH"
quote = "USDT"
price = "3120.00"
step_size = "0.0001"
depth = "40"

[[markets]]
symbol = "BNBUSDT"
base = "BNB"
quote = "USDT"
price = "585.0"
tick_size = "0.1"
step_size = "0.001"
depth = "200"
"""
    + "".join(
        f"""
[[markets]]
symbol = "{s}"
base = "{s[:3]}"
quote = "{s[3:]}"
price = "{p}"
tick_size = "{t}"
step_size = "1"
min_notional = "{mn}"
spread = "0.01"
depth = "3000"
"""
        for s, p, t, mn in (
            ("ZKAUSDT", "0.0500", "0.0001", "5"),
            ("ZKBUSDT", "0.0800", "0.0001", "5"),
            ("ZKCBTC", "0.00000090", "0.00000001", "0.0001"),
        )
    )
    + """
[history]
days = 30
bot_prefix = "scale-"
bot_symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT"]
bot_orders_per_day = 20
bulk_trades = 60000

[attack]
leak = "-6h"
"""
    + "".join(
        f"""
[[attack.actions]]
kind = "order"
label = "pump-{s.lower()}"
at = "-{5 - i}h"
repeat = 3
every = "2m"
symbol = "{s}"
side = "BUY"
type = "LIMIT"
price = "{p}"
qty = "{q}"
"""
        for i, (s, p, q) in enumerate(
            (("ZKAUSDT", "0.2000", "9000"), ("ZKBUSDT", "0.3200", "6000"), ("ZKCBTC", "0.00000360", "8000"))
        )
    )
)


def sweep(
    server: Server, *, stop_after: float | None, done: dict[str, Any] | None, keep_rows: bool = False
) -> dict[str, Any]:
    """One sweep over HTTP; returns timings, the checkpoints it made and whether it was interrupted.
    `keep_rows` keeps each finished call's rows (the cursors a resume needs — a journal keeps them on
    disk); without it only the keys are kept, so the memory measured is the sweep's own."""
    from responder.clock import SystemClock, from_ms
    from responder.credentials import load_credentials
    from responder.errors import Aborted
    from responder.exchange.client import connect
    from responder.forensics.sweep import Options, investigate
    from responder.secrets import SecretRegistry

    env = {"BINANCE_API_KEY": str(server.key["api_key"]), "BINANCE_API_SECRET": str(server.key["secret"])}
    creds = load_credentials(env, SecretRegistry())
    truth = server.get("ground_truth")
    leak, until = from_ms(int(truth["leak_time"])), from_ms(int(truth["now"]))
    clock, stop = SystemClock(), threading.Event()
    seen: dict[str, float] = {}
    saved: dict[str, Any] = {}
    lock = threading.Lock()
    t0 = time.monotonic()

    def checkpoint(key: str, rows: Sequence[Any]) -> None:
        with lock:
            saved[key] = list(rows) if keep_rows else None
            symbol = key.split(":")[1]
            if key.startswith("orders:") and symbol not in seen:
                seen[symbol] = time.monotonic() - t0

    timer = threading.Timer(stop_after, stop.set) if stop_after else None
    if timer:
        timer.start()
    interrupted, found = False, None
    try:
        with connect(server.base_url, creds, clock=clock) as client:
            found = investigate(
                client, since=leak, until=until, clock=clock, options=Options(symbols="all"),
                checkpoint=checkpoint, done=done, stop=stop,
            )  # fmt: skip
    except Aborted:
        interrupted = True
    finally:
        if timer:
            timer.cancel()
    flagged = sorted({v.order.symbol for v in found.attacker_orders()}) if found else []
    return {"seconds": time.monotonic() - t0, "seen": seen, "saved": saved, "interrupted": interrupted,
            "flagged": flagged, "until": until}  # fmt: skip


def floor(log: list[dict[str, Any]], since_iso: str | None = None) -> tuple[int, float, float]:
    """(/api weight, start second, calendar-minute minimum) from the server's request log."""
    from responder.exchange.budget import calendar_minimum_seconds

    api = [e for e in log if e["path"].startswith("/api/") and (since_iso is None or e["time"] >= since_iso)]
    weight = sum(int(e["weight"] or 0) for e in api)
    second = min(datetime.fromisoformat(e["time"]) for e in api).timestamp() % 60
    return weight, second, calendar_minimum_seconds(weight, limit=6000, second=second, latency=0.02)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench scale")
    ap.add_argument("--stop-after", type=float, default=40.0, help="interrupt the resume run after S s")
    ap.add_argument("--skip-resume", action="store_true")
    args, _ = ap.parse_known_args(argv)
    SCENARIO.write_text(SCENARIO_TEXT, encoding="utf-8")
    status = 0
    with serve_scenario(str(SCENARIO), 20) as server:
        run = sweep(server, stop_after=None, done=None)
        weight, second, minimum = floor(server.get("log"))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    attacker_read = max(run["seen"].get(s, float("inf")) for s in ATTACKED)
    ratio = run["seconds"] / minimum
    print(f"symbols read: {len(run['seen'])}; weight {weight} (/api, server log); start second {second:.1f}")
    each = ", ".join(f"{s} {run['seen'].get(s, float('nan')):.1f} s" for s in ATTACKED)
    print(f"(1) every attacker symbol read after {attacker_read:.1f} s (goal <= 15 s): {each}")
    print(f"    attacker symbols flagged: {', '.join(run['flagged']) or 'none'}")
    took = f"{run['seconds']:.1f} s vs calendar-minute floor {minimum:.1f} s"
    print(f"(2) complete sweep {took} -> {ratio:.2f}x (goal <= 1.15x)")
    print(f"(3) peak memory {peak_mib:.0f} MiB (ru_maxrss of the sweeping process; goal < 200 MiB)")
    status |= int(
        attacker_read > 15 or ratio > 1.15 or peak_mib >= 200 or set(run["flagged"]) != set(ATTACKED)
    )
    if not args.skip_resume:
        with serve_scenario(str(SCENARIO), 20) as server:
            first = sweep(server, stop_after=args.stop_after, done=None, keep_rows=True)
            mark = len(server.get("log"))
            second_run = sweep(server, stop_after=None, done=first["saved"])
            log = server.get("log")[mark:]
        sent = {
            _key(e) for e in log if e["path"] in ("/api/v3/allOrders", "/api/v3/myTrades", "/api/v3/klines")
        }
        again = sorted(k for k in sent if k in first["saved"])
        print(f"(4) interrupted after {first['seconds']:.1f} s ({first['interrupted']=}) with "
              f"{len(first['saved'])} calls finished; resumed run sent {len(log)} requests, "
              f"{len(again)} of them for finished calls (goal 0); resumed run {second_run['seconds']:.1f} s, "
              f"flagged {', '.join(second_run['flagged'])}")  # fmt: skip
        status |= int(bool(again) or not first["interrupted"])
    return status


def _key(entry: dict[str, Any]) -> str:
    """The sweep's call key (planner.Call.key) of a logged request, to compare with finished calls."""
    p = entry["params"]
    kind = {"/api/v3/allOrders": "orders", "/api/v3/myTrades": "trades", "/api/v3/klines": "klines"}[
        entry["path"]
    ]
    parts = [kind, p.get("symbol", "")]
    for name, param in (("start", "startTime"), ("end", "endTime")):
        if param in p:
            parts.append(f"{name}={p[param]}")
    for name, param in (("order_id", "orderId"), ("from_id", "fromId")):
        if param in p:
            parts.append(f"{name}={p[param]}")
    return ":".join(parts)
