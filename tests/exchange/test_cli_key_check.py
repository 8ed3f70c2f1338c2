"""`responder key check` end to end: a real subprocess against a Binance-compatible server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.clock import SystemClock

from .cli_run import run
from .conftest import serve
from .fake_binance import ED_KEY, ED_PRIVATE_PEM, HMAC_KEY, HMAC_SECRET, FakeBinance

pytestmark = pytest.mark.loopback

HMAC_ENV = {"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": HMAC_SECRET}


@pytest.fixture
def server() -> Iterator[tuple[FakeBinance, str]]:
    fake = FakeBinance(SystemClock())
    with serve(fake) as base:
        yield fake, base


def _one_json_object(stdout: str) -> dict[str, object]:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout
    doc = json.loads(lines[0])
    assert isinstance(doc, dict)
    return doc


def test_json_for_an_hmac_key(server: tuple[FakeBinance, str], tmp_path: Path) -> None:
    fake, base = server
    result = run(["key", "check", "--json", "--base-url", base, "--profile", "dashboard"], HMAC_ENV, tmp_path)
    assert result.code == 0, result.err
    doc = _one_json_object(result.out)
    assert doc["status"] == "live" and doc["key"] == "vmPU…Eh8A" and doc["created"] == "2023-10-30T05:53:39Z"
    assert {f["id"] for f in doc["findings"]} >= {"no-ip-whitelist", "trade-enabled", "key-age"}  # type: ignore[union-attr, index]
    assert fake.requests[-1].path == "/sapi/v1/account/apiRestrictions"


def test_json_for_an_ed25519_key_with_base_url_from_the_environment(
    server: tuple[FakeBinance, str], tmp_path: Path
) -> None:
    _, base = server
    pem = tmp_path / "ed.pem"
    pem.write_text(ED_PRIVATE_PEM)
    env = {"BINANCE_API_KEY": ED_KEY, "BINANCE_PRIVATE_KEY_FILE": str(pem), "BINANCE_BASE_URL": base}
    result = run(["key", "check", "--json"], env, tmp_path)
    assert result.code == 0, result.err
    assert _one_json_object(result.out)["status"] == "live"


def test_revoked_key_exits_0(server: tuple[FakeBinance, str], tmp_path: Path) -> None:
    fake, base = server
    fake.keys.clear()
    args = ["key", "check", "--json", "--no-ip-whitelist", "--base-url", base]
    doc = _one_json_object((result := run(args, HMAC_ENV, tmp_path)).out)
    assert (result.code, doc["status"], doc["permissions"], doc["findings"]) == (0, "revoked", None, [])


def test_rejected_key_is_indeterminate_unless_known_to_have_no_whitelist(
    server: tuple[FakeBinance, str], tmp_path: Path
) -> None:
    fake, base = server
    fake.keys.clear()
    result = run(["key", "check", "--json", "--base-url", base], HMAC_ENV, tmp_path)
    doc = _one_json_object(result.out)
    assert (result.code, doc["status"], doc["code"]) == (0, "indeterminate", -2015)
    assert "whitelist" in str(doc["reason"])


def test_human_output(server: tuple[FakeBinance, str], tmp_path: Path) -> None:
    fake, base = server
    fake.withdrawals = True
    result = run(["key", "check", "--base-url", base], HMAC_ENV, tmp_path)
    assert result.code == 0 and "LIVE" in result.out and "critical" in result.out


def test_unreachable_exits_3_and_the_json_says_indeterminate(tmp_path: Path) -> None:
    with serve(FakeBinance(SystemClock())) as base:
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
