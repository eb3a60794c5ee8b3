"""The in-process executor: runs the stages in order over a folder and returns a Report.

Stages do not know who runs them; this module is the only place that wires them together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from dedupe import __version__
from dedupe.cluster import cluster_events
from dedupe.consistency import find_inconsistencies
from dedupe.embed import Embedder, load_embedder
from dedupe.facts import extract_facts
from dedupe.ingest import ingest
from dedupe.models import Report
from dedupe.neardup import find_duplicates
from dedupe.settings import Settings


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
    embedder = make_embedder(settings, progress=progress)
    clustering = cluster_events(corpus, embedder, settings, near.representative)
    findings = find_inconsistencies(
        corpus, clustering, extract_facts(corpus), settings.align_threshold
    )
    meta = {
        "name": "dedupe",
        "version": __version__,
        "folder": str(folder),
        "model": embedder.model_id,
        "settings": settings.to_dict(),
        "minhash": near.params.to_dict(),
        "max_annotations": settings.max_annotations,
    }
    return Report(
        corpus=corpus,
        duplicates=near.groups,
        events=clustering.events,
        findings=findings,
        meta=meta,
    )


def make_embedder(settings: Settings, *, progress: bool = False) -> Embedder:
    """Return the embedder the settings name, with the on-disk vector cache."""
    return load_embedder(
        settings.model,
        cache_dir=cache_path(settings),
        batch_size=settings.embed_batch_size,
        progress=progress,
        num_threads=settings.num_threads,
    )


def cache_path(settings: Settings) -> Path | None:
    """Return the embedding cache folder: the setting, else the user cache; None when the
    setting is an empty string (no cache)."""
    if settings.cache_dir is not None:
        return Path(settings.cache_dir).expanduser() if settings.cache_dir else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dedupe"
