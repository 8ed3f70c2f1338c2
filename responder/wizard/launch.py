"""How the person started responder, so the resume line we print works when they paste it.

`./dev drill` never puts `responder` on PATH, so "Resume with: responder resume DIR" would fail with
"command not found". The `dev` script says how it was invoked (`RESPONDER_LAUNCHER`); otherwise the
bare name is used only when it is the same program on PATH, and the full path of this script when not.
The environment and argv are passed in: this module reads no globals.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path


def launcher(environ: Mapping[str, str], argv: Sequence[str], python: str) -> str:
    """The command prefix that runs responder the way the person ran it (e.g. `./dev`, `responder`)."""
    given = environ.get("RESPONDER_LAUNCHER", "").strip()
    if given:
        return given
    script = Path(argv[0]) if argv and argv[0] else None
    if script is None or script.name in ("__main__.py", "-c") or not script.exists():
        return f"{shlex.quote(python)} -m responder"
    on_path = shutil.which("responder", path=environ.get("PATH", ""))
    if on_path and Path(on_path).resolve() == script.resolve():
        return "responder"
    return shlex.quote(str(script.resolve()))
