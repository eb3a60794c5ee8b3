from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from dedupe.ingest import ingest
from dedupe.neardup import (
    MinHashParams,
    band_keys,
    candidate_pairs,
    components,
    find_duplicates,
    shingle_hashes,
    signatures,
    text_signatures,
    verify,
)
from dedupe.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

WIRE = [
    "أعلن وزير المالية في جمهورية الوادي فيكتور هالغرين صباح الثلاثاء عن حزمة إجراءات "
    "لدعم المزارعين المتضررين من الجفاف، تشمل قروضا ميسرة وإعفاءات ضريبية لمدة عامين.",
    "وقال هالغرين في مؤتمر صحفي بالعاصمة إن الحكومة خصصت مليار دينار للحزمة، مضيفا أن "
    "التوزيع سيبدأ مطلع الشهر المقبل عبر المصارف الزراعية في المحافظات الشمالية.",
    "وانتقدت المعارضة الخطة ووصفتها بأنها متأخرة، مطالبة بتعويض مباشر للأسر التي فقدت "
    "محاصيلها خلال الموسم الماضي بسبب انحباس الأمطار وارتفاع درجات الحرارة.",
    "ويشكل القطاع الزراعي نحو خمس الناتج المحلي للبلاد، ويعمل فيه قرابة ثلث القوى "
    "العاملة، وفق بيانات المكتب الوطني للإحصاء الصادرة العام الماضي.",
]
OTHER = [
    "فاز نادي الشروق ببطولة الكأس بعد تغلبه على نادي الأمل بهدفين مقابل هدف في المباراة "
    "النهائية التي أقيمت مساء الجمعة على ملعب المدينة الرياضية أمام جمهور كبير.",
    "وسجل المهاجم الشاب هدف الفوز في الدقيقة الأخيرة من الوقت بدل الضائع، ليمنح فريقه "
    "اللقب الثالث في تاريخه بعد انتظار دام أكثر من عشر سنوات.",
]

ECONOMY = [
    "تراجعت صادرات البلاد من القمح بنسبة كبيرة خلال الربع الأول من العام، بحسب تقرير "
    "أصدرته غرفة التجارة يوم الأحد، وسط مخاوف من ارتفاع أسعار الخبز في الأسواق المحلية.",
    "وأوصى التقرير بإنشاء صندوق لتثبيت الأسعار وتشجيع الاستثمار في أنظمة الري الحديثة "
    "لتقليل الاعتماد على الأمطار الموسمية في السنوات المقبلة.",
]


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a_original.txt").write_text(
        "الحكومة تعلن دعم المزارعين\n" + "\n".join(WIRE) + "\n", encoding="utf-8"
    )
    # syndicated copy: other headline, one changed sentence, an outlet footer
    changed = WIRE.copy()
    changed[2] = changed[2].replace("ووصفتها بأنها متأخرة", "وقالت إنها جاءت متأخرة جدا")
    (folder / "b_syndicated.md").write_text(
        "---\ntitle: دعم حكومي للمزارعين\noutlet: وكالة السهل\n---\n"
        + "\n".join(changed)
        + "\nتابعونا على مواقع التواصل الاجتماعي للمزيد من الأخبار\n",
        encoding="utf-8",
    )
    (folder / "c_exact.txt").write_text(
        (folder / "a_original.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    # a different article that reuses one paragraph verbatim
    (folder / "d_reuse.txt").write_text(
        "\n".join([ECONOMY[0], WIRE[3], ECONOMY[1]]) + "\n", encoding="utf-8"
    )
    (folder / "e_other.txt").write_text("\n".join(OTHER) + "\n", encoding="utf-8")


def test_exact_near_and_passage_groups(tmp_path):
    write_corpus(tmp_path)
    corpus = ingest(tmp_path, Settings())
    ids = dict(zip(corpus.documents["path"], corpus.documents["id"], strict=True))
    result = find_duplicates(corpus, Settings())
    docs = [(g.kind, g.level, set(g.documents)) for g in result.groups]
    assert (
        "near",
        "document",
        {ids["a_original.txt"], ids["b_syndicated.md"], ids["c_exact.txt"]},
    ) in docs
    reuse = [g for g in result.groups if g.level == "passage"]
    assert len(reuse) == 1
    assert set(reuse[0].documents) == {
        ids["a_original.txt"],
        ids["b_syndicated.md"],
        ids["c_exact.txt"],
        ids["d_reuse.txt"],
    }
    texts = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))
    assert {texts[d][s:e] for d, s, e in reuse[0].passages} == {WIRE[3]}
    assert result.representative[ids["c_exact.txt"]] == ids["a_original.txt"]


def test_exact_copy_alone_is_kind_exact(tmp_path):
    write_corpus(tmp_path)
    (tmp_path / "b_syndicated.md").unlink()
    corpus = ingest(tmp_path, Settings())
    result = find_duplicates(corpus, Settings())
    doc_groups = [g for g in result.groups if g.level == "document"]
    assert [(g.kind, g.similarity, len(g.documents)) for g in doc_groups] == [("exact", 1.0, 2)]


def test_no_duplicates_among_independent_seed_reports():
    corpus = ingest(SEEDS, Settings())
    result = find_duplicates(corpus, Settings())
    assert result.groups == ()
    assert result.params.to_dict()["datasketch"].startswith("2.")
    assert result.params.scheme == "affine32"


def test_band_collisions_are_verified_before_linking():
    params = MinHashParams.from_settings(Settings())
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**32, size=params.num_perm, dtype=np.uint64)
    a = base.copy()
    b = base.copy()
    b[params.rows :] = rng.integers(0, 2**32, size=params.num_perm - params.rows)
    c = rng.integers(0, 2**32, size=params.num_perm, dtype=np.uint64)
    c[params.rows : 2 * params.rows] = b[params.rows : 2 * params.rows]
    sigs = np.vstack([a, b, c])
    ids = ["x", "y", "z"]
    pairs = candidate_pairs(band_keys(sigs, ids, params))
    # x~y share band 0, y~z share band 1: two raw collisions, a chain x-y-z
    assert pairs.sort("a").rows() == [("x", "y"), ("y", "z")]
    verified = verify(pairs, sigs, {x: i for i, x in enumerate(ids)}, 0.5)
    assert verified.height == 0
    assert components(ids, verified) == []


def test_signatures_estimate_jaccard():
    params = MinHashParams.from_settings(Settings(num_perm=256))
    first = shingle_hashes(" ".join(WIRE), 3)
    second = shingle_hashes(" ".join(WIRE[:3]), 3)
    true = len(np.intersect1d(first, second)) / len(np.union1d(first, second))
    sigs = signatures([first, second], params)
    estimate = float((sigs[0] == sigs[1]).mean())
    assert abs(estimate - true) < 0.1
    edges = pl.DataFrame({"a": ["p", "q"], "b": ["q", "r"]})
    assert components(["p", "q", "r", "s"], edges) == [["p", "q", "r"]]


def test_shingle_hashes_follow_the_words_not_their_spelling():
    a = shingle_hashes("قال الرئيسُ إنّ الاجتماعَ انتهى", 3)
    b = shingle_hashes("قال الرئيس ان الاجتماع انتهي", 3)
    c = shingle_hashes("انتهى الاجتماع قال الرئيس إن", 3)
    assert a.dtype == np.uint32 and len(a) == 3
    assert np.array_equal(a, b)
    assert len(np.intersect1d(a, c)) < len(a)


def test_parallel_signatures_equal_serial_ones():
    params = MinHashParams.from_settings(Settings())
    texts = [" ".join(WIRE[i % 4 :] + OTHER[: i % 3]) + f" {i}" for i in range(40)]
    serial = text_signatures(texts, params, workers=1)
    import dedupe.neardup as neardup

    old = neardup.PARALLEL_MIN_TEXTS
    neardup.PARALLEL_MIN_TEXTS = 1
    try:
        parallel = text_signatures(texts, params, workers=2)
    finally:
        neardup.PARALLEL_MIN_TEXTS = old
    assert np.array_equal(serial, parallel)


# --- the fast path (one tokenization per chunk of documents, numpy MinHash) is the old path ---

TRICKY = [
    "والحكومة", "وبالتالي", "فالمعارضة", "بالعاصمة", "كالعادة", "وللمزارعين", "فللحكومة",
    "للمزارعين", "الوزير", "ويلسون", "وويلسون", "بيرنز", "وبيرنز", "فيليبس", "لفيليبس",
    "وقال", "قال", "فقال", "وكتب", "كتب", "بمدينة", "مدينة", "ولمدينة", "فكتب", "ككتب",
    "والـمدينة", "وَالْحُكُومَةُ", "إنّ", "أعلنَ", "آلاف", "مستشفى", "مستشفي", "جامعة",
    "ﻻ", "ﻷجل", "ﺍلعالم", "گزارش", "پاریس", "ی", "٢٠٢٤", "۱۴۰۳", "3٫5", "٪", "NATO", "İstanbul",
    "Σοφία", "ΣΑΣ", "__", "_x_", "و_", "ـــ", "\u200fوزير", "و\u200cزير", "ال", "وال", "لل",
    "والل", "وبال", "فبالل", "كال", "ولل", "وب", "ول", "وك", "فب", "فل", "فك", "ب", "ل", "ك",
    "و", "ف", "ولا", "فلا", "بلا", "وألكسندر", "ألكسندر", "والكسندر", "الكسندر", "وكالة",
    "وكالات", "ككالة", "بوزارة", "وزارة", "ببغداد", "بغداد", "لبنان", "ولبنان", "للبنان",
    "بنان", "وبغداد", "غداد", "وكتاب", "كتاب", "تاب",
]  # fmt: skip


def _invented_documents(seed: int, n_docs: int) -> list[list[str]]:
    """Documents (lists of passages) of tricky words with and without proclitics, so the
    choice of a clitic split depends on each document's own vocabulary."""
    rng = np.random.default_rng(seed)
    words = TRICKY + [w for p in WIRE + OTHER + ECONOMY for w in p.split()]
    docs = []
    for _ in range(n_docs):
        passages = []
        for _ in range(int(rng.integers(0, 6))):
            n = int(rng.choice([0, 1, 2, 3, 4, 13, 40]))
            chosen = [words[i] for i in rng.integers(0, len(words), size=n)]
            passages.append(" ".join(chosen) + ("،" if n % 2 else "."))
        docs.append(passages)
    return docs


def _real_documents() -> list[list[str]]:
    corpus = ingest(SEEDS, Settings())
    passages = corpus.content_passages().sort("document", "index")
    return [
        part["text"].to_list() for part in passages.partition_by("document", maintain_order=True)
    ]


def _reference(docs: list[list[str]], params: MinHashParams) -> tuple[np.ndarray, np.ndarray]:
    """The old path: dedupe.text's stems with the document's vocabulary, shingles hashed per
    document and per passage, one datasketch MinHash per set."""
    from datasketch import MinHash

    from dedupe.neardup import _hash_words
    from dedupe.text import stems, vocabulary

    def minhash(hashes: np.ndarray) -> np.ndarray:
        m = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)
        m.hashfunc = lambda x: x
        if len(hashes):
            m.update_batch(hashes.tolist())
        return m.hashvalues.astype(np.uint64)

    doc_sigs, passage_sigs = [], []
    for passages in docs:
        vocab = vocabulary("\n".join(passages))
        words = [stems(p, vocab) for p in passages]
        doc_sigs.append(minhash(_hash_words([w for ws in words for w in ws], params.shingle_size)))
        passage_sigs += [minhash(_hash_words(ws, params.shingle_size)) for ws in words]
    empty = np.zeros((0, params.num_perm), dtype=np.uint64)
    return np.array(doc_sigs or empty), np.array(passage_sigs or empty)


def _fast(docs: list[list[str]], params: MinHashParams, lexicon: bool = True):
    import dedupe.neardup as neardup

    if not lexicon:
        neardup._LEXICON = None
    texts = [p for d in docs for p in d]
    job = neardup._SignJob.of(
        pl.Series(texts, dtype=pl.String),
        np.array([len(d) for d in docs], dtype=np.int64),
        np.ones(len(texts), dtype=bool),
        0,
        params,
    )
    signed = neardup._sign_documents(job)
    assert signed.wanted.all()
    return signed.documents.astype(np.uint64), signed.passages.astype(np.uint64)


def test_fast_stems_equal_text_stems_on_real_and_invented_text():
    from dedupe.neardup import _Lexicon
    from dedupe.text import _WORD, stems, vocabulary

    docs = _real_documents() + _invented_documents(3, 300)
    lexicon = _Lexicon()
    names = None
    for passages in docs:
        surfaces = [w for p in passages for w in _WORD.findall(p)]
        ids = lexicon.stems(lexicon.ids(surfaces), np.zeros(len(surfaces), dtype=np.int64))
        names = list(lexicon.words)
        vocab = vocabulary("\n".join(passages))
        assert [names[i] for i in ids if i >= 0] == [w for p in passages for w in stems(p, vocab)]


def test_clitic_splits_equal_text_clitic_options():
    from dedupe.neardup import _CLITIC_FIRST, _clitic_splits
    from dedupe.text import _ARTICLE_PREFIXES, _BARE_PREFIXES, _clitic_options

    stems_ = ["ب", "بد", "بدر", "بدري", "الم", "الما", "المدينة", "لان", "للا"]
    words = {
        a + b + c for a in ("", *_BARE_PREFIXES) for b in ("", *_ARTICLE_PREFIXES) for c in stems_
    }
    words |= {w for d in _real_documents() for p in d for w in p.split()} | set(TRICKY)
    checked = 0
    for word in words:
        if not word or word[0] not in _CLITIC_FIRST:
            continue
        article, options = _clitic_options(word)
        expected = (
            (len(article[0]), [])
            if article
            else (
                0,
                [(len(p), len(inner[0]) - len(p) if inner else 0) for p, _, _, inner in options],
            )
        )
        assert _clitic_splits(word) == expected, word
        checked += 1
    assert checked > 1000


def test_fast_signatures_equal_the_old_path():
    params = MinHashParams.from_settings(Settings())
    docs = _real_documents() + _invented_documents(5, 200) + [[], [""], ["قال"], ["قال الرئيس"]]
    expected = _reference(docs, params)
    for lexicon in (False, True):  # a fresh lexicon, then one that has seen every word
        got = _fast(docs, params, lexicon)
        assert np.array_equal(got[0], expected[0])
        assert np.array_equal(got[1], expected[1])


def test_fast_signatures_span_blocks(monkeypatch):
    import dedupe.neardup as neardup

    params = MinHashParams.from_settings(Settings(shingle_size=4))
    docs = _invented_documents(11, 120)
    expected = _reference(docs, params)
    monkeypatch.setattr(neardup, "SIGN_BLOCK", 50)
    got = _fast(docs, params)
    assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])


def test_numpy_signatures_equal_datasketch_for_every_scheme():
    from datasketch import MinHash

    rng = np.random.default_rng(2)
    sets = [
        rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32) for n in (0, 1, 7, 500)
    ]
    for scheme in ("affine32", "affine64", "legacy"):
        params = MinHashParams.from_settings(Settings(minhash_scheme=scheme, num_perm=64))
        got = signatures(sets, params)
        for row, items in zip(got, sets, strict=True):
            m = MinHash(num_perm=64, seed=params.seed, scheme=scheme, hashfunc=lambda x: x)
            if len(items):
                m.update_batch(items.tolist())
            assert np.array_equal(row, m.hashvalues.astype(np.uint64)), scheme


def test_parallel_find_duplicates_equals_serial(tmp_path, monkeypatch):
    import dedupe.neardup as neardup

    write_corpus(tmp_path)
    for i, passages in enumerate(_invented_documents(7, 30)):
        (tmp_path / f"x{i:02d}.txt").write_text("\n".join(passages) + "\n", encoding="utf-8")
    corpus = ingest(tmp_path, Settings())
    serial = find_duplicates(corpus, Settings(), workers=1)
    monkeypatch.setattr(neardup, "PARALLEL_MIN_TEXTS", 1)
    parallel = find_duplicates(corpus, Settings(), workers=2)
    assert np.array_equal(serial.signatures, parallel.signatures)
    assert serial.groups == parallel.groups and serial.ids == parallel.ids
    # jobs of at most 500 characters (a document or two each): more than the 2 × 4 by default
    jobs: list[int] = []
    handed = neardup.map_items

    def counted(fn, items, *args, **kwargs):  # type: ignore[no-untyped-def]
        # (made as the pool sends them: each copies its texts into one string)
        assert not isinstance(items, list | tuple)
        jobs.append(kwargs["count"])
        return handed(fn, items, *args, **kwargs)

    monkeypatch.setattr(neardup, "map_items", counted)
    monkeypatch.setattr(neardup, "SIGN_JOB_CHARS", 500)
    small = find_duplicates(corpus, Settings(), workers=2)
    assert np.array_equal(serial.signatures, small.signatures)
    assert serial.groups == small.groups and serial.ids == small.ids
    chars = sum(len(t) for t in neardup.document_texts(corpus)["text"])
    assert chars // 500 > 2 * 4 and jobs[0] > 2 * 4
    texts = neardup.document_texts(corpus)
    assert list(texts["id"]) == list(serial.ids)
    params = MinHashParams.from_settings(Settings())
    assert np.array_equal(text_signatures(list(texts["text"]), params), serial.signatures)


def test_verified_rows_equal_the_polars_pairs():
    from dedupe.neardup import _verified_rows

    params = MinHashParams.from_settings(Settings(), 0.8)
    rng = np.random.default_rng(4)
    base = rng.integers(0, 2**32, size=(60, params.num_perm), dtype=np.uint64)
    sigs = base[rng.integers(0, 60, size=400)]  # copies of 60 texts …
    noise = rng.random(sigs.shape) < rng.choice([0.0, 0.05, 0.3, 0.9], size=(400, 1))
    sigs = np.where(noise, rng.integers(0, 2**32, size=sigs.shape, dtype=np.uint64), sigs)
    sigs[:12] = sigs[0]  # … and identical texts in buckets over the size limit
    ids = [f"d{rng.integers(0, 10**6)}:{i}" for i in range(400)]  # not in sorted order
    ia, ib, sim = _verified_rows(sigs, ids, params, 0.8, 10)
    index = {x: i for i, x in enumerate(ids)}
    expected = verify(candidate_pairs(band_keys(sigs, ids, params), 10), sigs, index, 0.8)
    got = pl.DataFrame({"a": [ids[i] for i in ia], "b": [ids[i] for i in ib], "similarity": sim})
    assert expected.height > 100
    assert got.equals(expected)


def test_a_signing_job_holds_no_polars_object():
    # the job is pickled to a forked worker: polars there may wait for ever on its thread
    # pool or allocator, which the worker did not inherit in a usable state
    import pickle

    import dedupe.neardup as neardup

    texts = ["قال الوزير", "", "ثم غادر الوفد العاصمة"]
    job = neardup._SignJob.of(
        pl.Series([*texts, None], dtype=pl.String),
        np.array([2, 2], dtype=np.int64),
        np.ones(4, dtype=bool),
        0,
        MinHashParams.from_settings(Settings()),
    )
    assert b"polars" not in pickle.dumps(job)
    ends = job.ends.tolist()
    assert [job.joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)] == [*texts, ""]
