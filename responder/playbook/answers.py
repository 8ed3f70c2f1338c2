"""Answers files: a TOML map from step id to answer, checked against the playbook before a run.

    [triage]                      # an ask step: a table of question id → answer
    vector = "public-repo"
    leaked_at = 2026-11-23T09:40:00Z   # or a string: "2026-11-23 09:40" (UTC), "5h ago"
    cancel = true                 # a mutating action step: the confirmation
    delete-key = ["I deleted the key"]  # a manual step with a checklist: the confirmed items
    ack = true                    # a manual step without a checklist: done or not
    "delete-key.keep-checking" = false  # optional: keep polling a manual step's verify action

Every problem is reported at once in one `AnswersError` (exit 2) naming the step.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from responder.errors import AnswersError
from responder.playbook.model import Playbook, Question, Step

MAX_ANSWERS_FILE = 1024 * 1024


def load_answers(path: Path, playbook: Playbook) -> dict[str, Any]:
    from responder.smallfile import read_small

    data = read_small(path, what="answers file", limit=MAX_ANSWERS_FILE, error=AnswersError)
    return parse_answers(data, str(path), playbook)


def parse_answers(data: bytes, source: str, playbook: Playbook) -> dict[str, Any]:
    try:
        answers = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise AnswersError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise AnswersError(f"{source}: TOML syntax error: {e}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise AnswersError(f"{source}: nested too deeply to be an answers file") from None
    steps = {s.id: s for s in playbook.steps}
    problems: list[str] = []
    for key, value in answers.items():
        step_id, _, suffix = key.partition(".")
        step = steps.get(step_id)
        if step is None:
            problems.append(f"{key}: no such step in playbook {playbook.id}")
        elif suffix:
            if suffix != "keep-checking" or step.verify is None or not isinstance(value, bool):
                problems.append(f"{key}: only '<step>.keep-checking' = true|false (manual step with verify)")
        else:
            problems.extend(f"{step_id}: {p}" for p in _check(step, value))
    if problems:
        raise AnswersError(f"{source} does not fit playbook {playbook.id}: " + "; ".join(problems))
    return answers


def _check(step: Step, value: object) -> list[str]:
    if step.kind == "ask":
        if not isinstance(value, Mapping):
            return ["an ask step's answer is a table of question id → answer"]
        known = {q.id: q for q in step.questions}
        problems = [f"no question {k!r}" for k in value if k not in known]
        return problems + [p for k, v in value.items() if k in known for p in _question(known[k], v)]
    if step.kind == "manual" and step.checklist:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return ["a checklist's answer is the list of confirmed items"]
        return [f"no checklist item {v!r}" for v in value if v not in step.checklist]
    if step.kind == "manual" or (step.kind == "action" and step.mutating):
        return [] if isinstance(value, bool) else ["the answer is true or false"]
    return [f"a {step.kind} step{' that changes nothing' if step.kind == 'action' else ''} takes no answer"]


def _question(q: Question, value: object) -> list[str]:
    ok = {
        "text": isinstance(value, str),
        "secret": isinstance(value, str),
        "choice": isinstance(value, str) and value in q.choices,
        "confirm": isinstance(value, bool),
        "datetime": isinstance(value, str) or (isinstance(value, datetime) and value.tzinfo is not None),
    }[q.type]
    if ok:
        return []
    if q.type == "choice":
        return [f"{q.id}: {value!r} is not one of {', '.join(q.choices)}"]
    if q.type == "datetime":
        return [f"{q.id}: a time with a zone (2026-11-23T09:40:00Z) or a string like '5h ago'"]
    return [f"{q.id}: expected {'true or false' if q.type == 'confirm' else 'a string'}"]
