"""Running one pure function over many documents on every core."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def map_items(
    fn: Callable[[Any], Any], items: list[Any], workers: int | None, min_items: int
) -> list[Any]:
    """Return ``[fn(item) for item in items]``, computed in ``workers`` processes (default: one
    per core) when there are at least ``min_items`` items, else in this process. ``fn`` must be
    a module-level function; processes are forked where the platform allows it."""
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < min_items:
        return [fn(item) for item in items]
    import multiprocessing

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(workers) as pool:
        return pool.map(fn, items, chunksize=max(1, len(items) // (workers * 8)))
