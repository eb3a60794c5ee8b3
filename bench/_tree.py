"""The memory of a process and its workers together (Linux): the proportional set size (PSS:
a page shared by k processes counts 1/k in each) summed over a process and its descendants,
sampled from a thread. Workers are forked and share their parent's pages until either writes
one; reading a Python object writes its reference count, so a worker that reads its parent's
objects copies their pages, which the parent's own peak RSS does not see."""

from __future__ import annotations

import os
import threading

MIB = 1024  # KiB, as /proc reports


def descendants(pid: int) -> list[int]:
    """Return the processes under ``pid`` (its children, theirs, ...) that are still there."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            out.extend(children)
            todo.extend(children)
    return out


def pss(pid: int) -> float:
    """Return a process's proportional set size in MiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / MIB
    except OSError:
        pass
    return 0.0


class TreeSampler(threading.Thread):
    """Samples the PSS of process ``pid`` (default this one) and its descendants, summed, every
    ``interval`` seconds (a peak shorter than that can be missed) until :meth:`stop`;
    :meth:`take` returns the highest sum since the last call."""

    def __init__(self, pid: int | None = None, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid = os.getpid() if pid is None else pid
        self.interval = interval
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._peak = 0.0

    def sample(self) -> float:
        total = sum(pss(p) for p in [self.pid, *descendants(self.pid)])
        with self._lock:
            self._peak = max(self._peak, total)
        return total

    def run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.sample()

    def stop(self) -> float:
        """Stop sampling; return the highest sum seen."""
        self._stopped.set()
        self.join()
        return self._peak

    def take(self) -> float:
        now = self.sample()
        with self._lock:
            peak, self._peak = self._peak, now
        return peak


def available() -> bool:
    """Whether this system reports PSS (Linux 4.14 and later)."""
    return os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")
