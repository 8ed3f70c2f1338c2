"""A Binance-compatible exchange simulator with scripted attackers (issue 3).

`Simulator(load_scenario("pump-and-dump"))` is one simulated Binance account; reach it in-process
with `httpx.Client(transport=sim.transport(client_ip=...))` or over loopback with `serve(sim)`.
"""

from responder.simulator.scenario import Scenario, builtin_names, load_scenario
from responder.simulator.server import serve
from responder.simulator.sim import Simulator

__all__ = ["Scenario", "Simulator", "builtin_names", "load_scenario", "serve"]
