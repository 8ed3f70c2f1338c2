"""`responder key check`: one signed read with the key from the environment (or a masked prompt)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from responder.commands.settings import Settings

if TYPE_CHECKING:
    from responder.keycheck import KeyCheck


@dataclass(frozen=True)
class KeyCheckOutcome:
    """The verdict, when it was reached, and warnings about the key's format."""

    check: KeyCheck
    now: datetime
    warnings: tuple[str, ...] = ()


def check(
    settings: Settings,
    *,
    base_url: str | None,
    profile: str | None,
    ip_restricted: bool | None,
    ask_secret: Callable[[str], str] | None,
) -> KeyCheckOutcome:
    from responder.credentials import load_credentials
    from responder.exchange.baseurl import check_base_url
    from responder.exchange.client import connect
    from responder.keycheck import check_key, get_profile
    from responder.secrets import SecretRegistry

    chosen = get_profile(profile) if profile else None
    base = check_base_url(base_url or settings.base_url)
    credentials = load_credentials(settings.environ, SecretRegistry(), ask_secret=ask_secret)
    for warning in credentials.warnings:
        settings.err.write(f"responder: warning: {warning}\n")
    clock = settings.clock
    with connect(base, credentials, clock=clock, transport=settings.new_transport()) as client:
        result = check_key(client, now=clock.now(), profile=chosen, ip_restricted=ip_restricted)
    return KeyCheckOutcome(result, clock.now(), credentials.warnings)
