"""Writing files atomically: nothing half-written on disk after an error.

Every output file qproto writes (``--out``, ``--junit-xml``, ``--report``,
``--transcript``, plots) goes through :func:`write_atomic`: the data is
written to a temporary file in the target's folder, flushed to disk
(``fsync``) and renamed over the target, so a reader sees the old file or
the new one.  Any ``OSError`` (read-only or full disk, a parent that is a
file, a directory as target, permission denied) becomes an
:class:`OutputError` naming the path and the OS reason: the CLI prints it
as one line and exits 2.

Modes: a new file gets ``0666 & ~umask`` (as ``open()`` would give it, not
``mkstemp``'s 0600); a replaced file keeps its mode.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
from pathlib import Path

from qproto.spec.errors import QprotoError


class OutputError(QprotoError, OSError):
    """An output file could not be written (the message names the path and
    the operating system's reason)."""


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting and restoring it: there is no
    read-only call; the lock keeps two writers in this process apart)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a parent folder is a file"
    if exc.errno == errno.ENOENT:
        return "no such folder"
    return exc.strerror or type(exc).__name__


def output_error(path: str | os.PathLike[str], exc: OSError, what: str = "output") -> OutputError:
    """An :class:`OutputError` for ``exc`` raised while writing ``path``."""
    return OutputError(f"cannot write {what} {os.fspath(path)!r}: {_reason(exc)} (choose a writable path)")


def _check_target(target: Path) -> os.stat_result | None:
    """The target's stat if it exists; refuse a directory as target."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OutputError(f"cannot write output {str(target)!r}: a parent folder is a file (choose a writable path)") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write output {str(target)!r}: is a directory (give a file name)")
    return st


def _write_in_place(target: Path, payload: bytes) -> None:
    """A device or a FIFO (``/dev/null``, ``/dev/stdout``) is written to, never
    renamed over: replacing a device node with a file would be a disaster."""
    with open(target, "wb") as fh:
        fh.write(payload)
        fh.flush()


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and
    an atomic rename, so a reader sees the old file or the new one.

    Raises :class:`OutputError` (one line: the path and the OS reason) when
    the file cannot be written; no temporary file is left behind, also when
    the write is interrupted (SIGINT, SIGTERM)."""
    target = Path(path)
    if str(path).endswith(os.sep):
        raise OutputError(f"cannot write output {os.fspath(path)!r}: names a folder (give a file name)")
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        existing = _check_target(target)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            _write_in_place(target, payload)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~current_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise output_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise output_error(path, exc) from None
        raise


def preflight(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, an output path that cannot be
    written: a directory, a parent that is a file, a folder without write
    permission.  (The write itself still maps every ``OSError``.)"""
    try:
        _preflight(path)
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(path, exc) from None


def _preflight(path: str | os.PathLike[str]) -> None:
    target = Path(path)
    if str(path).endswith(os.sep) or not target.name:
        raise OutputError(f"cannot write output {os.fspath(path)!r}: names a folder (give a file name)")
    existing = _check_target(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return  # a device or FIFO: written in place
    folder = target.parent
    while not folder.exists():  # the nearest existing ancestor must be a writable folder
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write output {os.fspath(path)!r}: a parent folder is a file (choose a writable path)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write output {os.fspath(path)!r}: permission denied on {str(folder)!r} (choose a writable path)"
        )


__all__ = ["write_atomic", "preflight", "OutputError", "output_error", "current_umask"]
