"""Opening and resuming cases: the core functions the CLI and the wizard commands call.

`start_case` creates the incident directory and journal (first entry `case-opened` with the
playbook's sha256 and responder's version) and runs the playbook; `resume_case` verifies the chain,
rebuilds the state from the journal, refuses a changed playbook unless forced, journals `resumed`
and continues at the first unfinished step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from responder import __version__
from responder.errors import UsageError
from responder.incident.journal import Journal
from responder.incident.paths import (
    drills_root,
    incidents_root,
    new_case_id,
    new_incident_dir,
    prepare_incident_dir,
)
from responder.playbook.loader import find_playbook, load_playbook
from responder.playbook.model import Playbook
from responder.playbook.runner import Env, Runner, RunResult
from responder.playbook.state import rebuild

Mode = Literal["live", "dry-run", "drill"]


@dataclass(frozen=True)
class CaseInfo:
    """What `case-opened` records about the account side. `key` is already masked."""

    base_url: str = ""
    key: str = ""
    key_type: str = ""
    scenario: str | None = None


def start_case(
    env: Env,
    playbook: Playbook,
    *,
    mode: Mode,
    info: CaseInfo = CaseInfo(),
    incident_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> RunResult:
    """Open a new case (in `incident_dir`, or a fresh one under the user data dir) and run it."""
    now = env.clock.now()
    if incident_dir is None:
        root = (drills_root if mode == "drill" else incidents_root)(environ or {})
        case_id, incident_dir = new_incident_dir(root, now)
    else:
        prepare_incident_dir(incident_dir)
        case_id = new_case_id(now)
    journal = Journal.create(incident_dir, env.clock, env.secrets)
    payload: dict[str, object] = {
        "case_id": case_id,
        "mode": mode,
        "playbook_id": playbook.id,
        "playbook_sha256": playbook.sha256,
        "responder_version": __version__,
        "base_url": info.base_url,
        "key": info.key,
        "key_type": info.key_type,
    }
    if info.scenario is not None:
        payload["scenario"] = info.scenario
    journal.append("case-opened", None, payload)
    marker = {"dry-run": "DRY RUN · nothing will be changed · ", "drill": "DRILL · "}.get(mode, "")
    env.display.show("info", f"{marker}Case {case_id} · journal: {incident_dir}/")
    return Runner(env, playbook, journal, incident_dir, rebuild(journal.entries)).run()


def resume_case(
    env: Env, incident_dir: Path, *, playbook: Playbook | None = None, force: bool = False
) -> RunResult:
    """Continue a case from its journal. Finished steps are not repeated; nothing is re-sent."""
    journal = Journal.open(incident_dir, env.clock, env.secrets)
    state = rebuild(journal.entries)
    if playbook is None:
        playbook = load_playbook(find_playbook(state.playbook_id), env.registry)
    if playbook.id != state.playbook_id:
        raise UsageError(
            f"{incident_dir} was opened with playbook {state.playbook_id!r}, not {playbook.id!r}"
        )
    if playbook.sha256 != state.playbook_sha256 and not force:
        raise UsageError(
            f"the playbook {playbook.id} changed since the case opened "
            f"(sha256 {state.playbook_sha256[:12]}… then, {playbook.sha256[:12]}… now)",
            hint=f"review the change; to use the new version: responder resume {incident_dir} --force",
        )
    runner = Runner(env, playbook, journal, incident_dir, state)
    if state.closed is not None:
        env.display.show("info", f"Case {state.case_id} is closed ({state.closed}); nothing to resume")
        return runner.result()
    journal.append("resumed", None, {"from_seq": state.last_seq})
    env.display.show("info", f"Resuming case {state.case_id} · journal: {incident_dir}/")
    return runner.run()
