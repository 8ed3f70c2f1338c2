"""Times typed by people: each form gives the exact UTC instant, and nonsense is a clear UsageError."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from responder.errors import UsageError
from responder.timeparse import parse_when

NOW = datetime(2026, 11, 23, 19, 2, 30, tzinfo=UTC)
CET = timezone(timedelta(hours=1), "CET")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("5h ago", NOW - timedelta(hours=5)),
        ("2 hours ago", NOW - timedelta(hours=2)),
        ("90 minutes ago", NOW - timedelta(minutes=90)),
        ("1 day 3 hours ago", NOW - timedelta(days=1, hours=3)),
        ("1d, 2h and 30m ago", NOW - timedelta(days=1, hours=2, minutes=30)),
        ("2026-11-23 14:05", datetime(2026, 11, 23, 14, 5, tzinfo=UTC)),
        ("2026-11-23 14:05 CET", datetime(2026, 11, 23, 13, 5, tzinfo=UTC)),
        ("2026-11-23T14:05:00+02:00", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
        ("14:05", datetime(2026, 11, 23, 14, 5, tzinfo=UTC)),
        ("14:05 CET", datetime(2026, 11, 23, 13, 5, tzinfo=UTC)),
        ("21:00", datetime(2026, 11, 22, 21, 0, tzinfo=UTC)),  # would be in the future: yesterday
        ("yesterday 09:00", datetime(2026, 11, 22, 9, 0, tzinfo=UTC)),
        ("yesterday at 6pm", datetime(2026, 11, 22, 18, 0, tzinfo=UTC)),
        ("today 8am", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
        ("yesterday 18:00 Europe/Paris", datetime(2026, 11, 22, 17, 0, tzinfo=UTC)),
        ("23 Nov 2026 09:40", datetime(2026, 11, 23, 9, 40, tzinfo=UTC)),
    ],
)
def test_forms_people_type_in_utc(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, local_zone=UTC) == expected


def test_time_without_zone_is_the_users_local_time() -> None:
    assert parse_when("2026-11-23 14:05", now=NOW, local_zone=CET) == datetime(
        2026, 11, 23, 13, 5, tzinfo=UTC
    )
    assert parse_when("yesterday 09:00", now=NOW, local_zone=CET) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_relative_forms_ignore_the_local_zone() -> None:
    assert parse_when("3h ago", now=NOW, local_zone=CET) == NOW - timedelta(hours=3)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "soon", "3 fortnights ago", "last tuesday-ish", "25:99", "2026-13-45 10:00", "x/Nowhere"],
)
def test_nonsense_is_a_usage_error_with_examples(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_when(text, now=NOW, local_zone=UTC)
    assert "e.g." in err.value.one_line()


def test_result_is_aware_utc() -> None:
    got = parse_when("14:05 PST", now=NOW, local_zone=UTC)
    assert got.tzinfo == UTC
    assert got == datetime(2026, 11, 23, 22, 5, tzinfo=UTC) - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-11-24 10:00", "in the future"),
        ("today 23:00", "in the future"),
        ("2016-05-01", "before Binance"),
        ("2017-07-13 23:00", "before Binance"),
        ("99999999999 days ago", "before Binance"),
        ("9999999999999999999999 hours ago", "before Binance"),
        ("0001-01-01", "before Binance"),
    ],
)
def test_a_time_no_leak_can_have_happened_at_is_refused(text: str, why: str) -> None:
    """Future, before Binance opened, or too far to represent: a UsageError, never an OverflowError."""
    with pytest.raises(UsageError, match=why):
        parse_when(text, now=NOW, local_zone=UTC)


def test_a_clock_a_little_ahead_is_not_the_future() -> None:
    assert parse_when("19:03", now=NOW, local_zone=UTC) == NOW.replace(minute=3, second=0)


def test_is_yesterday_names_a_time_of_day_that_rolled_back() -> None:
    from responder.timeparse import is_yesterday

    when = parse_when("21:00", now=NOW, local_zone=UTC)
    assert is_yesterday(when, now=NOW, local_zone=UTC)
    assert not is_yesterday(parse_when("18:00", now=NOW, local_zone=UTC), now=NOW, local_zone=UTC)
