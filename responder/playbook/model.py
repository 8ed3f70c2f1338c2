"""A loaded playbook as frozen data: steps of four kinds, questions, conditions and references.

Only `loader.py` knows the file format; everything after it works on these types. A playbook that
got this far has been validated: every action exists, every reference names an earlier step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from responder.playbook.conditions import Condition

StepKind = Literal["ask", "manual", "action", "note"]
QuestionType = Literal["text", "choice", "confirm", "datetime", "secret"]
STEP_KINDS: tuple[StepKind, ...] = ("ask", "manual", "action", "note")
QUESTION_TYPES: tuple[QuestionType, ...] = ("text", "choice", "confirm", "datetime", "secret")

# A parameter value: a JSON-like literal, or a `Ref` to an earlier step's output ("${step.key}").
ParamValue = object


@dataclass(frozen=True)
class Ref:
    """A reference to an earlier step's output: `step` alone, or `step.key`."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    prompt: str
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    help: str = ""
    role: str | None = None  # what the answer means to readers of the journal (e.g. `leak-time`)
    masked: bool = False  # an API key: journaled masked (first 4 + last 4), the whole kept in the vault


@dataclass(frozen=True)
class Verify:
    """An action polled after a manual step until it reports passed or failed, or the user moves on."""

    action: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    interval_seconds: float = 5.0
    attempts: int = 3


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    title: str
    line: int
    when: Condition | None = None
    skipped: str = ""  # shown when `when` is false: why the step is not needed ("the key cannot withdraw")
    # When `when` cannot be decided (a fact is unknown): "run" (the safe branch for containment) or
    # "skip" (a step that makes no sense without the fact, e.g. one that acts on what a failed read found).
    if_unknown: str = "run"
    text: str = ""  # note text, manual instructions, or an action's explanation
    questions: tuple[Question, ...] = ()  # ask
    checklist: tuple[str, ...] = ()  # manual
    url: str = ""  # manual
    verify: Verify | None = None  # manual
    drill: Verify | None = None  # manual: acted out in the simulator once confirmed (drill only)
    action: str = ""  # action
    params: Mapping[str, ParamValue] = field(default_factory=dict)  # action
    mutating: bool = False  # action
    confirm: str = ""  # action (required when mutating)
    role: str | None = None  # what the step means to readers of the journal (e.g. `key-deleted`)


@dataclass(frozen=True)
class Playbook:
    id: str
    title: str
    description: str
    version: str
    steps: tuple[Step, ...]
    source: str  # the file it came from (or "<text>")
    sha256: str  # of the file's bytes: a resumed case refuses a changed playbook

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def index(self, step_id: str) -> int:
        return [s.id for s in self.steps].index(step_id)
