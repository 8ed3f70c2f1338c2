"""`keys sweep`: rules table-driven, the sweep against the simulated organisation, and the command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from responder.clock import ManualClock, SystemClock
from responder.credentials import load_credentials
from responder.errors import Rejected
from responder.exchange.subaccounts import IpRestriction, SubAccount, SubApiKey
from responder.keycheck import get_profile
from responder.keysweep import (
    RULES,
    KeyFacts,
    SweepContext,
    audit_key,
    render_table,
    sweep,
    sweep_organisation,
    to_json,
)
from responder.secrets import SecretRegistry
from responder.simulator import Simulator, load_scenario, serve

from .cli_run import run

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def facts(**over: object) -> KeyFacts:
    base: dict[str, object] = {
        "sub_account": "a@x.example",
        "key": "abcd…wxyz",
        "name": "desk-bot",
        "created": NOW - timedelta(days=10),
        "ip_restricted": True,
        "ip_list": ("198.51.100.7",),
        "permissions": {"enableReading": True, "enableSpotAndMarginTrading": True, "enableWithdrawals": None},
    }
    base.update(over)
    return KeyFacts(**base)  # type: ignore[arg-type]


TRADE_WITHDRAW = {"enableSpotAndMarginTrading": True, "enableWithdrawals": True}


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({}, []),
        ({"permissions": TRADE_WITHDRAW}, [("withdrawals-enabled", "critical")]),
        ({"ip_restricted": False}, [("no-ip-whitelist", "high")]),
        ({"ip_restricted": None}, [("ip-restriction-unknown", "medium")]),
        ({"created": NOW - timedelta(days=200)}, [("key-age", "medium")]),
        ({"name": ""}, [("unnamed-key", "high")]),
        (
            {"permissions": {"enableSpotAndMarginTrading": True, "enableFutures": True}},
            [("products-enabled", "medium")],
        ),
        (
            {"permissions": {"enableReading": True}, "ip_restricted": False},
            [],
        ),  # a read key: not the trade rule
        (
            {"permissions": {"enableSpotAndMarginTrading": True, "enableWithdrawals": None}},
            [],
        ),  # unknown ≠ on
    ],
)
def test_each_rule_flags_what_its_docstring_says(
    over: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    swept = audit_key(facts(**over), SweepContext(NOW))
    assert [(f.id, f.severity) for f in swept.findings] == expected


def test_unknown_keys_need_an_inventory() -> None:
    ctx = SweepContext(NOW, known=frozenset({"other"}))
    assert [f.id for f in audit_key(facts(), ctx).findings] == ["unknown-key"]
    assert audit_key(facts(), SweepContext(NOW)).findings == ()


def test_profile_from_the_name_or_the_one_asked_for() -> None:
    assert audit_key(facts(name="legacy-arb"), SweepContext(NOW)).profile == "arbitrage"
    assert audit_key(facts(name="x"), SweepContext(NOW)).profile == "grid-bot"
    ctx = SweepContext(NOW, profile=get_profile("dashboard"))
    assert ("trade-enabled", "high") in [(f.id, f.severity) for f in audit_key(facts(), ctx).findings]


def test_every_rule_has_a_docstring_and_an_empty_rule_set_refuses() -> None:
    assert all(r.__doc__ for r in RULES)
    with pytest.raises(ValueError, match="empty rule set"):
        audit_key(facts(), SweepContext(NOW), rules=())


class _Refusing:
    """A sub-account API (the seam the sweep reads through) that refuses one sub-account's key list."""

    def sub_accounts(self) -> list[SubAccount]:
        return [
            SubAccount("a@x.example", 1, False, None, False, False),
            SubAccount("b@x.example", 2, False, None, False, True),
        ]

    def api_keys(self, email: str, *, api_key: str | None = None) -> list[SubApiKey]:
        if email == "b@x.example":
            raise Rejected(-9000, "Asset management sub-account is not supported.", status=400)
        return [SubApiKey(email, "", "K" * 64, (("canTrade", True),), None)]

    def ip_restriction(self, email: str, api_key: str) -> IpRestriction:
        raise Rejected(-9000, "API key does not exist.", status=400)


def test_a_refused_key_list_is_a_gap_and_an_unread_restriction_is_unknown() -> None:
    result = sweep(_Refusing(), SweepContext(NOW), master=None, master_key="")
    out = to_json(result)
    assert out["summary"]["unreadable"] == [
        {"sub_account": "b@x.example", "reason": "Binance does not manage API keys of Asset Management "
         "sub-accounts (-9000)"}
    ]  # fmt: skip
    (key,) = out["keys"]
    assert key["ip_restricted"] is None and key["key"] == "KKKK…KKKK"
    assert [f["id"] for f in key["findings"]] == ["unnamed-key", "ip-restriction-unknown"]


def _master_env(sim: Simulator) -> dict[str, str]:
    master = next(k for k in sim.keys if k.name == "master")
    assert master.secret is not None
    return {"BINANCE_MASTER_API_KEY": master.api_key, "BINANCE_MASTER_API_SECRET": master.secret.reveal()}


def test_the_sweep_covers_every_sub_account_key_and_says_what_it_could_not_read() -> None:
    clock = ManualClock()
    sim = Simulator(load_scenario("sub-account-leak"), clock=clock)
    env = _master_env(sim)
    creds = load_credentials(
        {
            "BINANCE_API_KEY": env["BINANCE_MASTER_API_KEY"],
            "BINANCE_API_SECRET": env["BINANCE_MASTER_API_SECRET"],
        },
        SecretRegistry(),
    )
    result = sweep_organisation(
        "http://127.0.0.1:1", creds, SweepContext(clock.now()), clock=clock, transport=sim.transport()
    )
    out = to_json(result)
    by_name = {k["name"]: k for k in out["keys"]}
    assert set(by_name) == {"(master key in use)", "desk-bot", "desk-reporting", "legacy-arb", "arb-bot"}
    bot = by_name["desk-bot"]
    assert bot["sub_account"] == "mm-desk@fund.example" and bot["ip_restricted"] is False
    assert bot["permissions"]["enableWithdrawals"] is None
    assert ("no-ip-whitelist", "high") in [(f["id"], f["severity"]) for f in bot["findings"]]
    assert "key-age" in [f["id"] for f in by_name["legacy-arb"]["findings"]]
    assert by_name["desk-reporting"]["ip_list"] == ["198.51.100.7"]
    assert out["summary"]["sub_accounts"] == 3
    assert out["summary"]["unreadable"] == []  # the Asset sub-account simply lists no keys
    text = render_table(result, clock.now())
    assert "mm-desk@fund.example" in text and "HIGH" in text
    assert all(k.api_key not in json.dumps(out) + text for k in sim.keys)
    sim.close()


@pytest.mark.loopback
def test_keys_sweep_command_json_and_exit_codes(tmp_path: Path) -> None:
    sim = Simulator(load_scenario("sub-account-leak"), clock=SystemClock())
    env = _master_env(sim)
    with serve(sim, "127.0.0.1", 0) as base:
        done = run(["keys", "sweep", "--json"], {**env, "BINANCE_BASE_URL": base}, tmp_path)
        table = run(["keys", "sweep", "--known", "desk-bot"], {**env, "BINANCE_BASE_URL": base}, tmp_path)
        bad = run(["keys", "sweep", "--profile", "nope"], {**env, "BINANCE_BASE_URL": base}, tmp_path)
        leaked = sim.keys[0]
        assert leaked.secret is not None
        not_master = {
            "BINANCE_MASTER_API_KEY": leaked.api_key,
            "BINANCE_MASTER_API_SECRET": leaked.secret.reveal(),
        }
        refused = run(["keys", "sweep"], {**not_master, "BINANCE_BASE_URL": base}, tmp_path)
    gone = run(["keys", "sweep"], {**env, "BINANCE_BASE_URL": "http://127.0.0.1:9"}, tmp_path)
    assert refused.code == 1 and "-8012" in refused.err and "not a master account's key" in refused.err
    assert done.code == 0, done.err
    body = json.loads(done.out)
    assert set(body) == {"keys", "summary"}
    assert set(body["keys"][0]) == {"sub_account", "key", "name", "created", "ip_restricted", "ip_list",
                                    "permissions", "findings"}  # fmt: skip
    assert table.code == 0 and "unknown-key" not in table.out and "not in the list of known keys" in table.out
    assert bad.code == 2 and len(bad.err.strip().splitlines()) == 1
    assert gone.code == 3, gone.err
    secret = env["BINANCE_MASTER_API_SECRET"]
    for r in (done, table, bad, gone):
        assert secret not in r.out + r.err and env["BINANCE_MASTER_API_KEY"] not in r.out + r.err
    sim.close()
