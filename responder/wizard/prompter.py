"""Non-interactive prompters and plain displays, implementing the engine's protocols (`playbook.protocols`).

Every question carries its step id and key, so these prompters answer it from data:
`ScriptedPrompter` (tests; fails on any question it was not given) and `AnswersPrompter` (an
answers TOML file: step id → answer). The interactive questionary prompter and the terminal display
live elsewhere in `wizard/`. A prompter signals Ctrl-C by raising `Aborted` (or KeyboardInterrupt);
it never returns None.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TextIO, TypeVar

from responder.clock import Clock
from responder.errors import Aborted, AnswersError, UsageError
from responder.playbook.protocols import Display, Level, Prompt, Prompter
from responder.secrets import Secret
from responder.timeparse import check_past, parse_when

_T = TypeVar("_T")


_MARK: Mapping[str, str] = {"ok": "✓ ", "warn": "! ", "danger": "!! ", "info": "", "dry": "DRY RUN · "}


def elapsed_text(elapsed: timedelta) -> str:
    seconds = max(int(elapsed.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class PlainDisplay:
    """Plain text, no colour, no cursor tricks: for `--answers` runs, logs and tests."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def step(self, index: int, total: int, title: str, elapsed: timedelta) -> None:
        self._out.write(f"\nStep {index}/{total} · {title} · {elapsed_text(elapsed)}\n")
        self._out.flush()

    def show(self, level: Level, text: str) -> None:
        for n, line in enumerate(text.splitlines() or [""]):
            self._out.write(f"  {_MARK[level] if n == 0 else ''}{line}\n")
        self._out.flush()

    def progress(self, text: str) -> None:
        """Plain output keeps no transient lines: logs stay readable."""


class RecordingDisplay:
    """Keeps what was shown, for tests to assert on."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def step(self, index: int, total: int, title: str, elapsed: timedelta) -> None:
        self.lines.append(("step", f"Step {index}/{total} · {title} · {elapsed_text(elapsed)}"))

    def show(self, level: Level, text: str) -> None:
        self.lines.append((level, text))

    def progress(self, text: str) -> None:
        self.lines.append(("progress", text))

    def text(self) -> str:
        return "\n".join(f"{level}: {text}" for level, text in self.lines)


ABORT = object()  # a scripted answer that acts like Ctrl-C at that question
_MISSING = object()


def _lookup(answers: Mapping[str, object], q: Prompt) -> object:
    """The answer for `q` in step-id → answer data, or _MISSING."""
    if q.purpose == "keep-checking":
        return answers.get(f"{q.step_id}.keep-checking", _MISSING)
    entry = answers.get(q.step_id, _MISSING)
    if entry is _MISSING:
        return _MISSING
    if entry is ABORT:
        return ABORT
    if q.purpose == "question":
        return entry.get(q.key, _MISSING) if isinstance(entry, Mapping) else _MISSING
    if q.purpose == "checklist":
        return q.key in entry if isinstance(entry, (list, tuple)) else _MISSING
    return entry


class _DataPrompter:
    """Shared by the scripted and answers prompters: look the answer up, coerce it, or go to `_missing`."""

    def __init__(self, answers: Mapping[str, object], clock: Clock | None = None) -> None:
        self._answers = answers
        self._clock = clock
        self.asked: list[Prompt] = []

    def _missing(self, q: Prompt, kind: str) -> object:
        raise NotImplementedError

    def _get(self, q: Prompt, kind: str) -> object:
        self.asked.append(q)
        value = _lookup(self._answers, q)
        if value is ABORT:
            raise Aborted("aborted at a scripted question")
        return self._missing(q, kind) if value is _MISSING else value

    def text(self, q: Prompt) -> str:
        return _want(q, self._get(q, "text"), str)

    def choice(self, q: Prompt) -> str:
        raw = self._get(q, "choice")
        if q.purpose == "keep-checking" and isinstance(raw, bool) and q.choices:
            raw = q.choices[0] if raw else q.choices[-1]  # yes: check again; no: move on
        value = _want(q, raw, str)
        if q.choices and value not in q.choices:
            raise AnswersError(f"{_where(q)}: {value!r} is not one of {', '.join(q.choices)}")
        return value

    def confirm(self, q: Prompt) -> bool:
        return _want(q, self._get(q, "confirm"), bool)

    def when(self, q: Prompt) -> datetime:
        value = self._get(q, "when")
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise AnswersError(f"{_where(q)}: a time needs a zone, e.g. 2026-11-23T14:02:00Z")
            now = self._clock.now() if self._clock else datetime.now(UTC)
            try:
                return check_past(value.astimezone(UTC), now=now, label=value.isoformat())
            except (UsageError, OverflowError, ValueError) as e:
                raise AnswersError(f"{_where(q)}: {e}") from None
        now = self._clock.now() if self._clock else datetime.now(UTC)
        try:
            return parse_when(_want(q, value, str), now=now, local_zone=UTC)
        except UsageError as e:
            raise AnswersError(f"{_where(q)}: {e.one_line()}") from None

    def secret(self, q: Prompt) -> Secret:
        value = self._get(q, "secret")
        return value if isinstance(value, Secret) else Secret(_want(q, value, str))


def _where(q: Prompt) -> str:
    return f"step {q.step_id}" + (f", {q.key}" if q.purpose == "question" else "")


def _want(q: Prompt, value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise AnswersError(f"{_where(q)}: expected a {kind.__name__}, got {type(value).__name__}")
    return value


class ScriptedPrompter(_DataPrompter):
    """Answers from a dict shaped like an answers file; any question it was not given is an error."""

    def _missing(self, q: Prompt, kind: str) -> object:
        raise AnswersError(f"scripted prompter has no answer for {_where(q)} ({q.purpose}: {q.text!r})")


class AnswersPrompter(_DataPrompter):
    """Answers from an answers file. A missing answer goes to `fallback` (a terminal) or is an error."""

    def __init__(
        self, answers: Mapping[str, object], *, clock: Clock | None = None, fallback: Prompter | None = None
    ) -> None:
        super().__init__(answers, clock)
        self._fallback = fallback

    def _missing(self, q: Prompt, kind: str) -> object:
        if q.purpose == "keep-checking" and self._fallback is None:
            return False  # unattended: move on, the step is recorded as unresolved (mapped by `choice`)
        if self._fallback is None:
            raise AnswersError(f"the answers file has no answer for {_where(q)} ({q.text})")
        method = {
            "text": self._fallback.text,
            "choice": self._fallback.choice,
            "confirm": self._fallback.confirm,
            "when": self._fallback.when,
            "secret": self._fallback.secret,
        }[kind]
        return method(q)


class EchoingPrompter:
    """Shows each question and the answer another prompter gave (an unattended drill stays readable)."""

    def __init__(self, inner: Prompter, display: Display) -> None:
        self._inner = inner
        self._display = display

    def _echo(self, q: Prompt, answer: object) -> None:
        self._display.show("info", f"? {q.text}  › {answer}")

    def text(self, q: Prompt) -> str:
        value = self._inner.text(q)
        self._echo(q, value or "(empty)")
        return value

    def choice(self, q: Prompt) -> str:
        value = self._inner.choice(q)
        self._echo(q, value)
        return value

    def confirm(self, q: Prompt) -> bool:
        value = self._inner.confirm(q)
        self._echo(q, "yes" if value else "no")
        return value

    def when(self, q: Prompt) -> datetime:
        value = self._inner.when(q)
        self._echo(q, value.strftime("%Y-%m-%d %H:%M:%S UTC"))
        return value

    def secret(self, q: Prompt) -> Secret:
        value = self._inner.secret(q)
        self._echo(q, "(hidden)")
        return value
