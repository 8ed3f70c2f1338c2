"""Times as frightened people type them, turned into exact UTC instants. Pure: `now` is passed in.

Accepted: absolute dates and times (`2026-11-23 14:05`, `23 Nov 14:05`, ISO-8601, with an optional zone
such as `14:05 CET`, `+01:00`, `Europe/Paris`), bare times (`14:05` = today, or yesterday if that would
be in the future), relative forms (`now`, `2h ago`, `90 minutes ago`, `1 day 3 hours ago`,
`yesterday 09:00`, `today 8am`, `last night`?). Relative phrases are parsed here, never by dateutil's
fuzzy mode, which silently ignores words like "ago" and "yesterday" and returns a wrong time.
A time without a zone is in the user's local zone. Anything else is a `UsageError` with an example.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from responder.errors import UsageError

EXAMPLES = "e.g. 2026-11-23 14:05, 14:05 CET, 2h ago, yesterday 09:00"
EARLIEST = datetime(2017, 7, 14, tzinfo=UTC)  # Binance opened; an incident time before it is a typo
FUTURE_SLACK = timedelta(minutes=5)  # a clock a little ahead of ours is not "in the future"

# Common abbreviations people type. Ambiguous ones (IST, CST) take their most common trading-world
# meaning and the echo-back shows the UTC result for the user to confirm.
_ZONES: dict[str, str] = {
    "UTC": "UTC",
    "GMT": "UTC",
    "Z": "UTC",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "GST": "Asia/Dubai",
    "IST": "Asia/Kolkata",
    "PKT": "Asia/Karachi",
    "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "PHT": "Asia/Manila",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "BRT": "America/Sao_Paulo",
}
# Fixed-offset abbreviations: the zone name implies summer or winter time regardless of the date.
_FIXED: dict[str, int] = {
    "CET": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
}

_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_REL_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_AGO = re.compile(r"^((?:\d+(?:\.\d+)?\s*[a-z]+[\s,]*(?:and\s+)?)+)\s*ago$")
_DAYWORD = re.compile(r"^(today|yesterday)(?:\s+(?:at\s+)?(.+))?$")


def _zone_from_token(token: str) -> tzinfo | None:
    up = token.upper()
    if up in _FIXED:
        from datetime import timezone

        return timezone(timedelta(minutes=_FIXED[up]), up)
    if up in _ZONES:
        return ZoneInfo(_ZONES[up])
    if "/" in token:
        try:
            return ZoneInfo(token)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {token!r}", hint=EXAMPLES) from None
    return None


def _split_zone(text: str) -> tuple[str, tzinfo | None]:
    parts = text.rsplit(" ", 1)
    if len(parts) == 2:
        zone = _zone_from_token(parts[1])
        if zone is not None:
            return parts[0].strip(), zone
    return text, None


def _relative(text: str, now: datetime) -> datetime | None:
    if text in ("now", "just now", "right now"):
        return now
    m = _AGO.match(text)
    if not m:
        return None
    seconds = 0.0
    for amount, unit in _REL_PART.findall(m.group(1)):
        if unit not in _UNITS:
            raise UsageError(f"unknown time unit {unit!r} in {text!r}", hint=EXAMPLES)
        seconds += float(amount[:20]) * _UNITS[unit]
    if seconds > (now - EARLIEST).total_seconds():
        raise UsageError(f"{text!r} is before Binance existed ({EARLIEST:%Y-%m-%d})", hint=EXAMPLES)
    return now - timedelta(seconds=seconds)


def _clock_time(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_when(text: str, *, now: datetime, local_zone: tzinfo | None = None) -> datetime:
    """Parse a user-typed time into an aware UTC datetime. `now` must be aware. Every time asked of a
    person is in the past: one in the future or before Binance existed is a UsageError, not a crash."""
    when = _parse_when(text[:200], now=now, local_zone=local_zone)
    return check_past(when, now=now, label=repr(text[:40]))


def check_past(when: datetime, *, now: datetime, label: str) -> datetime:
    """`when` (aware) if it is a plausible incident time: not in the future, not before Binance."""
    if when > now + FUTURE_SLACK:
        raise UsageError(f"{label} is in the future ({when:%Y-%m-%d %H:%M} UTC)", hint=EXAMPLES)
    if when < EARLIEST:
        raise UsageError(f"{label} is before Binance existed ({EARLIEST:%Y-%m-%d})", hint=EXAMPLES)
    return when


def parse_window(
    since: str, until: str | None, *, now: datetime, local_zone: tzinfo | None = None
) -> tuple[datetime, datetime | None]:
    """`--since` and `--until` as instants; `until` must come after `since`."""
    start = parse_when(since, now=now, local_zone=local_zone)
    end = parse_when(until, now=now, local_zone=local_zone) if until else None
    if end is None and start >= now:
        raise UsageError(f"--since ({start:%Y-%m-%d %H:%M} UTC) is not in the past", hint=EXAMPLES)
    if end is not None and end <= start:
        raise UsageError(
            f"--until ({end:%Y-%m-%d %H:%M} UTC) is not after --since ({start:%Y-%m-%d %H:%M} UTC)",
            hint="the window runs from --since forward to --until",
        )
    return start, end


def _parse_when(text: str, *, now: datetime, local_zone: tzinfo | None = None) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = " ".join(text.strip().split())
    if not raw:
        raise UsageError("no time given", hint=EXAMPLES)
    low = raw.lower()
    local = local_zone or now.astimezone().tzinfo or UTC
    rel = _relative(low, now)
    if rel is not None:
        return rel.astimezone(UTC)
    body, zone = _split_zone(raw)
    zone = zone or local
    day = _DAYWORD.match(body.lower())
    if day:
        base = now.astimezone(zone).date() - timedelta(days=1 if day.group(1) == "yesterday" else 0)
        hm = _clock_time(day.group(2)) if day.group(2) else (0, 0)
        if hm is None:
            raise UsageError(f"cannot read the time in {text!r}", hint=EXAMPLES)
        return datetime(base.year, base.month, base.day, *hm, tzinfo=zone).astimezone(UTC)
    hm = _clock_time(body.lower())
    if hm is not None:
        today = now.astimezone(zone).date()
        when = datetime(today.year, today.month, today.day, *hm, tzinfo=zone)
        if when > now + FUTURE_SLACK:  # a time of day still to come: yesterday (echoed as such)
            when -= timedelta(days=1)
        return when.astimezone(UTC)
    return _absolute(body, zone, text)


def _absolute(body: str, zone: tzinfo, original: str) -> datetime:
    from dateutil import parser as du

    if re.search(r"\b(ago|yesterday|today|tomorrow|last|next)\b", body.lower()):
        raise UsageError(f"cannot read {original!r}", hint=EXAMPLES)
    try:
        parsed = du.parse(body, fuzzy=False, dayfirst=False, yearfirst=True)
    except (ValueError, OverflowError):
        raise UsageError(f"cannot read {original!r} as a time", hint=EXAMPLES) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # 9999-12-31 in a zone east of UTC, year 1 west of it
        raise UsageError(f"{original!r} is out of range", hint=EXAMPLES) from None


def is_yesterday(when: datetime, *, now: datetime, local_zone: tzinfo | None = None) -> bool:
    """True when `when` falls on the day before `now`'s day in the person's zone (the echo-back says
    "(yesterday)": a time of day later than now was taken as yesterday's)."""
    zone = local_zone or now.astimezone().tzinfo or UTC
    return when.astimezone(zone).date() == now.astimezone(zone).date() - timedelta(days=1)
