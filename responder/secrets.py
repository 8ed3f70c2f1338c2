"""Secret material (API secrets, private keys) wrapped so it cannot be printed by accident.

A `Secret` never shows its value in `repr`, `str`, f-strings, pickles or tracebacks with locals;
only the signing code calls `reveal()`. Every secret made in this process is remembered in a
`SecretRegistry` handed around explicitly, so writers (journal, evidence, report) can refuse any
payload that contains one (defence in depth: the first line of defence is never passing it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final, NoReturn

_MASK: Final = "••••••••"


def mask_key(value: str) -> str:
    """Show an API key as its first 4 and last 4 characters: `vmPU…Eh8A`.

    Short values (under 12 characters) are masked entirely: 4+4 of them would reveal most of it.
    """
    if len(value) < 12:
        return "…" * 3
    return f"{value[:4]}…{value[-4:]}"


class Secret:
    """A string that refuses to be shown. Compare with `==`; read only with `reveal()`."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        self.__value = value

    def reveal(self) -> str:
        """The raw value. Only signing and key loading may call this."""
        return self.__value

    def __repr__(self) -> str:
        return f"Secret({_MASK})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash(("Secret", self.__value))

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __len__(self) -> int:
        return len(self.__value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


class SecretRegistry:
    """The secrets loaded in this run, so writers can refuse payloads that contain one.

    Besides the raw value it remembers meaningful fragments (each PEM body line of 16+ characters),
    so a private key cannot slip out line by line either.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._needles: list[str] = []

    def add(self, secret: Secret) -> Secret:
        value = secret.reveal()
        needles = [value] if len(value) >= 8 else []
        for raw in value.splitlines():
            line = raw.strip()
            if len(line) >= 16 and not line.startswith("-----"):
                needles.append(line)
        with self._lock:
            self._needles.extend(n for n in needles if n not in self._needles)
        return secret

    def find_in(self, text: str) -> bool:
        """True when `text` contains any registered secret (or a fragment of a private key)."""
        with self._lock:
            needles = list(self._needles)
        return any(n in text for n in needles)

    def scrub(self, text: str) -> str:
        """Replace every registered secret in `text` by a mask (used on messages from outside)."""
        with self._lock:
            needles = sorted(self._needles, key=len, reverse=True)
        for n in needles:
            text = text.replace(n, _MASK)
        return text

    def __len__(self) -> int:
        with self._lock:
            return len(self._needles)

    def extend(self, secrets: Iterable[Secret]) -> None:
        for s in secrets:
            self.add(s)
