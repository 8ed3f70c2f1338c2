"""The command line: thin Typer adapters over the core. The only module that imports typer.

Each command parses options, builds collaborators, calls one core function and renders its result.
`main()` is the one place that turns errors into a one-line message and an exit code; no traceback
ever reaches the terminal. Heavy modules (httpx, jinja2, cryptography, the simulator) are imported
inside the commands so `responder --help` and the first prompt stay fast.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from responder import __version__
from responder.errors import EXIT_ABORTED, EXIT_USAGE, ResponderError


# --- start-up (issue 5: the first prompt comes before anything heavy) ---------------------------------
class _LightGroup(typer.core.TyperGroup):
    """The root command group; before parsing, it gives every parameter `_lazy_conversion`.

    typer 0.29 converts every value through a pydantic TypeAdapter, built on first use even for an
    option left at its default, and importing pydantic costs about 90 ms: half the time to the
    first prompt of `responder run`. A `str`, a `bool` or a plain `Path` is converted here the way
    typer's adapter would (the value itself; typer's own `coerce_cli_path`); anything else is handed
    to typer's pydantic conversion, so behaviour is unchanged. Uses typer internals
    (`typer._coercion`); if they move, typer's own conversion is used throughout.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _preset_conversions(self, ctx)
        return super().parse_args(ctx, args)


def _preset_conversions(command: Any, ctx: Any) -> None:
    lazy = _lazy_conversion()
    if lazy is None:
        return
    params = list(command.params)
    if "help_option_names" not in command.context_settings:  # else its own context builds it later
        params.append(command.get_help_option(ctx))  # the same object click caches and uses
    for param in params:
        _name_placeholder(param)
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(param, "_runtime_param", 0) is None:
            param._runtime_param = lazy(descriptor.parameter_info, descriptor.annotation)
    for sub in getattr(command, "commands", {}).values():
        _preset_conversions(sub, ctx)


def _name_placeholder(param: Any) -> None:
    """Help shows `--since WHEN`-style names (the option's own name), never typer's `<str>`."""
    if getattr(param, "param_type_name", "") == "argument" and hasattr(param, "display_type_rich"):
        param.display_type_rich = lambda ctx: None  # the argument's NAME says it; no `<str>` after it
    if getattr(param, "metavar", "x") is None and not getattr(param, "is_flag", False):
        param.metavar = str(param.name).upper()


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


# --- end start-up ------------------------------------------------------------------------------------


app = typer.Typer(
    name="responder",
    help=(
        "Incident response for a leaked Binance API key. Walks you through the leak playbook, does "
        "what Binance's API allows, records every step in a tamper-evident journal, and writes a "
        "report Binance support can act on. Rehearse with `responder drill` (simulated exchange)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    cls=_LightGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"responder {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Incident response for a leaked Binance API key."""


# --- commands are registered below, one section per area -------------------------------------------


# --- key (issue 2: exchange-core) ------------------------------------------------------------------
key_app = typer.Typer(
    help="Check an API key: is it live, and is it set up safely?", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(key_app, name="key")


def _ask_secret(prompt: str) -> str:
    """A masked prompt, only on a terminal: secrets never come from arguments."""
    if not sys.stdin.isatty():
        from responder.errors import CredentialError

        raise CredentialError(
            f"no {prompt} in the environment and no terminal to ask on",
            hint="set BINANCE_API_KEY and BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY_FILE)",
        )
    return str(typer.prompt(prompt, hide_input=True))


@key_app.command("check")
def _key_check(
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url", envvar="BINANCE_BASE_URL", help="Binance REST base URL (http only to 127.0.0.1)."
        ),
    ] = "https://api.binance.com",
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="Audit against a profile: dashboard, grid-bot, market-maker, arbitrage, custody, one-time.",
        ),
    ] = None,
    ip_restricted: Annotated[
        bool | None,
        typer.Option(
            "--ip-restricted/--no-ip-whitelist",
            help=(
                "What you know about the key's IP whitelist. Binance answers -2015 both for a deleted key "
                "and for a live key called from an address not on its whitelist: only with "
                "--no-ip-whitelist is -2015 proof of revocation; otherwise it is indeterminate."
            ),
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
) -> None:
    """Make one signed read with the key from the environment (or a masked prompt) and report
    live / revoked / indeterminate, its permissions, age and findings. Exit 0 when the check
    completed, 2 on bad input, 3 when Binance could not be reached."""
    import json

    from responder.clock import SystemClock
    from responder.credentials import load_credentials
    from responder.errors import Unreachable
    from responder.exchange.baseurl import check_base_url
    from responder.exchange.client import connect
    from responder.keycheck import check_key, get_profile, render_text, to_json
    from responder.secrets import SecretRegistry

    chosen = get_profile(profile) if profile else None
    base = check_base_url(base_url)
    credentials = load_credentials(os.environ, SecretRegistry(), ask_secret=_ask_secret)
    for warning in credentials.warnings:
        sys.stderr.write(f"responder: warning: {warning}\n")
    clock = SystemClock()
    with connect(base, credentials, clock=clock) as client:
        result = check_key(client, now=clock.now(), profile=chosen, ip_restricted=ip_restricted)
    typer.echo(json.dumps(to_json(result)) if as_json else render_text(result, clock.now()))
    if result.unreachable:  # exit 3 through main(); the verdict above is already printed
        raise Unreachable("the key check could not reach Binance", hint="the result above is indeterminate")


# --- end key ---------------------------------------------------------------------------------------


# --- report (issue 7: report) ----------------------------------------------------------------------
@app.command("report")
def _report(
    directory: Annotated[str, typer.Argument(help="The incident directory (holds journal.jsonl).")],
    fmt: Annotated[
        str, typer.Option("--format", help="md, txt, html, or all (a comma list works too).")
    ] = "all",
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Also show times in this zone (e.g. Europe/Paris); default: local."),
    ] = None,
) -> None:
    """Re-render the incident report (report.md, report.txt, report.html) from the incident
    directory alone, write it there and re-write MANIFEST.sha256. Exit 0 when written."""
    from pathlib import Path

    from responder.clock import SystemClock
    from responder.report.service import parse_formats, report_incident, resolve_zone

    formats = parse_formats(fmt)
    zone = resolve_zone(tz)
    for path in report_incident(Path(directory), formats, now=SystemClock().now(), zone=zone):
        typer.echo(str(path))


# --- end report ------------------------------------------------------------------------------------


# --- playbooks and verify (issue 4: playbook-engine) ------------------------------------------------
playbooks_app = typer.Typer(
    help="List, show and validate playbooks.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(playbooks_app, name="playbooks")


@playbooks_app.command("list")
def _playbooks_list() -> None:
    """The bundled playbooks: id, title and number of steps (or why one does not load)."""
    from responder.errors import PlaybookError
    from responder.playbook.actions import default_registry
    from responder.playbook.loader import bundled_playbooks, load_playbook

    registry = default_registry()
    for path in bundled_playbooks():
        try:
            pb = load_playbook(path, registry)
        except PlaybookError as e:
            typer.echo(f"{path.stem}  INVALID ({len(e.problems)} problems: responder playbooks validate)")
            continue
        typer.echo(f"{pb.id}  {pb.title} · {len(pb.steps)} steps")


@playbooks_app.command("show")
def _playbooks_show(
    playbook: Annotated[str, typer.Argument(help="A bundled playbook id, or a path to a .toml file.")],
) -> None:
    """Outline a playbook step by step: kind, id, title, action, MUTATING, conditions."""
    from responder.playbook.actions import default_registry
    from responder.playbook.loader import describe, find_playbook, load_playbook

    typer.echo("\n".join(describe(load_playbook(find_playbook(playbook), default_registry()))))


@playbooks_app.command("validate")
def _playbooks_validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Playbook files (default: bundled).")] = None,
) -> None:
    """Load and check playbooks; every problem as `file:line: step-id: what is wrong`. Exit 0 when all
    are valid, 2 otherwise."""
    from pathlib import Path

    from responder.errors import PlaybookError
    from responder.playbook.actions import default_registry
    from responder.playbook.loader import bundled_playbooks, load_playbook

    registry = default_registry()
    files = [Path(p) for p in paths] if paths else bundled_playbooks()
    problems: list[str] = []
    for path in files:
        try:
            pb = load_playbook(path, registry)
        except PlaybookError as e:
            problems += e.problems or [e.one_line()]
            continue
        typer.echo(f"ok  {path} ({pb.id}, {len(pb.steps)} steps)")
    if not files:
        raise PlaybookError("no playbooks to validate")
    if problems:
        raise PlaybookError(f"{len(problems)} problem(s) in {len(files)} playbook file(s)", problems)


@app.command("verify")
def _verify(
    directory: Annotated[str, typer.Argument(help="The incident directory (holds journal.jsonl).")],
) -> None:
    """Check an incident's journal hash chain and, when present, MANIFEST.sha256. Exit 0 when intact,
    1 with one line per problem when anything was changed, removed or reordered."""
    from pathlib import Path

    from responder.errors import EXIT_FAILURE, UsageError
    from responder.evidence import verify_incident

    folder = Path(directory)
    if not any((folder / name).is_file() for name in ("journal.jsonl", "MANIFEST.sha256")):
        raise UsageError(f"{directory} is not an incident directory (no journal.jsonl, no MANIFEST.sha256)")
    problems = verify_incident(Path(directory))
    if problems:
        for problem in problems:
            typer.echo(f"BROKEN  {problem}")
        raise typer.Exit(EXIT_FAILURE)
    typer.echo(f"intact  {directory}: journal chain and manifest verified")


# --- end playbooks and verify ------------------------------------------------------------------------


# --- simulator (issue 3: simulator) ------------------------------------------------------------------
simulator_app = typer.Typer(
    help="A simulated Binance (for drills, tests and benchmarks).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(simulator_app, name="simulator")


@simulator_app.command("serve")
def _simulator_serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 0,
    scenario: Annotated[
        str, typer.Option(help="Built-in scenario name or a scenario TOML file.")
    ] = "pump-and-dump",
    latency_ms: Annotated[int, typer.Option("--latency-ms", help="Added latency per request, ms.")] = 0,
    log: Annotated[str | None, typer.Option(help="Also write the request log as JSON Lines to FILE.")] = None,
) -> None:
    """Serve a simulated Binance account. Prints one JSON line (base_url and the simulated keys), then
    serves until Ctrl-C or SIGTERM."""
    import json
    from pathlib import Path

    from responder.simulator import Simulator, load_scenario
    from responder.simulator.server import serve_until_signalled

    sim = Simulator(load_scenario(scenario), latency_ms=latency_ms, log_path=Path(log) if log else None)

    def ready(base_url: str) -> None:
        keys = [k.credentials_json() for k in sim.keys]  # simulated credentials only, by design
        sys.stdout.write(json.dumps({"base_url": base_url, "keys": keys}) + "\n")
        sys.stdout.flush()

    serve_until_signalled(sim, host, port, ready)


# --- end simulator -----------------------------------------------------------------------------------


# --- investigate (issue 6: forensics) ----------------------------------------------------------------
@app.command("investigate")
def _investigate(
    *,
    since: Annotated[
        str, typer.Option("--since", help="Leak time: '2026-11-23 09:40', '3h ago', 'yesterday 18:00'.")
    ],
    until: Annotated[str | None, typer.Option("--until", help="End of the window (default: now).")] = None,
    baseline_days: Annotated[
        int, typer.Option("--baseline-days", min=0, max=60, help="Days of normal before.")
    ] = 7,
    bot_prefix: Annotated[
        list[str] | None,
        typer.Option("--bot-prefix", help="clientOrderId prefix of your own bot (repeatable)."),
    ] = None,
    usual_symbol: Annotated[
        list[str] | None, typer.Option("--usual-symbol", help="A symbol you normally trade (repeatable).")
    ] = None,
    symbols: Annotated[
        str, typer.Option("--symbols", help="held (what your assets could trade) or all.")
    ] = "held",
    base_url: Annotated[
        str, typer.Option("--base-url", envvar="BINANCE_BASE_URL", help="Binance REST base URL.")
    ] = "https://api.binance.com",
    out: Annotated[
        str, typer.Option("--out", help="Directory for findings.json and evidence.")
    ] = "investigation",
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings object on stdout.")] = False,
) -> None:
    """Sweep the account's orders, trades and wallet history since the leak at Binance's weight limit,
    flag attacker activity and estimate the loss. Read-only. Writes findings.json and evidence to
    --out. Exit 0 when the investigation completed, whatever it found."""
    from responder.investigate import run_investigation

    text = run_investigation(
        since=since, until=until, baseline_days=baseline_days, bot_prefixes=tuple(bot_prefix or ()),
        usual_symbols=tuple(usual_symbol or ()), symbols=symbols, base_url=base_url, out=out,
        as_json=as_json, environ=os.environ, ask_secret=_ask_secret, stderr=sys.stderr,
    )  # fmt: skip
    typer.echo(text)


# --- end investigate ---------------------------------------------------------------------------------


# --- the wizard: run, drill, resume (issue 5: leak-wizard) ----------------------------------------------
@app.command("drill")
def _drill(
    scenario: Annotated[
        str, typer.Option(help="Attack scenario: pump-and-dump, quiet-leak, withdrawal-drain, ip-restricted.")
    ] = "pump-and-dump",
    auto: Annotated[
        bool,
        typer.Option(
            "--auto", help="Answer from the scenario's script; exit 1 unless the self-check passes."
        ),
    ] = False,
    incident_dir: Annotated[
        Path | None, typer.Option(help="Where to keep the journal, evidence and report.")
    ] = None,
) -> None:
    """Rehearse: the leak playbook against the built-in simulated exchange, with a scripted attacker."""
    from responder.wizard.session import run_drill

    run_drill(scenario=scenario, auto=auto, incident_dir=incident_dir, environ=os.environ, out=sys.stdout)


@app.command("run")
def _run(
    playbook: Annotated[str, typer.Option(help="Playbook id or TOML file.")] = "binance-api-key-leak",
    base_url: Annotated[
        str | None, typer.Option(help="Binance REST base URL (env BINANCE_BASE_URL).", show_default=False)
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Never change anything; show what would be done.")
    ] = False,
    answers: Annotated[Path | None, typer.Option(help="TOML answers file: step id → answer.")] = None,
    incident_dir: Annotated[
        Path | None, typer.Option(help="Where to keep the journal, evidence and report.")
    ] = None,
) -> None:
    """The real incident: walk the leak playbook against Binance with your leaked key.

    Credentials come from BINANCE_API_KEY with BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY_FILE), or a
    masked prompt; never from the command line."""
    from responder.wizard.session import run_live

    url = base_url or os.environ.get("BINANCE_BASE_URL") or "https://api.binance.com"
    run_live(
        playbook_ref=playbook,
        base_url=url,
        dry_run=dry_run,
        answers=answers,
        incident_dir=incident_dir,
        environ=os.environ,
        out=sys.stdout,
    )


@app.command("resume")
def _resume(
    directory: Annotated[Path, typer.Argument(help="The incident directory to continue.")],
    force: Annotated[
        bool, typer.Option("--force", help="Continue even if the playbook changed since.")
    ] = False,
    answers: Annotated[Path | None, typer.Option(help="TOML answers file for the remaining steps.")] = None,
) -> None:
    """Continue an interrupted incident from its journal; nothing done is repeated or re-sent."""
    from responder.wizard.session import resume

    resume(directory, force=force, answers=answers, environ=os.environ, out=sys.stdout)


# --- end wizard --------------------------------------------------------------------------------------


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM ends a run like Ctrl-C: the case is saved and the resume line printed (exit 130)."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911 — one return per exit path is the point
    """Entry point: run the app, map every error to one line on stderr and an exit code."""
    import logging
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # at INFO it logs signed URLs
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    try:
        code = app(args=argv, prog_name="responder", standalone_mode=False)
        if isinstance(code, int):  # without standalone mode, typer returns Exit codes instead of raising
            return code
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        sys.stderr.write("Aborted.\n")
        return EXIT_ABORTED
    except typer.TyperException as e:  # usage errors from option parsing
        show = getattr(e, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"responder: {e.format_message()}\n")
        return EXIT_USAGE if e.exit_code in (1, 2) else int(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return EXIT_ABORTED
    except ResponderError as e:
        sys.stderr.write(f"responder: {e.one_line()}\n")
        for problem in getattr(e, "problems", []):
            sys.stderr.write(f"  {problem}\n")
        return e.exit_code
    except Exception as e:
        sys.stderr.write(
            f"responder: internal error ({type(e).__name__}); nothing recorded was lost. "
            "Please report it with the journal directory, not your keys.\n"
        )
        if os.environ.get("RESPONDER_DEBUG") == "1":
            raise
        return 70
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
