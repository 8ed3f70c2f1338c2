"""`when` conditions: a tiny, safe expression language over earlier answers and outputs. No `eval`.

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") operand)?
    operand := STRING | NUMBER | true | false | null | NAME ("." NAME)* | "[" operands "]" | "(" expr ")"

A name is a step id (its status: done, skipped, unresolved, failed, or null if it has not run), a
step output `step.key` (nested: `step.key.sub`), or one of `dry_run`, `drill`, `mode`. Missing
values are null; ordering against null or across types is false, never an error.

Facts are tri-state: known true, known false, or *unknown* — an output an action could not read is
`{"unknown": "<what could not be read, and why>"}` (JSON, so it survives the journal and a resume).
Unknown propagates (Kleene logic): a comparison with an unknown is unknown, `not` unknown is
unknown, `false and unknown` is false, `true or unknown` is true. `decide` returns the `Unknown`
with its reason; the runner then takes the safe branch (runs the step) and says why. Unknown is
never read as no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

BUILTINS: Final = frozenset({"dry_run", "drill", "mode"})
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|\.)
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS: Final = {"and", "or", "not", "in", "true", "false", "null"}


class ConditionError(ValueError):
    """A condition that does not parse; the message says where."""


@dataclass(frozen=True)
class Lit:
    value: object


@dataclass(frozen=True)
class Name:
    path: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


Node = Lit | Name | ListOf | Not | BoolOp | Compare


@dataclass(frozen=True)
class Condition:
    source: str
    root: Node

    def names(self) -> tuple[tuple[str, ...], ...]:
        """Every name the condition reads, in order."""
        found: list[tuple[str, ...]] = []
        _collect(self.root, found)
        return tuple(found)


def _collect(node: Node, found: list[tuple[str, ...]]) -> None:
    if isinstance(node, Name):
        found.append(node.path)
    elif isinstance(node, ListOf):
        for item in node.items:
            _collect(item, found)
    elif isinstance(node, Not):
        _collect(node.operand, found)
    elif isinstance(node, (BoolOp, Compare)):
        _collect(node.left, found)
        _collect(node.right, found)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].lstrip()
            raise ConditionError(f"unexpected character {rest[:1]!r} at column {len(text) - len(rest) + 1}")
        kind = m.lastgroup or ""
        value, column = m.group(kind), m.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value, column))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self, *values: str) -> bool:
        return (
            self.i < len(self.tokens)
            and self.tokens[self.i][1] in values
            and self.tokens[self.i][0]
            in (
                "kw",
                "op",
            )
        )

    def take(self) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise ConditionError("unexpected end of condition")
        self.i += 1
        return self.tokens[self.i - 1]

    def expect(self, value: str) -> None:
        kind, got, col = self.take()
        if got != value or kind not in ("op", "kw"):
            raise ConditionError(f"expected {value!r} at column {col}, found {got!r}")

    def parse(self) -> Node:
        node = self.expr()
        if self.i < len(self.tokens):
            _, got, col = self.tokens[self.i]
            raise ConditionError(f"unexpected {got!r} at column {col}")
        return node

    def expr(self) -> Node:
        node = self.conj()
        while self.peek("or"):
            self.take()
            node = BoolOp("or", node, self.conj())
        return node

    def conj(self) -> Node:
        node = self.neg()
        while self.peek("and"):
            self.take()
            node = BoolOp("and", node, self.neg())
        return node

    def neg(self) -> Node:
        if self.peek("not"):
            self.take()
            return Not(self.neg())
        return self.compare()

    def compare(self) -> Node:
        left = self.operand()
        if self.peek("==", "!=", "<", "<=", ">", ">=", "in"):
            op = self.take()[1]
            return Compare(op, left, self.operand())
        if self.peek("not") and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1][1] == "in":
            self.i += 2
            return Compare("not in", left, self.operand())
        return left

    def operand(self) -> Node:
        kind, value, col = self.take()
        if kind == "str":
            return Lit(re.sub(r"\\(.)", r"\1", value[1:-1]))
        if kind == "num":
            return Lit(Decimal(value))
        if kind == "kw" and value in ("true", "false", "null"):
            return Lit({"true": True, "false": False, "null": None}[value])
        if kind == "name":
            path = [value]
            while self.peek("."):
                self.take()
                nkind, part, ncol = self.take()
                if nkind not in ("name", "kw"):
                    raise ConditionError(f"expected a name after '.' at column {ncol}")
                path.append(part)
            return Name(tuple(path))
        if value == "(" and kind == "op":
            node = self.expr()
            self.expect(")")
            return node
        if value == "[" and kind == "op":
            items: list[Node] = []
            while not self.peek("]"):
                items.append(self.operand())
                if not self.peek("]"):
                    self.expect(",")
            self.take()
            return ListOf(tuple(items))
        raise ConditionError(f"unexpected {value!r} at column {col}")


def parse_condition(text: str) -> Condition:
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition")
    try:
        return Condition(text, _Parser(text).parse())
    except RecursionError:
        raise ConditionError("condition nested too deeply") from None


Lookup = Callable[[tuple[str, ...]], object]


@dataclass(frozen=True)
class Unknown:
    """A fact that could not be read; `reason` says what and why (shown to the person)."""

    reason: str


def unknown(reason: str) -> dict[str, str]:
    """The JSON form of an unknown output value, for actions to return."""
    return {"unknown": reason}


def as_unknown(value: object) -> Unknown | None:
    """The `Unknown` a value stands for (`{"unknown": reason}`), or None for a known value."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return Unknown(str(value["unknown"]))
    return None


def decide(condition: Condition, lookup: Lookup) -> bool | Unknown:
    """True or False when the facts decide it; the first `Unknown` that left it undecided otherwise."""
    value = _eval(condition.root, lookup)
    return value if isinstance(value, Unknown) else _truthy(value)


def evaluate(condition: Condition, lookup: Lookup) -> bool:
    """True only when the condition is known to hold (unknown is not true; use `decide` to tell)."""
    return decide(condition, lookup) is True


def _truthy(value: object) -> bool:
    return value not in (None, False, "", 0) and value not in ([], {})


def _tri(value: object) -> bool | Unknown:
    return value if isinstance(value, Unknown) else _truthy(value)


def _eval(node: Node, lookup: Lookup) -> object:  # noqa: PLR0911 — one return per node type
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Name):
        value = lookup(node.path)
        return as_unknown(value) or value
    if isinstance(node, ListOf):
        return [_eval(item, lookup) for item in node.items]
    if isinstance(node, Not):
        operand = _tri(_eval(node.operand, lookup))
        return operand if isinstance(operand, Unknown) else not operand
    if isinstance(node, BoolOp):
        return _kleene(node.op, _tri(_eval(node.left, lookup)), lambda: _tri(_eval(node.right, lookup)))
    left, right = _eval(node.left, lookup), _eval(node.right, lookup)
    for side in (left, right):
        if isinstance(side, Unknown):
            return side
    return _compare(node.op, left, right)


def _kleene(op: str, left: bool | Unknown, right: Callable[[], bool | Unknown]) -> bool | Unknown:
    """and/or over three values: a known false decides `and`, a known true decides `or`."""
    if left is (op == "or"):
        return left
    other = right()
    if other is (op == "or"):
        return other
    return left if isinstance(left, Unknown) else other


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _same(a: object, b: object) -> bool:
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None and not (isinstance(a, str) and isinstance(b, str)):
        return na == nb
    return a == b


def _compare(op: str, a: object, b: object) -> bool:
    if op in ("==", "!="):
        return _same(a, b) == (op == "==")
    if op in ("in", "not in"):
        inside = isinstance(b, (list, tuple)) and any(_same(a, x) for x in b)
        inside = inside or (isinstance(a, str) and isinstance(b, str) and a in b)
        return inside == (op == "in")
    na, nb = _number(a), _number(b)
    pair: tuple[object, object]
    if na is not None and nb is not None and not (isinstance(a, str) and isinstance(b, str)):
        pair = (na, nb)
    elif isinstance(a, str) and isinstance(b, str):
        pair = (a, b)
    else:
        return False
    x, y = pair
    return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])  # type: ignore[operator]  # same-type pair
