"""Facts about the case read from the journal and the evidence: the leak answers and the key's profile.

Answers are recognised by the `role` the playbook declares for their question and the journal records
(`ANSWER_ROLES`), never by their wording; the last answer to a role wins, as the user may correct one.
The key's permissions come from the earliest evidence holding an apiRestrictions body (the snapshot
taken before revocation; Binance's camelCase body or the client's snake_case model), the account UID
from an account body. Pure functions over parsed data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from responder.clock import from_ms
from responder.incident.record import EvidenceFile, JournalEntry, parse_time
from responder.report.text import clean

# the journal's `role` of an answer (declared in the playbook) -> what the report calls it
ANSWER_ROLES: Final[dict[str, str]] = {
    "what-leaked": "what",
    "leak-vector": "vector",
    "leak-time": "leak_time",
    "noticed-time": "noticed",
}

# apiRestrictions flag -> what the key could do, as a support agent reads it.
PERMISSION_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("enableReading", "read"),
    ("enableSpotAndMarginTrading", "spot & margin trading"),
    ("enableWithdrawals", "withdrawals"),
    ("enableInternalTransfer", "internal transfer"),
    ("permitsUniversalTransfer", "universal transfer"),
    ("enableMargin", "margin loan/repay"),
    ("enableFutures", "futures"),
    ("enableVanillaOptions", "options"),
    ("enablePortfolioMarginTrading", "portfolio margin"),
    ("enableFixApiTrade", "FIX API trading"),
    ("enableFixReadOnly", "FIX API read"),
)


@dataclass(frozen=True)
class Answer:
    text: str  # cleaned, as the user gave it (or the parsed value's ISO form)
    moment: datetime | None  # when the answer is a time


@dataclass(frozen=True)
class KeyProfile:
    created: datetime | None
    permissions: tuple[str, ...]
    withdrawals: bool
    ip_restricted: bool
    read_at: datetime


def _answer_value(value: Any) -> Answer:
    if isinstance(value, Mapping):  # {"utc": "...", "text": "5h ago"} or {"value": ...}
        for key in ("utc", "value", "iso", "time"):
            if key in value:
                inner = _answer_value(value[key])
                typed = value.get("text") or value.get("typed")
                if typed and inner.moment is not None:
                    return Answer(clean(str(typed)), inner.moment)
                return inner
        return Answer(clean(str(dict(value))), None)
    if isinstance(value, list):
        return Answer(", ".join(clean(str(v)) for v in value), None)
    text = clean(str(value))
    try:
        return Answer(text, parse_time(text))
    except ValueError:
        return Answer(text, None)


def answers(entries: Iterable[JournalEntry]) -> dict[str, Answer]:
    """The leak answers by role (`what`, `vector`, `leak_time`, `noticed`)."""
    found: dict[str, Answer] = {}
    for e in entries:
        if e.kind != "answer":
            continue
        role = ANSWER_ROLES.get(str(e.payload.get("role", "")))
        if role is not None:
            found[role] = _answer_value(e.payload.get("value"))
    return found


def find_object(content: Any, keys: tuple[str, ...], depth: int = 4) -> Mapping[str, Any] | None:
    """The first JSON object under `content` that has all `keys` (evidence files may wrap bodies)."""
    if isinstance(content, Mapping):
        if all(k in content for k in keys):
            return content
        children: Iterable[Any] = content.values()
    elif isinstance(content, list):
        children = content
    else:
        return None
    if depth == 0:
        return None
    for child in children:
        hit = find_object(child, keys, depth - 1)
        if hit is not None:
            return hit
    return None


def _ms_time(value: Any) -> datetime | None:
    """A Binance millisecond timestamp, or an ISO-8601 UTC string (the client's parsed model)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return from_ms(value)
    if isinstance(value, str) and value:
        try:
            return parse_time(value)
        except ValueError:
            return None
    return None


def _snake(flag: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", flag).lower()


def _restrictions(content: Any) -> Mapping[str, Any] | None:
    """An apiRestrictions body with Binance's camelCase keys, also from the client's snake_case model."""
    raw = find_object(content, ("ipRestrict", "createTime"))
    if raw is not None:
        return raw
    model = find_object(content, ("ip_restrict", "create_time"))
    if model is None:
        return None
    flags = (*(f for f, _ in PERMISSION_NAMES), "ipRestrict", "createTime")
    body = {flag: model[_snake(flag)] for flag in flags if _snake(flag) in model}
    raw_flags = model.get("raw_flags")  # [[camelFlag, bool], ...]: flags the model has no field for
    if isinstance(raw_flags, list):
        for pair in raw_flags:
            if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
                body.setdefault(pair[0], pair[1])
    return body


def key_profile(evidence: Iterable[EvidenceFile], times: Mapping[str, datetime]) -> KeyProfile | None:
    """The leaked key's profile from the earliest apiRestrictions evidence (`times`: path -> saved at)."""
    for ev in sorted(evidence, key=lambda e: (times.get(e.path) is None, times.get(e.path), e.path)):
        body = _restrictions(ev.content)
        if body is None or ev.path not in times:
            continue
        perms = tuple(name for flag, name in PERMISSION_NAMES if body.get(flag) is True)
        return KeyProfile(
            _ms_time(body.get("createTime")),
            perms,
            body.get("enableWithdrawals") is True,
            body.get("ipRestrict") is True,
            times[ev.path],
        )
    return None


def account_uid(evidence: Iterable[EvidenceFile], summary: Mapping[str, Any] | None) -> str | None:
    for key in ("uid", "account_uid", "accountUid"):
        if summary and summary.get(key) not in (None, ""):
            return clean(str(summary[key]))
    for ev in evidence:
        body = find_object(ev.content, ("uid", "balances"))
        if body is not None and body.get("uid") not in (None, ""):
            return clean(str(body["uid"]))
    return None
