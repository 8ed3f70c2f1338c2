"""The drill: the leak playbook against the built-in simulator, with a scripted attacker.

The simulator runs in this process and is served on loopback, so the drill exercises the real
client, signing, parsing and rate limits. Manual steps the user confirms are acted out in the
simulator (`DrillControl`). `--auto` answers from the scenario's script and ends with a self-check
against the scenario's ground truth: the drill passes only if the outcome is the right one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.clock import Clock, from_ms
from responder.incident.findings import read_findings
from responder.incident.journal import read_verified
from responder.leak import derivatives_check, subaccount_drill
from responder.secrets import Secret, SecretRegistry
from responder.simulator import Simulator, load_scenario, serve
from responder.simulator.keys import SimSecret, make_key
from responder.simulator.scenario import KeySpec

if TYPE_CHECKING:
    from responder.credentials import Credentials

DRILL_ACTS = {
    "delete-key": "deleted the leaked key",
    "disable-account": "disabled the account",
    "whitelist": "turned on the withdrawal whitelist",
    "password": "changed the password",
    "2fa": "reset 2FA",
    "devices": "logged out all devices",
    "anti-phishing": "set an anti-phishing code",
}


class DrillControl:
    """What the user does in Binance's web UI, played in the simulator when they confirm it."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.leaked = sim.keys[0]

    def act(self, what: str) -> str:
        c = self.sim.control
        if what == "delete-key":
            c.delete_key(self.leaked.name)
        elif what == "disable-account":
            c.disable_account()
        elif what == "whitelist":
            c.enable_withdrawal_whitelist()
        elif what == "password":
            c.change_password()
        elif what == "2fa":
            c.reset_2fa()
        elif what == "devices":
            c.log_out_devices()
        elif what == "anti-phishing":
            c.set_anti_phishing_code("drill")
        else:
            return f"nothing to do for {what!r}"
        return DRILL_ACTS[what]

    def create_read_only_key(self) -> tuple[str, Secret]:
        """A fresh read-only key, IP-restricted to the address the drill's client comes from."""
        with self.sim.lock:
            spec = KeySpec("investigation", "HMAC", ("enableReading",), 0, (self.sim.client_ip,))
            key = make_key(spec, self.sim.scenario.seed, self.sim.now_ms())
            self.sim.state.keys.append(key)
        assert key.secret is not None
        return key.api_key, Secret(key.secret.reveal())  # the simulator's wrapper, re-wrapped as ours


@dataclass
class DrillSetup:
    sim: Simulator
    base_url: str
    control: DrillControl
    scenario: str


@contextmanager
def simulator(scenario: str, clock: Clock) -> Iterator[DrillSetup]:
    from responder.errors import UsageError
    from responder.simulator import ScenarioError

    try:
        loaded = load_scenario(scenario)
    except ScenarioError as e:  # the simulator stands alone: its errors become ours here
        raise UsageError(e.message, hint=e.hint) from None
    sim = Simulator(loaded, clock=clock)
    try:
        with serve(sim, "127.0.0.1", 0) as base_url:
            yield DrillSetup(sim, base_url, DrillControl(sim), sim.scenario.name)
    finally:
        sim.close()


def _iso(ms: int) -> str:
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def auto_answers(sim: Simulator) -> dict[str, Any]:
    """The scripted answers of an unattended drill, from the scenario (what a user would say)."""
    truth = sim.ground_truth
    now = sim.now_ms()
    leak = truth["leak_time"] or now - 6 * 3_600_000
    first_done = [a["time"] for a in truth["attacker_actions"] if a.get("status") == "done"]
    noticed = max(first_done) + 60_000 if first_done else now
    return {
        "triage": {
            "what": "API key and secret",
            "vector": "Pushed to a public repository",
            # people round down: a little before the real leak (a scenario may make it much earlier)
            "leaked_at": _iso(leak + sim.scenario.drill_leaked_at_s * 1000),
            "noticed_at": _iso(min(noticed, now)),
            "user_type": "grid-bot",
            "bot_prefixes": sim.scenario.history.bot_prefix,  # people know what their bot is called
        },
        "cancel": True,
        "cancel-own": False,  # a person keeps their own bot's orders
        "cancel-futures": True,
        "cancel-margin": True,
        "close-positions": False,  # market risk: a person keeps them unless they decide otherwise
        "delete-key": ["I deleted the key in API Management"],
        "delete-key.keep-checking": False,
        "disable-account": ["I disabled the account (or I am sure no withdrawal can leave)"],
        "lockdown": [
            "Withdrawal whitelist is on",
            "I removed addresses I do not recognise",
            "I created a read-only, IP-restricted key",
        ],
        "account-security": [
            "Password changed",
            "2FA reset",
            "All other devices logged out",
            "Anti-phishing code set",
            "Login history checked",
        ],
        **subaccount_drill.auto_answers(sim),
    }


@dataclass
class SelfCheck:
    problems: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def expect(self, condition: bool, good: str, bad: str) -> None:
        (self.passed if condition else self.problems).append(good if condition else bad)


def self_check(sim: Simulator, incident_dir: Path) -> SelfCheck:
    """Did the drill reach the outcome the scenario's ground truth calls for?"""
    truth = sim.ground_truth
    result = SelfCheck()
    checks = _journal_checks(incident_dir)
    leaked = truth["keys"][0]
    if leaked["ip_whitelist"]:
        result.expect(
            "indeterminate" in checks and "dead" not in checks,
            "revocation rightly indeterminate (IP-restricted key)",
            f"revocation of an IP-restricted key must be indeterminate, got {checks or 'no check'}",
        )
    else:
        result.expect(
            "dead" in checks, "key proven dead", f"key not proven dead (checks: {checks or 'none'})"
        )
    left = [o for o in truth["open_orders"] if o.get("source") == "attacker"]
    result.expect(not left, "attacker's open orders cancelled", f"{len(left)} attacker orders still open")
    _check_own_orders(sim, incident_dir, result)
    _check_confirmations(truth, incident_dir, result)
    _check_findings(truth, incident_dir, result)
    entries = ((e.kind, e.payload) for e in read_verified(incident_dir))
    derivatives_check.check(truth, entries, read_findings(incident_dir), result)
    for ok, good, bad in subaccount_drill.self_check(sim, incident_dir):
        result.expect(ok, good, bad)
    return result


def _check_own_orders(sim: Simulator, incident_dir: Path, result: SelfCheck) -> None:
    """The person's own open orders that could be told apart (placed before the leak, with a bot prefix
    they gave, or from Binance's apps) are cancelled only in the step that asks for it (`cancel-own`).
    Without the bot's prefix its orders after the leak look like the attacker's: cancelling those is
    the safe side, not a failure."""
    from responder.leak.orders import APP_PREFIXES, prefixes_of

    entries = read_verified(incident_dir)
    given = next(
        (
            e.payload.get("value")
            for e in entries
            if e.kind == "answer" and e.payload.get("question") == "bot_prefixes"
        ),
        "",
    )
    known = (*prefixes_of(given), *APP_PREFIXES)
    leak = sim.ground_truth["leak_time"] or 0
    with sim.lock:
        orders = {(o.symbol, o.order_id): o for b in sim.state.books.values() for o in b.orders}
    own = []
    for e in entries:
        if e.kind == "intent" and e.payload.get("action") == "leak.cancel_orders" and e.step != "cancel-own":
            p = e.payload["request"]["params"]
            o = orders.get((p.get("symbol"), p.get("orderId")))
            told_apart = o is not None and (o.time_ms < leak or o.client_order_id.startswith(known))
            if o is not None and o.source != "attacker" and told_apart:
                own.append(o)
    result.expect(not own, "your own open orders were left alone", f"{len(own)} of your own orders cancelled")


# What a confirmed checklist item claims about the account, checked against the ground truth.
_CLAIMS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "I deleted the key in API Management": (
        "the leaked key is deleted",
        lambda t: t["keys"][0]["state"] != "active" or bool(t["account"]["disabled"]),
    ),
    "Withdrawal whitelist is on": (
        "the withdrawal whitelist is on",
        lambda t: bool(t["account"]["withdrawal_whitelist"]) or bool(t["account"]["disabled"]),
    ),
}


def _check_confirmations(truth: dict[str, Any], incident_dir: Path, result: SelfCheck) -> None:
    """What the person confirmed must be true in the simulator: "I deleted the key" with the key
    alive fails the drill (the journal would hold a statement that is not so)."""
    said = {str(e.payload.get("item")) for e in read_verified(incident_dir) if e.kind == "confirmation"}
    for item, (claim, holds) in _CLAIMS.items():
        if item in said:
            result.expect(
                holds(truth), f"confirmed and true: {claim}", f"you confirmed it, but not so: {claim}"
            )


_RESULTS = ("dead", "alive", "indeterminate")


def _journal_checks(incident_dir: Path) -> list[str]:
    out = []
    for entry in read_verified(incident_dir):
        p = entry.payload
        if entry.kind == "check" and p.get("action") == "leak.revocation_check" and p["result"] in _RESULTS:
            out.append(p["result"])
    return out


def _check_findings(truth: dict[str, Any], incident_dir: Path, result: SelfCheck) -> None:
    findings = read_findings(incident_dir)
    if findings is None:
        result.problems.append("no findings.json: the investigation did not run")
        return
    flagged = {(o["symbol"], o["orderId"]) for o in findings["orders"] if o["verdict"] == "attacker"}
    flagged_w = {str(w.get("id")) for w in findings["withdrawals"] if w["verdict"] != "normal"}
    flagged_t = {
        str(t.get("tranId", t.get("tran_id"))) for t in findings["transfers"] if t["verdict"] != "normal"
    }
    done = [a for a in truth["attacker_actions"] if a.get("status") == "done"]
    orders = {(a["symbol"], a["orderId"]) for a in done if a["kind"] == "order"}
    withdrawals = {str(a["id"]) for a in done if a["kind"] == "withdrawal"}
    transfers = {str(a["tranId"]) for a in done if a["kind"] == "transfer"}
    if findings["summary"].get("orders_swept") is False and not findings["orders"]:
        # The account was disabled before the sweep: orders cannot be read by anyone but Binance.
        # The right outcome is to say so (a gap), never "no attacker orders".
        said = any("not swept" in str(g) for g in findings["summary"].get("gaps", []))
        result.expect(
            said,
            f"orders not swept (account disabled) and said plainly; {len(orders)} left to Binance",
            "orders were not swept and the findings do not say so",
        )
    else:
        result.expect(
            orders <= flagged,
            f"all {len(orders)} attacker orders found",
            f"{len(orders - flagged)} of {len(orders)} attacker orders missed",
        )
    result.expect(
        withdrawals <= flagged_w,
        f"all {len(withdrawals)} attacker withdrawals found",
        f"{len(withdrawals - flagged_w)} attacker withdrawals missed",
    )
    result.expect(
        transfers <= flagged_t,
        f"all {len(transfers)} attacker transfers found",
        f"{len(transfers - flagged_t)} attacker transfers missed",
    )
    false = flagged - orders
    result.expect(
        not false,
        "no normal order judged the attacker's",
        f"{len(false)} normal orders wrongly judged the attacker's",
    )
    blamed = {str(w.get("id")) for w in findings["withdrawals"] if w["verdict"] == "attacker"} - withdrawals
    result.expect(
        not blamed,
        "no withdrawal of the user's judged the attacker's",
        f"{len(blamed)} of the user's own withdrawals judged the attacker's",
    )
    vocabulary = ("attacker", "suspicious", "unknown", "normal")
    odd = [x["verdict"] for k in ("orders", "withdrawals", "transfers") for x in findings[k]]
    odd = [v for v in odd if v not in vocabulary]
    result.expect(not odd, "every verdict in the vocabulary", f"verdicts outside the vocabulary: {odd[:3]}")
    _check_key_origin(truth, findings, result)


def _check_key_origin(truth: Mapping[str, Any], findings: Mapping[str, Any], result: SelfCheck) -> None:
    """A leaked key created after the leak (the attacker had the login) must be reported as such."""
    leaked, leak = truth["keys"][0], truth.get("leak_time")
    created = leaked.get("created")
    if leak is None or created is None or created < leak:
        return
    rules = {k.get("rule") for k in findings["summary"].get("key", [])}
    result.expect(
        "key-created-after-leak" in rules,
        "key created after the leak reported (the attacker had the login)",
        "the leaked key was created after the leak, and the findings do not say so",
    )


def leaked_credentials(setup: DrillSetup, secrets: SecretRegistry) -> Credentials:
    """The scenario's leaked key, as the drill's client signs with it."""
    from responder.credentials import credentials_from

    leaked = setup.sim.keys[0]
    return credentials_from(
        leaked.api_key, secrets, secret=_ours(leaked.secret), private_key_pem=_ours(leaked.private_key_pem)
    )


def _ours(material: SimSecret | None) -> Secret | None:
    """The simulator's own secret wrapper (it imports nothing of ours), re-wrapped as our `Secret`."""
    return None if material is None else Secret(material.reveal())


def replay(setup: DrillSetup, incident_dir: Path, clock: Clock) -> None:
    """Redo on a fresh simulator what the verified journal says was done: cancels, then acted-out
    manual steps."""
    from responder.errors import ExchangeError
    from responder.exchange.client import connect

    entries = read_verified(incident_dir)
    creds = leaked_credentials(setup, SecretRegistry())
    with connect(setup.base_url, creds, clock=clock) as client:
        for entry in entries:
            payload = entry.payload
            request = payload.get("request") or {}
            if entry.kind == "intent" and payload.get("action") == "leak.cancel_open_orders":
                with suppress(ExchangeError):  # nothing to cancel, or already gone: the state is what matters
                    client.cancel_open_orders(str(request["params"]["symbol"]))
            elif entry.kind == "intent" and payload.get("action") == "leak.cancel_orders":
                with suppress(ExchangeError):
                    client.cancel_order(str(request["params"]["symbol"]), int(request["params"]["orderId"]))
            elif entry.kind == "intent" and payload.get("action") in derivatives_check.REPLAYED:
                with suppress(ExchangeError):
                    derivatives_check.replay(client, payload)
            elif entry.kind == "action-result" and payload.get("action") == "drill.act":
                for what in payload.get("summary", {}).get("do", []):
                    setup.control.act(str(what))
    master = subaccount_drill.master_credentials(setup.sim, SecretRegistry())
    if master is not None:  # an organisation: redo the sub-account key deletions through the master
        from responder.exchange.subaccounts import SubAccounts

        with connect(setup.base_url, master, clock=clock) as client:
            subaccount_drill.replay(SubAccounts(client), entries)
