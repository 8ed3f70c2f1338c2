"""`responder report DIR`: re-render the report from the incident directory alone."""

from __future__ import annotations

from pathlib import Path

from responder.commands.settings import Settings


def report(settings: Settings, directory: Path, *, fmt: str, tz: str | None) -> list[Path]:
    """Write `report.<fmt>` for each format asked; returns the written paths."""
    from responder.report.service import parse_formats, report_incident, resolve_zone

    formats = parse_formats(fmt)
    zone = resolve_zone(tz)
    return report_incident(directory, formats, now=settings.clock.now(), zone=zone)
