"""The seams between the engine and the outside world: `Prompter` asks, `Display` shows, `DrillControl`
acts a confirmed manual step out in a simulated exchange. The engine uses only these protocols.

Every question carries its step id and key, so non-interactive prompters can answer it from data. A
prompter signals Ctrl-C by raising `Aborted` (or KeyboardInterrupt); it never returns None. The
implementations live outside the engine: the questionary prompter, the terminal display and the
scripted/answers prompters in `wizard/`, the drill control in `leak/drill.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from responder.secrets import Secret

Purpose = Literal["question", "checklist", "manual-done", "mutation", "keep-checking"]
Level = Literal["ok", "warn", "danger", "info", "dry"]


@dataclass(frozen=True)
class Prompt:
    """One question. `purpose` says what it is for; `key` is the question id or checklist item."""

    step_id: str
    key: str
    text: str
    purpose: Purpose = "question"
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    help: str = ""


class Prompter(Protocol):
    def text(self, q: Prompt) -> str: ...
    def choice(self, q: Prompt) -> str: ...
    def confirm(self, q: Prompt) -> bool: ...
    def when(self, q: Prompt) -> datetime:
        """An instant, timezone-aware (the interactive prompter echoes it back in UTC)."""
        ...

    def secret(self, q: Prompt) -> Secret: ...


class Display(Protocol):
    def step(self, index: int, total: int, title: str, elapsed: timedelta) -> None:
        """`Step i/n · title · mm:ss` — one header per step."""
        ...

    def show(self, level: Level, text: str) -> None:
        """ok = proven (✓), warn = needs attention (!), info = plain, dry = what a dry run would do."""
        ...

    def progress(self, text: str) -> None:
        """A transient status line for a long wait (overwritten by the next; cleared by `show`)."""
        ...


class DrillControl(Protocol):
    """In a drill: what the person does in Binance's web UI, played in the simulated exchange."""

    def act(self, what: str) -> str:
        """Act out one manual step (`delete-key`, `whitelist`, ...); returns what was done, in words."""
        ...

    def create_read_only_key(self) -> tuple[str, Secret]:
        """A fresh read-only key (api key, secret) for the investigation."""
        ...
