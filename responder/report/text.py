"""Making outside strings safe to show: attacker-controlled text (clientOrderIds, addresses, memos).

Pure functions used by the context builder (strip control characters once, at parse) and by the
renderer (per-format escaping applied to every `{{ }}` output). HTML escaping is jinja2's autoescape.
"""

from __future__ import annotations

import re
from typing import Final

from responder.untrusted import shown_line

# Inline markup starters. `(` and `:` alone are harmless once `[` is escaped; `://` and `www.` are
# broken so chat clients do not turn an attacker's clientOrderId into a live link.
_MD_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|~&]|:(?=//)|(?<=[wW]{3})\.)")
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
