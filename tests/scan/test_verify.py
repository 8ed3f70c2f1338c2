"""`scan --verify` against the simulator, in-process: live for its key, indeterminate for a key with
an IP whitelist this machine is not on and for an unknown pair, and only reads are ever sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.clock import SystemClock
from responder.scan.render import ScanResult, to_json
from responder.scan.service import run_scan
from responder.simulator import Simulator, load_scenario

from .repo_builder import EXAMPLE_KEY, EXAMPLE_SECRET, token

BASE = "http://127.0.0.1:9"  # never dialled: the transport is the simulator in-process


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator(load_scenario("pump-and-dump"))
    yield s
    s.close()


def plant(folder: Path, sim: Simulator) -> tuple[str, str, str]:
    import random

    hmac, ed = sim.keys[0], sim.keys[1]
    assert hmac.secret is not None and ed.private_key_pem is not None
    unknown_key, unknown_secret = token(random.Random(1)), token(random.Random(2))
    (folder / "bot").mkdir()
    (folder / "bot" / ".env").write_text(
        f"# binance\nBINANCE_API_KEY={hmac.api_key}\nBINANCE_API_SECRET={hmac.secret.reveal()}\n"
    )
    (folder / "tracker").mkdir()
    (folder / "tracker" / "binance.pem").write_text(f"api_key: {ed.api_key}\n{ed.private_key_pem.reveal()}")
    (folder / "old").mkdir()
    (folder / "old" / "config.toml").write_text(
        f'[binance]\nkey = "{unknown_key}"\nsecret = "{unknown_secret}"\n'
        f'example_key = "{EXAMPLE_KEY}"\nexample_secret = "{EXAMPLE_SECRET}"\n'
    )
    return hmac.api_key, ed.api_key, unknown_key


def verify(folder: Path, sim: Simulator, **kw: bool) -> ScanResult:
    return run_scan(
        folder, history=False, verify_keys=True, base_url=BASE, clock=SystemClock(),
        new_transport=lambda: sim.transport(client_ip="127.0.0.1"), **kw,
    )  # fmt: skip


def test_verify_gives_each_distinct_key_its_state(tmp_path: Path, sim: Simulator) -> None:
    live, whitelisted, unknown = plant(tmp_path, sim)
    result = verify(tmp_path, sim)
    assert result.verdicts is not None
    v = result.verdicts
    assert v[live].status == "live" and v[live].permissions is not None
    assert v[whitelisted].status == "indeterminate" and "IP whitelist" in v[whitelisted].reason
    assert v[unknown].status == "indeterminate" and "-2015" in v[unknown].reason
    assert v[EXAMPLE_KEY].status is None  # documentation examples are never sent
    rows = {row["key"]: row for row in to_json(result)["findings"]}
    assert rows[f"{live[:4]}…{live[-4:]}"]["permissions"]["enableReading"] is True
    assert rows[f"{live[:4]}…{live[-4:]}"]["next"].startswith("LIVE: start the playbook now: responder run")
    assert "permissions" not in rows[f"{unknown[:4]}…{unknown[-4:]}"]


def test_only_one_signed_read_per_key_and_never_a_mutation(tmp_path: Path, sim: Simulator) -> None:
    plant(tmp_path, sim)
    verify(tmp_path, sim)
    log = sim.request_log.entries()
    signed = [(e.method, e.path) for e in log if e.path != "/api/v3/time"]  # the clock check is unsigned
    assert signed == [("GET", "/sapi/v1/account/apiRestrictions")] * 3  # three distinct keys, one read each
    assert not any(e.mutating for e in log)
    assert EXAMPLE_KEY[:4] not in " ".join(str(e.key) for e in log)


def test_an_unsafe_assumption_reads_minus_2015_as_revoked(tmp_path: Path, sim: Simulator) -> None:
    _, _, unknown = plant(tmp_path, sim)
    result = verify(tmp_path, sim, assume_no_ip_whitelist=True)
    assert result.verdicts is not None and result.verdicts[unknown].status == "revoked"


def test_a_deleted_key_is_no_longer_live(tmp_path: Path, sim: Simulator) -> None:
    live, _, _ = plant(tmp_path, sim)
    sim.control.delete_key(sim.keys[0].api_key)
    result = verify(tmp_path, sim)
    assert result.verdicts is not None and result.verdicts[live].status != "live"


def test_without_verify_nothing_is_sent(tmp_path: Path, sim: Simulator) -> None:
    plant(tmp_path, sim)
    result = run_scan(tmp_path, history=False, verify_keys=False, base_url=BASE, clock=SystemClock())
    assert result.verdicts is None
    assert "status" not in to_json(result)["findings"][0]
    log = sim.request_log.entries()
    assert list(log) == []


def test_an_ed25519_private_key_with_its_api_key_is_checked_with_that_key(tmp_path: Path) -> None:
    sim = Simulator(load_scenario("ip-restricted"))
    try:
        whitelisted, reporting = sim.keys
        assert reporting.private_key_pem is not None and whitelisted.secret is not None
        (tmp_path / "binance.env").write_text(
            f'BINANCE_API_KEY={reporting.api_key}\nBINANCE_PRIVATE_KEY="{reporting.private_key_pem.reveal()}"\n'
        )
        (tmp_path / "server").mkdir()
        (tmp_path / "server" / "binance.yaml").write_text(
            f"key: {whitelisted.api_key}\nsecret: {whitelisted.secret.reveal()}\n"
        )
        result = verify(tmp_path, sim)
        kinds = {f.api_key: f.kind for f in result.findings}
        assert kinds == {reporting.api_key: "ed25519", whitelisted.api_key: "hmac"}
        assert result.verdicts is not None
        assert result.verdicts[reporting.api_key].status == "live"
        assert result.verdicts[whitelisted.api_key].status == "indeterminate"  # its whitelist is not us
    finally:
        sim.close()


def test_the_command_verifies_through_the_settings_transport(
    tmp_path: Path, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import json

    from responder.cli import main
    from responder.commands.settings import Settings

    live, _, _ = plant(tmp_path, sim)
    err = io.StringIO()
    settings = Settings(
        environ={}, interactive=False, out=io.StringIO(), err=err, base_url=BASE,
        transport=lambda: sim.transport(client_ip="127.0.0.1"),
    )  # fmt: skip
    assert main(["scan", "--verify", "--json", str(tmp_path)], settings=settings) == 1
    rows = json.loads(capsys.readouterr().out)["findings"]
    assert {r["key"]: r["status"] for r in rows}[f"{live[:4]}…{live[-4:]}"] == "live"
    unsafe = ["scan", "--verify", "--unsafe-assume-no-ip-whitelist", "--json", str(tmp_path)]
    assert main(unsafe, settings=settings) == 1
    assert "unsafe" in err.getvalue()
    assert "revoked" in {r["status"] for r in json.loads(capsys.readouterr().out)["findings"]}
