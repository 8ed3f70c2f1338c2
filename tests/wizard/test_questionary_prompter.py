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
    with prompter("y" + ENTER) as p:
        assert p.confirm(q("Cancel 3 orders?", purpose="mutation")) is True


def test_a_bare_y_never_submits_every_answer_takes_enter() -> None:
    """`y` then Enter at each item of a checklist records each item as done (issue 17 #1: with
    auto-enter, the Enter after `y` answered the next item with its default, No)."""
    with prompter(("y" + ENTER) * 3) as p:
        answers = [p.confirm(q(f"item {n}", purpose="checklist", default=False)) for n in range(3)]
    assert answers == [True, True, True]


def test_n_then_enter_is_no_even_where_yes_is_the_default() -> None:
    with prompter("n" + ENTER + ENTER) as p:
        assert p.confirm(q("Continue?")) is False
        assert p.confirm(q("Continue?")) is True


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
    with prompter("5h ago" + ENTER + "n" + ENTER + "2h ago" + ENTER + ENTER) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=2)


def test_invalid_time_is_refused_until_valid() -> None:
    with prompter("soonish" + ENTER + "\x7f" * 7 + "1h ago" + ENTER + ENTER) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=1)


def test_ctrl_c_is_an_explicit_abort_never_none() -> None:
    with prompter(CTRL_C) as p, pytest.raises(Aborted):
        p.text(q("Key name"))
    with prompter(CTRL_C) as p, pytest.raises(Aborted):
        p.confirm(q("Continue?"))


@pytest.mark.parametrize("typed", ["in 2h", "2027-01-01 10:00", "2016-05-01", "99999999999 days ago"])
def test_impossible_leak_times_are_refused_and_asked_again(typed: str) -> None:
    """No traceback, no crash later at step 9: the prompt refuses it and asks again (issue 17 #7)."""
    keys = typed + ENTER + "\x7f" * len(typed) + "1h ago" + ENTER + ENTER
    with prompter(keys) as p:
        assert p.when(q("When?")) == NOW - timedelta(hours=1)


def test_a_time_of_day_that_became_yesterday_says_so() -> None:
    from prompt_toolkit.output.plain_text import PlainTextOutput

    class Sink:
        def __init__(self) -> None:
            self.text = ""

        def write(self, data: str) -> int:
            self.text += data
            return len(data)

        def flush(self) -> None:
            pass

        def fileno(self) -> int:
            raise OSError

        encoding = "utf-8"

    sink = Sink()
    with create_pipe_input() as pipe:
        pipe.send_text("21:00" + ENTER + ENTER)
        p = QuestionaryPrompter(
            clock=ManualClock(NOW),
            local_zone=UTC,
            input=pipe,
            output=PlainTextOutput(sink),  # type: ignore[arg-type]
        )
        assert p.when(q("When?")) == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert "2026-11-22 21:00:00 UTC (yesterday)" in sink.text
