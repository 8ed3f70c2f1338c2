"""Request signing exactly as Binance REST checks it (reference §1.2–§1.5). Pure; no I/O.

The signed payload is the exact bytes sent: the percent-encoded query string concatenated with the
request body, no separator, no sorting. HMAC-SHA256 gives lower-case hex; Ed25519 and RSA
(PKCS#1 v1.5, SHA-256) give standard base64, which must itself be percent-encoded when placed in
the request. The WebSocket API signs differently (sorted, apiKey included, raw UTF-8): not here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import quote

from responder.errors import CredentialError
from responder.secrets import Secret

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

KeyType = Literal["HMAC", "ED25519", "RSA"]

# Characters left as-is by percent-encoding: RFC 3986 unreserved. Everything else (including
# space, "+", "/", "=", ",", "[", '"') is escaped, and the escaped form is what is sent and signed,
# so the signature holds whichever way Binance treats reserved characters (reference §9 item 1).
_SAFE = "-_.~"


def encode_value(value: object) -> str:
    """Percent-encode one parameter value (UTF-8 bytes as %XX)."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return quote(text, safe=_SAFE, encoding="utf-8")


def encode_params(params: Iterable[tuple[str, object]]) -> str:
    """`name=value&...` in the given order, percent-encoded. This string is sent and signed as-is."""
    return "&".join(f"{quote(k, safe=_SAFE)}={encode_value(v)}" for k, v in params)


class Signer(Protocol):
    key_type: KeyType

    def sign(self, payload: str) -> str:
        """The value of the `signature` parameter, ready to append (already percent-encoded)."""
        ...


class HmacSigner:
    key_type: KeyType = "HMAC"

    def __init__(self, secret: Secret) -> None:
        if not secret:
            raise CredentialError("the API secret is empty")
        self._secret = secret

    def sign(self, payload: str) -> str:
        return hmac.new(self._secret.reveal().encode(), payload.encode(), hashlib.sha256).hexdigest()


class Ed25519Signer:
    key_type: KeyType = "ED25519"

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, payload: str) -> str:
        raw = self._key.sign(payload.encode())
        return quote(base64.b64encode(raw).decode(), safe="")


class RsaSigner:
    key_type: KeyType = "RSA"

    def __init__(self, key: RSAPrivateKey) -> None:
        self._key = key

    def sign(self, payload: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        raw = self._key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())
        return quote(base64.b64encode(raw).decode(), safe="")


def signer_from_pem(pem: Secret, passphrase: Secret | None = None) -> Ed25519Signer | RsaSigner:
    """Load a PKCS#8 PEM private key (Ed25519 or RSA 2048–4096). Errors never include key material."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(
            pem.reveal().encode(), password=passphrase.reveal().encode() if passphrase else None
        )
    except TypeError:
        raise CredentialError(
            "the private key file is encrypted", hint="set BINANCE_PRIVATE_KEY_PASSPHRASE or enter it"
        ) from None
    except (ValueError, Exception):
        raise CredentialError(
            "the private key file is not a readable PEM private key (wrong passphrase, or not PKCS#8 PEM)"
        ) from None
    if isinstance(key, Ed25519PrivateKey):
        return Ed25519Signer(key)
    if isinstance(key, RSAPrivateKey):
        if not 2048 <= key.key_size <= 4096:
            raise CredentialError(f"RSA keys must be 2048–4096 bits; this one is {key.key_size}")
        return RsaSigner(key)
    raise CredentialError("the private key is neither Ed25519 nor RSA; Binance accepts only those")
