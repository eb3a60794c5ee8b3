"""Stopping a command cleanly: the signals that stop it, and the steps they must not cut short.

A signal's handler runs between two steps of Python code, wherever the command is. Most places
are fine to stop at: the code unwinds and its ``finally`` blocks and ``except BaseException``
clean up. A few are not: between creating a temporary file or folder and the ``try`` that
removes it, and inside the removal itself (``shutil.rmtree`` stopped half-way leaves the rest).
Those run :func:`held`: a stop signal that arrives meanwhile is acted on when they end.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Stopped(BaseException):
    """Raised in the command's process when a signal asks it to stop (SIGTERM: a CI job
    cancelled or timed out; SIGHUP: its terminal closed). Like Ctrl-C, it unwinds the command:
    temporary files and folders are removed, worker processes ended, no output file is left
    half written. Killed by the signal's default action, the command left them behind."""


# the signals that stop a command, each with the handler Python starts with: only a signal
# that still has it is taken over (one ignored under nohup, or handled by the caller, is not)
STOP_SIGNALS = {
    "SIGINT": signal.default_int_handler,  # Ctrl-C: KeyboardInterrupt, as without a handler
    "SIGTERM": signal.SIG_DFL,
    "SIGHUP": signal.SIG_DFL,
}

_held = 0  # how many held() blocks the main thread is in
_pending: int | None = None  # the stop signal that arrived in them


def _stop(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signal.Signals(signum).name)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While the block runs, the signals of STOP_SIGNALS stop it: SIGINT raises
    KeyboardInterrupt, as it does anyway, and the others :class:`Stopped`, where their
    default action would end the process on the spot. Inside :func:`held`, when the held
    block ends. Nothing changes where this is not the main thread, which alone can set them.
    Processes forked from this one inherit the handler: there, the signal does what it did
    before (a worker dies of SIGTERM; Ctrl-C raises KeyboardInterrupt in it). The workers of
    :mod:`dedupe.parallel` put SIGTERM and SIGHUP back to their default as they start, so they
    die even when stuck in native code, where no Python handler runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    previous: dict[int, object] = {}

    def handle(signum: int, frame: object) -> None:
        global _pending
        if os.getpid() != owner:  # a forked worker: the signal again, to the handler it had
            signal.signal(signum, previous[signum])  # type: ignore[arg-type]
            os.kill(os.getpid(), signum)
            return
        if _held:
            _pending = _pending or signum
            return
        _stop(signum)

    for name, default in STOP_SIGNALS.items():
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is default:
            previous[signum] = signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


@contextmanager
def held() -> Iterator[None]:
    """Run the block to its end even when a stop signal arrives (under :func:`stop_on_signals`):
    the signal stops the command as the block ends. For the short steps that create a
    temporary file or folder and note where it is, or remove one. Blocks may nest; outside the
    main thread, where no signal handler runs, this does nothing."""
    global _held, _pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _pending is not None:
            signum, _pending = _pending, None
            _stop(signum)
