"""`key check`: live / revoked / indeterminate exactly as the issue defines, and the posture audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from responder.clock import ManualClock, from_ms
from responder.errors import UsageError
from responder.exchange.models import ApiRestrictions
from responder.keycheck import (
    PROFILES,
    audit,
    check_key,
    get_profile,
    recommend_profile,
    render_text,
    to_json,
)
from responder.secrets import mask_key
from responder.simulator import Simulator

from .conftest import START, ClientFactory, scenario

CREATED_MS = 1_698_645_219_000  # 2023-10-30


def restrictions() -> dict[str, Any]:
    """GET /sapi/v1/account/apiRestrictions as the reference shows it (§3.2), for the pure audit tests."""
    return {
        "ipRestrict": False, "createTime": CREATED_MS, "enableReading": True, "enableWithdrawals": False,
        "enableInternalTransfer": False, "enableMargin": False, "enableFutures": False,
        "permitsUniversalTransfer": False, "enableVanillaOptions": False, "enableFixApiTrade": False,
        "enableFixReadOnly": True, "enableSpotAndMarginTrading": True, "enablePortfolioMarginTrading": False,
    }  # fmt: skip


YOUNG = int((START - timedelta(days=10)).timestamp() * 1000)


def _r(**changes: object) -> ApiRestrictions:
    return ApiRestrictions.from_json({**restrictions(), "createTime": YOUNG, "ipRestrict": True, **changes})


def test_the_profile_table() -> None:
    table = {p.name: (p.trade, p.withdraw, p.ip_entries, p.rotate_days) for p in PROFILES}
    assert table == {
        "dashboard": (False, "off", (1, 1), 180),
        "grid-bot": (True, "off", (1, 1), 90),
        "market-maker": (True, "off", (1, 3), 60),
        "arbitrage": (True, "off", (2, 2), 60),
        "custody": (True, "optional", (1, 1), 30),
        "one-time": (True, "off", (1, 1), None),
    }
    assert get_profile("market-maker").whitelist == "mandatory, 1–3 entries"
    assert get_profile("custody").whitelist == "mandatory, 1 entry + multi-person approval"
    assert get_profile("one-time").rotation == "delete right after use"
    with pytest.raises(UsageError) as info:
        get_profile("yolo")
    assert "one of: dashboard, grid-bot" in info.value.one_line()


@pytest.mark.parametrize(
    ("user_type", "profile"),
    [("grid bot", "grid-bot"), ("Trading_Bot", "grid-bot"), ("tax tool", "dashboard"),
     ("arbitrage", "arbitrage"),
     ("market maker", "market-maker"), ("one-off script", "one-time"), ("treasury", "custody"),
     ("something new", "dashboard")],
)  # fmt: skip
def test_recommend_profile(user_type: str, profile: str) -> None:
    p = recommend_profile(user_type)
    assert p.name == profile
    created = datetime(2026, 1, 1, tzinfo=UTC)
    assert p.rotate_by(created) == created + timedelta(days=p.rotate_days or 1)


def test_a_well_set_up_key_has_no_findings() -> None:
    assert audit(_r(enableSpotAndMarginTrading=False), get_profile("dashboard"), START) == ()


def test_findings_and_severities() -> None:
    r = _r(enableWithdrawals=True, ipRestrict=False, enableFutures=True,
           createTime=int((START - timedelta(days=200)).timestamp() * 1000))  # fmt: skip
    found = {f.id: f.severity for f in audit(r, get_profile("dashboard"), START)}
    assert found == {
        "withdrawals-enabled": "critical", "no-ip-whitelist": "high", "trade-enabled": "high",
        "futures-enabled": "medium", "key-age": "medium",
    }  # fmt: skip


def test_withdrawals_are_allowed_for_custody_but_still_named() -> None:
    found = audit(_r(enableWithdrawals=True), get_profile("custody"), START)
    assert [(f.id, f.severity) for f in found] == [("withdrawals-enabled", "low")]


def test_age_against_the_profile_cycle() -> None:
    r = _r(createTime=int((START - timedelta(days=61)).timestamp() * 1000))
    assert [f.id for f in audit(r, get_profile("market-maker"), START)] == ["key-age"]
    assert [f.id for f in audit(r, get_profile("grid-bot"), START)] == []
    assert [f.id for f in audit(_r(), get_profile("one-time"), START)] == ["key-age"]


def test_live_key(make_client: ClientFactory, clock: ManualClock) -> None:
    sim = Simulator(scenario("withdrawal-drain"), clock=clock)  # its leaked key may withdraw
    key = sim.keys[0]
    result = check_key(make_client(on=sim), now=START, profile=get_profile("grid-bot"))
    assert result.status == "live"
    doc = to_json(result)
    assert set(doc) >= {"status", "key", "permissions", "created", "findings"}
    created = from_ms(key.create_ms).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert doc["key"] == mask_key(key.api_key) and doc["created"] == created
    assert doc["permissions"]["enableWithdrawals"] is True
    assert {"id": "withdrawals-enabled", "severity": "critical"}.items() <= doc["findings"][0].items()
    json.dumps(doc)
    text = render_text(result, START)
    assert "LIVE" in text and "critical" in text


def test_rejected_key_known_to_have_no_whitelist_is_revoked(make_client: ClientFactory) -> None:
    result = check_key(make_client(api_key="Z" * 64), now=START, ip_restricted=False)
    assert (result.status, result.code, result.unreachable) == ("revoked", -2015, False)
    assert "no IP whitelist" in result.reason


def test_rejected_key_with_unknown_whitelist_is_indeterminate_and_says_why(
    make_client: ClientFactory,
) -> None:
    """-2015 is Binance's answer for a deleted key and for a live key called from a non-whitelisted
    address alike: without knowing the key had no whitelist, it proves nothing (issue 17 #6)."""
    result = check_key(make_client(api_key="Z" * 64), now=START)
    assert (result.status, result.code, result.unreachable) == ("indeterminate", -2015, False)
    assert "not known whether the key had an IP whitelist" in result.reason
    assert "--no-ip-whitelist" in result.reason


def test_rejected_ip_restricted_key_is_indeterminate(make_client: ClientFactory) -> None:
    result = check_key(make_client(api_key="Z" * 64), now=START, ip_restricted=True)
    assert result.status == "indeterminate" and "whitelist" in result.reason


def test_bad_key_format_counts_as_revoked_only_without_a_whitelist(make_client: ClientFactory) -> None:
    assert (
        check_key(make_client(api_key="not-64-letters"), now=START, ip_restricted=False).status == "revoked"
    )
    assert check_key(make_client(api_key="not-64-letters"), now=START).status == "indeterminate"


def test_a_deleted_key_is_revoked_when_it_had_no_whitelist(
    make_client: ClientFactory, sim: Simulator
) -> None:
    client = make_client()
    sim.control.delete_key(sim.keys[0].name)
    assert check_key(client, now=START, ip_restricted=False).status == "revoked"
    assert check_key(client, now=START).status == "indeterminate"  # unknown whitelist: proves nothing


def test_wrong_secret_is_indeterminate(make_client: ClientFactory) -> None:
    from responder.exchange.signing import HmacSigner
    from responder.secrets import Secret

    result = check_key(make_client(signer=HmacSigner(Secret("not-the-secret"))), now=START)
    assert (
        result.status == "indeterminate" and "secret does not match" in result.reason and result.code == -1022
    )


def test_unreachable_is_indeterminate_with_the_reason(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("connect", count=None)
    result = check_key(make_client(backoff_seconds=0), now=START)
    assert result.status == "indeterminate" and result.unreachable and "could not reach" in result.reason
    assert to_json(result)["permissions"] is None
