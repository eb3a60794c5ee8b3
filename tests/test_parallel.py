from __future__ import annotations

import os
from functools import lru_cache

import pytest

from dedupe import parallel

LOADED_IN: list[int] = []  # the processes that read the table


@lru_cache(maxsize=1)
def _table() -> dict[str, int]:
    LOADED_IN.append(os.getpid())
    return {"word": 1}


def _reader(item: str) -> tuple[int, list[int]]:
    return _table().get(item, 0), list(LOADED_IN)


def _shared_reader(shared: int, item: str) -> tuple[int, list[int]]:
    return shared + _table().get(item, 0), list(LOADED_IN)


@pytest.mark.skipif(os.name != "posix", reason="workers inherit tables only when forked")
def test_a_preloaded_table_is_read_once_in_the_parent_and_inherited_by_workers(monkeypatch):
    monkeypatch.setattr(parallel, "_PRELOAD", [])
    _table.cache_clear()
    LOADED_IN.clear()
    assert parallel.preload(_table) is _table
    items = ["word", "other", "word", "word"]
    assert [v for v, _ in parallel.map_items(_reader, items, 2, 2)] == [1, 0, 1, 1]
    assert LOADED_IN == [os.getpid()]  # read here, before the fork
    for _, seen in parallel.map_items(_reader, items, 2, 2):
        assert seen == [os.getpid()]  # no worker read it again
    for value, seen in parallel.imap_shared(_shared_reader, 10, items, 2, 2):
        assert value in (10, 11) and seen == [os.getpid()]
    assert LOADED_IN == [os.getpid()]


def test_below_the_minimum_nothing_forks_and_nothing_is_preloaded(monkeypatch):
    monkeypatch.setattr(parallel, "_PRELOAD", [])
    _table.cache_clear()
    LOADED_IN.clear()
    parallel.preload(_table)
    assert parallel.map_items(len, ["ab", "c"], 2, 3) == [2, 1]
    assert LOADED_IN == []


def _pid_and_square(item: int) -> tuple[int, int]:
    return os.getpid(), item * item


@pytest.mark.skipif(os.name != "posix", reason="forked workers")
def test_a_generator_of_items_is_read_as_workers_take_them_in_order():
    made: list[int] = []

    def items():
        for k in range(40):
            made.append(k)
            yield k

    out = parallel.map_items(_pid_and_square, items(), 2, 2, count=40)
    assert [square for _, square in out] == [k * k for k in range(40)]
    assert made == list(range(40))
    assert os.getpid() not in {pid for pid, _ in out}  # computed in the workers
    assert parallel.map_items(len, (s for s in ["ab", "c"]), 2, 3, count=2) == [2, 1]


@pytest.mark.skipif(os.name != "posix", reason="forked workers")
def test_imap_items_yields_a_result_before_the_last_item_is_made():
    # the caller folds each result in and lets it go: the last item here is made only once
    # the first result has reached the caller (the items are read on the pool's task thread)
    import threading

    first_seen = threading.Event()
    waited: list[bool] = []

    def items():
        yield from range(9)
        waited.append(first_seen.wait(timeout=60))
        yield 9

    results = parallel.imap_items(_pid_and_square, items(), 2, 2, count=10, chunksize=1)
    first = next(results)
    first_seen.set()
    rest = list(results)
    assert waited == [True]
    assert [square for _, square in [first, *rest]] == [k * k for k in range(10)]
    assert os.getpid() not in {pid for pid, _ in [first, *rest]}
    assert list(parallel.imap_items(len, ["ab", "c"], 2, 3)) == [2, 1]  # below the minimum


def _pid_and_sum(shared: int, item: int) -> tuple[int, int]:
    return os.getpid(), shared + item


@pytest.mark.skipif(os.name != "posix", reason="forked workers")
def test_imap_shared_yields_each_result_in_order_from_the_workers():
    results = parallel.imap_shared(_pid_and_sum, 100, list(range(30)), 2, 2)
    first = next(results)  # one result taken before the rest are asked for
    rest = list(results)
    assert [v for _, v in [first, *rest]] == [100 + k for k in range(30)]
    assert os.getpid() not in {pid for pid, _ in [first, *rest]}
    # below the minimum, in this process
    assert [v for pid, v in parallel.imap_shared(_pid_and_sum, 1, [1, 2], 2, 3)] == [2, 3]
    assert parallel._SHARED is None  # nothing left for later pools


def _pid_after_a_pause(shared: float, item: int) -> int:
    import time

    time.sleep(shared)
    return os.getpid()


@pytest.mark.skipif(os.name != "posix", reason="forked workers")
def test_imap_shared_sends_a_worker_chunksize_items_at_once():
    items = list(range(12))
    # one chunk of all twelve: one worker does them all, however long each takes
    whole = list(parallel.imap_shared(_pid_after_a_pause, 0.05, items, 2, 2, chunksize=12))
    assert len(set(whole)) == 1
    # chunks of three: each done by one worker, and both workers take some
    pids = list(parallel.imap_shared(_pid_after_a_pause, 0.05, items, 2, 2, chunksize=3))
    assert all(len(set(pids[k : k + 3])) == 1 for k in range(0, 12, 3))
    assert len(set(pids)) == 2
    assert os.getpid() not in {*whole, *pids}


def _frozen(item: int) -> int:
    import gc

    return gc.get_freeze_count()


def _frozen_shared(shared: int, item: int) -> int:
    return _frozen(item)


@pytest.mark.skipif(os.name != "posix", reason="forked workers")
def test_workers_inherit_the_parents_objects_frozen_and_the_parent_unfreezes_them():
    # frozen: a collection in a worker does not write into (and copy) the pages of every
    # object it inherited; the parent's own collector has them back once the workers are done
    import gc

    assert gc.get_freeze_count() == 0
    for counts in (
        parallel.map_items(_frozen, list(range(8)), 2, 2),
        list(parallel.imap_shared(_frozen_shared, 0, list(range(8)), 2, 2)),
    ):
        assert min(counts) > 1000  # (the modules, tables and objects of this process)
        assert gc.get_freeze_count() == 0


def _pid_and_args(*args: object) -> tuple[int, tuple[object, ...]]:
    print("a line on stdout must not garble the answer")
    return os.getpid(), args


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies(status: int) -> None:
    os._exit(status)


def test_call_apart_computes_in_another_process_and_raises_its_errors_here():
    pid, args = parallel.call_apart(_pid_and_args, "نص", 3, {"k": (1.5, None)})
    assert pid != os.getpid()
    assert args == ("نص", 3, {"k": (1.5, None)})
    with pytest.raises(ValueError, match=r"^bad input") as raised:
        parallel.call_apart(_fails, "bad input")
    assert "in _fails" in "\n".join(raised.value.__notes__)  # the other process's traceback
    with pytest.raises(ChildProcessError, match="_dies ended with exit status 3"):
        parallel.call_apart(_dies, 3)


def test_call_apart_does_not_run_the_calling_script_again(tmp_path):
    # a script with no `if __name__ == "__main__"` guard: multiprocessing's spawn runs it again
    # in the new process, which then fails (or starts another run)
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import os\n"
        "from dedupe.parallel import call_apart\n"
        "print('script ran in', os.getpid(), flush=True)\n"
        "print('answer', call_apart(os.getpid) != os.getpid(), flush=True)\n"
    )
    root = Path(parallel.__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert done.stdout.count("script ran in") == 1
    assert done.stdout.splitlines()[-1] == "answer True"


class _Odd(Exception):
    def __init__(self, code: int, detail: str) -> None:  # unpickled with one argument: fails
        super().__init__(f"{code}: {detail}")


def _fails_oddly() -> None:
    raise _Odd(7, "no way across")


def test_an_exception_that_cannot_be_unpickled_comes_back_as_its_traceback():
    with pytest.raises(ChildProcessError, match="_Odd: 7: no way across"):
        parallel.call_apart(_fails_oddly)


@pytest.mark.parametrize("cut", ["nothing", "in the module path", "in the call"])
def test_the_process_of_call_apart_exits_without_a_word_when_no_whole_call_comes(cut):
    # where the caller is stopped (SIGTERM, Ctrl-C) while Popen starts the process, Popen
    # closes the pipe and has no handle left to kill it with: the process reads a cut call. It
    # used to print "EOFError: Ran out of input" under the caller's "dedupe: stopped by SIGTERM"
    import pickle
    import subprocess
    import sys

    path = pickle.dumps(sys.path)
    call = pickle.dumps((_pid_and_args, ("نص", 3)))
    sent = {"nothing": b"", "in the module path": path[:-5], "in the call": path + call[:-5]}
    done = subprocess.run(
        [sys.executable, "-c", parallel._APART],
        input=sent[cut],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (parallel.NO_CALL, b"", b"")
    whole = subprocess.run(
        [sys.executable, "-c", parallel._APART], input=path + call, capture_output=True, timeout=120
    )
    ok, (pid, args) = pickle.loads(whole.stdout)  # the same call, whole, is answered
    assert (whole.returncode, ok, args) == (0, True, ("نص", 3)) and pid != os.getpid()


STUCK_WORKER = """
import ctypes, sys
from dedupe.interrupts import stop_on_signals
from dedupe.parallel import imap_items, imap_shared

MUTEX = ctypes.create_string_buffer(64)  # zeroed: an unlocked default pthread mutex
LIBC = ctypes.CDLL(None)


def task(*args):
    if args[-1] == 0:
        raise ValueError("task 0 failed")
    # locked twice: the second waits for ever in native code, deaf to Python's handlers,
    # as a worker does on a lock some library held when it was forked
    LIBC.pthread_mutex_lock(MUTEX)
    LIBC.pthread_mutex_lock(MUTEX)


with stop_on_signals():
    try:
        list({call})
    except ValueError as exc:
        print("raised:", exc)
"""


@pytest.mark.skipif(os.name != "posix", reason="forked workers, pthreads")
@pytest.mark.parametrize(
    "call", ["imap_items(task, [0, 1, 2], 2, 2)", "imap_shared(task, None, [0, 1, 2], 2, 2)"]
)
def test_a_failed_task_ends_the_pool_even_when_a_worker_is_stuck_in_native_code(call):
    # the pool ends its workers with SIGTERM; the handler they inherit from the command would
    # run only when the stuck worker next ran Python code, and the run would hang
    import subprocess
    import sys

    script = STUCK_WORKER.format(call=call)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "raised: task 0 failed"


@pytest.mark.skipif(
    os.name != "posix" or (os.cpu_count() or 1) < 2, reason="forked workers on two cores"
)
def test_a_run_hands_its_workers_no_polars_object(monkeypatch, tmp_path):
    # polars is not fork-safe: a Series unpickled or freed in a forked worker may wait for ever
    # on a thread pool or allocator lock the worker did not inherit in a usable state
    from multiprocessing.reduction import ForkingPickler
    from pathlib import Path

    from dedupe import cluster, facts, neardup
    from dedupe.pipeline import run
    from dedupe.settings import Settings

    sent: list[bool] = []
    dumps = ForkingPickler.dumps.__func__  # type: ignore[attr-defined]

    def recorded(cls, obj, protocol=None):  # type: ignore[no-untyped-def]
        data = dumps(cls, obj, protocol)
        sent.append(b"polars" in bytes(data))
        return data

    monkeypatch.setattr(ForkingPickler, "dumps", classmethod(recorded))
    monkeypatch.setattr(neardup, "PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setattr(facts, "PARALLEL_MIN_DOCUMENTS", 2)
    monkeypatch.setattr(cluster, "PARALLEL_MIN_PASSAGES", 2)
    dev = Path(__file__).resolve().parent.parent / "bench" / "corpora" / "dev"
    report = run(dev, Settings(cache_dir=str(tmp_path)))
    assert report.events and len(sent) > 10  # the stages did send their work to workers
    assert not any(sent)
