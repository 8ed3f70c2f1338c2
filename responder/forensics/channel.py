"""Which channel placed an order, read from its clientOrderId (reference §5) — a heuristic, not proof.

Binance documents none of these prefixes: `web_`/`and_`/`ios_`/`electron_` + hex come from observed
UI orders, `x-<broker>` from API libraries and broker integrations, a 22-character base62 id is what
the server generates when the API caller sets none. Anything else is a caller-chosen id; we describe
it by its *shape* (prefix, suffix length, suffix alphabet) so a forged id that copies a bot's prefix
but not its numbering can still be told apart. Anyone with the key can forge any of these ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_APP = (("web_", "web"), ("and_", "android"), ("ios_", "ios"), ("electron_", "electron"))
_BASE62_22 = re.compile(r"^[0-9A-Za-z]{22}$")
_BROKER = re.compile(r"^x-([0-9A-Za-z]{1,8})")  # broker ids seen are 8 characters (ccxt)
_PREFIX = re.compile(r"^(.*?[-_:.])")  # up to the first separator


@dataclass(frozen=True)
class Shape:
    """A caller-chosen id reduced to what a bot keeps constant: prefix, suffix length and alphabet."""

    prefix: str
    suffix_len: int
    alphabet: str  # digits | hex | lower | upper | alnum | mixed


@dataclass(frozen=True)
class Channel:
    name: str  # web | android | ios | electron | broker | api-default | custom
    detail: str  # e.g. the broker id, or the custom prefix
    well_formed: bool  # False when a UI prefix is followed by something the UI never sends

    @property
    def key(self) -> str:
        """What the baseline compares: app channels by name, brokers and custom ids by prefix."""
        return f"{self.name}:{self.detail}" if self.detail else self.name


def _alphabet(text: str) -> str:
    if not text:
        return "empty"
    if text.isdigit():
        return "digits"
    if all(c in "0123456789abcdef" for c in text):
        return "hex"
    for name, test in (("lower", str.islower), ("upper", str.isupper)):
        if text.isalpha() and test(text):
            return name
    return "alnum" if text.isalnum() else "mixed"


def shape_of(client_order_id: str, prefix: str | None = None) -> Shape:
    """The id's shape; `prefix` given (a user-declared bot prefix) or read up to the first separator."""
    if prefix is None or not client_order_id.startswith(prefix):
        m = _PREFIX.match(client_order_id)
        prefix = m.group(1) if m and len(m.group(1)) <= 24 else ""
    suffix = client_order_id[len(prefix) :]
    return Shape(prefix, len(suffix), _alphabet(suffix))


def classify(client_order_id: str) -> Channel:
    """The channel an id suggests. Heuristic (reference §5 and §9 item 10): say so when shown."""
    for prefix, name in _APP:
        if client_order_id.startswith(prefix):
            rest = client_order_id[len(prefix) :]
            return Channel(name, "", bool(_HEX32.match(rest)) or (len(rest) == 20 and rest.isalnum()))
    m = _BROKER.match(client_order_id)
    if m:
        return Channel("broker", "x-" + m.group(1), True)
    if _BASE62_22.match(client_order_id):
        return Channel("api-default", "", True)
    return Channel("custom", shape_of(client_order_id).prefix, True)


def describe(channel: Channel) -> str:
    names = {
        "web": "Binance web UI",
        "android": "Binance Android app",
        "ios": "Binance iOS app",
        "electron": "Binance desktop app",
        "api-default": "API with Binance's default 22-character id",
    }
    if channel.name == "broker":
        return f"API library/broker {channel.detail}"
    if channel.name == "custom":
        return f"API with custom id prefix {channel.detail!r}" if channel.detail else "API with a custom id"
    text = names.get(channel.name, channel.name)
    return text if channel.well_formed else text + " (malformed id: possibly forged)"
