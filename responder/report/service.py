"""`report_incident`: rebuild the report of one incident directory and write it there.

The one entry point the CLI (`responder report DIR`) and the wizard's Report step call: read the
directory, build the context, render each format, write `report.<fmt>` and journal each rendering
through `responder.incident.evidence` (a changed rendering it replaces is named in the record). On a
closed case the case is closed again with a new manifest, so its end stays anchored. Time and zone
are passed in (the clock is a seam).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from responder.errors import UsageError
from responder.incident.evidence import close_case, closed_status
from responder.incident.journal import Journal
from responder.incident.record import read_incident
from responder.report.context import build_context
from responder.report.render import FORMATS, write_reports
from responder.secrets import SecretRegistry


def parse_formats(value: str) -> tuple[str, ...]:
    """`md`, `txt`, `html`, `all`, or a comma list of them."""
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    if names == ["all"]:
        return FORMATS
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise UsageError(
            f"unknown report format {', '.join(bad) or value!r}", hint="use md, txt, html or all"
        )
    return tuple(dict.fromkeys(names))


def resolve_zone(name: str | None) -> tzinfo | None:
    """The user's zone: a named IANA zone, or this machine's local zone when `name` is None."""
    if name is None:
        return datetime.now().astimezone().tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}", hint="use an IANA name, e.g. Europe/Paris") from None


def report_incident(
    directory: Path,
    formats: Iterable[str] = FORMATS,
    *,
    now: datetime,
    zone: tzinfo | None,
    journal: Journal,
    secrets: SecretRegistry | None = None,
) -> list[Path]:
    """Write `report.<fmt>` for each format into `directory`, each journaled; returns the paths."""
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory", hint="pass the incident directory")
    ctx = build_context(read_incident(directory), generated_at=now, zone=zone)
    written = write_reports(ctx, journal, formats, secrets=secrets)
    status = closed_status(journal)
    if status is not None:
        close_case(journal, status, reason="report re-rendered")
    return written
