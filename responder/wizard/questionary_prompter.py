"""The interactive prompter: questionary prompts for a person at a terminal. The only questionary import.

Every prompt uses `unsafe_ask()`, so Ctrl-C raises instead of returning None; it becomes `Aborted`
(exit 130, state saved). Secrets are typed into a masked prompt and wrapped in `Secret` at once.
Times are parsed by `timeparse` and echoed back in UTC and the local zone for confirmation.
Destructive confirmations (`purpose="mutation"`) default to No. `input`/`output` can be injected
(prompt_toolkit pipe input) so tests drive the real prompts with keystrokes.

Every answer takes Enter: a yes/no never submits on a bare `y` (questionary's `auto_enter` is off),
so the Enter a person types after it cannot fall through to the next question. On a real terminal,
keys typed while responder was busy (a wait, a poll) are thrown away right before each prompt — the
kernel's input queue (`tcflush`) and prompt_toolkit's type-ahead — so they never answer it.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime, tzinfo
from typing import Any

import questionary
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from questionary import Choice

from responder.clock import Clock, SystemClock, show
from responder.errors import Aborted, UsageError
from responder.playbook.protocols import Prompt
from responder.secrets import Secret
from responder.timeparse import EXAMPLES, is_yesterday, parse_when
from responder.untrusted import shown

_STYLE = questionary.Style([("qmark", "bold"), ("question", "bold"), ("answer", "bold")])


class QuestionaryPrompter:
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        local_zone: tzinfo | None = None,
        input: Input | None = None,
        output: Output | None = None,
        color: bool = True,
    ) -> None:
        self._clock = clock or SystemClock()
        self._zone = local_zone
        self._io: dict[str, Any] = {}
        self._tty: int | None = None  # the terminal we read from, when we own it (not injected)
        if input is not None:
            self._io["input"] = input
        elif sys.stdin.isatty():
            from prompt_toolkit.input import create_input

            self._tty = sys.stdin.fileno()
            self._io["input"] = create_input()  # one input for every prompt: one type-ahead buffer
        if output is not None:
            self._io["output"] = output
        self._style = _STYLE if color else questionary.Style([])

    def _ask(self, question: questionary.Question) -> Any:
        self._forget_typeahead()
        try:
            return question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Aborted("interrupted at a question") from None

    def _forget_typeahead(self) -> None:
        """Drop keys typed before this prompt appeared (only on a terminal we own)."""
        if self._tty is None:
            return
        import termios

        from prompt_toolkit.input.typeahead import clear_typeahead

        with contextlib.suppress(OSError, termios.error):  # not a terminal after all: nothing queued
            termios.tcflush(self._tty, termios.TCIFLUSH)
        clear_typeahead(self._io["input"])

    def _label(self, q: Prompt) -> str:
        label = q.text if not q.help else f"{q.text}  ({q.help})"
        return shown(label)  # prompt texts may embed server data (symbols, counts, addresses)

    def text(self, q: Prompt) -> str:
        default = q.default if isinstance(q.default, str) else ""
        return str(
            self._ask(questionary.text(self._label(q), default=default, style=self._style, **self._io))
        )

    def choice(self, q: Prompt) -> str:
        default = q.default if isinstance(q.default, str) and q.default in q.choices else None
        return str(
            self._ask(
                questionary.select(
                    self._label(q),
                    choices=[Choice(shown(c), value=c) for c in q.choices],
                    default=default,
                    style=self._style,
                    **self._io,
                )
            )
        )

    def confirm(self, q: Prompt) -> bool:
        if q.purpose == "mutation":
            default = False  # a change to the account is never the default
        elif isinstance(q.default, bool):
            default = q.default
        else:
            default = True
        question = questionary.confirm(
            self._label(q), default=default, auto_enter=False, style=self._style, **self._io
        )
        return bool(self._ask(question))

    def when(self, q: Prompt) -> datetime:
        while True:
            raw = self._ask(
                questionary.text(
                    shown(f"{q.text} ({EXAMPLES})"),
                    validate=self._validate_when,
                    default=q.default if isinstance(q.default, str) else "",
                    style=self._style,
                    **self._io,
                )
            )
            now = self._clock.now()
            when = parse_when(str(raw), now=now, local_zone=self._zone)
            day = " (yesterday)" if is_yesterday(when, now=now, local_zone=self._zone) else ""
            echo = Prompt(q.step_id, q.key, f"= {show(when, self._zone)}{day}. Correct?", default=True)
            if self.confirm(echo):
                return when

    def _validate_when(self, raw: str) -> bool | str:
        try:
            parse_when(raw, now=self._clock.now(), local_zone=self._zone)
        except UsageError as e:
            return e.one_line()
        return True

    def secret(self, q: Prompt) -> Secret:
        value = self._ask(questionary.password(self._label(q), style=self._style, **self._io))
        return Secret(str(value))
