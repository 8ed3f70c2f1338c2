"""`responder verify DIR [--expect HASH]`: the journal's chain, every file against its journal record,
the case's end, and optionally a head hash the person kept. Returns the lines to print and the verdict."""

from __future__ import annotations

from pathlib import Path

from responder.errors import EXIT_FAILURE, EXIT_OK


def verify(directory: Path, *, expect: str | None = None) -> tuple[list[str], int]:
    """The lines to print and the exit code: 0 intact (closed, or so far when open), 1 any problem."""
    from responder.incident.verify import verify_case

    v = verify_case(directory, expect=expect)
    lines = [f"BROKEN  {problem}" for problem in v.problems]
    if v.problems:
        lines.append(f"BROKEN  {directory}: {len(v.problems)} problem(s); the record does not hold up")
    elif v.closed is not None:
        lines.append(
            f"intact  {directory}: closed ({v.closed}) · journal chain of {v.entries} entries · "
            f"{v.files} files match the journal, manifest included"
        )
    else:
        lines.append(
            f"intact so far, open  {directory}: journal chain of {v.entries} entries · "
            f"{v.files} files match the journal"
        )
    lines += [f"note    {note}" for note in v.notes]
    if v.head:
        lines.append(
            f"head    {v.head}  (keep it; a later `responder verify DIR --expect HASH` proves the journal "
            "up to it unchanged)"
        )
    return lines, EXIT_FAILURE if v.problems else EXIT_OK
