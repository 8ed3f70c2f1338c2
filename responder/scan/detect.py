"""Detectors: Binance credentials in one text, as pure functions of (text) → hits.

A Binance HMAC key and its secret are 64 letters and digits each; RSA and Ed25519 keys are PKCS#8
private keys (reference §1.4–1.5). What makes a 64-character token a *Binance* credential is not its
shape alone, so each rule states its evidence and its false-positive caveats:

- `hmac-pair`: a token named like a key (`apiKey`, `BINANCE_API_KEY`, `key:`) and one named like a
  secret (`secret`, `secretKey`, `APISECRET`) within a few lines, or two quoted tokens passed side by
  side (`Client("…", "…")`). `key-only`: a named key with no secret near. `secret-only`: the reverse.
- `private-key`: a PEM block (`PRIVATE KEY`, `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, with real or
  `\\n`-escaped line breaks) or bare PKCS#8 base64 that loads as Ed25519 or RSA. EC, DSA and OpenSSH
  keys are not Binance API keys and are ignored.

Tokens must mix upper case, lower case and digits (a random 64-character Binance key does with
certainty 1 − 10⁻¹²; hex digests never do), and must not be part of a longer base64/base64url run
(lockfile `sha512-…` integrity hashes, JWTs). Binance context — the word "binance" or the
`X-MBX-APIKEY` header in the file, a sibling file, or the path — is decided by the caller per
directory (`has_binance_context`), so a PEM next to a note saying "binance" counts. Binance's own
documentation examples are flagged `example`, never reported as leaks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from responder.secrets import Secret, mask_key

Kind = Literal["hmac", "ed25519", "rsa", "key-only"]

# Binance's documentation keys (reference §1.3–1.4; faqs/api_key_types.md): shown, never leaks.
EXAMPLE_VALUES: Final = frozenset(
    {
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",  # rest-api.md HMAC key
        "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",  # …and its secret
        "CAvIjXy3F44yW6Pou5k8Dy1swsYDWJZLeoK2r8G4cFDnE9nosRppc2eKc1T8TRTQ",  # rest-api.md RSA key
        "Fhs4lGae2qAi6VNjbJjebUAwXrIChb7mlf372UOICMwdKaNdNBGKtfdeUff2TTTT",  # api_key_types.md HMAC
    }
)

_TOKEN: Final = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9]{64}(?![A-Za-z0-9+/=_\-])")
_IDENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_PEM: Final = re.compile(
    r"-----BEGIN ((?:ENCRYPTED |RSA )?PRIVATE KEY)-----(.{0,12000}?)-----END \1-----", re.DOTALL
)
_ANY_BLOCK: Final = re.compile(
    r"-----BEGIN [A-Z0-9 ]{1,40}-----.{0,12000}?-----END [A-Z0-9 ]{1,40}-----", re.DOTALL
)
# Bare PKCS#8 DER in base64: Ed25519 v1 (48 bytes) and v2 (with public key), RSA (MII…).
_BARE: Final = re.compile(
    r"(?<![A-Za-z0-9+/])(MC4CAQAwBQYDK2Vw[A-Za-z0-9+/]{48}|MFECAQEwBQYDK2Vw[A-Za-z0-9+/]{90,96}={0,2}"
    r"|MII[A-Za-z0-9+/]{5}ADANBgkqhkiG9w0BAQEFAASC[A-Za-z0-9+/]{800,4000}={0,2})(?![A-Za-z0-9+/])"
)
_CONTEXT: Final = re.compile(rb"(?i)binance|x-mbx-apikey")
PAIR_LINES: Final = 6  # a key and a secret further apart than this are not paired
PREFILTER: Final = re.compile(rb"[A-Za-z0-9]{64}|PRIVATE KEY-----|MC4CAQAw|MFECAQEw")


@dataclass(frozen=True)
class Hit:
    """One credential in one text. `api_key` is the raw key (never rendered unmasked)."""

    kind: Kind
    line: int
    api_key: str | None = field(repr=False)
    secret: Secret | None = None  # the HMAC secret, or the private key as PKCS#8/PKCS#1 PEM text
    fingerprint: str | None = None  # private keys: sha256 hex of the public key (or of the DER)
    encrypted: bool = False
    example: bool = False
    rule: str = ""

    @property
    def identity(self) -> str:
        """What makes two hits the same credential: the key, else the private key's fingerprint."""
        if self.api_key:
            return self.api_key
        if self.fingerprint:
            return f"fp:{self.fingerprint}"
        return f"secret:{hashlib.sha256(self.secret.reveal().encode()).hexdigest() if self.secret else ''}"

    @property
    def masked(self) -> str:
        if self.api_key:
            return mask_key(self.api_key)
        if self.fingerprint:
            return f"SHA256:{self.fingerprint[:4]}…{self.fingerprint[-4:]}"
        return "(key not found)"


def prefilter(data: bytes) -> bool:
    """Cheap test on raw bytes: could this text hold a credential at all?"""
    return PREFILTER.search(data) is not None


def has_binance_context(data: bytes, path: str) -> bool:
    """The text or its path mentions Binance (the caller applies it to the whole directory)."""
    return "binance" in path.lower() or _CONTEXT.search(data) is not None


@dataclass(frozen=True)
class Text:
    """One text, prepared once for every rule: where lines start, and the spans of key blocks."""

    text: str
    starts: tuple[int, ...]
    blocks: tuple[tuple[int, int], ...]  # -----BEGIN …----- … -----END …----- (keys, certificates)
    bare: tuple[tuple[int, int], ...]  # bare PKCS#8 base64 outside blocks

    @classmethod
    def of(cls, text: str) -> Text:
        starts = (0, *(m.end() for m in re.finditer("\n", text)))
        blocks = tuple(m.span() for m in _ANY_BLOCK.finditer(text)) if "-----BEGIN" in text else ()
        bare = tuple(m.span() for m in _BARE.finditer(text) if not _inside(m.start(), blocks))
        return cls(text, starts, blocks, bare)

    def line(self, pos: int) -> int:
        return bisect_right(self.starts, pos)


Rule = Callable[[Text], list[Hit]]


def pem_private_keys(t: Text) -> list[Hit]:
    """`private-key-pem`: a PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` block that
    loads as Ed25519 or RSA (line breaks real, `\\n`-escaped, or split into quoted literals).

    False positives: a test fixture key (it is still a private key next to Binance context). An
    encrypted key cannot be loaded, so its type is guessed from its size and its fingerprint is that
    of the encrypted DER.
    """
    found: list[Hit] = []
    if "PRIVATE KEY-----" not in t.text:
        return found
    for m in _PEM.finditer(t.text):
        label = "ENCRYPTED PRIVATE KEY" if "ENCRYPTED" in m.group(2) else m.group(1)
        body = re.sub(r"Proc-Type:[^\n\\]*|DEK-Info:[^\n\\]*", "", m.group(2))
        body = re.sub(r"\\[nr]|[\"']\s*\+?\s*[\"']|[\s\"',]", "", body)  # "…\n" + "…" joins
        hit = _load(label, body, t.line(m.start()), "private-key-pem")
        if hit is not None:
            found.append(hit)
    return found


def bare_private_keys(t: Text) -> list[Hit]:
    """`private-key-base64`: PKCS#8 DER in base64 outside any PEM block — Ed25519 (`MC4CAQAw…`, 64
    characters; `MFECAQEw…` with its public key) or RSA (`MII…` with the rsaEncryption OID).

    False positives: none known; the prefix is the DER structure and the key must load.
    """
    found: list[Hit] = []
    for start, end in t.bare:
        hit = _load("PRIVATE KEY", t.text[start:end], t.line(start), "private-key-base64")
        if hit is not None:
            found.append(hit)
    return found


def hmac_credentials(t: Text) -> list[Hit]:
    """`hmac-pair`, `key-only`, `secret-only`: 64-character tokens (mixed case and digits, not part
    of a longer base64/base64url run, not inside a key block) named like a key or a secret, paired
    within `PAIR_LINES` lines; or two quoted call arguments side by side.

    False positives: another service's 64-character key named `api_key` in a directory that mentions
    Binance. Missed: unnamed tokens, keys assembled at run time.
    """
    owned = t.blocks + t.bare
    tokens = [m for m in _TOKEN.finditer(t.text) if _plausible(m.group()) and not _inside(m.start(), owned)]
    return _pairs(t, tokens)


RULES: tuple[Rule, ...] = (pem_private_keys, bare_private_keys, hmac_credentials)


def find_credentials(text: str, rules: tuple[Rule, ...] = RULES) -> list[Hit]:
    """Every candidate credential in `text`; a private key takes the API key beside it."""
    if not rules:
        raise ValueError("no detection rules: refusing to report a scan that could not find anything")
    t = Text.of(text)
    return _attach_keys([hit for rule in rules for hit in rule(t)])


def _plausible(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
        and not token.startswith(("MC4CAQAw", "MFECAQEw"))
    )


def _inside(pos: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(a <= pos < b for a, b in spans)


Role = Literal["key", "secret", "positional", "other"]


def _role(text: str, token: re.Match[str], prev_end: int) -> Role:
    """What the name before the token calls it (same line, after the previous token)."""
    line_start = text.rfind("\n", 0, token.start()) + 1
    prefix = text[max(line_start, prev_end, token.start() - 80) : token.start()]
    names = _IDENT.findall(prefix)
    if names:
        name = names[-1].lower()
        if "secret" in name or "private" in name:
            return "secret"
        if "key" in name:
            return "key"
    opener = prefix.rstrip("'\"` ")
    # a quoted call argument, `Client("…", "…")`: the first after "(", the next after "," or a line break
    if prefix.endswith(("'", '"', "`")) and (not opener or opener.endswith(("(", ","))):
        return "positional"
    return "other"


def _pairs(t: Text, tokens: list[re.Match[str]]) -> list[Hit]:
    found: dict[Role, list[tuple[int, str]]] = {"key": [], "secret": [], "positional": [], "other": []}
    prev_end = 0
    for m in tokens:
        found[_role(t.text, m, prev_end)].append((t.line(m.start()), m.group()))
        prev_end = m.end()
    keys, secrets, positional = found["key"], found["secret"], found["positional"]
    n = 0
    while n + 1 < len(positional):  # two quoted arguments side by side: (key, secret), in that order
        a, b = positional[n], positional[n + 1]
        if b[0] - a[0] <= 2 and a[1] != b[1]:
            keys.append(a)
            secrets.append(b)
            n += 2
        else:
            n += 1
    return _match(keys, secrets)


def _match(keys: list[tuple[int, str]], secrets: list[tuple[int, str]]) -> list[Hit]:
    hits: list[Hit] = []
    free = list(dict.fromkeys(secrets))
    for line, key in dict.fromkeys(keys):
        near = [s for s in free if abs(s[0] - line) <= PAIR_LINES and s[1] != key]
        if near:
            best = min(near, key=lambda s: (abs(s[0] - line), s[0] < line))
            free.remove(best)
            example = key in EXAMPLE_VALUES or best[1] in EXAMPLE_VALUES
            hits.append(Hit("hmac", line, key, Secret(best[1]), example=example, rule="hmac-pair"))
        else:
            hits.append(Hit("key-only", line, key, example=key in EXAMPLE_VALUES, rule="key-only"))
    used = {k for _, k in keys}
    for line, secret in free:
        if secret not in used:
            hits.append(
                Hit("hmac", line, None, Secret(secret), example=secret in EXAMPLE_VALUES, rule="secret-only")
            )
    return hits


def _load(label: str, body: str, line: int, rule: str) -> Hit | None:
    """A PKCS#8/PKCS#1 key body as a hit: Ed25519 or RSA only; an encrypted one kept as such."""
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not der:
        return None
    pem = f"-----BEGIN {label}-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    pem += f"\n-----END {label}-----\n"
    if label == "ENCRYPTED PRIVATE KEY":  # type unknown without the passphrase: Ed25519 ones are tiny
        kind: Kind = "ed25519" if len(der) < 300 else "rsa"
        fp = hashlib.sha256(der).hexdigest()
        return Hit(kind, line, None, Secret(pem), fp, encrypted=True, rule=rule)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, NotImplementedError):
        return None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        kind = "ed25519"
    elif isinstance(key, rsa.RSAPrivateKey):
        kind = "rsa"
    else:
        return None
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return Hit(kind, line, None, Secret(pkcs8), hashlib.sha256(public).hexdigest(), rule=rule)


def _attach_keys(hits: list[Hit]) -> list[Hit]:
    """A private key takes the nearest API key in the same text (key-only hits within 10 lines)."""
    keys = [h for h in hits if h.kind == "key-only"]
    out: list[Hit] = []
    taken: set[int] = set()
    for h in hits:
        if h.kind in ("ed25519", "rsa") and h.api_key is None:
            near = [k for k in keys if abs(k.line - h.line) <= 10 and id(k) not in taken]
            if near:
                k = min(near, key=lambda k: abs(k.line - h.line))
                taken.add(id(k))
                out.append(
                    Hit(h.kind, h.line, k.api_key, h.secret, h.fingerprint, h.encrypted, k.example, h.rule)
                )
                continue
        out.append(h)
    return [h for h in out if id(h) not in taken]
