"""Server-side signature verification, as Binance checks it (reference §1): HMAC-SHA256, Ed25519, RSA.

The client's signing lives in the product (`responder/exchange/signing.py`); this is the other side,
kept apart on purpose so the simulator stands alone and a signing bug on one side cannot hide in a
shared helper. HMAC hex compares case-insensitively; Ed25519 and RSA signatures arrive
percent-encoded base64 (case-sensitive) and are checked against the key's public PEM.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote

KEY_TYPES = ("HMAC", "ED25519", "RSA")


def verify_signature(
    key_type: str,
    payload: str,
    signature_param: str,
    *,
    secret: str | None = None,
    public_pem: str | None = None,
) -> bool:
    """Does `signature_param` (as received, still percent-encoded for Ed25519/RSA) sign `payload`?"""
    if key_type == "HMAC":
        if secret is None:
            return False
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature_param.lower())
    if key_type not in KEY_TYPES or public_pem is None:
        return False
    return _verify_asymmetric(key_type, payload, signature_param, public_pem)


def _verify_asymmetric(key_type: str, payload: str, signature_param: str, public_pem: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        raw = base64.b64decode(unquote(signature_param), validate=True)
        pub = load_pem_public_key(public_pem.encode())
        if key_type == "ED25519" and isinstance(pub, Ed25519PublicKey):
            pub.verify(raw, payload.encode())
            return True
        if key_type == "RSA" and isinstance(pub, RSAPublicKey):
            pub.verify(raw, payload.encode(), padding.PKCS1v15(), hashes.SHA256())
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
