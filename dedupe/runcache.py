"""Run cache: the Report of a finished `dedupe run`, keyed by a fingerprint of its inputs.

Like make, ccache or git's index, the fingerprint is cheap: the folder is walked (the same walk
and exclusions as ingest) and every file is taken by (relative path, size, mtime_ns, inode,
ctime_ns), never read. The manifest's bytes, the settings, the package version, the package's own
source files and the Python version complete the key, so editing, adding, touching or removing an
article, changing a setting or the manifest, or changing the code all miss. ``auto`` is keyed as
``auto``: for the same inputs and cache it resolves to the same model, which the stored report
names.

Entries live in ``CACHE/runs/<key>/`` (documents and passages as Parquet, the rest as JSON, no
pickle), are written to a temporary folder and renamed into place, and only the most recent
``KEEP`` are kept. An entry that cannot be read is ignored: the run simply happens.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from dedupe import __version__
from dedupe.ingest import excluded_paths, walk_files
from dedupe.interrupts import held
from dedupe.models import (
    DOCUMENT_SCHEMA,
    PASSAGE_SCHEMA,
    Corpus,
    DuplicateGroup,
    Event,
    PassageRef,
    Report,
    Skipped,
)
from dedupe.settings import Settings
from dedupe.state import finding_from_payload, finding_to_payload

RUNS = "runs"
KEEP = 8
STALE_SECONDS = 24 * 3600  # a .tmp entry older than this was left by a killed run
FORMAT = "dedupe.runcache/2"


def fingerprint(
    folder: Path,
    settings: Settings,
    *,
    manifest: Path | None = None,
    exclude: Sequence[Path] = (),
) -> str | None:
    """Return the cache key of a run over ``folder`` (a hex digest), or None when the folder
    cannot be fingerprinted (missing, not a folder: the run itself reports why)."""
    root = Path(folder)
    if not root.is_dir():
        return None
    manifest_path = manifest or (Path(settings.manifest) if settings.manifest else None)
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(json.dumps(parts, ensure_ascii=False, default=str).encode())
        digest.update(b"\n")

    add(FORMAT, __version__, sys.version, _source_digest())
    add(str(folder), str(root.resolve()))
    add(settings.to_dict())
    if manifest_path is not None:
        try:
            add(
                "manifest",
                str(manifest_path),
                hashlib.sha256(manifest_path.read_bytes()).hexdigest(),
            )
        except OSError as exc:
            add("manifest", str(manifest_path), f"unreadable: {exc.errno}")
    for _, rel, problem, st in walk_files(root, excluded_paths(exclude, manifest_path)):
        stamp = (
            ("unreadable",)
            if st is None
            else (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        )
        add(rel, problem, stamp)
    return digest.hexdigest()


@functools.cache
def _source_digest() -> str:
    """Return a digest of the package's own files: source by content, data by size and mtime."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        if path.suffix == ".py":
            digest.update(path.read_bytes())
        else:
            st = path.stat()
            digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


class RunCache:
    """The folder of cached run Reports under an embedding cache folder."""

    def __init__(self, directory: Path, keep: int = KEEP) -> None:
        self.directory = Path(directory)
        self.keep = keep

    def get(self, key: str) -> Report | None:
        """Return the Report stored under ``key``, or None (absent, or unreadable: ignored)."""
        entry = self.directory / key
        if not entry.is_dir():
            return None
        try:
            report = _read_entry(entry, key)
        except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
            return None
        with contextlib.suppress(OSError):
            os.utime(entry)  # most recently used: kept longest
        return report

    def put(self, key: str, report: Report) -> None:
        """Store ``report`` under ``key`` atomically, then keep only the ``keep`` newest entries;
        a cache that cannot be written is passed over (the run's result does not depend on it)."""
        tmp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with held():  # (see dedupe.interrupts)
                tmp = Path(
                    tempfile.mkdtemp(dir=self.directory, prefix=f".{key[:16]}.", suffix=".tmp")
                )
            _write_entry(tmp, key, report)
            target = self.directory / key
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
        except BaseException as exc:  # a failure, or a stop (Ctrl-C, SIGTERM) while writing
            if tmp is not None:
                with held():
                    shutil.rmtree(tmp, ignore_errors=True)
            if not isinstance(exc, OSError):
                raise
            return
        self._prune()

    def _prune(self) -> None:
        try:
            children = list(self.directory.iterdir())
            entries = [p for p in children if not p.name.startswith(".")]
            entries.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
            # entries half written by a run that was killed (SIGKILL, a power cut): not one
            # another run is writing now, which would have been touched within STALE_SECONDS
            stale = [
                p
                for p in children
                if p.name.startswith(".")
                and p.name.endswith(".tmp")
                and time.time() - p.stat().st_mtime > STALE_SECONDS
            ]
        except OSError:
            return
        for old in [*entries[self.keep :], *stale]:
            shutil.rmtree(old, ignore_errors=True)


def run_cache(cache_dir: Path | None) -> RunCache | None:
    """Return the run cache inside the embedding cache folder, or None when caching is off."""
    return RunCache(cache_dir / RUNS) if cache_dir is not None else None


def _write_entry(folder: Path, key: str, report: Report) -> None:
    corpus = report.corpus
    corpus.documents.write_parquet(folder / "documents.parquet")
    corpus.passages.write_parquet(folder / "passages.parquet")
    data = {
        "format": FORMAT,
        "key": key,
        "root": corpus.root,
        "skipped": [[s.path, s.reason] for s in corpus.skipped],
        "warnings": list(corpus.warnings),
        "duplicates": [
            {
                "id": g.id,
                "kind": g.kind,
                "documents": list(g.documents),
                "similarity": g.similarity,
                "level": g.level,
                "passages": [list(p) for p in g.passages],
            }
            for g in report.duplicates
        ],
        "events": [
            {
                "id": e.id,
                "label": e.label,
                "documents": list(e.documents),
                "passages": [[p.document, p.start, p.end, p.joined] for p in e.passages],
                "cohesion": e.cohesion,
            }
            for e in report.events
        ],
        "findings": [finding_to_payload(f) for f in report.findings],
        "meta": report.meta,
    }
    (folder / "report.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _read_entry(folder: Path, key: str) -> Report:
    data: dict[str, Any] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if data.get("format") != FORMAT or data.get("key") != key:
        raise ValueError("not this entry")
    documents = pl.read_parquet(folder / "documents.parquet")
    passages = pl.read_parquet(folder / "passages.parquet")
    if documents.schema != pl.Schema(DOCUMENT_SCHEMA) or passages.schema != pl.Schema(
        PASSAGE_SCHEMA
    ):
        raise ValueError("unexpected schema")
    corpus = Corpus(
        root=data["root"],
        documents=documents,
        passages=passages,
        skipped=tuple(Skipped(path, reason) for path, reason in data["skipped"]),
        warnings=tuple(data["warnings"]),
    )
    return Report(
        corpus=corpus,
        duplicates=tuple(
            DuplicateGroup(
                id=g["id"],
                kind=g["kind"],
                documents=tuple(g["documents"]),
                similarity=float(g["similarity"]),
                level=g["level"],
                passages=tuple((d, int(s), int(e)) for d, s, e in g["passages"]),
            )
            for g in data["duplicates"]
        ),
        events=tuple(
            Event(
                id=e["id"],
                label=e["label"],
                documents=tuple(e["documents"]),
                passages=tuple(
                    PassageRef(d, int(s), int(t), joined) for d, s, t, joined in e["passages"]
                ),
                cohesion=float(e["cohesion"]),
            )
            for e in data["events"]
        ),
        findings=tuple(finding_from_payload(p) for p in data["findings"]),
        meta=data["meta"],
    )
