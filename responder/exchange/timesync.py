"""Server time: the offset between our clock and Binance's, so signed timestamps are accepted.

Binance rejects a timestamp more than 1000 ms ahead of its clock or older than recvWindow (-1021,
reference §1.6). The local clock may be off by tens of seconds (Docker after sleep, coarse Windows
sync), so the offset is estimated from several `/api/v3/time` samples: each corrected by half its
round trip, the median taken (one slow sample cannot skew it). Timestamps are then biased a few
hundred milliseconds into the past — recvWindow absorbs lateness, nothing absorbs "ahead" — and the
offset is refreshed periodically and once more after any -1021.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable

from responder.clock import Clock, to_ms

SAMPLES = 3
BIAS_MS = 500
RESYNC_SECONDS = 15 * 60


class TimeSync:
    """The estimated server-time offset, shared by every client using one clock. Thread-safe.

    `fetch_server_ms` (given per call) returns `serverTime` from `GET /api/v3/time`.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        samples: int = SAMPLES,
        bias_ms: int = BIAS_MS,
        resync_seconds: float = RESYNC_SECONDS,
    ) -> None:
        if samples < 1:
            raise ValueError("time sync needs at least one sample")
        self._clock = clock
        self._samples = samples
        self.bias_ms = bias_ms
        self._resync = resync_seconds
        self._lock = threading.Lock()
        self._offset_ms: float | None = None
        self._synced_at = 0.0
        self.syncs = 0

    @property
    def offset_ms(self) -> float | None:
        """Server time minus local time in milliseconds (None before the first sync)."""
        with self._lock:
            return self._offset_ms

    def sync(self, fetch_server_ms: Callable[[], int]) -> float:
        """Measure the offset now from several samples; returns it (ms)."""
        offsets = []
        for _ in range(self._samples):
            sent = to_ms(self._clock.now())
            server = fetch_server_ms()
            received = to_ms(self._clock.now())
            offsets.append(server - (sent + received) / 2)
        offset = statistics.median(offsets)
        with self._lock:
            self._offset_ms = offset
            self._synced_at = self._clock.monotonic()
            self.syncs += 1
        return offset

    def invalidate(self) -> None:
        """Forget the offset (after -1021): the next timestamp re-syncs first."""
        with self._lock:
            self._offset_ms = None

    def needs_sync(self) -> bool:
        with self._lock:
            return self._offset_ms is None or self._clock.monotonic() - self._synced_at >= self._resync

    def timestamp_ms(self, fetch_server_ms: Callable[[], int]) -> int:
        """A `timestamp` parameter Binance will accept: server time now, minus the bias."""
        if self.needs_sync():
            self.sync(fetch_server_ms)
        with self._lock:
            offset = self._offset_ms or 0.0
        return int(to_ms(self._clock.now()) + offset) - self.bias_ms
