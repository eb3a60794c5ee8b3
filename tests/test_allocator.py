"""The command's process-wide memory settings, each checked in a fresh interpreter."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# polars' freed pages: resident MiB before a 200 MB series is made, while it is held, after
FREED = """
import sys
from dedupe.allocator import return_freed_pages
made = return_freed_pages() if sys.argv[1] == "on" else None
import polars as pl

def rss():
    with open("/proc/self/status") as handle:
        return int(handle.read().split("VmRSS:")[1].split()[0]) // 1024

before = rss()
series = pl.int_range(0, 25_000_000, eager=True) * 2
held = rss()
del series
print(made, before, held, rss(), flush=True)
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **(env or {})},
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_polars_gives_freed_pages_back_at_once_only_with_the_setting() -> None:
    made, before, held, after = _python(FREED, "on").split()
    assert made == "True"
    assert int(held) - int(before) > 150  # the series is resident while held
    assert int(after) - int(before) < 50  # and its pages are back once it is dropped
    made, before, held, after = _python(FREED, "off").split()
    assert int(after) - int(before) > 150  # jemalloc's default: kept for a while


def test_the_setting_is_made_before_polars_and_never_over_the_users() -> None:
    check = (
        "import os, sys\n"
        "{before}\n"
        "from dedupe.allocator import return_freed_pages\n"
        "print(return_freed_pages(), os.environ.get('_RJEM_MALLOC_CONF'))"
    )
    assert _python(check.format(before="")) == "True dirty_decay_ms:0,muzzy_decay_ms:0"
    made, conf = _python(check.format(before="import polars")).split()
    assert made == "False" and "decay_ms:0" not in conf  # too late: polars' own is in place
    own = {"_RJEM_MALLOC_CONF": "narenas:1"}
    assert _python(check.format(before=""), env=own) == "False narenas:1"


def test_the_command_makes_the_setting_before_it_imports_polars() -> None:
    # the entry point, then what the process ended up with
    code = (
        "import sys, os\n"
        "sys.argv = ['dedupe', '--version']\n"
        "from dedupe.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ.get('_RJEM_MALLOC_CONF'))"
    )
    lines = _python(code).splitlines()
    assert lines[0].startswith("dedupe, version")
    # polars puts its defaults first: the last setting of a name is the one jemalloc takes
    assert lines[-1].endswith(",dirty_decay_ms:0,muzzy_decay_ms:0")


# glibc's heap with holes: 16 kB blocks freed between small ones still held
HOLES = """
import sys
from dedupe.allocator import trim_heap

def rss():
    with open("/proc/self/status") as handle:
        return int(handle.read().split("VmRSS:")[1].split()[0]) // 1024

before = rss()
big, pins = [], []
for k in range(12_000):
    big.append(bytes(16_000) + bytes([k % 256]))  # in the heap (below the mmap threshold)
    pins.append(bytes(600) + bytes([k % 256]))  # between them: the holes stay holes
del big
freed = rss()
done = trim_heap() if sys.argv[1] == "on" else None
print(done, before, freed, rss(), flush=True)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim")
def test_trim_heap_gives_the_holes_of_the_heap_back() -> None:
    done, before, freed, after = _python(HOLES, "on").split()
    assert done == "True"
    assert int(freed) - int(before) > 150  # freed, but still resident
    assert int(after) - int(before) < 50
    _, before, freed, after = _python(HOLES, "off").split()
    assert int(after) - int(before) > 150  # without it, they stay


def test_without_glibc_neither_setting_is_made(monkeypatch) -> None:
    import ctypes

    from dedupe import allocator

    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a C library with neither
    assert allocator.trim_heap() is False
    assert allocator.map_large_blocks() is False


def test_clear_memos_empties_the_word_memos_and_keeps_the_tables() -> None:
    from dedupe.allocator import clear_memos
    from dedupe.facts import dates, names

    names.skeleton("كارلسون")
    dates.zipf("اجتماع٣")  # (not plain Arabic letters: wordfreq's own lookup, memoized)
    table = dates._arabic_frequencies()
    assert names.skeleton.cache_info().currsize and dates._zipf_other.cache_info().currsize
    assert clear_memos() >= 2
    assert names.skeleton.cache_info().currsize == 0
    assert dates._zipf_other.cache_info().currsize == 0
    assert dates._arabic_frequencies() is table  # a table loader keeps what it loaded
    assert clear_memos() == 0
    assert clear_memos("no_such_package") == 0


def test_word_memos_hold_at_most_word_memo_entries() -> None:
    """A memo of words fills with words seen once; in each worker of a large run it kept
    hundreds of MB of them (see dedupe.text.WORD_MEMO). Larger: the lexical part's memos, which
    each part empties (cluster._lexical_part_forgetting), and the near-duplicate stage's word
    hashes (not measured against this bound yet: that stage's peak is not the run's)."""
    import importlib
    import pkgutil

    import dedupe
    from dedupe import cluster, neardup
    from dedupe.text import WORD_MEMO

    for info in pkgutil.walk_packages(dedupe.__path__, "dedupe."):
        importlib.import_module(info.name)
    larger = {cluster.word_weight, cluster._cross_key, neardup._word_hash}
    sizes = {}
    for name, module in list(sys.modules.items()):
        if name != "dedupe" and not name.startswith("dedupe."):
            continue
        for value in vars(module).values():
            info = getattr(value, "cache_info", None)
            if callable(info) and value not in larger:
                sizes[f"{value.__module__}.{getattr(value, '__qualname__', value)}"] = (
                    info().maxsize
                )
    assert len(sizes) > 30
    loaders = {k for k, size in sizes.items() if size is None or size <= 1}
    assert "dedupe.facts.dates._arabic_frequencies" in loaders
    too_large = {k: size for k, size in sizes.items() if k not in loaders and size > WORD_MEMO}
    assert too_large == {}
