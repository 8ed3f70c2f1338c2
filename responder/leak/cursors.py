"""Sweep cursors in the journal: each finished call of the investigation's sweep is journaled as a
`checkpoint` (its stable key and the rows it returned), so a resumed investigation sends none of them
again and still judges every row (forensics/executor.py: `checkpoint` and `done`).

The rows are our parsed models (`Order`, `Trade`, `Kline`: flat dataclasses of str, int, bool, Decimal
and datetime) written with `jsonable.plain` and read back here field by field.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from responder.exchange.models import Kline, Order, Trade
from responder.jsonable import plain
from responder.playbook.actions import ActionContext

ROW_TYPES: Mapping[str, type] = {"orders": Order, "trades": Trade, "klines": Kline}  # by the key's first part


class SweepCursors:
    """The sweep's `checkpoint` (called from its worker threads) and `done`, kept in one step's journal."""

    def __init__(self, ctx: ActionContext, now: datetime) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()  # the executor reports from several threads; the journal is one chain
        first = next((e for e in self._entries() if isinstance(e.payload.get("until"), str)), None)
        # A resumed sweep keeps the window it started with: the calls' keys depend on it.
        self.until = datetime.fromisoformat(first.payload["until"].replace("Z", "+00:00")) if first else now

    def _entries(self) -> list[Any]:
        return [
            e for e in self._ctx.journal.entries if e.kind == "checkpoint" and e.step == self._ctx.step_id
        ]

    def checkpoint(self, key: str, rows: Sequence[Any]) -> None:
        payload = {
            "action": self._ctx.action,
            "key": key,
            "until": plain(self.until),
            "rows": plain(list(rows)),
        }
        with self._lock:
            self._ctx.journal.append("checkpoint", self._ctx.step_id, payload)

    def done(self) -> dict[str, list[Any]]:
        """The calls this step already finished, by key, with their rows parsed back."""
        out: dict[str, list[Any]] = {}
        for e in self._entries():
            key = str(e.payload.get("key", ""))
            row_type = ROW_TYPES.get(key.split(":", 1)[0])
            rows = e.payload.get("rows")
            if row_type is not None and isinstance(rows, list):
                out[key] = [from_plain(row_type, r) for r in rows]
        return out


def from_plain(cls: type, data: Mapping[str, Any]) -> Any:
    """A flat model dataclass from its `plain` form: Decimals and datetimes parsed back by field type."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value, kinds = data[f.name], (hints[f.name], *typing.get_args(hints[f.name]))
        if value is not None and Decimal in kinds:
            value = Decimal(str(value))
        elif value is not None and datetime in kinds:
            value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        values[f.name] = value
    return cls(**values)
