"""Time as a seam: every timestamp (Binance requests, journal lines, report dates) comes from a Clock.

Time is UTC inside (aware datetimes, epoch milliseconds on the wire) and shown with its zone.
Tests use `ManualClock`; nothing patches `datetime`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (for durations and rate windows)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """A clock that moves only when told to (or when something sleeps on it). Thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, when: datetime) -> None:
        with self._lock:
            delta = (when.astimezone(UTC) - self._now).total_seconds()
            self._now = when.astimezone(UTC)
            self._mono += max(delta, 0.0)


class OffsetClock:
    """Another clock shifted by a fixed offset: a machine whose clock is wrong, or a skewed server."""

    def __init__(self, base: Clock, offset_seconds: float) -> None:
        self._base = base
        self.offset_seconds = offset_seconds

    def now(self) -> datetime:
        return self._base.now() + timedelta(seconds=self.offset_seconds)

    def monotonic(self) -> float:
        return self._base.monotonic()

    def sleep(self, seconds: float) -> None:
        self._base.sleep(seconds)


def to_ms(when: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: responder keeps time in UTC")
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime from epoch milliseconds (microsecond values above 1e14 are accepted)."""
    if ms > 100_000_000_000_000:  # microseconds (Binance X-MBX-TIME-UNIT: MICROSECOND)
        return datetime.fromtimestamp(ms / 1_000_000, UTC)
    return datetime.fromtimestamp(ms / 1000, UTC)


def show(when: datetime, local_zone: object | None = None) -> str:
    """`2026-11-23 14:02 UTC (15:02 CET)`: UTC first, then the user's zone when it differs."""
    utc = when.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    local = utc.astimezone(local_zone) if local_zone is not None else utc.astimezone()  # type: ignore[arg-type]  # tzinfo or None
    if local.utcoffset() != timedelta(0):
        text += f" ({local.strftime('%H:%M:%S %Z')})"
    return text
