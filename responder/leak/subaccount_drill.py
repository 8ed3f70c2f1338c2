"""The drill's part of the sub-account feature: the simulated master key, the scripted answers, and the
self-check that the leaked key was deleted through the API and proven dead within seconds.

Used by the drill (`sub-account-leak` and any scenario with a `[master]`); a scenario without an
organisation gets no master key, answers "not a sub-account" and no extra checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.credentials import Credentials, credentials_from
from responder.incident.journal import Entry, read_verified
from responder.secrets import SecretRegistry
from responder.simulator import Simulator

if TYPE_CHECKING:
    from responder.exchange.subaccounts import SubAccounts

CONTAIN_WITHIN_SECONDS = 60  # the drill's bar: case opened → leaked key proven dead


def master_credentials(sim: Simulator, secrets: SecretRegistry) -> Credentials | None:
    """The simulated master account's key (named `master`), or None when the scenario has none."""
    org = getattr(sim, "org", None)
    if org is None or not org.master.keys:
        return None
    key = org.master.keys[0]
    return credentials_from(key.api_key, secrets, secret=key.secret, private_key_pem=key.private_key_pem)


def auto_answers(sim: Simulator) -> dict[str, Any]:
    """What a person with a master key would answer in the sub-account steps."""
    org = sim.ground_truth.get("organisation")
    if org is None:
        return {"sub-account": {"belongs": "No: the main account"}}
    email = org["sub_accounts"][0]["email"]
    answers: dict[str, Any] = {
        "sub-account": {"belongs": "Yes: a sub-account"},
        "sub-account-details": {"email": email},
        "sub-delete": True,
        "sub-move": True,
    }
    for i in (1, 2, 3):
        answers[f"sub-other-{i}-choice"] = {"do": "Delete it"}
        answers[f"sub-other-{i}"] = True
    return answers


def self_check(sim: Simulator, incident_dir: Path) -> list[tuple[bool, str, str]]:
    """(ok, good, bad) expectations for an organisation scenario; none otherwise."""
    truth = sim.ground_truth
    org = truth.get("organisation")
    if org is None:
        return []
    leaked = next(k["name"] for s in org["sub_accounts"] for k in s["keys"] if k["leaked"])
    by_api = [a for a in org["api_actions"] if a["action"] == "delete_sub_api_key" and a["key"] == leaked]
    entries = read_verified(incident_dir)
    opened = _time(entries[0].time)
    outcomes = [
        e
        for e in entries
        if e.kind == "outcome"
        and e.payload.get("action") == "sub.delete_leaked_key"
        and e.payload.get("status") in ("ok", "reconciled")
    ]
    dead = next(
        (
            _time(e.time)
            for e in entries
            if e.kind == "check"
            and e.payload.get("action") == "leak.revocation_check"
            and e.payload.get("result") == "dead"
        ),
        None,
    )
    seconds = (dead - opened).total_seconds() if dead is not None else None
    return [
        (
            bool(by_api) and bool(outcomes),
            "leaked key deleted through the master account's API (journaled and seen by the exchange)",
            "the leaked key was not deleted through the API"
            + ("" if by_api else " (the exchange saw no deletion)")
            + ("" if outcomes else " (no journaled outcome)"),
        ),
        (
            seconds is not None and seconds <= CONTAIN_WITHIN_SECONDS,
            f"leaked key proven dead {seconds:.1f} s after the case opened" if seconds is not None else "",
            "the leaked key was not proven dead"
            if seconds is None
            else f"proven dead only {seconds:.0f} s after the case opened (> {CONTAIN_WITHIN_SECONDS} s)",
        ),
    ]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def replay(api: SubAccounts, entries: Sequence[Entry]) -> None:
    """On a resumed drill's fresh simulator, redo through the master's API (`api`) the key deletions the
    verified journal says were done (`ok`, or `reconciled` as gone), so the exchange matches the record."""
    from responder.errors import ExchangeError

    for i, e in enumerate(entries):
        p = e.payload
        if e.kind != "intent" or p.get("action") not in ("sub.delete_leaked_key", "sub.secure_other_key"):
            continue
        after = (
            o for o in entries[i + 1 :] if o.kind == "outcome" and o.payload.get("action") == p["action"]
        )
        outcome = next(after, None)
        request = p.get("request", {})
        if outcome is None or outcome.payload.get("status") not in ("ok", "reconciled"):
            continue
        if request.get("method") != "DELETE":
            continue
        email, masked = str(request["params"]["email"]), str(request["params"]["subAccountApiKey"])
        try:
            key = next((k for k in api.api_keys(email) if k.masked == masked), None)
            if key is not None:
                api.delete_api_key(email, key.api_key)
        except ExchangeError:  # already gone: the state is what matters
            continue
