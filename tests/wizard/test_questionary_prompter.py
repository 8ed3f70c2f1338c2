"""The real questionary prompts, driven with keystrokes through a prompt_toolkit pipe input."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from responder.clock import ManualClock
from responder.errors import Aborted
from responder.playbook.protocols import Prompt
from responder.secrets import Secret
from responder.wizard.questionary_prompter import QuestionaryPrompter

NOW = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
ENTER, DOWN, CTRL_C = "\r", "\x1b[B", "\x03"


@contextmanager
def prompter(keys: str) -> Iterator[QuestionaryPrompter]:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        yield QuestionaryPrompter(clock=ManualClock(NOW), local_zone=UTC, input=pipe, output=DummyOutput())


def q(text: str = "?", **kw: object) -> Prompt:
    return Prompt("step", "key", text, **kw)  # type: ignore[arg-type]


def test_text_answer_is_returned() -> None:
    with prompter("grid-bot-btc" + ENTER) as p:
        assert p.text(q("Key name")) == "grid-bot-btc"


def test_choice_moves_with_arrow_keys() -> None:
    with prompter(DOWN + ENTER) as p:
        assert p.choice(q("How?", choices=("public-repo", "server", "phishing"))) == "server"


def test_confirm_default_yes_for_questions() -> None:
    with prompter(ENTER) as p:
        assert p.confirm(q("Continue?")) is True


def test_destructive_confirmation_defaults_to_no() -> None:
    with prompter(ENTER) as p:
        assert p.confirm(q("Cancel 3 orders?", purpose="mutation", default=True)) is False
    with prompter("y") as p:
        assert p.confirm(q("Cancel 3 orders?", purpose="mutation")) is True


def test_secret_is_wrapped_and_masked() -> None:
    with prompter("s3cr3t-value-canary" + ENTER) as p:
        got = p.secret(q("API secret"))
    assert isinstance(got, Secret)
    assert got.reveal() == "s3cr3t-value-canary"
    assert "s3cr3t" not in repr(got)


def test_time_is_parsed_and_confirmed() -> None:
    with prompter("5h ago" + ENTER + ENTER) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=5)


def test_time_rejected_on_confirmation_is_asked_again() -> None:
    with prompter("5h ago" + ENTER + "n" + "2h ago" + ENTER + ENTER) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=2)


def test_invalid_time_is_refused_until_valid() -> None:
    with prompter("soonish" + ENTER + "\x7f" * 7 + "1h ago" + ENTER + ENTER) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=1)


def test_ctrl_c_is_an_explicit_abort_never_none() -> None:
    with prompter(CTRL_C) as p, pytest.raises(Aborted):
        p.text(q("Key name"))
    with prompter(CTRL_C) as p, pytest.raises(Aborted):
        p.confirm(q("Continue?"))
