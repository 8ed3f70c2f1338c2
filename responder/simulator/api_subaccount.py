"""The master account's sub-account endpoints (reference §3.3): list, keys, IP restriction, permissions,
deletion, assets and universal transfer, with Binance's shapes, weights and refusals.

Shapes follow binance-connector-python (sub_account SDK 6.0.0+, its unit tests' canned responses):
the key list's rows spell `apikey` in lower case, the IP-restriction reads say `ipRestrict: "true"`,
the v2 IP-restriction write answers `status: "1"|"2"`, sub-account assets are JSON numbers.

Refusals. Only a master key may call these; any other key gets -8012 "Sub-account function is not
enabled." (observed, ccxt #7848 / binance-connector-python #237). An email that is not one of this
master's sub-accounts gets -9000 "This two users are not in parent-child relation." (observed, ccxt
#16837). Binance documents but does not spell out two more refusals; the codes and texts below are
ours (docs/subaccounts.md says so): an Asset Management sub-account (-9000 "Asset management
sub-account is not supported.") and the KYC IP-restriction check (-9000 "This request failed the KYC
IP restriction check."), both on the mutating key endpoints. An unknown key is -9000 "API key does
not exist." (also ours). Every refusal is HTTP 400 and changes nothing.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from responder.simulator.keys import SimKey
from responder.simulator.records import ZERO
from responder.simulator.routes import TRADE, Ctx, Endpoint
from responder.simulator.wire import ApiError, mandatory

if TYPE_CHECKING:
    from responder.simulator.org import Org, SimSubAccount

NOT_ENABLED = ApiError(-8012, "Sub-account function is not enabled.")
NOT_RELATED = "This two users are not in parent-child relation."
ASSET_NOT_SUPPORTED = "Asset management sub-account is not supported."
KYC_REFUSED = "This request failed the KYC IP restriction check."
NO_SUCH_KEY = "API key does not exist."
INTERNAL_TRANSFER = "enableInternalTransfer"

# Binance permission flags on the sub-account endpoints, and the key permission each one is.
FLAGS = {
    "canTrade": "enableSpotAndMarginTrading",
    "canMarginLoanRepay": "enableMargin",
    "canFuturesTrade": "enableFutures",
    "canUniversalTransfer": "permitsUniversalTransfer",
    "canVanillaOptions": "enableVanillaOptions",
}
ACCOUNT_TYPES = ("SPOT", "USDT_FUTURE", "COIN_FUTURE", "MARGIN", "ISOLATED_MARGIN", "ALPHA")


def _org(ctx: Ctx) -> Org:
    org: Org | None = ctx.org
    if org is None or ctx.key is None or not org.is_master_key(ctx.key):
        raise NOT_ENABLED
    return org


def _sub(ctx: Ctx, org: Org, *, manage: bool = False) -> SimSubAccount:
    email = ctx.params.get("email", "")
    if not email:
        raise mandatory("email")
    sub = org.sub(email)
    if sub is None:
        raise ApiError(-9000, NOT_RELATED)
    if manage and sub.kind == "asset":
        raise ApiError(-9000, ASSET_NOT_SUPPORTED)
    if manage and not org.kyc_ip_check:
        raise ApiError(-9000, KYC_REFUSED)
    return sub


def _key(ctx: Ctx, sub: SimSubAccount) -> SimKey:
    api_key = ctx.params.get("subAccountApiKey", "")
    if not api_key:
        raise mandatory("subAccountApiKey")
    key = next((k for k in sub.keys if k.api_key == api_key and k.active), None)
    if key is None:
        raise ApiError(-9000, NO_SUCH_KEY)
    return key


def _page(ctx: Ctx, name: str, default: int, maximum: int) -> int:
    value = ctx.int_param(name)
    if value is None:
        return default
    if value > maximum:
        raise ApiError(-1102, f"'{name}' contains unexpected value. Cannot be greater than {maximum}.")
    return max(value, 1)


def _key_row(email: str, key: SimKey) -> dict[str, Any]:
    return {
        "email": email,
        "apiName": key.name,
        "apikey": key.api_key,
        **{flag: key.allows(perm) for flag, perm in FLAGS.items()},
        "timestamp": key.create_ms,
    }


def _event(ctx: Ctx, org: Org, action: str, **detail: Any) -> None:
    org.api_events.append({"action": action, "time": ctx.now_ms, **detail})


# --- reads -----------------------------------------------------------------------------------------
def sub_account_list(ctx: Ctx) -> Any:
    org = _org(ctx)
    rows = list(org.subs)
    if email := ctx.params.get("email"):
        rows = [s for s in rows if s.email == email]
    if (freeze := ctx.params.get("isFreeze")) is not None:
        rows = [s for s in rows if s.frozen == (freeze.lower() == "true")]
    page, limit = _page(ctx, "page", 1, 10**6), _page(ctx, "limit", 1, 200)
    return {"subAccounts": [s.row() for s in rows[(page - 1) * limit : page * limit]]}


def query_keys(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org)
    keys = [k for k in sub.keys if k.active]
    if wanted := ctx.params.get("subAccountApiKey"):
        keys = [k for k in keys if k.api_key == wanted]
    page, size = _page(ctx, "page", 1, 10**6), _page(ctx, "size", 30, 100)
    rows = [_key_row(sub.email, k) for k in keys[(page - 1) * size : page * size]]
    return {"total": len(keys), "rows": rows}


def get_ip_restriction(ctx: Ctx) -> Any:
    org = _org(ctx)
    key = _key(ctx, _sub(ctx, org))
    return {
        "ipRestrict": "true" if key.ip_whitelist else "false",
        "ipList": list(key.ip_whitelist),
        "updateTime": int(key.extra.get("ip_updated", key.create_ms)),
        "apiKey": key.api_key,
    }


def sub_assets(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org)
    locked = sub.state.locked()
    assets = sorted(
        a for a in set(sub.state.free) | set(locked) if sub.state.free.get(a, ZERO) or locked.get(a)
    )
    return {
        "balances": [
            {
                "freeze": 0,
                "withdrawing": 0,
                "asset": a,
                "free": float(sub.state.free.get(a, ZERO)),
                "locked": float(locked.get(a, ZERO)),
            }
            for a in assets
        ]
    }


def transfer_history(ctx: Ctx) -> Any:
    org = _org(ctx)
    if ctx.params.get("fromEmail") and ctx.params.get("toEmail"):
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    rows = list(org.transfers)
    if tran := ctx.params.get("clientTranId"):
        rows = [r for r in rows if r["clientTranId"] == tran]
    if frm := ctx.params.get("fromEmail"):
        rows = [r for r in rows if r["fromEmail"] == frm]
    if to := ctx.params.get("toEmail"):
        rows = [r for r in rows if r["toEmail"] == to]
    start, end = ctx.window(7 * 86_400_000, "More than 7 days between startTime and endTime.")
    end = end if end is not None else ctx.now_ms
    start = start if start is not None else end - 7 * 86_400_000
    rows = [r for r in rows if start <= r["createTimeStamp"] <= end]
    return {"result": rows, "totalCount": len(rows)}


# --- mutations -------------------------------------------------------------------------------------
def delete_key(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org, manage=True)
    key = _key(ctx, sub)
    key.state = "deleted"
    _event(ctx, org, "delete_sub_api_key", email=sub.email, key=key.name)
    return {}


def set_permissions(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org, manage=True)
    key = _key(ctx, sub)
    perms = list(key.permissions)
    for flag, perm in FLAGS.items():  # a flag not sent leaves that permission as it was
        if flag in ctx.params:
            want = ctx.flag(flag)
            if want and perm not in perms:
                perms.append(perm)
            elif not want and perm in perms:
                perms.remove(perm)
    key.permissions = tuple(perms)
    _event(
        ctx, org, "set_sub_api_permissions", email=sub.email, key=key.name, permissions=list(key.permissions)
    )
    row = _key_row(sub.email, key)
    row.pop("email")
    row["timestamp"] = ctx.now_ms
    return row


def _ips(raw: str) -> list[str]:
    out = []
    for raw_part in raw.split(","):
        part = raw_part.strip()
        if not part:
            continue
        try:
            ipaddress.ip_address(part)
        except ValueError:
            raise ApiError(
                -1100, f"Illegal characters found in parameter 'ipAddress'; '{part[:40]}'."
            ) from None
        out.append(part)
    return out


def add_ip_restriction(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org, manage=True)
    key = _key(ctx, sub)
    status = ctx.params.get("status", "")
    if status not in ("1", "2"):
        raise mandatory("status")
    if status == "1":
        key.ip_whitelist = ()
    else:
        ips = list(dict.fromkeys([*key.ip_whitelist, *_ips(ctx.params.get("ipAddress", ""))]))
        if not ips:
            raise mandatory("ipAddress")
        key.ip_whitelist = tuple(ips)
    key.extra["ip_updated"] = str(ctx.now_ms)
    _event(ctx, org, "set_sub_api_ip_restriction", email=sub.email, key=key.name, ips=list(key.ip_whitelist))
    return {
        "status": status,
        "ipList": list(key.ip_whitelist),
        "updateTime": ctx.now_ms,
        "apiKey": key.api_key,
    }


def delete_ip_list(ctx: Ctx) -> Any:
    org = _org(ctx)
    sub = _sub(ctx, org, manage=True)
    key = _key(ctx, sub)
    drop = set(_ips(ctx.params.get("ipAddress", "")))
    if not drop:
        raise mandatory("ipAddress")
    key.ip_whitelist = tuple(ip for ip in key.ip_whitelist if ip not in drop)
    key.extra["ip_updated"] = str(ctx.now_ms)
    return {
        "ipRestrict": "true" if key.ip_whitelist else "false",
        "ipList": list(key.ip_whitelist),
        "updateTime": ctx.now_ms,
        "apiKey": key.api_key,
    }


def universal_transfer(ctx: Ctx) -> Any:
    org = _org(ctx)
    assert ctx.key is not None
    if not ctx.key.allows(INTERNAL_TRANSFER):
        raise ApiError(-1002, "You are not authorized to execute this request.", 401)
    p = ctx.params
    for name in ("fromAccountType", "toAccountType", "asset", "amount"):
        if not p.get(name):
            raise mandatory(name)
    if p["fromAccountType"] not in ACCOUNT_TYPES or p["toAccountType"] not in ACCOUNT_TYPES:
        raise ApiError(-1100, "Illegal characters found in parameter 'accountType'.")
    if p["fromAccountType"] != "SPOT" or p["toAccountType"] != "SPOT":
        raise ApiError(-9000, "Only SPOT to SPOT transfers are simulated.")
    ends = []
    for name in ("fromEmail", "toEmail"):
        sub = org.sub(p[name]) if p.get(name) else None
        if p.get(name) and sub is None:
            raise ApiError(-9000, NOT_RELATED)
        ends.append(sub.state if sub is not None else org.master)
    frm, to = ends
    if frm is to:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    try:
        amount = Decimal(p["amount"])
    except InvalidOperation:
        raise ApiError(-1100, "Illegal characters found in parameter 'amount'.") from None
    if not amount.is_finite() or amount <= 0:
        raise ApiError(-1013, "Invalid amount.")
    tran_id = p.get("clientTranId") or ""
    if tran_id and any(t["clientTranId"] == tran_id for t in org.transfers):
        raise ApiError(-9000, "Duplicate clientTranId.")
    asset = p["asset"]
    if frm.free.get(asset, ZERO) < amount:
        raise ApiError(-9000, "Insufficient balance.")
    frm.free[asset] = frm.free.get(asset, ZERO) - amount
    to.free[asset] = to.free.get(asset, ZERO) + amount
    ident = 10_000_000_000 + len(org.transfers) + 1
    org.transfers.append(
        {
            "tranId": ident,
            "fromEmail": p.get("fromEmail", org.spec.master_email),
            "toEmail": p.get("toEmail", org.spec.master_email),
            "asset": asset,
            "amount": p["amount"],
            "createTimeStamp": ctx.now_ms,
            "fromAccountType": p["fromAccountType"],
            "toAccountType": p["toAccountType"],
            "status": "SUCCESS",
            "clientTranId": tran_id,
        }
    )
    return {"tranId": ident, "clientTranId": tran_id}


_KEYS = "/sapi/v1/sub-account/subAccountApi"
ENDPOINTS = [
    Endpoint("GET", "/sapi/v1/sub-account/list", sub_account_list, weight=1, sapi_scope="IP"),
    Endpoint("GET", _KEYS, query_keys, weight=3000, sapi_scope="UID"),
    Endpoint("DELETE", _KEYS, delete_key, weight=3000, sapi_scope="UID"),
    Endpoint("GET", f"{_KEYS}/ipRestriction", get_ip_restriction, weight=3000, sapi_scope="UID"),
    Endpoint(
        "POST",
        "/sapi/v2/sub-account/subAccountApi/ipRestriction",
        add_ip_restriction,
        weight=3000,
        sapi_scope="UID",
        permission=TRADE,
    ),
    Endpoint(
        "DELETE",
        f"{_KEYS}/ipRestriction/ipList",
        delete_ip_list,
        weight=3000,
        sapi_scope="UID",
        permission=TRADE,
    ),
    Endpoint(
        "POST", "/sapi/v1/sub-account/subAccountApiPermission", set_permissions, weight=3000, sapi_scope="UID"
    ),
    Endpoint("GET", "/sapi/v3/sub-account/assets", sub_assets, weight=60, sapi_scope="UID"),
    Endpoint(
        "POST", "/sapi/v1/sub-account/universalTransfer", universal_transfer, weight=360, sapi_scope="UID"
    ),
    Endpoint("GET", "/sapi/v1/sub-account/universalTransfer", transfer_history, weight=1, sapi_scope="IP"),
]
