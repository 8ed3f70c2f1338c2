"""The simulator's time seam: what it needs from a clock, and epoch-millisecond conversions.

Any object with `now()` (aware UTC datetime) and `sleep(seconds)` will do, so a host's own clock
(a manual clock in tests, the system clock in a drill) plugs in without the simulator importing it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def to_ms(when: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: the simulator keeps time in UTC")
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime from epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)
