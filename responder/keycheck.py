"""Is this API key alive, and is it set up safely? The first thing a user runs after a suspected leak.

A check makes one signed read (`apiRestrictions`) and never guesses: `live` when it succeeded,
`revoked` when Binance rejected the key (-2015/-2014) and the key is *known* to have had no IP
whitelist, `indeterminate` (with the reason) otherwise — from an address that is not whitelisted
Binance answers -2015 for a deleted key and for a live IP-restricted key alike, so without knowing the
key had no whitelist a rejection proves nothing; -1022 means the *secret* is wrong, and an unreachable
exchange says nothing. A live key
is audited against the recommended profiles (a data table the wizard reuses for its Recover step).
Pure apart from the `Exchange` it is handed; rendering is separate from the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from responder.clock import show
from responder.errors import (
    BadKeyFormat,
    BadSignature,
    ExchangeError,
    KeyRejected,
    Rejected,
    TimestampRejected,
    Unauthorized,
    UsageError,
)
from responder.exchange.models import ApiRestrictions
from responder.exchange.protocol import Exchange
from responder.untrusted import shown

Status = Literal["live", "revoked", "indeterminate"]
Severity = Literal["critical", "high", "medium", "low"]


@dataclass(frozen=True)
class Profile:
    """A recommended key set-up for one kind of use (the seed's table)."""

    name: str
    description: str
    trade: bool
    withdraw: Literal["off", "optional"]
    ip_entries: tuple[int, int]  # mandatory whitelist: (min, max) entries
    rotate_days: int | None  # None: delete right after use
    note: str = ""

    def rotate_by(self, created: datetime) -> datetime:
        """When a key created at `created` is due for rotation (deletion, for one-time keys)."""
        return created + timedelta(days=self.rotate_days if self.rotate_days is not None else 1)

    @property
    def rotation(self) -> str:
        return f"every {self.rotate_days} days" if self.rotate_days else "delete right after use"

    @property
    def whitelist(self) -> str:
        low, high = self.ip_entries
        entries = f"{low} entr{'y' if low == 1 else 'ies'}" if low == high else f"{low}–{high} entries"
        return f"mandatory, {entries}" + (f" + {self.note}" if self.note else "")


PROFILES: tuple[Profile, ...] = (
    Profile("dashboard", "portfolio tracker, tax tool, read-only dashboard", False, "off", (1, 1), 180),
    Profile("grid-bot", "a trading bot (grid, DCA, signals)", True, "off", (1, 1), 90),
    Profile("market-maker", "market making", True, "off", (1, 3), 60),
    Profile("arbitrage", "arbitrage between venues", True, "off", (2, 2), 60),
    Profile(
        "custody", "treasury or custody operations", True, "optional", (1, 1), 30, "multi-person approval"
    ),
    Profile("one-time", "a one-off script or export", True, "off", (1, 1), None),
)

_ALIASES = {
    "bot": "grid-bot", "trading-bot": "grid-bot", "dca": "grid-bot", "signals": "grid-bot",
    "read-only": "dashboard", "tracker": "dashboard", "portfolio": "dashboard", "tax": "dashboard",
    "mm": "market-maker", "market-making": "market-maker", "arb": "arbitrage",
    "treasury": "custody", "fund": "custody",
    "script": "one-time", "one-off": "one-time", "export": "one-time",
}  # fmt: skip


def get_profile(name: str) -> Profile:
    for p in PROFILES:
        if p.name == name:
            return p
    raise UsageError(f"unknown profile {name!r}", hint="one of: " + ", ".join(p.name for p in PROFILES))


def recommend_profile(user_type: str) -> Profile:
    """The profile for a kind of use ("grid bot", "tax tool", …); the least-privileged when unknown."""
    key = "-".join(user_type.lower().replace("_", " ").split())
    if any(p.name == key for p in PROFILES):
        return get_profile(key)
    for word in (key, *key.split("-")):
        if word in _ALIASES:
            return get_profile(_ALIASES[word])
    return PROFILES[0]


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class KeyCheck:
    status: Status
    reason: str
    key: str  # masked
    restrictions: ApiRestrictions | None = None
    findings: tuple[Finding, ...] = ()
    profile: str | None = None
    code: int | None = None  # the Binance code behind a rejection
    unreachable: bool = False  # no answer about the key at all (exit 3)


def audit(r: ApiRestrictions, profile: Profile | None, now: datetime) -> tuple[Finding, ...]:
    """Findings for a live key's permissions, whitelist and age against `profile` (or general rules)."""
    found: list[Finding] = []
    if r.enable_withdrawals:
        if profile is not None and profile.withdraw == "optional":
            found.append(
                Finding(
                    "withdrawals-enabled",
                    "low",
                    f"withdrawals are on (allowed for {profile.name} "
                    "only with a withdrawal-address whitelist and multi-person approval)",
                )
            )
        else:
            found.append(
                Finding(
                    "withdrawals-enabled",
                    "critical",
                    "withdrawals are enabled: whoever holds this key can move funds off Binance",
                )
            )
    if not r.ip_restrict:
        found.append(Finding("no-ip-whitelist", "high", "no IP whitelist: the key works from any computer"))
    if r.enable_spot_and_margin_trading and profile is not None and not profile.trade:
        found.append(
            Finding(
                "trade-enabled", "high", f"spot trading is enabled but a {profile.name} key should only read"
            )
        )
    if r.enable_internal_transfer:
        found.append(
            Finding(
                "internal-transfer-enabled",
                "high",
                "internal transfers are enabled: funds can move to other accounts you control",
            )
        )
    for flag, label in (
        (r.enable_margin, "margin"),
        (r.enable_futures, "futures"),
        (r.enable_vanilla_options, "options"),
    ):
        if flag:
            found.append(
                Finding(
                    f"{label}-enabled",
                    "medium",
                    f"{label} is enabled: no recommended profile needs it, and it multiplies losses",
                )
            )
    if r.permits_universal_transfer:
        found.append(
            Finding(
                "universal-transfer-enabled",
                "low",
                "universal transfer is on: funds can move between your wallets",
            )
        )
    found.extend(_age(r.create_time, profile, now))
    return tuple(found)


def _age(created: datetime, profile: Profile | None, now: datetime) -> list[Finding]:
    days = (now - created).days
    cycle = profile.rotate_days if profile is not None else max(p.rotate_days or 0 for p in PROFILES)
    if profile is not None and profile.rotate_days is None:
        if days >= 1:
            return [Finding("key-age", "medium", f"a one-time key still exists {days} days after creation")]
        return []
    if days > (cycle or 0):
        name = f"the {profile.name} profile" if profile else "any recommended profile"
        return [Finding("key-age", "medium", f"created {days} days ago; {name} rotates every {cycle} days")]
    return []


def check_key(
    exchange: Exchange, *, now: datetime, profile: Profile | None = None, ip_restricted: bool | None = None
) -> KeyCheck:
    """One signed read; `ip_restricted` is what is known about the key's whitelist (None: unknown).

    A rejection is proof of revocation only when `ip_restricted is False`."""
    key, name = exchange.masked_key, profile.name if profile else None
    try:
        r = exchange.api_restrictions()
    except (KeyRejected, BadKeyFormat) as e:
        if ip_restricted is False:
            return KeyCheck(
                "revoked",
                f"rejected with {e.code} ({e.msg}); the key had no IP whitelist, so this is conclusive",
                key,
                profile=name,
                code=e.code,
            )
        why = (
            "the key has an IP whitelist: this address may simply not be on it"
            if ip_restricted
            else "it is not known whether the key had an IP whitelist, and Binance gives the same answer "
            "for a deleted key and for a live key called from an address not on its whitelist "
            "(if you know it had none: --no-ip-whitelist)"
        )
        return KeyCheck(
            "indeterminate", f"rejected with {e.code} ({e.msg}), but {why}", key, profile=name, code=e.code
        )
    except BadSignature as e:
        return KeyCheck(
            "indeterminate",
            "the secret does not match this key (-1022), so its state is unknown",
            key,
            profile=name,
            code=e.code,
        )
    except (Unauthorized, TimestampRejected, Rejected) as e:
        return KeyCheck(
            "indeterminate", f"Binance refused the check ({e.code} {e.msg})", key, profile=name, code=e.code
        )
    except ExchangeError as e:  # no answer about the key (a ban and a hostile server included)
        return KeyCheck("indeterminate", e.one_line(), key, profile=name, unreachable=True)
    return KeyCheck("live", "a signed read succeeded", key, r, audit(r, profile, now), name)


def to_json(check: KeyCheck) -> dict[str, Any]:
    """The `key check --json` object."""
    r = check.restrictions
    return {
        "status": check.status,
        "reason": check.reason,
        "key": check.key,
        "profile": check.profile,
        "code": check.code,
        "permissions": r.as_dict() if r else None,
        "created": r.create_time.isoformat().replace("+00:00", "Z") if r else None,
        "findings": [{"id": f.id, "severity": f.severity, "message": f.message} for f in check.findings],
    }


def render_text(check: KeyCheck, now: datetime) -> str:
    """Human output: the verdict first, then permissions and findings, worst first. The reason may quote
    the server (a -2015 message): the text comes back through `untrusted.shown`."""
    lines = [f"{check.key}: {check.status.upper()} — {check.reason}"]
    r = check.restrictions
    if r is not None:
        on = [k for k, v in r.as_dict().items() if v and k != "ipRestrict"]
        lines.append(f"  permissions  {', '.join(on) or 'none'}")
        lines.append(f"  IP whitelist {'yes' if r.ip_restrict else 'NO'}")
        lines.append(f"  created      {show(r.create_time)} ({(now - r.create_time).days} days ago)")
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    for f in sorted(check.findings, key=lambda f: order[f.severity]):
        lines.append(f"  ! {f.severity:<8} {f.message}")
    if check.status == "live" and not check.findings:
        lines.append("  ✓ no findings")
    return shown("\n".join(lines))
