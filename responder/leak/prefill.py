"""The hand-off from `responder scan` to `responder run`: triage answers prefilled, never assumed.

`responder run --leaked-at WHEN --vector NAME` (the command `scan` prints for a live key) turns into
defaults for the leak playbook's triage questions `triage.leaked_at` and `triage.vector`: the person
sees them already filled in and confirms each with Enter (the time is echoed back in UTC and asked
"Correct?") or changes it. The journal records the confirmed answer like any other. An answers file
answers first; a prefill only shapes what is asked at the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from responder.errors import UsageError
from responder.playbook.protocols import Display, Prompt, Prompter
from responder.secrets import Secret
from responder.timeparse import parse_when

TRIAGE = "triage"
VECTORS = {  # --vector NAME → the leak playbook's choice for triage.vector
    "repository": "Pushed to a public repository",
    "server": "Compromised server",
    "phishing": "Phishing site",
    "insider": "Insider",
    "unknown": "Unknown",
}


@dataclass(frozen=True)
class Prefill:
    leaked_at: datetime | None = None
    vector: str | None = None  # the playbook's choice text

    def default_for(self, q: Prompt) -> str | None:
        if q.step_id != TRIAGE:
            return None
        if q.key == "leaked_at" and self.leaked_at is not None:
            return self.leaked_at.isoformat().replace("+00:00", "Z")
        if q.key == "vector":
            return self.vector
        return None


def parse_prefill(leaked_at: str | None, vector: str | None, *, now: datetime) -> Prefill | None:
    """Check the options before anything is asked or recorded; None when neither is given."""
    if leaked_at is None and vector is None:
        return None
    when = parse_when(leaked_at, now=now) if leaked_at is not None else None
    if when is not None and when > now:
        raise UsageError(f"--leaked-at {when.isoformat()} is in the future")
    choice = None
    if vector is not None:
        choice = VECTORS.get(vector.strip().lower())
        if choice is None:
            raise UsageError(f"unknown --vector {vector!r}", hint="one of: " + ", ".join(VECTORS))
    return Prefill(when, choice)


class PrefillPrompter:
    """Wraps a prompter: prefilled triage questions are asked with the value as their default."""

    def __init__(self, inner: Prompter, prefill: Prefill, display: Display) -> None:
        self._inner = inner
        self._prefill = prefill
        self._display = display
        self._announced = False

    def _with_default(self, q: Prompt) -> Prompt:
        value = self._prefill.default_for(q)
        if value is None:
            return q
        if q.choices and value not in q.choices:  # a playbook whose choices changed: say so, ask plainly
            self._display.show("warn", f"the prefilled answer {value!r} is not a choice here; please choose")
            return q
        if not self._announced:
            self._announced = True
            self._display.show(
                "info", "Prefilled from responder scan: press Enter to keep each answer, or change it."
            )
        return replace(q, default=value, help="from responder scan")

    def text(self, q: Prompt) -> str:
        return self._inner.text(q)

    def choice(self, q: Prompt) -> str:
        return self._inner.choice(self._with_default(q))

    def confirm(self, q: Prompt) -> bool:
        return self._inner.confirm(q)

    def when(self, q: Prompt) -> datetime:
        return self._inner.when(self._with_default(q))

    def secret(self, q: Prompt) -> Secret:
        return self._inner.secret(q)
