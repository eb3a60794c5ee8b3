"""Facts extraction on every core and its on-disk cache give the same facts as a plain run."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedupe.facts import PARALLEL_MIN_DOCUMENTS, extract_facts
from dedupe.ingest import ingest, ingest_texts
from dedupe.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def seeds():
    return ingest(SEEDS, Settings())


def test_the_cache_returns_what_extraction_found(seeds, tmp_path):
    plain = extract_facts(seeds)
    first = extract_facts(seeds, cache_dir=tmp_path)
    shards = list(tmp_path.glob("facts-*/*.pkl"))
    assert len(shards) == 1
    second = extract_facts(seeds, cache_dir=tmp_path)
    assert plain == first == second
    assert plain.names and plain.dates and plain.quantities
    assert list(tmp_path.glob("facts-*/*.pkl")) == shards, "a warm run writes nothing"


def test_a_changed_article_is_read_again_and_only_it(tmp_path):
    texts = [
        ("a.txt", "قال الوزير سامي الخطيب يوم الاثنين إن 12 شاحنة وصلت إلى المعبر."),
        ("b.txt", "أعلنت الشركة أمس أنها وظفت 300 عامل في مصنعها الجديد في المدينة."),
    ]
    before = extract_facts(ingest_texts(texts, Settings(min_words=3)), cache_dir=tmp_path)
    changed = [texts[0], ("b.txt", texts[1][1].replace("300", "450"))]
    after = extract_facts(ingest_texts(changed, Settings(min_words=3)), cache_dir=tmp_path)
    assert len(list(tmp_path.glob("facts-*/*.pkl"))) == 2
    values = {q.fact.value for q in after.quantities if q.document == "d2"}
    assert values == {450}, values
    assert [q for q in after.quantities if q.document == "d1"] == [
        q for q in before.quantities if q.document == "d1"
    ]


def test_an_unreadable_shard_is_ignored(seeds, tmp_path):
    expected = extract_facts(seeds, cache_dir=tmp_path)
    for shard in tmp_path.glob("facts-*/*.pkl"):
        shard.write_bytes(b"not a pickle")
    assert extract_facts(seeds, cache_dir=tmp_path) == expected


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
