"""Making outside strings safe to show: attacker-controlled text (clientOrderIds, addresses, memos).

Pure functions used by the context builder (strip control characters once, at parse) and by the
renderer (per-format escaping applied to every `{{ }}` output). HTML escaping is jinja2's autoescape.
"""

from __future__ import annotations

import re
import textwrap
from typing import Final

from responder.untrusted import shown_line

# Inline markup starters. `(` and `:` alone are harmless once `[` is escaped; `://` and `www.` are
# broken so chat clients do not turn an attacker's clientOrderId into a live link.
# `&` only where it would start an entity (`&lt;`), so "spot & margin" pastes into a chat as written.
_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?[A-Za-z0-9]+;)|:(?=//)|(?<=[wW]{3})\.)")
_MD_BLOCK_MARK: Final = re.compile(r"^([#+=-])(?=[\s#=-]|$)")
_MD_LIST_NUMBER: Final = re.compile(r"^(\d+)([.)])(?=\s|$)")


def clean(value: str) -> str:
    """Text with control characters made visible (`\\x1b`, `\\u202e`: the reader sees that they were
    there, nothing acts on them — `responder.untrusted`, the one chokepoint); line breaks become spaces."""
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return shown_line(value)


def clean_multiline(value: str) -> str:
    """Like `clean`, but keeps line breaks (for our own prose)."""
    return "\n".join(clean(line) for line in value.splitlines())


def md_escape(value: str) -> str:
    """Inline Markdown: every character that could start markup (links, code, tables, HTML) escaped.

    A value that could start a block (heading, list, rule) when a template puts it at a line start
    gets its first character escaped too.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", clean(value))
    escaped = _MD_BLOCK_MARK.sub(r"\\\1", escaped)
    return _MD_LIST_NUMBER.sub(r"\1\\\2", escaped)


_SAFE_URL: Final = re.compile(r"^https://[A-Za-z0-9.\-]+/[A-Za-z0-9/#?=._\-]*$")


def is_safe_url(url: str) -> bool:
    """A URL we built ourselves from a fixed template: https, plain characters, nothing to escape."""
    return bool(_SAFE_URL.fullmatch(url))


_TIMELINE_ROW: Final = re.compile(r"^( +(?:#\d+)? +\d[\d:-]+(?: [\d:]+)? +\S+(?: \S+ \S+)? +[✓!·] )\S")
_LABELLED: Final = re.compile(r"^( +[^ :][^:]{0,40}: +)\S")
_ITEM: Final = re.compile(r"^( *(?:[-*]|\d+[.)]) +)\S")


def _hang(line: str) -> str:
    """The indent of a wrapped line's continuation: under the value of `  Label:  value`, under the
    text of a list item, else the line's own indent (a paragraph stays flush)."""
    for pattern in (_TIMELINE_ROW, _ITEM, _LABELLED):
        m = pattern.match(line)
        if m and len(m.group(1)) <= 60:
            return " " * len(m.group(1))
    return line[: len(line) - len(line.lstrip(" "))]


def wrap(text: str, width: int) -> str:
    """Every line at most `width` columns: long lines wrap at spaces with the line's own indent plus two
    (a list item's text lines up after its dash); words longer than a line (hashes, TxIDs) are cut."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        out += textwrap.wrap(line, width, subsequent_indent=_hang(line), break_on_hyphens=False)
    return "\n".join(out)
