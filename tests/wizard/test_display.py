"""The terminal display: marks that carry meaning without colour, a danger line that stays on screen
until resolved, and no colour or cursor tricks on `TERM=dumb`."""

from __future__ import annotations

import io
from datetime import timedelta

from responder.wizard.display import TerminalDisplay, color_enabled


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_danger_line_is_repeated_under_every_header_until_an_ok_line_resolves_it() -> None:
    out = Tty()
    d = TerminalDisplay(out, color=False, width=100, env={"TERM": "xterm"})
    d.step(5, 18, "Delete the key", timedelta(0))
    d.show("danger", "KEY STILL ALIVE at 10:00:00 UTC")
    d.step(6, 18, "Lock down withdrawals", timedelta(0))
    d.show("ok", "investigation key works")  # another step's ✓ does not resolve it
    d.step(7, 18, "Investigate", timedelta(0))
    text = out.getvalue()
    assert text.count("!! KEY STILL ALIVE at 10:00:00 UTC — not resolved") == 2
    d.step(8, 18, "Delete the key again", timedelta(0))
    d.show("danger", "KEY STILL ALIVE at 10:05:00 UTC")
    d.show("ok", "dead at 10:05:03 UTC")
    d.step(9, 18, "Report", timedelta(0))
    assert "10:05:00 UTC — not resolved" not in out.getvalue() and d.danger is None


def test_danger_is_red_where_colour_is_on() -> None:
    out = Tty()
    TerminalDisplay(out, color=True, width=100, env={"TERM": "xterm"}).show("danger", "KEY STILL ALIVE")
    assert "\x1b[1;31m!! \x1b[0mKEY STILL ALIVE" in out.getvalue()


def test_term_dumb_turns_off_colour_and_the_in_place_progress_line() -> None:
    out = Tty()
    assert not color_enabled(out, {"TERM": "dumb"})
    assert color_enabled(out, {"TERM": "xterm"})
    d = TerminalDisplay(out, color=False, width=100, env={"TERM": "dumb"})
    d.progress("sweeping 3/9 symbols")
    d.show("ok", "done")
    assert "\x1b" not in out.getvalue()
