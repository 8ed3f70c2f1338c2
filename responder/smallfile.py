"""Reading a small file a person pointed us at (a key file, an answers file, a playbook), bounded.

A path can name anything: `/dev/zero` (endless), `/bin/ls` (binary), a FIFO that never ends, a
directory. `read_small` refuses what is not a regular file, reads at most `limit` bytes (one more
tells it was too big), and raises the caller's `UsageError` subclass with one line naming the file —
never a MemoryError, a UnicodeDecodeError or a hang. Pure apart from the one read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from responder.errors import UsageError

KIB = 1024


def read_small(path: Path, *, what: str, limit: int, error: type[UsageError] = UsageError) -> bytes:
    """At most `limit` bytes of the regular file at `path`; `error` (one line) for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise error(f"cannot read the {what} {path} ({e.strerror or type(e).__name__})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"the {what} {path} is not a regular file")
        if info.st_size > limit:
            raise error(f"the {what} {path} is {info.st_size:,} bytes; a {what} is at most {limit:,}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(64 * KIB, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise error(f"the {what} {path} is over {limit:,} bytes")
        return b"".join(chunks)
    except OSError as e:
        raise error(f"cannot read the {what} {path} ({e.strerror or type(e).__name__})") from None
    finally:
        os.close(fd)


def read_small_text(path: Path, *, what: str, limit: int, error: type[UsageError] = UsageError) -> str:
    """`read_small` decoded as UTF-8 (a binary file is `error`, not a UnicodeDecodeError)."""
    data = read_small(path, what=what, limit=limit, error=error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"the {what} {path} is not text (not UTF-8)") from None
