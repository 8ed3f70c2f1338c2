"""Over real loopback HTTP: the threaded server, socket-level faults, concurrency, the CLI command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from responder.clock import ManualClock
from responder.simulator import Simulator, load_scenario, serve
from tests.simulator.conftest import Api

pytestmark = pytest.mark.loopback


def test_the_server_answers_signed_requests_and_picks_a_free_port(sim: Simulator, clock: ManualClock) -> None:
    with serve(sim) as base_url, httpx.Client(base_url=base_url) as http:
        assert base_url.startswith("http://127.0.0.1:") and not base_url.endswith(":0")
        api = Api(http, clock, sim.keys[0])
        resp = api.get("/api/v3/account")
        assert resp.status_code == 200 and resp.headers["content-type"] == "application/json;charset=UTF-8"
        assert resp.headers["x-mbx-used-weight-1m"] == "20"
        assert api.call("DELETE", "/api/v3/openOrders", {"symbol": "PHBUSDT"}, body=True).status_code == 200
    assert sim.request_log[-1].mutating and sim.request_log[-1].params == {
        "symbol": "PHBUSDT",
        "timestamp": sim.request_log[-1].params["timestamp"],
    }


def test_a_reset_drops_the_connection_and_a_timeout_holds_it(sim: Simulator, clock: ManualClock) -> None:
    with serve(sim) as base_url, httpx.Client(base_url=base_url, timeout=0.3) as http:
        sim.faults.add("reset", path="/api/v3/time")
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/api/v3/time")
        sim.faults.add("timeout", path="/api/v3/time", ms=1000)
        with pytest.raises(httpx.ReadTimeout):
            http.get("/api/v3/time")
        assert http.get("/api/v3/time").status_code == 200


def test_concurrent_clients_are_served(sim: Simulator) -> None:
    codes: list[int] = []
    with serve(sim) as base_url:

        def worker() -> None:
            with httpx.Client(base_url=base_url) as http:
                codes.extend(http.get("/api/v3/ticker/price").status_code for _ in range(5))

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [200] * 30
    assert len(sim.request_log) == 30


def test_the_request_log_is_written_as_json_lines(tmp_path: Path, clock: ManualClock) -> None:
    log = tmp_path / "requests.jsonl"
    sim = Simulator(load_scenario("quiet-leak"), clock=clock, log_path=log)
    with serve(sim) as base_url, httpx.Client(base_url=base_url) as http:
        Api(http, clock, sim.keys[0]).get("/api/v3/account")
    sim.close()
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry["path"] == "/api/v3/account" and entry["status"] == 200 and entry["weight"] == 20
    assert "signature" not in entry["params"] and "…" in entry["key"]
    assert sim.keys[0].api_key not in log.read_text()
    assert sim.keys[0].secret is not None and sim.keys[0].secret.reveal() not in log.read_text()


def test_serve_command_prints_one_json_line_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.cli",
            "simulator",
            "serve",
            "--port",
            "0",
            "--scenario",
            "withdrawal-drain",
            "--log",
            str(tmp_path / "log.jsonl"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["keys"][0]["name"] == "tax-export" and info["keys"][0]["type"] == "HMAC"
        assert set(info["keys"][0]) == {"name", "api_key", "secret", "type", "permissions"}
        with httpx.Client(base_url=info["base_url"]) as http:
            assert http.get("/api/v3/ping").json() == {}
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and err == "" and out == ""
    assert json.loads((tmp_path / "log.jsonl").read_text())["path"] == "/api/v3/ping"
