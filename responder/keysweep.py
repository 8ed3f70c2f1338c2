"""`keys sweep`: every API key of an organisation, audited like `key check` audits one.

With a master-account key: the master key itself (`apiRestrictions`), every sub-account
(`GET /sapi/v1/sub-account/list`), each sub-account's keys (`GET …/subAccountApi`) and each key's IP
restriction (`GET …/subAccountApi/ipRestriction`). Each key is audited against the seed's profile
table (`keycheck.PROFILES`) by rules of one shape: a pure function of the key's facts returning a
finding or None, each with a stable id. What Binance does not tell the master stays unknown, never
"no": the sub-account key list has no withdrawal flag, so `enableWithdrawals` is `null` for sub keys
and the withdrawal rule cannot fire for them (docs/subaccounts.md). An IP restriction that could not be
read is `null` too, and says so as a finding. Gathering takes the sub-account API as a parameter;
the rules, the summary and the rendering are pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from responder.clock import Clock, show
from responder.credentials import Credentials
from responder.errors import Rejected
from responder.exchange.models import ApiRestrictions
from responder.exchange.subaccounts import IpRestriction, SubAccount, SubApiKey, classify_refusal
from responder.keycheck import PROFILES, Finding, Profile, get_profile, recommend_profile

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


class SubAccountReads(Protocol):
    def sub_accounts(self) -> list[SubAccount]: ...
    def api_keys(self, email: str, *, api_key: str | None = None) -> list[SubApiKey]: ...
    def ip_restriction(self, email: str, api_key: str) -> IpRestriction: ...


@dataclass(frozen=True)
class KeyFacts:
    """What is known about one key. `None` anywhere means Binance did not tell us."""

    sub_account: str | None  # None: the master account's own key
    key: str  # masked
    name: str
    created: datetime | None
    ip_restricted: bool | None
    ip_list: tuple[str, ...]
    permissions: dict[str, bool | None]


@dataclass(frozen=True)
class SweepContext:
    now: datetime
    profile: Profile | None = None  # one profile for every key; else inferred per key
    known: frozenset[str] | None = None  # key names the person knows; None: no inventory given


def profile_for(facts: KeyFacts, ctx: SweepContext) -> Profile:
    """The profile a key is judged by: the one asked for, else its name's hint, else its permissions."""
    if ctx.profile is not None:
        return ctx.profile
    hinted = recommend_profile(facts.name) if facts.name else PROFILES[0]
    if hinted is not PROFILES[0]:  # the name says what the key is for ("desk-bot", "legacy-arb")
        return hinted
    return get_profile("grid-bot") if facts.permissions.get("enableSpotAndMarginTrading") else PROFILES[0]


Rule = Callable[[KeyFacts, Profile, SweepContext], Finding | None]


def withdrawals_on_trading_key(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """Withdrawals enabled on a key that can also trade. Cannot fire for sub-account keys: Binance's
    list of them has no withdrawal flag (unknown is not "off", and is shown as null)."""
    if f.permissions.get("enableWithdrawals") and f.permissions.get("enableSpotAndMarginTrading"):
        return Finding("withdrawals-enabled", "critical", "withdrawals are enabled on a trading key")
    return None


def no_ip_whitelist_on_trade_key(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """A trade-enabled key without an IP whitelist works from any computer. A read key without one
    is not flagged here (the profile table still asks for one; `key check` reports it)."""
    if f.permissions.get("enableSpotAndMarginTrading") and f.ip_restricted is False:
        return Finding("no-ip-whitelist", "high", "trading is enabled and there is no IP whitelist")
    return None


def ip_restriction_unknown(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """The IP restriction could not be read: the whitelist rule could not be applied."""
    if f.ip_restricted is None:
        return Finding("ip-restriction-unknown", "medium", "its IP restriction could not be read")
    return None


def older_than_rotation(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """Older than the profile's rotation cycle. A wrong inferred profile can over- or under-flag;
    pass --profile to judge every key by one cycle."""
    if f.created is None:
        return None
    days = (ctx.now - f.created).days
    cycle = p.rotate_days if p.rotate_days is not None else 1
    if days > cycle:
        return Finding(
            "key-age", "medium", f"created {days} days ago; the {p.name} profile rotates every {cycle} days"
        )
    return None


def unnamed_or_unknown(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """A key nobody named, or whose name is not in the inventory given with --known. A key
    legitimately created after the inventory was written is flagged too (update the list)."""
    if not f.name.strip():
        return Finding("unnamed-key", "high", "the key has no name: nobody can say what it is for")
    if ctx.known is not None and f.name not in ctx.known:
        return Finding("unknown-key", "high", f"{f.name!r} is not in the list of known keys")
    return None


def trade_on_read_profile(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """Trading enabled where the profile only reads (only with --profile or a name that says so)."""
    if f.permissions.get("enableSpotAndMarginTrading") and not p.trade:
        return Finding("trade-enabled", "high", f"trading is enabled but a {p.name} key should only read")
    return None


def extra_products(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """Futures, margin or options enabled: no recommended profile needs them."""
    products = (("enableFutures", "futures"), ("enableMargin", "margin"), ("enableVanillaOptions", "options"))
    on = [label for perm, label in products if f.permissions.get(perm)]
    if on:
        return Finding(
            "products-enabled", "medium", f"{', '.join(on)} enabled: no recommended profile needs it"
        )
    return None


def universal_transfer(f: KeyFacts, p: Profile, ctx: SweepContext) -> Finding | None:
    """Universal transfer on: funds can move between this account's wallets."""
    if f.permissions.get("permitsUniversalTransfer"):
        return Finding("universal-transfer-enabled", "low", "universal transfer is enabled")
    return None


RULES: tuple[Rule, ...] = (
    withdrawals_on_trading_key,
    no_ip_whitelist_on_trade_key,
    ip_restriction_unknown,
    older_than_rotation,
    unnamed_or_unknown,
    trade_on_read_profile,
    extra_products,
    universal_transfer,
)


@dataclass(frozen=True)
class SweptKey:
    facts: KeyFacts
    profile: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Gap:
    sub_account: str
    reason: str


@dataclass(frozen=True)
class SweepResult:
    keys: tuple[SweptKey, ...]
    sub_accounts: int
    gaps: tuple[Gap, ...]  # sub-accounts whose keys could not be listed, and why


def audit_key(facts: KeyFacts, ctx: SweepContext, rules: Sequence[Rule] = RULES) -> SweptKey:
    if not rules:
        raise ValueError("an empty rule set audits nothing")
    profile = profile_for(facts, ctx)
    found = [f for rule in rules if (f := rule(facts, profile, ctx)) is not None]
    found.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return SweptKey(facts, profile.name, tuple(found))


def master_facts(r: ApiRestrictions, masked: str) -> KeyFacts:
    flags: dict[str, bool | None] = {k: v for k, v in r.as_dict().items() if k != "ipRestrict"}
    return KeyFacts(None, masked, "(master key in use)", r.create_time, r.ip_restrict, (), flags)


def sub_key_facts(key: SubApiKey, ip: IpRestriction | None) -> KeyFacts:
    perms: dict[str, bool | None] = {"enableReading": True, "enableWithdrawals": None, **key.permissions}
    return KeyFacts(
        key.email,
        key.masked,
        key.name,
        key.created,
        ip.restricted if ip is not None else None,
        ip.ips if ip is not None else (),
        perms,
    )


def sweep(
    api: SubAccountReads, ctx: SweepContext, *, master: ApiRestrictions | None, master_key: str
) -> SweepResult:  # master_key: masked
    """Read every sub-account and key (reads only) and audit each. A refusal for one sub-account
    (an Asset sub-account) is a gap in the result; an unreachable exchange propagates (exit 3)."""
    swept: list[SweptKey] = []
    if master is not None:
        swept.append(audit_key(master_facts(master, master_key), ctx))
    try:
        subs = api.sub_accounts()
    except Rejected as e:  # -8012 for a key that is not a master's: say so in words
        raise Rejected(
            e.code, e.msg, status=e.status, endpoint=e.endpoint, hint=classify_refusal(e).reason
        ) from None
    gaps: list[Gap] = []
    for sub in subs:
        try:
            keys = api.api_keys(sub.email)
        except Rejected as e:
            gaps.append(Gap(sub.email, f"{classify_refusal(e).reason} ({e.code})"))
            continue
        for key in keys:
            try:
                ip: IpRestriction | None = api.ip_restriction(sub.email, key.api_key)
            except Rejected:
                ip = None
            swept.append(audit_key(sub_key_facts(key, ip), ctx))
    return SweepResult(tuple(swept), len(subs), tuple(gaps))


def sweep_organisation(
    base_url: str, credentials: Credentials, ctx: SweepContext, *, clock: Clock, transport: Any = None
) -> SweepResult:
    """The edge: connect with the master key, read its own restrictions, sweep the organisation."""
    from responder.exchange.client import connect
    from responder.exchange.subaccounts import SubAccounts

    with connect(base_url, credentials, clock=clock, transport=transport) as client:
        master = client.api_restrictions()
        return sweep(SubAccounts(client), ctx, master=master, master_key=client.masked_key)


# --- rendering (pure) ----------------------------------------------------------------------------------
def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def to_json(result: SweepResult) -> dict[str, Any]:
    """The `keys sweep --json` object, exactly issue 14's shape (unknown values are null, never false)."""
    keys = [
        {
            "sub_account": k.facts.sub_account,
            "key": k.facts.key,
            "name": k.facts.name,
            "created": _iso(k.facts.created),
            "ip_restricted": k.facts.ip_restricted,
            "ip_list": list(k.facts.ip_list),
            "permissions": dict(k.facts.permissions),
            "findings": [{"id": f.id, "severity": f.severity, "message": f.message} for f in k.findings],
        }
        for k in result.keys
    ]
    counts = {s: sum(1 for k in result.keys for f in k.findings if f.severity == s) for s in SEVERITY_ORDER}
    return {
        "keys": keys,
        "summary": {
            "sub_accounts": result.sub_accounts,
            "keys": len(result.keys),
            "findings": counts,
            "keys_with_findings": sum(1 for k in result.keys if k.findings),
            "unreadable": [{"sub_account": g.sub_account, "reason": g.reason} for g in result.gaps],
        },
    }


def render_table(result: SweepResult, now: datetime, escape: Callable[[str], str] = lambda s: s) -> str:
    """Human output: one row per key, its worst finding first, then every finding under it."""
    header = f"{'SUB-ACCOUNT':<28} {'KEY':<10} {'NAME':<18} {'AGE':>5} {'IP':<4} {'TRADE':<5} WORST"
    lines = [f"Swept {result.sub_accounts} sub-account(s), {len(result.keys)} key(s) at {show(now)}", header]
    for k in result.keys:
        f = k.facts
        age = f"{(now - f.created).days}d" if f.created else "?"
        ip = {True: "yes", False: "NO", None: "?"}[f.ip_restricted]
        trade = {True: "yes", False: "no", None: "?"}[f.permissions.get("enableSpotAndMarginTrading")]
        worst = k.findings[0].severity.upper() if k.findings else "ok"
        who = escape(f.sub_account or "(master)")[:28]
        lines.append(f"{who:<28} {f.key:<10} {escape(f.name)[:18]:<18} {age:>5} {ip:<4} {trade:<5} {worst}")
        for finding in k.findings:
            lines.append(f"    ! {finding.severity:<8} {escape(finding.message)}")
    for g in result.gaps:
        lines.append(f"{escape(g.sub_account)}: keys not listed — {escape(g.reason)}")
    total = sum(len(k.findings) for k in result.keys)
    lines.append(
        f"{total} finding(s); withdrawals of sub-account keys are not shown by Binance (null in --json)."
    )
    return "\n".join(lines)
