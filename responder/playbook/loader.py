"""Reading playbook TOML into a validated `Playbook`. The only code that knows the file format.

Every problem is collected and reported at once as `file:line: step-id: what is wrong`, then raised
as one `PlaybookError` (exit 2). tomllib gives no positions, so each step's line is found by scanning
the text for its `[[steps]]` block and `id = "…"` line. Whatever the input, the loader raises only
`PlaybookError`: a playbook is data a user may have edited, and it must fail closed and clearly.
The format is described in `docs/playbook-engine.md`.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from responder.errors import PlaybookError
from responder.playbook.actions import ActionRegistry
from responder.playbook.conditions import BUILTINS, Condition, ConditionError, parse_condition
from responder.playbook.model import QUESTION_TYPES, STEP_KINDS, Playbook, Question, Ref, Step, Verify

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_REF = re.compile(r"^\$\{([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\}$")
_TOP_KEYS = {"id", "title", "description", "version", "steps"}
_COMMON = {"id", "kind", "title", "when", "role", "skipped", "if_unknown"}
_ROLE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_KIND_KEYS = {
    "note": {"text"},
    "ask": {"text", "questions"},
    "manual": {"instructions", "checklist", "url", "verify", "drill"},
    "action": {"text", "action", "params", "mutating", "confirm"},
}
_QUESTION_KEYS = {"id", "type", "prompt", "choices", "default", "help", "role", "masked"}
_VERIFY_KEYS = {"action", "params", "interval", "attempts"}


def package_playbook_dirs() -> list[Path]:
    """Where bundled playbooks are: the installed wheel's data dir, then a source checkout's root."""
    here = Path(__file__).resolve().parent.parent
    return [d for d in (here / "_data" / "playbooks", here.parent / "playbooks") if d.is_dir()]


def bundled_playbooks() -> list[Path]:
    seen: dict[str, Path] = {}
    for folder in package_playbook_dirs():
        for path in sorted(folder.glob("*.toml")):
            seen.setdefault(path.name, path)
    return sorted(seen.values(), key=lambda p: p.name)


def find_playbook(name: str) -> Path:
    """A path to an existing file, or the id of a bundled playbook (`binance-api-key-leak`)."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    for path in bundled_playbooks():
        if path.stem == name:
            return path
    known = ", ".join(p.stem for p in bundled_playbooks()) or "none"
    raise PlaybookError(f"no playbook {name!r} (bundled: {known})")


MAX_PLAYBOOK_FILE = 8 * 1024 * 1024  # a 40,000-step playbook is ~4 MB


def load_playbook(path: Path, registry: ActionRegistry) -> Playbook:
    from responder.smallfile import read_small

    data = read_small(path, what="playbook", limit=MAX_PLAYBOOK_FILE, error=PlaybookError)
    return parse_playbook(data, str(path), registry)


def parse_playbook(data: bytes, source: str, registry: ActionRegistry) -> Playbook:
    """Parse and validate playbook bytes; PlaybookError listing every problem."""
    try:
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PlaybookError(f"{source}: not UTF-8 text", [f"{source}:1: playbook: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as e:
        problem = f"{source}: playbook: TOML syntax error: {e}"
        raise PlaybookError(f"{source} is not valid TOML", [problem]) from None
    except RecursionError:  # tomllib recurses once per nesting level
        problem = f"{source}:1: playbook: nested too deeply"
        raise PlaybookError(f"{source} is not a playbook", [problem]) from None
    checker = _Checker(source, text, registry)
    playbook = checker.playbook(doc, hashlib.sha256(data).hexdigest())
    if checker.problems or playbook is None:
        n = len(checker.problems)
        raise PlaybookError(f"{source}: {n} problem{'s' if n != 1 else ''} in the playbook", checker.problems)
    return playbook


def _step_lines(text: str) -> list[int]:
    """The line of each `[[steps]]` entry's `id = …` (or its header when it has no id)."""
    lines: list[int] = []
    in_step = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if re.match(r"^\[\[\s*steps\s*\]\]", stripped):
            lines.append(number)
            in_step = True
        elif stripped.startswith("["):
            in_step = False  # a sub-table ([[steps.questions]], [steps.params]) or another table
        elif in_step and re.match(r"^id\s*=", stripped):
            lines[-1] = number
            in_step = False
    return lines


@dataclass
class _Checker:
    source: str
    text: str
    registry: ActionRegistry
    problems: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    seen: dict[str, Step | None] = field(default_factory=dict)  # id -> step, in order
    _id_lines: dict[str, int] | None = None  # built on first use by `_find_line`

    def add(self, line: int, step: str, what: str) -> None:
        self.problems.append(f"{self.source}:{line}: {step}: {what}")

    def playbook(self, doc: dict[str, Any], sha256: str) -> Playbook | None:
        self.lines = _step_lines(self.text)
        for key in sorted(set(doc) - _TOP_KEYS):
            self.add(1, "playbook", f"unknown key {key!r}")
        pid = doc.get("id")
        if not isinstance(pid, str) or not _ID.match(pid):
            self.add(1, "playbook", "needs an `id` (letters, digits, '-' and '_')")
        title = _text(doc.get("title"))
        if not title:
            self.add(1, "playbook", "needs a `title`")
        raw_steps = doc.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            self.add(1, "playbook", "has no steps (an empty playbook would do nothing; refusing it)")
            return None
        steps = [self.step(i, raw) for i, raw in enumerate(raw_steps)]
        if self.problems:
            return None
        return Playbook(
            str(pid),
            title,
            _text(doc.get("description")),
            str(doc.get("version", "1")),
            tuple(s for s in steps if s is not None),
            self.source,
            sha256,
        )

    def step(self, index: int, raw: object) -> Step | None:
        line = self.lines[index] if index < len(self.lines) else self._find_line(raw)
        if not isinstance(raw, dict):
            self.add(line, f"step #{index + 1}", "a step must be a table")
            return None
        sid = raw.get("id")
        name = sid if isinstance(sid, str) and sid else f"step #{index + 1}"
        before = len(self.problems)
        if not isinstance(sid, str) or not _ID.match(sid):
            self.add(line, name, "needs an `id` (a letter, then letters, digits, '-' or '_')")
        elif sid in BUILTINS:
            self.add(line, name, f"`{sid}` is reserved for conditions; choose another id")
        elif sid in self.seen:
            self.add(line, name, "duplicate step id")
        kind = raw.get("kind")
        if kind not in STEP_KINDS:
            self.add(line, name, f"unknown kind {kind!r} (one of {', '.join(STEP_KINDS)})")
            self.seen.setdefault(name, None)
            return None
        for key in sorted(set(raw) - _COMMON - _KIND_KEYS[kind], key=str):
            self.add(line, name, f"unknown key {key!r} for a {kind} step")
        title = _text(raw.get("title"))
        if not title:
            self.add(line, name, "needs a `title`")
        when = self.condition(line, name, raw.get("when"))
        role = self.role(line, name, raw.get("role"))
        skipped = raw.get("skipped", "")
        if not isinstance(skipped, str) or (skipped and when is None):
            self.add(line, name, "`skipped` is the text shown when `when` is false: a string, with a `when`")
            skipped = ""
        if_unknown = raw.get("if_unknown", "run")
        if if_unknown not in ("run", "skip"):
            self.add(line, name, "`if_unknown` is `run` (the default: the safe branch) or `skip`")
            if_unknown = "run"
        base = Step(name, kind, title, line, when, role=role, skipped=skipped.strip(), if_unknown=if_unknown)
        step = getattr(self, f"_{kind}")(line, name, raw, base)
        self.seen.setdefault(name, step if len(self.problems) == before else None)
        return step if isinstance(step, Step) else None

    def _find_line(self, raw: object) -> int:
        """The line of a step's `id = "…"` when steps are not `[[steps]]` tables (inline arrays): one
        index of every id's first line, built once, so a 40,000-step playbook stays linear."""
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            return 1
        if self._id_lines is None:
            self._id_lines = {}
            for number, line in enumerate(self.text.splitlines(), start=1):
                for found in re.finditer(r"\bid\s*=\s*[\"']([^\"']*)[\"']", line):
                    self._id_lines.setdefault(found.group(1), number)
        return self._id_lines.get(raw["id"], 1)

    def condition(self, line: int, name: str, raw: object) -> Condition | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.add(line, name, "`when` must be a string")
            return None
        try:
            cond = parse_condition(raw)
        except ConditionError as e:
            self.add(line, name, f"bad `when` condition: {e}")
            return None
        for path in cond.names():
            self.reference(line, name, path, "condition")
        return cond

    def reference(self, line: int, name: str, path: tuple[str, ...], where: str) -> None:
        head = path[0]
        if head in BUILTINS:
            if len(path) > 1:
                self.add(line, name, f"{where} reads `{'.'.join(path)}`, but `{head}` has no fields")
            return
        if head == name:
            self.add(line, name, f"{where} names this step itself ({head})")
        elif head not in self.seen:
            later = any(isinstance(s, dict) and s.get("id") == head for s in self._all_raw())
            self.add(line, name, f"{where} names {'a later' if later else 'an unknown'} step {head!r}")
        else:
            target = self.seen[head]
            if target is not None and target.kind == "ask" and len(path) > 1:
                question = next((q for q in target.questions if q.id == path[1]), None)
                if question is None:
                    self.add(line, name, f"{where} names no question {path[1]!r} of step {head!r}")
                elif question.type == "secret":
                    self.add(
                        line,
                        name,
                        f"{where} reads the secret answer {head}.{path[1]}; secrets are never reused",
                    )

    def _all_raw(self) -> list[object]:
        try:
            doc = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError:  # pragma: no cover - parsed once already
            return []
        steps = doc.get("steps")
        return steps if isinstance(steps, list) else []

    def _note(self, line: int, name: str, raw: dict[str, Any], step: Step) -> Step:
        text = _text(raw.get("text"))
        if not text:
            self.add(line, name, "a note needs `text`")
        return _replace(step, text=text)

    def _ask(self, line: int, name: str, raw: dict[str, Any], step: Step) -> Step:
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            self.add(line, name, "an ask step needs at least one [[steps.questions]]")
            return step
        parsed = [self.question(line, name, q) for q in questions]
        ids = [q.id for q in parsed if q is not None]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            self.add(line, name, f"duplicate question id {dup!r}")
        return _replace(step, text=_text(raw.get("text")), questions=tuple(q for q in parsed if q))

    def question(self, line: int, name: str, raw: object) -> Question | None:
        if not isinstance(raw, dict):
            self.add(line, name, "a question must be a table")
            return None
        qid, qtype, prompt = raw.get("id"), raw.get("type"), _text(raw.get("prompt"))
        label = f"question {qid!r}" if isinstance(qid, str) else "a question"
        ok = True
        for key in sorted(set(raw) - _QUESTION_KEYS, key=str):
            self.add(line, name, f"{label}: unknown key {key!r}")
        if not isinstance(qid, str) or not _ID.match(qid):
            self.add(line, name, f"{label} needs an `id`")
            ok = False
        if qtype not in QUESTION_TYPES:
            self.add(line, name, f"{label}: unknown type {qtype!r} (one of {', '.join(QUESTION_TYPES)})")
            return None
        if not prompt:
            self.add(line, name, f"{label} needs a `prompt`")
        choices = self.choices(line, name, label, qtype, raw.get("choices"))
        default = raw.get("default")
        if not _default_fits(qtype, choices, default):
            self.add(line, name, f"{label}: default {default!r} does not fit a {qtype} question")
            default = None
        role = self.role(line, name, raw.get("role"))
        masked = raw.get("masked", False)
        if not isinstance(masked, bool) or (masked and qtype != "text"):
            self.add(line, name, f"{label}: `masked` is true or false, on a text question")
            masked = False
        if not ok:
            return None
        return Question(str(qid), qtype, prompt, choices, default, _text(raw.get("help")), role, masked)

    def role(self, line: int, name: str, raw: object) -> str | None:
        """A `role`: lower-case words joined by '-', recorded in the journal for its readers."""
        if raw is None:
            return None
        if not isinstance(raw, str) or not _ROLE.match(raw):
            self.add(line, name, f"`role` must be lower-case words joined by '-', not {raw!r}")
            return None
        return raw

    def choices(self, line: int, name: str, label: str, qtype: str, raw: object) -> tuple[str, ...]:
        if qtype != "choice":
            if raw is not None:
                self.add(line, name, f"{label}: `choices` only fit a choice question")
            return ()
        if not isinstance(raw, list) or not raw or not all(isinstance(c, str) and c.strip() for c in raw):
            self.add(line, name, f"{label}: a choice question needs a non-empty list of non-empty strings")
            return ()
        if len(set(raw)) != len(raw):
            self.add(line, name, f"{label}: duplicate choices")
        return tuple(raw)

    def _manual(self, line: int, name: str, raw: dict[str, Any], step: Step) -> Step:
        instructions = _text(raw.get("instructions"))
        if not instructions:
            self.add(line, name, "a manual step needs `instructions`")
        checklist = raw.get("checklist", [])
        if not isinstance(checklist, list) or not all(isinstance(c, str) and c.strip() for c in checklist):
            self.add(line, name, "`checklist` must be a list of non-empty strings")
            checklist = []
        elif len(set(checklist)) != len(checklist):
            self.add(line, name, "duplicate checklist items")
        url = raw.get("url", "")
        if not isinstance(url, str) or (url and not re.match(r"^https?://\S+$", url)):
            self.add(line, name, "`url` must be an http(s) URL")
            url = ""
        verify = self.verify(line, name, raw.get("verify"))
        drill = self.drill_act(line, name, raw.get("drill"))
        return _replace(
            step, text=instructions, checklist=tuple(checklist), url=url, verify=verify, drill=drill
        )

    def drill_act(self, line: int, name: str, raw: object) -> Verify | None:
        """`drill = {action, params}`: run in a drill once every item is confirmed (acts it out)."""
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - {"action", "params"}:
            self.add(line, name, "`drill` must be a table with an `action` and optional `params`")
            return None
        action = raw.get("action")
        if not isinstance(action, str) or self.registry.get(action) is None:
            self.add(line, name, f"drill: unknown action {action!r}")
        params = self.params(line, name, raw.get("params", {}), str(action))
        return Verify(str(action), params, 0.0, 1)

    def verify(self, line: int, name: str, raw: object) -> Verify | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(line, name, "`verify` must be a table with an `action`")
            return None
        for key in sorted(set(raw) - _VERIFY_KEYS, key=str):
            self.add(line, name, f"verify: unknown key {key!r}")
        action = raw.get("action")
        spec = self.registry.get(action) if isinstance(action, str) else None
        if spec is None or not spec.verify:
            what = "unknown verify action" if spec is None else "not a verify action"
            self.add(line, name, f"{what} {action!r}")
        params = self.params(line, name, raw.get("params", {}), str(action))
        interval, attempts = raw.get("interval", 5), raw.get("attempts", 3)
        if not _number(interval) or not 0 <= interval <= 3600:
            self.add(line, name, "verify: `interval` must be seconds between 0 and 3600")
            interval = 5
        if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 1000:
            self.add(line, name, "verify: `attempts` must be a whole number from 1 to 1000")
            attempts = 3
        return Verify(str(action), params, float(interval), attempts)

    def _action(self, line: int, name: str, raw: dict[str, Any], step: Step) -> Step:
        action, mutating, confirm = raw.get("action"), raw.get("mutating", False), raw.get("confirm", "")
        spec = self.registry.get(action) if isinstance(action, str) else None
        if spec is None:
            self.add(line, name, f"unknown action {action!r}")
        if not isinstance(mutating, bool):
            self.add(line, name, "`mutating` must be true or false")
            mutating = True
        if spec is not None and spec.mutating and not mutating:
            self.add(line, name, f"action {action} changes the account: mark the step `mutating = true`")
        if spec is not None and not spec.mutating and mutating:
            self.add(line, name, f"action {action} does not change the account; remove `mutating = true`")
        if not isinstance(confirm, str) or (mutating and not confirm.strip()):
            self.add(line, name, "a mutating step needs a `confirm` text naming exactly what it will do")
            confirm = ""
        params = self.params(line, name, raw.get("params", {}), str(action))
        return _replace(
            step,
            text=_text(raw.get("text")),
            action=str(action),
            params=params,
            mutating=mutating,
            confirm=confirm,
        )

    def params(self, line: int, name: str, raw: object, action: str) -> dict[str, object]:
        if not isinstance(raw, dict):
            self.add(line, name, "`params` must be a table")
            return {}
        spec = self.registry.get(action)
        if spec is not None:
            for missing in [p for p in spec.required if p not in raw]:
                self.add(line, name, f"action {action} needs the parameter {missing!r}")
            if spec.optional is not None:
                allowed = set(spec.required) | set(spec.optional)
                for extra in sorted(set(raw) - allowed):
                    self.add(line, name, f"action {action} has no parameter {extra!r}")
        return {k: self.value(line, name, v) for k, v in raw.items()}

    def value(self, line: int, name: str, raw: object) -> object:
        if isinstance(raw, str):
            m = _REF.match(raw)
            if m:
                path = tuple(m.group(1).split("."))
                self.reference(line, name, path, "parameter")
                return Ref(path)
            if "${" in raw:
                self.add(line, name, f'a reference must be the whole value, like "${{step.key}}": {raw!r}')
            return raw
        if isinstance(raw, list):
            return [self.value(line, name, v) for v in raw]
        if isinstance(raw, dict):
            return {k: self.value(line, name, v) for k, v in raw.items()}
        if isinstance(raw, (bool, int)) or (isinstance(raw, float) and math.isfinite(raw)):
            return raw
        self.add(line, name, f"parameter value {raw!r} is not a string, number, boolean, list or table")
        return None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _default_fits(qtype: str, choices: tuple[str, ...], default: object) -> bool:
    if default is None:
        return True
    if qtype == "choice":
        return default in choices
    if qtype == "confirm":
        return isinstance(default, bool)
    return qtype == "text" and isinstance(default, str)


def _replace(step: Step, **changes: Any) -> Step:
    return replace(step, **changes)


def describe(playbook: Playbook) -> list[str]:
    """A readable outline of a playbook (for `responder playbooks show`)."""
    out = [f"{playbook.id} · {playbook.title} (version {playbook.version})", f"  file: {playbook.source}"]
    if playbook.description:
        out.append(f"  {playbook.description}")
    for i, s in enumerate(playbook.steps, start=1):
        extra = f" · {s.action}" if s.action else ""
        extra += " · MUTATING" if s.mutating else ""
        extra += f" · when {s.when.source}" if s.when else ""
        out.append(f"  {i:>2}. [{s.kind}] {s.id}: {s.title}{extra}")
    return out


def step_map(playbook: Playbook) -> Mapping[str, Step]:
    return {s.id: s for s in playbook.steps}
