"""The drill's part of the sub-account feature: the simulated master key, the scripted answers, and the
self-check that the leaked key was deleted through the API and proven dead within seconds.

Used by the drill (`sub-account-leak` and any scenario with a `[master]`); a scenario without an
organisation gets no master key, answers "not a sub-account" and no extra checks.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from responder.credentials import Credentials
from responder.exchange.signing import HmacSigner, signer_from_pem
from responder.secrets import Secret
from responder.simulator import Simulator

CONTAIN_WITHIN_SECONDS = 60  # the drill's bar: case opened → leaked key proven dead


def master_credentials(sim: Simulator) -> tuple[Credentials, list[Secret]] | None:
    """The simulated master account's key (named `master`), or None when the scenario has none."""
    org = getattr(sim, "org", None)
    if org is None or not org.master.keys:
        return None
    key = org.master.keys[0]
    signer: Any = HmacSigner(key.secret) if key.secret is not None else signer_from_pem(key.private_key_pem)
    secrets = [s for s in (key.secret, key.private_key_pem) if s is not None]
    return Credentials(key.api_key, signer, signer.key_type), secrets


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
    entries = [
        json.loads(x) for x in (incident_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    opened = _time(entries[0]["time"])
    outcomes = [
        e
        for e in entries
        if e["kind"] == "outcome"
        and e["payload"].get("action") == "sub.delete_leaked_key"
        and e["payload"].get("status") in ("ok", "reconciled")
    ]
    dead = next(
        (
            _time(e["time"])
            for e in entries
            if e["kind"] == "check"
            and e["payload"].get("action") == "leak.revocation_check"
            and e["payload"].get("result") == "dead"
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


def replay(base_url: str, sim: Simulator, entries: list[dict[str, Any]]) -> None:
    """On a resumed drill's fresh simulator, redo through the master's API the sub-account key changes
    the journal says were done (`ok` or `reconciled` as done), so the exchange matches the record."""
    from responder.clock import SystemClock
    from responder.errors import ExchangeError
    from responder.exchange.client import connect
    from responder.exchange.subaccounts import SubAccounts

    found = master_credentials(sim)
    if found is None:
        return
    done = []
    for i, e in enumerate(entries):
        p = e.get("payload", {})
        if e["kind"] != "intent" or p.get("action") not in ("sub.delete_leaked_key", "sub.secure_other_key"):
            continue
        outcome = next(
            (
                o
                for o in entries[i + 1 :]
                if o["kind"] == "outcome" and o["payload"].get("action") == p["action"]
            ),
            None,
        )
        if outcome is not None and outcome["payload"].get("status") in ("ok", "reconciled"):
            done.append(p["request"])
    with connect(base_url, found[0], clock=SystemClock()) as client:
        api = SubAccounts(client)
        for request in done:
            params = request["params"]
            email, masked = str(params["email"]), str(params["subAccountApiKey"])
            key = next((k for k in api.api_keys(email) if k.masked == masked), None)
            if key is None or request["method"] != "DELETE":
                continue
            try:
                api.delete_api_key(email, key.api_key)
            except ExchangeError:  # already gone: the state is what matters
                continue
