# ruff: noqa: E501 — the malformed playbooks read best as one case a line
"""The loader: every malformed playbook is a PlaybookError listing `file:line: step-id: what`, all at once."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responder.errors import PlaybookError
from responder.playbook.actions import ActionRegistry
from responder.playbook.loader import bundled_playbooks, load_playbook, parse_playbook
from responder.playbook.model import Ref

from .conftest import generic_registry

HEAD = 'id = "t"\ntitle = "T"\n'
NOTE = '[[steps]]\nid = "n1"\nkind = "note"\ntitle = "N"\ntext = "hello"\n'


def problems(text: str, registry: ActionRegistry) -> list[str]:
    with pytest.raises(PlaybookError) as info:
        parse_playbook(text.encode(), "pb.toml", registry)
    return info.value.problems


def test_the_test_playbook_loads_with_refs_and_conditions(basic_path: Path, registry: ActionRegistry) -> None:
    pb = load_playbook(basic_path, registry)
    assert [s.id for s in pb.steps][:3] == ["open", "triage", "snapshot"]
    assert pb.step("snapshot").params == {"symbol": Ref(("triage", "symbol"))}
    assert pb.step("cancel").mutating and pb.step("cancel").line == 47
    assert len(pb.sha256) == 64


CASES = [
    ("empty playbook", HEAD, "pb.toml:1: playbook: has no steps"),
    ("unknown kind", HEAD + '[[steps]]\nid = "a"\nkind = "dance"\ntitle = "A"\n', "pb.toml:4: a: unknown kind 'dance'"),
    ("duplicate id", HEAD + NOTE + NOTE, "pb.toml:9: n1: duplicate step id"),
    ("unknown action", HEAD + '[[steps]]\nid = "a"\nkind = "action"\ntitle = "A"\naction = "nope"\n',
     "pb.toml:4: a: unknown action 'nope'"),
    ("mutating without confirm", HEAD + '[[steps]]\nid = "c"\nkind = "action"\ntitle = "C"\n'
     'action = "test.cancel_open_orders"\nmutating = true\nparams = { symbol = "X" }\n',
     "pb.toml:4: c: a mutating step needs a `confirm` text"),
    ("mutating action not marked", HEAD + '[[steps]]\nid = "c"\nkind = "action"\ntitle = "C"\n'
     'action = "test.cancel_open_orders"\nconfirm = "sure?"\nparams = { symbol = "X" }\n',
     "pb.toml:4: c: action test.cancel_open_orders changes the account"),
    ("condition on unknown step", HEAD + NOTE.replace('text = "hello"', 'text = "x"\nwhen = "ghost.x == 1"'),
     "pb.toml:4: n1: condition names an unknown step 'ghost'"),
    ("condition on later step", HEAD + NOTE.replace('text = "hello"', 'text = "x"\nwhen = "n2 == \\"done\\""')
     + NOTE.replace("n1", "n2"), "pb.toml:4: n1: condition names a later step 'n2'"),
    ("bad condition syntax", HEAD + NOTE.replace('text = "hello"', 'text = "x"\nwhen = "a =="'),
     "pb.toml:4: n1: bad `when` condition: unexpected end of condition"),
    ("unknown verify action", HEAD + '[[steps]]\nid = "m"\nkind = "manual"\ntitle = "M"\ninstructions = "do"\n'
     'verify = { action = "test.echo" }\n', "pb.toml:4: m: not a verify action 'test.echo'"),
    ("missing verify action", HEAD + '[[steps]]\nid = "m"\nkind = "manual"\ntitle = "M"\ninstructions = "do"\n'
     'verify = { action = "ghost" }\n', "pb.toml:4: m: unknown verify action 'ghost'"),
    ("empty choices", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\n'
     'type = "choice"\nprompt = "?"\nchoices = []\n', "pb.toml:4: q: question 'x': a choice question needs a non-empty"),
    ("duplicate choices", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\n'
     'type = "choice"\nprompt = "?"\nchoices = ["a", "a"]\n', "pb.toml:4: q: question 'x': duplicate choices"),
    ("default not a choice", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\n'
     'type = "choice"\nprompt = "?"\nchoices = ["a"]\ndefault = "b"\n', "pb.toml:4: q: question 'x': default 'b'"),
    ("unknown question type", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\n'
     'type = "colour"\nprompt = "?"\n', "pb.toml:4: q: question 'x': unknown type 'colour'"),
    ("reference to unknown question", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\n'
     'id = "x"\ntype = "text"\nprompt = "?"\n[[steps]]\nid = "e"\nkind = "action"\ntitle = "E"\n'
     'action = "test.echo"\nparams = { v = "${q.y}" }\n', "pb.toml:12: e: parameter names no question 'y' of step 'q'"),
    ("reference to a secret", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\n'
     'id = "x"\ntype = "secret"\nprompt = "?"\n[[steps]]\nid = "e"\nkind = "note"\ntitle = "E"\ntext = "t"\n'
     'when = "q.x == 1"\n', "pb.toml:12: e: condition reads the secret answer q.x"),
    ("missing parameter", HEAD + '[[steps]]\nid = "a"\nkind = "action"\ntitle = "A"\naction = "test.count_open_orders"\n',
     "pb.toml:4: a: action test.count_open_orders needs the parameter 'symbol'"),
    ("unknown key", HEAD + NOTE.replace('text = "hello"', 'text = "x"\ncolour = "red"'), "pb.toml:4: n1: unknown key 'colour'"),
    ("reserved id", HEAD + NOTE.replace('"n1"', '"dry_run"'), "pb.toml:4: dry_run: `dry_run` is reserved"),
    ("bad url", HEAD + '[[steps]]\nid = "m"\nkind = "manual"\ntitle = "M"\ninstructions = "do"\nurl = "javascript:x"\n',
     "pb.toml:4: m: `url` must be an http(s) URL"),
    ("bad role", HEAD + NOTE.replace('text = "hello"', 'text = "x"\nrole = "Key Deleted"'),
     "pb.toml:4: n1: `role` must be lower-case words"),
    ("bad question role", HEAD + '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\n'
     'type = "text"\nprompt = "?"\nrole = 3\n', "pb.toml:4: q: `role` must be lower-case words"),
    ("note without text", HEAD + '[[steps]]\nid = "n"\nkind = "note"\ntitle = "N"\n', "pb.toml:4: n: a note needs `text`"),
    ("partial reference", HEAD + NOTE + '[[steps]]\nid = "e"\nkind = "action"\ntitle = "E"\naction = "test.echo"\n'
     'params = { v = "x ${n1.y}" }\n', "pb.toml:9: e: a reference must be the whole value"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_malformed_case_is_reported_with_file_line_and_step(
    name: str, text: str, expected: str, registry: ActionRegistry
) -> None:
    found = problems(text, registry)
    assert any(p.startswith(expected) for p in found), found


def test_all_problems_are_reported_at_once(registry: ActionRegistry) -> None:
    text = HEAD + NOTE + NOTE + '[[steps]]\nid = "a"\nkind = "action"\ntitle = "A"\naction = "nope"\n'
    found = problems(text, registry)
    assert found == ["pb.toml:9: n1: duplicate step id", "pb.toml:14: a: unknown action 'nope'"]


def test_roles_are_read_from_steps_and_questions(registry: ActionRegistry) -> None:
    text = (
        HEAD
        + NOTE.replace('text = "hello"', 'text = "x"\nrole = "key-deleted"')
        + (
            '[[steps]]\nid = "q"\nkind = "ask"\ntitle = "Q"\n[[steps.questions]]\nid = "x"\ntype = "text"\n'
            'prompt = "?"\nrole = "leak-time"\n'
        )
    )
    pb = parse_playbook(text.encode(), "pb.toml", registry)
    assert pb.step("n1").role == "key-deleted" and pb.step("q").questions[0].role == "leak-time"


def test_toml_syntax_and_encoding_errors_are_playbook_errors(registry: ActionRegistry) -> None:
    with pytest.raises(PlaybookError, match="not valid TOML"):
        parse_playbook(b"id = ", "pb.toml", registry)
    with pytest.raises(PlaybookError, match="UTF-8"):
        parse_playbook(b"\xff\xfe", "pb.toml", registry)


def test_bundled_playbooks_all_load_with_the_build_registry() -> None:
    from responder.leak.registry import build_registry

    registry = build_registry()
    for path in bundled_playbooks():
        load_playbook(path, registry)


# --- fuzz: whatever the input, only PlaybookError ------------------------------------------------------
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["note", "ask", "manual", "action", "test.echo",
                    "test.cancel_open_orders", "test.no_open_orders", "choice", "secret", "${a.b}", "a == 1",
                    "not (a.x > 1) or b in [1, 'x']", "((((", "a.", "dry_run"]))  # fmt: skip
_keys = st.sampled_from(["id", "kind", "title", "text", "when", "questions", "checklist", "url", "verify",
                         "action", "params", "mutating", "confirm", "type", "prompt", "choices", "default",
                         "instructions", "interval", "attempts", "x"])  # fmt: skip
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(_keys, inner, max_size=5)), max_leaves=12)  # fmt: skip
_step = st.dictionaries(_keys, _value, max_size=8)


def _toml_value(v: object) -> str:
    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v).replace("nan", "nan").replace("inf", "inf")
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').encode("unicode_escape").decode() + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    assert isinstance(v, dict)
    return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_step, max_size=5), st.booleans())
def test_generated_playbooks_never_crash_the_loader(steps: list[dict[str, object]], with_head: bool) -> None:
    text = (HEAD if with_head else "") + "".join(
        "[[steps]]\n" + "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in step.items()) for step in steps
    )
    try:
        parse_playbook(text.encode(), "fuzz.toml", generic_registry())
    except PlaybookError as e:
        assert all(p.startswith("fuzz.toml") for p in e.problems)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_never_crash_the_loader(data: bytes) -> None:
    with contextlib.suppress(PlaybookError):
        parse_playbook(data, "fuzz.toml", generic_registry())
