"""Help as people ask for it: `-h` works everywhere, and no `<str>` placeholders (issue 17 #10)."""

from __future__ import annotations

import pytest

from responder.cli import main

COMMANDS = [
    [], ["drill"], ["run"], ["resume"], ["key", "check"], ["investigate"], ["report"], ["verify"],
    ["playbooks", "show"], ["playbooks", "validate"], ["simulator", "serve"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_dash_h_shows_help_without_type_placeholders(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: responder") and "-h, --help" in out
    assert "<str>" not in out and "<path>" not in out and "<int>" not in out
