"""`scan --verify`: is each distinct key found still live? The only part of scan that uses the network.

Per distinct API key, one signed read — `GET /sapi/v1/account/apiRestrictions` (weight 1, the key's
own permissions, never balances, never a mutation) — through `keycheck.check_key`, so the states are
those of `key check`: live, revoked, indeterminate with the reason. One difference: a key found in a
file is not known to be free of an IP whitelist, and Binance answers -2015 both for a deleted key and
for a whitelisted key called from another IP, so -2015 is *indeterminate* unless the caller says the
keys have no whitelist (`assume_no_ip_whitelist`, unsafe: it can call a live key revoked). -2014
(malformed key) is revoked. All checks share one rate budget; once Binance cannot be reached, the
remaining keys are left unchecked and say so. Documentation examples are never sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from responder.clock import Clock
from responder.scan.collect import Finding
from responder.secrets import Secret, mask_key

if TYPE_CHECKING:
    from responder.exchange.signing import Signer


@dataclass(frozen=True)
class Verdict:
    status: str | None  # live | revoked | indeterminate; None when not checked (an example)
    reason: str
    permissions: dict[str, Any] | None = None
    code: int | None = None
    unreachable: bool = False


def _signers(findings: list[Finding]) -> list[Signer]:
    from responder.exchange.signing import HmacSigner, signer_from_pem

    out: list[Signer] = []
    seen: set[Secret] = set()
    for f in sorted(findings, key=lambda f: f.kind != "hmac"):
        if f.secret is None or f.secret in seen or f.encrypted:
            continue
        seen.add(f.secret)
        out.append(HmacSigner(f.secret) if f.kind == "hmac" else signer_from_pem(f.secret))
    return out


def verify(
    findings: Iterable[Finding],
    *,
    base_url: str,
    clock: Clock,
    new_transport: Callable[[], Any] | None = None,  # a new httpx transport per client (None: network)
    assume_no_ip_whitelist: bool = False,
) -> dict[str, Verdict]:
    """A verdict per distinct API key (keyed by the raw key; the caller renders it masked)."""
    from responder.exchange.budget import RateBudget

    by_key: dict[str, list[Finding]] = {}
    for f in findings:
        if f.api_key is not None:
            by_key.setdefault(f.api_key, []).append(f)
    budget, verdicts, down = RateBudget(clock), {}, False
    for key, group in by_key.items():
        if any(f.example for f in group):
            verdicts[key] = Verdict(None, "Binance's documentation example: not sent to Binance")
            continue
        signers = _signers(group)
        if not signers:
            verdicts[key] = Verdict(
                "indeterminate", "no secret or private key found with it, so no request can be signed"
            )
            continue
        if down:
            verdicts[key] = Verdict(
                "indeterminate", "not checked: Binance could not be reached", None, None, True
            )
            continue
        verdicts[key] = _check(key, signers, base_url, clock, new_transport, budget, assume_no_ip_whitelist)
        down = verdicts[key].unreachable
    return verdicts


def _check(  # noqa: PLR0917 — a private helper of `verify`, called once
    key: str,
    signers: list[Signer],
    base_url: str,
    clock: Clock,
    new_transport: Callable[[], Any] | None,
    budget: Any,
    no_whitelist: bool,
) -> Verdict:
    from responder.credentials import Credentials
    from responder.exchange.client import connect
    from responder.keycheck import check_key

    verdict = Verdict("indeterminate", "not checked")
    for signer in signers[:3]:  # a second secret only when the first did not match (-1022)
        creds = Credentials(key, signer, signer.key_type)
        transport = new_transport() if new_transport is not None else None
        with connect(base_url, creds, clock=clock, transport=transport, budget=budget) as client:
            result = check_key(client, now=clock.now(), ip_restricted=False if no_whitelist else None)
        reason, status = result.reason, result.status
        if status != "live" and result.code == -2015 and not no_whitelist:
            status = "indeterminate"
            reason = (
                f"rejected with -2015: the key {mask_key(key)} is deleted, or it has an IP whitelist "
                "this machine is not on; treat it as live until API Management shows it gone"
            )
        perms = result.restrictions.as_dict() if result.restrictions is not None else None
        verdict = Verdict(status, reason, perms, result.code, result.unreachable)
        if result.code != -1022:
            break
    return verdict
