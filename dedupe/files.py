"""Writing files so that a reader, or a run killed half-way, never sees a half-written one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from dedupe.interrupts import held


def atomic_write(path: Path, write: Callable[[BinaryIO], object], *, prefix: str = "") -> None:
    """Call ``write(handle)`` on a temporary file beside ``path`` (named ``.NAME.*.tmp``, or
    ``PREFIX*.tmp``), fsync it, then rename it over ``path``; on any error the temporary file
    is removed and ``path`` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        with held():  # (a stop signal between creating the file and noting its name leaves it)
            fd, tmp = tempfile.mkstemp(
                dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp"
            )
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


@contextmanager
def temporary_folder(prefix: str) -> Iterator[str]:
    """A new folder in the temporary folder (``TMPDIR``), removed with what it holds when the
    block ends, however it ends: a stop signal (see :mod:`dedupe.interrupts`) cuts neither its
    making nor its removal short. (tempfile.TemporaryDirectory, stopped as it removes the
    folder, leaves the rest of it behind.)"""
    folder = None
    try:
        with held():
            folder = tempfile.mkdtemp(prefix=prefix)
        yield folder
    finally:
        if folder is not None:
            with held():
                shutil.rmtree(folder, ignore_errors=True)


def atomic_write_text(path: Path, text: str | Iterable[str], *, prefix: str = "") -> None:
    """Write ``text`` (or its pieces, one after the other) as UTF-8 to ``path`` atomically
    (see :func:`atomic_write`)."""
    pieces = [text] if isinstance(text, str) else text

    def write(handle: BinaryIO) -> None:
        for piece in pieces:
            handle.write(piece.encode("utf-8"))

    atomic_write(path, write, prefix=prefix)


def fsync_directory(path: Path) -> None:
    """Flush a folder's entries (a rename inside it) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
