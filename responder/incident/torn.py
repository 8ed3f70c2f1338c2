"""A torn last line: the journal's final write cut off (a power cut, a full disk) before its newline.

Such a journal cannot be continued or reported as it is. `recover` (run when a case is reopened to
continue it) sets the torn bytes aside in `journal.torn-<line>`, private, and cuts the journal back to
its last whole line; the reopened journal then records the recovery as a `file` entry (what
`torn-line`), so `verify` can say what happened and the torn bytes stay checkable. A last line that is
whole but lacks only its newline gets the newline back. `verify` never recovers: it only reports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.incident.store import Writer, write_failed

TORN_PREFIX = "journal.torn-"


@dataclass(frozen=True)
class Torn:
    """Torn bytes set aside: which line they were, where they are kept, their size and SHA-256."""

    line: int
    kept: str
    size: int
    sha256: str

    def payload(self) -> dict[str, Any]:
        """The `file` entry that records the recovery."""
        return {
            "path": self.kept,
            "sha256": self.sha256,
            "what": "torn-line",
            "line": self.line,
            "bytes": self.size,
            "description": f"line {self.line} of the journal was cut off mid-write; its {self.size} "
            "bytes are kept aside and the journal continues after the last whole line",
        }


def recover(path: Path, writer: Writer, whole: Callable[[bytes], bool]) -> Torn | None:
    """Set a torn last line aside; None when the journal ends cleanly (or is missing). `whole` says
    whether a fragment is a complete entry that only lacks its newline."""
    try:
        data = path.read_bytes()
    except OSError:
        return None  # the caller's reader names the problem
    if not data or data.endswith(b"\n"):
        return None
    cut = data.rfind(b"\n") + 1
    fragment = data[cut:]
    line = data.count(b"\n") + 1
    try:
        if whole(fragment):
            writer.append(path, b"\n")
            return None
        kept = path.with_name(f"{TORN_PREFIX}{line}")
        n = 2
        while kept.exists():
            kept = path.with_name(f"{TORN_PREFIX}{line}-{n}")
            n += 1
        writer.write_new(kept, fragment)
        writer.replace(path, data[:cut])
    except OSError as e:
        raise write_failed("the torn journal line aside", path.parent, e) from None
    return Torn(line, kept.name, len(fragment), hashlib.sha256(fragment).hexdigest())
