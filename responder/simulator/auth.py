"""Request security exactly as Binance checks it (reference §1, §8): parameters, key, timing, signature.

Parameters may come in the query string, a form body, or both; the query copy wins; a name twice in
one part is -1101. The signature covers the exact raw query string (minus `signature=`) followed by
the raw body, with no separator and no re-encoding. HMAC compares hex case-insensitively; Ed25519
and RSA signatures are percent-decoded base64 verified against the key's public PEM.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from responder.simulator.keys import SimKey
from responder.simulator.signature import verify_signature
from responder.simulator.wire import ApiError, SimRequest, illegal, mandatory

_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{64}$")
MAX_RECV_WINDOW = 60000
REJECTED_KEY = "Invalid API-key, IP, or permissions for action."


def _pairs(raw: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ApiError(-1100, "Illegal characters found in a parameter.") from None


def parse_params(req: SimRequest) -> dict[str, str]:
    """Merged parameters: query wins over body; duplicates within one part are rejected."""
    merged: dict[str, str] = {}
    for part in (req.body, req.query):  # query last, so its copy wins
        seen: set[str] = set()
        for name, value in _pairs(part):
            if name in seen:
                raise ApiError(-1101, "Duplicate values for a parameter detected.")
            seen.add(name)
            merged[name] = value
    return merged


def _without_signature(raw: str) -> str:
    return "&".join(p for p in raw.split("&") if p and not p.startswith("signature="))


def signed_payload(req: SimRequest) -> str:
    """What the client must have signed: raw query (minus signature) + raw body (minus signature)."""
    return _without_signature(req.query) + _without_signature(req.body)


def check_key_header(req: SimRequest) -> str:
    """The X-MBX-APIKEY value, after the format check (-2014; a missing key is malformed too)."""
    api_key = req.headers.get("x-mbx-apikey", "")
    if not _KEY_FORMAT.match(api_key):
        raise ApiError(-2014, "API-key format invalid.", 401)
    return api_key


def check_timing(params: dict[str, str], now_ms: int) -> None:
    """timestamp/recvWindow rules: -1102 when missing or malformed, -1021 with Binance's two messages."""
    raw_window = params.get("recvWindow")
    window = Decimal(5000)
    if raw_window is not None:
        try:
            window = Decimal(raw_window)
        except InvalidOperation:
            raise mandatory("recvWindow") from None
        if not window.is_finite() or window <= 0 or window.as_tuple().exponent < -3:  # type: ignore[operator]  # finite
            raise mandatory("recvWindow")
        if window > MAX_RECV_WINDOW:
            raise ApiError(
                -1102, f"'recvWindow' contains unexpected value. Cannot be greater than {MAX_RECV_WINDOW}."
            )
    raw_ts = params.get("timestamp")
    if not raw_ts:
        raise mandatory("timestamp")
    if not raw_ts.isdigit():
        raise illegal("timestamp")
    ts = int(raw_ts)
    if ts > 100_000_000_000_000:  # microseconds (accepted since 2024-12)
        ts //= 1000
    if ts >= now_ms + 1000:
        raise ApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if now_ms - ts > window:
        raise ApiError(-1021, "Timestamp for this request is outside of the recvWindow.")


def check_signature(req: SimRequest, params: dict[str, str], key: SimKey) -> None:
    sig = _raw_signature(req)
    if sig is None or not params.get("signature"):
        raise mandatory("signature")
    secret = key.secret.reveal() if key.secret is not None else None
    if not verify_signature(key.type, signed_payload(req), sig, secret=secret, public_pem=key.public_pem):
        raise ApiError(-1022, "Signature for this request is not valid.")


def _raw_signature(req: SimRequest) -> str | None:
    """The signature as received (still percent-encoded); the query copy wins over the body."""
    for raw in (req.query, req.body):
        for part in raw.split("&"):
            if part.startswith("signature="):
                return part[len("signature=") :]
    return None


def check_access(
    key: SimKey | None, client_ip: str, *, sapi: bool, permission: str | None, account_disabled: bool
) -> SimKey:
    """Key state, IP whitelist, permission: -2015 (HTTP 401); a missing SAPI permission is -1002."""
    if key is None or not key.active or account_disabled:
        raise ApiError(-2015, REJECTED_KEY, 401)
    if key.ip_whitelist and client_ip not in key.ip_whitelist:
        raise ApiError(-2015, f"{REJECTED_KEY[:-1]}, request ip: {client_ip}", 401)
    if permission and not key.allows(permission):
        if sapi:
            raise ApiError(-1002, "You are not authorized to execute this request.", 401)
        raise ApiError(-2015, REJECTED_KEY, 401)
    return key
