"""Answers files are user input: random bytes and random TOML may only ever raise `AnswersError`.

Checked against the small test playbook and the bundled leak playbook (the one `--answers` is used with).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responder.errors import AnswersError
from responder.playbook.answers import parse_answers
from responder.playbook.loader import find_playbook, load_playbook
from responder.playbook.model import Playbook

from .conftest import DATA, generic_registry


def _leak_playbook() -> Playbook:
    from responder.leak.registry import build_registry  # the leak playbook names the leak actions

    return load_playbook(find_playbook("binance-api-key-leak"), build_registry())


PLAYBOOKS = {"basic": lambda: load_playbook(DATA / "basic.toml", generic_registry()), "leak": _leak_playbook}


@pytest.fixture(scope="module", params=sorted(PLAYBOOKS))
def playbook(request: pytest.FixtureRequest) -> Playbook:
    return PLAYBOOKS[request.param]()


def _parse_or_answers_error(data: bytes, playbook: Playbook) -> None:
    try:
        answers = parse_answers(data, "fuzz.toml", playbook)
    except AnswersError as e:
        assert e.one_line().strip()  # a one-line message the CLI can print
    else:
        assert isinstance(answers, dict)


def _toml_key(key: str) -> str:
    return json.dumps(key)  # a TOML basic string is a JSON string for these characters


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, int | float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


_IDS = ["triage", "cancel", "delete-key", "snapshot", "report", "ack", "delete-key.keep-checking",
        "what", "vector", "leaked_at", "noticed_at", "user_type", "symbol", "passphrase"]  # fmt: skip
_WORDS = ["public-repo", "Pushed to a public repository", "5h ago", "2026-11-23 09:40",
          "I deleted the key", "grid-bot"]  # fmt: skip
_keys = st.one_of(st.sampled_from(_IDS), st.text(min_size=1, max_size=12))
_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(_WORDS),
    st.datetimes(timezones=st.just(UTC)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_documents = st.dictionaries(_keys, _values, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes_raise_only_answers_error(playbook: Playbook, data: bytes) -> None:
    _parse_or_answers_error(data, playbook)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_documents)
def test_random_toml_raises_only_answers_error(playbook: Playbook, document: dict[str, Any]) -> None:
    text = "\n".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in document.items())
    _parse_or_answers_error(text.encode("utf-8"), playbook)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="[]{}=.,\"'#\n tx12-:Z", max_size=120))
def test_toml_shaped_noise_raises_only_answers_error(playbook: Playbook, text: str) -> None:
    _parse_or_answers_error(text.encode("utf-8"), playbook)


def test_a_valid_answer_passes_through(playbook: Playbook) -> None:
    step = next(s for s in playbook.steps if s.kind == "ask")
    question = next(q for q in step.questions if q.type == "text")
    answers = parse_answers(f'[{step.id}]\n{question.id} = "x"\n'.encode(), "ok.toml", playbook)
    assert answers == {step.id: {question.id: "x"}}


def test_deeply_nested_toml_raises_answers_error(playbook: Playbook) -> None:
    with pytest.raises(AnswersError):
        parse_answers(b"a = " + b"[" * 5000 + b"]" * 5000, "deep.toml", playbook)


def test_deeply_nested_playbook_is_a_playbook_error() -> None:
    from responder.errors import PlaybookError
    from responder.leak.registry import build_registry
    from responder.playbook.loader import parse_playbook

    with pytest.raises(PlaybookError):
        parse_playbook(b"a = " + b"[" * 5000 + b"]" * 5000, "deep.toml", build_registry())
