"""Build a tiny real sentence-transformers model offline, for tests.

The model is a `StaticEmbedding` (mean of per-token vectors) over a WordPiece tokenizer trained
here on local Arabic and English text, saved with `SentenceTransformer.save`. Loading it runs the
real `SentenceTransformer.encode` path with no download.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

EXTRA_SENTENCES = (
    "Officials from both countries met in Miami on Sunday to discuss the war.",
    "The central bank raised interest rates by a quarter of a percentage point.",
    "Heavy rain flooded several streets in the old city overnight.",
    "The minister said talks would continue next week.",
    "اجتمع وزراء الخارجية في القاهرة يوم الاثنين لبحث وقف إطلاق النار.",
    "ارتفعت أسعار النفط بنسبة ثلاثة في المئة بعد قرار أوبك.",
    "أمطار غزيرة أغرقت شوارع المدينة القديمة خلال الليل.",
)

EMBEDDING_DIM = 32
VOCAB_SIZE = 3000
SEED = 20240613


def training_lines() -> Iterator[str]:
    """Yield the local text the tokenizer is trained on: the seed articles, then extra lines."""
    for path in sorted(SEEDS.glob("*.txt")):
        yield from path.read_text(encoding="utf-8").splitlines()
    yield from EXTRA_SENTENCES


def build_tiny_st_model(path: Path) -> Path:
    """Train a tokenizer, wrap it in a seeded StaticEmbedding model, save it to ``path``."""
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordPieceTrainer(
        vocab_size=VOCAB_SIZE, special_tokens=["[UNK]", "[PAD]"], show_progress=False
    )
    tokenizer.train_from_iterator(training_lines(), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]")

    rng = np.random.default_rng(SEED)
    weights = rng.standard_normal((tokenizer.get_vocab_size(), EMBEDDING_DIM)).astype(np.float32)
    static = StaticEmbedding(wrapped, embedding_weights=weights)
    model = SentenceTransformer(modules=[static], device="cpu")
    path.mkdir(parents=True, exist_ok=True)
    model.save(str(path), create_model_card=False)
    return path
