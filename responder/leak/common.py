"""Small helpers the leak actions share: reading an ISO time from an answer or an output, and the
evidence body of a read (what Binance sent, or our parsed rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from responder.exchange.protocol import Exchange
from responder.jsonable import plain


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def evidence_body(ex: Exchange, source: str, value: object, raw: bool = True) -> Any:
    """What Binance sent for `source` when it was one request; our parsed rows otherwise."""
    last = ex.last_response(source) if raw else None
    return last.body if last is not None and last.status == 200 else plain(value)
