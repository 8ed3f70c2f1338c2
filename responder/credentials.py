"""Where an API credential comes from: the environment or a masked prompt, never the command line;
and the one place a `Credentials` is built (`credentials_from`, which validates the key).

`BINANCE_API_KEY` plus either `BINANCE_API_SECRET` (HMAC) or `BINANCE_PRIVATE_KEY_FILE` (a PKCS#8
PEM, Ed25519 or RSA, with `BINANCE_PRIVATE_KEY_PASSPHRASE` when it is encrypted). What the
environment lacks is asked through an injected masked prompt. Every secret loaded is registered in
the run's `SecretRegistry`, so writers can refuse any payload that contains it.

Key format: Binance API keys are 64 letters and digits. Characters outside [A-Za-z0-9] are refused
(a copy-paste accident that Binance would answer with -2014 anyway); another length is accepted with a
warning, because simulators and other Binance-compatible servers may issue keys of other lengths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from responder.errors import CredentialError
from responder.exchange.signing import HmacSigner, KeyType, Signer, signer_from_pem
from responder.secrets import Secret, SecretRegistry, mask_key

KEY_LENGTH = 64
_KEY_CHARS = re.compile(r"[A-Za-z0-9]+")
AskSecret = Callable[[str], str]


@dataclass(frozen=True)
class Credentials:
    """An API key and the signer holding its secret. `repr` shows only the masked key."""

    api_key: str
    signer: Signer
    key_type: KeyType
    warnings: tuple[str, ...] = ()

    @property
    def masked_key(self) -> str:
        return mask_key(self.api_key)

    def __repr__(self) -> str:
        return f"Credentials({self.masked_key}, {self.key_type})"


def check_api_key(raw: str) -> tuple[str, tuple[str, ...]]:
    """The key stripped of surrounding whitespace, and warnings. Refuses impossible characters."""
    key = raw.strip()
    if not key:
        raise CredentialError("the API key is empty", hint="set BINANCE_API_KEY or enter it when asked")
    if not _KEY_CHARS.fullmatch(key):
        raise CredentialError(
            f"the API key {mask_key(key)} contains characters other than letters and digits",
            hint="copy it again from API Management; Binance keys are 64 letters and digits",
        )
    if len(key) != KEY_LENGTH:
        return key, (f"the API key has {len(key)} characters; Binance keys have {KEY_LENGTH}",)
    return key, ()


def credentials_from(
    api_key: str,
    registry: SecretRegistry,
    *,
    secret: Secret | None = None,
    private_key_pem: Secret | None = None,
) -> Credentials:
    """Credentials for a key whose secret is already in memory (a drill's simulated key, the fresh
    read-only key given in the wizard): the key is checked, the secret registered."""
    key, warnings = check_api_key(api_key)
    if secret is not None:
        signer: Signer = HmacSigner(registry.add(secret))
    elif private_key_pem is not None:
        signer = signer_from_pem(registry.add(private_key_pem))
    else:
        raise CredentialError(f"no secret for the API key {mask_key(key)}")
    return Credentials(key, signer, signer.key_type, warnings)


def load_credentials(
    env: Mapping[str, str],
    registry: SecretRegistry,
    *,
    ask_secret: AskSecret | None = None,
    read_text: Callable[[Path], str] | None = None,
) -> Credentials:
    """Credentials from `env`, asking `ask_secret` (a masked prompt) for whatever is missing."""
    raw_key = env.get("BINANCE_API_KEY") or _ask(ask_secret, "Binance API key", "BINANCE_API_KEY")
    api_key, warnings = check_api_key(raw_key)
    secret_env, pem_path = env.get("BINANCE_API_SECRET"), env.get("BINANCE_PRIVATE_KEY_FILE")
    if secret_env and pem_path:
        raise CredentialError(
            "both BINANCE_API_SECRET and BINANCE_PRIVATE_KEY_FILE are set",
            hint="set only the one that fits this key",
        )
    if pem_path:
        signer: Signer = _pem_signer(Path(pem_path), env, registry, ask_secret, read_text or read_key_file)
    else:
        raw = secret_env or _ask(
            ask_secret, "API secret (HMAC)", "BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE"
        )
        secret = registry.add(Secret(raw.strip()))
        if not secret:
            raise CredentialError("the API secret is empty")
        signer = HmacSigner(secret)
    return Credentials(api_key, signer, signer.key_type, warnings)


MAX_KEY_FILE = 64 * 1024  # a PEM private key is a few hundred bytes


def read_key_file(path: Path) -> str:
    """The private key file: a regular UTF-8 file of at most 64 KiB (not /dev/zero, not /bin/ls)."""
    from responder.smallfile import read_small_text

    return read_small_text(path, what="private key file", limit=MAX_KEY_FILE, error=CredentialError)


def _ask(ask_secret: AskSecret | None, prompt: str, variable: str) -> str:
    if ask_secret is None:
        raise CredentialError(
            f"no {prompt} in the environment and no terminal to ask on",
            hint=f"set {variable} in the environment (never on the command line)",
        )
    return ask_secret(prompt)


def _pem_signer(
    path: Path,
    env: Mapping[str, str],
    registry: SecretRegistry,
    ask_secret: AskSecret | None,
    read_text: Callable[[Path], str],
) -> Signer:
    try:
        pem = registry.add(Secret(read_text(path.expanduser())))
    except OSError as exc:
        raise CredentialError(
            f"cannot read the private key file {path} ({exc.strerror or type(exc).__name__})"
        ) from None
    raw_pass = env.get("BINANCE_PRIVATE_KEY_PASSPHRASE")
    passphrase = registry.add(Secret(raw_pass)) if raw_pass else None
    try:
        return signer_from_pem(pem, passphrase)
    except CredentialError:
        if passphrase is not None or ask_secret is None or "ENCRYPTED" not in pem.reveal():
            raise
    asked = registry.add(Secret(ask_secret(f"Passphrase for {path.name}")))
    return signer_from_pem(pem, asked)
