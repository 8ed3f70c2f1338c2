"""The pure detectors, table-driven: every shape a Binance credential takes, and the traps."""

from __future__ import annotations

import base64
import random

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from responder.scan.detect import Hit, find_credentials, has_binance_context, prefilter

from .repo_builder import EXAMPLE_KEY, EXAMPLE_SECRET, token

RNG = random.Random(11)
K, S = token(RNG), token(RNG)
ED = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ED_DER = ED.private_bytes(
    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
ED_PEM = ED.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_B64 = base64.b64encode(
    RSA.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
).decode()
RSA_PKCS1_PEM = RSA.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
).decode()


def kinds(text: str) -> list[tuple[str, str | None, bool]]:
    """(kind, api key, has secret) for each hit."""
    return [(h.kind, h.api_key, h.secret is not None) for h in find_credentials(text)]


PAIRS = {
    ".env": f"BINANCE_API_KEY={K}\nBINANCE_API_SECRET={S}\n",
    "shell export": f'export BINANCE_KEY="{K}"\nexport BINANCE_SECRET="{S}"\n',
    "yaml": f"binance:\n  api_key: {K}\n  api_secret: {S}\n",
    "toml": f'[binance]\nkey = "{K}"\nsecret = "{S}"\n',
    "ini": f"[binance]\napikey={K}\nsecretkey={S}\n",
    "json one line": f'{{"exchange": {{"name": "binance", "key": "{K}", "secret": "{S}"}}}}',
    "freqtrade": f'"exchange": {{\n  "name": "binance",\n  "key": "{K}",\n  "secret": "{S}",\n}}',
    "ccxt python": f"ex = ccxt.binance({{'apiKey': '{K}', 'secret': '{S}'}})",
    "ccxt js": f"const ex = new ccxt.binance({{ apiKey: '{K}', secret: '{S}' }});",
    "python-binance keywords": f'Client(api_key="{K}", api_secret="{S}")',
    "python-binance positional": f'client = Client("{K}", "{S}")',
    "python-binance two lines": f'client = Client(\n    "{K}",\n    "{S}",\n)',
    "connector": f"Spot(api_key='{K}', api_secret='{S}')",
    "node-binance-api": f"binance.options({{ APIKEY: '{K}', APISECRET: '{S}' }});",
    "go": f'client := binance.NewClient("{K}", "{S}")',
    "go vars": f'apiKey := "{K}"\nsecretKey := "{S}"\n',
    "mcp env": f'"env": {{\n  "BINANCE_API_KEY": "{K}",\n  "BINANCE_SECRET_KEY": "{S}"\n}}',
    "python getenv default": f'API_KEY = os.getenv("BINANCE_API_KEY", "{K}")\nSECRET = "{S}"\n',
}


@pytest.mark.parametrize("shape", PAIRS)
def test_an_hmac_pair_is_found_in_every_shape(shape: str) -> None:
    assert kinds(PAIRS[shape]) == [("hmac", K, True)]


def test_the_pair_carries_the_secret_and_the_line_of_the_key() -> None:
    (hit,) = find_credentials("# bot\n\n" + PAIRS[".env"])
    assert hit.line == 3 and hit.secret is not None and hit.secret.reveal() == S
    assert hit.masked == f"{K[:4]}…{K[-4:]}" and K not in repr(hit) and S not in repr(hit)


def test_a_key_alone_is_key_only_and_a_secret_alone_is_reported_without_a_key() -> None:
    assert kinds(f"BINANCE_API_KEY={K}\n") == [("key-only", K, False)]
    assert kinds(f"BINANCE_API_SECRET={S}\n") == [("hmac", None, True)]


def test_a_key_and_a_secret_too_far_apart_are_not_paired() -> None:
    text = f"api_key={K}\n" + "\n" * 20 + f"api_secret={S}\n"
    assert sorted(kinds(text), key=str) == sorted([("key-only", K, False), ("hmac", None, True)], key=str)


def test_two_pairs_in_one_file_pair_each_key_with_its_nearest_secret() -> None:
    k2, s2 = token(RNG), token(RNG)
    text = f"key={K}\nsecret={S}\n\n\nkey={k2}\nsecret={s2}\n"
    hits = {h.api_key: h.secret.reveal() for h in find_credentials(text) if h.secret}
    assert hits == {K: S, k2: s2}


def test_binance_documentation_examples_are_flagged() -> None:
    (hit,) = find_credentials(f"apiKey {EXAMPLE_KEY}\nsecretKey {EXAMPLE_SECRET}\n")
    assert hit.example and hit.kind == "hmac"
    (alone,) = find_credentials(
        "X-MBX-APIKEY: Fhs4lGae2qAi6VNjbJjebUAwXrIChb7mlf372UOICMwdKaNdNBGKtfdeUff2TTTT"
    )
    assert alone.example and alone.kind == "key-only"
    assert not any(h.example for h in find_credentials(PAIRS[".env"]))


def test_ed25519_pem_takes_the_api_key_next_to_it() -> None:
    (hit,) = find_credentials(f"BINANCE_API_KEY={K}\n{ED_PEM}")
    assert hit.kind == "ed25519" and hit.api_key == K and hit.rule == "private-key-pem"
    assert hit.secret is not None and "PRIVATE KEY" in hit.secret.reveal()


def test_private_keys_in_every_encoding() -> None:
    bare = base64.b64encode(ED_DER).decode()
    escaped = '{"privateKey": "' + ED_PEM.replace("\n", "\\n") + '"}'
    concatenated = "PEM = (\n" + "\n".join(f'    "{line}\\n"' for line in ED_PEM.splitlines()) + "\n)"
    encrypted = ED.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    for text, kind in [
        (f"BINANCE_PRIVATE_KEY={bare}\n", "ed25519"),
        (escaped, "ed25519"),
        (concatenated, "ed25519"),
        (f"key={RSA_B64}\n", "rsa"),
        (RSA_PKCS1_PEM, "rsa"),
    ]:
        assert [h.kind for h in find_credentials(text)] == [kind], text[:40]
    (enc,) = find_credentials(encrypted)
    assert enc.kind == "ed25519" and enc.encrypted and enc.fingerprint


def test_the_fingerprint_is_the_public_keys_and_the_same_in_every_encoding() -> None:
    a = find_credentials(ED_PEM)[0]
    b = find_credentials(base64.b64encode(ED_DER).decode())[0]
    assert a.fingerprint == b.fingerprint and a.identity == b.identity
    assert a.masked.startswith("SHA256:") and a.fingerprint is not None and len(a.fingerprint) == 64


def test_keys_that_are_not_binance_key_types_are_ignored() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    assert find_credentials("binance\n" + ec_pem) == []
    assert (
        find_credentials(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----"
        )
        == []
    )


TRAPS = {
    "sha256 hex digest": "binance sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "upper-case hex digest": "api_key: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
    "lockfile integrity": f'"integrity": "sha512-{K}{S[:22]}=="',
    "base64 run": f"key: {K}+{S}/AAAA==",
    "base64url run": f"key: {K}_{S}",
    "longer token": f"api_key={K}{S[:3]}",
    "a token without a name": f"binance {K}",
    "a name that is not a credential": f"binance_order_hash = '{K}'\nsignature = '{S}'",
    "no digits": "api_key=" + "Ab" * 32,
    "public key block": "binance\n-----BEGIN PUBLIC KEY-----\n"
    + f"{K}\n{S}\n"
    + "-----END PUBLIC KEY-----\n",
    "certificate": f"-----BEGIN CERTIFICATE-----\nkey={K}\nsecret={S}\n-----END CERTIFICATE-----\n",
}


@pytest.mark.parametrize("trap", TRAPS)
def test_traps_are_not_credentials(trap: str) -> None:
    assert find_credentials(TRAPS[trap]) == []


def test_binance_context_comes_from_the_text_or_the_path() -> None:
    assert has_binance_context(b"exchange: Binance", "a/b.yaml")
    assert has_binance_context(b"X-MBX-APIKEY", "a/b.txt")
    assert has_binance_context(b"nothing", "bots/binance/.env")
    assert not has_binance_context(b"api_key = x", "weather/settings.ini")


def test_prefilter_passes_everything_the_detectors_find() -> None:
    for text in [*PAIRS.values(), ED_PEM, base64.b64encode(ED_DER).decode()]:
        assert prefilter(text.encode())
    assert not prefilter(b"short tokens only: abc123")


def test_hits_are_frozen_values() -> None:
    hit = find_credentials(PAIRS[".env"])[0]
    assert isinstance(hit, Hit)
    with pytest.raises(AttributeError):
        hit.line = 3  # type: ignore[misc]


def test_quoted_arguments_pair_once_and_unnamed_assignments_do_not_count() -> None:
    third = token(RNG)
    hits = find_credentials(f'binance.Client("{K}", "{S}", "{third}")')
    assert [(h.kind, h.api_key) for h in hits] == [("hmac", K)]
    assert find_credentials(f'value = "{K}"\nother = "{S}"\n') == []


def test_every_rule_documents_what_it_flags_and_an_empty_rule_set_fails_closed() -> None:
    from responder.scan.detect import RULES

    assert RULES
    for rule in RULES:
        doc = rule.__doc__ or ""
        assert "`" in doc.splitlines()[0] and "False positives" in doc, rule.__name__
    with pytest.raises(ValueError, match="no detection rules"):
        find_credentials(PAIRS[".env"], rules=())
