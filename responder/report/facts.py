"""Facts about the case read from the journal and the evidence: the leak answers and the key's profile.

The journal pins event kinds, not question ids, so answers are recognised by their step id or
question text (table `ANSWER_ROLES`); the last answer to a role wins, as the user may correct one.
The key's permissions come from the earliest evidence holding an apiRestrictions body (the snapshot
taken before revocation), the account UID from an account body. Pure functions over parsed data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from responder.clock import from_ms
from responder.report.incident import EvidenceFile, JournalEntry, parse_time
from responder.report.text import clean

# role -> keywords, any of which in "<step id> <question>" (lower case) marks the answer. Checked in order.
ANSWER_ROLES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("noticed", ("noticed", "first-seen", "discovered")),
    (
        "leak_time",
        (
            "leak-time",
            "leak_time",
            "leaked-at",
            "when could it have leaked",
            "when did it leak",
            "leak-when",
            "when-leak",
        ),
    ),
    ("vector", ("vector", "how did", "how?", "leak-how")),
    ("what", ("what leaked", "what-leaked", "leak-what", "leaked-what")),
)

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
        probe = f"{e.step or ''} {e.payload.get('question', '')}".lower()
        for role, words in ANSWER_ROLES:
            if any(w in probe for w in words):
                found[role] = _answer_value(e.payload.get("value"))
                break
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
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return from_ms(value)
    return None


def key_profile(evidence: Iterable[EvidenceFile], times: Mapping[str, datetime]) -> KeyProfile | None:
    """The leaked key's profile from the earliest apiRestrictions evidence (`times`: path -> saved at)."""
    for ev in sorted(evidence, key=lambda e: (times.get(e.path) is None, times.get(e.path), e.path)):
        body = find_object(ev.content, ("ipRestrict", "createTime"))
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
