"""The organisation in the simulator: a master key manages its sub-accounts' keys through /sapi."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from responder.clock import ManualClock
from responder.simulator import ScenarioError, Simulator, load_scenario
from responder.simulator.keys import SimKey
from responder.simulator.scenario import parse_scenario
from tests.simulator.conftest import Api, error

KEYS = "/sapi/v1/sub-account/subAccountApi"
DESK = "mm-desk@fund.example"


@pytest.fixture
def org(clock: ManualClock) -> Iterator[tuple[Simulator, Api]]:
    sim = Simulator(load_scenario("sub-account-leak"), clock=clock)
    with httpx.Client(transport=sim.transport(), base_url="http://sim.test") as http:
        yield sim, Api(http, clock, _key(sim, "master"))
    sim.close()


def _key(sim: Simulator, name: str) -> SimKey:
    return next(k for k in sim.keys if k.name == name)


def test_the_scenario_is_an_organisation_with_a_master_key_and_three_sub_account_keys() -> None:
    sim = Simulator(load_scenario("sub-account-leak"))
    names = [k.name for k in sim.keys]
    assert names[0] == "desk-bot" and sim.keys[0].leaked
    assert "master" in names
    org = sim.ground_truth["organisation"]
    sub_keys = [k for s in org["sub_accounts"] for k in s["keys"]]
    assert len(org["sub_accounts"]) >= 2 and len(sub_keys) >= 3
    assert any("enableSpotAndMarginTrading" in k["permissions"] and not k["ip_whitelist"] for k in sub_keys)


def test_sub_account_list_has_binances_shape(org: tuple[Simulator, Api]) -> None:
    _, api = org
    resp = api.get("/sapi/v1/sub-account/list", limit=200)
    assert resp.status_code == 200
    rows = resp.json()["subAccounts"]
    assert [r["email"] for r in rows] == [DESK, "arb@fund.example", "treasury@fund.example"]
    assert set(rows[0]) == {
        "subUserId", "email", "remark", "isFreeze", "createTime", "isManagedSubAccount",
        "isAssetManagementSubAccount",
    }  # fmt: skip
    assert rows[2]["isAssetManagementSubAccount"] is True
    assert resp.headers["X-SAPI-USED-IP-WEIGHT-1M"] == "1"


def test_key_list_rows_match_the_sdk_and_cost_3000_uid_weight(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    resp = api.get(KEYS, email=DESK)
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == 3
    row = body["rows"][0]
    assert set(row) == {
        "email", "apiName", "apikey", "canTrade", "canMarginLoanRepay", "canFuturesTrade",
        "canUniversalTransfer", "canVanillaOptions", "timestamp",
    }  # fmt: skip
    assert row["apikey"] == sim.keys[0].api_key and row["canTrade"] is True
    assert resp.headers["X-SAPI-USED-UID-WEIGHT-1M"] == "3000"
    assert api.get(KEYS, email=DESK).headers["X-SAPI-USED-UID-WEIGHT-1M"] == "6000"


def test_deleting_a_sub_key_through_the_api_makes_it_answer_2015(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    leaked = sim.keys[0]
    assert (
        api.get(
            "/api/v3/account",
        ).status_code
        == 200
    )  # the master reads its own account
    resp = api.call("DELETE", KEYS, {"email": DESK, "subAccountApiKey": leaked.api_key})
    assert resp.status_code == 200 and resp.json() == {}
    assert leaked.state == "deleted"
    assert error(api.call("GET", "/api/v3/account", key=leaked))[:2] == (401, -2015)
    assert api.get(KEYS, email=DESK).json()["total"] == 2
    again = api.call("DELETE", KEYS, {"email": DESK, "subAccountApiKey": leaked.api_key})
    assert error(again)[:2] == (400, -9000)  # a deleted key is unknown: nothing changes
    assert sim.ground_truth["organisation"]["api_actions"][0]["action"] == "delete_sub_api_key"


def test_the_master_reads_its_own_wallet_not_the_sub_accounts(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    master = {b["asset"]: b["free"] for b in api.get("/api/v3/account").json()["balances"]}
    sub = {
        b["asset"]: b["free"] for b in api.call("GET", "/api/v3/account", key=sim.keys[0]).json()["balances"]
    }
    assert master["USDT"].startswith("250000") and sub["USDT"] != master["USDT"]


@pytest.mark.parametrize(
    ("email", "code", "text"),
    [
        ("nobody@else.example", -9000, "This two users are not in parent-child relation."),
        ("treasury@fund.example", -9000, "Asset management sub-account is not supported."),
    ],
)
def test_refusals_change_nothing(org: tuple[Simulator, Api], email: str, code: int, text: str) -> None:
    sim, api = org
    resp = api.call("DELETE", KEYS, {"email": email, "subAccountApiKey": sim.keys[0].api_key})
    assert error(resp) == (400, code, text)
    assert sim.keys[0].state == "active"


def test_a_failed_kyc_ip_check_refuses_key_management(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    sim.control.set_kyc_ip_check(False)
    resp = api.call("DELETE", KEYS, {"email": DESK, "subAccountApiKey": sim.keys[0].api_key})
    assert error(resp) == (400, -9000, "This request failed the KYC IP restriction check.")
    assert sim.keys[0].active
    assert api.get(KEYS, email=DESK).status_code == 200  # reads still work


def test_only_a_master_key_may_call_sub_account_endpoints(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    resp = api.call("GET", KEYS, {"email": DESK}, key=sim.keys[0])
    assert error(resp) == (400, -8012, "Sub-account function is not enabled.")


def test_ip_restriction_and_permissions_change_the_key(org: tuple[Simulator, Api]) -> None:
    sim, api = org
    legacy = _key(sim, "legacy-arb")
    resp = api.call(
        "POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction",
        {"email": DESK, "subAccountApiKey": legacy.api_key, "status": "2", "ipAddress": "198.51.100.9"},
    )  # fmt: skip
    assert resp.status_code == 200 and resp.json()["status"] == "2"
    assert resp.json()["ipList"] == ["198.51.100.9"]
    read = api.get(f"{KEYS}/ipRestriction", email=DESK, subAccountApiKey=legacy.api_key).json()
    assert read["ipRestrict"] == "true" and read["ipList"] == ["198.51.100.9"]
    assert error(api.call("GET", "/api/v3/account", key=legacy))[:2] == (401, -2015)  # not from here
    perm = api.call(
        "POST", "/sapi/v1/sub-account/subAccountApiPermission",
        {"email": DESK, "subAccountApiKey": legacy.api_key, "canTrade": "false",
         "canUniversalTransfer": "false"},
    )  # fmt: skip
    assert perm.status_code == 200 and perm.json()["canTrade"] is False
    assert legacy.permissions == ("enableReading",)


def test_universal_transfer_moves_the_sub_accounts_assets_to_the_master(org: tuple[Simulator, Api]) -> None:
    _, api = org
    assets = api.get("/sapi/v3/sub-account/assets", email=DESK).json()["balances"]
    usdt = next(b for b in assets if b["asset"] == "USDT")
    assert usdt["free"] > 0
    resp = api.call(
        "POST", "/sapi/v1/sub-account/universalTransfer",
        {"fromEmail": DESK, "fromAccountType": "SPOT", "toAccountType": "SPOT", "asset": "USDT",
         "amount": "1000", "clientTranId": "rsp-1"},
    )  # fmt: skip
    assert resp.status_code == 200 and resp.json()["clientTranId"] == "rsp-1"
    hist = api.get("/sapi/v1/sub-account/universalTransfer", clientTranId="rsp-1").json()
    assert hist["totalCount"] == 1 and hist["result"][0]["status"] == "SUCCESS"
    dup = api.call(
        "POST", "/sapi/v1/sub-account/universalTransfer",
        {"fromEmail": DESK, "fromAccountType": "SPOT", "toAccountType": "SPOT", "asset": "USDT",
         "amount": "1", "clientTranId": "rsp-1"},
    )  # fmt: skip
    assert error(dup)[:2] == (400, -9000)


def test_attacker_is_prevented_once_the_api_deleted_the_key(
    org: tuple[Simulator, Api], clock: ManualClock
) -> None:
    sim, api = org
    api.call("DELETE", KEYS, {"email": DESK, "subAccountApiKey": sim.keys[0].api_key})
    sim.advance(15 * 60)
    late = [a for a in sim.ground_truth["attacker_actions"] if a["label"] == "pump-buy-late"]
    assert late and all(a["status"] == "prevented" for a in late)


def test_sub_accounts_without_a_master_do_not_load() -> None:
    data = {
        "keys": [{"name": "k"}],
        "markets": [{"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "price": "1"}],
        "sub_accounts": [{"email": "a@b.c"}],
    }
    with pytest.raises(ScenarioError, match="needs a \\[master\\]"):
        parse_scenario(data)
