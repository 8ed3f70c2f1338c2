"""The CLI's command groups (`key`, `keys`, `playbooks`, `simulator`): thin Typer adapters over
`responder.commands`, registered on the root app by `cli.py`. Part of the CLI (typer lives only in
`cli*.py`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from responder import errors
from responder.cli_options import _IP, _PROFILES, BaseUrl, secret_prompt, settings_of


def _group(help: str) -> typer.Typer:
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


key_app = _group("Check an API key: is it live, and is it set up safely?")
keys_app = _group("Every API key of an organisation, with a master-account key.")
playbooks_app = _group("List, show and validate playbooks.")
simulator_app = _group("A simulated Binance (for drills, tests and benchmarks).")


# fmt: off
@key_app.command("check")
def _key_check(
    ctx: typer.Context,
    base_url: BaseUrl = None,
    profile: Annotated[str | None, typer.Option("--profile", help=_PROFILES)] = None,
    ip_restricted: Annotated[bool | None, typer.Option("--ip-restricted/--no-ip-whitelist", help=_IP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
) -> None:
    """Make one signed read with the key from the environment (or a masked prompt) and report
    live / revoked / indeterminate, its permissions, age and findings. Exit 0 when the check
    completed, 2 on bad input, 3 when Binance could not be reached."""
    from responder.commands.key import check
    from responder.keycheck import render_text, to_json

    settings = settings_of(ctx)
    done = check(settings, base_url=base_url, profile=profile, ip_restricted=ip_restricted,
                 ask_secret=secret_prompt(settings))
    typer.echo(json.dumps(to_json(done.check)) if as_json else render_text(done.check, done.now))
    if done.check.unreachable:  # exit 3 through main(); the verdict above is already printed
        raise errors.Unreachable("the key check got no answer about the key", hint=done.check.reason)


@keys_app.command("sweep", help="With a master-account key (BINANCE_MASTER_API_KEY and _SECRET, or a masked prompt), audit every sub-account's API keys and the master key. Reads only. Exit 0 when the sweep completed, 2 on bad input, 3 when Binance could not be reached.")  # noqa: E501
def _keys_sweep(ctx: typer.Context, base_url: BaseUrl = None, profile: Annotated[str | None, typer.Option("--profile", help=_PROFILES)] = None, known: Annotated[str | None, typer.Option(help="Your keys' names, comma-separated: any other name is flagged.")] = None, as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False) -> None:  # noqa: E501
    from responder.commands.keys import sweep
    typer.echo(sweep(settings := settings_of(ctx), base_url=base_url, profile=profile, known=known, as_json=as_json, ask_secret=secret_prompt(settings)))  # noqa: E501


@playbooks_app.command("list")
def _playbooks_list() -> None:
    """The bundled playbooks: id, title and number of steps (or why one does not load)."""
    from responder.commands.playbooks import list_playbooks

    typer.echo("\n".join(list_playbooks()))


@playbooks_app.command("show")
def _playbooks_show(
    playbook: Annotated[str, typer.Argument(help="A bundled playbook id, or a path to a .toml file.")],
) -> None:
    """Outline a playbook step by step: kind, id, title, action, MUTATING, conditions."""
    from responder.commands.playbooks import show

    typer.echo("\n".join(show(playbook)))


@playbooks_app.command("validate")
def _playbooks_validate(
    paths: Annotated[list[str] | None, typer.Argument(help="Playbook files (default: bundled).")] = None,
) -> None:
    """Load and check playbooks; every problem as `file:line: step-id: what is wrong`. Exit 0 when all
    are valid, 2 otherwise."""
    from responder.commands.playbooks import validate

    typer.echo("\n".join(validate(paths)))


@simulator_app.command("serve")
def _simulator_serve(
    ctx: typer.Context,
    *,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 0,
    scenario: Annotated[str, typer.Option(help="Built-in scenario name or a TOML file.")] = "pump-and-dump",
    latency_ms: Annotated[int, typer.Option("--latency-ms", help="Added latency per request, ms.")] = 0,
    log: Annotated[str | None, typer.Option(help="Also write the request log as JSON Lines to FILE.")] = None,
) -> None:
    """Serve a simulated Binance account. Prints one JSON line (base_url and the simulated keys), then
    serves until Ctrl-C or SIGTERM."""
    from responder.commands.simulator import serve

    serve(settings_of(ctx), host=host, port=port, scenario=scenario, latency_ms=latency_ms, log=log)
# fmt: on

GROUPS = (("key", key_app), ("keys", keys_app), ("playbooks", playbooks_app), ("simulator", simulator_app))
