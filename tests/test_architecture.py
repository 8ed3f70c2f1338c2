"""The import rules of docs/ARCHITECTURE.md, enforced by parsing every module under responder/ with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "responder"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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


# (library, where it may be imported: module paths or folder prefixes relative to responder/)
ONLY_IN = [
    ("typer", ("cli.py",)),
    ("click", ()),  # typer vendors click as typer._click; never import click directly
    ("questionary", ("wizard/questionary_prompter.py",)),
    ("jinja2", ("report/",)),
    ("httpx", ("exchange/", "simulator/")),
]


def test_there_are_modules_to_check() -> None:
    assert len(MODULES) > 10 and PACKAGE / "exchange" / "client.py" in MODULES


@pytest.mark.parametrize(("library", "allowed"), ONLY_IN)
def test_libraries_only_where_allowed(library: str, allowed: tuple[str, ...]) -> None:
    offenders = [
        _rel(p) for p in MODULES
        if _uses(imports(p), library) and not any(_rel(p) == a or _rel(p).startswith(a) for a in allowed)
    ]  # fmt: skip
    assert offenders == [], f"{library} imported outside {allowed}"


def test_nothing_imports_cli() -> None:
    """Only `__main__.py` (`python -m responder`, the same entry point as the script) may."""
    entry = ("cli.py", "__main__.py")
    offenders = [_rel(p) for p in MODULES if p.name not in entry and _uses(imports(p), "responder.cli")]
    assert offenders == []


def test_runner_and_forensics_depend_on_the_protocol_not_the_client() -> None:
    guarded = [p for p in MODULES if _rel(p).startswith(("forensics/", "playbook/runner"))]
    offenders = [_rel(p) for p in guarded if _uses(imports(p), "responder.exchange.client")]
    assert offenders == []


def test_the_checker_sees_imports_inside_functions() -> None:
    sample = PACKAGE / "exchange" / "client.py"
    found = imports(sample)
    assert "httpx" in found and "responder.exchange.budget" in found
    assert _uses({"typer.testing"}, "typer") and not _uses({"typerx"}, "typer")
