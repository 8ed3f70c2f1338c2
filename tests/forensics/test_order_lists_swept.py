"""An attacker's order list (OCO) puts its market first in the sweep (issue 12): allOrderList needs no
symbol, so a list on a market the tiers rank low (or would skip) joins tier 0, and its legs are judged."""

from __future__ import annotations

from datetime import timedelta

from responder.clock import SystemClock
from responder.forensics.model import Window
from responder.forensics.sweep import _context, investigate, order_list_symbols
from responder.simulator import Simulator, load_scenario
from responder.simulator.orderlists import place_oco

from .simulated import client_for, leak_time


def test_an_oco_on_a_low_tier_market_moves_it_to_tier_0_and_its_legs_are_swept() -> None:
    sim = Simulator(load_scenario("pump-and-dump"), weight_limit=10**9)
    try:
        clock = SystemClock()
        since = leak_time(sim) or clock.now() - timedelta(hours=6)
        window = Window(since, clock.now() + timedelta(minutes=1))
        with client_for(sim, clock) as client:
            before = _context(client, window, False, [])
            symbol = next(
                s for s, tier in sorted(before.tiers.items()) if tier > 0 and s in sim.state.markets
            )
            price = sim.state.markets[symbol].quote(sim.now_ms())[0]
            oco = {"side": "BUY", "quantity": "1", "abovePrice": str(price * 2), "belowPrice": str(price / 2)}
            legs = place_oco(sim.state, symbol, oco, sim.now_ms(), source="attacker")
            assert order_list_symbols(client, window) == {symbol}
            assert _context(client, window, False, []).tiers[symbol] == 0
            findings = investigate(client, since=since, clock=clock)
        leg_ids = {r["orderId"] for r in legs["orderReports"]}
        assert leg_ids <= {v.order.order_id for v in findings.orders if v.order.symbol == symbol}
    finally:
        sim.close()
