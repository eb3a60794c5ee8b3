"""The in-process executor: runs the stages in order over a folder and returns a Report.

Stages do not know who runs them; this module is the only place that wires them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dedupe import __version__
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
    meta = {
        "name": "dedupe",
        "version": __version__,
        "folder": str(folder),
        "model": settings.model,
        "settings": settings.to_dict(),
        "minhash": near.params.to_dict(),
        "max_annotations": settings.max_annotations,
    }
    return Report(corpus=corpus, duplicates=near.groups, meta=meta)
