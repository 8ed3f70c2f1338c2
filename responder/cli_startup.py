"""Start-up speed for the command line (issue 5: the first prompt comes before anything heavy).

`LightGroup` is the root Typer group of `cli.py`; it lets plain options skip typer's pydantic
conversion. Apart from `cli.py` so that the command line stays a list of thin adapters; with it,
the only module that imports typer.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import typer


class LightGroup(typer.core.TyperGroup):
    """The root command group; before parsing, it gives every parameter `_lazy_conversion`.

    typer 0.29 converts every value through a pydantic TypeAdapter, built on first use even for an
    option left at its default, and importing pydantic costs about 90 ms: half the time to the
    first prompt of `responder run`. A `str`, a `bool` or a plain `Path` is converted here the way
    typer's adapter would (the value itself; typer's own `coerce_cli_path`); anything else is handed
    to typer's pydantic conversion, so behaviour is unchanged. Uses typer internals
    (`typer._coercion`); if they move, typer's own conversion is used throughout.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        settings = kwargs.setdefault("context_settings", {}) or {}
        settings.setdefault("help_option_names", ["-h", "--help"])  # `-h` works everywhere
        kwargs["context_settings"] = settings
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _preset_conversions(self, ctx)
        return super().parse_args(ctx, args)


def _preset_conversions(command: Any, ctx: Any) -> None:
    lazy = _lazy_conversion()
    if lazy is None:
        return
    params = list(command.params)
    own = ctx.command is command  # the root: `ctx` is its own context, with its `-h/--help` names
    if own or "help_option_names" not in command.context_settings:  # else its own context builds it later
        params.append(command.get_help_option(ctx))  # the same object click caches and uses
    for param in params:
        _name_placeholder(param)
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", 0) is None:
            param._runtime_param = lazy(descriptor.parameter_info, descriptor.annotation)
    for sub in getattr(command, "commands", {}).values():
        _preset_conversions(sub, ctx)


def _name_placeholder(param: Any) -> None:
    """Help shows `--since SINCE` (the option's own name), never typer's `<str>` placeholders."""
    if getattr(param, "param_type_name", "") == "argument" and hasattr(param, "display_type_rich"):
        param.display_type_rich = lambda ctx: None  # the argument's NAME says it; no `<str>` after it
    if getattr(param, "metavar", "x") is None and not getattr(param, "is_flag", False):
        param.metavar = str(param.name).upper()


def terminate_like_ctrl_c() -> None:
    """SIGTERM ends a run like Ctrl-C: the case is saved and the resume line printed (exit 130)."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        # At a question, end it the way Ctrl-C does (the prompt's own exit), not by raising into the
        # middle of its event loop, where the exception can be swallowed and the process left waiting.
        application = sys.modules.get("prompt_toolkit.application.current")
        app = application.get_app_or_none() if application is not None else None
        loop = getattr(app, "loop", None) if app is not None and app.is_running else None
        if app is not None and loop is not None:
            loop.call_soon_threadsafe(lambda: app.exit(exception=KeyboardInterrupt()))
            return
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@functools.cache
def _lazy_conversion() -> Any:
    """A typer RuntimeParam class converting plain values without pydantic; None if typer moved it."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_path
    except ImportError:
        return None

    class LazyConversion(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            kind, info = self.annotation, self.parameter_info
            if info.parser is None and kind in (str, bool) and isinstance(value, kind):
                return value
            if info.parser is None and kind is Path and info.path_type is None and isinstance(value, str):
                path = Path(value)  # what pydantic's Path validation makes of a str
                return coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)

    return LazyConversion
