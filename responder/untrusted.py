"""The one chokepoint for showing text that may have come from a server: control characters made visible.

Everything Binance (or whatever answers at the base URL) sends is attacker-controlled: symbols,
clientOrderIds, addresses, memos, txIds, network names and error messages. Raw, an ESC can clear the
screen or retitle the terminal, and a bidi override can make `evil` read as `live`. `shown()` renders
every such character as a visible escape (`\\x1b`, `\\u202e`) so the person sees that it is there and
nothing acts on it. Every terminal sink (the wizard's display, the prompts, the CLI's output and error
line) and the text reports pass their text through here. Newline and tab are kept (our own layout);
`shown_line()` also escapes them, for one-line contexts such as an error message.

Pure, stdlib only, cheap to import.
"""

from __future__ import annotations

import re
from typing import Final

# C0 (except \t and \n, handled per function), DEL, C1, the bidi marks/embeddings/overrides/isolates,
# the Arabic letter mark, and the line/paragraph separators (which some terminals break lines on).
_UNSAFE: Final = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_UNSAFE_LINE: Final = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` safe for a terminal or a text report: control characters escaped, newlines and tabs kept."""
    return _UNSAFE.sub(_escape, str(text))


def shown_line(text: object) -> str:
    """Like `shown`, but for one line: newlines, carriage returns and tabs are escaped too."""
    return _UNSAFE_LINE.sub(_escape, str(text))


def is_clean(text: str) -> bool:
    """True when `text` holds nothing `shown` would escape (tests and assertions use this)."""
    return _UNSAFE.search(text) is None
