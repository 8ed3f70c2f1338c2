"""The terminal display: one header per step, ✓ only for what was proven, ! for what needs attention.

Colour adds meaning but never carries it alone (every line keeps its mark), and `NO_COLOR`,
`TERM=dumb` or a non-terminal output turns it off (`TERM=dumb` also turns off the in-place progress
line). Drill and dry-run runs are marked on every header. A `danger` line (red, `!!`: the key is still
alive) stays on screen: it is repeated under every step header until an `ok` line resolves it.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from datetime import timedelta
from typing import TextIO

from responder.playbook.protocols import Level
from responder.untrusted import shown, shown_line
from responder.wizard.prompter import elapsed_text

_COLORS = {"ok": "32", "warn": "33", "danger": "1;31", "info": "0", "dry": "36", "step": "1"}
_MARKS = {"ok": "✓ ", "warn": "! ", "danger": "!! ", "info": "", "dry": "DRY RUN · "}


def color_enabled(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class TerminalDisplay:
    def __init__(
        self,
        out: TextIO,
        *,
        color: bool,
        tag: str = "",
        width: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self._out = out
        self._color = color
        self._tag = tag  # "DRILL" / "DRY RUN" shown on every header
        self._width = width or min(shutil.get_terminal_size((90, 24)).columns, 100)
        isatty = getattr(out, "isatty", None)
        term = (dict(os.environ) if env is None else env).get("TERM", "")
        self._interactive = bool(isatty and isatty()) and term != "dumb"  # cursor tricks allowed
        self._live = False
        self.danger: str | None = None  # a danger line not yet resolved (shown under every header)
        self._danger_here = False  # raised in the current step (an ok line there resolves it)

    def _paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._color and code != "0" else text

    def banner(self, text: str) -> None:
        text = shown(text)
        self._out.write(self._paint("1", text) + "\n")
        self._out.flush()

    def step(self, index: int, total: int, title: str, elapsed: timedelta) -> None:
        left = f"Step {index}/{total} · {shown_line(title)}" + (f" · {self._tag}" if self._tag else "")
        right = elapsed_text(elapsed)
        pad = max(self._width - len(left) - len(right), 2)
        self._out.write("\n" + self._paint(_COLORS["step"], left) + " " * pad + right + "\n")
        self._danger_here = False
        if self.danger is not None:
            self._line("danger", f"{self.danger} — not resolved")
        self._out.flush()

    def _wrap(self, line: str) -> list[str]:
        """Fit a line to the terminal, continuing under its own indentation."""
        indent = " " * (len(line) - len(line.lstrip()) + (2 if line.lstrip()[:1].isdigit() else 0))
        room = max(self._width - 6, 30)
        return textwrap.wrap(line, room, subsequent_indent=indent, break_on_hyphens=False) or [""]

    def progress(self, text: str) -> None:
        """Rewrite one status line in place on a terminal; elsewhere stay silent."""
        if self._interactive:
            self._out.write("\r\x1b[2K  " + shown_line(text)[: self._width - 2])
            self._out.flush()
            self._live = True

    def show(self, level: Level, text: str) -> None:
        if level == "danger":
            self.danger, self._danger_here = (text.splitlines() or [""])[0], True
        elif level == "ok" and self._danger_here:
            self.danger = None  # resolved in the step that raised it: e.g. the key is proven dead now
        self._line(level, text)

    def _line(self, level: Level, text: str) -> None:
        if self._live:
            self._out.write("\r\x1b[2K")
            self._live = False
        text = shown(text)  # everything shown may quote the server: its control characters made visible
        lines = [part for line in (text.splitlines() or [""]) for part in self._wrap(line)]
        for n, line in enumerate(lines):
            mark = _MARKS[level] if n == 0 else " " * len(_MARKS[level])
            self._out.write("  " + self._paint(_COLORS[level], mark) + line + "\n")
        self._out.flush()
