"""Stop signals: real signals sent to this process, at moments the tests choose."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from dedupe import files, pipeline, runcache
from dedupe.interrupts import Stopped, held, stop_on_signals
from dedupe.settings import Settings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGTERM, SIGHUP and fork are POSIX")

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _signal_self(signum: int = signal.SIGTERM) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.01)  # (the handler runs before this returns, or it was held)


def test_a_signal_in_a_held_block_stops_the_command_where_the_outermost_block_ends():
    steps = []
    with stop_on_signals(), pytest.raises(Stopped, match=r"^SIGTERM$"):
        with held():
            with held():
                _signal_self()
                steps.append("inner")
            steps.append("outer")  # the inner block's end is not where it stops
        steps.append("after")  # not reached
    assert steps == ["inner", "outer"]
    with stop_on_signals(), pytest.raises(KeyboardInterrupt):  # Ctrl-C: as without a handler
        with held():
            _signal_self(signal.SIGINT)
            steps.append("held through Ctrl-C")
    assert steps[-1] == "held through Ctrl-C"
    with stop_on_signals():  # nothing is left pending from those
        with held():
            steps.append("quiet")
    assert steps[-1] == "quiet"
    with pytest.raises(Stopped, match=r"^SIGTERM$"), stop_on_signals():  # outside held: at once
        _signal_self()
        steps.append("not reached")
    assert steps[-1] == "quiet"


def test_signals_stop_the_command_not_its_forked_workers_and_ignored_ones_stay_ignored():
    def stop_self() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # (not reached: the signal's default action ends the worker)
        os._exit(0)

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with stop_on_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            # (else the SIGTERM below would end the tests' own process)
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
            worker = multiprocessing.get_context("fork").Process(target=stop_self)
            worker.start()
            worker.join(30)
            assert worker.exitcode == -signal.SIGTERM  # died of it; raised nothing
            with held():  # a worker forked in a held block dies of it too
                worker = multiprocessing.get_context("fork").Process(target=stop_self)
                worker.start()
                worker.join(30)
            assert worker.exitcode == -signal.SIGTERM
            with pytest.raises(Stopped, match="SIGTERM"):
                _signal_self()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # given back
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGHUP, previous)


def _stopped_during(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
    """``owner.name`` sends SIGTERM to this process once it has done part of its work."""
    real = getattr(owner, name)

    def stopped(*args, **kwargs):
        if name == "rmtree":  # half-way: the first file goes, then the signal comes
            first = sorted(Path(args[0]).iterdir())
            if first:
                first[0].unlink()
            _signal_self()
            return real(*args, **kwargs)
        done = real(*args, **kwargs)
        _signal_self()
        return done

    monkeypatch.setattr(owner, name, stopped)


def test_a_temporary_folder_stopped_as_it_is_removed_is_removed_whole(tmp_path, monkeypatch):
    # tempfile.TemporaryDirectory, stopped half-way through its rmtree, left the rest: a run
    # stopped by SIGTERM as it read its files apart left dedupe-ingest-*/passages.arrow
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(Stopped), stop_on_signals():
        with files.temporary_folder("dedupe-test-") as folder:
            for name in ("documents.arrow", "passages.arrow"):
                (Path(folder) / name).write_bytes(b"frames")
            _stopped_during(monkeypatch, shutil, "rmtree")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_read_apart_and_stopped_as_its_folder_goes_leaves_nothing(tmp_path, monkeypatch):
    from dedupe import ingest as ingest_module

    articles, tmp = tmp_path / "in", tmp_path / "tmp"
    articles.mkdir()
    tmp.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:3]:
        shutil.copy(seed, articles / seed.name)
    monkeypatch.setattr(ingest_module, "APART_MIN_FILES", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    _stopped_during(monkeypatch, shutil, "rmtree")
    with pytest.raises(Stopped), stop_on_signals():
        ingest_module.ingest(articles, Settings())
    assert list(tmp.iterdir()) == []


def test_an_atomic_write_stopped_as_its_file_is_made_leaves_no_temporary_file(
    tmp_path, monkeypatch
):
    target = tmp_path / "report.json"
    target.write_text("before")
    _stopped_during(monkeypatch, tempfile, "mkstemp")
    with pytest.raises(Stopped), stop_on_signals():
        files.atomic_write_text(target, "after")
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    assert target.read_text() == "before"


def test_a_run_cache_entry_stopped_as_it_is_written_leaves_no_temporary_folder(
    tmp_path, monkeypatch
):
    articles = tmp_path / "in"
    articles.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:3]:
        shutil.copy(seed, articles / seed.name)
    settings = Settings(model="static", cache_dir=str(tmp_path / "cache"))
    _stopped_during(monkeypatch, runcache, "_write_entry")
    with pytest.raises(Stopped), stop_on_signals():
        pipeline.run(articles, settings)
    assert list((tmp_path / "cache" / "runs").iterdir()) == []
