"""A Binance-compatible exchange simulator with scripted attackers (issue 3).

`Simulator(load_scenario("pump-and-dump"))` is one simulated Binance account; reach it in-process
with `httpx.Client(transport=sim.transport(client_ip=...))` or over loopback with `serve(sim)`.
Self-contained: nothing here imports the rest of responder (tests/test_architecture.py checks it), so
it can ship alone as a Binance test double.
"""

from responder.simulator.scenario import Scenario, ScenarioError, builtin_names, load_scenario
from responder.simulator.server import serve
from responder.simulator.sim import Simulator

__all__ = ["Scenario", "ScenarioError", "Simulator", "builtin_names", "load_scenario", "serve"]
