"""The sub-account client against the simulated organisation: shapes, UID weight, refusals, no blind retry."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from responder.clock import ManualClock
from responder.errors import OutcomeUnknown, Rejected
from responder.exchange.budget import endpoint_cost
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner
from responder.exchange.subaccounts import KEYS, SubAccounts, classify_refusal
from responder.masterkey import check_master, load_master_credentials
from responder.secrets import Secret, SecretRegistry
from responder.simulator import Simulator, load_scenario

DESK = "mm-desk@fund.example"


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("sub-account-leak"), clock=clock)
    yield s
    s.close()


def _client(sim: Simulator, name: str, clock: ManualClock) -> tuple[BinanceClient, httpx.Client]:
    key = next(k for k in sim.keys if k.name == name)
    assert key.secret is not None
    http = httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip))
    return BinanceClient(
        "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=clock
    ), http


@pytest.fixture
def master(sim: Simulator, clock: ManualClock) -> Iterator[BinanceClient]:
    client, http = _client(sim, "master", clock)
    yield client
    http.close()


def _sent(sim: Simulator, method: str, path: str) -> int:
    return sum(1 for e in sim.request_log if e.method == method and e.path == path)


def test_sub_account_endpoints_cost_3000_uid_weight_in_their_own_buckets() -> None:
    for method, path in (
        ("GET", KEYS),
        ("DELETE", KEYS),
        ("POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction"),
        ("POST", "/sapi/v1/sub-account/subAccountApiPermission"),
    ):
        cost = endpoint_cost(method, path, {})
        assert (cost.kind, cost.weight) == ("sapi-uid", 3000)
    assert endpoint_cost("POST", "/sapi/v1/sub-account/universalTransfer", {}).weight == 360
    assert endpoint_cost("GET", "/sapi/v1/sub-account/list", {}).kind == "sapi-ip"


def test_the_budget_tracks_uid_weight_from_the_header(sim: Simulator, master: BinanceClient) -> None:
    api = SubAccounts(master)
    api.api_keys(DESK)
    sim.limits.charge_sapi(f"UID:{sim.scenario.uid}:{KEYS}", 170_000, sim.now_ms())  # another client
    api.api_keys(DESK)  # answered with X-SAPI-USED-UID-WEIGHT-1M = 176000
    bucket = master.budget._bucket(f"sapi:{KEYS}", "sapi-uid")
    assert bucket.used >= 176_000
    assert bucket.wait_for(master.budget._now(), 3000) == 0  # 179,000 still fits
    assert bucket.wait_for(master.budget._now(), 6000) > 0  # a second one would wait for the minute


def test_reads_parse_into_frozen_models(sim: Simulator, master: BinanceClient) -> None:
    api = SubAccounts(master)
    subs = api.sub_accounts()
    assert [s.email for s in subs] == [DESK, "arb@fund.example", "treasury@fund.example"]
    assert subs[2].asset_management
    keys = api.api_keys(DESK)
    assert [k.name for k in keys] == ["desk-bot", "desk-reporting", "legacy-arb"]
    leaked = keys[0]
    assert leaked.api_key == sim.keys[0].api_key and leaked.api_key not in repr(leaked)
    assert leaked.can_trade and leaked.permissions["enableSpotAndMarginTrading"]
    assert api.ip_restriction(DESK, keys[1].api_key).ips == ("198.51.100.7",)
    usdt = next(b for b in api.assets(DESK) if b.asset == "USDT")
    assert usdt.free == Decimal("15230.4")


def test_deletion_ok_then_the_leaked_key_itself_is_rejected(
    sim: Simulator, master: BinanceClient, clock: ManualClock
) -> None:
    api = SubAccounts(master)
    api.delete_api_key(DESK, sim.keys[0].api_key)
    assert api.key_state(DESK, sim.keys[0].api_key) == "absent"
    leaked, http = _client(sim, "desk-bot", clock)
    with pytest.raises(Rejected) as e:
        leaked.api_restrictions()
    assert e.value.code == -2015
    http.close()


@pytest.mark.parametrize("kind", ["kyc-ip-check", "asset-sub-account"])
def test_refusals_are_rejections_that_change_nothing(
    sim: Simulator, master: BinanceClient, kind: str
) -> None:
    if kind == "kyc-ip-check":
        sim.control.set_kyc_ip_check(False)
    email = "treasury@fund.example" if kind == "asset-sub-account" else DESK
    with pytest.raises(Rejected) as e:
        SubAccounts(master).delete_api_key(email, sim.keys[0].api_key)
    assert classify_refusal(e.value).kind == kind
    assert sim.keys[0].active


def test_a_non_master_key_is_told_it_has_no_sub_accounts(sim: Simulator, clock: ManualClock) -> None:
    leaked, http = _client(sim, "desk-bot", clock)
    check = check_master(leaked, SubAccounts(leaked))
    assert check.is_master is False and "not a master" in check.reason
    http.close()


def test_master_check_says_what_the_key_can_do(sim: Simulator, master: BinanceClient) -> None:
    check = check_master(master, SubAccounts(master))
    assert check.is_master and check.can_delete and check.can_restrict_ips and check.can_transfer
    assert check.sub("MM-Desk@fund.example ") is not None


@pytest.mark.parametrize("executed", [True, False])
def test_5xx_on_delete_is_unknown_sent_once_and_settled_by_reading_back(
    sim: Simulator, master: BinanceClient, executed: bool
) -> None:
    api = SubAccounts(master)
    sim.control.inject_fault("server_error", path=KEYS, method="DELETE", status=503, executed=executed)
    with pytest.raises(OutcomeUnknown):
        api.delete_api_key(DESK, sim.keys[0].api_key)
    assert _sent(sim, "DELETE", KEYS) == 1  # never re-sent by the client
    assert api.key_state(DESK, sim.keys[0].api_key) == ("absent" if executed else "present")


def test_recorded_evidence_masks_the_sub_account_key(sim: Simulator, master: BinanceClient) -> None:
    SubAccounts(master).api_keys(DESK)
    raw = master.last_response(f"GET {KEYS}")
    assert raw is not None and raw.params["email"] == DESK
    SubAccounts(master).ip_restriction(DESK, sim.keys[1].api_key)
    raw = master.last_response("GET /sapi/v1/sub-account/subAccountApi/ipRestriction")
    assert raw is not None and sim.keys[1].api_key not in str(raw.params)


def test_master_credentials_come_from_their_own_variables() -> None:
    env = {
        "BINANCE_MASTER_API_KEY": "M" * 64,
        "BINANCE_MASTER_API_SECRET": "s" * 64,
        "BINANCE_API_KEY": "L" * 64,
    }
    creds = load_master_credentials(env, SecretRegistry())
    assert creds.api_key == "M" * 64
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "x" * 64

    creds = load_master_credentials({"BINANCE_MASTER_API_KEY": "M" * 64}, SecretRegistry(), ask_secret=ask)
    assert asked == ["Master account API secret (HMAC)"]
