"""`responder report DIR`: re-render the report from the incident directory alone."""

from __future__ import annotations

from pathlib import Path

from responder.commands.settings import Settings


def report(settings: Settings, directory: Path, *, fmt: str, tz: str | None) -> list[Path]:
    """Write `report.<fmt>` for each format asked, each rendering journaled; returns the written paths.

    Opening the journal to append recovers a torn last line first (see `incident.torn`)."""
    from responder.incident.journal import Journal
    from responder.incident.paths import require_case
    from responder.report.service import parse_formats, report_incident, resolve_zone
    from responder.secrets import SecretRegistry

    formats = parse_formats(fmt)
    zone = resolve_zone(tz)
    require_case(directory)
    journal = Journal.open(directory, settings.clock, SecretRegistry())
    return report_incident(directory, formats, now=settings.clock.now(), zone=zone, journal=journal)
