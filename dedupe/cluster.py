"""Cluster stage: passages of different documents that report the same facet → events.

A pair of passages is scored from four signals: embedding cosine (rescaled, since e5 cosines
of any two news paragraphs sit high), lexical overlap weighted by how rare each word is in
general text (wordfreq), shared anchors (rare words such as names and places, and numbers),
and publication-time proximity. Passages are grouped by average-link agglomerative clustering
on that score (never single-link chaining); a group that spans two or more independent
documents is an event. The same pair score explains `dedupe compare`.
"""

from __future__ import annotations

import itertools
import math
import os
import unicodedata
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import polars as pl
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix, triu
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from dedupe.allocator import clear_memos, trim_heap
from dedupe.embed import Embedder
from dedupe.facts.dates import zipf
from dedupe.facts.names import skeleton
from dedupe.facts.tokens import choose_proclitic, vocabulary, word_reading
from dedupe.models import TEXT_BLOCK, Corpus, Event, PassageRef, PassageTexts, parse_published
from dedupe.parallel import imap_items, imap_shared
from dedupe.settings import Settings
from dedupe.text import _WORD, ARABIC_LETTER, _forms

MIN_PASSAGE_WORDS = 5
EDGE_FLOOR = 0.25  # pairs scoring below this are not kept at all
MAX_COMPONENT = 4000  # average-link runs on dense matrices of at most this size
ALL_PAIRS_DOCS = 400  # below this many documents every cross-document pair is scored
RARE_WEIGHT = 4.0  # a word at least this informative (see word_weight) is a passage's anchor
NEIGHBOURS = 40  # above it, each document is compared with its nearest neighbours only
SPARSE_BLOCK = 16  # documents whose lexical and anchor products score_all takes together
# blocks sent to a worker at once: a worker sends its pairs back when its whole chunk is done,
# so a chunk's pairs are held in the worker (with their pickle) and in this process until then.
# With about eight chunks per worker, a chunk at 100,000 articles held 4 million pairs.
SCORE_CHUNK = 1
PAIR_SCHEMA = {"i": pl.Int32, "j": pl.Int32, "score": pl.Float64}  # score_all's frame
# Clustering.pairs keeps the pairs scoring at least min(align_threshold, this): the ones the
# consistency checks read (its weekday-only comparisons need pairs aligned this well). The rest
# (84 % of 4.7 million at 10,000 articles) are done with once the events are made.
KEPT_PAIRS_FLOOR = 0.6


@lru_cache(maxsize=500_000)
def word_weight(word: str, lang: str) -> float:
    """Return how informative ``word`` is: 0 for the most common words, up to 8 for words general
    text never uses (names, places, numbers)."""
    if word.isdigit():
        return 6.0
    if lang == "ar":
        return max(0.0, 8.0 - zipf(word))  # wordfreq's value, read from its table directly
    from wordfreq import zipf_frequency

    return max(0.0, 8.0 - zipf_frequency(word, lang))


@dataclass(frozen=True, slots=True)
class PassageUnits:
    """The passages clustering works on, with their vectors and lexical features."""

    frame: pl.DataFrame  # document, index, start, end, kind, reason, script, group (no text)
    vectors: np.ndarray  # (n, dim) L2-normalized, held in VECTOR_DTYPE: read with vector_rows
    lexical: csr_matrix  # (n, vocab) rarity-weighted word vectors, L2-normalized
    anchors: csr_matrix  # (n, vocab) 1 where the word is one of the passage's rare words/numbers
    words: list[str]  # the vocabulary: the word stem of each column of ``lexical`` and ``anchors``
    published: list[datetime | None]

    def vector_rows(self, rows: int | Sequence[int] | np.ndarray) -> np.ndarray:
        """Return the vectors of ``rows`` (a row, or rows) in float32, to compute with."""
        return self.vectors[rows].astype(np.float32)


def passage_units(
    corpus: Corpus, embedder: Embedder, representative: dict[str, str] | None = None
) -> PassageUnits:
    """Return the content passages of ``corpus`` with embeddings and lexical features."""
    representative = representative or {}
    published = {
        row["id"]: parse_published(row["published"])
        for row in corpus.documents.select("id", "published").iter_rows(named=True)
    }
    frame = matched_passages(corpus)
    texts = corpus.passage_texts(frame)
    frame = frame.with_columns(
        pl.Series("script", [_script(text) for text in texts], dtype=pl.String),
        pl.col("document")
        .map_elements(lambda d: representative.get(d, d), return_dtype=pl.String)
        .alias("group"),
    )
    vectors = passage_vectors(embedder, texts)
    lexical, anchors, words = _lexical(
        texts,
        frame["document"].to_list(),
        frame["script"].to_list(),
        corpus.texts(),
    )
    return PassageUnits(
        frame=frame,
        vectors=vectors,
        lexical=lexical,
        anchors=anchors,
        words=words,
        published=[published.get(d) for d in frame["document"]],
    )


EMBED_BLOCK = 131_072  # passage texts handed to the embedder at once (about 11,000 articles')
# The passages' vectors are held in half precision and computed with in float32: at 100,000
# articles they were 1.2 GB in float32, held through the units and the events. Rounded to half
# precision, the labelled corpora cluster exactly as before (python bench/evaluate.py), and 16
# of 3,398 events of the generated 10,000 articles change by a passage or so.
VECTOR_DTYPE = np.float16


def passage_vectors(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Return the vectors of ``texts`` in VECTOR_DTYPE, embedded EMBED_BLOCK texts at a time:
    listed at once, the passage texts were Python strings of 71 MiB at 10,000 articles, about
    0.7 GB at 100,000."""
    if len(texts) == 0:
        return np.zeros((0, 1), dtype=VECTOR_DTYPE)
    out: np.ndarray | None = None
    for start in range(0, len(texts), EMBED_BLOCK):
        part = embedder.embed(list(texts[start : start + EMBED_BLOCK]))
        if out is None:
            out = np.empty((len(texts), part.shape[1]), dtype=VECTOR_DTYPE)
        out[start : start + len(part)] = part
    assert out is not None
    return out


def matched_passages(corpus: Corpus) -> pl.DataFrame:
    """Return the content passages clustering works on (long enough to compare), by document,
    without their text (see :func:`passage_texts`): their words are counted TEXT_BLOCK passages
    at a time."""
    passages = corpus.passages.filter(pl.col("kind") != "boilerplate").sort("document", "index")
    texts = corpus.passage_texts(passages)
    long_enough = [
        texts.series(lo, min(lo + TEXT_BLOCK, len(texts))).str.count_matches(" ", literal=True)
        >= MIN_PASSAGE_WORDS - 1  # (null where the document has no text: not kept)
        for lo in range(0, len(texts), TEXT_BLOCK)
    ]
    return passages.filter(pl.concat(long_enough)) if long_enough else passages


def passage_texts(corpus: Corpus) -> PassageTexts:
    """Return the texts :func:`passage_units` embeds for ``corpus``, made a block at a time as
    they are read (as a list, 0.8 GB at 100,000 articles)."""
    return corpus.passage_texts(matched_passages(corpus))


def _script(text: str) -> str:
    return "ar" if ARABIC_LETTER.search(text) else "en"


def _light(surface: str, prefix: str) -> str:
    return _forms(surface)[0][len(prefix) :]


def _weighed(surface: str, prefix: str, stem: str, lang: str) -> tuple[str, float, bool] | None:
    """Return (stem, weight, is an anchor) of a word in a passage's lexical vector, or None
    when it does not count (a one-letter non-number, or a word too common to weigh above 1).
    Anchors are numbers and words rare enough to name a person, place or thing."""
    if len(stem) < 2 and not stem.isdigit():
        return None
    w = word_weight(_light(surface, prefix).lower(), lang)
    return None if w <= 1.0 else (stem, w, stem.isdigit() or w >= RARE_WEIGHT)


_UNREAD = object()  # not looked at yet (a word, a document's vocabulary)
_CHOSEN = object()  # a word whose proclitic the document's vocabulary chooses


def _lexical(
    texts: Sequence[str] | pl.Series,
    documents: Sequence[str],
    scripts: Sequence[str],
    doc_text: Mapping[str, str],
    workers: int | None = None,
) -> tuple[csr_matrix, csr_matrix, list[str]]:
    """Return the passages' rarity-weighted word vectors, their anchors (rare words and
    numbers) as a 0/1 matrix over the same columns, and the word of each column. Passages come
    grouped by document, read in parts of whole documents on every core (``workers``, default
    all) once there are PARALLEL_MIN_PASSAGES; each part numbers its own words, renumbered here
    in order of first use, so the matrices are the ones a single pass makes.

    Anchors are a matrix, not a set of strings per passage: at 10,000 articles the sets held
    about 150 MB, the matrix a few. A part's texts are listed only when it is handed out, so
    the parent holds a few parts' texts at a time, not the corpus's."""
    bounds = _lexical_parts(documents, workers)
    jobs = (
        (
            list(texts[lo:hi]),
            documents[lo:hi],
            scripts[lo:hi],
            {d: doc_text[d] for d in dict.fromkeys(documents[lo:hi]) if d in doc_text},
        )
        for lo, hi in bounds
    )
    columns: dict[str, int] = {}
    data, indices, indptr = [], [], [np.zeros(1, dtype=np.int64)]
    rare, rare_ptr = [], [np.zeros(1, dtype=np.int64)]
    for words, part_data, part_indices, part_indptr, part_rare, part_rare_ptr in imap_items(
        _lexical_part_forgetting, jobs, workers, 2, count=len(bounds), chunksize=1
    ):
        # (int32: the matrices' own index type. Renumbered into int64, joined, then copied
        # to int32 by scipy, the indexes were held three times over at once)
        renumber = np.fromiter(
            (columns.setdefault(w, len(columns)) for w in words), dtype=np.int32, count=len(words)
        )
        data.append(part_data)
        indices.append(renumber[part_indices])
        indptr.append(part_indptr[1:] + indptr[-1][-1])
        rare.append(renumber[part_rare])
        rare_ptr.append(part_rare_ptr[1:] + rare_ptr[-1][-1])
        del part_indices, part_rare
    shape = (len(texts), max(1, len(columns)))
    matrix = csr_matrix((_joined(data), _joined(indices), _joined(indptr)), shape)
    rare_columns = _joined(rare)
    anchors = csr_matrix(
        (np.ones(len(rare_columns), dtype=np.float32), rare_columns, _joined(rare_ptr)), shape
    )
    return matrix, anchors, list(columns)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """Return ``parts`` joined into one array, and empty the list (its parts let go, and the
    heap trimmed: parts unpickled from the workers sit in it, resident until trimmed)."""
    out = np.concatenate(parts)
    parts.clear()
    trim_heap()
    return out


PARALLEL_MIN_PASSAGES = 4000  # below this, worker processes cost more than they save
LEXICAL_PARTS_PER_WORKER = 4
# passages in one part at most: a part's texts, word tables and rows are its worker's memory,
# and four parts per worker made parts of 190,000 passages at 100,000 articles, which took the
# two workers 2.4 GB above the parent (bench/memory.py, tree peak)
LEXICAL_PART_PASSAGES = 20_000


def _lexical_parts(documents: Sequence[str], workers: int | None) -> list[tuple[int, int]]:
    """Return (start, end) row ranges of whole documents: one, or a few per worker, of at most
    about LEXICAL_PART_PASSAGES rows each."""
    n = len(documents)
    if n < PARALLEL_MIN_PASSAGES:
        return [(0, n)]
    parts = (workers or os.cpu_count() or 1) * LEXICAL_PARTS_PER_WORKER
    parts = max(parts, math.ceil(n / LEXICAL_PART_PASSAGES))
    cuts = [0]
    for k in range(1, parts):
        cut = max(cuts[-1], k * n // parts)
        while 0 < cut < n and documents[cut] == documents[cut - 1]:
            cut += 1
        cuts.append(cut)
    cuts.append(n)
    return [(lo, hi) for lo, hi in itertools.pairwise(cuts) if hi > lo]


def _lexical_part_forgetting(
    job: tuple[Sequence[str], Sequence[str], Sequence[str], dict[str, str]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return :func:`_lexical_part` of ``job``, then empty the memos (allocator.clear_memos), so
    that a process reading many parts holds one part's words at a time. (In this process, with
    one part below PARALLEL_MIN_PASSAGES, the later stages fill them again as they read.)

    A worker reads part after part, and the five word memos a part is read through (word_weight,
    word_reading, _forms, _clitic_options, zipf) kept what every part before had read: over 12
    parts of 20,000 passages at 100,000 articles they grew by 440 MB (to 150,000-270,000 entries
    each), with 18 more parts per worker to come. Emptied after each part, the reader peaked 294
    MB above its start and held 89 MB between parts, in the same time."""
    try:
        return _lexical_part(job)
    finally:
        clear_memos()


def _lexical_part(
    job: tuple[Sequence[str], Sequence[str], Sequence[str], dict[str, str]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the lexical rows of one part of whole documents: (its words in order of first
    use, data, indices into those words, indptr, and the anchors' indices and indptr). A
    document's vocabulary is read once, when one of its words first needs it, and dropped when
    its passages are done; the rows are filled from typed arrays."""
    texts, documents, scripts, doc_text = job
    columns: dict[str, int] = {}
    data = array("f")
    indices = array("q")
    indptr = array("q", [0])
    rare_indices = array("q")
    rare_indptr = array("q", [0])
    # (surface, proclitic) → (stem, weight, is an anchor; None when the word does not count),
    # per script: what a word gives depends on these alone, only the proclitic choice on the
    # document
    word_of: dict[str, dict[tuple[str, str], tuple[str, float, bool] | None]] = {}
    # surface → what it gives, per script, for the words whose reading has no proclitic
    # choice (most of them): one lookup per occurrence instead of the reading and the choice
    plain_of: dict[str, dict[str, tuple[str, float, bool] | object | None]] = {}
    vocab_doc, vocab = None, None
    for text, doc, lang in zip(texts, documents, scripts, strict=True):
        if doc != vocab_doc:
            vocab_doc, vocab = doc, _UNREAD
        memo = word_of.setdefault(lang, {})
        plain = plain_of.setdefault(lang, {})
        weights: dict[str, float] = {}
        rare: set[str] = set()
        for surface in _WORD.findall(text):
            word = plain.get(surface, _UNREAD)
            if word is _UNREAD or word is _CHOSEN:
                reading = word_reading(surface)
                if reading is None:
                    plain[surface] = None
                    continue
                _, stem, prefix, choices = reading
                if choices:
                    plain[surface] = _CHOSEN  # the document's vocabulary decides
                    if vocab is _UNREAD:  # read once per document, when first needed
                        vocab = vocabulary(doc_text[doc]) if doc in doc_text else None
                    if vocab:
                        prefix, stem = choose_proclitic(choices, vocab, prefix, stem)  # type: ignore[arg-type]
                key = (surface, prefix)
                if key in memo:
                    word = memo[key]
                else:
                    word = memo[key] = _weighed(surface, prefix, stem, lang)
                if not choices:
                    plain[surface] = word
            if word is None:
                continue
            stem, w, is_rare = word  # type: ignore[misc]
            weights[stem] = weights.get(stem, 0.0) + w
            if is_rare:
                rare.add(stem)
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        for word_stem, value in weights.items():
            indices.append(columns.setdefault(word_stem, len(columns)))
            data.append(value / norm)
        indptr.append(len(indices))
        rare_indices.extend(sorted(columns[word_stem] for word_stem in rare))
        rare_indptr.append(len(rare_indices))
    return (
        list(columns),
        np.frombuffer(data, dtype=np.float32),
        np.frombuffer(indices, dtype=np.int64),
        np.frombuffer(indptr, dtype=np.int64),
        np.frombuffer(rare_indices, dtype=np.int64),
        np.frombuffer(rare_indptr, dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class PairSignals:
    """The evidence that two passages report the same facet, and the combined score."""

    cosine: float
    lexical: float
    anchors: float
    shared: tuple[str, ...]
    hours_apart: float | None
    score: float


def pair_signals(units: PassageUnits, i: int, j: int, settings: Settings) -> PairSignals:
    """Return the signals and score of passages ``i`` and ``j`` (the score clustering uses)."""
    cos = float(units.vector_rows(i) @ units.vector_rows(j))
    lex = float(units.lexical[i].multiply(units.lexical[j]).sum())
    a, b = _anchor_columns(units, i), _anchor_columns(units, j)
    shared = {units.words[c] for c in a & b}
    anchor = len(shared) / min(len(a), len(b)) if a and b else 0.0
    hours = _hours_apart(units.published[i], units.published[j])
    same_script = units.frame["script"][i] == units.frame["script"][j]
    score = combine(cos, lex, anchor, len(shared), hours, same_script, settings)
    if min(len(a), len(b)) >= 2 and not shared:
        score *= settings.anchor_conflict
    return PairSignals(cos, lex, anchor, tuple(sorted(shared)), hours, score)


def _anchor_columns(units: PassageUnits, row: int) -> set[int]:
    anchors = units.anchors
    return set(anchors.indices[anchors.indptr[row] : anchors.indptr[row + 1]].tolist())


def combine(
    cos: float | np.ndarray,
    lex: float | np.ndarray,
    anchor: float | np.ndarray,
    n_shared: int | np.ndarray,
    hours: float | np.ndarray | None,
    same_script: bool | np.ndarray,
    settings: Settings,
) -> float | np.ndarray:
    """Return the same-facet score in [0, 1] from the raw signals (scalars or arrays)."""
    cos_r = np.clip(
        (np.asarray(cos) - settings.embed_floor) / (settings.embed_ceiling - settings.embed_floor),
        0.0,
        1.0,
    )
    lex_r = np.clip(np.asarray(lex) / settings.lexical_ceiling, 0.0, 1.0)
    anchor_r = np.asarray(anchor) * np.minimum(1.0, np.asarray(n_shared) / 2.0)
    same = settings.weight_embedding * cos_r + settings.weight_lexical * lex_r
    same = same + settings.weight_anchors * anchor_r
    cross_r = np.clip(
        (np.asarray(cos) - settings.cross_embed_floor)
        / (settings.cross_embed_ceiling - settings.cross_embed_floor),
        0.0,
        1.0,
    )
    cross = 0.85 * cross_r + 0.15 * anchor_r
    score = np.where(np.asarray(same_script), same, cross)
    if hours is not None:
        h = np.asarray(hours, dtype=np.float64)
        far = np.nan_to_num(h, nan=0.0) > settings.time_window_days * 24
        score = np.where(far, score * 0.5, score)
    result = np.clip(score, 0.0, 1.0)
    return float(result) if result.ndim == 0 else result


def _hours_apart(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return abs((a - b).total_seconds()) / 3600


def _time_arrays(published: Sequence[datetime | None]) -> tuple[np.ndarray, ...]:
    """Return (wall-clock hours, UTC hours, has a zone) per row, NaN where unknown, so that
    hours apart are computed as :func:`_hours_apart` does, for whole arrays."""
    epoch = datetime(1970, 1, 1)
    wall = np.full(len(published), np.nan)
    instant = np.full(len(published), np.nan)
    aware = np.zeros(len(published), dtype=bool)
    for k, p in enumerate(published):
        if p is None:
            continue
        wall[k] = (p.replace(tzinfo=None) - epoch).total_seconds() / 3600
        if p.tzinfo is not None:
            aware[k] = True
            instant[k] = p.timestamp() / 3600
    return wall, instant, aware


NEIGHBOUR_BLOCK = 1 << 22  # document similarities taken at once (rows × documents)


def _document_partners(units: PassageUnits) -> dict[str, list[str]]:
    """Return the documents each document's passages are compared with: for each pair (a, b),
    a < b, b among a's partners (ascending). Every pair up to ALL_PAIRS_DOCS documents, else
    each document with its NEIGHBOURS nearest by mean passage vector. The similarities are
    taken NEIGHBOUR_BLOCK at a time and the pairs kept as integer codes: 1,024 rows at a time
    and a set of name tuples held about 2 GB at 100,000 articles."""
    groups = units.frame["group"].to_list()
    names = sorted(set(groups))
    if len(names) <= ALL_PAIRS_DOCS:
        return {a: names[k + 1 :] for k, a in enumerate(names[:-1])}
    index = {g: k for k, g in enumerate(names)}
    doc_vec = np.zeros((len(names), units.vectors.shape[1]), dtype=np.float32)
    for row, g in enumerate(groups):
        doc_vec[index[g]] += units.vectors[row]
    doc_vec /= np.linalg.norm(doc_vec, axis=1, keepdims=True) + 1e-9
    n = len(names)
    k = min(NEIGHBOURS + 1, n)
    step = max(1, min(1024, NEIGHBOUR_BLOCK // n))
    codes: list[np.ndarray] = []
    for start in range(0, n, step):
        sims = doc_vec[start : start + step] @ doc_vec.T
        top = np.argpartition(np.negative(sims, out=sims), k - 1, axis=1)[:, :k]
        del sims
        a = np.arange(start, start + len(top), dtype=np.int64)[:, None]
        low, high = np.minimum(a, top), np.maximum(a, top)
        codes.append((low * n + high)[low != high])
    partners: dict[str, list[str]] = {}
    for code in np.unique(np.concatenate(codes)).tolist():
        a, b = divmod(code, n)
        partners.setdefault(names[a], []).append(names[b])
    return partners


def score_all(
    units: PassageUnits, settings: Settings, *, within: bool = False, workers: int | None = None
) -> pl.DataFrame:
    """Return every passage pair from different documents (and, with ``within``, from the same
    document) scoring at least EDGE_FLOOR: columns i, j (row numbers) and score, in the order
    they were scored. The frame of :func:`score_matrix`'s pairs, for a few documents (``dedupe
    compare``); clustering keeps the matrix."""
    return score_matrix(units, settings, within=within, workers=workers).pairs()


def score_matrix(
    units: PassageUnits, settings: Settings, *, within: bool = False, workers: int | None = None
) -> ScoreMatrix:
    """Return the scores of every passage pair from different documents (and, with ``within``,
    from the same document) scoring at least EDGE_FLOOR. The signals behind a score are
    :func:`pair_signals` (one pair at a time): at 100,000 articles there are tens of millions
    of pairs, so only what clustering reads is kept.

    Each document is scored against all its partners at once (few large products, not many
    small ones), SPARSE_BLOCK documents per task; from PARALLEL_MIN_PASSAGES passages the tasks
    run on every core (``workers``, default all), which read the units by fork. The matrix is
    the same however the work is cut."""
    groups = units.frame["group"].to_list()
    rows_of: dict[str, list[int]] = {}
    for row, g in enumerate(groups):
        rows_of.setdefault(g, []).append(row)
    partners: dict[str, list[str]] = {}
    if within:
        partners = {g: [g] for g in sorted(rows_of) if len(rows_of[g]) > 1}
    else:
        partners = _document_partners(units)
    items = list(partners.items())
    blocks = [items[k : k + SPARSE_BLOCK] for k in range(0, len(items), SPARSE_BLOCK)]
    anchor_n = np.asarray(units.anchors.sum(axis=1)).ravel()
    context = _ScoringContext(
        units,
        settings,
        within,
        rows_of,
        np.asarray(units.frame["script"].to_list()),
        anchor_n,
        *_time_arrays(units.published),
    )
    if units.frame.height < PARALLEL_MIN_PASSAGES:
        workers = 1  # below this, worker processes cost more than they save
    # the rows in the order their pairs are scored (each document's rows, documents in the
    # order of ``items``), then the rows of documents scored from no other
    scored_first = [r for a, _ in items for r in rows_of[a]]
    unscored = np.ones(len(groups), dtype=bool)
    unscored[scored_first] = False
    order = np.concatenate([np.asarray(scored_first, dtype=np.int64), np.flatnonzero(unscored)])
    del scored_first, unscored
    collected = _ScoredRows(order)
    trim_heap()  # (what finding the partners freed, under the pairs to come)
    for done in imap_shared(_score_block, context, blocks, workers, 2, chunksize=SCORE_CHUNK):
        collected.add(*done)
    return collected.matrix()


PACKED_PAIRS = 1 << 20  # scored pairs packed together as they arrive (12 MiB of columns)


class _ScoredRows:
    """The pairs of :func:`score_matrix` as they arrive, made into a :class:`ScoreMatrix`.

    Each row's pairs arrive together, rows in the order given (a document's pairs are scored
    from its rows, one document after another), so they are the matrix's entries in order once
    each row is given its place in that order: no pair is sorted or placed, and only each
    pair's column and score are kept (12 bytes; the frame of rows, columns and scores was 16,
    and the matrix made from it another 12 while the frame was held: 1.8 GB at 100,000
    articles).

    The pairs are packed as they arrive, into parts of PACKED_PAIRS or more (a block's arrays
    are small, tens of kilobytes, and once freed they stayed in the heap), then copied into the
    matrix's arrays one part after another, each let go and the heap trimmed once copied: a
    part is carved from the free chunks the small arrays left, not mapped on its own, so once
    freed it stays resident until trimmed (untrimmed, the arrays and every part were held at
    once)."""

    def __init__(self, order: np.ndarray) -> None:
        n = len(order)
        self.order = order  # place → row
        self.place = np.empty(n, dtype=np.int64)  # row → place
        self.place[order] = np.arange(n)
        self.counts = np.zeros(n, dtype=np.int64)  # pairs per place
        self.last = -1  # the place of the latest row with pairs
        self.index = np.int32 if n < np.iinfo(np.int32).max else np.int64
        self.packed: list[tuple[np.ndarray, np.ndarray]] = []
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        self.waiting = 0

    def add(self, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> None:
        """Take one block's pairs (i, j, score): i's rows in order, each row's pairs together."""
        if not len(i):
            return
        at = self.place[i]
        starts = np.flatnonzero(np.diff(at, prepend=self.last))  # where each row's pairs begin
        if at[0] <= self.last or np.any(np.diff(at[starts]) <= 0):
            raise RuntimeError("a row's scored pairs arrived apart or out of order")
        self.counts[at[starts]] = np.diff(np.append(starts, len(at)))
        self.last = int(at[-1])
        self.pending.append((self.place[j].astype(self.index), s))
        self.waiting += len(i)
        if self.waiting >= PACKED_PAIRS:
            self._pack()

    def _pack(self) -> None:
        if self.pending:
            self.packed.append(tuple(np.concatenate(c) for c in zip(*self.pending, strict=True)))
            self.pending.clear()
            self.waiting = 0

    def matrix(self) -> ScoreMatrix:
        self._pack()
        n = len(self.order)
        total = sum(len(p[0]) for p in self.packed)
        index = self.index if total < np.iinfo(np.int32).max else np.int64
        indptr = np.zeros(n + 1, dtype=index)
        np.cumsum(self.counts, out=indptr[1:])
        indices = np.empty(total, dtype=index)
        data = np.empty(total, dtype=np.float64)
        start = 0
        self.packed.reverse()  # (popped from the end, first part first)
        while self.packed:
            columns, scores = self.packed.pop()
            indices[start : start + len(columns)] = columns
            data[start : start + len(scores)] = scores
            start += len(columns)
            del columns, scores
            trim_heap()
        scored = csr_matrix((data, indices, indptr), shape=(n, n))
        return ScoreMatrix(scored, self.order, self.place)


class _ScoringContext(NamedTuple):
    """What every block of :func:`score_all` reads (workers get it by fork)."""

    units: PassageUnits
    settings: Settings
    within: bool
    rows_of: dict[str, list[int]]  # document group → its passage rows
    scripts: np.ndarray
    anchor_n: np.ndarray  # anchors per passage
    wall: np.ndarray
    instant: np.ndarray
    aware: np.ndarray


def _score_block(
    ctx: _ScoringContext, block: list[tuple[str, list[str]]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (i, j, score) of the pairs of one block of documents (each with its partners)
    that reach EDGE_FLOOR, document by document. The sparse products are taken for the whole
    block (each costs a pass over the vocabulary, whatever its size), then read back per
    document. Thousands of small products: one BLAS thread each, as threads would wait on one
    another (and spin when another process is busy: 3x slower with one of two cores taken)."""
    units, rows_of = ctx.units, ctx.rows_of
    anchor_m = units.anchors
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    with threadpool_limits(1, user_api="blas"):
        block_a = np.concatenate([rows_of[a] for a, _ in block])
        block_b = np.unique(np.concatenate([rows_of[b] for _, others in block for b in others]))
        block_lex = (units.lexical[block_a] @ units.lexical[block_b].T).toarray()
        block_shared = (anchor_m[block_a] @ anchor_m[block_b].T).toarray().astype(np.float64)
        start = 0
        for a, others in block:
            ia = np.asarray(rows_of[a])
            ib = np.concatenate([rows_of[b] for b in others])
            at = np.searchsorted(block_b, ib)
            here = slice(start, start + len(ia))
            start += len(ia)
            lex, n_shared = block_lex[here][:, at], block_shared[here][:, at]
            cos = units.vector_rows(ia) @ units.vector_rows(ib).T
            sizes = np.minimum(ctx.anchor_n[ia][:, None], ctx.anchor_n[ib][None, :])
            sizes = sizes.astype(np.float64)
            anchor = np.divide(n_shared, sizes, out=np.zeros_like(n_shared), where=sizes > 0)
            a0 = ia[0]
            hours = np.where(
                ctx.aware[a0] & ctx.aware[ib],
                np.abs(ctx.instant[ib] - ctx.instant[a0]),
                np.abs(ctx.wall[ib] - ctx.wall[a0]),
            )[None, :]
            same = ctx.scripts[ia][:, None] == ctx.scripts[ib][None, :]
            score = combine(cos, lex, anchor, n_shared, hours, same, ctx.settings)
            # both name two or more rare things (people, places) and share none: other
            # occurrences
            score = np.where(
                (sizes >= 2) & (n_shared == 0), score * ctx.settings.anchor_conflict, score
            )
            keep = (score >= EDGE_FLOOR) & (ia[:, None] < ib[None, :] if ctx.within else True)
            x, y = np.nonzero(keep)
            if x.size:
                out_i.append(ia[x].astype(np.int32))
                out_j.append(ib[y].astype(np.int32))
                out_s.append(score[x, y])
    if not out_i:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.float64)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


@dataclass(frozen=True, slots=True)
class Clustering:
    """The cluster stage's output: events and the scored pairs they came from.

    Only the units' frame is kept (the passages that ``pairs``, ``members`` and ``facets``
    number), without its text: their vectors, lexical rows and anchors are done with once the
    events are made, and at 10,000 articles they held hundreds of megabytes through the facts
    and consistency stages; the texts are the corpus's (a document's text from start to end).
    """

    events: tuple[Event, ...]
    pairs: pl.DataFrame  # score_all's frame (i, j, score, each pair once) from pairs_floor up
    passages: pl.DataFrame  # PassageUnits.frame but its text: document, index, start, end, ...
    members: dict[str, list[int]] = field(default_factory=dict)  # event id → unit rows
    facets: dict[str, list[list[int]]] = field(default_factory=dict)  # event → aligned groups
    pairs_floor: float = 0.0  # the lowest score in ``pairs`` that was kept (see KEPT_PAIRS_FLOOR)


def cluster_events(
    corpus: Corpus,
    embedder: Embedder,
    settings: Settings,
    representative: dict[str, str] | None = None,
) -> Clustering:
    """Return the events of ``corpus``: average-link groups of aligned passages that span at
    least two independent documents (copies of one article count once)."""
    units = passage_units(corpus, embedder, representative)
    n = units.frame.height
    best = score_matrix(units, settings)
    # nothing after the scoring reads the lexical rows: 0.35 GB at 100,000 articles
    units = replace(units, lexical=csr_matrix((n, 0)))
    trim_heap()  # (what scoring freed, under the linkage)
    texts = corpus.texts()
    groups = units.frame["group"].to_list()
    frame = units.frame
    facets = [
        sorted(f)
        for f in _average_link(n, best, settings.align_threshold)
        if len({groups[r] for r in f}) >= 2
    ]
    # of the pairs, only those consistency reads are kept as a frame
    floor = min(settings.align_threshold, KEPT_PAIRS_FLOOR)
    pairs = best.pairs(floor)
    merged = _merge_facets(facets, units, groups, settings)
    merged = _join_events(merged, groups, best, settings.join_threshold)
    merged.sort(key=lambda fs: (-len({groups[r] for f in fs for r in f}), min(min(f) for f in fs)))
    events: list[Event] = []
    members: dict[str, list[int]] = {}
    facets_of: dict[str, list[list[int]]] = {}
    rows_of_group: dict[str, list[int]] = {}
    for row, g in enumerate(groups):
        rows_of_group.setdefault(g, []).append(row)
    joined: dict[str, dict[int, str]] = {}
    for event_facets in merged:
        eid = f"e{len(members) + 1}"
        aligned = sorted({r for f in event_facets for r in f})
        members[eid] = _attach(
            aligned,
            groups,
            rows_of_group,
            best,
            settings.attach_threshold,
            support=settings.attach_support,
        )
        facets_of[eid] = event_facets
        inside = set(aligned)
        joined[eid] = {r: "aligned" if r in inside else "attached" for r in members[eid]}
    placed = _place_across_scripts(members, units, rows_of_group, settings.crosslingual_margin)
    for eid, rows in placed.items():
        members[eid] = sorted({*members[eid], *rows})
        joined[eid].update(dict.fromkeys(rows, "crosslingual"))
    scripts = frame["script"].to_list()
    for eid, into in _folded_into(members, facets_of, groups, scripts).items():
        members[into] = sorted({*members[into], *members.pop(eid)})
        facets_of[into] += facets_of.pop(eid)
        joined[into] = {**joined.pop(eid), **joined[into]}
    members, facets_of, joined = _renumbered(members, facets_of, joined)
    if settings.continue_stories:
        span = settings.embed_ceiling - settings.embed_floor
        _continue_discourse(
            members,
            units,
            floor=settings.embed_floor,
            min_affinity=settings.embed_floor + settings.continue_threshold * span,
        )
    for eid, rows in members.items():
        docs = sorted({frame["document"][r] for r in rows}, key=_natural)
        refs = tuple(
            PassageRef(
                frame["document"][r],
                frame["start"][r],
                frame["end"][r],
                joined[eid].get(r, "continues"),
            )
            for r in sorted(rows, key=lambda r: (_natural(frame["document"][r]), r))
        )
        events.append(
            Event(
                id=eid,
                label=_label(rows, best, texts, frame),
                documents=tuple(docs),
                passages=refs,
                cohesion=_cohesion(rows, best),
            )
        )
    return Clustering(
        events=tuple(events),
        pairs=pairs,
        passages=frame,
        members=members,
        facets=facets_of,
        pairs_floor=floor if n else 0.0,
    )


CROSSLINGUAL_MIN_ROWS = 3  # passages in the event, and outside it, that the comparison needs
CROSSLINGUAL_OFF = 10.0  # a crosslingual_margin this high places nothing
CROSSLINGUAL_BLOCK = 256  # passages compared with every event at once (256 x events floats)


def _place_across_scripts(
    members: dict[str, list[int]],
    units: PassageUnits,
    rows_of: dict[str, list[int]],
    margin: float,
    *,
    min_rows: int = CROSSLINGUAL_MIN_ROWS,
) -> dict[str, list[int]]:
    """Return, per event, the passages in no event that join it from another script
    (``rows_of``: each document group's passages, in any script).

    Across scripts a multilingual model's cosines are squeezed together: a report in English
    and one in Arabic of the same facet score barely above two unrelated passages, so pairs
    rarely align and such a report stays out of its event. Each passage is therefore compared
    with whole events: its mean cosine to an event's passages in other scripts, minus its mean
    cosine to the other passages in those scripts, in standard deviations of all those
    cosines (z). A document's passages of one script join the event where their mean z is
    highest, if it reaches ``margin``; of them, those whose own z reaches it. Each event needs
    ``min_rows`` passages in the other scripts, and as many outside it, to compare.

    Closeness alone finds the nearest topic, not the same event: an English report of an
    earthquake no Arabic outlet covered is closest to the Arabic reports of a flood. So the
    document must also share with the event's passages one rare thing that is the event's own
    (:meth:`_CrossKeys.specific_shared`): a name, by its transliteration skeleton, or a number.

    Sums, not pairs: an event's mean is its passages' summed vector, and the spread comes from
    the second-moment matrix of the other scripts' passages, so a block of passages is
    compared with every event in two products. A corpus in one script, or a ``margin`` of
    CROSSLINGUAL_OFF or more, is returned at once.
    """
    frame = units.frame
    scripts = np.asarray(frame["script"].to_list())
    if not members or margin >= CROSSLINGUAL_OFF or len(set(scripts.tolist())) < 2:
        return {}
    groups = np.asarray(frame["group"].to_list())
    eids = list(members)
    indptr = np.cumsum([0, *(len(members[e]) for e in eids)])
    flat = np.fromiter((r for e in eids for r in members[e]), dtype=np.int64, count=indptr[-1])
    member = csr_matrix((np.ones(flat.size), flat, indptr), shape=(len(eids), len(scripts)))
    held = np.zeros(len(scripts), dtype=bool)
    held[flat] = True
    keys = _CrossKeys(units)
    placed: dict[str, list[int]] = {}

    def against(among: np.ndarray) -> tuple[np.ndarray, _Compared, Counter[str]]:
        """Return what free passages are compared with: the passages ``among`` (a row mask)."""
        rows = np.flatnonzero(among)
        return among, _Compared.of(units.vector_rows(rows), member[:, rows]), keys.counts(rows)

    def place(rows: np.ndarray, basis: tuple[np.ndarray, _Compared, Counter[str]]) -> None:
        """Decide the free passages ``rows`` (whole documents) against ``basis``."""
        among, compared, held_keys = basis
        z = compared.margins(units.vector_rows(rows), min_rows)
        for g in dict.fromkeys(groups[rows].tolist()):
            mine = groups[rows] == g
            event = int(np.argmax(z[mine].mean(axis=0)))
            if z[mine, event].mean() < margin:
                continue
            inside = member[event].indices
            if keys.specific_shared(rows_of[g], inside[among[inside]], held_keys):
                chosen = rows[mine][z[mine, event] >= margin]
                placed.setdefault(eids[event], []).extend(chosen.tolist())

    for script in sorted(set(scripts.tolist())):
        others = scripts != script
        free = np.flatnonzero(~held & ~others)
        if not free.size or int(others.sum()) < 2 * min_rows:
            continue
        free = free[np.argsort(groups[free], kind="stable")]  # each document's rows together
        # a document with passages in several scripts is not compared with its own
        mixed = np.isin(groups[free], groups[others])
        for g in dict.fromkeys(groups[free[mixed]].tolist()):
            place(free[groups[free] == g], against(others & (groups != g)))
        free = free[~mixed]
        compared = against(others)
        firsts = np.flatnonzero(np.r_[True, groups[free][1:] != groups[free][:-1]])
        bounds = np.append(firsts, free.size)
        cut = 0
        while cut < free.size:  # about CROSSLINGUAL_BLOCK rows at a time, whole documents
            end = bounds[min(np.searchsorted(bounds, cut + CROSSLINGUAL_BLOCK), bounds.size - 1)]
            place(free[cut:end], compared)
            cut = end
    return placed


def _folded_into(
    members: dict[str, list[int]],
    facets: dict[str, list[list[int]]],
    groups: list[str],
    scripts: list[str],
) -> dict[str, str]:
    """Return the events made only of alignments across scripts (each facet one passage per
    script, one document each) whose documents all report another event too, each with the
    largest such event: one translated paragraph that did align is part of its report's story
    once the report is placed, not an event of its own. Events aligned within a script are
    never folded: one roundup article reports many events."""
    docs = {eid: {groups[r] for r in rows} for eid, rows in members.items()}
    folded: dict[str, str] = {}
    for eid, event_facets in facets.items():
        if not all(
            len({scripts[r] for r in f}) == len({groups[r] for r in f}) == len(f) >= 2
            for f in event_facets
        ):
            continue
        hosts = [
            other
            for other in members
            if other != eid and other not in folded and docs[eid] <= docs[other]
        ]
        if hosts:
            folded[eid] = max(hosts, key=lambda other: (len(docs[other]), -_natural(other)[0]))
    return folded


def _renumbered(
    members: dict[str, list[int]],
    facets: dict[str, list[list[int]]],
    joined: dict[str, dict[int, str]],
) -> tuple[dict[str, list[int]], dict[str, list[list[int]]], dict[str, dict[int, str]]]:
    """Return the three tables with the events numbered e1, e2... in their order."""
    new = {eid: f"e{k}" for k, eid in enumerate(members, 1)}
    return (
        {new[e]: rows for e, rows in members.items()},
        {new[e]: f for e, f in facets.items()},
        {new[e]: j for e, j in joined.items()},
    )


class _CrossKeys:
    """What a passage's rare words and numbers (its anchors) can share with a passage in another
    script: a number of two or more digits, in any script's digits; a word by its
    transliteration skeleton when that has three consonant classes or more (shorter ones match
    by chance)."""

    def __init__(self, units: PassageUnits) -> None:
        self._anchors = units.anchors.tocsr()
        self._words = units.words
        self._rows: dict[int, frozenset[str]] = {}

    def of(self, row: int) -> frozenset[str]:
        found = self._rows.get(row)
        if found is None:
            lo, hi = self._anchors.indptr[row], self._anchors.indptr[row + 1]
            columns = self._anchors.indices[lo:hi].tolist()
            found = frozenset(_cross_key(self._words[c]) for c in columns) - {""}
            self._rows[row] = found
        return found

    def counts(self, rows: np.ndarray) -> Counter[str]:
        """Return, per key, how many of ``rows`` hold it."""
        return Counter(k for r in rows.tolist() for k in self.of(r))

    def specific_shared(self, rows: list[int], event: np.ndarray, held: Counter[str]) -> bool:
        """True when a key of the passages ``rows`` is held by the event's passages ``event``
        at least as often as by the other compared passages (``held``: per key, how many of
        all the compared passages hold it)."""
        mine = set().union(*(self.of(r) for r in rows))
        inside = Counter(k for r in event.tolist() for k in self.of(r) if k in mine)
        return any(2 * n >= held[k] for k, n in inside.items())


@lru_cache(maxsize=500_000)
def _cross_key(word: str) -> str:
    if word.isdecimal():  # any script's digits, read one by one (int() refuses long ones)
        digits = "".join(str(unicodedata.digit(c)) for c in word).lstrip("0") or "0"
        return f"#{digits}" if len(word) >= 2 else ""
    key = skeleton(word).replace(" ", "")
    return key if len(key) >= 3 else ""


class _Compared(NamedTuple):
    """Passages in other scripts that free passages are compared with, summed per event."""

    sums: np.ndarray  # (events, dim): each event's summed vectors
    counts: np.ndarray  # (events,): each event's passages among them
    total: np.ndarray  # (dim,): all their vectors summed
    moment: np.ndarray  # (dim, dim): the sum of their vectors' outer products
    size: int

    @classmethod
    def of(cls, vectors: np.ndarray, member: csr_matrix) -> _Compared:
        return cls(
            sums=np.asarray(member @ vectors),
            counts=np.asarray(member.sum(axis=1)).ravel(),
            total=vectors.sum(axis=0, dtype=np.float64),
            moment=(vectors.T @ vectors).astype(np.float64),
            size=vectors.shape[0],
        )

    def margins(self, block: np.ndarray, min_rows: int) -> np.ndarray:
        """Return z, (rows of ``block``, events): the mean cosine to the event's passages
        minus the mean to the others, over the standard deviation of the cosines to all;
        -inf where the event has fewer than ``min_rows`` of them inside or outside."""
        inside = block @ self.sums.T
        every = block @ self.total
        outside_n = self.size - self.counts
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_in = inside / self.counts
            mean_out = (every[:, None] - inside) / outside_n
            mean_all = every / max(self.size, 1)
            variance = np.einsum("ij,jk,ik->i", block, self.moment, block) / max(self.size, 1)
            spread = np.sqrt(np.maximum(variance - mean_all**2, 0.0))
            z = (mean_in - mean_out) / spread[:, None]
        usable = (self.counts >= min_rows) & (outside_n >= min_rows)
        z[:, ~usable] = -np.inf
        z[~np.isfinite(z)] = -np.inf
        return z


def _continue_discourse(
    members: dict[str, list[int]],
    units: PassageUnits,
    *,
    floor: float,
    min_affinity: float,
) -> None:
    """Give each passage that no event holds the events of the passages around it, in place.

    A news article tells a story over consecutive paragraphs: background, quotes and reactions
    between or after the paragraphs that align with other outlets belong to the same event
    even when no other outlet says the same. A passage joins the events of the passages it is
    wedged between, and those of the passage before it when no event holds the next one (the
    story runs on), repeated so a run of such passages follows the story.
    Its embedding must share something with the neighbour's (cosine above ``floor``); to run
    on, it must also be about the event: as close as ``min_affinity`` to one of the event's
    passages in another outlet. Adjacent paragraphs of one article are close whatever they
    say, so closeness to the neighbour alone lets "in other news" items join.
    """
    docs = units.frame["document"].to_list()
    groups = units.frame["group"].to_list()
    n = len(docs)
    held: dict[int, set[str]] = {}
    for eid, rows in members.items():
        for r in rows:
            held.setdefault(r, set()).add(eid)
    core = {eid: np.array(rows) for eid, rows in members.items()}

    def around(r: int, step: int) -> set[str] | None:
        k = r + step
        return held.get(k, set()) if 0 <= k < n and docs[k] == docs[r] else None

    def close(r: int, k: int) -> bool:
        return float(units.vector_rows(r) @ units.vector_rows(k)) > floor

    def about(r: int, eid: str) -> bool:
        other = [k for k in core[eid] if groups[k] != groups[r]]
        return bool(other) and float((units.vector_rows(other) @ units.vector_rows(r)).max()) >= (
            min_affinity
        )

    changed = True
    while changed:
        changed = False
        for r in range(n):
            if r in held:
                continue
            before, after = around(r, -1), around(r, 1)
            joined: set[str] = set()
            if before and after and before & after:
                if close(r, r - 1) or close(r, r + 1):
                    joined = before & after
            elif before and not after and close(r, r - 1):
                joined = {eid for eid in before if about(r, eid)}
            if joined:
                held[r] = joined
                for eid in joined:
                    members[eid].append(r)
                changed = True
    for eid in members:
        members[eid] = sorted(set(members[eid]))


def pair_codes(pairs: pl.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, scores) of the scored pairs of ``pairs`` (columns i, j, score over n
    rows): code = low row × n + high row, sorted ascending, one per pair (a pair scored twice
    keeps its last score). In numpy: polars' unique and sort on tens of millions of rows held
    about a gigabyte at 10,000 articles."""
    i = pairs["i"].to_numpy()
    j = pairs["j"].to_numpy()
    codes = np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j)
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    last = np.ones(len(codes), dtype=bool)
    last[:-1] = codes[1:] != codes[:-1]
    return codes[last], pairs["score"].to_numpy()[order[last]]


PAIR_READ_BLOCK = 1 << 20  # pairs read from a score matrix at once (their rows: 16 MB)


@dataclass(frozen=True, slots=True)
class ScoreMatrix:
    """The scores of the scored pairs of n passage rows, looked up by row sets (unscored pairs:
    0), and read as pairs a block at a time.

    Each pair is held once, as it was scored: in ``scored``, whose rows and columns are places,
    row p holding the pairs scored from row ``order[p]`` (see :class:`_ScoredRows`). The
    symmetric matrix is made only for the rows asked for: held whole, its two triangles took
    1.1 GB at 100,000 articles (47 million pairs)."""

    scored: csr_matrix  # (n, n) over places: each pair once, either way round
    order: np.ndarray  # place → row
    place: np.ndarray  # row → place

    @classmethod
    def of(cls, i: np.ndarray, j: np.ndarray, s: np.ndarray, n: int) -> ScoreMatrix:
        """Return the matrix of the pairs (i, j, s) over n rows, each pair once (either way
        round), rows at their own places."""
        rows = np.arange(n)
        return cls(csr_matrix((s, (i, j)), shape=(n, n)), rows, rows)

    @property
    def n(self) -> int:
        return self.scored.shape[0]

    def __len__(self) -> int:
        return self.scored.nnz

    def between(self, rows: Sequence[int], cols: Sequence[int]) -> csr_matrix:
        """Return the scores of ``rows`` × ``cols`` (a row and a column may be the same row:
        0), columns ascending within a row when ``cols`` is."""
        u = self.scored
        r = self.place[np.asarray(rows, dtype=np.int64)]
        c = self.place[np.asarray(cols, dtype=np.int64)]
        out = (u[r][:, c] + u[c][:, r].T).tocsr()
        out.sort_indices()
        return out

    def grouped(self, member: csr_matrix) -> csr_matrix:
        """Return member @ S @ member.T for the symmetric score matrix S (member: k × n)."""
        member = member[:, self.order]  # (its columns by place)
        half = member @ self.scored @ member.T
        return (half + half.T).tocsr()

    def take(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the rows, columns and scores (i, j, s) of the pairs numbered ``at`` (their
        places in ``scored``'s entries)."""
        u = self.scored
        places = np.searchsorted(u.indptr, at, side="right") - 1
        return self.order[places], self.order[u.indices[at]], u.data[at]

    def block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (i, j, s) of the pairs numbered start to stop."""
        return self.take(np.arange(start, min(stop, len(self))))

    def pairs(self, floor: float = -math.inf) -> pl.DataFrame:
        """Return the pairs scoring ``floor`` or more as a frame (i, j, score), in the order
        they were scored, PAIR_READ_BLOCK at a time."""
        parts = []
        for start in range(0, len(self), PAIR_READ_BLOCK):
            data = self.scored.data[start : start + PAIR_READ_BLOCK]
            at = np.flatnonzero(data >= floor) + start
            parts.append(self.take(at))
        if not parts:
            return score_all_empty()
        i, j, s = (np.concatenate(c) for c in zip(*parts, strict=True))
        columns = {"i": i.astype(np.int32), "j": j.astype(np.int32), "score": s}
        return pl.DataFrame(columns, schema=PAIR_SCHEMA)


@dataclass(frozen=True, slots=True)
class PairArrays:
    """Scored pairs as three arrays (i, j, s), read as :class:`ScoreMatrix` is."""

    i: np.ndarray
    j: np.ndarray
    s: np.ndarray

    @classmethod
    def of(cls, pairs: pl.DataFrame) -> PairArrays:
        return cls(pairs["i"].to_numpy(), pairs["j"].to_numpy(), pairs["score"].to_numpy())

    def __len__(self) -> int:
        return len(self.i)

    def take(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.i[at], self.j[at], self.s[at]

    def block(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        part = slice(start, stop)
        return self.i[part], self.j[part], self.s[part]


Pairs = ScoreMatrix | PairArrays  # what average link reads


def _placed(keys: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Return where each of one block's ``keys`` goes in an array grouped by key: its key's
    next free places, in the block's order within a key (``free``: each key's next free place,
    moved on past the block). Placing blocks one after another is a stable counting sort."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    at = np.empty(len(keys), dtype=np.int64)
    at[order] = free[ranked] + (np.arange(len(keys)) - np.searchsorted(ranked, ranked))
    free += np.bincount(keys, minlength=len(free))
    return at


def _attach(
    aligned: list[int],
    groups: list[str],
    rows_of_group: dict[str, list[int]],
    best: ScoreMatrix,
    threshold: float,
    *,
    support: int = 1,
) -> list[int]:
    """Return ``aligned`` plus the other passages of the event's documents that report it too:
    those whose mean score against the event's passages in other documents reaches
    ``threshold``.

    The mean is taken over at least ``support`` passages (those the event lacks count as
    unmatched), so an event seen in one or two passages elsewhere needs stronger pairs: over a
    single passage, every kept pair (EDGE_FLOOR or more) would pass a threshold below the
    floor, and one wrong alignment would take in most of both articles."""
    members = set(aligned)
    inside = np.asarray(aligned)
    inside_group = np.asarray([groups[r] for r in aligned])
    for g in dict.fromkeys(inside_group.tolist()):
        others = inside[inside_group != g]
        candidates = [r for r in rows_of_group[g] if r not in members]
        if not others.size or not candidates:
            continue
        totals = np.asarray(best.between(candidates, others).sum(axis=1)).ravel()
        means = totals / max(others.size, support)
        members.update(r for r, m in zip(candidates, means, strict=True) if m >= threshold)
    return sorted(members)


def _merge_facets(
    facets: list[list[int]],
    units: PassageUnits,
    groups: list[str],
    settings: Settings,
) -> list[list[list[int]]]:
    """Return facets grouped into events: average link on a facet similarity that needs both
    the same documents (overlap coefficient of their document sets, two or more in common) and
    close content (cosine of the facets' centroid vectors, rescaled from the embedding floor)."""
    if len(facets) < 2:
        return [[f] for f in facets]
    names = {g: k for k, g in enumerate(dict.fromkeys(groups))}
    k = len(facets)
    doc_sets = [{names[groups[r]] for r in f} for f in facets]
    incidence = csr_matrix(
        (
            np.ones(sum(len(d) for d in doc_sets), dtype=np.float32),
            [d for ds in doc_sets for d in sorted(ds)],
            np.cumsum([0, *(len(d) for d in doc_sets)]),
        ),
        shape=(k, len(names)),
    )
    common = (incidence @ incidence.T).tocoo()  # documents two facets share (sparse)
    keep = (common.row < common.col) & (common.data >= 2)
    x, y, shared = common.row[keep], common.col[keep], common.data[keep]
    centroids = np.stack([units.vector_rows(f).mean(axis=0) for f in facets])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-9
    sizes = np.array([len(d) for d in doc_sets], dtype=np.float64)
    overlap = shared / np.minimum(sizes[x], sizes[y])
    span = (settings.embed_ceiling - settings.embed_floor) / 2
    cosines = _row_dots(centroids, x, y)
    related = np.clip((cosines - settings.embed_floor) / span, 0.0, 1.0)
    similar = pl.DataFrame({"i": x, "j": y, "score": overlap * related})
    merged = _average_link(k, similar.filter(pl.col("score") > 0), settings.event_threshold)
    out = [[facets[m] for m in sorted(members)] for members in merged]
    alone = set(range(k)) - {m for members in merged for m in members}
    out.extend([facets[m]] for m in sorted(alone))
    return out


PAIR_BLOCK = 8192  # row pairs whose vectors are gathered at once


def _row_dots(vectors: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the dot product of rows x[k] and y[k] of ``vectors`` for every k, gathering
    PAIR_BLOCK pairs at a time: at 10,000 articles the facets that share documents make
    76,000 pairs, whose gathered vectors held 150 MB."""
    out = np.empty(len(x), dtype=vectors.dtype)
    for start in range(0, len(x), PAIR_BLOCK):
        part = slice(start, start + PAIR_BLOCK)
        out[part] = np.einsum("ij,ij->i", vectors[x[part]], vectors[y[part]])
    return out


def _join_events(
    events: list[list[list[int]]],
    groups: list[str],
    best: ScoreMatrix,
    threshold: float,
) -> list[list[list[int]]]:
    """Return ``events`` (each a list of facets) with the events that share a document joined:
    average link on the mean score of all their passage pairs across documents (unscored pairs
    count 0), at ``threshold``; above 1 nothing joins.

    The facet merge needs two documents in common, since one roundup article reports many
    events; so an event whose facets meet in only one article stays split. Here the passages
    themselves must agree, on average over every pair, not on one strong pair or one shared
    name; events sharing no document never join, and a group of joined events must reach the
    threshold on average over all its events, so joins do not chain."""
    k = len(events)
    if k < 2 or threshold > 1.0:
        return events
    rows = [sorted({r for f in event for r in f}) for event in events]
    names = {g: d for d, g in enumerate(dict.fromkeys(groups))}
    indptr = np.cumsum([0, *(len(r) for r in rows)])
    flat = np.fromiter((r for rs in rows for r in rs), dtype=np.int64, count=int(indptr[-1]))
    ones = np.ones(flat.size, dtype=np.float64)
    member = csr_matrix((ones, flat, indptr), shape=(k, best.n))
    docs = np.fromiter((names[groups[r]] for r in flat), dtype=np.int64, count=flat.size)
    per_doc = csr_matrix((ones, docs, indptr), shape=(k, len(names)))  # rows per document
    same_doc = (per_doc @ per_doc.T).tocoo()  # pairs of rows in one document, per event pair
    keep = same_doc.row < same_doc.col
    x, y, inside = same_doc.row[keep], same_doc.col[keep], same_doc.data[keep]
    if not x.size:
        return events
    sizes = np.diff(indptr).astype(np.float64)
    across = sizes[x] * sizes[y] - inside  # the pairs whose passages are in different documents
    totals = np.asarray(best.grouped(member)[x, y]).ravel()
    mean = np.divide(totals, across, out=np.zeros_like(totals), where=across > 0)
    similar = pl.DataFrame({"i": x, "j": y, "score": mean})
    joined = _average_link(k, similar.filter(pl.col("score") > 0), threshold)
    out = [[f for m in sorted(members) for f in events[m]] for members in joined]
    alone = set(range(k)) - {m for members in joined for m in members}
    out.extend(events[m] for m in sorted(alone))
    return out


def score_all_empty() -> pl.DataFrame:
    """Return an empty pair frame."""
    return pl.DataFrame(schema=PAIR_SCHEMA)


def _average_link(n: int, pairs: pl.DataFrame | Pairs, threshold: float) -> list[list[int]]:
    """Return the groups of two or more rows that average link on ``pairs`` (unscored pairs
    count 0) joins at ``threshold``: each connected component of the pairs on its own, those
    larger than MAX_COMPONENT first split (see :func:`_parts`). The pairs are read a block at
    a time, so a score matrix is not made into arrays of every pair's rows."""
    if isinstance(pairs, pl.DataFrame):
        pairs = PairArrays.of(pairs)
    if n == 0 or len(pairs) == 0:
        return []
    return _link_parts(_parts(n, pairs, threshold), pairs, threshold)


def _parts(n: int, pairs: Pairs, threshold: float) -> np.ndarray:
    """Return a part number for each of the n rows: the connected components of the pairs,
    with each component of more than MAX_COMPONENT rows cut into the components of its pairs
    at ever higher scores, until it falls apart into parts of at most MAX_COMPONENT rows (or
    the cut reaches 1.0: then its parts are kept as they are). Parts are numbered in the order
    of their components, and a component's parts in the order of their first rows.

    All oversized components are cut in one pass over the pairs per score level, and the
    parts are found before any pair is sorted: at 100,000 articles one component holds nearly
    all 47 million pairs, and sorting them once per component and again per part held two
    sorted copies of them at once."""
    labels = _components(n, pairs)
    sizes = np.bincount(labels[_linked_rows(n, pairs)], minlength=int(labels.max()) + 1)
    open_ = sizes > MAX_COMPONENT  # components still to cut
    if not open_.any():
        return labels
    sub = np.zeros(n, dtype=np.int64)  # each row's part within its component
    cut = threshold
    while open_.any():
        cut = min(cut + 0.05, 1.0)  # (0.5 + ten steps is 1.0000000000000004: no pair at all)
        pieces = _components(n, pairs, among=open_[labels], cut=cut)
        rows = np.flatnonzero(open_[labels])
        largest = np.zeros(len(open_), dtype=np.int64)  # per component: its largest part
        np.maximum.at(largest, labels[rows], np.bincount(pieces[rows])[pieces[rows]])
        done = open_ & ((largest <= MAX_COMPONENT) | (cut >= 1.0))
        settled = rows[done[labels[rows]]]
        sub[settled] = pieces[settled] + 1
        open_ &= ~done
    # (component, part) → one number, in that order
    key = labels.astype(np.int64) * (n + 1) + sub
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(labels.dtype)


COMPONENT_BLOCK = 1 << 20  # pairs joined into the components at once


def _components(
    n: int, pairs: Pairs, *, among: np.ndarray | None = None, cut: float | None = None
) -> np.ndarray:
    """Return the connected component of each of n rows under the pairs, numbered in the order
    of their first rows, as scipy numbers them; with ``among`` (a flag per row) only the pairs
    whose rows it flags, with ``cut`` only those scoring ``cut`` or more. The pairs are joined
    COMPONENT_BLOCK at a time, each block on the components of those before it: scipy's graph
    of all 47 million pairs of 100,000 articles, with its copies and transpose, took 1.5 GB."""
    labels = np.arange(n, dtype=np.int32)
    for start in range(0, len(pairs), COMPONENT_BLOCK):
        i, j, s = pairs.block(start, start + COMPONENT_BLOCK)
        a, b = labels[i], labels[j]
        if among is not None or cut is not None:  # (unfiltered: the pairs as they are)
            chosen = np.ones(len(a), dtype=bool) if among is None else among[i]
            if cut is not None:
                chosen &= s >= cut
            a, b = a[chosen], b[chosen]
        # (bool: the many pairs between two components so far add up to True; int8 ones wrap
        # round to an explicit 0 every 256, an edge only by csgraph's rule for stored zeros)
        graph = csr_matrix((np.ones(len(a), dtype=bool), (a, b)), shape=(n, n))
        # scipy numbers the components by their first node: the first row's component, as the
        # nodes are the components so far, numbered the same way
        labels = connected_components(graph, directed=False)[1][labels]
    return labels


def _linked_rows(n: int, pairs: Pairs) -> np.ndarray:
    """Return the rows that are in at least one pair, ascending."""
    seen = np.zeros(n, dtype=bool)
    for start in range(0, len(pairs), COMPONENT_BLOCK):
        i, j, _ = pairs.block(start, start + COMPONENT_BLOCK)
        seen[i] = True
        seen[j] = True
    return np.flatnonzero(seen)


def _link_parts(parts: np.ndarray, pairs: Pairs, threshold: float) -> list[list[int]]:
    """Average-link the rows of each part (rows sharing a number of ``parts``) on the pairs
    inside it, parts in ascending number; a part still larger than MAX_COMPONENT is one group
    as it is (its pairs held together at the highest cut).

    The numbers of the pairs inside a part are placed by part LINK_BLOCK pairs at a time (a
    counting sort, int32 below 2**31 pairs), and each part's pairs are gathered from them when
    their turn comes. With argsort's int64 order of all the pairs and a sorted copy of their
    part numbers, this step peaked 1,004 MiB above the memory before it at 100,000 articles
    (47 million pairs); now 82 (bench/memory.py --steps)."""
    n_parts = int(parts.max()) + 1 if len(parts) else 0
    counts = np.zeros(n_parts, dtype=np.int64)
    for start in range(0, len(pairs), LINK_BLOCK):
        counts += np.bincount(_pair_parts(parts, pairs, start)[0], minlength=n_parts)
    bounds = np.concatenate([[0], np.cumsum(counts)])  # part k's pairs: bounds[k]:bounds[k + 1]
    free = bounds[:-1].copy()  # each part's next free place
    order = np.empty(int(counts.sum()), dtype=np.int32 if len(pairs) < 2**31 else np.int64)
    for start in range(0, len(pairs), LINK_BLOCK):
        keys, inside = _pair_parts(parts, pairs, start)
        order[_placed(keys, free)] = inside
    clusters: list[list[int]] = []
    local = np.full(len(parts), -1)
    for part in np.flatnonzero(counts).tolist():
        pi, pj, ps = pairs.take(order[bounds[part] : bounds[part + 1]])
        rows = np.unique(np.concatenate([pi, pj]))
        clusters.extend(_link_part(rows, pi, pj, ps, threshold, local))
    return clusters


LINK_BLOCK = 1 << 20  # pairs placed by part at once


def _pair_parts(parts: np.ndarray, pairs: Pairs, start: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the part of each pair of the LINK_BLOCK from ``start`` that lies inside one part,
    and the numbers of those pairs."""
    i, j, _ = pairs.block(start, start + LINK_BLOCK)
    a, b = parts[i], parts[j]
    inside = np.flatnonzero(a == b)
    return a[inside], (inside + start).astype(np.int32 if len(pairs) < 2**31 else np.int64)


def _link_part(
    rows: np.ndarray,
    pi: np.ndarray,
    pj: np.ndarray,
    ps: np.ndarray,
    threshold: float,
    local: np.ndarray,
) -> list[list[int]]:
    """Average-link one part: ``rows`` (ascending) and its pairs ``pi, pj, ps``, in any order
    (``local``: scratch of one int per row of the whole matrix). Above MAX_COMPONENT rows, the
    part is one group as it is."""
    if len(rows) > MAX_COMPONENT:
        return [rows.tolist()]
    m = len(rows)
    local[rows] = np.arange(m)
    a = np.minimum(local[pi], local[pj])
    b = np.maximum(local[pi], local[pj])
    # the condensed distance matrix, written directly: a dense m × m one is 8 m² bytes
    condensed = np.ones(m * (m - 1) // 2)
    condensed[m * a - a * (a + 1) // 2 + b - a - 1] = 1.0 - ps
    tree = linkage(condensed, method="average")
    flat = fcluster(tree, t=1.0 - threshold, criterion="distance")
    out = []
    for lab in np.unique(flat):
        members = rows[flat == lab]
        if len(members) > 1:
            out.append(members.tolist())
    return out


def _within(rows: list[int], best: ScoreMatrix) -> dict[int, float]:
    """Return each row's summed score against the other rows (pairs inside the group)."""
    totals = np.asarray(best.between(rows, rows).sum(axis=1)).ravel()
    return dict(zip(rows, totals.tolist(), strict=True))


def _cohesion(rows: list[int], best: ScoreMatrix) -> float:
    """Return the mean score of the scored pairs inside ``rows``."""
    inside = triu(best.between(rows, rows), k=1)
    return float(inside.data.mean()) if inside.nnz else 0.0


def _label(
    rows: list[int], best: ScoreMatrix, texts: Mapping[str, str], frame: pl.DataFrame
) -> str:
    """Return the opening of the passage of ``rows`` that scores highest against the others
    (``frame``: the units' rows, their text is the document's from start to end)."""
    totals = _within(rows, best)
    top = max(rows, key=lambda r: (totals[r], -r))
    text = " ".join(texts[frame["document"][top]][frame["start"][top] : frame["end"][top]].split())
    for stop in (".", "؟", "!", "،"):
        cut = text.find(stop, 40)
        if 0 < cut < 140:
            text = text[: cut + (1 if stop != "،" else 0)]
            break
    return text if len(text) <= 140 else text[:139].rstrip() + "…"


def _natural(doc_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in doc_id if ch.isdigit())
    return (int(digits) if digits else 0, doc_id)
