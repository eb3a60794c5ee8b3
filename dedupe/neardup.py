"""Near-duplicate stage: copies and near-copies of documents, and passages reused verbatim.

datasketch MinHash over word shingles of the Arabic-aware matching form; candidate pairs are the
units that share an LSH band bucket (band keys as a polars frame for :func:`candidate_pairs`, or
sorted numpy arrays inside :func:`find_duplicates`), every pair is verified by its estimated
Jaccard before it is linked, and groups are connected components of verified links only (never
of raw band collisions).

For speed, :func:`find_duplicates` tokenizes each chunk of documents once (a per-process
lexicon of word forms, see :class:`_Lexicon`), hashes every shingle once for its document and its
passage, and applies the MinHash permutations with numpy for all shingles at once; the results
are the same as :func:`shingle_hashes` and ``MinHash.update_batch`` (the tests check it).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedupe.models import Corpus, DuplicateGroup
from dedupe.parallel import map_items
from dedupe.settings import Settings
from dedupe.text import (
    _ARTICLE_PREFIXES,
    _ASCII_OR_ARABIC,
    _BARE_PREFIXES,
    _DROP,
    _TABLE,
    _WORD,
    ARABIC_LETTER,
    _clitic_options,
    normalize,
    stems,
    vocabulary,
)

MAX_BUCKET = 500  # a band bucket larger than this is boilerplate shared by many texts


def datasketch_version() -> str:
    """Return the installed datasketch version (recorded next to every stored signature)."""
    from importlib.metadata import version

    return version("datasketch")


@lru_cache(maxsize=64)
def _bands_rows(threshold: float, num_perm: int) -> tuple[int, int]:
    """Return datasketch's (bands, rows) for ``threshold`` (it integrates, so once each)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


@dataclass(frozen=True, slots=True)
class MinHashParams:
    """Everything that changes a signature or a band key; stored with signatures."""

    num_perm: int
    seed: int
    scheme: str
    shingle_size: int
    bands: int
    rows: int
    datasketch: str
    hashfunc: str = "sha1-64 per word, multiply-add mixed per shingle, low 32 bits"
    tokens: str = "clitic-stripped normalized words"

    @classmethod
    def from_settings(cls, settings: Settings, threshold: float | None = None) -> MinHashParams:
        """Return the parameters for ``settings``; bands/rows minimise FP+FN at ``threshold``."""
        bands, rows = _bands_rows(threshold or settings.near_duplicate_threshold, settings.num_perm)
        return cls(
            num_perm=settings.num_perm,
            seed=settings.minhash_seed,
            scheme=settings.minhash_scheme,
            shingle_size=settings.shingle_size,
            bands=bands,
            rows=rows,
            datasketch=datasketch_version(),
        )

    def to_dict(self) -> dict[str, object]:
        """Return the parameters as JSON-ready values."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip
PARALLEL_MIN_TEXTS = 400  # below this, worker processes cost more than they save
# characters of text in one worker's job at most: a job's tokens, their hashes and signatures
# are its worker's memory, and cut in eight jobs the 100,000 articles made jobs of 12,500
# articles, which took the two workers 2.4 GB above the parent (bench/memory.py, tree peak)
SIGN_JOB_CHARS = 4_000_000


@lru_cache(maxsize=1_000_000)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.sha1(word.encode("utf-8")).digest()[:8], "little")


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """Return the distinct 32-bit hashes of the ``size``-word shingles of ``text`` in matching
    form (clitics split per the text's own vocabulary). Each word is hashed once (SHA-1,
    cached) and a shingle's hash mixes its words' hashes, so no shingle string is built."""
    return _hash_words(stems(text, vocabulary(text)), size)


def _hash_words(words: Sequence[str], size: int) -> np.ndarray:
    if not words:
        return np.zeros(0, dtype=np.uint32)
    h = np.fromiter((_word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    width = min(size, len(h))
    return np.unique(_mix(h, width)[: len(h) - width + 1])


_UNMARK = str.maketrans(dict.fromkeys(_DROP))  # strip_marks as one translation table
_CLITIC_FIRST = frozenset(p[0] for p in (*_ARTICLE_PREFIXES, *_BARE_PREFIXES))


def _surface_forms(surface: str) -> tuple[str, str, bool]:
    """Return what ``dedupe.text._forms`` returns for one word (marks stripped, normalized,
    starts with an Arabic letter), stripping marks with one translation table."""
    bare = surface.translate(_UNMARK)
    return bare, normalize(bare), bool(ARABIC_LETTER.match(bare))


def _all_forms(surfaces: list[str]) -> tuple[list[str], list[str], list[bool]]:
    """Return the marks-stripped and the normalized form of every word of ``surfaces``, as
    :func:`_surface_forms` does, and whether the word is plain: ASCII and Arabic letters only
    (the fast path of :func:`dedupe.text.normalize`). Plain words are translated as one string
    (both steps map characters one by one, and a newline is in no word), and the normalized
    form of a plain word is aligned with its stripped form, character by character."""
    bares, norms = [""] * len(surfaces), [""] * len(surfaces)
    aligned = [False] * len(surfaces)
    plain = []
    for i, surface in enumerate(surfaces):
        if _ASCII_OR_ARABIC.fullmatch(surface):
            plain.append(i)
        else:
            bares[i], norms[i], _ = _surface_forms(surface)
    if not plain:
        return bares, norms, aligned
    joined = "\n".join([surfaces[i] for i in plain]).translate(_UNMARK)
    for i, bare, norm in zip(
        plain, joined.split("\n"), joined.translate(_TABLE).lower().split("\n"), strict=True
    ):
        bares[i], norms[i], aligned[i] = bare, norm, True
    return bares, norms, aligned


_ARTICLES_BY_FIRST = {c: tuple(p for p in _ARTICLE_PREFIXES if p[0] == c) for c in _CLITIC_FIRST}
_BARE_BY_FIRST = {c: tuple(p for p in _BARE_PREFIXES if p[0] == c) for c in _CLITIC_FIRST}
_INNER_ARTICLES = tuple(a for a in _ARTICLE_PREFIXES if a.startswith("ال"))
_BEFORE_ARTICLE = frozenset(("و", "ف", "ب", "ك"))  # as in dedupe.text._clitic_options


def _clitic_splits(bare: str) -> tuple[int, list[tuple[int, int]]]:
    """Return what :func:`dedupe.text._clitic_options` finds in ``bare`` (a word starting with
    a letter of ``_CLITIC_FIRST``), as lengths: the article's (0: none) or, for each bare
    proclitic, its length and that of the article after it (0: none). Looks only at the
    prefixes that start with the word's first letter, which keeps their order."""
    n = len(bare)
    first = bare[0]
    for p in _ARTICLES_BY_FIRST[first]:
        if n - len(p) >= 2 and bare.startswith(p):
            return len(p), []
    options = []
    for p in _BARE_BY_FIRST[first]:
        if n - len(p) >= 3 and bare.startswith(p):
            inner = 0
            if p in _BEFORE_ARTICLE:
                for a in _INNER_ARTICLES:
                    if n - len(p) - len(a) >= 2 and bare.startswith(a, len(p)):
                        inner = len(a)
                        break
            options.append((len(p), inner))
    return 0, options


def _word_id(words: dict[str, int], form: str) -> int:
    return words.setdefault(form, len(words))


class _Lexicon:
    """Every word form this process has seen, as integer ids: for each surface word, the
    normalized form it adds to a document's vocabulary and its stem, or, for a word that may
    carry a bare proclitic, the stems to choose between by the document's vocabulary (the
    rules of :func:`dedupe.text.split_clitic`). Lets :func:`_sign_documents` tokenize a chunk
    of documents with one dictionary look-up per word and numpy for the rest."""

    def __init__(self) -> None:
        self.surfaces: defaultdict[str, int] = defaultdict()
        self.surfaces.default_factory = self.surfaces.__len__  # a new word gets the next id
        self.words: dict[str, int] = {}
        self.word_hash = np.zeros(0, dtype=np.uint64)
        self.vocab = np.zeros(0, dtype=np.int64)  # word id added to vocabulary, or -1
        self.stem = np.zeros(0, dtype=np.int64)  # word id of the stem, -1 none, -2 a choice
        self.fallback = np.zeros(0, dtype=np.int64)  # the stem when no choice is attested
        self.rest = np.zeros((0, 0), dtype=np.int64)  # word id that must be attested …
        self.choice = np.zeros((0, 0), dtype=np.int64)  # … for this stem, in order (-1: none)

    def ids(self, surfaces: list[str]) -> np.ndarray:
        """Return the surface ids of ``surfaces``, registering new ones."""
        known = len(self.stem)
        ids = np.fromiter(
            map(self.surfaces.__getitem__, surfaces), dtype=np.int64, count=len(surfaces)
        )
        if len(self.surfaces) > known:
            self._add(list(itertools.islice(self.surfaces, known, None)))
        return ids

    def _add(self, new: list[str]) -> None:
        words = self.words
        first_word = len(words)
        word = functools.partial(_word_id, words)
        vocab, stem, fallback = [], [], []
        chain_at: list[tuple[int, int]] = []  # (new surface, step) of each clitic choice
        chain_ids: list[tuple[int, int]] = []  # (word that must be attested, stem then)
        bares, norms, aligned = _all_forms(new)
        for i, (surface, bare, norm) in enumerate(zip(new, bares, norms, strict=True)):
            real = bool(surface.strip("_"))
            vocab.append(word(norm) if real else -1)
            fallback.append(-1)
            if not bare or not real:
                stem.append(-1)
            elif bare[0] not in _CLITIC_FIRST or not ARABIC_LETTER.match(bare):
                stem.append(word(norm))
            elif aligned[i]:
                article, options = _clitic_splits(bare)
                if article:
                    stem.append(word(norm[article:]))
                elif not options:
                    stem.append(word(norm))
                else:
                    stem.append(-2)
                    fallback[-1] = word(norm)
                    for k, (proclitic, inner) in enumerate(options):
                        rest = word(norm[proclitic:])
                        chain_at.append((i, k))
                        chain_ids.append((rest, rest))
                        if inner:
                            fallback[-1] = word(norm[proclitic + inner :])
                            break
            else:
                split, choices = _clitic_options(bare)
                if split is not None:
                    stem.append(word(_surface_forms(split[1])[1]))
                elif not choices:
                    stem.append(word(norm))
                else:
                    stem.append(-2)
                    fallback[-1] = word(norm)
                    for k, (_, rest, rest_norm, inner_split) in enumerate(choices):
                        chain_at.append((i, k))
                        chain_ids.append((word(rest_norm), word(_surface_forms(rest)[1])))
                        if inner_split is not None:
                            fallback[-1] = word(_surface_forms(inner_split[1])[1])
                            break
        first_surface = len(self.stem)
        added = list(itertools.islice(words, first_word, None))
        self.word_hash = np.concatenate(
            [self.word_hash, np.fromiter(map(_word_hash, added), np.uint64, len(added))]
        )
        self.vocab = np.concatenate([self.vocab, vocab])
        self.stem = np.concatenate([self.stem, stem])
        self.fallback = np.concatenate([self.fallback, fallback])
        at = np.array(chain_at, dtype=np.int64).reshape(-1, 2)
        width = max(self.rest.shape[1], int(at[:, 1].max(initial=-1)) + 1)
        pad = ((0, len(new)), (0, width - self.rest.shape[1]))
        self.rest = np.pad(self.rest, pad, constant_values=-1)
        self.choice = np.pad(self.choice, pad, constant_values=-1)
        ids = np.array(chain_ids, dtype=np.int64).reshape(-1, 2)
        self.rest[at[:, 0] + first_surface, at[:, 1]] = ids[:, 0]
        self.choice[at[:, 0] + first_surface, at[:, 1]] = ids[:, 1]

    def stems(self, sids: np.ndarray, doc: np.ndarray) -> np.ndarray:
        """Return the word id of each token's stem (-1: no token), choosing each clitic split
        by the vocabulary of the token's document (``doc``: a document index per token)."""
        stem = self.stem[sids]
        choose = np.flatnonzero(stem == -2)
        if len(choose) == 0:
            return stem
        width = np.int64(len(self.words) + 1)
        listed = self.vocab[sids] >= 0
        attested = np.sort(doc[listed] * width + self.vocab[sids[listed]])
        s, d = sids[choose], doc[choose] * width
        out = self.fallback[s]
        open_ = np.ones(len(choose), dtype=bool)
        for k in range(self.rest.shape[1]):
            rest = self.rest[s, k]
            keys = d + rest
            at = np.minimum(np.searchsorted(attested, keys), len(attested) - 1)
            hit = open_ & (rest >= 0) & (attested[at] == keys)
            out[hit] = self.choice[s[hit], k]
            open_ &= ~hit & (rest >= 0)
        stem[choose] = out
        return stem


_LEXICON: _Lexicon | None = None
SIGN_BLOCK = 16384  # tokens signed at once: a (tokens, num_perm) matrix of permuted hashes


def _lexicon() -> _Lexicon:
    global _LEXICON
    if _LEXICON is None or len(_LEXICON.surfaces) > 4_000_000:
        _LEXICON = _Lexicon()
    return _LEXICON


def _mix(h: np.ndarray, size: int) -> np.ndarray:
    """Return the 32-bit hash of the ``size``-word shingle starting at every position of the
    word hashes ``h`` (positions near the end mix in zeros: callers drop them)."""
    n = len(h)
    padded = np.concatenate([h, np.zeros(size - 1, dtype=np.uint64)])
    with np.errstate(over="ignore"):
        mixed = np.zeros(n, dtype=np.uint64)
        for k in range(size):
            mixed = mixed * _MIX[k % len(_MIX)] + padded[k : n + k]
        mixed ^= mixed >> np.uint64(29)
        mixed *= _MIX[4]
        mixed ^= mixed >> np.uint64(32)
    return (mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32)


_FMIX = {  # MurmurHash3 finalizer: shift, multiplier, shift, multiplier (then the first shift)
    32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35)),
    64: (
        np.uint64(33),
        np.uint64(0xFF51AFD7ED558CCD),
        np.uint64(33),
        np.uint64(0xC4CEB9FE1A85EC53),
    ),
}
_MERSENNE = np.uint64((1 << 61) - 1)


class _Permutations:
    """The permutations of a datasketch MinHash (``num_perm``, ``seed``, ``scheme``) applied to
    many hashes at once with numpy: the same arithmetic as ``MinHash.update_batch``."""

    def __init__(self, num_perm: int, seed: int, scheme: str) -> None:
        template = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        self.scheme = scheme
        self.a, self.b = (np.ascontiguousarray(x) for x in template.permutations)
        self.empty = template.hashvalues.copy()
        self.dtype = self.empty.dtype

    def apply(self, hashes: np.ndarray) -> np.ndarray:
        """Return the (num_perm, len(hashes)) permuted values of 32-bit ``hashes``."""
        a, b = self.a[:, None], self.b[:, None]
        with np.errstate(over="ignore"):
            if self.scheme == "legacy":
                hv = hashes.astype(np.uint64)
                return np.bitwise_and((a * hv + b) % _MERSENNE, np.uint64(0xFFFFFFFF))
            width = 32 if self.dtype == np.uint32 else 64
            s1, m1, s2, m2 = _FMIX[width]
            hv = hashes.astype(self.dtype)
            hv = hv ^ (hv >> s1)
            hv = hv * m1
            hv = hv ^ (hv >> s2)
            hv = hv * m2
            hv = hv ^ (hv >> s1)
            out = np.multiply(a, hv)
            out += b
            return out

    def minima(self, hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Return one signature per run of ``counts`` consecutive ``hashes`` (empty runs get
        the empty signature)."""
        out = np.empty((len(counts), len(self.a)), dtype=np.uint64)
        out[:] = self.empty
        if len(hashes):
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            full = counts > 0
            out[full] = np.minimum.reduceat(self.apply(hashes), starts[full], axis=1).T
        return out


def signatures(hash_sets: Sequence[np.ndarray], params: MinHashParams) -> np.ndarray:
    """Return an (n, num_perm) array of datasketch MinHash signatures, one row per set of
    shingle hashes (see :func:`shingle_hashes`); equal to ``MinHash.update_batch`` with the
    hashes as values, computed for all sets at once."""
    perm = _Permutations(params.num_perm, params.seed, params.scheme)
    counts = np.array([len(h) for h in hash_sets], dtype=np.int64)
    out = np.empty((len(hash_sets), params.num_perm), dtype=np.uint64)
    start = 0
    while start < len(hash_sets):
        stop = start + 1
        total = counts[start]
        while stop < len(hash_sets) and total + counts[stop] <= SIGN_BLOCK:
            total += counts[stop]
            stop += 1
        block = [np.asarray(h, dtype=np.uint32) for h in hash_sets[start:stop]]
        out[start:stop] = perm.minima(
            np.concatenate(block) if block else np.zeros(0, np.uint32), counts[start:stop]
        )
        start = stop
    return out


@dataclass(frozen=True, slots=True)
class _SignJob:
    """The texts a worker signs, as one string and where each text ends in it: plain Python,
    since polars is not safe to use in a forked worker (its thread pool's threads are not
    forked; a worker that unpickled a Series could wait for them for ever)."""

    joined: str  # passages of consecutive documents, in order, one after another
    ends: np.ndarray  # where each passage ends in ``joined`` (characters)
    passages: np.ndarray  # passages per document
    body: np.ndarray  # passages that are signed on their own when long enough …
    min_words: int  # … that is, with at least this many words (split on white space)
    size: int
    num_perm: int
    seed: int
    scheme: str

    @classmethod
    def of(
        cls,
        texts: pl.Series,
        passages: np.ndarray,
        body: np.ndarray,
        min_words: int,
        params: MinHashParams,
    ) -> _SignJob:
        """Return the job that signs ``texts`` (a string column: the passages of consecutive
        documents, ``passages`` of them per document)."""
        texts = texts.fill_null("")
        return cls(
            texts.str.join("").item(),
            np.cumsum(texts.str.len_chars().to_numpy(), dtype=np.int64),
            passages,
            body,
            min_words,
            params.shingle_size,
            params.num_perm,
            params.seed,
            params.scheme,
        )


@dataclass(frozen=True, slots=True)
class _Signed:
    documents: np.ndarray  # (documents, num_perm) signatures, in the scheme's dtype
    digests: list[str]  # SHA-256 of each document's text (its passages joined by newlines)
    wanted: np.ndarray  # the passages signed on their own
    passages: np.ndarray  # their signatures


def _sign_documents(job: _SignJob) -> _Signed:
    """Return the MinHash signatures of the documents of ``job`` (their passages joined by
    newlines) and of its long body passages: the same as :func:`shingle_hashes` of each text
    with the document's vocabulary, then :func:`signatures`. Each word is tokenized once for
    its document and its passage, and a passage's shingles are its document's shingles that do
    not cross a passage boundary, so every shingle is hashed and permuted once."""
    lex = _lexicon()
    ends = job.ends.tolist()
    texts = [job.joined[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    surfaces: list[str] = []
    per_text = np.empty(len(texts), dtype=np.int64)
    findall = _WORD.findall
    for i, text in enumerate(texts):
        found = findall(text)
        per_text[i] = len(found)
        surfaces += found
    doc_of_text = np.repeat(np.arange(len(job.passages)), job.passages)
    text_of_token = np.repeat(np.arange(len(texts)), per_text)
    stem = lex.stems(lex.ids(surfaces), doc_of_text[text_of_token])
    kept = stem >= 0
    words = np.bincount(text_of_token[kept], minlength=len(texts))
    hashes = lex.word_hash[stem[kept]]
    perm = _Permutations(job.num_perm, job.seed, job.scheme)
    doc_words = np.bincount(doc_of_text, weights=words, minlength=len(job.passages))
    doc_words = doc_words.astype(np.int64)
    doc_sigs = np.empty((len(job.passages), job.num_perm), dtype=perm.dtype)
    text_sigs = np.empty((len(texts), job.num_perm), dtype=perm.dtype)
    doc_start = text_start = token_start = 0
    while doc_start < len(job.passages):
        doc_stop, tokens = doc_start + 1, doc_words[doc_start]
        while doc_stop < len(job.passages) and tokens + doc_words[doc_stop] <= SIGN_BLOCK:
            tokens += doc_words[doc_stop]
            doc_stop += 1
        text_stop = text_start + int(job.passages[doc_start:doc_stop].sum())
        block = slice(token_start, token_start + tokens)
        _sign_block(
            hashes[block],
            doc_words[doc_start:doc_stop],
            words[text_start:text_stop],
            job.size,
            perm,
            doc_sigs[doc_start:doc_stop],
            text_sigs[text_start:text_stop],
        )
        doc_start, text_start, token_start = doc_stop, text_stop, token_start + tokens
    ends = np.cumsum(job.passages).tolist()
    digests = [
        hashlib.sha256("\n".join(texts[e - n : e]).encode()).hexdigest()
        for n, e in zip(job.passages.tolist(), ends, strict=True)
    ]
    wanted = job.body & np.fromiter(
        (len(t.split()) >= job.min_words for t in texts), dtype=bool, count=len(texts)
    )
    return _Signed(doc_sigs, digests, wanted, text_sigs[wanted])


def _sign_block(
    hashes: np.ndarray,
    doc_words: np.ndarray,
    text_words: np.ndarray,
    size: int,
    perm: _Permutations,
    doc_out: np.ndarray,
    text_out: np.ndarray,
) -> None:
    """Write the signatures of consecutive documents and of their texts (passages), given the
    word hashes of all of them in order and the number of words of each."""
    if len(hashes) == 0:
        doc_out[:] = perm.empty
        text_out[:] = perm.empty
        return
    permuted = perm.apply(_mix(hashes, size))
    for counts, out in ((doc_words, doc_out), (text_words, text_out)):
        ends = np.cumsum(counts)
        starts = ends - counts
        position = np.arange(len(hashes))
        crossing = position + size > np.repeat(ends, counts)
        permuted[:, crossing] = perm.empty[:, None]  # a shingle that runs into the next unit
        out[:] = perm.empty
        full = counts > 0
        out[full] = np.minimum.reduceat(permuted, starts[full], axis=1).T
        for unit in np.flatnonzero(full & (counts < size)):
            few = hashes[starts[unit] : ends[unit]]
            out[unit] = perm.minima(_mix(few, len(few))[:1], np.array([1]))[0]


def _sign_jobs(
    texts: pl.Series,
    passages: np.ndarray,
    body: np.ndarray,
    min_words: int,
    params: MinHashParams,
    workers: int | None,
) -> _Signed:
    """Return the signatures of the documents (``passages``: how many consecutive ``texts``
    each has) and of the long ``body`` texts, in chunks balanced by length, on every core for
    large inputs (the workers get each chunk's texts as one string and return arrays, not lists
    of strings)."""
    workers = workers or os.cpu_count() or 1
    n_docs = len(passages)
    if n_docs == 0:
        empty = np.zeros((0, params.num_perm), dtype=np.uint64)
        return _Signed(empty, [], np.zeros(len(texts), dtype=bool), empty)
    text_ends = np.cumsum(passages)
    chars = np.cumsum(texts.str.len_chars().to_numpy())[text_ends - 1]
    chunks = 1
    if workers >= 2 and n_docs >= PARALLEL_MIN_TEXTS:
        chunks = max(workers * 4, math.ceil(int(chars[-1]) / SIGN_JOB_CHARS))
    cuts = np.searchsorted(chars, chars[-1] * np.arange(1, chunks) / chunks)
    bounds = [0, *sorted({int(c) + 1 for c in cuts if 0 <= c < n_docs - 1}), n_docs]

    def job(lo: int, hi: int) -> _SignJob:
        t0 = int(text_ends[lo - 1]) if lo else 0
        t1 = int(text_ends[hi - 1])
        return _SignJob.of(
            texts.slice(t0, t1 - t0), passages[lo:hi], body[t0:t1], min_words, params
        )

    # each job's texts are copied into one string as the pool sends it, not all at once: at
    # 10,000 articles the copies of every job held about 60 MiB more at the peak
    count = len(bounds) - 1
    jobs = (job(lo, hi) for lo, hi in itertools.pairwise(bounds))
    done = map_items(_sign_documents, jobs, workers if count > 1 else 1, 2, count=count)
    if len(done) == 1:
        return done[0]
    return _Signed(
        np.vstack([d.documents for d in done]),
        [x for d in done for x in d.digests],
        np.concatenate([d.wanted for d in done]),
        np.vstack([d.passages for d in done]),
    )


def text_signatures(
    texts: Sequence[str], params: MinHashParams, workers: int | None = None
) -> np.ndarray:
    """Return the signatures of ``texts`` (those of :func:`shingle_hashes`), on every core for
    large inputs."""
    column = pl.Series(list(texts), dtype=pl.String)
    ones = np.ones(len(column), dtype=np.int64)
    none = np.zeros(len(column), dtype=bool)
    signed = _sign_jobs(column, ones, none, 0, params, workers)
    return signed.documents.astype(np.uint64)


def _band_matrix(sigs: np.ndarray, params: MinHashParams) -> np.ndarray:
    """Return an (n, bands) array: a 64-bit key of each band's rows of each signature."""
    rng = np.random.default_rng(0x5EED)
    mult = rng.integers(1, 2**63 - 1, size=params.rows, dtype=np.uint64) | np.uint64(1)
    used = sigs[:, : params.bands * params.rows].reshape(len(sigs), params.bands, params.rows)
    keys = np.zeros((len(sigs), params.bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(params.rows):  # the sum of row * multiplier, modulo 2**64
            keys += used[:, :, r].astype(np.uint64) * mult[r]
    return keys


def _candidate_rows(
    keys: np.ndarray, max_bucket: int = MAX_BUCKET
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct row pairs (a, b), a < b, sorted, that share a band key (an
    (n, bands) array) in a bucket of at most ``max_bucket`` rows: :func:`candidate_pairs` on
    row numbers, in numpy."""
    n = len(keys)
    codes = [np.zeros(0, dtype=np.int64)]
    for band in keys.T:
        order = np.argsort(band, kind="stable")
        sorted_keys = band[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, n])
        usable = (sizes > 1) & (sizes <= max_bucket)
        if not usable.any():
            continue
        size = sizes[usable]
        run_size = np.repeat(size, size)
        local = np.arange(len(run_size)) - np.repeat(np.cumsum(size) - size, size)
        position = np.repeat(starts[usable], size) + local
        active = np.arange(len(position))
        for step in range(1, int(size.max())):
            active = active[local[active] + step < run_size[active]]
            a = order[position[active]]
            b = order[position[active] + step]
            codes.append(np.minimum(a, b) * n + np.maximum(a, b))
    pairs = np.unique(np.concatenate(codes))
    return pairs // n, pairs % n


def band_keys(sigs: np.ndarray, ids: Sequence[str], params: MinHashParams) -> pl.DataFrame:
    """Return one row per (unit, band) with a 64-bit key of that band's rows."""
    n = sigs.shape[0]
    if n == 0:
        return pl.DataFrame(schema={"id": pl.String, "band": pl.Int32, "key": pl.UInt64})
    bands = params.bands
    return pl.DataFrame(
        {
            "id": np.repeat(np.asarray(ids, dtype=object), bands),
            "band": np.tile(np.arange(bands, dtype=np.int32), n),
            "key": _band_matrix(sigs, params).reshape(-1),
        },
        schema={"id": pl.String, "band": pl.Int32, "key": pl.UInt64},
    )


def candidate_pairs(keys: pl.DataFrame, max_bucket: int = MAX_BUCKET) -> pl.DataFrame:
    """Return the distinct (a, b) pairs, a < b, that share at least one band key."""
    sizes = keys.group_by("band", "key").agg(pl.len().alias("n"))
    usable = keys.join(
        sizes.filter((pl.col("n") > 1) & (pl.col("n") <= max_bucket)), on=["band", "key"]
    )
    pairs = (
        usable.select("id", "band", "key")
        .join(usable.select("id", "band", "key"), on=["band", "key"], suffix="_b")
        .filter(pl.col("id") < pl.col("id_b"))
        .select(pl.col("id").alias("a"), pl.col("id_b").alias("b"))
        .unique()
        .sort("a", "b")
    )
    return pairs


def _similarity(sigs: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    """Return the estimated Jaccard similarity of each pair of rows (ia, ib) of ``sigs``."""
    sim = np.empty(len(ia), dtype=np.float64)
    step = 65536
    for start in range(0, len(ia), step):
        sl = slice(start, start + step)
        sim[sl] = (sigs[ia[sl]] == sigs[ib[sl]]).mean(axis=1)
    return sim


def verify(
    pairs: pl.DataFrame, sigs: np.ndarray, index: dict[str, int], threshold: float
) -> pl.DataFrame:
    """Return the pairs whose estimated Jaccard similarity reaches ``threshold``."""
    if pairs.height == 0:
        return pairs.with_columns(pl.lit(0.0).alias("similarity")).head(0)
    ia = np.fromiter((index[a] for a in pairs["a"]), dtype=np.int64, count=pairs.height)
    ib = np.fromiter((index[b] for b in pairs["b"]), dtype=np.int64, count=pairs.height)
    return pairs.with_columns(pl.Series("similarity", _similarity(sigs, ia, ib))).filter(
        pl.col("similarity") >= threshold
    )


def _verified_rows(
    sigs: np.ndarray,
    ids: Sequence[str],
    params: MinHashParams,
    threshold: float,
    max_bucket: int = MAX_BUCKET,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the verified pairs as rows of ``sigs`` and their similarities (ia, ib, sim): the
    pairs of ``verify(candidate_pairs(band_keys(sigs, ids, params)), ...)``, in its order
    (by id, a < b), computed on each id's rank among the sorted ids instead of the string."""
    n = len(ids)
    order = np.array(sorted(range(n), key=ids.__getitem__), dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    keys = np.empty((n, params.bands), dtype=np.uint64)
    keys[rank] = _band_matrix(sigs, params)
    ra, rb = _candidate_rows(keys, max_bucket)
    ia, ib = order[ra], order[rb]
    sim = _similarity(sigs, ia, ib)
    keep = sim >= threshold
    return ia[keep], ib[keep], sim[keep]


def components(ids: Sequence[str], edges: pl.DataFrame) -> list[list[str]]:
    """Return the groups (size >= 2) of ``ids`` linked by the verified ``edges``."""
    if edges.height == 0:
        return []
    index = {x: i for i, x in enumerate(ids)}
    a = np.array([index[x] for x in edges["a"]])
    b = np.array([index[x] for x in edges["b"]])
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[str]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(ids[i])
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: _natural(g[0]))


def _linked(
    ids: Sequence[str], ia: np.ndarray, ib: np.ndarray, sim: np.ndarray
) -> list[tuple[np.ndarray, float]]:
    """Return :func:`components` of ``ids`` linked by the row pairs (ia, ib), as rows, each
    with the mean similarity of the pairs inside it."""
    if len(ia) == 0:
        return []
    n = len(ids)
    graph = coo_matrix((np.ones(len(ia)), (ia, ib)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    size = np.bincount(labels)
    rows = np.flatnonzero(size[labels] > 1)
    rows = rows[np.argsort(labels[rows], kind="stable")]
    bounds = np.flatnonzero(np.diff(labels[rows])) + 1
    groups = sorted(np.split(rows, bounds), key=lambda g: _natural(ids[g[0]]))
    group_of = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[members] = g
    edge_group = group_of[ia]
    order = np.argsort(edge_group, kind="stable")
    cut = np.searchsorted(edge_group[order], np.arange(len(groups) + 1))
    sims = sim[order]
    return [
        (members, float(pl.Series(sims[cut[g] : cut[g + 1]]).mean()))
        for g, members in enumerate(groups)
    ]


def _natural(doc_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in doc_id if ch.isdigit())
    return (int(digits) if digits else 0, doc_id)


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    """The near-duplicate stage's output."""

    groups: tuple[DuplicateGroup, ...]
    pairs: pl.DataFrame  # verified document pairs: a, b, similarity
    representative: dict[str, str]  # document → the document that stands for its group
    params: MinHashParams
    signatures: np.ndarray
    ids: tuple[str, ...]


def document_texts(corpus: Corpus) -> pl.DataFrame:
    """Return one row per document with the text of its content passages joined (no
    boilerplate, no repeated title), the unit near-duplicate detection compares."""
    return (
        corpus.content_passages()
        .sort("document", "index")
        .group_by("document", maintain_order=True)
        .agg(pl.col("text").str.join("\n"))
        .rename({"document": "id"})
    )


def find_duplicates(
    corpus: Corpus,
    settings: Settings,
    *,
    stored: tuple[Sequence[str], np.ndarray] | None = None,
    workers: int | None = None,
) -> NearDuplicates:
    """Return exact and near-duplicate document groups and passages reused across documents.

    ``stored`` (ids, signatures) adds previously seen documents to the comparison, for
    incremental checks; groups may then name stored documents. Each document is tokenized
    once, for itself and its passages, on every core (``workers``) for large corpora.
    """
    params = MinHashParams.from_settings(settings)
    passages = corpus.content_passages().sort("document", "index")
    per_doc = passages.group_by("document", maintain_order=True).agg(pl.len())
    ids = per_doc["document"].to_list()
    counts = per_doc["len"].to_numpy().astype(np.int64)
    body = (passages["kind"] == "body").to_numpy()
    signed = _sign_jobs(passages["text"], counts, body, settings.passage_min_words, params, workers)
    sigs = signed.documents.astype(np.uint64)
    reusable = passages.filter(pl.Series(signed.wanted)).select("document", "index", "start", "end")
    all_ids, all_sigs = ids, sigs
    if stored is not None and len(stored[0]):
        all_ids = [*stored[0], *ids]
        all_sigs = np.vstack([stored[1], sigs])
    ia, ib, sim = _verified_rows(all_sigs, all_ids, params, settings.near_duplicate_threshold)
    verified = pl.DataFrame(
        {"a": [all_ids[i] for i in ia], "b": [all_ids[i] for i in ib], "similarity": sim},
        schema={"a": pl.String, "b": pl.String, "similarity": pl.Float64},
    )

    digests = dict(zip(ids, signed.digests, strict=True))
    groups: list[DuplicateGroup] = []
    representative: dict[str, str] = {}
    for rows, mean in _linked(all_ids, ia, ib, sim):
        members = [all_ids[i] for i in rows]
        exact = len({digests.get(m, m) for m in members}) == 1
        similarity = 1.0 if exact else mean
        for m in members:
            representative[m] = members[0]
        groups.append(
            DuplicateGroup(
                id=f"g{len(groups) + 1}",
                kind="exact" if exact else "near",
                documents=tuple(members),
                similarity=similarity,
            )
        )
    groups.extend(_passage_reuse(reusable, signed.passages, settings, representative, len(groups)))
    return NearDuplicates(
        groups=tuple(groups),
        pairs=verified,
        representative=representative,
        params=params,
        signatures=sigs,
        ids=tuple(ids),
    )


def _passage_reuse(
    reusable: pl.DataFrame,
    sigs: np.ndarray,
    settings: Settings,
    representative: dict[str, str],
    offset: int,
) -> list[DuplicateGroup]:
    """Return groups of body passages (long enough that finding one in another outlet means it
    was reused) whose signatures match across documents of different groups."""
    if reusable.height < 2:
        return []
    params = MinHashParams.from_settings(settings, settings.passage_reuse_threshold)
    docs_col = reusable["document"].to_list()
    ids = [f"{d}:{i}" for d, i in zip(docs_col, reusable["index"].to_list(), strict=True)]
    ia, ib, sim = _verified_rows(sigs, ids, params, settings.passage_reuse_threshold)
    spans = list(zip(docs_col, reusable["start"].to_list(), reusable["end"].to_list(), strict=True))
    owner_ids: dict[str, int] = {}
    owner = np.fromiter(
        (owner_ids.setdefault(representative.get(d, d), len(owner_ids)) for d in docs_col),
        dtype=np.int64,
        count=len(docs_col),
    )
    across = owner[ia] != owner[ib]
    groups = []
    for rows, mean in _linked(ids, ia[across], ib[across], sim[across]):
        docs = tuple(dict.fromkeys(docs_col[m] for m in rows))
        if len(docs) < 2:
            continue
        groups.append(
            DuplicateGroup(
                id=f"g{offset + len(groups) + 1}",
                kind="near",
                documents=docs,
                similarity=mean,
                level="passage",
                passages=tuple(spans[m] for m in rows),
            )
        )
    return groups
