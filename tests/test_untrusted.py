"""The one chokepoint for server text (issue 12): every control character shown visibly escaped."""

from __future__ import annotations

import pytest

from responder.errors import KeyRejected
from responder.untrusted import is_clean, shown, shown_line


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BTCUSDT", "BTCUSDT"),
        ("\x1b]0;pwned\x07", r"\x1b]0;pwned\x07"),
        ("\x1b[2J\x1b[31mred", r"\x1b[2J\x1b[31mred"),
        ("a\x00b\x08c\x7fd", r"a\x00b\x08c\x7fd"),
        ("csi\x9b2J", r"csi\x9b2J"),
        ("evil\u202egnp.exe", r"evil\u202egnp.exe"),
        ("\u2066iso\u2069", r"\u2066iso\u2069"),
        ("\u200emark\u200f\u061c", r"\u200emark\u200f\u061c"),
        ("cr\rover", r"cr\x0dover"),
        ("line\nbreak\ttab", "line\nbreak\ttab"),
        ("✓ ünïcödé 中文", "✓ ünïcödé 中文"),
    ],
)
def test_shown_escapes_every_control_and_bidi_character_visibly(raw: str, expected: str) -> None:
    assert shown(raw) == expected
    assert is_clean(shown(raw))


def test_shown_line_also_escapes_newlines_and_tabs() -> None:
    assert shown_line("a\nb\tc\r") == r"a\x0ab\x09c\x0d"


def test_an_error_from_binance_is_shown_escaped_on_one_line() -> None:
    e = KeyRejected(-2015, "Invalid API-key\x1b]0;pwned\x07\x1b[2J\u202e", status=401, endpoint="GET /x")
    line = e.one_line()
    assert is_clean(line) and "\n" not in line
    assert r"Invalid API-key\x1b]0;pwned\x07\x1b[2J\u202e" in line
