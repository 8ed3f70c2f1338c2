"""The request log: one entry per request the simulator answered (or refused to answer).

Tests and benchmarks assert on it ("no mutating request was sent"). Parameters are stored without
the signature and the key is masked, so the log can be written to a JSON Lines file safely.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any


def mask_key(value: str) -> str:
    """An API key as its first 4 and last 4 characters; under 12 characters, masked entirely."""
    if len(value) < 12:
        return "…" * 3
    return f"{value[:4]}…{value[-4:]}"


@dataclass(frozen=True)
class LogEntry:
    time: datetime
    method: str
    path: str
    params: dict[str, str]
    key: str | None  # masked
    status: int | None  # None when the connection was dropped (timeout, reset)
    weight: int
    mutating: bool
    client_ip: str
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": self.method,
            "path": self.path,
            "params": self.params,
            "key": self.key,
            "status": self.status,
            "weight": self.weight,
            "mutating": self.mutating,
            "client_ip": self.client_ip,
            "fault": self.fault,
        }


class RequestLog:
    """In memory always; also appended to a JSON Lines file when given one."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path else None

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(json.dumps(entry.to_json(), separators=(",", ":")) + "\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def mutating(self) -> list[LogEntry]:
        return [e for e in self.entries() if e.mutating]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, i: int) -> LogEntry:
        with self._lock:
            return self._entries[i]
