"""`responder key check` end to end: a real subprocess against the simulator served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from responder.clock import SystemClock, from_ms
from responder.secrets import mask_key
from responder.simulator import Simulator, serve
from responder.simulator.keys import SimKey

from .cli_run import run
from .conftest import scenario
from .keys import HMAC_KEY, HMAC_SECRET

pytestmark = pytest.mark.loopback

HMAC_ENV = {"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": HMAC_SECRET}  # for the bad-input cases


def env_for(key: SimKey) -> dict[str, str]:
    assert key.secret is not None
    return {"BINANCE_API_KEY": key.api_key, "BINANCE_API_SECRET": key.secret.reveal()}


@contextmanager
def served(name: str = "pump-and-dump") -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(scenario(name), clock=SystemClock())
    try:
        with serve(sim) as base:
            yield sim, base
    finally:
        sim.close()


@pytest.fixture
def server() -> Iterator[tuple[Simulator, str]]:
    with served() as both:
        yield both


def _one_json_object(stdout: str) -> dict[str, object]:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    doc = json.loads(lines[0])
    assert isinstance(doc, dict)
    return doc


def test_json_for_an_hmac_key(server: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = server
    key = sim.keys[0]
    result = run(
        ["key", "check", "--json", "--base-url", base, "--profile", "dashboard"], env_for(key), tmp_path
    )
    assert result.code == 0, result.err
    doc = _one_json_object(result.out)
    assert doc["status"] == "live" and doc["key"] == mask_key(key.api_key)
    assert datetime.fromisoformat(str(doc["created"])) == from_ms(key.create_ms)
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert {f["id"] for f in findings} >= {"no-ip-whitelist", "trade-enabled", "key-age"}
    assert sim.request_log[-1].path == "/sapi/v1/account/apiRestrictions"


def test_json_for_an_ed25519_key_with_base_url_from_the_environment(
    server: tuple[Simulator, str], tmp_path: Path
) -> None:
    sim, base = server
    key = sim.keys[1]
    assert key.type == "ED25519" and key.private_key_pem is not None
    sim.control.set_client_ip(key.ip_whitelist[0])  # the key only works from its whitelisted address
    pem = tmp_path / "ed.pem"
    pem.write_text(key.private_key_pem.reveal())
    env = {"BINANCE_API_KEY": key.api_key, "BINANCE_PRIVATE_KEY_FILE": str(pem), "BINANCE_BASE_URL": base}
    result = run(["key", "check", "--json"], env, tmp_path)
    assert result.code == 0, result.err
    assert _one_json_object(result.out)["status"] == "live"


def test_revoked_key_exits_0(server: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = server
    sim.control.delete_key(sim.keys[0].name)
    args = ["key", "check", "--json", "--no-ip-whitelist", "--base-url", base]
    doc = _one_json_object((result := run(args, env_for(sim.keys[0]), tmp_path)).out)
    assert (result.code, doc["status"], doc["permissions"], doc["findings"]) == (0, "revoked", None, [])


def test_rejected_key_is_indeterminate_unless_known_to_have_no_whitelist(
    server: tuple[Simulator, str], tmp_path: Path
) -> None:
    sim, base = server
    sim.control.delete_key(sim.keys[0].name)
    result = run(["key", "check", "--json", "--base-url", base], env_for(sim.keys[0]), tmp_path)
    doc = _one_json_object(result.out)
    assert (result.code, doc["status"], doc["code"]) == (0, "indeterminate", -2015)
    assert "whitelist" in str(doc["reason"])


def test_human_output(tmp_path: Path) -> None:
    with served("withdrawal-drain") as (sim, base):  # its leaked key may withdraw
        result = run(["key", "check", "--base-url", base], env_for(sim.keys[0]), tmp_path)
    assert result.code == 0 and "LIVE" in result.out and "critical" in result.out


def test_unreachable_exits_3_and_the_json_says_indeterminate(tmp_path: Path) -> None:
    with served() as (_, base):
        pass
    result = run(["key", "check", "--json", "--base-url", base], HMAC_ENV, tmp_path)
    doc = _one_json_object(result.out)
    assert result.code == 3 and doc["status"] == "indeterminate" and "could not reach" in str(doc["reason"])


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--base-url", "http://api.binance.com"], HMAC_ENV, "refusing plain http"),
        (["--profile", "yolo"], HMAC_ENV, "unknown profile"),
        ([], {"BINANCE_API_KEY": HMAC_KEY}, "BINANCE_API_SECRET"),
        ([], {"BINANCE_API_KEY": "not a key!", "BINANCE_API_SECRET": "x"}, "letters and digits"),
        (["--secret", "x"], HMAC_ENV, "No such option"),
    ],
)
def test_bad_input_exits_2(args: list[str], env: dict[str, str], message: str, tmp_path: Path) -> None:
    result = run(["key", "check", "--base-url", "http://127.0.0.1:9", *args], env, tmp_path)
    assert result.code == 2 and message in result.err, result.err
    assert "Traceback" not in result.err
