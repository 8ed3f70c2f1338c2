"""Credentials come from the environment or a masked prompt, are validated, and are registered as secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from responder.credentials import check_api_key, load_credentials
from responder.errors import CredentialError
from responder.secrets import SecretRegistry

from .keys import ED_KEY, ED_PRIVATE_PEM, HMAC_KEY, HMAC_SECRET


def test_hmac_from_the_environment_is_registered() -> None:
    registry = SecretRegistry()
    creds = load_credentials({"BINANCE_API_KEY": HMAC_KEY, "BINANCE_API_SECRET": HMAC_SECRET}, registry)
    assert creds.key_type == "HMAC" and creds.api_key == HMAC_KEY and not creds.warnings
    assert registry.find_in(f"…{HMAC_SECRET}…")
    assert HMAC_SECRET not in repr(creds) and HMAC_KEY not in repr(creds)


def test_ed25519_pem_file(tmp_path: Path) -> None:
    pem = tmp_path / "key.pem"
    pem.write_text(ED_PRIVATE_PEM)
    registry = SecretRegistry()
    creds = load_credentials({"BINANCE_API_KEY": ED_KEY, "BINANCE_PRIVATE_KEY_FILE": str(pem)}, registry)
    assert creds.key_type == "ED25519"
    assert registry.find_in("MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g")


def _encrypted_pem(tmp_path: Path, passphrase: bytes) -> Path:
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )  # fmt: skip
    path = tmp_path / "enc.pem"
    path.write_bytes(data)
    return path


def test_encrypted_pem_with_passphrase_from_env_or_prompt(tmp_path: Path) -> None:
    path = _encrypted_pem(tmp_path, b"correct horse")
    env = {"BINANCE_API_KEY": ED_KEY, "BINANCE_PRIVATE_KEY_FILE": str(path)}
    assert load_credentials(
        {**env, "BINANCE_PRIVATE_KEY_PASSPHRASE": "correct horse"}, SecretRegistry()
    ).key_type
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "correct horse"

    registry = SecretRegistry()
    creds = load_credentials(env, registry, ask_secret=ask)
    assert creds.key_type == "ED25519" and asked == ["Passphrase for enc.pem"]
    assert registry.find_in("correct horse")
    with pytest.raises(CredentialError, match="encrypted"):
        load_credentials(env, SecretRegistry())


def test_missing_values_are_asked_for_with_a_masked_prompt() -> None:
    asked: list[str] = []
    answers = {"Binance API key": f"  {HMAC_KEY}\n", "API secret (HMAC)": HMAC_SECRET}

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return answers[prompt]

    creds = load_credentials({}, SecretRegistry(), ask_secret=ask)
    assert creds.api_key == HMAC_KEY and asked == ["Binance API key", "API secret (HMAC)"]


def test_without_a_prompt_missing_values_name_the_variables() -> None:
    with pytest.raises(CredentialError) as info:
        load_credentials({"BINANCE_API_KEY": HMAC_KEY}, SecretRegistry())
    assert (
        "BINANCE_API_SECRET" in info.value.one_line() and "never on the command line" in info.value.one_line()
    )


def test_both_secret_kinds_set_is_refused(tmp_path: Path) -> None:
    env = {
        "BINANCE_API_KEY": HMAC_KEY,
        "BINANCE_API_SECRET": HMAC_SECRET,
        "BINANCE_PRIVATE_KEY_FILE": "x.pem",
    }
    with pytest.raises(CredentialError) as info:
        load_credentials(env, SecretRegistry())
    assert "only the one" in info.value.one_line()


def test_unreadable_key_file(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="cannot read"):
        load_credentials({"BINANCE_API_KEY": HMAC_KEY, "BINANCE_PRIVATE_KEY_FILE": str(tmp_path / "no.pem")},
                         SecretRegistry())  # fmt: skip


def test_key_format() -> None:
    assert check_api_key(f" {HMAC_KEY} ") == (HMAC_KEY, ())
    key, warnings = check_api_key("A" * 40)
    assert key == "A" * 40 and "64" in warnings[0]
    with pytest.raises(CredentialError) as info:
        check_api_key(HMAC_KEY[:30] + "-" + HMAC_KEY[31:])
    assert HMAC_KEY[5:20] not in info.value.one_line()
    with pytest.raises(CredentialError, match="empty"):
        check_api_key("   ")
