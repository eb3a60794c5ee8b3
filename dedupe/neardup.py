"""Near-duplicate stage: copies and near-copies of documents, and passages reused verbatim.

datasketch MinHash over word shingles of the Arabic-aware matching form; LSH band keys are a
polars frame, candidate pairs come from `group_by`/join on (band, key), every pair is verified
by its estimated Jaccard before it is linked, and groups are connected components of verified
links only (never of raw band collisions).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from dedupe.models import Corpus, DuplicateGroup
from dedupe.parallel import map_items
from dedupe.settings import Settings
from dedupe.text import stems, vocabulary

MAX_BUCKET = 500  # a band bucket larger than this is boilerplate shared by many texts


def datasketch_version() -> str:
    """Return the installed datasketch version (recorded next to every stored signature)."""
    from importlib.metadata import version

    return version("datasketch")


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
        lsh = MinHashLSH(
            threshold=threshold or settings.near_duplicate_threshold, num_perm=settings.num_perm
        )
        return cls(
            num_perm=settings.num_perm,
            seed=settings.minhash_seed,
            scheme=settings.minhash_scheme,
            shingle_size=settings.shingle_size,
            bands=lsh.b,
            rows=lsh.r,
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
    with np.errstate(over="ignore"):
        mixed = np.zeros(len(h) - width + 1, dtype=np.uint64)
        for k in range(width):
            mixed = mixed * _MIX[k % len(_MIX)] + h[k : len(h) - width + 1 + k]
        mixed ^= mixed >> np.uint64(29)
        mixed *= _MIX[4]
        mixed ^= mixed >> np.uint64(32)
    return np.unique((mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32))


def _document_shingles(
    job: tuple[list[str], list[bool], int],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return the shingle hashes of a document (its passages joined by newlines) and of each
    passage marked in ``wanted``; the text is tokenized once, with the document's vocabulary."""
    passages, wanted, size = job
    vocab = vocabulary("\n".join(passages))
    words = [stems(p, vocab) for p in passages]
    whole = _hash_words([w for ws in words for w in ws], size)
    return whole, [_hash_words(ws, size) for ws, keep in zip(words, wanted, strict=True) if keep]


def _identity(value: int) -> int:
    return value


def signatures(hash_sets: Sequence[np.ndarray], params: MinHashParams) -> np.ndarray:
    """Return an (n, num_perm) array of datasketch MinHash signatures, one row per set of
    shingle hashes (see :func:`shingle_hashes`)."""
    out = np.empty((len(hash_sets), params.num_perm), dtype=np.uint64)
    template = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)
    for i, items in enumerate(hash_sets):
        m = MinHash(
            num_perm=params.num_perm,
            seed=params.seed,
            scheme=params.scheme,
            hashfunc=_identity,
            permutations=template.permutations,
        )
        if len(items):
            m.update_batch(items.tolist())
        out[i] = m.hashvalues
    return out


def text_signatures(
    texts: Sequence[str], params: MinHashParams, workers: int | None = None
) -> np.ndarray:
    """Return the signatures of ``texts``, shingled on every core for large inputs."""
    size = params.shingle_size
    hashes = map_items(
        functools.partial(shingle_hashes, size=size), list(texts), workers, PARALLEL_MIN_TEXTS
    )
    return signatures(hashes, params)


def band_keys(sigs: np.ndarray, ids: Sequence[str], params: MinHashParams) -> pl.DataFrame:
    """Return one row per (unit, band) with a 64-bit key of that band's rows."""
    n = sigs.shape[0]
    if n == 0:
        return pl.DataFrame(schema={"id": pl.String, "band": pl.Int32, "key": pl.UInt64})
    rng = np.random.default_rng(0x5EED)
    mult = rng.integers(1, 2**63 - 1, size=params.rows, dtype=np.uint64) | np.uint64(1)
    bands = params.bands
    used = sigs[:, : bands * params.rows].reshape(n, bands, params.rows)
    with np.errstate(over="ignore"):
        keys = (used * mult).sum(axis=2, dtype=np.uint64)
    return pl.DataFrame(
        {
            "id": np.repeat(np.asarray(ids, dtype=object), bands),
            "band": np.tile(np.arange(bands, dtype=np.int32), n),
            "key": keys.reshape(-1),
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


def verify(
    pairs: pl.DataFrame, sigs: np.ndarray, index: dict[str, int], threshold: float
) -> pl.DataFrame:
    """Return the pairs whose estimated Jaccard similarity reaches ``threshold``."""
    if pairs.height == 0:
        return pairs.with_columns(pl.lit(0.0).alias("similarity")).head(0)
    ia = np.fromiter((index[a] for a in pairs["a"]), dtype=np.int64, count=pairs.height)
    ib = np.fromiter((index[b] for b in pairs["b"]), dtype=np.int64, count=pairs.height)
    sim = np.empty(pairs.height, dtype=np.float64)
    step = 65536
    for start in range(0, pairs.height, step):
        sl = slice(start, start + step)
        sim[sl] = (sigs[ia[sl]] == sigs[ib[sl]]).mean(axis=1)
    return pairs.with_columns(pl.Series("similarity", sim)).filter(
        pl.col("similarity") >= threshold
    )


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
    units = document_texts(corpus)
    ids = list(units["id"])
    texts = list(units["text"])
    passages = corpus.content_passages().sort("document", "index")
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for row in passages.iter_rows(named=True):
        by_doc.setdefault(row["document"], []).append(row)
    jobs = [
        (
            [r["text"] for r in by_doc[d]],
            [_reusable(r, settings) for r in by_doc[d]],
            params.shingle_size,
        )
        for d in ids
    ]
    shingled = map_items(_document_shingles, jobs, workers, PARALLEL_MIN_TEXTS)
    sigs = signatures([whole for whole, _ in shingled], params)
    reusable = [
        (row, hashes)
        for d, (_, parts) in zip(ids, shingled, strict=True)
        for row, hashes in zip([r for r in by_doc[d] if _reusable(r, settings)], parts, strict=True)
    ]
    all_ids, all_sigs = ids, sigs
    if stored is not None and len(stored[0]):
        all_ids = [*stored[0], *ids]
        all_sigs = np.vstack([stored[1], sigs])
    index = {x: i for i, x in enumerate(all_ids)}
    keys = band_keys(all_sigs, all_ids, params)
    verified = verify(candidate_pairs(keys), all_sigs, index, settings.near_duplicate_threshold)

    digests = {i: hashlib.sha256(t.encode()).hexdigest() for i, t in zip(ids, texts, strict=True)}
    groups: list[DuplicateGroup] = []
    representative: dict[str, str] = {}
    for members in components(all_ids, verified):
        sub = verified.filter(pl.col("a").is_in(members) & pl.col("b").is_in(members))
        exact = len({digests.get(m, m) for m in members}) == 1
        similarity = 1.0 if exact else float(sub["similarity"].mean())
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
    groups.extend(_passage_reuse(reusable, settings, representative, len(groups)))
    return NearDuplicates(
        groups=tuple(groups),
        pairs=verified,
        representative=representative,
        params=params,
        signatures=sigs,
        ids=tuple(ids),
    )


def _reusable(row: dict[str, Any], settings: Settings) -> bool:
    """A body passage long enough that finding it in another outlet means it was reused."""
    return row["kind"] == "body" and len(row["text"].split()) >= settings.passage_min_words


def _passage_reuse(
    reusable: list[tuple[dict[str, Any], np.ndarray]],
    settings: Settings,
    representative: dict[str, str],
    offset: int,
) -> list[DuplicateGroup]:
    if len(reusable) < 2:
        return []
    params = MinHashParams.from_settings(settings, settings.passage_reuse_threshold)
    rows = [row for row, _ in reusable]
    ids = [f"{r['document']}:{r['index']}" for r in rows]
    sigs = signatures([hashes for _, hashes in reusable], params)
    index = {x: i for i, x in enumerate(ids)}
    verified = verify(
        candidate_pairs(band_keys(sigs, ids, params)), sigs, index, settings.passage_reuse_threshold
    )
    by_id = dict(zip(ids, rows, strict=True))
    doc_of = {x: by_id[x]["document"] for x in ids}
    owners = pl.DataFrame(
        {"id": ids, "group": [representative.get(doc_of[x], doc_of[x]) for x in ids]}
    )
    verified = (
        verified.join(owners.rename({"id": "a", "group": "group_a"}), on="a")
        .join(owners.rename({"id": "b", "group": "group_b"}), on="b")
        .filter(pl.col("group_a") != pl.col("group_b"))
        .drop("group_a", "group_b")
    )
    groups = []
    for members in components(ids, verified):
        docs = tuple(dict.fromkeys(doc_of[m] for m in members))
        if len(docs) < 2:
            continue
        sub = verified.filter(pl.col("a").is_in(members) & pl.col("b").is_in(members))
        groups.append(
            DuplicateGroup(
                id=f"g{offset + len(groups) + 1}",
                kind="near",
                documents=docs,
                similarity=float(sub["similarity"].mean()),
                level="passage",
                passages=tuple(
                    (by_id[m]["document"], by_id[m]["start"], by_id[m]["end"]) for m in members
                ),
            )
        )
    return groups
