"""The incident's write seam: every byte responder puts in an incident directory goes through a `Writer`.

An incident directory holds secrets' neighbours (balances, addresses, the account's history), so the
folder is 0700 and every file 0600 whatever the umask: modes are set on the open descriptor, never left
to the umask. A failed write (disk full, read-only folder) leaves no partial file behind and becomes an
`IncidentWriteError`: one line saying what could not be written and that everything already recorded is
kept. Tests inject a `Writer` that fails like a full disk; nothing else is patched.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Final, Protocol

from responder.errors import ResponderError

DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600


class IncidentWriteError(ResponderError):
    """A file of the incident could not be written (disk full, read-only folder, ...)."""


class Writer(Protocol):
    """How files reach the disk. Each call writes all of `data` and fsyncs, or raises OSError having
    left nothing half-written behind (`append` may leave a torn last line: the journal recovers it)."""

    def make_dir(self, path: Path) -> None: ...

    def write_new(self, path: Path, data: bytes) -> None: ...

    def replace(self, path: Path, data: bytes) -> None: ...

    def append(self, path: Path, data: bytes) -> None: ...


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - os.write raises rather than returning 0
            raise OSError(errno.EIO, "short write")
        view = view[n:]
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class OsWriter:
    """The real disk: private modes set explicitly, fsync per write, no partial file left on failure."""

    def make_dir(self, path: Path) -> None:
        path.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask; chmod is not

    def write_new(self, path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            _write_all(fd, data)
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        fsync_dir(path.parent)

    def replace(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.unlink(missing_ok=True)
        self.write_new(tmp, data)
        try:
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(path.parent)

    def append(self, path: Path, data: bytes) -> None:
        new = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            _write_all(fd, data)
        finally:
            os.close(fd)
        if new:
            fsync_dir(path.parent)


OS_WRITER: Final = OsWriter()


def write_failed(what: str, incident_dir: Path, error: OSError) -> IncidentWriteError:
    """The one-line error for a write that did not happen, saying what is kept."""
    reason = error.strerror or type(error).__name__
    name = errno.errorcode.get(error.errno or 0)
    return IncidentWriteError(
        f"could not write {what} in {incident_dir}: {reason}{f' ({name})' if name else ''}; "
        "everything already recorded is kept (the journal and the files it lists)",
        hint=f"free space or make the folder writable, then continue with: responder resume {incident_dir}",
    )
