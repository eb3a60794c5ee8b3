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
