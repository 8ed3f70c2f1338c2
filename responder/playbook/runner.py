"""The runner: walks a loaded playbook step by step against injected seams, and returns data.

It asks through a `Prompter`, shows through a `Display`, reads time from a `Clock`, calls the
exchange only inside actions, and writes every event to the `Journal` before going on. It prints
nothing and decides nothing about rendering. Ctrl-C at any prompt raises `Aborted` with the command
that resumes: the journal already holds everything done so far. A `CaseState` (rebuilt from the
journal) lets it continue a case: finished steps are not repeated, recorded mutations are replayed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from responder.clock import Clock
from responder.errors import Aborted, AnswersError, ExchangeError
from responder.exchange.protocol import Exchange
from responder.incident.evidence import EvidenceStore, close_case
from responder.incident.journal import SECRET_WITHHELD, Journal, format_time
from responder.playbook.actions import ActionContext, ActionRegistry, ActionResult, ActionUnavailable
from responder.playbook.conditions import Unknown, as_unknown, decide, unknown
from responder.playbook.model import Playbook, Question, Ref, Step, Verify
from responder.playbook.protocols import Display, DrillControl, Prompt, Prompter, Purpose
from responder.playbook.state import CaseState, StepRecord
from responder.secrets import Secret, SecretRegistry, mask_key

_REF_IN_TEXT = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)\}")
WAIT_AGAIN = "Check again now"
WAIT_REDO = "I did it again — check now"
WAIT_SHOW = "Show me the steps again"
WAIT_MOVE_ON = "Move on — record it as unresolved"
# The choices while a manual step's check is pending; data prompters map yes to the first, no to the last.
WAIT_CHOICES = (WAIT_AGAIN, WAIT_REDO, WAIT_SHOW, WAIT_MOVE_ON)
_STATUS = {"ok": "done", "warn": "done", "passed": "done", "failed": "failed", "pending": "unresolved"}


@dataclass(frozen=True)
class Env:
    """The collaborators a run needs, injected. `exchange` is None when no key was given."""

    prompter: Prompter
    display: Display
    clock: Clock
    secrets: SecretRegistry
    registry: ActionRegistry
    exchange: Exchange | None = None
    control: DrillControl | None = None  # the simulator's control channel, in a drill
    # Further exchanges opened during the run (e.g. "investigation": a fresh read-only key), a factory
    # for them, and the secret answers of this process (never journaled; gone after a restart).
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    connect: Callable[[str, Secret], Exchange] | None = None
    vault: dict[str, Secret] = field(default_factory=dict)
    # The command that resumes a case as the person launched responder (`./dev resume DIR`, ...).
    resume_command: Callable[[Path], str] | None = None


@dataclass(frozen=True)
class StepResult:
    id: str
    title: str
    kind: str
    status: str  # done | skipped | unresolved | failed | pending (not reached)
    outputs: Mapping[str, Any]


@dataclass(frozen=True)
class RunResult:
    case_id: str
    incident_dir: Path
    mode: str  # live | dry-run | drill
    playbook_id: str
    steps: tuple[StepResult, ...]
    findings: tuple[str, ...]
    closed: str | None  # the case-closed status, None while the case is open

    @property
    def dry_run(self) -> bool:
        return self.mode == "dry-run"


class Runner:
    def __init__(
        self, env: Env, playbook: Playbook, journal: Journal, incident_dir: Path, state: CaseState
    ) -> None:
        self.env = env
        self.playbook = playbook
        self.journal = journal
        self.dir = incident_dir
        self.state = state
        self.evidence = EvidenceStore(incident_dir, journal, env.secrets)
        journal.step_roles = {s.id: s.role for s in playbook.steps if s.role}
        self.opened = datetime.fromisoformat(state.opened_time.replace("Z", "+00:00"))
        self._skips: list[tuple[int, int, str, str]] = []  # (index, total, title, why) not yet shown

    def run(self) -> RunResult:
        try:
            if self.state.closed is None:
                total = len(self.playbook.steps)
                self._restore_memory(total)
                for index, step in enumerate(self.playbook.steps, start=1):
                    if step.id not in self.state.finished:
                        self._step(index, total, step)
                self._show_skips()
                self._close()
        except (KeyboardInterrupt, Aborted):
            how = self.env.resume_command
            raise Aborted(
                f"Saved. Resume with: {how(self.dir) if how else f'responder resume {self.dir}'}"
            ) from None
        return self.result()

    def _restore_memory(self, total: int) -> None:
        """After a restart, what lived only in the previous process is gone: a secret answer (never
        written anywhere) that a step still to run names (`secret_ref`) is asked again, and steps whose
        outputs say `in_memory` (a connection for a further key) run again while a later step has not."""
        ids = [s.id for s in self.playbook.steps]
        ahead = [
            s
            for s in self.playbook.steps
            if s.id not in self.state.finished or self.state.finished[s.id].outputs.get("in_memory")
        ]
        for index, step in enumerate(self.playbook.steps, start=1):
            rec = self.state.finished.get(step.id)
            if rec is None or not [i for i in ids[index:] if i not in self.state.finished]:
                continue
            if step.kind == "ask" and rec.status == "done":
                self._ask_secrets_again(step, ahead)
            elif rec.outputs.get("in_memory"):
                self.env.display.show(
                    "info", f"{step.title}: it lived only in the stopped process; again now"
                )
                del self.state.finished[step.id]
                self._step(index, total, step)

    def _ask_secrets_again(self, step: Step, ahead: list[Step]) -> None:
        """Secret and masked answers (an API key) live only in the vault: ask them again."""
        for q in step.questions:
            key = f"{step.id}.{q.id}"
            named = any(key in (v for v in s.params.values() if isinstance(v, str)) for s in ahead)
            if not (q.type == "secret" or q.masked) or key in self.env.vault or not named:
                continue
            text = f"{q.prompt} (kept only in memory, so asked again; empty to skip)"
            ask = Prompt(step.id, q.id, text, "question")
            try:
                value = (
                    self.env.prompter.secret(ask)
                    if q.type == "secret"
                    else Secret(self.env.prompter.text(ask))
                )
            except AnswersError:  # an answers file without it: go on; the step that needs it says so
                continue
            shown = SECRET_WITHHELD if q.type == "secret" else mask_key(value.reveal()) if value else ""
            self.journal.append("answer", step.id, {"question": q.id, "value": shown, "again": True})
            if value and q.type == "secret":
                self.env.secrets.add(value)
            if value:
                self.env.vault[key] = value

    def result(self) -> RunResult:
        steps = []
        for s in self.playbook.steps:
            rec = self.state.finished.get(s.id)
            steps.append(
                StepResult(
                    s.id, s.title, s.kind, rec.status if rec else "pending", rec.outputs if rec else {}
                )
            )
        return RunResult(
            self.state.case_id,
            self.dir,
            self.state.mode,
            self.playbook.id,
            tuple(steps),
            tuple(self.state.findings),
            self.state.closed,
        )

    # --- one step ------------------------------------------------------------------------------------
    def _step(self, index: int, total: int, step: Step) -> None:
        decided = decide(step.when, self._lookup) if step.when is not None else True
        if decided is False or (isinstance(decided, Unknown) and step.if_unknown == "skip"):
            assert step.when is not None
            why = f"could not read {decided.reason}" if isinstance(decided, Unknown) else self._why_not(step)
            reason = f"condition not met: {step.when.source}" if decided is False else why
            self.journal.append("step-skipped", step.id, {"reason": reason})
            self.state.finished[step.id] = StepRecord(step.id, "skipped", {})
            self._skips.append((index, total, step.title, why))
            return
        self._show_skips()
        started: dict[str, Any] = {"index": index, "total": total, "title": step.title}
        if isinstance(decided, Unknown):  # the safe branch: do the step, and say why
            started["unknown"] = decided.reason
        self.journal.append("step-started", step.id, started)
        self.env.display.step(index, total, step.title, self.env.clock.now() - self.opened)
        if isinstance(decided, Unknown):
            self.env.display.show("warn", f"could not read {decided.reason} — doing this step to be safe")
        status, outputs = getattr(self, f"_{step.kind}")(step)
        entry = self.journal.append("step-completed", step.id, {"status": status, "outputs": outputs})
        self.state.finished[step.id] = StepRecord(step.id, status, entry.payload["outputs"])

    def _show_skips(self) -> None:
        """Steps skipped in a row for the same reason are one line: the person reads why, not a list."""
        pending, self._skips = self._skips, []
        while pending:
            first, total, title, why = pending[0]
            run = 1
            while run < len(pending) and pending[run][3] == why and pending[run][0] == first + run:
                run += 1
            if run == 1:
                self.env.display.show("info", f"Step {first}/{total} · {title} — skipped: {why}")
            else:
                last = first + run - 1
                more = f"{title} and {run - 1} more"
                self.env.display.show("info", f"Steps {first}–{last}/{total} · {more} — skipped: {why}")
            pending = pending[run:]

    def _why_not(self, step: Step) -> str:
        """Why a step was skipped, in the playbook's words when it gives them (`skipped`)."""
        assert step.when is not None
        return step.skipped or f"only when {step.when.source}"

    def _note(self, step: Step) -> tuple[str, dict[str, Any]]:
        self.env.display.show("info", self._text(step.text))
        return "done", {}

    def _ask(self, step: Step) -> tuple[str, dict[str, Any]]:
        if step.text:
            self.env.display.show("info", self._text(step.text))
        outputs: dict[str, Any] = {}
        times: list[tuple[Question, str]] = []  # earlier datetime answers of this step
        for q in step.questions:
            outputs[q.id] = self._question(step, q)
            role = {"role": q.role} if q.role else {}
            self.journal.append("answer", step.id, {"question": q.id, "value": outputs[q.id], **role})
            if q.type == "datetime":
                self._order_warning(q, str(outputs[q.id]), times)
        return "done", outputs

    def _order_warning(self, q: Question, value: str, times: list[tuple[Question, str]]) -> None:
        """A later time of the step before an earlier one ("noticed" before "leaked"): say so."""
        for earlier, before in times:
            if value < before:  # same ISO-8601 UTC format: text order is time order
                self.env.display.show(
                    "warn",
                    f"{q.prompt.rstrip('?')} ({value}) is before "
                    f"{earlier.prompt.rstrip('?').lower()} ({before}); check both",
                )
        times.append((q, value))

    def _question(self, step: Step, q: Question) -> object:
        p = Prompt(step.id, q.id, q.prompt, "question", q.choices, q.default, q.help)
        ask = self.env.prompter
        if q.type == "secret":
            secret = ask.secret(p)
            if secret:
                self.env.secrets.add(secret)
                self.env.vault[f"{step.id}.{q.id}"] = secret
            return SECRET_WITHHELD
        if q.type == "datetime":
            return format_time(ask.when(p))
        if q.type == "confirm":
            return ask.confirm(p)
        if q.masked:  # an API key: the journal gets its mask, the action reads it from the vault
            value = ask.text(p).strip()
            if value:
                self.env.vault[f"{step.id}.{q.id}"] = Secret(value)
            return mask_key(value) if value else ""
        return ask.choice(p) if q.type == "choice" else ask.text(p)

    def _manual(self, step: Step) -> tuple[str, dict[str, Any]]:
        self._instructions(step)
        confirmed, missing = self._checklist(step)
        outputs: dict[str, Any] = {"confirmed": confirmed, "unconfirmed": missing}
        if step.verify is not None:
            result, confirmed, missing = self._verify(step, step.verify, confirmed, missing)
            outputs.update(confirmed=confirmed, unconfirmed=missing, verify=result)
            done = result == "passed" and not missing
            return ("failed" if result == "failed" else "done" if done else "unresolved"), outputs
        return ("unresolved" if missing else "done"), outputs

    def _instructions(self, step: Step) -> None:
        self.env.display.show("info", self._text(step.text))
        if step.url:
            self.env.display.show("info", f"Open: {step.url}")

    def _checklist(self, step: Step, *, again: bool = False) -> tuple[list[str], list[str]]:
        """Ask each item (Enter-confirmed); journal what the person confirmed; act it out in a drill."""
        show, ask = self.env.display.show, self.env.prompter
        confirmed, missing = [], []
        earlier = set() if again else self.state.confirmed_items.get(step.id, set())
        for item in step.checklist or (step.title,):
            purpose: Purpose = "checklist" if step.checklist else "manual-done"
            text = item if step.checklist else "Done?"
            if item in earlier:  # confirmed before an interruption: the journal already says so
                show("ok", f"{text} (you confirmed this before the interruption)")
                confirmed.append(item)
            elif ask.confirm(Prompt(step.id, item, text, purpose, default=False)):
                payload = {"item": item, "text": text, **({"again": True} if again else {})}
                self.journal.append("confirmation", step.id, payload)
                self.state.confirmed_items.setdefault(step.id, set()).add(item)
                confirmed.append(item)
            else:
                missing.append(item)
                show("warn", f"not confirmed: {item}")
        drill = step.drill is not None and self.state.mode == "drill"
        if drill and not missing and (again or step.id not in self.state.acted):
            assert step.drill is not None
            self._show_result(self._call(step, step.drill.action, step.drill.params))
            self.state.acted.add(step.id)
        return confirmed, missing

    def _verify(
        self, step: Step, v: Verify, confirmed: list[str], missing: list[str]
    ) -> tuple[str, list[str], list[str]]:
        """Poll `v` until passed/failed. While pending, the person chooses: check again, redo the step
        (then check), see the steps again, or move on (recorded as unresolved)."""
        attempt = 0
        while True:
            attempt += 1
            result = self._call(step, v.action, v.params)
            check = result.status if result.status in ("passed", "failed") else "pending"
            reason = next((text for _, text in result.lines), "") or str(result.outputs.get("error", ""))
            self.journal.append("check", step.id, {"action": v.action, "result": check, "reason": reason})
            self._show_result(result)
            if check != "pending":
                return check, confirmed, missing
            if attempt % v.attempts == 0 or missing:
                choice = self._wait_choice(step)
                while choice == WAIT_SHOW:
                    self._instructions(step)
                    choice = self._wait_choice(step)
                if choice == WAIT_MOVE_ON:
                    self.env.display.show("warn", "moved on without confirmation; recorded as unresolved")
                    return "pending", confirmed, missing
                if choice == WAIT_REDO:
                    confirmed, missing = self._checklist(step, again=True)
                    continue  # check at once: the person just did it
            self.env.display.progress(f"checking again in {v.interval_seconds:g} s…")
            self.env.clock.sleep(v.interval_seconds)

    def _wait_choice(self, step: Step) -> str:
        prompt = Prompt(
            step.id,
            "keep-checking",
            "Not confirmed yet. What now?",
            "keep-checking",
            choices=WAIT_CHOICES,
            default=WAIT_CHOICES[0],
        )
        return self.env.prompter.choice(prompt)

    def _action(self, step: Step) -> tuple[str, dict[str, Any]]:
        if step.text:
            self.env.display.show("info", self._text(step.text))
        if step.mutating and step.id not in self.state.confirmed:
            prompt = Prompt(step.id, "confirm", self._text(step.confirm), "mutation", default=False)
            if not self.env.prompter.confirm(prompt):
                self.journal.append("answer", step.id, {"question": "confirm", "value": False})
                self.env.display.show("info", "not done (you said no)")
                return "skipped", {"declined": True}
            self.journal.append(
                "confirmation", step.id, {"item": step.action, "text": self._text(step.confirm)}
            )
            self.state.confirmed.add(step.id)
        result = self._call(step, step.action, step.params)
        summary = {
            "status": result.status,
            "outputs": dict(result.outputs),
            "findings": list(result.findings),
            "evidence": [e.path for e in result.evidence],
        }
        self.journal.append("action-result", step.id, {"action": step.action, "summary": summary})
        self.state.findings.extend(result.findings)
        self._show_result(result)
        return _STATUS[result.status], dict(result.outputs)

    def _call(self, step: Step, action: str, params: Mapping[str, object]) -> ActionResult:
        spec = self.env.registry.get(action)
        if spec is None:  # the loader checked; a registry changed under us is still a clear failure
            return ActionResult("failed", {"error": f"unknown action {action}"})
        ctx = ActionContext(
            step.id,
            action,
            self.env.exchange,
            self.env.clock,
            self.journal,
            self.evidence,
            self.env.display,
            self.env.secrets,
            self.dir,
            {k: v.outputs for k, v in self.state.finished.items()},
            dry_run=self.state.mode == "dry-run",
            drill=self.state.mode == "drill",
            control=self.env.control,
            exchanges=self.env.exchanges,
            connect=self.env.connect,
            vault=self.env.vault,
            recorded=tuple(self.state.mutations.get(step.id, ())),
        )
        try:
            return spec.fn(ctx, self._resolve(params))
        except (ExchangeError, ActionUnavailable) as e:
            if isinstance(e, ExchangeError) and e.fatal:
                raise  # a ban or a hostile server ends the run at once; the journal keeps what was done
            return ActionResult("failed", {"error": self.env.secrets.scrub(e.one_line())})

    def _show_result(self, result: ActionResult) -> None:
        for level, text in result.lines:
            self.env.display.show(level, text)
        if result.status == "failed" and "error" in result.outputs:
            self.env.display.show("warn", f"failed: {result.outputs['error']}")

    # --- values --------------------------------------------------------------------------------------
    def _text(self, text: str) -> str:
        """Text shown to the user with `${step.key}` filled in from earlier outputs (lists joined)."""

        def fill(m: re.Match[str]) -> str:
            value = self._lookup(tuple(m.group(1).split(".")))
            if as_unknown(value) is not None:
                return "(unknown)"
            if isinstance(value, list):
                return ", ".join(str(v) for v in value)
            return "?" if value is None else str(value)

        return _REF_IN_TEXT.sub(fill, text)

    def _resolve(self, value: object) -> Any:
        if isinstance(value, Ref):
            return self._lookup(value.path)
        if isinstance(value, Mapping):
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    def _lookup(self, path: tuple[str, ...]) -> object:
        mode = self.state.mode
        builtins = {"dry_run": mode == "dry-run", "drill": mode == "drill", "mode": mode}
        if path[0] in builtins:
            return builtins[path[0]]
        rec = self.state.finished.get(path[0])
        if rec is None:
            return None
        if len(path) == 1:
            return rec.status
        value: object = rec.outputs
        for part in path[1:]:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None and rec.status == "failed":  # the step that should have read it failed
            return unknown(f"{'.'.join(path)} (step {path[0]} failed)")
        return value

    def _close(self) -> None:
        statuses = {rec.status for rec in self.state.finished.values()}
        status = "unresolved" if statuses & {"unresolved", "failed"} else "done"
        close_case(self.journal, status)  # the manifest, then `case-closed` recording it: the end is anchored
        self.state.closed = status
