"""`dedupe check` reads what changed, not the archive: the state's file index, stored passages
and line keys stand in for the files it already knows, and the report is what a check that
re-read everything gives."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from dedupe import ingest as ingest_module
from dedupe import pipeline
from dedupe.ingest import ingest
from dedupe.models import Corpus
from dedupe.report import render_json
from dedupe.settings import Settings
from dedupe.state import StateStore, empty_state

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ADDED = "001_b4fc77da7ee670a9.txt"
OUTLET = "صحيفة الغد"
TEMPLATE = "صحيفة الغد منبر الخبر المستقل في عمّان منذ عام ألف وتسعمئة وتسعين لكل القراء"
BODIES = [
    "افتتح وزير الزراعة اليوم مشروعا لتحلية المياه في وادي الأردن بكلفة بلغت عشرين مليون "
    "دينار، ويخدم المشروع نحو ثلاثين ألف مزارع في المنطقة الجنوبية.",
    "أعلنت بلدية العاصمة إغلاق شارع المدينة المنورة ثلاثة أيام لأعمال صيانة الجسور، "
    "ودعت السائقين إلى سلوك الطرق البديلة المحددة على الخرائط المنشورة.",
    "فاز المنتخب الوطني لكرة السلة على نظيره اللبناني بفارق تسع نقاط في المباراة الودية "
    "التي أقيمت مساء أمس في صالة الأمير حمزة بحضور جماهيري كبير.",
    "قررت الحكومة رفع الحد الأدنى للأجور إلى ثلاثمئة وخمسين دينارا اعتبارا من مطلع العام "
    "المقبل، بعد مشاورات مع النقابات العمالية وغرفة الصناعة.",
]


class Reads:
    """Records which files ingest reads (a spy around the real reader) and hashes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.hashed: list[str] = []
        read, digest = ingest_module.read_articles, ingest_module._sha256_of

        def reading(path, rel, settings):
            self.read.append(rel)
            return read(path, rel, settings)

        def hashing(path):
            self.hashed.append(Path(path).name)
            return digest(path)

        monkeypatch.setattr(ingest_module, "read_articles", reading)
        monkeypatch.setattr(ingest_module, "_sha256_of", hashing)


def _age(target: Path, seconds: int = 3600) -> None:
    """Date a file, or every file of a folder, an hour back: a file modified within a second or
    two of a check is not trusted by its stat at the next one (it may change again within one
    mtime tick)."""
    for path in [target, *target.rglob("*")] if target.is_dir() else [target]:
        if path.is_file():
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 1_000_000_000))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(model="static", cache_dir=str(tmp_path / "cache"))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        if seed.name != ADDED:
            shutil.copy(seed, folder / seed.name)
    _age(folder)
    return folder


def _comparable(result: pipeline.CheckResult) -> dict:
    data = json.loads(render_json(result.report))
    data.pop("meta", None)
    data.pop("tool", None)
    return data


def test_a_check_reads_only_the_files_it_does_not_know(seeds, settings, tmp_path, monkeypatch):
    state = tmp_path / "state"
    pipeline.check(seeds, state, settings)
    shutil.copy(SEEDS / ADDED, seeds / ADDED)
    _age(seeds / ADDED)
    reads = Reads(monkeypatch)
    result = pipeline.check(seeds, state, settings)
    assert reads.read == [ADDED]
    assert reads.hashed == [ADDED]
    paths = dict(
        zip(
            result.report.corpus.documents["id"],
            result.report.corpus.documents["path"],
            strict=True,
        )
    )
    assert [paths[d] for d in result.new_documents] == [ADDED]
    assert result.report.findings, "the known articles it resembles were compared from the state"

    again = Reads(monkeypatch)
    nothing = pipeline.check(seeds, state, settings)
    assert again.read == [] and again.hashed == []
    assert nothing.new_documents == ()
    assert nothing.report.corpus.documents["path"].to_list() == sorted(
        p.name for p in seeds.iterdir()
    )


def test_the_report_is_the_one_a_check_that_rereads_everything_gives(
    seeds, settings, tmp_path, monkeypatch
):
    state = tmp_path / "state"
    pipeline.check(seeds, state, settings)
    # the same state without its file index, passages and line keys, as written before they
    # existed: a check of it re-reads every file (and fills them in)
    legacy = tmp_path / "legacy"
    shutil.copytree(state, legacy)
    manifest = json.loads((legacy / "manifest.json").read_text(encoding="utf-8"))
    for name in ("files", "passages", "lines"):
        del manifest["files"][name]
    (legacy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    shutil.copy(SEEDS / ADDED, seeds / ADDED)
    incremental = pipeline.check(seeds, state, settings)
    reads = Reads(monkeypatch)
    full = pipeline.check(seeds, legacy, settings)
    assert sorted(reads.read) == sorted(p.name for p in seeds.iterdir())
    assert _comparable(incremental) == _comparable(full)
    assert incremental.report.findings
    assert StateStore(legacy, {}).manifest()["counts"]["passages"] > 0
    # the ids are those of a full ingest of the folder
    whole = ingest(seeds, settings)
    assert incremental.report.corpus.documents.select("id", "path", "sha256", "title").equals(
        whole.documents.select("id", "path", "sha256", "title")
    )


def test_a_touched_file_is_hashed_not_parsed_and_an_edited_one_is_new(
    seeds, settings, tmp_path, monkeypatch
):
    state = tmp_path / "state"
    pipeline.check(seeds, state, settings)
    first, second = sorted(seeds.iterdir())[:2]
    st = first.stat()
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    second.write_text(second.read_text(encoding="utf-8") + "\nتصحيح: عُدّل هذا الخبر.\n", "utf-8")
    _age(second)
    reads = Reads(monkeypatch)
    result = pipeline.check(seeds, state, settings)
    assert sorted(reads.hashed) == sorted([first.name, second.name])
    assert reads.read == [second.name]
    paths = dict(
        zip(
            result.report.corpus.documents["id"],
            result.report.corpus.documents["path"],
            strict=True,
        )
    )
    assert [paths[d] for d in result.new_documents] == [second.name]
    # the touched file's new stat is in the index: the next check reads nothing
    later = Reads(monkeypatch)
    pipeline.check(seeds, state, settings)
    assert later.read == [] and later.hashed == []


def test_moved_and_deleted_files(seeds, settings, tmp_path):
    state = tmp_path / "state"
    pipeline.check(seeds, state, settings)
    names = sorted(p.name for p in seeds.iterdir())
    (seeds / "sub").mkdir()
    (seeds / names[0]).rename(seeds / "sub" / names[0])
    (seeds / names[1]).unlink()
    result = pipeline.check(seeds, state, settings)
    assert result.new_documents == (), "a moved article is known by its content"
    assert sorted(result.report.corpus.documents["path"]) == sorted([f"sub/{names[0]}", *names[2:]])
    shutil.copy(SEEDS / ADDED, seeds / ADDED)
    added = pipeline.check(seeds, state, settings)
    paths = dict(
        zip(added.report.corpus.documents["id"], added.report.corpus.documents["path"], strict=True)
    )
    assert [paths[d] for d in added.new_documents] == [ADDED]


def _article(folder: Path, name: str, body: str, *, template: bool = True) -> None:
    lines = ["---", f"outlet: {OUTLET}", f"title: خبر {name}", "---", body]
    if template:
        lines.append(TEMPLATE)
    (folder / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _line(corpus: Corpus, document: str, text: str) -> dict:
    rows = corpus.with_text(corpus.passages).filter(
        (pl.col("document") == document) & (pl.col("text") == text)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_an_outlet_template_line_in_a_new_article_is_boilerplate(settings, tmp_path):
    folder = tmp_path / "outlet"
    folder.mkdir()
    for i, body in enumerate(BODIES[:3]):
        _article(folder, f"a{i}", body)
    state = tmp_path / "state"
    pipeline.check(folder, state, settings)
    _article(folder, "new", BODIES[3])
    result = pipeline.check(folder, state, settings)
    (new,) = result.new_documents
    row = _line(result.report.corpus, new, TEMPLATE)
    assert row["kind"] == "boilerplate"
    assert row["reason"] == "repeated across this outlet's articles"
    # as a full ingest of the folder classifies it
    whole = ingest(folder, settings)
    full_id = whole.documents.filter(pl.col("path") == "new.md")["id"].item()
    assert _line(whole, full_id, TEMPLATE)["reason"] == row["reason"]


def test_a_line_only_the_new_article_has_stays_text(settings, tmp_path):
    folder = tmp_path / "outlet"
    folder.mkdir()
    for i, body in enumerate(BODIES[:3]):
        _article(folder, f"a{i}", body, template=False)
    state = tmp_path / "state"
    pipeline.check(folder, state, settings)
    _article(folder, "new", BODIES[3])
    result = pipeline.check(folder, state, settings)
    (new,) = result.new_documents
    assert _line(result.report.corpus, new, TEMPLATE)["kind"] == "body"


def test_a_changed_manifest_row_rereads_that_file(seeds, settings, tmp_path, monkeypatch):
    state = tmp_path / "state"
    manifest = tmp_path / "manifest.csv"
    names = sorted(p.name for p in seeds.iterdir())
    manifest.write_text(f"file,outlet\n{names[0]},وكالة أ\n", encoding="utf-8")
    pipeline.check(seeds, state, settings, manifest=manifest)
    manifest.write_text(f"file,outlet\n{names[0]},وكالة ب\n", encoding="utf-8")
    reads = Reads(monkeypatch)
    result = pipeline.check(seeds, state, settings, manifest=manifest)
    assert reads.read == [names[0]]
    outlets = dict(
        zip(
            result.report.corpus.documents["path"],
            result.report.corpus.documents["outlet"],
            strict=True,
        )
    )
    assert outlets[names[0]] == "وكالة ب"


def test_stored_copies_of_each_other_are_not_candidates_of_an_unrelated_new_article(
    seeds, settings, tmp_path
):
    from dedupe.models import DuplicateGroup

    near = SimpleNamespace(
        groups=(
            DuplicateGroup("g1", "near", ("d1", "d2"), 0.9),
            DuplicateGroup("g2", "exact", ("d3", "d9"), 1.0),
        )
    )
    vectors = pl.DataFrame(schema={"sha256": pl.String, "vector": pl.Array(pl.Float32, 2)})
    id_of = {"s1": "d1", "s2": "d2", "s3": "d3", "s9": "d9"}
    picked = pipeline._candidates(["d9"], {}, vectors, id_of, near, Settings())
    assert picked == ["d3"]


def test_nearest_stored_documents_are_candidates_above_a_floor_of_the_model():
    """The floor is a cosine of the model's own scale: e5 (0.84..0.95) keeps 0.8 and above,
    the static table (0.02..0.54) keeps far lower cosines, which are related for it."""
    near = SimpleNamespace(groups=())
    vectors = pl.DataFrame(
        {
            "sha256": ["s1", "s2", "s3"],
            "vector": [[0.9, 0.43589], [0.5, 0.86603], [-1.0, 0.0]],  # cosines 0.9, 0.5, -1
        },
        schema={"sha256": pl.String, "vector": pl.Array(pl.Float32, 2)},
    )
    id_of = {"s1": "d1", "s2": "d2", "s3": "d3", "s9": "d9"}
    new = {"d9": np.array([1.0, 0.0], dtype=np.float32)}
    e5 = Settings()
    static = Settings().for_model("static:x")
    assert pipeline._candidates(["d9"], new, vectors, id_of, near, e5) == ["d1"]
    assert pipeline._candidates(["d9"], new, vectors, id_of, near, static) == ["d1", "d2"]


def test_each_new_document_picks_its_k_nearest_in_blocks(monkeypatch):
    """Compared by blocks of new documents, each new one still adds its k most similar stored
    documents, most similar first, equal ones by stored order; as one by one would."""
    rng = np.random.default_rng(7)
    stored = rng.normal(size=(30, 4)).astype(np.float32)
    stored[5] = stored[3]  # an exact tie: copies have one vector
    stored /= np.linalg.norm(stored, axis=1, keepdims=True)
    vectors = pl.DataFrame(
        {"sha256": [f"s{i}" for i in range(30)], "vector": stored.tolist()},
        schema={"sha256": pl.String, "vector": pl.Array(pl.Float32, 4)},
    )
    id_of = {f"s{i}": f"d{i}" for i in range(30)}
    new = {
        f"n{q}": stored[3] if q == 0 else rng.normal(size=4).astype(np.float32) for q in range(7)
    }
    id_of.update({f"x{q}": f"n{q}" for q in range(7)})
    settings = Settings().for_model("static:x")
    floor = settings.embed_floor + pipeline.CANDIDATE_FLOOR * (
        settings.embed_ceiling - settings.embed_floor
    )
    monkeypatch.setattr(pipeline, "CANDIDATES_PER_DOCUMENT", 3)
    monkeypatch.setattr(pipeline, "CANDIDATE_BLOCK", 2)
    expected: dict[str, None] = {}
    for vector in new.values():
        sims = stored @ vector
        for i in sorted(range(30), key=lambda r: (-sims[r], r))[:3]:
            if sims[i] >= floor:
                expected[f"d{i}"] = None
    near = SimpleNamespace(groups=())
    picked = pipeline._candidates(list(new), new, vectors, id_of, near, settings)
    assert picked == list(expected)
    assert picked[:2] == ["d3", "d5"]  # the tie, in stored order


DEV = Path(__file__).resolve().parent.parent / "bench" / "corpora" / "dev"


def _dev_event(event: str) -> list[str]:
    labels = json.loads((DEV.parent / "dev_labels.json").read_text(encoding="utf-8"))
    return sorted(n for n, d in labels["documents"].items() if d["main_event"] == event)


def test_the_state_keeps_the_events_of_every_check(settings, tmp_path):
    """Each check numbers its events from e1: the state must not let a later check's e1
    overwrite an earlier one's; an event found again replaces its stored row."""
    folder, state = tmp_path / "articles", tmp_path / "state"
    folder.mkdir()
    quake, cup = _dev_event("E_quake_talsafa"), _dev_event("E_cup_final")
    for name in quake:
        shutil.copy(DEV / name, folder / name)
    _age(folder)
    pipeline.check(folder, state, settings)
    store = StateStore(state, pipeline.state_params(settings, _model_of(state)))
    sha = {row["path"]: row["sha256"] for row in store.load().documents.iter_rows(named=True)}
    first = store.load().events
    assert first.height >= 1
    assert all(i.startswith("ev-") for i in first["id"])

    for name in cup:
        shutil.copy(DEV / name, folder / name)
    _age(folder)
    pipeline.check(folder, state, settings)
    data = store.load()
    sha.update({row["path"]: row["sha256"] for row in data.documents.iter_rows(named=True)})
    stored = [set(docs) for docs in data.events["documents"].to_list()]
    # (an exact copy is stored once, under the first path)
    quake_docs = {sha[n] for n in quake if n in sha}
    cup_docs = {sha[n] for n in cup if n in sha}
    assert any(len(docs & quake_docs) >= 2 for docs in stored), "the first check's event is kept"
    assert any(len(docs & cup_docs) >= 2 for docs in stored), "the second check's event is added"
    assert data.events["id"].n_unique() == data.events.height


def _model_of(state: Path) -> str:
    return json.loads((state / "manifest.json").read_text(encoding="utf-8"))["params"]["model"]


def test_merged_events_keep_other_checks_events_and_replace_reclustered_ones():
    from dedupe.models import Event

    def event(eid: str, docs: tuple[str, ...]) -> Event:
        return Event(id=eid, label=eid, documents=docs, passages=(), cohesion=1.0)

    sha_of = {f"d{k}": f"s{k}" for k in range(1, 7)}
    first = pipeline.merged_events(
        empty_state().events,
        [event("e1", ("d1", "d2")), event("e2", ("d3", "d4"))],
        sha_of,
        reclustered=["s1", "s2", "s3", "s4"],
    )
    # the next check found e1 = d5 + d6 (clustering d5, d6 and candidate d3 only), and d3 + d4
    # again: the stored d1 + d2 event stays; d3 + d4 is one row, not two
    second = pipeline.merged_events(
        first,
        [event("e1", ("d5", "d6")), event("e2", ("d4", "d3"))],
        sha_of,
        reclustered=["s5", "s6", "s3"],
    )
    assert sorted(map(tuple, second["documents"].to_list())) == [
        ("s1", "s2"),
        ("s3", "s4"),
        ("s5", "s6"),
    ]
    assert second["id"].n_unique() == 3
    # an event whose documents were all clustered again and not found again is dropped
    third = pipeline.merged_events(second, [], sha_of, reclustered=["s1", "s2"])
    assert ("s1", "s2") not in set(map(tuple, third["documents"].to_list()))
    assert third.height == 2


@pytest.mark.parametrize("num_perm", [None, 128], ids=["List signatures", "Array signatures"])
def test_new_signature_and_vector_rows_are_the_stage_outputs_in_the_state_types(
    seeds, settings, num_perm, monkeypatch
):
    """The rows a check adds hold each new document's MinHash signature and document vector
    exactly, typed as the stored table is (states before Array signatures keep List), and the
    key of every line it read (made a block of passages at a time)."""
    from dedupe.ingest import ingest_incremental, line_key
    from dedupe.neardup import find_duplicates

    monkeypatch.setattr(pipeline, "TEXT_BLOCK", 7)

    scan = ingest_incremental(seeds, settings)
    near = find_duplicates(scan.corpus, settings)
    ids = list(scan.corpus.documents["id"])
    rng = np.random.default_rng(3)
    vectors = {d: rng.standard_normal(384).astype(np.float32) for d in ids[1:]}
    old = empty_state(dim=384, num_perm=num_perm)
    _, appended = pipeline._updated_state(old, scan, ids, near, vectors, (), ())

    sha_of = dict(zip(scan.corpus.documents["id"], scan.corpus.documents["sha256"], strict=True))
    sigs, vecs = appended["signatures"], appended["vectors"]
    assert sigs.schema == old.signatures.schema and vecs.schema == old.vectors.schema
    assert sigs["sha256"].to_list() == [sha_of[d] for d in ids]
    row = {d: i for i, d in enumerate(near.ids)}
    for d, stored in zip(ids, sigs["signature"].to_list(), strict=True):
        assert stored == near.signatures[row[d]].tolist()
    assert vecs["sha256"].to_list() == [sha_of[d] for d in ids[1:]]
    np.testing.assert_array_equal(
        vecs["vector"].to_numpy(), np.stack([vectors[d] for d in ids[1:]])
    )
    lines = appended["lines"]
    texts = scan.corpus.with_text(scan.corpus.passages)
    expected = list(
        dict.fromkeys(
            (sha_of[doc], line_key(text))
            for doc, text in zip(texts["document"], texts["text"], strict=True)
        )
    )
    assert scan.corpus.passages.height > 7 and lines.schema["key"] == pl.UInt64
    assert list(lines.iter_rows()) == expected


def test_a_subset_of_every_document_is_the_corpus_itself(settings):
    """A first check works on every document: no filtered copy of the texts is made."""
    corpus = ingest(SEEDS, settings)
    ids = list(corpus.documents["id"])
    assert pipeline.subset(corpus, list(reversed(ids))) is corpus
    part = pipeline.subset(corpus, ids[1:3])
    assert part.documents["id"].to_list() == ids[1:3]
    assert set(part.passages["document"]) == set(ids[1:3])
    assert part.passages.equals(corpus.passages.filter(pl.col("document").is_in(ids[1:3])))


def test_a_first_check_reports_what_a_run_over_the_folder_reports(seeds, settings, tmp_path):
    """Everything is new in a first check: its report, texts and evidence, is a run's."""
    first = pipeline.check(seeds, tmp_path / "state", settings)
    run = pipeline.run(seeds, settings)
    assert first.report.corpus.documents.equals(run.corpus.documents)
    assert first.report.findings and first.report.findings == run.findings
    data = json.loads(render_json(run))
    data.pop("meta", None)
    data.pop("tool", None)
    assert _comparable(first) == data
