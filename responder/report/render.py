"""Rendering the report context to Markdown, plain text and self-contained HTML: the only jinja2 user.

Every `{{ }}` output passes through a per-format `finalize`: HTML is autoescaped, Markdown escapes every
character that could start markup, text strips control characters, so no template can forget to escape
an attacker's clientOrderId. Templates run under `StrictUndefined` and print nothing that is `None`.
Templates are found in the installed package (`responder/_data/reports`) or, in a checkout, `reports/`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Final

import jinja2

from responder.errors import JournalError, UsageError
from responder.incident.evidence import record_bundle_file
from responder.incident.journal import Journal
from responder.report.model import ReportContext
from responder.report.text import clean, is_safe_url, md_escape, wrap
from responder.secrets import SecretRegistry

FORMATS: Final = ("md", "txt", "html")
TEXT_WIDTH: Final = 100  # report.txt fits an email and a terminal
TEMPLATE: Final = "report.{fmt}.j2"


class Verbatim(str):
    """A string a template may print unescaped in Markdown: only our own validated URLs become one."""

    __slots__ = ()


def templates_dir() -> Path:
    """The installed templates (wheel data) first, then the repository's `reports/`."""
    packaged = resources.files("responder") / "_data" / "reports"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "reports"
    if checkout.is_dir():
        return checkout
    raise UsageError("report templates not found", hint="reinstall responder; the wheel ships them")


def _finalizer(escape: Callable[[str], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if value is None:
            raise ValueError("a template printed None; guard optional facts with {% if %}")
        if isinstance(value, Verbatim):
            return str(value)
        return escape(value) if isinstance(value, str) else value

    return finalize


def _md_url(url: str) -> Verbatim:
    if not is_safe_url(url):
        raise ValueError(f"refusing to emit an unvetted URL in Markdown: {url[:40]!r}")
    return Verbatim(url)


def environment(fmt: str, directory: Path | None = None) -> jinja2.Environment:
    """The jinja2 environment for one format (`md`, `txt`, `html`)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}", hint="use md, txt, html or all")
    escape = {"md": md_escape, "txt": clean, "html": clean}[fmt]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory or templates_dir())),
        autoescape=fmt == "html",  # noqa: S701 — md and txt are not HTML; finalize escapes them
        undefined=jinja2.StrictUndefined,
        finalize=_finalizer(escape),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["url"] = _md_url if fmt == "md" else (lambda u: u)
    return env


def render(
    ctx: ReportContext, fmt: str, *, secrets: SecretRegistry | None = None, directory: Path | None = None
) -> str:
    """One report as text. Refuses (JournalError) if a loaded secret would appear in it."""
    try:
        text = environment(fmt, directory).get_template(TEMPLATE.format(fmt=fmt)).render(r=ctx)
    except jinja2.TemplateError as e:
        raise UsageError(f"report template {TEMPLATE.format(fmt=fmt)} failed: {e}") from None
    if fmt == "txt":
        text = wrap(text, TEXT_WIDTH)
    if secrets is not None and secrets.find_in(text):
        raise JournalError(f"refusing to write report.{fmt}: it would contain a loaded secret")
    return text


def write_reports(
    ctx: ReportContext, journal: Journal, formats: Iterable[str], *, secrets: SecretRegistry | None = None
) -> list[Path]:
    """Render every format first, then write each `report.<fmt>` atomically and journal it."""
    texts = {fmt: render(ctx, fmt, secrets=secrets) for fmt in formats}
    return [
        record_bundle_file(journal, f"report.{fmt}", text, what="report", secrets=secrets)
        for fmt, text in texts.items()
    ]
