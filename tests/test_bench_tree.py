"""bench/_tree.py: the memory of a process and its workers together, as the benchmarks read it."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import _tree

MIB = 1 << 20


def _hold(size: int, ready, done) -> None:  # type: ignore[no-untyped-def]
    block = bytearray(os.urandom(1)) * size  # written: the child's own pages
    ready.set()
    done.wait(30)
    del block


@pytest.mark.skipif(not _tree.available(), reason="no PSS on this system (Linux only)")
def test_the_tree_counts_a_forked_workers_own_pages_and_a_process_alone_does_not():
    tree = _tree.TreeSampler(interval=0.05)
    alone = tree.sample()
    context = multiprocessing.get_context("fork")
    ready, done = context.Event(), context.Event()
    child = context.Process(target=_hold, args=(200 * MIB, ready, done))
    child.start()
    try:
        assert ready.wait(30)
        assert child.pid in _tree.descendants(os.getpid())
        assert _tree.pss(child.pid) > 150
        tree.start()
        time.sleep(0.3)
        assert _tree.pss(os.getpid()) < alone + 50  # this process did not grow
    finally:
        done.set()
        child.join(30)
    peak = tree.stop()
    assert peak > alone + 150  # the child's 200 MiB, seen while it held them
    assert _tree.pss(child.pid) == 0.0  # gone
