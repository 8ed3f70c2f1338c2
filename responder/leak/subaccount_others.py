"""The leak playbook's sub-account aftercare: the other risky keys of the compromised sub-account, one
by one (delete, restrict to trusted IPs, or drop every trading and transfer permission), and moving
the sub-account's free assets to the master account. Each change is one confirmed mutation through
`ctx.mutate` (journaled, never sent in a dry run, read back and never re-sent after an unknown
outcome). The master client and key matching come from `leak/subaccount.py`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from responder.exchange.subaccounts import (
    FLAGS,
    IP_WRITE,
    KEYS,
    PERMISSIONS,
    TRANSFER,
    SubAccounts,
    SubApiKey,
)
from responder.jsonable import plain
from responder.leak.subaccount import delete_key, find_key, master_client
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, ActionStatus, JsonMap
from responder.playbook.protocols import Level
from responder.report.text import clean

DO_DELETE = "Delete it"
DO_RESTRICT = "Restrict it to trusted IPs"
DO_DROP = "Drop its trading and transfer permissions"
DO_LEAVE = "Leave it as it is"


@dataclass(frozen=True)
class _Change:
    """One planned change to one key: what the journal says, and how to do and read it back."""

    description: str
    method: str
    path: str
    params: dict[str, Any]
    call: Callable[[], Any]
    reconcile: Callable[[], Any]


def _ips(text: str) -> tuple[str, ...]:
    out = []
    for part in text.replace(" ", ",").split(","):
        if part:
            try:
                out.append(str(ipaddress.ip_address(part)))
            except ValueError:
                raise ValueError(f"{clean(part)[:40]!r} is not an IP address") from None
    return tuple(out)


def _plan(do: str, api: SubAccounts, email: str, key: SubApiKey, ips_text: str) -> _Change | str:
    """The change `do` asks for, or why there is none (bad IPs: nothing is sent)."""
    masked, full = key.masked, key.api_key
    where = {"email": email, "subAccountApiKey": masked}
    if do == DO_DELETE:
        return _Change(
            f"delete the API key {masked} of sub-account {clean(email)}", "DELETE", KEYS, where,
            lambda: delete_key(api, email, full, masked),
            lambda: {"key_listed": api.key_state(email, full) == "present"},
        )  # fmt: skip
    if do == DO_RESTRICT:
        try:
            ips = _ips(ips_text)
        except ValueError as e:
            return str(e)
        if not ips:
            return "no trusted IP address given; nothing was changed"
        return _Change(
            f"restrict the API key {masked} of {clean(email)} to {', '.join(ips)}", "POST", IP_WRITE,
            {**where, "status": 2, "ipAddress": ",".join(ips)},
            lambda: plain(api.restrict_ips(email, full, ips)),
            lambda: plain(api.ip_restriction(email, full)),
        )  # fmt: skip
    if do == DO_DROP:
        return _Change(
            f"drop every trading and transfer permission of {masked} ({clean(email)})", "POST", PERMISSIONS,
            {**where, **dict.fromkeys(FLAGS, "false")},
            lambda: api.set_permissions(email, full, {}),
            lambda: dict((find_key(api.api_keys(email), masked, key.name) or key).flags),
        )  # fmt: skip
    return f"unknown choice {clean(do)!r}"


def secure_other_key(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """MUTATING. Delete, restrict to trusted IPs, or drop the permissions of one other risky key."""
    email, do = str(params.get("email") or ""), str(params.get("do") or "")
    slot = params.get("key")
    if not isinstance(slot, dict) or do == DO_LEAVE or not do:
        return ActionResult("ok", {"done": "left"}, lines=(("info", "left as it is"),))
    master = master_client(ctx)
    if master is None:
        return ActionResult(
            "warn",
            {"done": "no", "reason": "no master key at hand"},
            lines=(("warn", "no master key at hand"),),
        )
    masked = str(slot.get("key", ""))
    target = find_key(master.api.api_keys(email), masked, str(slot.get("name", "")))
    if target is None:
        return ActionResult("ok", {"done": "absent"}, lines=(("info", f"{masked} is no longer listed"),))
    change = _plan(do, master.api, email, target, str(params.get("ips") or ""))
    if isinstance(change, str):
        return ActionResult("failed", {"error": change})
    request = {"method": change.method, "path": change.path, "params": change.params}
    outcome = ctx.mutate(change.description, request=request, call=change.call, reconcile=change.reconcile)
    level: Level = (
        "ok" if outcome.status in ("ok", "reconciled") else "dry" if outcome.status == "would-do" else "warn"
    )
    text = f"{change.description}: {outcome.status}"
    if outcome.status == "rejected" and isinstance(outcome.response, dict):
        text += f" — {clean(str(outcome.response.get('msg', '')))}"
    status: ActionStatus = "ok" if level in ("ok", "dry") else "warn"
    return ActionResult(
        status, {"done": outcome.status, "response": outcome.response}, lines=((level, text),)
    )


# --- moving the assets -------------------------------------------------------------------------------------
def move_assets(ctx: ActionContext, params: JsonMap) -> ActionResult:
    """MUTATING. Universal transfer (SPOT→SPOT) of every free asset of the sub-account to the master; a
    unique clientTranId per transfer settles an unknown outcome by reading the transfer history."""
    email = str(params.get("email") or "")
    master = master_client(ctx)
    if master is None:
        return ActionResult(
            "warn",
            {"moved": 0, "reason": "no master key at hand"},
            lines=(("warn", "no master key at hand"),),
        )
    api = master.api
    # Binance sends these amounts as JSON numbers: rounded down to 8 decimals, a transfer never asks
    # for more than is there (a float's shortest form may round up in its last digit).
    balances = [b for b in api.assets(email) if _down(b.free) > 0]
    stamp = ctx.clock.now().strftime("%Y%m%d%H%M%S")
    lines: list[tuple[Level, str]] = []
    moved = 0
    results = []
    for i, b in enumerate(balances):
        tran = f"rsp{stamp}x{i}"
        amount: Decimal = _down(b.free)
        outcome = ctx.mutate(
            f"move {format(amount, 'f')} {clean(b.asset)} from {clean(email)} to the master account",
            request={
                "method": "POST",
                "path": TRANSFER,
                "params": {
                    "fromEmail": email,
                    "fromAccountType": "SPOT",
                    "toAccountType": "SPOT",
                    "asset": b.asset,
                    "amount": format(amount, "f"),
                    "clientTranId": tran,
                },
            },
            call=lambda a=b.asset, n=amount, t=tran: {"tranId": api.transfer_to_master(email, a, n, t)},  # type: ignore[misc]
            reconcile=lambda t=tran: {"transfers": [plain(x) for x in api.transfers(t)]},  # type: ignore[misc]
        )
        done = outcome.status == "ok" or (
            outcome.status == "reconciled" and bool((outcome.response or {}).get("transfers"))
        )
        moved += done
        results.append({"asset": b.asset, "amount": format(amount, "f"), "status": outcome.status})
        level: Level = "ok" if done else "dry" if outcome.status == "would-do" else "warn"
        lines.append((level, f"{format(amount, 'f')} {clean(b.asset)}: {outcome.status}"))
    status: ActionStatus = "ok" if moved == len(balances) or ctx.dry_run else "warn"
    return ActionResult(status, {"moved": moved, "transfers": results}, lines=tuple(lines))


def register(registry: ActionRegistry) -> None:
    registry.register(
        "sub.secure_other_key", secure_other_key, mutating=True,
        required=("email", "key", "do"), optional=("ips",),
        description="delete, IP-restrict or strip one other risky key of the sub-account",
    )  # fmt: skip
    registry.register(
        "sub.move_assets", move_assets, mutating=True, required=("email",),
        description="move the sub-account's free assets to the master account (universal transfer)",
    )  # fmt: skip


def _down(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.00000001"), rounding=ROUND_DOWN).normalize()
