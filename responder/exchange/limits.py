"""What an answer from the server may be: bounded in size, shape, numbers and the waits it asks for.

Whatever answers at the base URL is attacker-controlled (a phishing "Binance", a hostile proxy). A
body past `MAX_BODY_BYTES`, nested deeper than `MAX_DEPTH`, holding more than `MAX_ITEMS` values or
`MAX_ROWS` rows, carrying NaN/Infinity or a number longer than `MAX_NUMBER_CHARS`, or a Retry-After
longer than `MAX_RETRY_AFTER` is not something Binance sends: it becomes a `ServerFault` naming the
endpoint and what was wrong, never a RecursionError, an InvalidOperation or a wait without end.
Pure (the client streams the body and calls in here); limits are generous for Binance's real answers
(the full exchangeInfo is a few MB, ~3,000 symbols).
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from responder.errors import ServerFault

MAX_BODY_BYTES: Final = 32 * 1024 * 1024
MAX_DEPTH: Final = 32  # Binance's deepest answer (exchangeInfo filters, permissionSets) is 5 levels
MAX_ITEMS: Final = 2_000_000  # commas + containers: bounds the parsed objects (and memory) up front
MAX_ROWS: Final = 100_000  # rows in one list answer (allOrders pages are ≤ 1000)
MAX_NUMBER_CHARS: Final = 40  # a JSON number longer than this is not a count, an id or a time
MAX_RETRY_AFTER: Final = 300.0  # seconds: a 429 asks for the rest of a minute, never hours
REQUEST_DEADLINE: Final = 30.0  # seconds for one whole request, headers to last byte
MAX_WAIT: Final = 130.0  # seconds the rate budget may make one request wait (two minute boundaries)


def fault(endpoint: str, what: str) -> ServerFault:
    return ServerFault(
        f"{endpoint}: the server sent {what}; Binance never does, so the server at the base URL is faulty "
        "or not Binance",
        endpoint=endpoint,
        hint="nothing in this answer was used; check the base URL (a phishing site or proxy?)",
    )


class _Refused(ValueError):
    """A JSON value json.loads must not turn into a Python number."""


def _constant(name: str) -> Any:
    raise _Refused(f"a non-finite number ({name})")


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a {len(text)}-character number")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"a number that overflows ({text[:20]})")
    return value


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a {len(text)}-digit number")
    return int(text)


def parse_json(content: bytes, endpoint: str) -> Any:
    """The decoded JSON of a body, or None when it is not JSON (a WAF's HTML page). Raises ServerFault
    for JSON that is too big, too deep, too many values, or holds numbers Binance never sends."""
    if len(content) > MAX_BODY_BYTES:
        raise fault(endpoint, f"an answer over {MAX_BODY_BYTES // 2**20} MiB")
    items = content.count(b",") + content.count(b"{") + content.count(b"[")
    if items > MAX_ITEMS:
        raise fault(endpoint, f"an answer with over {MAX_ITEMS:,} values")
    try:
        data = json.loads(content, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except _Refused as e:
        raise fault(endpoint, str(e)) from None
    except RecursionError:
        raise fault(endpoint, "JSON nested too deeply to read") from None
    except ValueError:  # not JSON at all (JSONDecodeError, UnicodeDecodeError)
        return None
    if depth(data) > MAX_DEPTH:
        raise fault(endpoint, f"JSON nested more than {MAX_DEPTH} levels deep")
    return data


def depth(data: Any) -> int:
    """How deeply containers nest in `data` (iterative: a hostile depth cannot exhaust the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_rows(rows: list[Any], endpoint: str) -> None:
    if len(rows) > MAX_ROWS:
        raise fault(endpoint, f"{len(rows):,} rows in one answer (more than {MAX_ROWS:,})")


def bounded_retry_after(raw: str | None, endpoint: str, *, limit: float = MAX_RETRY_AFTER) -> float | None:
    """Retry-After in seconds (None when absent or unreadable); a negative, non-finite or absurd value
    (1e999, 100000000) is a ServerFault, not an OverflowError or a wait without end."""
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or value > limit:
        raise fault(endpoint, f"Retry-After: {raw.strip()[:24]} (a wait of more than {limit:.0f} s)")
    return value
