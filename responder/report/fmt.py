"""Display formats for the report: times with their zone, durations, exact decimal amounts.

Pure; the context builder calls these so templates never format anything themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from responder.clock import show
from responder.report.text import clean


def when(moment: datetime, zone: tzinfo | None) -> str:
    """`2026-11-23 14:02:03 UTC (15:02:03 CET)`: the user's zone added when it differs from UTC."""
    return show(moment, zone if zone is not None else UTC)


def clock_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def elapsed(delta: timedelta) -> str:
    """`+01:03` (minutes:seconds) or `+2:01:03` past an hour; negative spans get a minus."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m:02d}:{s:02d}"


def duration(delta: timedelta) -> str:
    """`4 min 12 s`, `2 h 05 min`, `3 d 4 h`: what a person reads at a glance."""
    seconds = max(int(delta.total_seconds()), 0)
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return f"{d} d {h} h"
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def amount(value: object) -> str:
    """An exact decimal string (no exponent, no float); anything else is shown cleaned, as given."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        value = repr(value)  # findings should carry strings; keep what was written, exactly
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return clean(str(value))
    if not d.is_finite():
        return clean(str(value))
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
