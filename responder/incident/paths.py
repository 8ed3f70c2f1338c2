"""Where incidents live on disk, and how a case is named.

An incident directory holds one case: `journal.jsonl`, `evidence/`, `MANIFEST.sha256`, the report.
By default it sits under the platform's user data dir (`$XDG_DATA_HOME/responder/incidents` — drills
under `.../responder/drills`, apart from real incidents —, or
`~/.local/share/responder/incidents`; `%LOCALAPPDATA%` on Windows, `~/Library/Application Support`
on macOS). The environment is passed in, never read from a global, so tests choose the place.

An incident directory is a place for secrets' neighbours: it is created 0700 (whatever the umask),
and a folder the user names with `--incident-dir` must be new or empty and not a symbolic link —
responder never writes a case into a folder that already holds other files, or through a link.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from responder.errors import UsageError
from responder.incident.store import DIR_MODE

_CHOOSE = "choose one with --incident-dir"


def user_data_dir(environ: Mapping[str, str], *, platform: str = sys.platform) -> Path:
    """The platform's per-user data directory for responder."""
    home = Path(environ.get("HOME") or Path.home())
    if platform.startswith("win"):
        base = Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "responder"


def incidents_root(environ: Mapping[str, str], *, platform: str = sys.platform) -> Path:
    return user_data_dir(environ, platform=platform) / "incidents"


def drills_root(environ: Mapping[str, str], *, platform: str = sys.platform) -> Path:
    """Drills and their reports live apart from real incidents: nobody sends a rehearsal to support."""
    return user_data_dir(environ, platform=platform) / "drills"


def new_case_id(now: datetime, suffix: str | None = None) -> str:
    """`2026-11-23-7f3a`: the UTC date the case opened and 4 random hex digits."""
    tail = suffix if suffix is not None else secrets.token_hex(2)
    return f"{now.strftime('%Y-%m-%d')}-{tail}"


def new_incident_dir(root: Path, now: datetime) -> tuple[str, Path]:
    """Create a fresh, empty incident directory under `root`; returns (case id, directory)."""
    try:
        root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create {root}: {e.strerror}", hint=_CHOOSE) from None
    for _ in range(50):
        case_id = new_case_id(now)
        path = root / case_id
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        except OSError as e:
            raise UsageError(f"cannot create {path}: {e.strerror}", hint=_CHOOSE) from None
        os.chmod(path, DIR_MODE)  # mkdir's mode passes through the umask
        return case_id, path
    raise UsageError(
        f"could not create a new incident directory under {root}", hint="choose one with --incident-dir"
    )


def prepare_incident_dir(path: Path) -> None:
    """Use a directory the user chose: new, or existing but empty; never a link, never another case.

    Every refusal happens before anything is created or changed."""
    if path.is_symlink():
        raise UsageError(
            f"refusing {path}: it is a symbolic link (to {os.readlink(path)}); an incident directory must "
            "be a real folder",
            hint="name a new folder, or leave --incident-dir out",
        )
    if (path / "journal.jsonl").exists():
        raise UsageError(
            f"{path} already holds a case (journal.jsonl exists)",
            hint=f"continue it with: responder resume {path}",
        )
    if path.exists():
        if not path.is_dir():
            raise UsageError(
                f"refusing {path} as the incident directory: it is not a folder", hint="name a new folder"
            )
        try:
            first = next(iter(sorted(path.iterdir())), None)
        except OSError as e:
            raise UsageError(f"cannot read {path}: {e.strerror}") from None
        if first is not None:
            raise UsageError(
                f"refusing {path}: it already holds files responder did not write (e.g. {first.name})",
                hint="name a new or empty folder, or leave --incident-dir out",
            )
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)
    except OSError as e:
        raise UsageError(f"cannot create the incident directory {path}: {e.strerror}") from None


def require_case(path: Path) -> None:
    """A directory that holds a case (its journal), to continue or re-render; UsageError otherwise."""
    if not path.is_dir():
        raise UsageError(
            f"{path} is not an incident directory (no such folder)", hint="pass the incident directory"
        )
    if not (path / "journal.jsonl").is_file():
        raise UsageError(f"{path} is not an incident directory (no journal.jsonl)")
