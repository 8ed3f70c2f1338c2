"""The command line: thin Typer adapters over `responder.commands`. The only module that imports typer.

Each command parses options, calls one function of `commands` with the `Settings` that `main()` built
once from the environment, renders what it returns and turns it into an exit code. `main()` is the
one place that turns errors into a one-line message and an exit code; no traceback ever reaches the
terminal. Heavy modules (httpx, jinja2, cryptography, the simulator) are imported inside the commands
so `responder --help` and the first prompt stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from responder import __version__
from responder.cli_groups import GROUPS
from responder.cli_options import (
    _SCENARIOS,
    _SINCE,
    Answers,
    BaseUrl,
    CaseDir,
    IncidentDir,
    secret_prompt,
    settings_of,
)
from responder.cli_startup import LightGroup, terminate_like_ctrl_c
from responder.commands.settings import Settings
from responder.errors import EXIT_ABORTED, EXIT_USAGE, ResponderError
from responder.untrusted import shown, shown_line

# fmt: off
app = typer.Typer(
    name="responder", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False, rich_markup_mode=None, cls=LightGroup,
    help="Incident response for a leaked Binance API key. Walks you through the leak playbook, does "
    "what Binance's API allows, records every step in a tamper-evident journal, and writes a "
    "report Binance support can act on. Rehearse with `responder drill` (simulated exchange).",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"responder {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,  # noqa: E501
) -> None:
    """Incident response for a leaked Binance API key."""


for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)




@app.command("report")
def _report(
    ctx: typer.Context,
    directory: CaseDir,
    fmt: Annotated[str, typer.Option("--format", help="md, txt, html, or all (a comma list too).")] = "all",
    tz: Annotated[str | None, typer.Option(help="Also show times in this zone (default: local).")] = None,
) -> None:
    """Re-render the incident report (report.md, report.txt, report.html) from the incident
    directory alone, write it there and re-write MANIFEST.sha256. Exit 0 when written."""
    from responder.commands.report import report

    typer.echo("\n".join(str(path) for path in report(settings_of(ctx), directory, fmt=fmt, tz=tz)))


@app.command("verify")
def _verify(
    directory: CaseDir,
    expect: Annotated[str | None, typer.Option(help="A head hash you kept: prove it.")] = None,
) -> None:
    """Check every file of an incident against the SHA-256 its journal recorded, the hash chain and the
    case's end. Exit 0 intact (open case: intact so far), 1 naming each file changed, missing, unaccounted."""
    from responder.commands.verify import verify

    lines, code = verify(directory, expect=expect)
    typer.echo(shown("\n".join(lines)))  # problems may quote an edited file
    raise typer.Exit(code)


@app.command("investigate")
def _investigate(
    ctx: typer.Context,
    *,
    since: Annotated[str, typer.Option("--since", help=_SINCE)],
    until: Annotated[str | None, typer.Option("--until", help="End of the window (default: now).")] = None,
    baseline_days: Annotated[int, typer.Option(min=0, max=60, help="Days of normal before.")] = 7,
    bot_prefix: Annotated[list[str] | None, typer.Option(help="clientOrderId prefix of your own bot (repeatable).")] = None,  # noqa: E501
    usual_symbol: Annotated[list[str] | None, typer.Option(help="A symbol you trade (repeatable).")] = None,
    symbols: Annotated[str, typer.Option(help="held (what your assets could trade) or all.")] = "held",
    base_url: BaseUrl = None,
    out: Annotated[str, typer.Option(help="Directory for findings.json and evidence.")] = "investigation",
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings object on stdout.")] = False,
) -> None:
    """Sweep the account's orders, trades and wallet history since the leak at Binance's weight limit,
    flag attacker activity and estimate the loss. Read-only. Writes findings.json and evidence to
    --out. Exit 0 when the investigation completed, whatever it found."""
    from responder.commands.investigate import run_investigation

    settings = settings_of(ctx)
    done = run_investigation(
        settings, since=since, until=until, baseline_days=baseline_days, bot_prefixes=tuple(bot_prefix or ()),
        usual_symbols=tuple(usual_symbol or ()), symbols=symbols, base_url=base_url, out=out,
        ask_secret=secret_prompt(settings),
    )
    typer.echo(shown(done.text(as_json=as_json)))  # findings quote the server: its controls made visible


@app.command("drill")
def _drill(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Option(help=_SCENARIOS)] = "pump-and-dump",
    auto: Annotated[bool, typer.Option(help="Answer from the scenario's script; exit 1 unless the self-check passes.")] = False,  # noqa: E501
    incident_dir: IncidentDir = None,
) -> None:
    """Rehearse: the leak playbook against the built-in simulated exchange, with a scripted attacker."""
    from responder.commands.drill import drill

    done = drill(settings_of(ctx), scenario=scenario, auto=auto, incident_dir=incident_dir)
    raise typer.Exit(done.exit_code)


@app.command("run")
def _run(
    ctx: typer.Context,
    *,
    playbook: Annotated[str, typer.Option(help="Playbook id or TOML file.")] = "binance-api-key-leak",
    base_url: BaseUrl = None,
    dry_run: Annotated[bool, typer.Option(help="Never change anything; show what would be done.")] = False,
    answers: Answers = None,
    incident_dir: IncidentDir = None,
    leaked_at: Annotated[str | None, typer.Option(help="Prefill the leak time; you confirm it.")] = None,
    vector: Annotated[str | None, typer.Option(help="Prefill: repository, server, phishing, insider, unknown.")] = None,  # noqa: E501
) -> None:
    """The real incident: walk the leak playbook against Binance with your leaked key.

    Credentials come from BINANCE_API_KEY with BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY_FILE), or a
    masked prompt; never from the command line."""
    from responder.commands.run import run

    outcome = run(settings_of(ctx), playbook_ref=playbook, base_url=base_url, dry_run=dry_run,
                  answers=answers, incident_dir=incident_dir, leaked_at=leaked_at, vector=vector)
    raise typer.Exit(outcome.exit_code)


@app.command("resume")
def _resume(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="The incident directory to continue.")],
    force: Annotated[bool, typer.Option(help="Continue even if the playbook changed since.")] = False,
    answers: Answers = None,
) -> None:
    """Continue an interrupted incident from its journal; nothing done is repeated or re-sent."""
    from responder.commands.resume import resume

    raise typer.Exit(resume(settings_of(ctx), directory, force=force, answers=answers).exit_code)


@app.command("scan")
def _scan(ctx: typer.Context, path: Annotated[str, typer.Argument(help="A directory or file; a git work tree for --history.")], *,  # noqa: E501
          history: Annotated[bool, typer.Option(help="Also every commit git reaches (all branches).")] = False,  # noqa: E501
          verify: Annotated[bool, typer.Option(help="Ask Binance which keys are live (one signed read each).")] = False,  # noqa: E501
          base_url: BaseUrl = None, as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,  # noqa: E501
          sarif: Annotated[Path | None, typer.Option(help="Also write SARIF 2.1.0 to FILE.")] = None,
          unsafe_assume_no_ip_whitelist: Annotated[bool, typer.Option(help="Read -2015 as revoked (unsafe).")] = False) -> None:  # noqa: E501
    """Find Binance API keys, secrets and private keys in files and git history (masked); nothing is sent
    without --verify. Exit 0 nothing found, 1 found, 2 bad input, 3 Binance unreachable with --verify."""
    from responder.commands.scan import scan
    done = scan(settings_of(ctx), path=path, history=history, verify=verify, base_url=base_url, sarif=sarif, unsafe_assume_no_ip_whitelist=unsafe_assume_no_ip_whitelist)  # noqa: E501
    typer.echo(done.text(as_json=as_json))
    raise typer.Exit(done.exit_code)
# fmt: on


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:  # noqa: PLR0911 — one return per exit path is the point
    """Entry point: build the settings once, run the app, map every error to one line and an exit code."""
    import logging

    terminate_like_ctrl_c()  # SIGTERM: saved, the resume line, exit 130 (like Ctrl-C)
    for noisy in ("httpx", "httpcore"):  # at INFO httpx logs signed URLs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = settings or Settings.from_environment(
            os.environ, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr
        )
        code = app(args=argv, prog_name="responder", standalone_mode=False, obj=settings)
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
            sys.stderr.write(f"  {shown_line(problem)}\n")  # a playbook's text is not ours either
        return e.exit_code
    except Exception as e:  # the one place a bug meets the person: no traceback, nothing lost
        sys.stderr.write(f"responder: internal error ({type(e).__name__}); nothing recorded was lost. "
                         "Please report it with the journal directory, not your keys.\n")  # fmt: skip
        if os.environ.get("RESPONDER_DEBUG") == "1":
            raise
        return 70
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
