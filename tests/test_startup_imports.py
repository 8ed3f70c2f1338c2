"""Start-up stays light (issue 5): what `responder --help` and the first prompt of `run` import.

Not timing-based: each case runs in a fresh interpreter and lists `sys.modules` at the moment that
matters — after `--help` has printed, or when the first prompt of `responder run` is asked (the
prompter is replaced at its seam by one that records the modules and stops). Heavy libraries and
the areas a run needs only later must not be there yet. The timings are in `bench/bench_startup.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Never before the first prompt: the network stack, templates, crypto, typer's pydantic conversion,
# and the areas a run reaches only after the credentials are in.
HEAVY = ("httpx", "httpcore", "jinja2", "cryptography", "dateutil", "pydantic", "pydantic_core", "rich")
LATER = (
    "responder.simulator",
    "responder.forensics",
    "responder.report",
    "responder.exchange.client",
    "responder.keycheck",
)
# Loaded only once the key is in (an answers file needs the playbook first, so it loads it before).
# The engine's protocols (`playbook/protocols.py`, the seams the prompter implements) are not the engine.
ENGINE = (
    "responder.playbook.runner",
    "responder.playbook.loader",
    "responder.playbook.model",
    "responder.playbook.actions",
    "responder.playbook.session",
    "responder.leak",
    "responder.exchange.models",
    "responder.incident.journal",
    "responder.incident.evidence",
)

HELP = """
import json, sys
from contextlib import redirect_stdout
from io import StringIO
from responder.cli import main
expected, argv = sys.argv[1], sys.argv[2:]
with redirect_stdout(StringIO()) as out:
    code = main(argv)
assert code == 0 and expected in out.getvalue(), (code, out.getvalue())
print(json.dumps(sorted(sys.modules)))
"""

# The first prompt of `responder run`, asked through the real session code: stdin is made to look
# like a terminal (so the masked credential prompt is asked, not refused), and the questionary
# prompter's `secret` records `sys.modules` and stops the run there.
FIRST_PROMPT = """
import json, sys
from responder.cli import main
import responder.wizard.questionary_prompter as qp

class Seen(Exception):
    pass

def secret(self, q):
    print(json.dumps({"question": q.text, "modules": sorted(sys.modules)}))
    raise Seen()

qp.QuestionaryPrompter.secret = secret
sys.stdin.isatty = lambda: True
try:
    main(["run"])
except Seen:
    pass
"""


def _fresh(code: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE_", "PYTHON"))}
    env["NO_COLOR"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], "Usage"),
        (["run", "--help"], "Usage"),
        (["drill", "--help"], "Usage"),
        (["--version"], "responder"),
    ],
)
def test_help_imports_nothing_heavy(argv: list[str], expected: str) -> None:
    modules = json.loads(_fresh(HELP, expected, *argv))
    assert "typer" in modules  # the listing is real
    assert _loaded(modules, HEAVY + LATER) == []
    assert _loaded(modules, ("questionary", "prompt_toolkit", "responder.playbook")) == []


def test_first_prompt_of_run_asks_for_the_key_before_anything_heavy() -> None:
    seen = json.loads(_fresh(FIRST_PROMPT))
    assert seen["question"] == "Binance API key"
    modules = seen["modules"]
    assert "questionary" in modules  # the prompt itself is loaded, and nothing else heavy
    assert _loaded(modules, HEAVY + LATER) == []
    # Without an answers file the key is asked before the engine (playbook, runner, models) loads.
    assert _loaded(modules, ENGINE) == []


def test_the_listing_would_catch_a_heavy_import() -> None:
    """The check is not vacuous: importing the client does bring httpx in."""
    code = "import json, sys; import responder.exchange.client; print(json.dumps(sorted(sys.modules)))"
    modules = json.loads(_fresh(code))
    assert "httpx" in _loaded(modules, HEAVY)
