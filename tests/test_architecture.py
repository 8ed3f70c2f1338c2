"""The rules of docs/ARCHITECTURE.md, enforced by parsing every module under responder/ with `ast`.

Imports are read at any depth (a function-level import is still an arrow). The house: `cli` → `commands`
→ everything else; `playbook` is the generic engine and imports none of the product; `leak` is the
leak playbook's own code; `incident` alone touches incident files; `simulator` stands alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "responder"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {_module_name(p): p for p in MODULES}


def imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; relative imports resolved), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (
        _module_name(path).split(".") if path.name == "__init__.py" else _module_name(path).split(".")[:-1]
    )
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _uses(found: set[str], top: str) -> bool:
    return any(name == top or name.startswith(top + ".") for name in found)


def _in(path: Path, *areas: str) -> bool:
    return any(_rel(path) == a or _rel(path).startswith(a) for a in areas)


def arrows(path: Path) -> set[str]:
    """The modules of ours that `path` imports (`from pkg import name` counts as pkg.name when a module)."""
    out = set()
    for name in imports(path):
        if name in NAMES:
            out.add(name)
        elif name.rsplit(".", 1)[0] in NAMES and name.startswith("responder"):
            out.add(name.rsplit(".", 1)[0])
    out.discard(_module_name(path))
    return out


# (library, where it may be imported: module paths or folder prefixes relative to responder/)
ONLY_IN = [
    ("typer", ("cli.py", "cli_startup.py", "cli_groups.py", "cli_options.py")),  # the CLI
    ("click", ()),  # typer vendors click as typer._click; never import click directly
    ("questionary", ("wizard/questionary_prompter.py",)),
    ("jinja2", ("report/",)),
    ("httpx", ("exchange/", "simulator/")),
    ("importlib", ("report/render.py", "simulator/")),  # `importlib.resources` for data; no discovery by name
]


def test_there_are_modules_to_check() -> None:
    assert len(MODULES) > 10 and PACKAGE / "exchange" / "client.py" in MODULES


@pytest.mark.parametrize(("library", "allowed"), ONLY_IN)
def test_libraries_only_where_allowed(library: str, allowed: tuple[str, ...]) -> None:
    offenders = [_rel(p) for p in MODULES if _uses(imports(p), library) and not _in(p, *allowed)]
    assert offenders == [], f"{library} imported outside {allowed}"


def test_nothing_imports_cli_and_only_cli_imports_commands() -> None:
    cli = ("cli.py", "cli_startup.py", "cli_groups.py", "cli_options.py", "__main__.py")
    importers = [
        _rel(p)
        for p in MODULES
        if not _in(p, *cli) and any(n.startswith("responder.cli") for n in imports(p))
    ]
    assert importers == []
    offenders = [
        _rel(p) for p in MODULES if not _in(p, *cli, "commands/") and _uses(imports(p), "responder.commands")
    ]
    assert offenders == [], offenders


# Each area, and what it must never import (an arrow back up, or the engine knowing its product).
NEVER = [
    (
        "playbook/",
        ("wizard", "leak", "forensics", "report", "simulator", "commands", "credentials", "keycheck"),
    ),
    ("incident/", ("playbook", "leak", "report", "wizard", "commands", "simulator", "exchange.client")),
    ("forensics/", ("incident", "playbook", "leak", "report", "wizard", "commands", "exchange.client")),
    (
        "exchange/",
        ("credentials", "keycheck", "incident", "playbook", "leak", "forensics", "report", "wizard"),
    ),
    ("report/", ("playbook", "leak", "wizard", "commands", "forensics", "exchange.client")),
    ("wizard/", ("leak", "commands", "forensics", "report", "incident", "exchange.client")),
    ("leak/", ("commands", "wizard")),
    ("errors.py", ("exchange", "incident", "playbook")),
    ("clock.py", ("exchange", "incident", "playbook")),
    ("secrets.py", ("exchange", "incident", "playbook")),
]


@pytest.mark.parametrize(("area", "forbidden"), NEVER)
def test_no_arrow_runs_back_up(area: str, forbidden: tuple[str, ...]) -> None:
    offenders = sorted(
        f"{_rel(p)} -> {name}"
        for p in MODULES
        if _in(p, area)
        for name in imports(p)
        if any(_uses({name}, f"responder.{f}") for f in forbidden)
    )
    assert offenders == [], offenders


def test_the_engine_finds_no_action_by_name() -> None:
    """The registry is built explicitly (leak/registry.py): no importlib, no find_spec in the engine."""
    engine = [p for p in MODULES if _in(p, "playbook/")]
    assert [_rel(p) for p in engine if "importlib" in p.read_text(encoding="utf-8")] == []


def test_runner_and_forensics_depend_on_the_protocol_not_the_client() -> None:
    guarded = [p for p in MODULES if _in(p, "forensics/", "playbook/", "leak/")]
    assert [_rel(p) for p in guarded if _uses(imports(p), "responder.exchange.client")] == [
        "leak/drill.py"  # the drill replays a journal through its own client for the simulated key
    ]


INCIDENT_FILES = {"journal.jsonl", "findings.json", "MANIFEST.sha256", "evidence", "report.md", "report.txt",
                  "report.html"}  # fmt: skip


def test_only_incident_opens_incident_files() -> None:
    """Outside `incident/`, no code builds a path to an incident's file (`dir / "journal.jsonl"`)."""
    offenders = []
    for p in MODULES:
        if _in(p, "incident/"):
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                right = node.right
                if isinstance(right, ast.Constant) and right.value in INCIDENT_FILES:
                    offenders.append(f"{_rel(p)}:{node.lineno}")
                if isinstance(right, ast.Name) and right.id in (
                    "JOURNAL_NAME",
                    "MANIFEST_NAME",
                    "EVIDENCE_DIR",
                ):
                    offenders.append(f"{_rel(p)}:{node.lineno}")
    assert offenders == [], offenders


def _cycles(modules: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in modules.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in modules:
        if v not in index:
            visit(v)
    return out


def _graph(keep: Iterator[Path]) -> dict[str, set[str]]:
    return {_module_name(p): arrows(p) for p in keep}


def test_no_import_cycles() -> None:
    graph = _graph(p for p in MODULES if not _in(p, "simulator/"))
    assert _cycles(graph) == []


def test_the_simulator_imports_nothing_else_of_ours() -> None:
    offenders = sorted(
        f"{_rel(p)} -> {name}"
        for p in MODULES
        if _in(p, "simulator/")
        for name in imports(p)
        if _uses({name}, "responder") and not _uses({name}, "responder.simulator")
    )
    assert offenders == [], offenders


def test_the_simulator_has_no_import_cycles() -> None:
    assert _cycles(_graph(p for p in MODULES if _in(p, "simulator/"))) == []


MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
LONG_FUNCTIONS_TO_SPLIT: set[str] = set()  # do not add to this: split instead


def test_no_module_over_500_lines() -> None:
    sizes = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_no_function_over_60_lines() -> None:
    long = set()
    for p in MODULES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long.add(f"{_rel(p)}:{node.name}")
    assert long - LONG_FUNCTIONS_TO_SPLIT == set()
    assert long >= LONG_FUNCTIONS_TO_SPLIT, "split already: remove it from LONG_FUNCTIONS_TO_SPLIT"


def test_cli_stays_thin() -> None:
    # cli.py parses, renders and maps results to exit codes; the command groups live in cli_groups.py.
    assert len((PACKAGE / "cli.py").read_text(encoding="utf-8").splitlines()) < 300
    for part in ("cli_groups.py", "cli_options.py", "cli_startup.py"):
        assert len((PACKAGE / part).read_text(encoding="utf-8").splitlines()) < 300


def test_the_checker_sees_imports_inside_functions() -> None:
    sample = PACKAGE / "exchange" / "client.py"
    found = imports(sample)
    assert "httpx" in found and "responder.exchange.budget" in found
    assert _uses({"typer.testing"}, "typer") and not _uses({"typerx"}, "typer")
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_simulator_is_self_contained() -> None:
    """The simulator could ship alone as a Binance test double: no module of it imports anything else
    of ours (not even under TYPE_CHECKING), and importing it loads no other responder module."""
    simulator = [p for p in MODULES if _rel(p).startswith("simulator/")]
    assert len(simulator) > 10
    offenders = {
        _rel(p): sorted(
            n for n in imports(p) if _uses({n}, "responder") and not _uses({n}, "responder.simulator")
        )
        for p in simulator
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    probe = (
        "import sys, responder.simulator, responder.simulator.app, responder.simulator.transport;"
        "print(sorted(m for m in sys.modules"
        " if m.startswith('responder') and not m.startswith('responder.simulator')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert loaded.stdout.strip() == "['responder']"
