"""`responder keys sweep`: every API key of an organisation, audited with a master-account key.

The master key comes from BINANCE_MASTER_API_KEY with BINANCE_MASTER_API_SECRET (or
BINANCE_MASTER_PRIVATE_KEY_FILE) or a masked prompt, never argv. Reads only. The rules and the
rendering are `keysweep.py`'s; this adapter builds the collaborators and returns the text to print.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from responder.commands.settings import Settings


def sweep(
    settings: Settings,
    *,
    base_url: str | None,
    profile: str | None,
    known: str | None,
    as_json: bool,
    ask_secret: Callable[[str], str] | None,
) -> str:
    """The sweep's `--json` object or its table."""
    from responder.exchange.baseurl import check_base_url
    from responder.keycheck import get_profile
    from responder.keysweep import SweepContext, render_table, sweep_organisation, to_json
    from responder.masterkey import load_master_credentials
    from responder.report.text import clean
    from responder.secrets import SecretRegistry

    chosen = get_profile(profile) if profile else None
    names = frozenset(n.strip() for n in known.split(",") if n.strip()) if known is not None else None
    base = check_base_url(base_url or settings.base_url)
    credentials = load_master_credentials(settings.environ, SecretRegistry(), ask_secret=ask_secret)
    for warning in credentials.warnings:
        settings.err.write(f"responder: warning: {warning}\n")
    ctx = SweepContext(settings.clock.now(), chosen, names)
    result = sweep_organisation(
        base, credentials, ctx, clock=settings.clock, transport=settings.new_transport()
    )
    return json.dumps(to_json(result)) if as_json else render_table(result, ctx.now, clean)
