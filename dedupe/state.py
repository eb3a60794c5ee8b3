"""State stage: what `dedupe check` has already seen, stored in a directory between runs.

A state directory holds Parquet tables (documents, signatures, vectors, findings, events, and
the file index, passages and line keys that let a check read only what changed) and
``manifest.json``, which names every file of the state with its sha256 checksum, size and row
count, and records the parameters that shaped them (package version, embedding model, MinHash
settings...)::

    DIR/manifest.json             the commit point: replaced atomically
    DIR/gen-000007/*.parquet      the tables a check rewrites (findings, events, file index)
    DIR/segments/*.parquet        the tables that only grow (documents, signatures, vectors,
                                  passages, line keys): immutable segments, one per check that
                                  added rows, merged into one past MAX_SEGMENTS
    DIR/.lock, DIR/.lock.owner    the exclusive lock and the pid of its holder

A save writes its new files (each fsynced), then a temporary manifest, then ``os.replace``s it
onto ``manifest.json`` and fsyncs the directory; only after that are older generations and
segments no longer named removed. A run killed at any point therefore leaves either the previous
state or the new one, both complete. Loading reads only what the manifest names and verifies
every checksum, size, schema and row count: a damaged state is refused with a message naming
the file, never silently replaced by an empty one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock
import polars as pl

from dedupe.errors import StateError
from dedupe.files import atomic_write_text, fsync_directory
from dedupe.models import Evidence, Finding, FindingValue

SCHEMA = "dedupe.state/1"
MANIFEST = "manifest.json"
LOCK = ".lock"
LOCK_OWNER = ".lock.owner"
TABLES = ("documents", "signatures", "vectors", "findings", "events", "files", "passages", "lines")
# Tables a state written before they existed lacks: they load empty, and the next check fills them.
OPTIONAL = ("files", "passages", "lines")
# Tables that grow with every article ever seen: ``load(lazy=True)`` scans them instead of
# reading them, so a check reads only the rows it filters for.
LAZY = ("documents", "passages", "lines")

# Tables a check only appends to: kept as immutable segment files under ``segments/``, so a
# check writes its new rows, not the archive again (at 100,000 articles a whole generation is
# hundreds of MB). A table of more than MAX_SEGMENTS segments is written again as one.
SEGMENTED = ("documents", "signatures", "vectors", "passages", "lines")
SEGMENTS = "segments"
MAX_SEGMENTS = 16

_GENERATION = re.compile(r"gen-(\d{6,})")
_TEMPORARY = re.compile(r"\.(manifest\.json|lock\.owner)\..*\.tmp")
_CHUNK = 1 << 20

_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "documents": {
        "sha256": pl.String(),
        "path": pl.String(),
        "id": pl.String(),
        "outlet": pl.String(),
        "published": pl.String(),
        "title": pl.String(),
        "text": pl.String(),
    },
    "signatures": {"sha256": pl.String()},
    "vectors": {"sha256": pl.String()},
    "findings": {
        "id": pl.String(),
        "kind": pl.String(),
        "severity": pl.String(),
        "summary": pl.String(),
        "documents": pl.List(pl.String()),
        "payload": pl.String(),
    },
    "events": {"id": pl.String(), "label": pl.String(), "documents": pl.List(pl.String())},
    # the file index of the folder last checked, like git's: a file whose stat matches is known
    # without being read; ``outcome`` (JSON) is what it gave (document rows, skips, warnings)
    "files": {
        "path": pl.String(),
        "size": pl.Int64(),
        "mtime_ns": pl.Int64(),
        "inode": pl.Int64(),
        "sha256": pl.String(),
        "ingest": pl.String(),
        "outcome": pl.String(),
    },
    # the passages of every stored document (their text is ``documents.text[start:end]``)
    "passages": {
        "sha256": pl.String(),
        "index": pl.Int32(),
        "start": pl.Int64(),
        "end": pl.Int64(),
        "kind": pl.String(),
        "reason": pl.String(),
    },
    # the normalized-line keys of every stored document, for boilerplate detection of new ones
    "lines": {"sha256": pl.String(), "key": pl.UInt64()},
}
_KEYS = {
    "documents": "sha256",
    "signatures": "sha256",
    "vectors": "sha256",
    "findings": "id",
    "events": "id",
    "files": "path",
    "passages": "sha256",
    "lines": "sha256",
}
_UNIQUE = ("documents", "files")


@dataclass(frozen=True, slots=True)
class StateData:
    """Everything a `dedupe check` keeps between runs; documents are keyed by content sha256.

    A table is a DataFrame, or a LazyFrame scanning the stored file when loaded lazily.
    """

    documents: pl.DataFrame | pl.LazyFrame
    signatures: pl.DataFrame
    vectors: pl.DataFrame
    findings: pl.DataFrame
    events: pl.DataFrame
    files: pl.DataFrame = field(default_factory=lambda: _empty("files"))
    passages: pl.DataFrame | pl.LazyFrame = field(default_factory=lambda: _empty("passages"))
    lines: pl.DataFrame | pl.LazyFrame = field(default_factory=lambda: _empty("lines"))

    def counts(self) -> dict[str, int]:
        """Return the number of rows of each table."""
        return {name: _height(getattr(self, name)) for name in TABLES}


def state_columns(name: str) -> dict[str, pl.DataType]:
    """Return the required columns of table ``name`` with their types."""
    return dict(_COLUMNS[name])


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=_COLUMNS[name])


def _height(frame: pl.DataFrame | pl.LazyFrame) -> int:
    if isinstance(frame, pl.LazyFrame):
        return int(frame.select(pl.len()).collect().item())
    return frame.height


def empty_state(*, dim: int = 0, num_perm: int | None = None) -> StateData:
    """Return a state with no rows, for a first run: vectors typed ``Array(Float32, dim)``,
    signatures ``Array(UInt64, num_perm)`` (``List(UInt64)`` without ``num_perm``), so new rows
    of those types can be concatenated onto it."""
    signature = pl.List(pl.UInt64) if num_perm is None else pl.Array(pl.UInt64, num_perm)
    return StateData(
        documents=pl.DataFrame(schema=_COLUMNS["documents"]),
        signatures=pl.DataFrame(schema={"sha256": pl.String, "signature": signature}),
        vectors=pl.DataFrame(schema={"sha256": pl.String, "vector": pl.Array(pl.Float32, dim)}),
        findings=_empty("findings"),
        events=_empty("events"),
    )


class StateStore:
    """A state directory: exclusive lock, verified load, atomic generation-based save.

    ``params`` are the settings that shaped the stored data (a JSON-able dict, nested dicts
    allowed); a state saved with other params is refused by ``load`` with the differing keys.
    ``load`` and ``save`` take the lock themselves when ``lock()`` is not already held.
    """

    def __init__(self, directory: Path | str, params: Mapping[str, object]) -> None:
        self.directory = Path(directory)
        self.params: dict[str, Any] = json.loads(json.dumps(dict(params), sort_keys=True))
        self._filelock = filelock.FileLock(str(self.directory / LOCK), thread_local=False)
        self._depth = 0

    @property
    def manifest_path(self) -> Path:
        """Return the path of ``manifest.json``."""
        return self.directory / MANIFEST

    def exists(self) -> bool:
        """Return True when a state was committed here (its manifest exists), even a damaged one."""
        return self.manifest_path.is_file()

    @contextlib.contextmanager
    def lock(self, timeout: float = 0) -> Iterator[StateStore]:
        """Hold the exclusive lock of the directory, waiting up to ``timeout`` seconds (0: fail at
        once); raise StateError naming the holder's pid when another process has it."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._filelock.acquire(timeout=max(timeout, 0))
        except filelock.Timeout:
            raise StateError(self._locked_message()) from None
        except OSError as exc:
            raise StateError(f"cannot lock state {self.directory}: {_reason(exc)}") from exc
        self._depth = 1
        try:
            self._write_owner()
            yield self
        finally:
            self._depth = 0
            with contextlib.suppress(OSError):
                (self.directory / LOCK_OWNER).unlink()
            self._filelock.release()

    def manifest(self) -> dict[str, Any]:
        """Return the committed manifest (schema, generation, timestamps, params, counts, files)."""
        path = self.manifest_path
        if not path.is_file():
            raise StateError(self._missing_message())
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise StateError(self._manifest_problem(_reason(exc))) from exc
        problem = _manifest_shape_problem(manifest)
        if problem:
            raise StateError(self._manifest_problem(problem))
        return manifest

    def load(self, *, lazy: bool = False) -> StateData:
        """Return the committed state after verifying its manifest, params, checksums and schemas;
        raise StateError with one line naming what is wrong and how to rebuild. With ``lazy``,
        the tables that grow with the archive (``LAZY``) are LazyFrames scanning the verified
        files, valid until the next save."""
        if not self.exists():
            raise StateError(self._missing_message())
        with self.lock():
            manifest = self.manifest()
            diffs = _param_diffs(manifest["params"], self.params)
            if diffs:
                raise StateError(
                    f"state {self.directory} was built with other parameters ({'; '.join(diffs)}); "
                    f"{self._rebuild_hint()}"
                )
            tables = {
                name: self._read_table(name, manifest["files"][name], lazy=lazy and name in LAZY)
                for name in TABLES
                if name in manifest["files"]
            }
        return StateData(**tables)

    def save(
        self, data: StateData, *, appended: Mapping[str, pl.DataFrame | pl.LazyFrame] | None = None
    ) -> None:
        """Commit ``data`` as the new state atomically: a run killed at any point leaves the
        previous state or this one, both complete; older generations are then removed.

        ``appended`` names tables of ``SEGMENTED`` whose new content is the committed one plus
        these rows (``data``'s frame for them must be that): only the rows are written, as a
        new segment. Without a committed segmented table to add to, or past MAX_SEGMENTS, the
        table is written whole from ``data``."""
        frames = {name: _conform(name, getattr(data, name)) for name in TABLES}
        extra = {name: _conform(name, rows) for name, rows in (appended or {}).items()}
        if set(extra) - set(SEGMENTED):
            raise StateError(f"cannot append to {sorted(set(extra) - set(SEGMENTED))}")
        with self.lock():
            previous = self._previous_manifest()
            generation = max([self._newest_generation(), int(previous.get("generation", 0))]) + 1
            folder = self.directory / f"gen-{generation:06d}"
            try:
                self._commit(folder, generation, frames, previous, extra)
            except BaseException as exc:  # a failure, or a stop (Ctrl-C, SIGTERM) while saving
                committed = self._previous_manifest().get("generation") == generation
                if not committed:
                    with contextlib.suppress(OSError):  # (the folder is unused)
                        shutil.rmtree(folder)
                if not isinstance(exc, OSError):
                    raise
                raise StateError(
                    f"cannot save state {self.directory}: {_reason(exc)} "
                    + (
                        "(the new state was written, but may not be on disk yet)"
                        if committed
                        else "(the previous state, if any, is unchanged)"
                    )
                ) from exc
            self._remove_stale(keep=folder.name)

    def _commit(
        self,
        folder: Path,
        generation: int,
        frames: dict[str, pl.DataFrame | pl.LazyFrame],
        previous: dict[str, Any],
        appended: dict[str, pl.DataFrame | pl.LazyFrame],
    ) -> None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        segments = self.directory / SEGMENTS
        segments.mkdir(exist_ok=True)
        files: dict[str, dict[str, Any]] = {}
        for name, frame in frames.items():
            if name not in SEGMENTED:
                files[name] = self._write_file(folder / f"{name}.parquet", frame)
                continue
            kept = previous.get("files", {}).get(name, {}).get("segments")
            if (
                name in appended
                and isinstance(kept, list)
                and len(kept) < MAX_SEGMENTS
                # segments are read as one table: the same columns and types as those kept
                and self._same_schema(kept, appended[name])
            ):
                rows = appended[name]
                parts = list(kept)
                if _height(rows):
                    parts.append(self._write_file(_segment_path(segments, name), rows))
            else:  # the whole table as one segment
                parts = [self._write_file(_segment_path(segments, name), frame)]
            files[name] = {"segments": parts, "rows": sum(part["rows"] for part in parts)}
        fsync_directory(folder)
        fsync_directory(segments)
        now = _utc_now()
        keep_created = previous.get("params") == self.params and isinstance(
            previous.get("created"), str
        )
        manifest = {
            "schema": SCHEMA,
            "generation": generation,
            "created": previous["created"] if keep_created else now,
            "updated": now,
            "params": self.params,
            "counts": {name: entry["rows"] for name, entry in files.items()},
            "files": files,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        atomic_write_text(self.manifest_path, text, prefix=f".{MANIFEST}.")
        fsync_directory(self.directory)

    def _same_schema(self, kept: list[dict[str, Any]], rows: pl.DataFrame | pl.LazyFrame) -> bool:
        if not kept:
            return False
        try:
            stored = pl.read_parquet_schema(self.directory / kept[0]["path"])
        except (OSError, pl.exceptions.PolarsError, ValueError, KeyError, TypeError):
            return False
        return dict(stored) == dict(rows.collect_schema())

    def _write_file(self, path: Path, frame: pl.DataFrame | pl.LazyFrame) -> dict[str, Any]:
        """Write ``frame`` to ``path`` (fsynced); return its manifest entry."""
        if isinstance(frame, pl.LazyFrame):
            frame.sink_parquet(path)
            rows = _height(pl.scan_parquet(path))
            with path.open("rb+") as handle:
                os.fsync(handle.fileno())
        else:
            rows = frame.height
            with path.open("wb") as handle:
                frame.write_parquet(handle)
                handle.flush()
                os.fsync(handle.fileno())
        digest, size = _sha256_file(path)
        return {
            "path": path.relative_to(self.directory).as_posix(),
            "sha256": digest,
            "bytes": size,
            "rows": rows,
        }

    def _read_table(
        self, name: str, entry: dict[str, Any], *, lazy: bool = False
    ) -> pl.DataFrame | pl.LazyFrame:
        """Return table ``name`` from its manifest entry (one generation file, or segments read
        as one table) after checking every file's size and checksum, then its schema and rows."""
        parts = [self._verified(part) for part in entry.get("segments", [entry])]
        if not parts:
            return _empty(name).lazy() if lazy else _empty(name)
        source = parts[0] if len(parts) == 1 else parts
        try:
            frame = pl.scan_parquet(source) if lazy else pl.read_parquet(source)
            problem = _schema_problem(name, frame)
            height = _height(frame)
        except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
            raise StateError(self._file_problem(parts[0], f"unreadable: {_reason(exc)}")) from exc
        if problem is None and height != entry["rows"]:
            problem = f"{height} rows, the manifest says {entry['rows']}"
        if problem:
            raise StateError(self._file_problem(parts[0], problem))
        return frame

    def _verified(self, entry: dict[str, Any]) -> Path:
        """Return the path of a manifest file entry after checking its size and checksum."""
        path = self.directory / entry["path"]
        if not path.is_file():
            raise StateError(self._file_problem(path, "missing"))
        try:
            digest, size = _sha256_file(path)
        except OSError as exc:
            raise StateError(self._file_problem(path, f"unreadable: {_reason(exc)}")) from exc
        if size != entry["bytes"]:
            raise StateError(
                self._file_problem(path, f"{size} bytes, the manifest says {entry['bytes']}")
            )
        if digest != entry["sha256"]:
            raise StateError(self._file_problem(path, "sha256 checksum mismatch"))
        return path

    def _previous_manifest(self) -> dict[str, Any]:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        if not isinstance(manifest, dict) or not isinstance(manifest.get("generation", 0), int):
            return {}
        return manifest

    def _newest_generation(self) -> int:
        numbers = [0]
        for child in self._children():
            match = _GENERATION.fullmatch(child.name)
            if match:
                numbers.append(int(match.group(1)))
        return max(numbers)

    def _remove_stale(self, keep: str) -> None:
        for child in self._children():
            if _GENERATION.fullmatch(child.name) and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)
            elif _TEMPORARY.fullmatch(child.name):
                with contextlib.suppress(OSError):
                    child.unlink()
        used = {
            part["path"]
            for entry in self._previous_manifest().get("files", {}).values()
            for part in entry.get("segments", [])
        }
        with contextlib.suppress(OSError):
            for child in (self.directory / SEGMENTS).iterdir():
                if f"{SEGMENTS}/{child.name}" not in used:
                    with contextlib.suppress(OSError):
                        child.unlink()

    def _children(self) -> list[Path]:
        try:
            return list(self.directory.iterdir())
        except OSError:
            return []

    def _write_owner(self) -> None:
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": _utc_now()}
        with contextlib.suppress(OSError):
            atomic_write_text(
                self.directory / LOCK_OWNER, json.dumps(owner) + "\n", prefix=f"{LOCK_OWNER}."
            )

    def _locked_message(self) -> str:
        holder = "pid unknown"
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            owner = json.loads((self.directory / LOCK_OWNER).read_text(encoding="utf-8"))
            holder = f"pid {int(owner['pid'])}"
            if owner.get("host") and owner["host"] != socket.gethostname():
                holder += f" on {owner['host']}"
        return (
            f"state {self.directory} is locked by another dedupe check ({holder}); wait for it "
            f"to finish, or remove {self.directory / LOCK} if no check is running"
        )

    def _missing_message(self) -> str:
        return (
            f"no state in {self.directory} ({MANIFEST} missing); "
            f"create it with `dedupe check FOLDER --state {self.directory}`"
        )

    def _rebuild_hint(self) -> str:
        return f"rebuild it with `dedupe check FOLDER --state {self.directory} --rebuild`"

    def _manifest_problem(self, problem: str) -> str:
        return (
            f"state manifest {self.manifest_path} is unusable ({problem}); the state cannot be "
            f"used: {self._rebuild_hint()}"
        )

    def _file_problem(self, path: Path, problem: str) -> str:
        return (
            f"state file {path} is corrupt ({problem}); the state in {self.directory} cannot be "
            f"used: {self._rebuild_hint()}"
        )


def findings_frame(findings: Sequence[Finding], sha_by_document: Mapping[str, str]) -> pl.DataFrame:
    """Return the ``findings`` table for ``findings``: documents as sha256 (stable across runs,
    unlike document ids) and the whole finding as JSON in ``payload``, documents rewritten too."""
    rows = []
    for finding in findings:
        documents = sorted({sha_by_document[d] for v in finding.values for d in v.documents})
        rows.append(
            {
                "id": finding.id,
                "kind": finding.kind,
                "severity": finding.severity,
                "summary": finding.summary,
                "documents": documents,
                "payload": finding_to_payload(finding, sha_by_document),
            }
        )
    return pl.DataFrame(rows, schema=_COLUMNS["findings"])


def finding_to_payload(finding: Finding, document_map: Mapping[str, str] | None = None) -> str:
    """Return ``finding`` as compact JSON, every document reference passed through
    ``document_map`` (e.g. id → sha256) when given; ``finding_from_payload`` reverses it."""
    return json.dumps(_finding_dict(finding, document_map or {}), ensure_ascii=False, default=str)


def finding_from_payload(payload: str, document_map: Mapping[str, str] | None = None) -> Finding:
    """Return the Finding stored by ``finding_to_payload``, document references passed through
    ``document_map`` (e.g. sha256 → this run's id; unknown references are kept)."""
    data = json.loads(payload)
    mapping = document_map or {}

    def doc(reference: str) -> str:
        return mapping.get(reference, reference)

    return Finding(
        id=data["id"],
        kind=data["kind"],
        severity=data["severity"],
        confidence=float(data["confidence"]),
        event=data.get("event"),
        summary=data["summary"],
        values=tuple(
            FindingValue(
                value=v["value"],
                normalized=v["normalized"],
                documents=tuple(doc(d) for d in v["documents"]),
                evidence=tuple(
                    Evidence(
                        document=doc(e["document"]),
                        start=e["start"],
                        end=e["end"],
                        text=e["text"],
                        value_start=e.get("value_start", -1),
                        value_end=e.get("value_end", -1),
                    )
                    for e in v["evidence"]
                ),
            )
            for v in data["values"]
        ),
        details=data.get("details") or {},
    )


def _finding_dict(finding: Finding, mapping: Mapping[str, str]) -> dict[str, Any]:
    def doc(reference: str) -> str:
        return mapping.get(reference, reference)

    return {
        "id": finding.id,
        "kind": finding.kind,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "event": finding.event,
        "summary": finding.summary,
        "values": [
            {
                "value": v.value,
                "normalized": v.normalized,
                "documents": [doc(d) for d in v.documents],
                "evidence": [
                    {
                        "document": doc(e.document),
                        "start": e.start,
                        "end": e.end,
                        "text": e.text,
                        "value_start": e.value_start,
                        "value_end": e.value_end,
                    }
                    for e in v.evidence
                ],
            }
            for v in finding.values
        ],
        "details": finding.details,
    }


def _conform(name: str, frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Return ``frame`` with its required columns cast to the stored types, or raise StateError."""
    if not isinstance(frame, pl.DataFrame | pl.LazyFrame):
        raise StateError(f"cannot save state: {name} is a {type(frame).__name__}, not a DataFrame")
    if isinstance(frame, pl.LazyFrame) and name not in LAZY:
        frame = frame.collect()
    casts = dict(_COLUMNS[name])
    schema = frame.collect_schema()
    if name == "signatures" and "signature" in schema:
        dtype = schema["signature"]
        if isinstance(dtype, pl.Array) and dtype.inner.is_integer():
            casts["signature"] = pl.Array(pl.UInt64, dtype.size)
        elif isinstance(dtype, pl.List) and dtype.inner.is_integer():
            casts["signature"] = pl.List(pl.UInt64)
    if name == "vectors" and "vector" in schema:
        dtype = schema["vector"]
        if isinstance(dtype, pl.Array) and dtype.inner.is_numeric():
            casts["vector"] = pl.Array(pl.Float32, dtype.size)
    missing = [column for column in casts if column not in schema]
    if not missing:
        try:
            frame = frame.with_columns(
                pl.col(column).cast(dtype, strict=True) for column, dtype in casts.items()
            )
        except (pl.exceptions.PolarsError, ValueError) as exc:
            raise StateError(f"cannot save state: table {name}: {_reason(exc)}") from exc
    problem = _schema_problem(name, frame)
    if problem:
        raise StateError(f"cannot save state: table {name}: {problem}")
    return frame


def _schema_problem(name: str, frame: pl.DataFrame | pl.LazyFrame) -> str | None:
    """Return what makes ``frame`` unfit to be table ``name``, or None (a LazyFrame is checked
    by reading its key column only)."""
    schema = frame.collect_schema()
    for column, dtype in _COLUMNS[name].items():
        if column not in schema:
            return f"no column {column!r}"
        if schema[column] != dtype:
            return f"column {column!r} is {schema[column]}, expected {dtype}"
    if name == "signatures":
        dtype = schema.get("signature")
        if not (isinstance(dtype, pl.Array | pl.List) and dtype.inner == pl.UInt64):
            return f"column 'signature' is {dtype}, expected List(UInt64) or Array(UInt64, n)"
    if name == "vectors":
        dtype = schema.get("vector")
        if not (isinstance(dtype, pl.Array) and dtype.inner == pl.Float32):
            return f"column 'vector' is {dtype}, expected Array(Float32, dim)"
    key = _KEYS[name]
    stats = frame.lazy().select(
        nulls=pl.col(key).null_count(), distinct=pl.col(key).n_unique(), rows=pl.len()
    )
    nulls, distinct, rows = stats.collect().row(0)
    if nulls:
        return f"null values in key column {key!r}"
    if name in _UNIQUE and distinct != rows:
        return f"duplicate values in key column {key!r}"
    return None


def _manifest_shape_problem(manifest: object) -> str | None:
    if not isinstance(manifest, dict):
        return "not a JSON object"
    schema = manifest.get("schema")
    if schema != SCHEMA:
        return f"schema {schema!r}, expected {SCHEMA!r}"
    if not isinstance(manifest.get("generation"), int):
        return "no generation number"
    if not isinstance(manifest.get("params"), dict):
        return "no params"
    files = manifest.get("files")
    if not isinstance(files, dict):
        return "no file list"
    for name in TABLES:
        entry = files.get(name)
        if entry is None and name in OPTIONAL:
            continue
        if not isinstance(entry, dict):
            return f"no entry for {name}"
        if "segments" in entry and name in SEGMENTED:
            parts = entry["segments"]
            if not isinstance(parts, list) or not isinstance(entry.get("rows"), int):
                return f"bad segment list for {name}"
            for part in parts:
                problem = _file_entry_problem(name, part, segment=True)
                if problem:
                    return problem
            continue
        problem = _file_entry_problem(name, entry, segment=False)
        if problem:
            return problem
    return None


def _file_entry_problem(name: str, entry: object, *, segment: bool) -> str | None:
    if not isinstance(entry, dict):
        return f"bad entry for {name}"
    path = entry.get("path")
    pattern = (
        rf"{SEGMENTS}/{name}-[0-9a-f]{{32}}\.parquet"
        if segment
        else rf"gen-\d{{6,}}/{name}\.parquet"
    )
    if not (isinstance(path, str) and re.fullmatch(pattern, path)):
        return f"bad path for {name}: {path!r}"
    if not isinstance(entry.get("sha256"), str):
        return f"no sha256 for {name}"
    for number in ("bytes", "rows"):
        if not isinstance(entry.get(number), int):
            return f"no {number} for {name}"
    return None


def _segment_path(folder: Path, name: str) -> Path:
    return folder / f"{name}-{uuid.uuid4().hex}.parquet"


def _param_diffs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Return ``key old → new`` for every parameter that differs (nested keys dotted)."""
    before, after = _flatten(old), _flatten(new)
    return [
        f"{key} {_show(before, key)} → {_show(after, key)}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key, _UNSET) != after.get(key, _UNSET)
    ]


_UNSET = object()


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _show(values: Mapping[str, Any], key: str) -> str:
    if key not in values:
        return "(unset)"
    text = json.dumps(values[key], ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
