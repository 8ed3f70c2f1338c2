"""The organisation part of a scenario: the master account and its other sub-accounts, as data.

A scenario with a `[master]` table describes an organisation. The scenario's own `[account]` and
`[[keys]]` are then one sub-account of that master (the compromised one, named by `account.email`),
so every existing endpoint, attacker action and forensic read keeps working on it unchanged. The
master's keys (`[[master.keys]]`) and the other sub-accounts (`[[sub_accounts]]`, each with its own
`[[sub_accounts.keys]]` and balances) live beside it. Sub-account kinds: `normal`, `asset` (an Asset
Management sub-account: Binance refuses API-key management for it) and `managed`.

```toml
[account]
email = "desk@fund.example"          # the compromised sub-account
[master]
uid = 100200300; email = "ops@fund.example"; balances = { USDT = "25000" }
kyc_ip_check = true                  # false: Binance refuses key management (KYC IP check)
[[master.keys]]
name = "master"; permissions = ["enableReading", "enableSpotAndMarginTrading", "enableInternalTransfer"]
[[sub_accounts]]
email = "arb@fund.example"; kind = "normal"; balances = { USDT = "500" }; created = "-400d"
[[sub_accounts.keys]]
name = "arb-bot"; permissions = ["enableReading", "enableSpotAndMarginTrading"]
```
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

SUB_KINDS = ("normal", "asset", "managed")


@dataclass(frozen=True)
class SubAccountSpec:
    email: str
    kind: str
    created_s: int
    balances: dict[str, Decimal]
    keys: tuple[Any, ...]  # KeySpec (scenario.py)
    remark: str = ""
    frozen: bool = False


@dataclass(frozen=True)
class OrgSpec:
    """The master account, the compromised sub-account's email and kind, and the other sub-accounts."""

    master_uid: int
    master_email: str
    master_balances: dict[str, Decimal]
    master_keys: tuple[Any, ...]  # KeySpec
    primary_email: str
    primary_kind: str
    primary_created_s: int
    subs: tuple[SubAccountSpec, ...]
    kyc_ip_check: bool = True


@dataclass(frozen=True)
class _Parsers:
    """The scenario loader's own parsers, handed in so this module imports nothing back."""

    key: Callable[[dict[str, Any], str], Any]
    dec: Callable[[object, str], Decimal]
    offset: Callable[[object, str], int]


def parse_org(
    data: dict[str, Any],
    *,
    key: Callable[[dict[str, Any], str], Any],
    dec: Callable[[object, str], Decimal],
    offset: Callable[[object, str], int],
) -> OrgSpec | None:
    """The `[master]` and `[[sub_accounts]]` tables of a decoded scenario; None without `[master]`.

    `key`, `dec` and `offset` are the scenario loader's parsers for a key, an amount and a relative
    time. Raises ValueError (with the field's path) like the rest of the loader.
    """
    p = _Parsers(key, dec, offset)
    master = data.get("master")
    if master is None:
        if data.get("sub_accounts"):
            raise ValueError("[[sub_accounts]] needs a [master] table")
        return None
    acct = data.get("account", {})
    primary_email = str(acct.get("email", ""))
    if "@" not in primary_email:
        raise ValueError("account.email: a scenario with [master] needs the compromised sub-account's email")
    primary_kind = str(acct.get("kind", "normal"))
    if primary_kind not in SUB_KINDS:
        raise ValueError(f"account.kind must be one of {', '.join(SUB_KINDS)}, not {primary_kind!r}")
    keys = tuple(p.key(k, f"master.keys[{i}]") for i, k in enumerate(master.get("keys", [])))
    if not keys:
        raise ValueError("[master] needs at least one [[master.keys]] entry")
    return OrgSpec(
        master_uid=int(master.get("uid", 100000001)),
        master_email=str(master.get("email", "master@example.com")),
        master_balances={
            str(a): p.dec(v, f"master.balances.{a}") for a, v in master.get("balances", {}).items()
        },
        master_keys=keys,
        primary_email=primary_email,
        primary_kind=primary_kind,
        primary_created_s=p.offset(acct.get("created", "-365d"), "account.created"),
        subs=_subs(data.get("sub_accounts", []), p, primary_email),
        kyc_ip_check=bool(master.get("kyc_ip_check", True)),
    )


def _subs(items: list[dict[str, Any]], p: _Parsers, primary_email: str) -> tuple[SubAccountSpec, ...]:
    subs = []
    seen = {primary_email}
    for i, s in enumerate(items):
        where = f"sub_accounts[{i}]"
        email = str(s.get("email", ""))
        if "@" not in email or email in seen:
            raise ValueError(f"{where}.email: missing, malformed or repeated: {email!r}")
        seen.add(email)
        kind = str(s.get("kind", "normal"))
        if kind not in SUB_KINDS:
            raise ValueError(f"{where}.kind must be one of {', '.join(SUB_KINDS)}, not {kind!r}")
        subs.append(
            SubAccountSpec(
                email,
                kind,
                p.offset(s.get("created", "-300d"), f"{where}.created"),
                {str(a): p.dec(v, f"{where}.balances.{a}") for a, v in s.get("balances", {}).items()},
                tuple(p.key(k, f"{where}.keys[{j}]") for j, k in enumerate(s.get("keys", []))),
                str(s.get("remark", "")),
                bool(s.get("frozen", False)),
            )
        )
    return tuple(subs)
