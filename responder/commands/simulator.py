"""`responder simulator serve`: a simulated Binance account on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import json
from pathlib import Path

from responder.commands.settings import Settings


def serve(
    settings: Settings, *, host: str, port: int, scenario: str, latency_ms: int, log: str | None
) -> None:
    """Serve; once listening, print one JSON line: the base URL and the simulated keys."""
    from responder.errors import UsageError
    from responder.listen import check_listen, check_log_file
    from responder.simulator import ScenarioError, Simulator, load_scenario
    from responder.simulator.server import serve_until_signalled

    check_listen(host, port)  # a typo is one line and exit 2, not an OverflowError or a gaierror
    if log:
        check_log_file(Path(log))
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as e:  # the simulator stands alone: its errors become ours here
        raise UsageError(e.message, hint=e.hint) from None
    sim = Simulator(loaded, latency_ms=latency_ms, log_path=Path(log) if log else None)

    def ready(base_url: str) -> None:
        keys = [k.credentials_json() for k in sim.keys]  # simulated credentials only, by design
        settings.out.write(json.dumps({"base_url": base_url, "keys": keys}) + "\n")
        settings.out.flush()

    serve_until_signalled(sim, host, port, ready)
