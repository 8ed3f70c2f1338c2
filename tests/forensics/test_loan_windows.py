"""Margin borrow records of an old leak are read in windows Binance accepts (at most 30 days each),
never in one window it would refuse (issue 12: windows over Binance's limits are split)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from responder.exchange.protocol_derivatives import MarginExchange
from responder.forensics.derivatives_collect import LOAN_WINDOW, _loans


class _LoanLog:
    def __init__(self) -> None:
        self.windows: list[tuple[datetime, datetime]] = []

    def loans(
        self, kind: str, *, start: datetime, end: datetime, current: int = 1, size: int = 100
    ) -> list[Any]:
        self.windows.append((start, end))
        return []


def test_a_120_day_span_is_read_in_windows_of_at_most_30_days_that_cover_it() -> None:
    end = datetime(2026, 11, 28, tzinfo=UTC)
    start = end - timedelta(days=120)
    log = _LoanLog()
    assert _loans(cast(MarginExchange, log), start, end) == []
    assert len(log.windows) == 5 and all(b - a < LOAN_WINDOW for a, b in log.windows)
    assert log.windows[0][0] == start and log.windows[-1][1] == end
    assert all(
        n[0] - p[1] == timedelta(milliseconds=1) for p, n in zip(log.windows, log.windows[1:], strict=False)
    )
