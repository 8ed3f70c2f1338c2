"""Signing reproduces Binance's published vectors (reference §1.3) and the Ed25519 vector (§1.5)."""

from __future__ import annotations

import pytest

from responder.errors import CredentialError
from responder.exchange.signing import HmacSigner, encode_params, signer_from_pem
from responder.secrets import Secret
from responder.simulator.signature import verify_signature  # the server side: our signatures pass it

from .keys import ED_PRIVATE_PEM, ED_PUBLIC_PEM, HMAC_SECRET

ORDER = [
    ("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", 1),
    ("price", "0.1"), ("recvWindow", 5000), ("timestamp", 1499827319559),
]  # fmt: skip
H1 = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
H2 = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
H3 = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
RSA_EXAMPLE = [
    ("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", 1),
    ("price", "0.2"), ("timestamp", 1668481559918), ("recvWindow", 5000),
]  # fmt: skip
ED1 = "XtZirsmmi0noRzUfkqktvkVfxpkq%2FWtbLg2UOL3QGYdUBZVlqOBEMuEVw8zioY93N54NcKj9UuAXQEa9zgTDBg%3D%3D"
ED2_B64 = "FWYdifsZ1T+XvAR4JXeCD399kQM9CBUnEKjWb0+jS1X00g+LgvtR8uBv2T7dn1gFf9GPIhHnYlM+6vBsJOnMDA=="


def test_hmac_h1_plain_ascii_payload() -> None:
    payload = encode_params(ORDER)
    assert payload == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert HmacSigner(Secret(HMAC_SECRET)).sign(payload) == H1


def test_hmac_h2_signs_the_percent_encoded_non_ascii_symbol() -> None:
    payload = encode_params([("symbol", "１２３４５６"), *ORDER[1:]])
    assert payload.startswith("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY")
    assert HmacSigner(Secret(HMAC_SECRET)).sign(payload) == H2


def test_hmac_h3_signs_query_and_body_joined_without_separator() -> None:
    query, body = encode_params(ORDER[:4]), encode_params(ORDER[4:])
    assert HmacSigner(Secret(HMAC_SECRET)).sign(query + body) == H3
    assert verify_signature(
        "HMAC", query + body, H3.upper(), secret=HMAC_SECRET
    )  # hex compares case-insensitively


def test_ed25519_vector_is_base64_percent_encoded() -> None:
    signer = signer_from_pem(Secret(ED_PRIVATE_PEM))
    assert signer.key_type == "ED25519"
    signature = signer.sign(encode_params(RSA_EXAMPLE))
    assert signature == ED1
    assert verify_signature("ED25519", encode_params(RSA_EXAMPLE), signature, public_pem=ED_PUBLIC_PEM)


def test_ed25519_vector_over_non_ascii_symbol() -> None:
    payload = encode_params([("symbol", "１２３４５６"), *RSA_EXAMPLE[1:]])
    signature = signer_from_pem(Secret(ED_PRIVATE_PEM)).sign(payload)
    assert signature == ED2_B64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def test_a_tampered_payload_does_not_verify() -> None:
    payload = encode_params(RSA_EXAMPLE)
    signature = signer_from_pem(Secret(ED_PRIVATE_PEM)).sign(payload)
    assert not verify_signature(
        "ED25519", payload.replace("SELL", "BUY"), signature, public_pem=ED_PUBLIC_PEM
    )


def test_rsa_key_signs_pkcs1v15_and_verifies() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    signature = signer_from_pem(Secret(pem)).sign(encode_params(RSA_EXAMPLE))
    assert "%2F" in signature or "%2B" in signature or "%3D" in signature
    assert verify_signature("RSA", encode_params(RSA_EXAMPLE), signature, public_pem=public)


def test_garbage_pem_is_a_credential_error_without_key_material() -> None:
    with pytest.raises(CredentialError) as info:
        signer_from_pem(
            Secret("-----BEGIN PRIVATE KEY-----\nNOTAKEYNOTAKEYNOTAKEY\n-----END PRIVATE KEY-----\n")
        )
    assert "NOTAKEY" not in str(info.value)
