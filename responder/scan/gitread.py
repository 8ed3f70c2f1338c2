"""Every blob version reachable in a git repository, streamed with git's own plumbing.

`git log --all --raw` lists, per commit (every branch, tag, stash and note), the blob each changed
path was set to: no content is diffed, nothing is checked out. A feeder thread passes those blob ids
to one `git cat-file --batch`, and the caller reads the contents in the same order. Memory stays
flat in the repository's size: a bounded queue, one blob at a time (blobs over `max_size` are
drained and skipped), nothing kept per commit. A blob introduced by several commits is read once per
commit; the caller keeps the earliest. Merge commits contribute only what differs from every parent
(`--diff-merges=combined`): content resolved in the merge itself.

What git does not reach is not scanned: unreachable (dangling) commits, reflogs, and objects a host
keeps for pull requests or forks. Times are committer times (UTC): when the commit object was made.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from responder.errors import UsageError

MAX_BLOB = 16 * 1024 * 1024
_ZERO = "0" * 40
_DONE = None
_LOG = [  # every ref; per commit the blob each changed path was set to; merges: only their own content
    "git", "-c", "core.quotepath=off", "log", "--all", "--raw", "--no-renames", "--no-abbrev",
    "--diff-merges=combined", "--format=%x00%H %ct",
]  # fmt: skip
_CAT = ["git", "cat-file", "--batch"]


@dataclass(frozen=True)
class BlobVersion:
    commit: str
    time: datetime
    path: str
    data: bytes | None  # None: skipped (binary, too large, missing)
    skipped: str = ""


@dataclass(frozen=True)
class Repository:
    top: Path
    prefix: str  # PATH relative to the top level ("" or "sub/dir/")


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(  # noqa: S603 — fixed git subcommands; PATH is only the cwd
            ["git", *args],  # noqa: S607 — git from PATH, like the user's own shell
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("git is not installed", hint="install git, or scan without --history") from None
    if proc.returncode != 0:
        raise UsageError(f"{cwd} is not inside a git repository", hint="scan without --history")
    return proc.stdout.strip()


def open_repository(path: Path) -> Repository:
    """The repository holding `path` (a directory), or a UsageError."""
    top = _git(["rev-parse", "--show-toplevel"], path)
    prefix = _git(["rev-parse", "--show-prefix"], path)
    return Repository(Path(top), prefix)


def count_commits(repo: Repository) -> int:
    """How many commits every ref reaches."""
    return int(_git(["rev-list", "--all", "--count"], repo.top) or 0)


def _unquote(path: str) -> str:
    """git's C-style quoting of unusual paths ("a\\tb", octal UTF-8 bytes)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "replace")


def _parse_raw(line: str) -> tuple[str, str] | None:
    """`:100644 100644 old new M\\tpath` (or a combined `::…` line) → (new blob, path)."""
    meta, _, path = line.partition("\t")
    parents = len(meta) - len(meta.lstrip(":"))
    fields = meta.lstrip(":").split()
    if len(fields) < 2 * (parents + 1) + 1:
        return None
    new_mode, new_blob = fields[parents], fields[2 * (parents + 1) - 1]
    if new_blob == _ZERO or not new_mode.startswith("100"):  # deleted, submodule, symlink
        return None
    return new_blob, _unquote(path)


def _feed(
    log: IO[str], cat: IO[bytes], pending: queue.Queue[tuple[str, datetime, str] | None], failed: list[str]
) -> None:
    commit, when = "", datetime.fromtimestamp(0, UTC)
    count = 0
    try:
        for line in log:
            if line.startswith("\x00"):
                sha, _, stamp = line[1:].strip().partition(" ")
                commit, when = sha, datetime.fromtimestamp(int(stamp), UTC)
            elif line.startswith(":"):
                parsed = _parse_raw(line.rstrip("\n"))
                if parsed is None:
                    continue
                cat.write(parsed[0].encode() + b"\n")
                count += 1
                if count % 64 == 0 or pending.full():
                    cat.flush()
                pending.put((commit, when, parsed[1]))
    except (OSError, ValueError) as e:  # a killed git (the reader stopped early) or output we cannot read
        failed.append(f"{type(e).__name__}: {e}")
    finally:
        with contextlib.suppress(OSError, ValueError):
            cat.close()
        pending.put(_DONE)


def history_blobs(repo: Repository, *, max_size: int = MAX_BLOB) -> Iterator[BlobVersion]:
    """Each (commit, path, blob) a commit introduced, oldest order not guaranteed."""
    with tempfile.TemporaryFile() as errors:
        log = subprocess.Popen(  # noqa: S603 — a fixed command line
            _LOG, cwd=repo.top, stdout=subprocess.PIPE, stderr=errors, text=True, encoding="utf-8",
            errors="surrogateescape",
        )  # fmt: skip
        cat = subprocess.Popen(  # noqa: S603 — a fixed command line
            _CAT, cwd=repo.top, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        assert log.stdout is not None and cat.stdin is not None and cat.stdout is not None
        pending: queue.Queue[tuple[str, datetime, str] | None] = queue.Queue(maxsize=4096)
        failed: list[str] = []
        feeder = threading.Thread(target=_feed, args=(log.stdout, cat.stdin, pending, failed), daemon=True)
        feeder.start()
        try:
            yield from _read(cat.stdout, pending, max_size)
            log.wait(timeout=60)
        finally:
            for proc in (log, cat):
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            while feeder.is_alive():  # let a feeder blocked on a full queue see the end
                with contextlib.suppress(queue.Empty):
                    pending.get(timeout=0.05)
            log.stdout.close()
            cat.stdout.close()
        if log.returncode != 0 or failed:  # a partial history must not pass for a complete one
            errors.seek(0)
            detail = errors.read(300).decode("utf-8", "replace").strip().splitlines()
            why = detail[0] if detail else (failed[0] if failed else f"exit {log.returncode}")
            raise UsageError(f"reading the git history of {repo.top} failed: {why}")


def _read(
    out: IO[bytes], pending: queue.Queue[tuple[str, datetime, str] | None], max_size: int
) -> Iterator[BlobVersion]:
    while (item := pending.get()) is not _DONE:
        commit, when, path = item
        line = out.readline()
        if not line:
            raise UsageError("git cat-file stopped before the history was read", hint="run git fsck")
        header = line.split()
        if len(header) != 3:  # "<sha> missing" (a partial clone)
            yield BlobVersion(commit, when, path, None, "missing")
            continue
        size = int(header[2])
        if size > max_size:
            _drain(out, size + 1)
            yield BlobVersion(commit, when, path, None, "too large")
            continue
        data = out.read(size)
        out.read(1)
        if b"\x00" in data[:8000]:
            yield BlobVersion(commit, when, path, None, "binary")
            continue
        yield BlobVersion(commit, when, path, data)


def _drain(out: IO[bytes], size: int) -> None:
    while size > 0:
        size -= len(out.read(min(size, 1 << 20)) or b"\x00" * size)
