"""The leak playbook's sub-account actions: kill a leaked sub-account key through the master's API.

When the leaked key belongs to a sub-account and a master-account key is at hand, Binance lets the
master delete that key (`DELETE /sapi/v1/sub-account/subAccountApi`, reference §3.3). These actions:
find the master key (opened from the environment or the drill's simulator as the `master` exchange,
else the secrets typed in the `master-key` step), check what it can do, find the leaked key among the
sub-account's keys, delete it (one mutation through `ctx.mutate`: confirmed by the step, journaled,
never sent in a dry run, read back and never re-sent after an unknown outcome), and prove it dead with
the leaked key itself. The same way, each other risky key of that sub-account can be deleted,
restricted to trusted IPs or stripped of its permissions, and the sub-account's assets moved to the
master. Whatever stands in the way (no master key, an Asset sub-account, Binance's refusal or KYC IP
check) becomes `available = false` with the reason, and the playbook falls back to the manual step.

Keys are matched by their masked form against Binance's own list (the full value comes from that
list, so it is never written in outputs or the journal); two keys with the same mask are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from responder.errors import ExchangeError, Rejected
from responder.exchange.protocol import Exchange
from responder.exchange.subaccounts import (
    KEYS,
    IpRestriction,
    SubAccounts,
    SubApiKey,
    classify_refusal,
)
from responder.jsonable import plain
from responder.masterkey import MasterCheck, check_master
from responder.playbook.actions import (
    ActionContext,
    ActionRegistry,
    ActionResult,
    ActionStatus,
    JsonMap,
    MutationOutcome,
)
from responder.playbook.protocols import Level
from responder.report.text import clean

MASTER = "master"  # the role of the master-account client in `ctx.exchanges`
MAX_SCAN = 20  # sub-accounts searched for the leaked key when the email is not known
SLOTS = 3  # other risky keys offered one by one; more are named and left to `keys sweep`
PROOF_ATTEMPTS = 5


@dataclass
class _Master:
    exchange: Exchange
    api: SubAccounts
    source: str


def master_client(ctx: ActionContext) -> _Master | None:
    """The master client: from the environment/drill (`ctx.exchanges["master"]`), else typed in."""
    ex = ctx.exchanges.get(MASTER)
    source = "the environment" if not ctx.drill else "the drill's simulated master account"
    if ex is None:
        key, secret = ctx.vault.get("master-key.api_key"), ctx.vault.get("master-key.secret")
        if not key or not secret or ctx.connect is None:
            return None
        ex = ctx.connect(key.reveal().strip(), secret)
        ctx.exchanges[MASTER] = ex
        source = "the key you typed"
    if not callable(getattr(ex, "call", None)):
        return None
    return _Master(ex, SubAccounts(ex), source)  # type: ignore[arg-type]  # a BinanceClient (has .call)


def _unavailable(reason: str, lines: list[tuple[Level, str]], **out: Any) -> ActionResult:
    lines.append(("warn", f"not through the API: {reason}. Delete it by hand in the next step."))
    return ActionResult("warn", {"available": False, "reason": reason, **out}, lines=tuple(lines))


def find_key(keys: list[SubApiKey], masked: str, name: str | None = None) -> SubApiKey | None:
    """The one key with this mask (and name, when given); None when absent; refuses an ambiguous mask."""
    found = [k for k in keys if k.masked == masked and (name is None or k.name == name)]
    if len(found) > 1:
        raise ExchangeError(f"{len(found)} keys of the sub-account look like {masked}; not guessing which")
    return found[0] if found else None


def key_powers(key: SubApiKey, ip: IpRestriction | None) -> str:
    """What the key can do and from where: `can Trade, UniversalTransfer · no IP whitelist`."""
    on = [flag.removeprefix("can") for flag, v in key.flags if v]
    perms = "can " + ", ".join(on) if on else "read only"
    if ip is None:
        return f"{perms} · IP restriction unknown"
    return f"{perms} · " + (f"trusted IPs {', '.join(ip.ips)}" if ip.restricted else "no IP whitelist")


def describe_key(key: SubApiKey, ip: IpRestriction | None) -> str:
    return f"{key.masked} “{clean(key.name) or 'unnamed'}” · {key_powers(key, ip)}"


def _risks(key: SubApiKey, ip: IpRestriction | None) -> list[str]:
    out = []
    if not key.name.strip():
        out.append("unnamed")
    if key.can_trade and (ip is None or not ip.restricted):
        out.append("trading with no IP whitelist" if ip is not None else "trading, IP restriction unknown")
    if any(
        v for flag, v in key.flags if flag in ("canFuturesTrade", "canMarginLoanRepay", "canVanillaOptions")
    ):
        out.append("futures/margin/options on")
    if dict(key.flags).get("canUniversalTransfer"):
        out.append("universal transfer on")
    return out


def _ip(api: SubAccounts, email: str, key: SubApiKey) -> IpRestriction | None:
    try:
        return api.ip_restriction(email, key.api_key)
    except Rejected:
        return None


def master_powers(check: MasterCheck) -> str:
    """What the master key may do here, and what it may not (Binance's permission for each)."""
    ips = "restrict IPs" if check.can_restrict_ips else "not restrict IPs (needs Spot & Margin trading on it)"
    move = "move assets" if check.can_transfer else "not move assets (needs internal transfer on it)"
    return f"it may delete sub-account keys and change their permissions; {ips}; {move}"


def _locate(
    api: SubAccounts, check: MasterCheck, email: str, masked: str
) -> tuple[str, list[SubApiKey]] | str:
    """(email, keys) of the sub-account holding the leaked key, or the reason it was not found."""
    if email:
        sub = check.sub(email)
        if sub is None:
            return (
                f"{clean(email)} is not one of this master account's {len(check.sub_accounts)} sub-accounts"
            )
        candidates = [sub]
    else:
        candidates = [s for s in check.sub_accounts if not s.asset_management][:MAX_SCAN]
    for sub in candidates:
        try:
            keys = api.api_keys(sub.email)
        except Rejected as e:
            if email:
                return classify_refusal(e).reason
            continue
        if find_key(keys, masked) is not None:
            return sub.email, keys
    if email and candidates[0].asset_management:
        return "Binance does not manage API keys of Asset Management sub-accounts"
    where = clean(email) if email else f"any of {len(candidates)} sub-account(s)"
    return f"the leaked key {masked} is not among the keys of {where} (already deleted, or another account's)"


def check_sub_account(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Can the master delete the leaked key? Check the master key, find the sub-account and the key."""
    lines: list[tuple[Level, str]] = []
    leaked = ctx.need_exchange().masked_key
    master = master_client(ctx)
    if master is None:
        return _unavailable("no master-account key was given", lines)
    lines.append(("info", f"master key {master.exchange.masked_key} from {master.source}"))
    check = check_master(master.exchange, master.api)
    if not check.is_master:
        return _unavailable(check.reason, lines)
    lines.append(("ok", f"master key works: {check.reason}"))
    lines.append(("info", master_powers(check)))
    where = _locate(master.api, check, str(params.get("email") or "").strip(), leaked)
    if isinstance(where, str):
        return _unavailable(where, lines)
    email, keys = where
    sub = check.sub(email)
    if sub is not None and sub.asset_management:
        return _unavailable("Binance does not manage API keys of Asset Management sub-accounts", lines)
    target = find_key(keys, leaked)
    assert target is not None
    target_ip = _ip(master.api, email, target)
    lines.append(("warn", f"leaked key on {clean(email)}: {describe_key(target, target_ip)}"))
    others = []
    for key in keys:
        if key is target:
            continue
        ip = _ip(master.api, email, key)
        risks = _risks(key, ip)
        if risks:
            others.append(
                {"key": key.masked, "name": key.name, "label": describe_key(key, ip), "risks": risks}
            )
            lines.append(("warn", f"also risky: {describe_key(key, ip)} — {', '.join(risks)}"))
    out: dict[str, Any] = {
        "available": True,
        "reason": "",
        "email": email,
        "leaked": leaked,
        "leaked_label": describe_key(target, target_ip),
        "leaked_name": clean(target.name) or "unnamed",
        "leaked_powers": key_powers(target, target_ip),
        "leaked_ip_restricted": target_ip.restricted if target_ip is not None else None,
        "can_restrict_ips": check.can_restrict_ips,
        "can_transfer": check.can_transfer,
        "others": len(others),
        "other_keys": others[:SLOTS],
    }
    for i, other in enumerate(others[:SLOTS], 1):
        out[f"other_{i}"] = f"{other['label']} — {', '.join(other['risks'])}"
        out[f"other_{i}_key"] = {"key": other["key"], "name": other["name"]}
    if len(others) > SLOTS:
        lines.append(("warn", f"{len(others) - SLOTS} more risky keys: see `responder keys sweep`"))
    out["assets"] = _assets_text(master.api, email) if check.can_transfer else ""
    return ActionResult("ok", out, lines=tuple(lines))


def delete_key(api: SubAccounts, email: str, full: str, masked: str) -> dict[str, str]:
    api.delete_api_key(email, full)
    return {"deleted": masked}


def _assets_text(api: SubAccounts, email: str) -> str:
    try:
        free = [b for b in api.assets(email) if b.free > 0]
    except ExchangeError:
        return ""
    return ", ".join(f"{format(b.free, 'f')} {clean(b.asset)}" for b in free[:12])


# --- the deletion ----------------------------------------------------------------------------------------
def delete_leaked_key(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """MUTATING. Delete the leaked key through the master's API, then prove it dead with the key itself."""
    email, masked = str(params.get("email") or ""), ctx.need_exchange().masked_key
    description = (
        f"delete the leaked API key {masked} of sub-account {clean(email)} through the master account's API"
    )
    request = {"method": "DELETE", "path": KEYS, "params": {"email": email, "subAccountApiKey": masked}}
    master = master_client(ctx)
    if master is None:
        return _no_master(ctx, description, request)
    api = master.api
    target = find_key(api.api_keys(email), masked)
    lines: list[tuple[Level, str]] = []
    if target is None and not ctx.recorded:
        lines.append(("warn", f"{masked} is no longer among the keys of {clean(email)}; proving it dead"))
        return _prove_dead(ctx, api, email=email, masked=masked, deleted="absent", lines=lines)
    full = target.api_key if target is not None else ""
    outcome = ctx.mutate(
        description,
        request=request,
        call=lambda: delete_key(api, email, full, masked),
        reconcile=lambda: {"key_listed": api.key_state(email, full) == "present"},
    )
    return _after_delete(ctx, api, outcome, email=email, full=full, masked=masked, lines=lines)


def _no_master(ctx: ActionContext, description: str, request: JsonMap) -> ActionResult:
    """No master key (e.g. resumed without it). A deletion interrupted before its outcome is journaled
    as unknown — nothing here can read the key list back — and is never re-sent."""

    def cannot_read() -> None:
        raise ExchangeError("no master key at hand to read the sub-account's keys back")

    deleted = "no"
    if ctx.recorded:
        outcome = ctx.mutate(description, request=request, call=cannot_read, reconcile=cannot_read)
        deleted = "yes" if outcome.status == "ok" else "unknown" if outcome.status != "rejected" else "no"
    gone = "the master key is no longer at hand (set it in the environment, or delete by hand)"
    return ActionResult("warn", {"deleted": deleted, "reason": gone}, lines=(("warn", gone),))


def _after_delete(
    ctx: ActionContext,
    api: SubAccounts,
    outcome: MutationOutcome,
    *,
    email: str,
    full: str,
    masked: str,
    lines: list[tuple[Level, str]],
) -> ActionResult:
    """What the deletion's outcome means: deleted (then proven dead), refused, not sent, or unknown."""
    response = outcome.response if isinstance(outcome.response, dict) else {}
    if outcome.status == "would-do":
        return ActionResult(
            "ok", {"deleted": "would-do"}, lines=(("dry", f"would delete {masked} of {clean(email)}"),)
        )
    if outcome.status == "rejected":
        refusal = classify_refusal(
            Rejected(int(response.get("code", 0)), str(response.get("msg", "")), status=400)
        )
        reason = f"{refusal.reason} ({response.get('code')} {clean(str(response.get('msg', '')))})"
        lines.append(("warn", f"Binance refused the deletion: {reason}. Delete it by hand in the next step."))
        return ActionResult("warn", {"deleted": "no", "reason": reason}, lines=tuple(lines))
    if outcome.status == "ok":
        lines.append(("ok", f"deleted {masked} of {clean(email)} through the API"))
    elif outcome.status == "reconciled" and response.get("key_listed") is False:
        lines.append(
            ("ok", "the outcome was unknown; the key list read back no longer has it: deleted (not re-sent)")
        )
    elif outcome.status == "reconciled":
        reason = "the request may not have reached Binance: the key is still listed (not re-sent)"
        lines.append(("warn", reason))
        return ActionResult("warn", {"deleted": "no", "reason": reason}, lines=tuple(lines))
    else:
        reason = "the outcome is unknown and the key list could not be read back"
        lines.append(("warn", reason + "; check API Management"))
        return ActionResult("warn", {"deleted": "unknown", "reason": reason}, lines=tuple(lines))
    return _prove_dead(ctx, api, email=email, masked=masked, deleted="yes", lines=lines)


def _prove_dead(
    ctx: ActionContext,
    api: SubAccounts,
    *,
    email: str,
    masked: str,
    deleted: str,
    lines: list[tuple[Level, str]],
) -> ActionResult:
    """Poll the leaked key itself until Binance rejects it; with the master's list as the second witness
    (an IP-restricted key's -2015 alone proves nothing)."""
    from responder.keycheck import check_key

    listed: bool | None
    try:
        listed = any(k.masked == masked for k in api.api_keys(email))
    except ExchangeError:
        listed = None
    result, reason = "indeterminate", "no check ran"
    for attempt in range(PROOF_ATTEMPTS):
        now = ctx.clock.now()
        # "revoked" here only means rejected: the proof of death is the master's list (below)
        check = check_key(ctx.need_exchange(), now=now, ip_restricted=False)
        at = now.strftime("%H:%M:%S UTC")
        if check.status == "revoked" and listed is False:
            result = "dead"
            reason = (
                f"dead at {at} — the leaked key itself is rejected with {check.code}, and the master's "
                f"list of {clean(email)}'s keys no longer has it"
            )
        elif check.status == "revoked":
            result, reason = (
                "indeterminate",
                f"rejected with {check.code} at {at}, but the key list could not be read",
            )
        elif check.status == "live":
            result, reason = "alive", f"still alive at {at}: a signed read with the key succeeded"
        else:
            result, reason = "indeterminate", f"indeterminate at {at}: {check.reason}"
        ctx.check("leak.revocation_check", result, reason)
        if result == "dead" or attempt == PROOF_ATTEMPTS - 1:
            break
        ctx.clock.sleep(1.0)
    lines.append(("ok" if result == "dead" else "warn", reason))
    status: ActionStatus = "ok" if result == "dead" else "warn"
    return ActionResult(
        status, {"deleted": deleted, "revocation": result, "at": plain(ctx.clock.now())}, lines=tuple(lines)
    )


def detect_master(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """Is a master-account key already at hand (environment, drill)? Decides whether to ask for one."""
    at_hand = ctx.exchanges.get(MASTER) is not None
    lines: tuple[tuple[Level, str], ...] = (
        (("info", f"a master-account key is at hand ({ctx.exchanges[MASTER].masked_key})"),)
        if at_hand
        else ()
    )
    return ActionResult("ok", {"master_at_hand": at_hand}, lines=lines)


def register(registry: ActionRegistry) -> None:
    registry.register("sub.detect_master", detect_master, description="is a master-account key at hand?")
    registry.register(
        "sub.check", check_sub_account, optional=("email",),
        description="check the master key, find the leaked key among the sub-account's keys",
    )  # fmt: skip
    registry.register(
        "sub.delete_leaked_key", delete_leaked_key, mutating=True, required=("email",),
        description="delete the leaked sub-account key through the master's API and prove it dead",
    )  # fmt: skip
