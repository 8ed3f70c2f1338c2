"""Simulated API keys: material made deterministically from the scenario seed, and their state.

HMAC secrets and Ed25519 private keys derive from the seed, so a scenario always issues the same
credentials (simulated only; never real). RSA keys cannot be derived from a seed with our crypto
library, so they are generated fresh per run. The private material is wrapped in `SimSecret` (masked
when printed; a host converts it to its own secret type); the simulator itself only keeps what
Binance keeps: the HMAC secret or the public key.
"""

from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass, field
from typing import NoReturn

from responder.simulator.scenario import KeySpec

_ALNUM = string.ascii_letters + string.digits


class SimSecret:
    """Simulated key material that refuses to be shown by accident; compare with `==`, read with reveal()."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        self.__value = value

    def reveal(self) -> str:
        return self.__value

    def __repr__(self) -> str:
        return "SimSecret(••••••••)"

    def __str__(self) -> str:
        return "••••••••"

    def __format__(self, spec: str) -> str:
        return "••••••••"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimSecret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash(("SimSecret", self.__value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SimSecret cannot be pickled")


def base62(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


@dataclass
class SimKey:
    """One API key of the simulated account. `state` is active or deleted (the control channel)."""

    name: str
    api_key: str
    type: str
    permissions: tuple[str, ...]
    create_ms: int
    ip_whitelist: tuple[str, ...] = ()
    secret: SimSecret | None = None
    private_key_pem: SimSecret | None = None
    public_pem: str | None = None
    state: str = "active"
    leaked: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.state == "active"

    def allows(self, permission: str) -> bool:
        return permission in self.permissions

    def credentials_json(self) -> dict[str, object]:
        """What `simulator serve` prints for this key (simulated credentials only)."""
        out: dict[str, object] = {
            "name": self.name,
            "api_key": self.api_key,
            "type": self.type,
            "permissions": list(self.permissions),
        }
        if self.secret is not None:
            out["secret"] = self.secret.reveal()
        if self.private_key_pem is not None:
            out["private_key_pem"] = self.private_key_pem.reveal()
        return out


def make_key(spec: KeySpec, seed: int, anchor_ms: int) -> SimKey:
    rng = random.Random(f"key:{seed}:{spec.name}")
    key = SimKey(
        spec.name,
        base62(rng, 64),
        spec.type,
        spec.permissions,
        anchor_ms + spec.created_s * 1000,
        spec.ip_whitelist,
        leaked=spec.leaked,
    )
    if spec.type == "HMAC":
        key.secret = SimSecret(base62(rng, 64))
        return key
    from cryptography.hazmat.primitives import serialization as ser

    if spec.type == "ED25519":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        raw = hashlib.sha256(f"ed25519:{seed}:{spec.name}".encode()).digest()
        priv = Ed25519PrivateKey.from_private_bytes(raw)
        pub = priv.public_key()
    else:
        from cryptography.hazmat.primitives.asymmetric import rsa

        rsa_priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        priv, pub = rsa_priv, rsa_priv.public_key()  # type: ignore[assignment]  # both key kinds serialise alike
    pem = priv.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()).decode()
    key.private_key_pem = SimSecret(pem)
    key.public_pem = pub.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode()
    return key
