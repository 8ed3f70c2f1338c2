"""The canary sweep: a planted secret never appears in output, logs or files, on any path of issue 2.

Each case runs the real `responder` in a subprocess with the canary in its environment, against a
Binance-compatible server on loopback that answers normally, fails in every mapped way, or is gone;
plus bad input and a forced crash. Then stdout, stderr and every file under the temporary HOME (also
the working directory) are searched for the canary and for fragments of the private key and passphrase.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from responder.clock import SystemClock
from responder.simulator import Simulator, load_scenario, serve
from responder.simulator.keys import SimSecret
from tests.exchange.cli_run import Run, run

pytestmark = [pytest.mark.loopback, pytest.mark.slow]

CANARY = "CANARY" + secrets.token_hex(29)  # 64 letters and digits, like a real secret
PASSPHRASE = "CanaryPass" + secrets.token_hex(8)
HMAC_KEY = "CanaryKey" + "k" * 55
OTHER_KEY = "OtherKey" + "o" * 56
ED_KEY = "EdKey" + "e" * 59
_ed = Ed25519PrivateKey.generate()
PEM = _ed.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.BestAvailableEncryption(PASSPHRASE.encode()),
).decode()  # fmt: skip
PUBLIC = (
    _ed.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
NEEDLES = [
    CANARY,
    PASSPHRASE,
    *(line for line in PEM.splitlines() if len(line) >= 16 and "-----" not in line),
]
ENV = {"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": CANARY}


@pytest.fixture
def server() -> Iterator[tuple[Simulator, str]]:
    """The simulator holding the canary as a key's secret (and the Ed25519 key's public half)."""
    sim = Simulator(load_scenario("pump-and-dump"), clock=SystemClock())
    sim.control.add_key("canary", api_key=HMAC_KEY, secret=CANARY)
    sim.control.add_key("ed", "ED25519", api_key=ED_KEY, public_pem=PUBLIC)
    sim.control.set_client_ip("203.0.113.99")  # the scenario's keys are not used here
    with serve(sim) as base:
        yield sim, base
    sim.close()


def assert_no_canary(result: Run, home: Path, sim: Simulator | None = None) -> None:
    texts = {"stdout": result.out, "stderr": result.err}
    for path in home.rglob("*"):
        if path.is_file() and path.name != "key.pem":  # the user's own key file is the one allowed place
            texts[str(path)] = path.read_text(errors="replace")
    if sim is not None:
        texts["requests"] = repr([e.to_json() for e in sim.request_log])
    for where, text in texts.items():
        for needle in NEEDLES:
            assert needle not in text, f"secret material found in {where}"
    assert "Traceback" not in result.err


FAILURES: dict[str, list[dict[str, Any]]] = {  # simulator faults on GET /sapi/v1/account/apiRestrictions
    "live": [],
    "429": [{"kind": "reject", "code": -1003, "retry_after": 1, "count": 3}],
    "418": [{"kind": "reject", "status": 418, "code": -1003, "msg": "IP banned until 4102444800000.",
             "retry_after": 120}],
    "403": [{"kind": "waf"}],
    "451": [{"kind": "geo"}],
    "500": [{"kind": "server_error", "status": 500, "count": 3}],
    "-1021": [{"kind": "reject", "code": -1021, "count": 2}],
    "-1002": [{"kind": "reject", "code": -1002}],
    "-2014": [{"kind": "reject", "code": -2014}],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FAILURES))
@pytest.mark.parametrize("as_json", [True, False])
def test_every_server_answer(server: tuple[Simulator, str], tmp_path: Path, case: str, as_json: bool) -> None:
    sim, base = server
    for fault in FAILURES[case]:
        sim.control.inject_fault(path="/sapi/v1/account/apiRestrictions", **fault)
    result = run(["key", "check", "--base-url", base, *(["--json"] if as_json else [])], ENV, tmp_path)
    assert result.code in (0, 3), result.err
    assert [e.fault for e in sim.request_log][-1] == (FAILURES[case] or [{"kind": None}])[-1]["kind"]
    assert_no_canary(result, tmp_path, sim)


def test_wrong_secret_and_unknown_key(server: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = server
    sim.control.add_key("other", api_key=OTHER_KEY, secret="another-secret")
    wrong = run(
        ["key", "check", "--json", "--base-url", base], {**ENV, "BINANCE_API_KEY": OTHER_KEY}, tmp_path
    )
    assert '"indeterminate"' in wrong.out and sim.request_log[-1].status == 400
    assert_no_canary(wrong, tmp_path, sim)
    sim.control.delete_key("canary")
    unknown = run(["key", "check", "--base-url", base], ENV, tmp_path)
    assert sim.request_log[-1].status == 401
    assert_no_canary(unknown, tmp_path, sim)


def test_encrypted_ed25519_key_with_passphrase(server: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = server
    (tmp_path / "key.pem").write_text(PEM)
    env = {"BINANCE_API_KEY": ED_KEY, "BINANCE_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
           "BINANCE_PRIVATE_KEY_PASSPHRASE": PASSPHRASE}  # fmt: skip
    ok = run(["key", "check", "--json", "--base-url", base], env, tmp_path)
    assert ok.code == 0 and '"live"' in ok.out
    assert_no_canary(ok, tmp_path, sim)
    wrong = run(
        ["key", "check", "--base-url", base], {**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "nope"}, tmp_path
    )
    assert wrong.code == 2
    assert_no_canary(wrong, tmp_path, sim)


def test_unreachable_and_bad_input(tmp_path: Path) -> None:
    sim = Simulator(load_scenario("pump-and-dump"), clock=SystemClock())
    with serve(sim) as base:
        pass
    sim.close()
    cases = [
        (["--base-url", base, "--json"], ENV, 3),
        (["--base-url", "http://203.0.113.9"], ENV, 2),
        (["--base-url", base, "--profile", "nope"], ENV, 2),
        (["--base-url", base], {**ENV, "BINANCE_API_KEY": "bad key!"}, 2),
        (["--base-url", base], {**ENV, "BINANCE_PRIVATE_KEY_FILE": "x.pem"}, 2),
    ]
    for args, env, code in cases:
        result = run(["key", "check", *args], env, tmp_path)
        assert result.code == code, (args, result.err)
        assert_no_canary(result, tmp_path)


CRASH = """
import os, sys
import responder.cli as cli
from responder.credentials import load_credentials
from responder.secrets import SecretRegistry

@cli.key_app.command("crash")
def crash() -> None:
    credentials = load_credentials(os.environ, SecretRegistry())
    secret = os.environ["BINANCE_API_SECRET"]
    raise RuntimeError("forced crash holding " + secret)

sys.exit(cli.main(["key", "crash"]))
"""


def test_a_forced_crash_shows_no_traceback_and_no_secret(tmp_path: Path) -> None:
    result = run([], ENV, tmp_path, extra=[sys.executable, "-c", CRASH])
    assert result.code == 70 and "internal error (RuntimeError)" in result.err
    assert_no_canary(result, tmp_path)


def test_the_canary_is_really_searched(tmp_path: Path) -> None:
    (tmp_path / "leak.txt").write_text(f"oops {CANARY}")
    with pytest.raises(AssertionError, match="secret material"):
        assert_no_canary(Run(0, "", ""), tmp_path)


@pytest.mark.parametrize("case", ["live", "500", "-1002", "403"])
def test_keys_sweep_keeps_the_master_secret_in(tmp_path: Path, case: str) -> None:
    """`keys sweep` with the canary as the master key's secret (issue 14), on every kind of answer."""
    sim = Simulator(load_scenario("sub-account-leak"), clock=SystemClock())
    master = next(k for k in sim.keys if k.name == "master")
    master.api_key, master.secret = HMAC_KEY, SimSecret(CANARY)
    for fault in FAILURES[case]:
        sim.control.inject_fault(path="/sapi/v1/sub-account/subAccountApi", **fault)
    env = {"BINANCE_MASTER_API_KEY": HMAC_KEY, "BINANCE_MASTER_API_SECRET": CANARY}
    with serve(sim) as base:
        for as_json in ([], ["--json"]):
            result = run(["keys", "sweep", "--base-url", base, *as_json], env, tmp_path)
            assert result.code in (0, 1, 3), result.err
            assert_no_canary(result, tmp_path, sim)
    sim.close()
