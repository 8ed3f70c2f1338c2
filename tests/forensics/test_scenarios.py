"""On every shipped scenario: recall and precision of attacker orders against the ground truth ≥ 0.95."""

from __future__ import annotations

from datetime import timedelta

import pytest

from responder.clock import SystemClock
from responder.forensics.sweep import investigate
from responder.simulator import Simulator, load_scenario
from responder.simulator.scenario import builtin_names

from .simulated import client_for, leak_time, truth_orders


@pytest.mark.slow
@pytest.mark.parametrize("name", builtin_names())
def test_attacker_orders_match_the_ground_truth(name: str) -> None:
    sim = Simulator(load_scenario(name), weight_limit=10**9)
    try:
        truth = truth_orders(sim)
        clock = SystemClock()
        since = leak_time(sim) or clock.now() - timedelta(hours=6)
        with client_for(sim, clock) as client:
            findings = investigate(client, since=since, clock=clock)
        flagged = {(v.order.symbol, v.order.order_id) for v in findings.attacker_orders()}
        hits = len(flagged & truth)
        recall = hits / len(truth) if truth else 1.0
        precision = hits / len(flagged) if flagged else (1.0 if not truth else 0.0)
        assert recall >= 0.95 and precision >= 0.95, (
            name,
            recall,
            precision,
            sorted(flagged - truth)[:5],
            sorted(truth - flagged)[:5],
        )
    finally:
        sim.close()
