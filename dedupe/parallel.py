"""Running one pure function over many documents on every core."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from dedupe.allocator import FREED_PAGES_BACK, POLARS_MALLOC_CONF, trim_heap

_PRELOAD: list[Callable[[], object]] = []  # read-only tables workers inherit (see preload)
_Loader = TypeVar("_Loader", bound=Callable[[], object])
_Result = TypeVar("_Result")


def preload(load: _Loader) -> _Loader:
    """Register ``load`` (a cached loader of a read-only table, such as a word-frequency list)
    to be called in this process before any workers are forked, so that each worker inherits
    the table instead of reading a copy of its own. Returns ``load``, to serve as a decorator."""
    _PRELOAD.append(load)
    return load


@contextmanager
def _forking() -> Iterator[None]:
    """Prepare this process to fork workers, and undo it once they are done: the preloaded
    tables are loaded, and every object is frozen out of the garbage collector's reach. A
    collection in a worker otherwise writes into the header of every object it inherited,
    copying each page that holds one: the parent's tables, texts and facts, once per worker
    (gc.freeze's documented use)."""
    for load in _PRELOAD:
        load()
    gc.collect()  # (garbage frozen now would never be collected)
    # the heap's free pages given back before the fork: else, shared with the workers, each
    # page the parent's next allocations write is copied, the workers' copy kept resident
    trim_heap()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def map_items(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int | None,
    min_items: int,
    *,
    count: int | None = None,
) -> list[Any]:
    """Return ``[fn(item) for item in items]``, computed in ``workers`` processes (default: one
    per core) when there are at least ``min_items`` items, else in this process. ``fn`` must be
    a module-level function; processes are forked where the platform allows it.

    ``items`` may be a generator of ``count`` items: the pool's task thread then reads it as it
    sends the items (a send waits while the pipe to the workers is full), so large items are
    not all made at once."""
    return list(imap_items(fn, items, workers, min_items, count=count))


def imap_items(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    workers: int | None,
    min_items: int,
    *,
    count: int | None = None,
    chunksize: int | None = None,
) -> Iterator[Any]:
    """Yield ``fn(item)`` for each item in order, as :func:`map_items` computes them: each
    result as soon as it and those before it are done, so the caller can fold each into its
    own arrays and let it go rather than hold them all. ``chunksize`` items are sent to a
    worker at once (default: about eight sends per worker)."""
    workers = workers or os.cpu_count() or 1
    n = len(items) if count is None else count  # type: ignore[arg-type]
    if workers < 2 or n < min_items:
        yield from (fn(item) for item in items)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    chunksize = chunksize or max(1, n // (workers * 8))
    with (
        _forking() if os.name == "posix" else nullcontext(),
        context.Pool(workers, initializer=_default_stop_signals) as pool,
    ):
        yield from pool.imap(fn, items, chunksize=chunksize)


def _default_stop_signals() -> None:
    """In a worker, as it starts: SIGTERM and SIGHUP end it on the spot, as they do a process
    with no handler. A forked worker inherits the command's handler (see
    :func:`dedupe.interrupts.stop_on_signals`), which acts only when the worker next runs Python
    code: one stuck in native code (a lock a library held when the worker was forked) would
    never end, and the pool, which ends its workers with SIGTERM when a task fails or the
    command stops, would wait for it for ever."""
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)


_SHARED: tuple[Callable[[Any, Any], Any], Any] | None = None  # what forked workers inherit


def imap_shared(
    fn: Callable[[Any, Any], Any],
    shared: Any,
    items: list[Any],
    workers: int | None,
    min_items: int,
    *,
    chunksize: int | None = None,
) -> Iterator[Any]:
    """Yield ``fn(shared, item)`` for each item in order, like :func:`map_items`, for work that
    reads one large object (matrices of a whole corpus): ``shared`` reaches the worker
    processes by fork, never pickled, so they read the parent's pages. Each result is yielded
    as soon as it and those before it are done: the caller can pack or drop each one before
    the next arrive, rather than hold them all. Where processes cannot be forked, below
    ``min_items``, or inside one of its own workers, it runs in this process. ``chunksize``
    items are sent to a worker at once, as in :func:`imap_items`."""
    global _SHARED
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < min_items or os.name != "posix" or _SHARED is not None:
        yield from (fn(shared, item) for item in items)
        return
    import multiprocessing

    _SHARED = (fn, shared)
    try:
        with (
            _forking(),
            multiprocessing.get_context("fork").Pool(
                min(workers, len(items)), initializer=_default_stop_signals
            ) as pool,
        ):
            chunksize = chunksize or max(1, len(items) // (workers * 8))
            yield from pool.imap(_call_shared, items, chunksize=chunksize)
    finally:
        _SHARED = None


# what a process started by call_apart runs: this process's module path first, then the call.
# Where none comes (the caller was stopped, by a signal say, while the process started, and
# closed its end of the pipe), the process exits without a word: the caller said why it stopped.
NO_CALL = 3
_APART = f"""\
import pickle, sys
try:
    sys.path[:] = pickle.load(sys.stdin.buffer)
except (EOFError, pickle.UnpicklingError):
    sys.exit({NO_CALL})
from dedupe.parallel import _serve_apart
_serve_apart()
"""


def call_apart(fn: Callable[..., _Result], *args: Any) -> _Result:
    """Return ``fn(*args)``, computed in a new Python process of its own (not a fork of this
    one), which exits once it is done. For a step that leaves the heap of the process running
    it fragmented: its memory goes back to the system with the process, and the steps after it
    allocate in a heap of their own.

    ``fn`` must be a module-level function; it, its arguments and its result are pickled (hand
    large results over in files), and its exception is raised here. The process imports
    modules from this one's ``sys.path`` and nothing else: unlike multiprocessing's "spawn",
    it does not run the main script again, which would start a second run where a script
    calls dedupe without an ``if __name__ == "__main__"`` guard. (Not a fork: in the forked
    child of a process whose polars has started its thread pool, the pool has no threads, and
    polars waits forever for them.)
    Raises ChildProcessError when the process ends without an answer (killed, out of memory)."""
    import pickle
    import subprocess

    env = dict(os.environ)
    env.setdefault(POLARS_MALLOC_CONF, FREED_PAGES_BACK)  # its polars is loaded after this
    call = pickle.dumps(sys.path) + pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    done = subprocess.run(
        [sys.executable, "-c", _APART], input=call, stdout=subprocess.PIPE, env=env, check=False
    )
    try:
        ok, value = pickle.loads(done.stdout)
    except (EOFError, pickle.UnpicklingError) as exc:  # no answer, or a cut one
        raise ChildProcessError(
            f"the process computing {fn.__qualname__} ended with exit status {done.returncode}"
        ) from exc
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _serve_apart() -> None:
    """The process that :func:`call_apart` starts: reads the call from stdin and writes the
    pickled ``(True, result)`` or ``(False, exception)`` to its stdout, where nothing else is
    written (print goes to stderr)."""
    import pickle
    import traceback

    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        fn, args = pickle.load(sys.stdin.buffer)
    except (EOFError, pickle.UnpicklingError):  # cut short: see _APART
        sys.exit(NO_CALL)
    try:
        data = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # noqa: BLE001 - raised again in the caller
        where = "in the process of call_apart:\n" + traceback.format_exc().rstrip()
        exc.add_note(where)
        try:
            data = pickle.dumps((False, exc))
            pickle.loads(data)  # (an exception whose arguments do not match its __init__)
        except Exception:  # noqa: BLE001 - one that cannot cross: its traceback does
            data = pickle.dumps((False, ChildProcessError(where)))
    with answer:
        answer.write(data)


def _call_shared(item: Any) -> Any:
    assert _SHARED is not None, "map_shared's workers are forked with the function it was given"
    fn, shared = _SHARED
    return fn(shared, item)
