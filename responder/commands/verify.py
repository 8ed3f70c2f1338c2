"""`responder verify DIR`: the journal's hash chain and, when present, the manifest."""

from __future__ import annotations

from pathlib import Path

from responder.errors import UsageError


def verify(directory: Path) -> list[str]:
    """Every problem found; an empty list means intact. UsageError if `directory` holds no case."""
    from responder.incident.evidence import is_case, verify_incident

    if not is_case(directory):
        raise UsageError(f"{directory} is not an incident directory (no journal.jsonl, no MANIFEST.sha256)")
    return verify_incident(directory)
