"""Actions: named functions a playbook step can run, and the context they run in.

An action is `(ctx: ActionContext, params) -> ActionResult`, registered explicitly in an
`ActionRegistry` (no import-time side effects: each area's `register(registry)` adds its own; the
leak build composes them in `leak/registry.py`). The loader checks playbooks against the registry.
Every change to the account goes through `ctx.mutate`, which journals `intent` with the exact
request before calling, `outcome` after; in a dry run it journals `would-do` and calls nothing; on
an unknown outcome it reads the state (`reconcile`) and journals what it found — it never re-sends.
On resume, a mutation already journaled for the step is replayed from the journal, never sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from responder.clock import Clock
from responder.errors import ExchangeError, Rejected, ResponderError, TimestampRejected
from responder.exchange.protocol import Exchange
from responder.incident.evidence import EvidenceRef, EvidenceStore
from responder.incident.journal import Journal
from responder.playbook.protocols import Display, DrillControl, Level
from responder.secrets import Secret, SecretRegistry

ActionStatus = Literal["ok", "warn", "failed", "passed", "pending"]
JsonMap = Mapping[str, Any]


class ActionUnavailable(ResponderError):
    """An action that cannot run here (no credentials, no drill control); its step is marked failed."""


@dataclass(frozen=True)
class ActionResult:
    """What an action did. `outputs` (JSON values) become the step's outputs for later steps."""

    status: ActionStatus = "ok"
    outputs: JsonMap = field(default_factory=dict)
    lines: tuple[tuple[Level, str], ...] = ()
    evidence: tuple[EvidenceRef, ...] = ()
    findings: tuple[str, ...] = ()  # things the user must attend to, gathered into the run result


@dataclass(frozen=True)
class MutationOutcome:
    """How a mutation ended: ok | rejected | reconciled | unknown | would-do; `replayed` on resume."""

    status: str
    response: Any = None
    replayed: bool = False


@dataclass(frozen=True)
class RecordedMutation:
    """A mutation already in the journal for this step (from `state.py`), matched by its ordinal."""

    intent: JsonMap | None
    outcomes: tuple[JsonMap, ...] = ()
    would_do: bool = False

    @property
    def final(self) -> JsonMap | None:
        for o in reversed(self.outcomes):
            if o.get("status") in ("ok", "rejected", "reconciled"):
                return o
        return None


ActionFn = Callable[["ActionContext", JsonMap], ActionResult]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    fn: ActionFn
    mutating: bool = False
    verify: bool = False  # may serve as a manual step's `verify` (returns passed | failed | pending)
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] | None = ()  # None: any extra parameter is accepted
    description: str = ""


class ActionRegistry:
    """Name → ActionSpec. Built explicitly; the loader validates playbooks against it."""

    def __init__(self) -> None:
        self._specs: dict[str, ActionSpec] = {}

    def register(
        self,
        name: str,
        fn: ActionFn,
        *,
        mutating: bool = False,
        verify: bool = False,
        required: Sequence[str] = (),
        optional: Sequence[str] | None = (),
        description: str = "",
    ) -> None:
        if name in self._specs:
            raise ValueError(f"action {name!r} is already registered")
        opt = tuple(optional) if optional is not None else None
        self._specs[name] = ActionSpec(name, fn, mutating, verify, tuple(required), opt, description)

    def get(self, name: str) -> ActionSpec | None:
        return self._specs.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._specs))


@dataclass
class ActionContext:
    """Everything an action may touch. Built by the runner for one step."""

    step_id: str
    action: str
    exchange: Exchange | None
    clock: Clock
    journal: Journal
    evidence: EvidenceStore
    display: Display
    secrets: SecretRegistry
    incident_dir: Path
    outputs: Mapping[str, JsonMap]
    dry_run: bool = False
    drill: bool = False
    control: DrillControl | None = None  # the simulator's control channel in a drill
    exchanges: dict[str, Exchange] = field(default_factory=dict)  # opened during the run, by role
    connect: Callable[[str, Secret], Exchange] | None = None  # a client for another key
    vault: Mapping[str, Secret] = field(default_factory=dict)  # this process's secret answers
    recorded: Sequence[RecordedMutation] = ()
    _mutations: int = 0

    def need_exchange(self) -> Exchange:
        if self.exchange is None:
            raise ActionUnavailable(
                f"step {self.step_id} needs the Binance API, but no key was given", hint="run with a key"
            )
        return self.exchange

    def save_evidence(self, name: str, data: Any, *, source: str, description: str) -> EvidenceRef:
        return self.evidence.write(name, data, source=source, description=description, step=self.step_id)

    def check(self, action: str, result: str, reason: str) -> None:
        self.journal.append("check", self.step_id, {"action": action, "result": result, "reason": reason})

    def mutate(
        self,
        description: str,
        *,
        request: JsonMap,
        call: Callable[[], Any],
        reconcile: Callable[[], Any],
    ) -> MutationOutcome:
        """Run one change to the account with intent/outcome journaling (see the module docstring).

        `request` is `{method, path, params}` exactly as sent; `call` performs it and returns a JSON
        summary of the response; `reconcile` reads the state and returns a JSON summary of it.
        """
        action = self.action
        ordinal = self._mutations
        self._mutations += 1
        prior = self.recorded[ordinal] if ordinal < len(self.recorded) else None
        entry = {"action": action, "request": dict(request), "description": description}
        if self.dry_run:
            if prior is None or not prior.would_do:
                self.journal.append("would-do", self.step_id, entry)
            self.display.show("dry", f"would {description}: {request.get('method')} {request.get('path')}")
            return MutationOutcome("would-do")
        if prior is not None and prior.intent is not None:
            return self._resume(action, prior, reconcile)
        self.journal.append("intent", self.step_id, entry)
        for resend in (False, True):
            try:
                response = call()
            except TimestampRejected as e:
                if resend:
                    return self._refused(action, e)
                # -1021: never executed; the client re-synced its clock. Journal this attempt before
                # the one re-send, so every request that reached the wire is in the journal.
                self._outcome(action, "resent", {**_refusal(e), "reason": "clock re-synced; sent once more"})
                continue
            except ExchangeError as e:
                if e.executed is False:  # a rejection, 429, 418, WAF, geo block: certainly not done
                    return self._refused(action, e)
                self._outcome(action, "unknown", {"error": e.one_line()})  # may or may not have happened
                self.display.show("warn", f"the outcome of '{description}' is unknown; reading the state")
                return self._reconcile(action, reconcile)
            self._outcome(action, "ok", response)
            return MutationOutcome("ok", response)
        raise AssertionError("unreachable: the loop returns")  # pragma: no cover

    def _refused(self, action: str, e: ExchangeError) -> MutationOutcome:
        """Binance refused the request: journaled as rejected (not executed); a ban still ends the run."""
        summary = _refusal(e)
        self._outcome(action, "rejected", summary)
        if e.fatal:
            raise e
        return MutationOutcome("rejected", summary)

    def _resume(self, action: str, prior: RecordedMutation, reconcile: Callable[[], Any]) -> MutationOutcome:
        final = prior.final
        if final is not None:
            return MutationOutcome(str(final["status"]), final.get("response"), replayed=True)
        if not prior.outcomes:
            reason = "interrupted after the request was recorded and before its outcome"
            self._outcome(action, "unknown", {"error": reason})
        self.display.show(
            "warn", f"{action}: the last attempt was interrupted; reading the state, not re-sending"
        )
        return self._reconcile(action, reconcile)

    def _reconcile(self, action: str, reconcile: Callable[[], Any]) -> MutationOutcome:
        try:
            state = reconcile()
        except ExchangeError as e:
            self._outcome(action, "unknown", {"error": f"reconcile read failed: {e.one_line()}"})
            return MutationOutcome("unknown", {"error": e.one_line()})
        self._outcome(action, "reconciled", state)
        return MutationOutcome("reconciled", state)

    def _outcome(self, action: str, status: str, response: Any) -> None:
        self.journal.append(
            "outcome", self.step_id, {"action": action, "status": status, "response": response}
        )


def _refusal(e: ExchangeError) -> JsonMap:
    """What the journal keeps of a refused mutation: Binance's code and message, or our one line."""
    if isinstance(e, Rejected):
        return {"code": e.code, "msg": e.msg}
    return {"error": e.one_line(), "executed": False}
