"""`responder playbooks list|show|validate`: the bundled playbooks, loaded against this build's actions."""

from __future__ import annotations

from pathlib import Path

from responder.errors import PlaybookError


def list_playbooks() -> list[str]:
    """One line per bundled playbook: id, title and number of steps, or why it does not load."""
    from responder.leak.registry import build_registry
    from responder.playbook.loader import bundled_playbooks, load_playbook

    registry = build_registry()
    lines = []
    for path in bundled_playbooks():
        try:
            pb = load_playbook(path, registry)
        except PlaybookError as e:
            lines.append(f"{path.stem}  INVALID ({len(e.problems)} problems: responder playbooks validate)")
            continue
        lines.append(f"{pb.id}  {pb.title} · {len(pb.steps)} steps")
    return lines


def show(ref: str) -> list[str]:
    """A playbook outlined step by step."""
    from responder.leak.registry import build_registry
    from responder.playbook.loader import describe, find_playbook, load_playbook

    return describe(load_playbook(find_playbook(ref), build_registry()))


def validate(paths: list[str] | None) -> list[str]:
    """`ok  file (id, n steps)` for each valid file; PlaybookError with every problem otherwise."""
    from responder.leak.registry import build_registry
    from responder.playbook.loader import bundled_playbooks, load_playbook

    registry = build_registry()
    files = [Path(p) for p in paths] if paths else bundled_playbooks()
    if not files:
        raise PlaybookError("no playbooks to validate")
    problems: list[str] = []
    lines = []
    for path in files:
        try:
            pb = load_playbook(path, registry)
        except PlaybookError as e:
            problems += e.problems or [e.one_line()]
            continue
        lines.append(f"ok  {path} ({pb.id}, {len(pb.steps)} steps)")
    if problems:
        raise PlaybookError(f"{len(problems)} problem(s) in {len(files)} playbook file(s)", problems)
    return lines
