"""Facts extraction on every core and its on-disk cache give the same facts as a plain run."""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from pathlib import Path

import pytest

from dedupe import facts as facts_module
from dedupe.facts import PARALLEL_MIN_DOCUMENTS, extract_facts
from dedupe.ingest import ingest, ingest_texts
from dedupe.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds():
    return ingest(SEEDS, Settings())


def _cache_file(folder: Path) -> Path:
    (path,) = folder.glob("facts-*.sqlite")
    return path


def _rows(folder: Path) -> int:
    with contextlib.closing(sqlite3.connect(_cache_file(folder))) as db:
        return db.execute("SELECT count(*) FROM facts").fetchone()[0]


def test_the_cache_returns_what_extraction_found(seeds, tmp_path):
    plain = extract_facts(seeds)
    first = extract_facts(seeds, cache_dir=tmp_path)
    assert _rows(tmp_path) == seeds.documents.height
    before = _cache_file(tmp_path).read_bytes()
    second = extract_facts(seeds, cache_dir=tmp_path)
    assert plain == first == second
    assert plain.names and plain.dates and plain.quantities
    assert _cache_file(tmp_path).read_bytes() == before, "a warm run writes nothing"


def test_a_changed_article_is_read_again_and_only_it(tmp_path):
    texts = [
        ("a.txt", "قال الوزير سامي الخطيب يوم الاثنين إن 12 شاحنة وصلت إلى المعبر."),
        ("b.txt", "أعلنت الشركة أمس أنها وظفت 300 عامل في مصنعها الجديد في المدينة."),
    ]
    before = extract_facts(ingest_texts(texts, Settings(min_words=3)), cache_dir=tmp_path)
    changed = [texts[0], ("b.txt", texts[1][1].replace("300", "450"))]
    after = extract_facts(ingest_texts(changed, Settings(min_words=3)), cache_dir=tmp_path)
    assert _rows(tmp_path) == 3
    values = {q.fact.value for q in after.quantities if q.document == "d2"}
    assert values == {450}, values
    assert [q for q in after.quantities if q.document == "d1"] == [
        q for q in before.quantities if q.document == "d1"
    ]


def test_only_the_documents_asked_for_are_read_from_the_cache(tmp_path, monkeypatch):
    """A check asks for the facts of a few documents out of an archive's: the cache must not
    be read whole (at 100,000 articles that took minutes and gigabytes)."""
    texts = [
        (f"{k}.txt", f"قال المتحدث إن {k + 3} شاحنات وصلت يوم الثلاثاء إلى المعبر الحدودي.")
        for k in range(40)
    ]
    settings = Settings(min_words=3)
    archive = extract_facts(ingest_texts(texts, settings), cache_dir=tmp_path, workers=1)
    loads = []
    real = facts_module.pickle.loads
    monkeypatch.setattr(facts_module.pickle, "loads", lambda b: loads.append(1) or real(b))
    few = extract_facts(ingest_texts(texts[5:8], settings), cache_dir=tmp_path, workers=1)
    assert len(loads) == 3 * len(facts_module.PARTS)  # each part of three documents' facts
    assert {q.fact.value for q in few.quantities} == {8, 9, 10}
    assert len(archive.quantities) == 40


def test_a_damaged_cache_is_a_miss_and_set_aside(seeds, tmp_path):
    expected = extract_facts(seeds, cache_dir=tmp_path)
    _cache_file(tmp_path).write_bytes(b"not a database" * 100)
    assert extract_facts(seeds, cache_dir=tmp_path) == expected
    assert list(tmp_path.glob("facts-*.sqlite.damaged-*"))
    assert extract_facts(seeds, cache_dir=tmp_path) == expected
    assert _rows(tmp_path) == seeds.documents.height, "a fresh cache took the facts again"


def test_worker_processes_find_the_same_facts(seeds):
    many = ingest_texts(
        [
            (f"{k}.txt", f"قال المتحدث باسم الوزارة إن {k + 3} قتلى سقطوا يوم الثلاثاء في المدينة.")
            for k in range(PARALLEL_MIN_DOCUMENTS + 6)
        ],
        Settings(min_words=3),
    )
    assert extract_facts(many, workers=2) == extract_facts(many, workers=1)
    assert len(extract_facts(many, workers=2).quantities) == PARALLEL_MIN_DOCUMENTS + 6


def test_equal_values_of_different_documents_are_held_once(tmp_path):
    sentence = "قال الوزير سامي الخطيب يوم الاثنين 3 مارس 2025 إن 1200 شاحنة وصلت إلى المعبر."
    texts = [("a.txt", sentence), ("b.txt", "وفي خبر آخر. " + sentence)]
    corpus = ingest_texts(texts, Settings(min_words=3))
    for cache in (None, tmp_path, tmp_path):  # computed, then computed and stored, then read
        found = extract_facts(corpus, cache_dir=cache)
        # the same facts as each document's own extraction, value for value
        spans = {}
        rows = corpus.content_passages().sort("document", "index").iter_rows(named=True)
        for p in rows:
            spans.setdefault(p["document"], []).append((p["start"], p["end"], p["index"]))
        plain = {}
        for doc, text in zip(corpus.documents["id"], corpus.documents["text"], strict=True):
            for kind, items in zip(
                ("names", "dates", "quantities"),
                facts_module._document_facts((text, None, spans[doc])),
                strict=True,
            ):
                plain.setdefault(kind, []).extend((doc, *item) for item in items)
        for kind in ("names", "dates", "quantities"):
            got = [
                (x.document, x.passage, x.fact, x.action, x.sentence) for x in getattr(found, kind)
            ]
            assert got == plain[kind], kind
        pairs = {}
        for kind in ("names", "dates", "quantities"):
            items = getattr(found, kind)
            first = [x for x in items if x.document == "d1"]
            second = [x for x in items if x.document == "d2"]
            assert len(first) == len(second) > 0, kind  # the same sentence in both
            pairs[kind] = list(zip(first, second, strict=True))
        for a, b in pairs["names"]:
            assert a.fact.surface is b.fact.surface and a.fact.tokens is b.fact.tokens
        for a, b in pairs["dates"]:
            assert a.fact.text is b.fact.text and a.fact.earliest is b.fact.earliest
            assert a.action is b.action
        for a, b in pairs["quantities"]:
            assert a.fact.noun_key is b.fact.noun_key and a.fact.value is b.fact.value
            assert a.fact.start != b.fact.start  # a different offset stays its own


@pytest.mark.parametrize("damage", ["whole", "dates", "cut"])
def test_a_cached_entry_that_does_not_unpickle_is_computed_and_stored_again(
    seeds, tmp_path, damage
):
    expected = extract_facts(seeds, cache_dir=tmp_path)
    with contextlib.closing(sqlite3.connect(_cache_file(tmp_path))) as db, db:
        key, good = db.execute("SELECT key, value FROM facts LIMIT 1").fetchone()
        names, dates = struct.unpack_from("<II", good)
        broken = {
            "whole": b"\x80\x05broken",
            # the names read well; the dates part is not a pickle (read first: see PARTS)
            "dates": good[: 8 + names] + b"\x00" * dates + good[8 + names + dates :],
            "cut": good[: 8 + names + dates // 2],  # the lengths say more than there is
        }[damage]
        db.execute("UPDATE facts SET value = ? WHERE key = ?", (broken, key))
    assert extract_facts(seeds, cache_dir=tmp_path) == expected
    with contextlib.closing(sqlite3.connect(_cache_file(tmp_path))) as db:
        (value,) = db.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
    assert value == good
    assert extract_facts(seeds, cache_dir=tmp_path) == expected


def test_copies_sharing_a_cache_entry_each_get_their_facts(tmp_path):
    # three copies of one article (one cache key) and another: computed and stored, then read
    sentence = "قال الوزير سامي الخطيب يوم الاثنين 3 مارس 2025 إن 1200 شاحنة وصلت إلى المعبر."
    texts = [(f"copy{k}.txt", sentence) for k in range(3)] + [
        ("other.txt", "وفي خبر آخر. " + sentence)
    ]
    corpus = ingest_texts(texts, Settings(min_words=3))
    plain = extract_facts(corpus)
    for _ in range(2):
        found = extract_facts(corpus, cache_dir=tmp_path)
        assert found == plain
        assert sorted({x.document for x in found.quantities}) == ["d1", "d2", "d3", "d4"]
