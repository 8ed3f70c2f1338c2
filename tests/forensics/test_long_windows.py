"""Windows over Binance's limits are split for the person, never refused (issue 12): wallet history
older than 90 days is read in windows Binance accepts."""

from __future__ import annotations

from datetime import timedelta

from responder.clock import SystemClock
from responder.forensics.collect import wallet
from responder.forensics.model import Window
from responder.simulator import Simulator, load_scenario

from .simulated import client_for

DAY_MS = 86_400_000


def test_a_200_day_window_reads_wallet_history_in_windows_under_90_days() -> None:
    sim = Simulator(load_scenario("withdrawal-drain"), weight_limit=10**9)
    try:
        clock = SystemClock()
        window = Window(clock.now() - timedelta(days=200), clock.now())
        with client_for(sim, clock) as client:
            got = wallet(client, window)
        assert not [g for g in got.gaps if "history" in g], got.gaps
        reads = [e.params for e in sim.request_log.entries() if e.path == "/sapi/v1/capital/withdraw/history"]
        spans = [int(p["endTime"]) - int(p["startTime"]) for p in reads]
        assert len(spans) >= 3 and all(span < 90 * DAY_MS for span in spans)
        starts = sorted(int(p["startTime"]) for p in reads)
        assert starts[0] <= int((window.baseline_start).timestamp() * 1000)
    finally:
        sim.close()
