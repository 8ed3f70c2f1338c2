"""`Settings`: what a command may know of the process it runs in, read once from the environment.

The CLI builds it once (`from_environment`) and passes it down; commands never read `os.environ`,
`sys.stdin.isatty()` or the system clock themselves, so tests hand in their own (a fixed clock, the
simulator's in-process transport, not interactive).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from responder.clock import Clock, SystemClock
from responder.exchange.baseurl import DEFAULT_BASE_URL

TransportFactory = Callable[[], Any]  # a new httpx.BaseTransport (httpx stays inside exchange/)


@dataclass(frozen=True)
class Settings:
    """`interactive`: a person at a terminal can be asked; `transport`: a new httpx transport for each
    client (None: the network); `base_url`: BINANCE_BASE_URL, else Binance's own; `futures_base_url`:
    BINANCE_FUTURES_BASE_URL, else derived from `base_url` (fapi.binance.com, or the simulator itself)."""

    environ: Mapping[str, str]
    interactive: bool
    out: TextIO
    err: TextIO
    clock: Clock = field(default_factory=SystemClock)
    base_url: str = DEFAULT_BASE_URL
    futures_base_url: str | None = None
    transport: TransportFactory | None = None
    launcher: str = "responder"  # how the person ran responder: `./dev`, `responder`, a full path

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str],
        *,
        stdin: Any,
        stdout: TextIO,
        stderr: TextIO,
        argv: Sequence[str] | None = None,
    ) -> Settings:
        import sys

        from responder.wizard.launch import launcher

        return cls(
            environ=MappingProxyType(dict(environ)),
            interactive=bool(stdin.isatty()),
            out=stdout,
            err=stderr,
            base_url=environ.get("BINANCE_BASE_URL") or DEFAULT_BASE_URL,
            launcher=launcher(environ, sys.argv if argv is None else argv, sys.executable),
            futures_base_url=environ.get("BINANCE_FUTURES_BASE_URL") or None,
        )

    def resume_command(self, directory: Path) -> str:
        """What to type to continue the case in `directory`, as the person launched responder."""
        return f"{self.launcher} resume {shlex.quote(str(directory.absolute()))}"

    def new_transport(self) -> Any:
        return self.transport() if self.transport is not None else None

    @property
    def color(self) -> bool:
        """Colour for the interactive prompts: unless NO_COLOR is set (no-color.org) or TERM=dumb."""
        return "NO_COLOR" not in self.environ and self.environ.get("TERM") != "dumb"
