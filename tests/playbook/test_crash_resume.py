"""A real process killed with SIGKILL at every step boundary resumes to the same final state, and the
loopback exchange's request log proves no mutation was sent twice. Dry run sends no mutation at all."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from responder.incident.journal import verify_chain

HARNESS = Path(__file__).parent / "harness.py"
PLAYBOOK = Path(__file__).parent / "data" / "basic.toml"
ANSWERS = """
cancel = true
delete-key = ["I deleted the key", "I checked no other key exists"]
"delete-key.keep-checking" = false
[triage]
vector = "public-repo"
leaked_at = 2026-11-23T09:40:00Z
symbol = "QKCUSDT"
passphrase = "old-secret-value-123"
"""
STEPS = 7  # headers shown for the answers above (every step of basic.toml runs)


def _order(order_id: int) -> dict[str, Any]:
    placed = 1795960800000
    return {"symbol": "QKCUSDT", "orderId": order_id, "orderListId": -1, "clientOrderId": f"x{order_id}",
            "price": "0.01", "origQty": "1000", "executedQty": "0", "cummulativeQuoteQty": "0",
            "status": "NEW", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY", "time": placed,
            "updateTime": placed}  # fmt: skip


class FakeBinance:
    """A WSGI app with open orders on one symbol and a log of every request (method, path, query)."""

    def __init__(self) -> None:
        self.orders = [_order(1), _order(2)]
        self.log: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method, path, query = environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", "")
        symbol = urllib.parse.parse_qs(query).get("symbol", [""])[0]
        with self.lock:
            self.log.append((method, path, query))
            mine = [o for o in self.orders if o["symbol"] == symbol]
            status, body = "200 OK", mine
            if method == "DELETE":
                self.orders = [o for o in self.orders if o["symbol"] != symbol]
                if not mine:
                    status, body = "400 Bad Request", {"code": -2011, "msg": "Unknown order sent."}  # type: ignore[assignment]
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    @property
    def mutations(self) -> list[tuple[str, str, str]]:
        return [r for r in self.log if r[0] != "GET"]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def exchange() -> Iterator[tuple[FakeBinance, str]]:
    app = FakeBinance()
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def harness(case: Path, base_url: str, answers: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(HARNESS), "--case", str(case), "--playbook", str(PLAYBOOK),
           "--answers", str(answers), "--base-url", base_url, *extra]  # fmt: skip
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, check=False, cwd=Path(__file__).parents[2]
    )


def final(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(ANSWERS)
    return path


@pytest.mark.slow
@pytest.mark.loopback
def test_sigkill_at_every_step_boundary_resumes_to_the_same_final_state(
    exchange: tuple[FakeBinance, str], answers: Path, tmp_path: Path
) -> None:
    app, url = exchange
    baseline = final(harness(tmp_path / "baseline", url, answers))
    assert baseline["closed"] == "done" and len(app.mutations) == 1
    for kill_at in range(1, STEPS + 1):
        app.orders, app.log = [_order(1), _order(2)], []
        case = tmp_path / f"kill-{kill_at}"
        killed = harness(case, url, answers, "--kill-at-step", str(kill_at))
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        resumed = final(harness(case, url, answers, "--resume"))
        assert resumed == baseline, f"killed at step {kill_at}"
        assert len(app.mutations) == 1, f"killed at step {kill_at}: {app.mutations}"
        assert app.orders == []
        assert verify_chain(case / "journal.jsonl") == []


@pytest.mark.slow
@pytest.mark.loopback
def test_sigkill_between_request_and_outcome_is_reconciled_not_resent(
    exchange: tuple[FakeBinance, str], answers: Path, tmp_path: Path
) -> None:
    app, url = exchange
    case = tmp_path / "mid"
    killed = harness(case, url, answers, "--kill-after-mutation")
    assert killed.returncode == -signal.SIGKILL
    assert len(app.mutations) == 1 and app.orders == []
    resumed = final(harness(case, url, answers, "--resume"))
    assert len(app.mutations) == 1  # the DELETE was not sent again
    assert resumed["closed"] == "done"
    assert resumed["steps"]["cancel"] == {
        "status": "done",
        "outputs": {"outcome": "reconciled", "open_orders": 0},
    }
    kinds = [json.loads(line)["kind"] for line in (case / "journal.jsonl").read_text().splitlines()]
    assert kinds.count("intent") == 1 and kinds.count("resumed") == 1


@pytest.mark.loopback
def test_a_dry_run_sends_zero_mutating_requests(
    exchange: tuple[FakeBinance, str], answers: Path, tmp_path: Path
) -> None:
    app, url = exchange
    result = final(harness(tmp_path / "dry", url, answers, "--dry-run"))
    assert app.mutations == []
    assert [r[0] for r in app.log] and {r[0] for r in app.log} == {"GET"}
    assert result["steps"]["cancel"]["outputs"] == {"outcome": "would-do"}
    text = (tmp_path / "dry" / "journal.jsonl").read_text()
    assert '"kind":"would-do"' in text and '"kind":"intent"' not in text
