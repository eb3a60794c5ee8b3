"""Process-wide memory settings for the two allocators a run uses: glibc's (Python objects,
numpy, scipy) and jemalloc (polars). The command makes the two settings; the pipeline trims
glibc's heap between its steps. Nothing here imports polars: one setting must be made before
polars is loaded."""

from __future__ import annotations

import ctypes
import os
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BLOCK = 128 * 1024
POLARS_MALLOC_CONF = "_RJEM_MALLOC_CONF"  # polars' jemalloc (symbols prefixed _rjem_) reads this
FREED_PAGES_BACK = "dirty_decay_ms:0,muzzy_decay_ms:0"


def map_large_blocks() -> bool:
    """Ask glibc to give every allocation of LARGE_BLOCK bytes or more a mapping of its own,
    returned to the system when it is freed. By default glibc raises that threshold (up to
    32 MiB) each time such a block is freed, so the many mid-sized arrays of a large run end
    up in the heap and stay resident as holes once freed: bench/memory.py at 10,000 articles
    peaked at 1,319 MiB without this and 1,171 MiB with it (MALLOC_MMAP_THRESHOLD_=131072, the
    same setting), in the same time. The process's setting, so only the command line makes it;
    returns whether it was made (not on other C libraries)."""
    mallopt = _libc("mallopt")
    return mallopt is not None and bool(mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK))


def return_freed_pages() -> bool:
    """Have polars' allocator give freed pages back to the system at once. polars sets jemalloc
    to give them back after half a second (and adds this setting after its own, so this one
    counts), but jemalloc does so only when it is next called: after ingest and the
    near-duplicate stage, at 100,000 articles, 0.7 GB that polars had freed stayed resident
    under the numpy arrays of the stages after them (resident once the near-duplicate stage
    was done: 1,935 MiB, and 1,219 with this setting). jemalloc reads the setting when it
    starts, so this must run before polars is imported: returns whether it was made (not when
    polars is loaded already, nor over the user's own setting)."""
    if "polars" in sys.modules or POLARS_MALLOC_CONF in os.environ:
        return False
    os.environ[POLARS_MALLOC_CONF] = FREED_PAGES_BACK
    return True


def trim_heap() -> bool:
    """Give the pages glibc holds free in its heap back to the system (malloc_trim). Python
    objects and small arrays are freed into the heap, not to the system: a step's tables of
    strings and lists stay resident, as holes, under the large arrays of the steps after it.
    Returns whether it was done (not on other C libraries)."""
    trim = _libc("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True


def _libc(name: str):  # type: ignore[no-untyped-def]
    """Return the C library's function ``name``, or None where it has none (not glibc)."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def clear_memos(package: str = "dedupe") -> int:
    """Empty the bounded ``functools.lru_cache`` memos of ``package``'s loaded modules (a word's
    readings, skeletons, the similarity of two names...), and return how many entries they
    held. Loaders of whole tables (maxsize 1 or unbounded: word frequencies, lexicons) keep
    theirs.

    A stage's memo entries are made between its other objects, and the heap's pages are
    returned to the system only once every object on them is freed: at 100,000 articles, the
    consistency checks' findings and memos together kept 1.7 GB resident, and either one let
    go alone returned 40 to 140 MB."""
    dropped = 0
    prefix = package + "."
    for name, module in list(sys.modules.items()):
        if module is None or (name != package and not name.startswith(prefix)):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if info is None or not callable(getattr(value, "cache_clear", None)):
                continue
            stats = info()
            if stats.maxsize is None or stats.maxsize <= 1 or not stats.currsize:
                continue
            dropped += stats.currsize
            value.cache_clear()
    return dropped
