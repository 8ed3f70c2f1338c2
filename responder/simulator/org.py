"""The simulated organisation: a master account and its sub-accounts, each with its own keys and wallet.

The scenario's own account (`sim.state`) is the compromised sub-account; the master and the other
sub-accounts get an `ExchangeState` each (same markets, no history, no attacker), so a key of any of
them reads and trades its own account. Key state lives on the `SimKey` objects: a key deleted here is
deleted everywhere, and answers -2015 on its next request like any deleted key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from responder.simulator.keys import SimKey
from responder.simulator.org_scenario import OrgSpec
from responder.simulator.scenario import HistorySpec, Scenario
from responder.simulator.state import ExchangeState


@dataclass
class SimSubAccount:
    email: str
    sub_user_id: int
    kind: str  # normal | asset | managed
    create_ms: int
    state: ExchangeState
    remark: str = ""
    frozen: bool = False

    @property
    def keys(self) -> list[SimKey]:
        return self.state.keys

    def row(self) -> dict[str, Any]:
        """One entry of GET /sapi/v1/sub-account/list, in Binance's shape."""
        return {
            "subUserId": self.sub_user_id,
            "email": self.email,
            "remark": self.remark,
            "isFreeze": self.frozen,
            "createTime": self.create_ms,
            "isManagedSubAccount": self.kind == "managed",
            "isAssetManagementSubAccount": self.kind == "asset",
        }


@dataclass
class Org:
    spec: OrgSpec
    master: ExchangeState
    subs: list[SimSubAccount]  # the compromised one (the simulator's main state) first
    kyc_ip_check: bool = True
    transfers: list[dict[str, Any]] = field(default_factory=list)
    api_events: list[dict[str, Any]] = field(default_factory=list)

    # --- lookups ---------------------------------------------------------------------------------
    def sub(self, email: str) -> SimSubAccount | None:
        return next((s for s in self.subs if s.email == email), None)

    def is_master_key(self, key: SimKey) -> bool:
        return any(k is key for k in self.master.keys)

    def key_by_api_key(self, api_key: str) -> SimKey | None:
        for st in (self.master, *(s.state for s in self.subs)):
            found = st.key_by_api_key(api_key)
            if found is not None:
                return found
        return None

    def state_of(self, key: SimKey) -> ExchangeState | None:
        for st in (self.master, *(s.state for s in self.subs)):
            if any(k is key for k in st.keys):
                return st
        return None

    def owner_email(self, key: SimKey) -> str:
        if self.is_master_key(key):
            return self.spec.master_email
        return next((s.email for s in self.subs if any(k is key for k in s.keys)), "")

    def other_keys(self, main: ExchangeState) -> list[SimKey]:
        """Every key of the organisation that is not one of the main account's."""
        out = list(self.master.keys)
        for s in self.subs:
            if s.state is not main:
                out.extend(s.keys)
        return out

    def truth(self) -> dict[str, Any]:
        """The organisation in the ground truth: who owns which key and its state."""

        def key(k: SimKey) -> dict[str, Any]:
            return {
                "name": k.name,
                "state": k.state,
                "leaked": k.leaked,
                "permissions": list(k.permissions),
                "ip_whitelist": list(k.ip_whitelist),
            }

        return {
            "master": {"email": self.spec.master_email, "keys": [key(k) for k in self.master.keys]},
            "sub_accounts": [
                {"email": s.email, "kind": s.kind, "keys": [key(k) for k in s.keys]} for s in self.subs
            ],
            "transfers": list(self.transfers),
            "api_actions": list(self.api_events),
        }


def _derived(scenario: Scenario, name: str, uid: int, balances: Any, keys: tuple[Any, ...]) -> Scenario:
    return dataclasses.replace(
        scenario,
        name=f"{scenario.name}:{name}",
        uid=uid,
        balances=dict(balances),
        keys=keys,
        generated_markets=0,
        history=HistorySpec(),
        attack=None,
        faults=(),
        org=None,
    )


def build_org(scenario: Scenario, main: ExchangeState, anchor_ms: int) -> Org | None:
    """The organisation of `scenario` around its main (compromised sub-) account; None without one."""
    spec: OrgSpec | None = scenario.org
    if spec is None:
        return None
    master = ExchangeState(
        _derived(scenario, "master", spec.master_uid, spec.master_balances, spec.master_keys), anchor_ms
    )
    subs = [
        SimSubAccount(
            spec.primary_email,
            scenario.uid,
            spec.primary_kind,
            anchor_ms + spec.primary_created_s * 1000,
            main,
        )
    ]
    for i, s in enumerate(spec.subs):
        uid = spec.master_uid + 1 + i
        state = ExchangeState(_derived(scenario, s.email, uid, s.balances, s.keys), anchor_ms)
        subs.append(
            SimSubAccount(s.email, uid, s.kind, anchor_ms + s.created_s * 1000, state, s.remark, s.frozen)
        )
    return Org(spec, master, subs, kyc_ip_check=spec.kyc_ip_check)
