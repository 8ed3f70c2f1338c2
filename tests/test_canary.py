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

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from exchange.cli_run import Run, run
from exchange.conftest import serve
from exchange.fake_binance import HMAC_KEY, FakeBinance

from responder.clock import SystemClock

pytestmark = [pytest.mark.loopback, pytest.mark.slow]

CANARY = "CANARY" + secrets.token_hex(29)  # 64 letters and digits, like a real secret
PASSPHRASE = "CanaryPass" + secrets.token_hex(8)
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
def server() -> Iterator[tuple[FakeBinance, str]]:
    fake = FakeBinance(SystemClock(), keys={HMAC_KEY: ("HMAC", CANARY), ED_KEY: ("ED25519", PUBLIC)})
    with serve(fake) as base:
        yield fake, base


def assert_no_canary(result: Run, home: Path, fake: FakeBinance | None = None) -> None:
    texts = {"stdout": result.out, "stderr": result.err}
    for path in home.rglob("*"):
        if path.is_file() and path.name != "key.pem":  # the user's own key file is the one allowed place
            texts[str(path)] = path.read_text(errors="replace")
    if fake is not None:
        texts["requests"] = repr(fake.requests)
    for where, text in texts.items():
        for needle in NEEDLES:
            assert needle not in text, f"secret material found in {where}"
    assert "Traceback" not in result.err


ERR = {"code": -1000, "msg": "x"}
FAILURES = {
    "live": [],
    "429": [(429, {"Retry-After": "1"}, {"code": -1003, "msg": "Too much request weight used"})] * 3,
    "418": [(418, {"Retry-After": "120"}, {"code": -1003, "msg": "IP banned until 4102444800000."})],
    "403": [(403, {}, "<html>Request blocked. CloudFront</html>")],
    "451": [(451, {}, {"code": 0, "msg": "Service unavailable from a restricted location"})],
    "500": [(500, {}, ERR)] * 3,
    "-1021": [(400, {}, {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."})]
    * 2,
    "-1002": [(401, {}, {"code": -1002, "msg": "You are not authorized to execute this request."})],
    "-2014": [(401, {}, {"code": -2014, "msg": "API-key format invalid."})],
}


@pytest.mark.parametrize("case", sorted(FAILURES))
@pytest.mark.parametrize("as_json", [True, False])
def test_every_server_answer(
    server: tuple[FakeBinance, str], tmp_path: Path, case: str, as_json: bool
) -> None:
    fake, base = server
    fake.fail_next("/sapi/v1/account/apiRestrictions", *FAILURES[case])
    result = run(["key", "check", "--base-url", base, *(["--json"] if as_json else [])], ENV, tmp_path)
    assert result.code in (0, 3), result.err
    assert_no_canary(result, tmp_path, fake)


def test_wrong_secret_and_unknown_key(server: tuple[FakeBinance, str], tmp_path: Path) -> None:
    fake, base = server
    fake.keys[HMAC_KEY] = ("HMAC", "another-secret")
    assert_no_canary(run(["key", "check", "--json", "--base-url", base], ENV, tmp_path), tmp_path, fake)
    fake.keys.clear()
    assert_no_canary(run(["key", "check", "--base-url", base], ENV, tmp_path), tmp_path, fake)


def test_encrypted_ed25519_key_with_passphrase(server: tuple[FakeBinance, str], tmp_path: Path) -> None:
    fake, base = server
    (tmp_path / "key.pem").write_text(PEM)
    env = {"BINANCE_API_KEY": ED_KEY, "BINANCE_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
           "BINANCE_PRIVATE_KEY_PASSPHRASE": PASSPHRASE}  # fmt: skip
    ok = run(["key", "check", "--json", "--base-url", base], env, tmp_path)
    assert ok.code == 0 and '"live"' in ok.out
    assert_no_canary(ok, tmp_path, fake)
    wrong = run(
        ["key", "check", "--base-url", base], {**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "nope"}, tmp_path
    )
    assert wrong.code == 2
    assert_no_canary(wrong, tmp_path, fake)


def test_unreachable_and_bad_input(tmp_path: Path) -> None:
    with serve(FakeBinance(SystemClock())) as base:
        pass
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
def test_keys_sweep_keeps_the_master_secret_in(
    server: tuple[FakeBinance, str], tmp_path: Path, case: str
) -> None:
    """`keys sweep` with the canary as the master key's secret (issue 14), on every kind of answer."""
    fake, base = server
    fake.fail_next("/sapi/v1/account/apiRestrictions", *FAILURES[case])
    env = {"BINANCE_MASTER_API_KEY": HMAC_KEY, "BINANCE_MASTER_API_SECRET": CANARY}
    for as_json in ([], ["--json"]):
        result = run(["keys", "sweep", "--base-url", base, *as_json], env, tmp_path)
        assert result.code in (0, 1, 3), result.err
        assert_no_canary(result, tmp_path, fake)
