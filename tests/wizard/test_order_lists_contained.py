"""An attacker's order list cannot survive the leak playbook unseen (issue 12): the snapshot reads open
order lists (no symbol needed), their markets join the cancel, and after it none is left open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from responder.simulator import Simulator
from responder.simulator.orderlists import lists_of, place_oco

from .conftest import run_leak


def _attacker_oco(symbol_holder: list[str]) -> Callable[[Simulator], None]:
    def prepare(sim: Simulator) -> None:
        busy = {o["symbol"] for o in sim.ground_truth["open_orders"]}
        symbol = next(s for s in sorted(sim.state.markets) if s not in busy)
        price = sim.state.markets[symbol].quote(sim.now_ms())[0]
        oco = {"side": "SELL", "quantity": "1", "abovePrice": str(price * 2), "belowPrice": str(price / 2)}
        place_oco(sim.state, symbol, oco, sim.now_ms(), source="attacker")
        symbol_holder.append(symbol)

    return prepare


def test_an_attackers_oco_on_a_quiet_market_is_snapshotted_and_cancelled(tmp_path: Path) -> None:
    symbol: list[str] = []
    case = run_leak(tmp_path, "pump-and-dump", prepare=_attacker_oco(symbol))
    try:
        snap = case.outputs("snapshot")
        assert snap["open_order_lists"] == 1 and symbol[0] in snap["open_symbols"]
        assert symbol[0] in case.outputs("cancel")["symbols"]
        assert not any(ol.is_open for ol in lists_of(case.sim.state))
        assert any(e.path == "/api/v3/openOrderList" for e in case.sim.request_log.entries())
    finally:
        case.sim.close()
