"""Rendering: every template under StrictUndefined, HTML structure, escaping, and no secret anywhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from responder.errors import JournalError
from responder.report.model import ReportContext
from responder.report.render import FORMATS, environment, render, templates_dir
from responder.secrets import Secret, SecretRegistry
from tests.report.builder import CANARY, HOSTILE_COID, KEY
from tests.report.conftest import context_of

SECTIONS = ("header", "key", "what-happened", "metrics", "timeline", "revocation", "orders", "withdrawals",
            "transfers", "loss", "request", "done", "journal", "evidence")  # fmt: skip


class _Html(HTMLParser):
    """Collects tags, attributes and section ids of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(text: str) -> _Html:
    parser = _Html()
    parser.feed(text)
    parser.close()
    return parser


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["full", "quiet"])
def test_every_template_renders_with_a_full_and_a_minimal_context(
    fmt: str, which: str, full_ctx: ReportContext, quiet_ctx: ReportContext
) -> None:
    ctx = full_ctx if which == "full" else quiet_ctx
    text = render(ctx, fmt)
    assert ctx.header.case_id in text
    assert ctx.journal_head in text
    assert ("DRILL" in text) is (which == "full")
    assert "None" not in re.sub(r"none \(usable", "", text)


def test_templates_run_under_strict_undefined(full_ctx: ReportContext) -> None:
    for fmt in FORMATS:
        env = environment(fmt)
        assert env.undefined is jinja2.StrictUndefined
        with pytest.raises(jinja2.UndefinedError):
            env.from_string("{{ r.header.no_such_field }}").render(r=full_ctx)


def test_printing_none_is_a_template_bug(full_ctx: ReportContext, quiet_ctx: ReportContext) -> None:
    with pytest.raises(ValueError, match="printed None"):
        environment("md").from_string("{{ r.header.account_uid }}").render(r=quiet_ctx)


def test_templates_are_found_in_the_checkout() -> None:
    assert (templates_dir() / "report.html.j2").is_file()


def test_html_has_every_section_the_banner_the_svg_and_the_tables(full_ctx: ReportContext) -> None:
    page = _parse(render(full_ctx, "html"))
    ids = {a.get("id") for _, a in page.tags}
    assert set(SECTIONS) <= ids
    assert "banner" in ids
    names = [t for t, _ in page.tags]
    assert names.count("svg") == 1 and "circle" in names
    assert names.count("table") >= 7
    assert "style" in names


def test_html_has_no_script_and_no_external_resource_except_explorer_links(full_ctx: ReportContext) -> None:
    text = render(full_ctx, "html")
    page = _parse(text)
    for tag, attrs in page.tags:
        assert tag not in ("script", "iframe", "object", "embed", "img", "link", "base", "form")
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs
        if "href" in attrs:
            assert tag == "a" and (attrs["href"] or "").startswith("https://etherscan.io/tx/0x"), attrs
    hrefs = [a["href"] for t, a in page.tags if "href" in a]
    assert hrefs == ["https://etherscan.io/tx/0x" + "ab" * 32]
    assert "@media print" in text and "url(" not in text and "@import" not in text


def test_html_escapes_hostile_client_order_ids_and_addresses(full_ctx: ReportContext) -> None:
    text = render(full_ctx, "html")
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\x1b" not in text and "\x07" not in text
    visible = "".join(_parse(text).text)
    assert HOSTILE_COID.replace("\x1b", "\\x1b") in visible  # shown, escaped visibly, as text


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_escapes_hostile_strings_and_keeps_table_shape(full_ctx: ReportContext) -> None:
    text = render(full_ctx, "md")
    assert re.search(r"(?<!\\)<", text) is None  # every < from a value is escaped
    assert len(re.findall(r"(?<!\\)\[", text)) == 1  # the one explorer link; attacker links are escaped
    assert "https://evil" not in text  # autolinks broken too
    assert "\x1b" not in text
    for block in text.split("\n\n"):
        rows = [ln for ln in block.splitlines() if ln.startswith("|")]
        if rows:
            assert len({_unescaped_pipes(r) for r in rows}) == 1, rows
    links = re.findall(r"\]\((https://[^)]*)\)", text)
    assert links == ["https://etherscan.io/tx/0x" + "ab" * 32]


def test_text_report_has_no_control_characters(full_ctx: ReportContext) -> None:
    text = render(full_ctx, "txt")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    assert 'clientOrderId "<script>alert(1)</script>|`x`[a](https://evil.example)\\x1b[31m"' in text


def test_the_canary_secret_appears_in_no_report_evidence_or_manifest(full_dir: Path) -> None:
    ctx = context_of(full_dir)
    for fmt in FORMATS:
        text = render(ctx, fmt)
        assert CANARY not in text and KEY not in text
    for path in full_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CANARY.encode() not in data and KEY.encode() not in data, path


def test_render_refuses_a_report_that_would_contain_a_loaded_secret(full_ctx: ReportContext) -> None:
    registry = SecretRegistry()
    registry.add(Secret("x-AttackerBroker1"))  # pretend a secret leaked into a finding
    with pytest.raises(JournalError, match="loaded secret"):
        render(full_ctx, "md", secrets=registry)
    render(full_ctx, "md", secrets=SecretRegistry())  # an unrelated registry is fine


def test_support_request_makes_no_promise_of_recovery(
    full_ctx: ReportContext, quiet_ctx: ReportContext
) -> None:
    for ctx in (full_ctx, quiet_ctx):
        text = render(ctx, "txt").lower()
        request = text.split("letter to binance support", 1)[1].split("\nthe attacker's orders\n", 1)[0]
        assert "recovery of funds is not guaranteed" in request
        assert "refund" not in request and "will be returned" not in request
    quiet = render(quiet_ctx, "txt")
    assert "I have not yet confirmed that the key is deleted" in quiet
