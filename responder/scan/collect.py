"""From texts to findings: one finding per credential and path, with the commit that first exposed it.

`Collector` is fed texts (work-tree files and history blobs), runs the pure detectors, remembers
which directories mention Binance, and keeps for each (kind, credential, path) the earliest commit
that introduced it. A hit counts only if its directory (the file itself or a sibling) or its path
mentions Binance; that is decided at the end, so a note added in any commit counts.
`scan_tree` and `scan_history` are the two feeders (files and git are the edges).
"""

from __future__ import annotations

import os
import posixpath
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from responder.scan.detect import Hit, Kind, find_credentials, has_binance_context, prefilter
from responder.scan.gitread import MAX_BLOB, Repository, count_commits, history_blobs
from responder.secrets import Secret


@dataclass(frozen=True)
class Finding:
    """A credential at a path. `api_key`/`secret` stay in memory for `--verify`; never rendered raw."""

    kind: Kind
    masked: str
    path: str
    line: int
    commit: str | None
    first_exposed: datetime | None
    example: bool
    rule: str
    api_key: str | None = field(default=None, repr=False)
    secret: Secret | None = field(default=None, repr=False)
    encrypted: bool = False
    in_work_tree: bool = False


@dataclass
class _Seen:
    hit: Hit
    path: str
    line: int
    commit: str | None = None
    time: datetime | None = None
    in_work_tree: bool = False


@dataclass
class Collector:
    context_dirs: set[str] = field(default_factory=set)
    seen: dict[tuple[str, str, str], _Seen] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)

    def add(self, data: bytes, path: str, commit: str | None = None, when: datetime | None = None) -> None:
        if has_binance_context(data, path):
            self.context_dirs.add(posixpath.dirname(path))
        if not prefilter(data):
            return
        for hit in find_credentials(data.decode("utf-8", "replace")):
            self._record(hit, path, commit, when)

    def _record(self, hit: Hit, path: str, commit: str | None, when: datetime | None) -> None:
        key = (hit.kind, hit.identity, path)
        old = self.seen.get(key)
        if old is None:
            self.seen[key] = _Seen(hit, path, hit.line, commit, when, in_work_tree=commit is None)
        elif commit is None:  # the work tree says where it is now; history says since when
            old.in_work_tree, old.line = True, hit.line
        elif old.time is None or (when is not None and when < old.time):
            old.commit, old.time, old.hit = commit, when, hit
            if not old.in_work_tree:
                old.line = hit.line

    def findings(self) -> list[Finding]:
        """Hits with Binance context, oldest exposure first, then by path and line."""
        out = [
            Finding(
                s.hit.kind,
                s.hit.masked,
                s.path,
                s.line,
                s.commit,
                s.time,
                s.hit.example,
                s.hit.rule,
                s.hit.api_key,
                s.hit.secret,
                s.hit.encrypted,
                s.in_work_tree,
            )
            for s in self.seen.values()
            if posixpath.dirname(s.path) in self.context_dirs
        ]
        self.stats["without-context"] = len(self.seen) - len(out)
        return sorted(
            out,
            key=lambda f: (
                f.first_exposed is None,
                f.first_exposed.timestamp() if f.first_exposed else 0.0,
                f.path,
                f.line,
            ),
        )


def scan_tree(root: Path, collector: Collector, *, prefix: str = "", max_size: int = MAX_BLOB) -> None:
    """Every regular file under `root` (or `root` itself), `.git` directories skipped."""
    if root.is_file():
        _scan_file(root, root.name, collector, max_size)
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        rel = Path(folder).relative_to(root).as_posix()
        for name in sorted(files):
            path = prefix + (name if rel == "." else f"{rel}/{name}")
            _scan_file(Path(folder) / name, path, collector, max_size)


def _scan_file(file: Path, path: str, collector: Collector, max_size: int) -> None:
    try:
        st = file.lstat()
        if not file.is_file() or file.is_symlink() or st.st_size > max_size:
            collector.stats["skipped"] += 1
            return
        data = file.read_bytes()
    except OSError:
        collector.stats["unreadable"] += 1
        return
    collector.stats["files"] += 1
    if b"\x00" in data[:8000]:
        return
    collector.add(data, path)


def scan_history(repo: Repository, collector: Collector, *, max_size: int = MAX_BLOB) -> None:
    for blob in history_blobs(repo, max_size=max_size):
        collector.stats["blobs"] += 1
        if blob.data is None:
            collector.stats[f"blobs-{blob.skipped}"] += 1
            continue
        collector.add(blob.data, blob.path, blob.commit, blob.time)
    collector.stats["commits"] = count_commits(repo)
