"""Ingest stage: a folder of articles → documents and passages (polars frames) + skipped files.

Bad input never stops a run and no input file is ever written: every file that cannot be read
as an article is recorded as `Skipped` with the reason, and the run goes on.

Offsets: every passage offset indexes ``documents.text``. For .txt and .md that is the decoded
file text itself (front matter included), for .json/.jsonl the decoded article field, for HTML
the main text extracted from the page.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import os
import re
import stat
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Container, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from dedupe.allocator import map_large_blocks
from dedupe.errors import ConfigError
from dedupe.files import temporary_folder
from dedupe.models import DOCUMENT_SCHEMA, PASSAGE_SCHEMA, Corpus, Skipped
from dedupe.parallel import call_apart
from dedupe.settings import Settings
from dedupe.text import line_spans, normalize, script_of, word_spans

TEXT_KEYS = ("text", "body", "content", "article", "article_body", "articleBody", "maintext")
TITLE_KEYS = ("title", "headline")
OUTLET_KEYS = ("outlet", "source", "site", "publisher", "sitename", "site_name")
PUBLISHED_KEYS = ("published", "date", "published_at", "pubDate", "datePublished", "time")
URL_KEYS = ("url", "link", "source_url")
ARABIC_CODEPAGES = ("cp1256", "iso8859_6", "cp720", "mac_arabic", "cp864")


@dataclass(slots=True)
class _Article:
    path: str
    text: str
    encoding: str
    sha256: str
    format: str
    body_start: int = 0
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    warnings: list[str] = field(default_factory=list)


class _Skip(Exception):
    """Internal: this file is not an article; the message is the reason shown to the user."""


def ingest(
    folder: Path,
    settings: Settings,
    *,
    manifest: Path | None = None,
    exclude: Sequence[Path] = (),
) -> Corpus:
    """Return the Corpus of every article under ``folder`` (recursive, sorted, deterministic)."""
    root = _root(folder)
    manifest_path = manifest or (Path(settings.manifest) if settings.manifest else None)
    meta = read_manifest(manifest_path, root) if manifest_path else {}
    files = _folder_files(root, manifest_path, exclude)
    documents, passages, skipped, warnings = _read_corpus(files, settings, meta)
    if documents.height == 0:
        warnings.append(f"no articles found under {folder}")
    return Corpus(
        root=str(root),
        documents=documents,
        passages=passages,
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )


# from this many files, a full ingest reads them in a process of its own (see _read_corpus)
APART_MIN_FILES = 2000
_Read = tuple[pl.DataFrame, pl.DataFrame, list[Skipped], list[str]]


def _read_corpus(
    files: Sequence[tuple[Path, str, str]], settings: Settings, meta: dict[str, dict[str, str]]
) -> _Read:
    """Return the documents and passages of ``files``, the skips and the warnings.

    From APART_MIN_FILES files, on POSIX systems, they are read in a process of its own, which
    hands the two frames back in Arrow IPC files (in a temporary folder; without one, they
    are read here). Reading makes and frees a Python string, list and set for every article
    and line, and the frees leave the heap of the process that read them full of holes: the
    workers that later stages fork from it then write their own objects into those holes,
    and each page they write is copied. Scoring the passage pairs of 100,000 articles after
    an ingest in the same process, each of the two workers held 627 MiB of its own, and the
    run with them 5,240 MiB; after an ingest in another process, 179 MiB and 4,345 MiB.
    """
    done = _apart(_read_to_ipc, files, settings, meta) if len(files) >= APART_MIN_FILES else None
    if done is not None:
        (skipped, warnings), frames = done
        return frames["documents"], frames["passages"], skipped, warnings
    articles, skipped, warnings = _read_files(files, settings, meta)
    documents, passages = _frames(articles, settings, skipped)
    return documents, passages, skipped, warnings


def _apart(fn: Callable[..., Any], *args: Any) -> tuple[Any, dict[str, pl.DataFrame]] | None:
    """Return ``fn(*args, folder)``, computed by :func:`call_apart` in a process of its own,
    and the frames it wrote to ``folder`` (a temporary folder) as NAME.arrow, by name. None
    where that cannot be done (not POSIX; no temporary folder, or no room in it): the caller
    reads here. A process that died (out of memory, a signal) raises ChildProcessError: so
    would this one."""
    if os.name != "posix":
        return None
    try:
        with temporary_folder("dedupe-ingest-") as folder:
            value = call_apart(fn, *args, folder)
            return value, {f.stem: pl.read_ipc(f) for f in Path(folder).glob("*.arrow")}
    except ChildProcessError:
        raise
    except OSError:
        return None


def _read_to_ipc(
    files: Sequence[tuple[Path, str, str]],
    settings: Settings,
    meta: dict[str, dict[str, str]],
    folder: str,
) -> tuple[list[Skipped], list[str]]:
    """Read ``files`` (in a process of their own: see _read_corpus), write the documents and
    passages to ``folder`` as Arrow IPC files, and return the skips and the warnings."""
    map_large_blocks()  # as the command line does (this process exits when done)
    articles, skipped, warnings = _read_files(files, settings, meta)
    documents, passages = _frames(articles, settings, skipped)
    del articles
    documents.write_ipc(Path(folder) / "documents.arrow")
    passages.write_ipc(Path(folder) / "passages.arrow")
    return skipped, warnings


INDEX_SCHEMA: dict[str, pl.DataType] = {
    "path": pl.String(),
    "size": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "inode": pl.Int64(),
    "sha256": pl.String(),
    "ingest": pl.String(),  # digest of the settings and manifest rows the outcome depends on
    "outcome": pl.String(),  # JSON: document rows (no id, no text), skips, warnings
}
# a file modified this close to the scan may change again within one mtime tick ("racy git"):
# its stat is not trusted next time, so its content is hashed again
RACY_NS = 2_000_000_000

Context = Callable[[set[int], dict[str, str | None]], Sequence[tuple[str | None, frozenset[int]]]]


@dataclass(frozen=True, slots=True)
class FolderIngest:
    """A folder ingested against a file index: every document of the folder (ids as a full
    ingest gives them), with text and passages only for the files read this time."""

    corpus: Corpus
    files: pl.DataFrame  # the folder's new file index (INDEX_SCHEMA)
    parsed: frozenset[str]  # ids of the documents whose file was read and parsed this time


def ingest_incremental(
    folder: Path,
    settings: Settings,
    *,
    index: pl.DataFrame | None = None,
    known: Container[str] = frozenset(),
    context: Context | None = None,
    manifest: Path | None = None,
    exclude: Sequence[Path] = (),
) -> FolderIngest:
    """Return the folder's documents, reading only the files the ``index`` (a previous
    FolderIngest's ``files``) does not describe.

    Like git's index: a file whose (size, mtime_ns, inode) match its entry is known without
    being read; a file whose stat changed is read and hashed, and parsed only when its sha256
    changed too, or a document it gave is not ``known``. Files are parsed together, with
    ``context(line keys, {sha256: outlet} of the unchanged documents)`` giving the (outlet, line
    keys) of other documents, so template lines are recognised as a full ingest would.

    An unchanged file costs its stat and no Python work of its own: the walk keeps plain
    strings, and what to do with each file, and the documents of the unchanged ones, are
    worked out on columns (the walk joined to the index); only the changed files are handled
    one by one.
    """
    root = _root(folder)
    manifest_path = manifest or (Path(settings.manifest) if settings.manifest else None)
    meta = read_manifest(manifest_path, root) if manifest_path else {}
    scan_start = time.time_ns()
    limit = int(settings.max_file_mb * 1024 * 1024)
    excluded = excluded_paths(exclude, manifest_path)
    plain_key, key_of = _ingest_keys(settings, meta)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # polars decodes the index (without the GIL) while Python walks the folder
        entries = pool.submit(_index_entries, index, {plain_key, *key_of.values()})
        plain, found = _scan_article_files(root, excluded, settings.extensions, plain_key, key_of)
        plan = _hash_changed(_reuse_plan(found, entries.result(), known, limit))
    reused = _reused_documents(plan)
    parsed = _parse_changed(plan, reused, settings, meta, limit, context)
    documents, renamed = _number_documents(reused, parsed.documents)
    skipped, warnings = _skips_and_warnings(plain, plan, parsed.outcomes, settings, meta)
    if documents.height == 0:
        warnings.append(f"no articles found under {folder}")
    corpus = Corpus(
        root=str(root),
        documents=documents,
        passages=parsed.passages.with_columns(
            pl.col("document").replace_strict(renamed, default=None, return_dtype=pl.String)
        ),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )
    return FolderIngest(
        corpus=corpus,
        files=_new_index(plan, parsed.index, scan_start),
        parsed=frozenset(renamed.values()),
    )


# the article files of a folder walk, in walk order (``pos`` numbers every entry of the walk)
_FOUND_SCHEMA: dict[str, pl.DataType] = {
    "pos": pl.Int64(),
    "file": pl.String(),  # the path to open (os form)
    "path": pl.String(),  # relative to the folder, POSIX form: the index key
    "size": pl.Int64(),
    "st_mtime_ns": pl.Int64(),  # as the file has it (the index stores -1 for a racy one)
    "inode": pl.Int64(),
    "ingest": pl.String(),
}
_INDEX_DOCUMENT = {c: t for c, t in DOCUMENT_SCHEMA.items() if c not in ("id", "text")}
# an index entry's ``outcome`` JSON, as ingest_incremental writes it
_OUTCOME = pl.Struct(
    {
        "documents": pl.List(pl.Struct(_INDEX_DOCUMENT)),
        "skipped": pl.List(pl.List(pl.String)),
        "article_skipped": pl.List(pl.List(pl.String)),
        "warnings": pl.List(pl.String),
    }
)


def _ingest_keys(settings: Settings, meta: dict[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """Return the ingest key of every file no manifest row names, and the keys of the files
    the manifest names (by relative path)."""
    rows_of: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for name, row in meta.items():
        rows_of[name.split("#", 1)[0]].append((name, row))
    return _ingest_key(settings, []), {
        rel: _ingest_key(settings, rows) for rel, rows in rows_of.items()
    }


def _scan_article_files(
    root: Path,
    excluded: set[Path],
    extensions: Collection[str],
    plain_key: str,
    key_of: dict[str, str],
) -> tuple[list[tuple[int, Path, str, str]], pl.DataFrame]:
    """Return the folder walk split in two: (pos, path, relative path, problem) of the entries
    that are not article files (skipped as a full ingest skips them), and the article files
    (``_FOUND_SCHEMA``) with the stat the index compares and the ingest key of each.

    Kept to plain strings and ints: a folder of 100,000 files costs 100,000 stats, and no
    Path object or dict per file.
    """
    extensions = frozenset(extensions)
    walked = walk_files(root, excluded)
    plain: list[tuple[int, Path, str, str]] = []
    articles: list[int] = []
    for pos, (file, rel, problem, st) in enumerate(walked):
        if problem or st is None or _suffix(rel).lower() not in extensions:
            plain.append((pos, Path(file), rel, problem))
        else:
            articles.append(pos)
    stats = [walked[pos][3] for pos in articles]
    rels = [walked[pos][1] for pos in articles]
    found = {
        "pos": articles,
        "file": [walked[pos][0] for pos in articles],
        "path": rels,
        "size": [st.st_size for st in stats],
        "st_mtime_ns": [st.st_mtime_ns for st in stats],
        "inode": [st.st_ino for st in stats],
        "ingest": [key_of.get(rel, plain_key) for rel in rels],
    }
    return plain, pl.DataFrame(found, schema=_FOUND_SCHEMA)


def _suffix(path: str) -> str:
    """Return the suffix of a POSIX path's last part as ``PurePath.suffix`` gives it."""
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _index_entries(index: pl.DataFrame | None, keys: Collection[str]) -> pl.DataFrame:
    """Return the ``index`` entries (``path`` and ``old_*`` columns), the last of a path only
    (as a dict of its rows would have it), with the ``outcome`` decoded for those made with
    one of ``keys``: no other can be reused."""
    old = (
        (index if index is not None else pl.DataFrame(schema=INDEX_SCHEMA))
        .select("path", *(pl.col(c).alias(f"old_{c}") for c in INDEX_SCHEMA if c != "path"))
        .unique("path", keep="last", maintain_order=True)
    )
    usable = pl.col("old_ingest").is_in(pl.Series(list(keys), dtype=pl.String).implode())
    return old.with_columns(
        outcome=_decode_outcomes(
            old.select(pl.when(usable).then(pl.col("old_outcome"))).to_series()
        )
    )


def _reuse_plan(
    found: pl.DataFrame, entries: pl.DataFrame, known: Container[str], limit: int
) -> pl.DataFrame:
    """Return ``found`` joined to its index ``entries`` with an ``action`` per file: "reuse"
    the entry (same stat), "hash" the file (stat changed: the same content is reused) or
    "parse" it.

    An entry is usable when it was made with the file's ingest key and every document it gave
    is ``known``; a racy entry (mtime_ns -1) never matches a stat.
    """
    plan = found.join(entries, on="path", how="left", maintain_order="left").with_columns(
        outcome=pl.when(pl.col("old_ingest") == pl.col("ingest")).then(pl.col("outcome"))
    )
    documents = (
        plan.select("pos", sha256=pl.col("outcome").struct.field("documents"))
        .filter(pl.col("sha256").list.len() > 0)
        .explode("sha256")
        .select("pos", pl.col("sha256").struct.field("sha256"))
    )
    shas = documents["sha256"].to_list()
    unknown = documents.filter(pl.Series([sha not in known for sha in shas], dtype=pl.Boolean))
    usable = pl.col("outcome").is_not_null() & ~pl.col("pos").is_in(unknown["pos"].implode())
    same_stat = (
        (pl.col("old_mtime_ns") >= 0)
        & (pl.col("old_size") == pl.col("size"))
        & (pl.col("old_mtime_ns") == pl.col("st_mtime_ns"))
        & (pl.col("old_inode") == pl.col("inode"))
    )
    return plan.with_columns(
        action=pl.when(usable & same_stat)
        .then(pl.lit("reuse"))
        .when(usable & (pl.col("size") <= limit))
        .then(pl.lit("hash"))
        .otherwise(pl.lit("parse"))
    )


_DECODE_ROWS = 8192


def _decode_outcomes(outcomes: pl.Series) -> pl.Series:
    """Return index entries' ``outcome`` JSON decoded (``_OUTCOME``; null stays null).

    Decoded a slice at a time, the slices in parallel: one decode of 100,000 entries took
    twice as long as slices of a few thousand, even on one thread.
    """
    frame = outcomes.to_frame("outcome")
    decoded = [
        frame.slice(start, _DECODE_ROWS).lazy().select(pl.col("outcome").str.json_decode(_OUTCOME))
        for start in range(0, max(frame.height, 1), _DECODE_ROWS)
    ]
    return pl.concat(decoded).collect().to_series()


def _hash_changed(plan: pl.DataFrame) -> pl.DataFrame:
    """Return ``plan`` with every "hash" file hashed: reused when its content is its entry's,
    parsed otherwise; ``sha256`` is the file's (the entry's for a reused one, "" when it is
    not known yet)."""
    changed = plan.filter(pl.col("action") == "hash")
    digests: list[str] = []
    for file in changed["file"]:
        try:
            digests.append(_sha256_of(Path(file)))
        except OSError:
            digests.append("")
    hashed = pl.DataFrame({"pos": changed["pos"], "digest": pl.Series(digests, dtype=pl.String)})
    same = (pl.col("digest") != "") & (pl.col("digest") == pl.col("old_sha256"))
    return (
        plan.join(hashed, on="pos", how="left", maintain_order="left")
        .with_columns(
            action=pl.when(pl.col("action") != "hash")
            .then(pl.col("action"))
            .when(same)
            .then(pl.lit("reuse"))
            .otherwise(pl.lit("parse"))
        )
        .with_columns(
            sha256=pl.when(pl.col("action") == "reuse")
            .then(pl.col("old_sha256"))
            .otherwise(pl.col("digest").fill_null(""))
        )
        .drop("digest")
    )


def _reused_documents(plan: pl.DataFrame) -> pl.DataFrame:
    """Return the document rows (no id, no text) the reused entries give, with their file's
    ``pos``, in walk order."""
    return (
        plan.filter(pl.col("action") == "reuse")
        .select("pos", document=pl.col("outcome").struct.field("documents"))
        .filter(pl.col("document").list.len() > 0)
        .explode("document")
        .unnest("document")
    )


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The files ingest_incremental read and parsed."""

    documents: pl.DataFrame  # DOCUMENT_SCHEMA (ids d1..dK of this parse) + their file's pos
    passages: pl.DataFrame  # PASSAGE_SCHEMA, by those ids
    outcomes: dict[int, dict[str, Any]]  # pos → the file's outcome (as its index entry has it)
    index: pl.DataFrame  # pos, new_sha256, new_outcome (JSON): their index fields


def _parse_changed(
    plan: pl.DataFrame,
    reused: pl.DataFrame,
    settings: Settings,
    meta: dict[str, dict[str, str]],
    limit: int,
    context: Context | None,
) -> _Parsed:
    """Read and parse the "parse" files of ``plan`` together, as a full ingest would: the
    ``context`` of the ``reused`` documents counts when telling template lines.

    Without such context (a first check; no file unchanged) and from APART_MIN_FILES files,
    they are read in a process of its own, as a full ingest reads them (see _read_corpus): a
    first check over 100,000 articles held 2.8 GB after reading them in the check's process,
    a full run 1.5 GB. (With context, the line keys of the files read decide which stored lines
    are asked for, so reading stays here; such a check reads only the files that changed.)"""
    rows = list(
        plan.filter(pl.col("action") == "parse")
        .select("pos", "file", "path", "size", "sha256")
        .iter_rows()
    )
    if context is not None and reused.height:

        def others(articles: list[_Article]) -> Sequence[tuple[str | None, frozenset[int]]]:
            if not articles:
                return ()
            keys = {line_key(a.text[s:e]) for a in articles for s, e in body_lines(a)}
            present = zip(reused["sha256"].to_list(), reused["outlet"].to_list(), strict=True)
            return context(keys, dict(present))

        return _parse_files(rows, settings, meta, limit, others)
    done = (
        _apart(_parse_to_ipc, rows, settings, meta, limit) if len(rows) >= APART_MIN_FILES else None
    )
    if done is not None:
        outcomes, frames = done
        return _Parsed(frames["documents"], frames["passages"], outcomes, frames["index"])
    return _parse_files(rows, settings, meta, limit, lambda articles: ())


def _parse_to_ipc(
    rows: list[tuple[int, str, str, int, str | None]],
    settings: Settings,
    meta: dict[str, dict[str, str]],
    limit: int,
    folder: str,
) -> dict[int, dict[str, Any]]:
    """:func:`_parse_files` in a process of its own: write its frames to ``folder`` as Arrow
    IPC files and return the outcomes."""
    map_large_blocks()  # as the command line does (this process exits when done)
    parsed = _parse_files(rows, settings, meta, limit, lambda articles: ())
    parsed.documents.write_ipc(Path(folder) / "documents.arrow")
    parsed.passages.write_ipc(Path(folder) / "passages.arrow")
    parsed.index.write_ipc(Path(folder) / "index.arrow")
    return parsed.outcomes


def _parse_files(
    rows: list[tuple[int, str, str, int, str | None]],
    settings: Settings,
    meta: dict[str, dict[str, str]],
    limit: int,
    others: Callable[[list[_Article]], Sequence[tuple[str | None, frozenset[int]]]],
) -> _Parsed:
    """Read and parse the files of ``rows`` (pos, file, path, size, sha256 or None);
    ``others(articles)`` gives the (outlet, line keys) of other documents."""
    articles: list[_Article] = []
    file_of: dict[str, int] = {}  # article path → pos of its file
    outcomes: dict[int, dict[str, Any]] = {}
    digests: dict[int, str | None] = {}
    for pos, file, rel, size, digest in rows:
        found, skipped, warnings = _read_files([(Path(file), rel, "")], settings, meta)
        if not digest and size <= limit:
            with contextlib.suppress(OSError):
                digest = _sha256_of(Path(file))
        digests[pos] = digest
        outcomes[pos] = {
            "documents": [],
            "skipped": [[k.path, k.reason] for k in skipped],
            "article_skipped": [],
            "warnings": warnings,
        }
        for article in found:
            file_of[article.path] = pos
        articles.extend(found)

    context = others(articles)
    article_skips: list[Skipped] = []
    documents, passages = _frames(articles, settings, article_skips, context)
    for skip in article_skips:
        outcomes[file_of[skip.path]]["article_skipped"].append([skip.path, skip.reason])
    for row in documents.iter_rows(named=True):
        kept = {k: v for k, v in row.items() if k not in ("id", "text")}
        outcomes[file_of[row["path"]]]["documents"].append(kept)
    return _Parsed(
        documents=documents.with_columns(
            pos=pl.Series([file_of[path] for path in documents["path"]], dtype=pl.Int64)
        ),
        passages=passages,
        outcomes=outcomes,
        index=pl.DataFrame(
            {
                "pos": list(outcomes),
                "new_sha256": [digests[pos] for pos in outcomes],
                "new_outcome": [json.dumps(o, ensure_ascii=False) for o in outcomes.values()],
            },
            schema={"pos": pl.Int64, "new_sha256": pl.String, "new_outcome": pl.String},
        ),
    )


def _number_documents(
    reused: pl.DataFrame, parsed: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Return the folder's documents (DOCUMENT_SCHEMA; text only for the parsed ones) in walk
    order, numbered d1..dN as a full ingest numbers them, and the parsed documents' ids as
    the parse gave them → their ids in the folder."""
    documents = (
        pl.concat(
            [
                reused.with_columns(
                    text=pl.lit(None, pl.String), parsed_id=pl.lit(None, pl.String)
                ),
                parsed.select(*reused.columns, "text", parsed_id="id"),
            ]
        )
        .sort("pos", maintain_order=True)
        .with_columns(id=pl.format("d{}", pl.int_range(1, pl.len() + 1)))
    )
    renamed = dict(documents.drop_nulls("parsed_id").select("parsed_id", "id").iter_rows())
    return documents.select(pl.col(c).cast(t) for c, t in DOCUMENT_SCHEMA.items()), renamed


def _skips_and_warnings(
    plain: list[tuple[int, Path, str, str]],
    plan: pl.DataFrame,
    outcomes: dict[int, dict[str, Any]],
    settings: Settings,
    meta: dict[str, dict[str, str]],
) -> tuple[list[Skipped], list[str]]:
    """Return the folder's skipped files then skipped articles, and its warnings, in walk
    order: from the files that are not articles, the reused entries and the parsed files."""
    found: dict[int, tuple[list[Skipped], list[Skipped], list[str]]] = {}
    for pos, path, rel, problem in plain:
        _, skips, warnings = _read_files([(path, rel, problem)], settings, meta)
        found[pos] = (skips, [], warnings)
    # the few reused entries that note anything, with the parsed files' outcomes
    keys = ("skipped", "article_skipped", "warnings")
    lists = [pl.col("outcome").struct.field(k) for k in keys]
    noting = plan.filter(
        (pl.col("action") == "reuse") & pl.any_horizontal(k.list.len() > 0 for k in lists)
    ).select("pos", *lists)
    noted = {pos: dict(zip(keys, values, strict=True)) for pos, *values in noting.iter_rows()}
    for pos, outcome in {**noted, **outcomes}.items():
        found[pos] = (
            [Skipped(p, r) for p, r in outcome["skipped"]],
            [Skipped(p, r) for p, r in outcome["article_skipped"]],
            list(outcome["warnings"]),
        )
    skipped_files: list[Skipped] = []
    skipped_articles: list[Skipped] = []
    warnings: list[str] = []
    for pos in sorted(found):
        files, articles, notes = found[pos]
        skipped_files.extend(files)
        skipped_articles.extend(articles)
        warnings.extend(notes)
    return [*skipped_files, *skipped_articles], warnings


def _new_index(plan: pl.DataFrame, parsed: pl.DataFrame, scan_start: int) -> pl.DataFrame:
    """Return the folder's new file index (INDEX_SCHEMA): a reused file keeps its entry's
    sha256 and outcome, a parsed one gets its own; a file modified less than RACY_NS before
    the scan gets mtime_ns -1."""
    reuse = pl.col("action") == "reuse"
    return (
        plan.join(parsed, on="pos", how="left", maintain_order="left")
        .select(
            "path",
            "size",
            pl.when(pl.col("st_mtime_ns") < scan_start - RACY_NS)
            .then(pl.col("st_mtime_ns"))
            .otherwise(pl.lit(-1, pl.Int64))
            .alias("mtime_ns"),
            "inode",
            pl.when(reuse).then(pl.col("sha256")).otherwise(pl.col("new_sha256")).alias("sha256"),
            "ingest",
            pl.when(reuse)
            .then(pl.col("old_outcome"))
            .otherwise(pl.col("new_outcome"))
            .alias("outcome"),
        )
        .cast(INDEX_SCHEMA)
    )


def _root(folder: Path) -> Path:
    root = Path(folder)
    if not root.exists():
        raise ConfigError(f"folder not found: {folder}")
    if not root.is_dir():
        raise ConfigError(f"not a folder: {folder}")
    return root


def _folder_files(
    root: Path, manifest: Path | None, exclude: Sequence[Path]
) -> list[tuple[Path, str, str]]:
    """Return (path, path relative to ``root``, problem) for every file of a folder walk."""
    return [
        (path, relative_path(path, root), p)
        for path, p in walk(root, excluded_paths(exclude, manifest))
    ]


def relative_path(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` in POSIX form (as given when outside it)."""
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    if text.startswith(prefix) and os.sep == "/":
        return text[len(prefix) :]
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _ingest_key(settings: Settings, manifest_rows: list[tuple[str, dict[str, str]]]) -> str:
    """Return a digest of what a file's outcome depends on besides its bytes and its
    neighbours: the ingest settings and the manifest rows naming it."""
    data = [list(settings.extensions), settings.max_file_mb, settings.min_words, manifest_rows]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def excluded_paths(exclude: Sequence[Path], manifest: Path | None = None) -> set[Path]:
    """Return the resolved paths a folder walk passes over: ``exclude`` and the manifest."""
    excluded = {Path(p).resolve() for p in exclude if Path(p).exists()}
    if manifest is not None:
        excluded.add(Path(manifest).resolve())
    return excluded


def ingest_files(paths: Sequence[Path], settings: Settings) -> Corpus:
    """Return the Corpus of the given files (paths are shown as given); a missing file is a
    ConfigError, an unreadable one is skipped as in a folder run."""
    for path in paths:
        if not Path(path).exists():
            raise ConfigError(f"file not found: {path}")
    files = [(Path(p), str(p), "" if Path(p).is_file() else "not a regular file") for p in paths]
    articles, skipped, warnings = _read_files(files, settings, {})
    documents, passages = _frames(articles, settings, skipped)
    return Corpus(
        root=".",
        documents=documents,
        passages=passages,
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )


def ingest_texts(items: Sequence[tuple[str, str]], settings: Settings) -> Corpus:
    """Return the Corpus of in-memory (name, text) pairs, read as .txt articles."""
    articles = [
        _Article(
            path=name,
            text=text,
            encoding="utf-8",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            format="txt",
        )
        for name, text in items
    ]
    skipped: list[Skipped] = []
    documents, passages = _frames(articles, settings, skipped)
    return Corpus(root=".", documents=documents, passages=passages, skipped=tuple(skipped))


def _read_files(
    files: Sequence[tuple[Path, str, str]],
    settings: Settings,
    meta: dict[str, dict[str, str]],
) -> tuple[list[_Article], list[Skipped], list[str]]:
    articles: list[_Article] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    for path, rel, problem in files:
        if problem:
            skipped.append(Skipped(rel, problem))
            continue
        if path.suffix.lower() not in settings.extensions:
            skipped.append(Skipped(rel, f"not an article format ({path.suffix or 'no extension'})"))
            continue
        try:
            found = read_articles(path, rel, settings)
        except _Skip as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a parser bug on one file must not stop the run
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            skipped.append(Skipped(rel, f"could not be parsed ({type(exc).__name__}: {first})"))
            continue
        for article in found:
            _apply_manifest(article, meta)
            warnings.extend(f"{article.path}: {w}" for w in article.warnings)
            articles.append(article)
    return articles, skipped, warnings


def walk(root: Path, excluded: set[Path] = frozenset()) -> Iterator[tuple[Path, str]]:
    """Yield (file, problem) for every file under ``root`` in sorted order; ``problem`` is '' for
    a readable regular file, otherwise why it cannot be read (symlink loop, permission...).
    See :func:`walk_stat`."""
    for path, problem, _ in walk_stat(root, excluded):
        yield path, problem


def walk_stat(
    root: Path, excluded: set[Path] = frozenset()
) -> Iterator[tuple[Path, str, os.stat_result | None]]:
    """Yield (file, problem, its stat) like :func:`walk`, with the ``os.stat`` result the walk
    took anyway (None when it could not stat the file), so callers need not stat again.
    See :func:`walk_files`."""
    for path, _, problem, st in walk_files(root, excluded):
        yield Path(path), problem, st


def walk_files(
    root: Path, excluded: set[Path] = frozenset()
) -> list[tuple[str, str, str, os.stat_result | None]]:
    """Return (file, file relative to ``root``, problem, its stat) for every file under
    ``root`` in sorted order, as plain strings: the file as ``os`` names it, the relative path
    in POSIX form as :func:`relative_path` gives it. ``problem`` is '' for a readable regular
    file, otherwise why it cannot be read (symlink loop, permission...); the stat is None when
    the file could not be stat'ed.

    Directory symlinks are followed once; a link back into a visited folder is not re-entered.
    Hidden files and folders (starting with '.') are not articles and are passed over. No Path
    object is made per file, and the list is filled rather than yielded through nested
    generators: in a folder of 100,000 files both were most of a walk's time.
    """
    seen: set[tuple[int, int]] = set()
    skip = {str(p) for p in excluded}
    found: list[tuple[str, str, str, os.stat_result | None]] = []

    def visit(folder: str, rel: str, real: str) -> None:
        try:
            st = os.stat(folder)
        except OSError as exc:
            found.append((folder, rel or ".", _os_reason(exc), None))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen:
            return
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            found.append((folder, rel or ".", f"cannot list folder: {_os_reason(exc)}", None))
            return
        prefix = f"{rel}/" if rel else ""
        real_prefix = os.path.join(real, "")
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            resolved = ""
            if skip:
                # the real path of an entry that is not a link is its real folder's, joined
                if entry.is_symlink():
                    if entry.path in skip:
                        continue
                    resolved = os.path.realpath(entry.path)  # a loop is reported by stat below
                else:
                    resolved = real_prefix + name
                    if resolved in skip:
                        continue
            try:
                st_entry = os.stat(entry.path)
            except OSError as exc:
                found.append((entry.path, prefix + name, _os_reason(exc), None))
                continue
            if stat.S_ISDIR(st_entry.st_mode):
                visit(entry.path, prefix + name, resolved or os.path.realpath(entry.path))
            elif stat.S_ISREG(st_entry.st_mode):
                found.append((entry.path, prefix + name, "", st_entry))
            else:
                found.append((entry.path, prefix + name, "not a regular file", st_entry))

    visit(str(root), "", os.path.realpath(root))
    return found


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "broken symlink"
    return exc.strerror or str(exc)


def read_articles(path: Path, rel: str, settings: Settings) -> list[_Article]:
    """Return the articles in one file (a JSON list or JSONL file may hold several)."""
    data = _read_bytes(path, settings)
    text, encoding, warnings = decode(data)
    sha = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        articles = [_markdown_article(text, rel)]
    elif suffix in (".html", ".htm"):
        articles = [_html_article(text, rel)]
    elif suffix == ".json":
        articles = _json_articles(text, rel)
    elif suffix == ".jsonl":
        articles = _jsonl_articles(text, rel)
    else:
        articles = [_Article(path=rel, text=text, encoding="", sha256="", format="txt")]
    for a in articles:
        a.encoding = encoding
        a.sha256 = sha if len(articles) == 1 else hashlib.sha256(a.text.encode()).hexdigest()
        a.warnings = warnings + a.warnings
    return articles


def _read_bytes(path: Path, settings: Settings) -> bytes:
    limit = int(settings.max_file_mb * 1024 * 1024)
    try:
        size = path.stat().st_size
        if size > limit:
            raise _Skip(
                f"too large ({size / 1024 / 1024:.1f} MB > {settings.max_file_mb:g} MB limit; "
                "raise max_file_mb to read it)"
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _Skip(_os_reason(exc)) from exc
    if not data.strip():
        raise _Skip("empty file")
    return data


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """Return (text, encoding used, warnings) for the bytes of a text file, or raise _Skip.

    Order: a BOM; UTF-16 without BOM; NUL or control bytes mean binary; strict UTF-8; a
    charset-normalizer detection restricted to plausible encodings (windows-1256 first among the
    Arabic code pages); UTF-8 with the few invalid bytes replaced, with a warning.
    """
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc.replace("-sig", "")), enc, []
            except UnicodeDecodeError as exc:
                raise _Skip(f"invalid {enc} text after its byte-order mark") from exc
    utf16 = _sniff_utf16(data)
    if utf16:
        return data.decode(utf16), utf16, []
    sample = data[:65536]
    if b"\x00" in sample:
        raise _Skip("binary file (NUL bytes)")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > max(2, len(sample) // 100):
        raise _Skip("binary file (control bytes)")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    multibyte = sum(1 for b in data if b >= 0xC2 and b <= 0xF4)
    if bad and multibyte > 10 * bad:
        return lossy, "utf-8", [f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD"]
    detected = _detect_codepage(data)
    if detected:
        return data.decode(detected), detected, [f"not UTF-8; decoded as {detected}"]
    raise _Skip("undecodable text (not UTF-8, UTF-16 or a detectable code page)")


def _sniff_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    for enc, zeros, other in (("utf-16-le", odd_nul, even_nul), ("utf-16-be", even_nul, odd_nul)):
        # Latin text in UTF-16 has a NUL in every other byte; Arabic has 0x06 there instead.
        high = sample[1::2] if enc == "utf-16-le" else sample[0::2]
        arabic_high = high.count(0x06)
        if (zeros + arabic_high) > 0.6 * half and other < 0.1 * half:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if text.isprintable() or sum(c.isprintable() or c.isspace() for c in text) > 0.95 * len(
                text
            ):
                return enc
    return None


def _detect_codepage(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    for candidates in (list(ARABIC_CODEPAGES), None):
        results = from_bytes(data, cp_isolation=candidates) if candidates else from_bytes(data)
        best = results.best()
        if best is None:
            continue
        enc = best.encoding
        text = str(best)
        letters = sum(ch.isalpha() for ch in text)
        if letters and sum(ch.isalpha() or ch.isspace() for ch in text) > 0.6 * len(text):
            if candidates is None or script_of(text) == "arabic":
                return _canonical_codec(enc)
    return None


def _canonical_codec(name: str) -> str:
    import codecs

    return codecs.lookup(name).name


def _front_matter(text: str) -> tuple[dict[str, Any], int]:
    m = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", text, re.S)
    if not m:
        return {}, 0
    try:
        data = yaml.load(m.group(1), Loader=_StringTimestampLoader)
    except yaml.YAMLError:
        return {}, 0
    return (data if isinstance(data, dict) else {}), m.end()


class _StringTimestampLoader(yaml.SafeLoader):
    """A safe YAML loader that keeps timestamps as written (so their time zone is kept)."""


_StringTimestampLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _markdown_article(text: str, rel: str) -> _Article:
    meta, body_start = _front_matter(text)
    article = _Article(path=rel, text=text, encoding="", sha256="", format="md")
    article.body_start = body_start
    _apply_meta(article, meta)
    return article


def _html_article(html: str, rel: str) -> _Article:
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=True, favor_precision=True, with_metadata=True
    )
    if extracted is None:
        raise _Skip("no main text found in HTML (navigation or markup only)")
    data = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    body = (data.get("text") or "").strip()
    if not body:
        raise _Skip("no main text found in HTML (navigation or markup only)")
    article = _Article(path=rel, text=body, encoding="", sha256="", format="html")
    _apply_meta(
        article,
        {
            "title": data.get("title"),
            "outlet": data.get("sitename"),
            "published": data.get("date"),
            "url": data.get("url"),
        },
    )
    return article


def _json_articles(text: str, rel: str) -> list[_Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Skip(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    items = data if isinstance(data, list) else [data]
    articles = []
    for i, item in enumerate(items):
        path = rel if len(items) == 1 else f"{rel}#{i}"
        article = _article_from_mapping(item, path, "json")
        if article is not None:
            articles.append(article)
    if not articles:
        raise _Skip(
            "JSON is not an article: no string field named " + "/".join(TEXT_KEYS[:3]) + "..."
        )
    return articles


def _jsonl_articles(text: str, rel: str) -> list[_Article]:
    articles = []
    problems = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            problems += 1
            continue
        article = _article_from_mapping(item, f"{rel}#L{lineno}", "jsonl")
        if article is None:
            problems += 1
        else:
            articles.append(article)
    if not articles:
        raise _Skip("JSON Lines file holds no article (no line with a text/body/content field)")
    if problems:
        articles[0].warnings.append(f"{problems} line(s) that are not articles were passed over")
    return articles


def _article_from_mapping(item: Any, path: str, fmt: str) -> _Article | None:
    if not isinstance(item, dict):
        return None
    body = _first(item, TEXT_KEYS)
    if not isinstance(body, str) or not body.strip():
        return None
    article = _Article(path=path, text=body, encoding="", sha256="", format=fmt)
    _apply_meta(article, item)
    return article


def _first(mapping: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value not in (None, ""):
            return value
    return None


def _apply_meta(article: _Article, meta: dict[str, Any]) -> None:
    title = _first(meta, TITLE_KEYS)
    outlet = _first(meta, OUTLET_KEYS)
    if isinstance(outlet, dict):
        outlet = outlet.get("name")
    published = _first(meta, PUBLISHED_KEYS)
    url = _first(meta, URL_KEYS)
    if title is not None:
        article.title = str(title).strip()
    if outlet is not None:
        article.outlet = str(outlet).strip()
    if url is not None:
        article.url = str(url).strip()
    if published is not None:
        article.published, warning = normalize_published(published)
        if warning:
            article.warnings.append(warning)


def normalize_published(value: Any) -> tuple[str | None, str | None]:
    """Return (ISO 8601 string with its time zone kept, warning) for a publication time."""
    if isinstance(value, datetime):
        return value.isoformat(), None
    text = str(value).strip()
    if not text:
        return None, None
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(candidate).isoformat(), None
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text).isoformat(), None
    except (TypeError, ValueError):
        pass
    try:
        from dateutil import parser as date_parser

        return date_parser.parse(text).isoformat(), None
    except (ValueError, OverflowError, ImportError):
        return None, f"unreadable publication time {text!r} ignored"


def read_manifest(path: Path, root: Path) -> dict[str, dict[str, str]]:
    """Return manifest rows keyed by file path relative to ``root`` (columns: file, outlet,
    published, url, title)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {_os_reason(exc)}") from exc
    try:
        text, _, _ = decode(raw)
    except _Skip as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "file" not in [f.strip() for f in reader.fieldnames]:
        raise ConfigError(
            f"manifest {path} needs a 'file' column (file,outlet,published,url,title)"
        )
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        name = clean.get("file", "")
        if not name:
            continue
        candidate = Path(name)
        if candidate.is_absolute() and candidate.is_relative_to(root.resolve()):
            name = candidate.relative_to(root.resolve()).as_posix()
        rows[Path(name).as_posix().removeprefix("./")] = clean
    return rows


def _apply_manifest(article: _Article, manifest: dict[str, dict[str, str]]) -> None:
    row = manifest.get(article.path) or manifest.get(article.path.split("#", 1)[0])
    if not row:
        return
    _apply_meta(article, {k: v for k, v in row.items() if v and k != "file"})


# --- passages and boilerplate ---------------------------------------------------------------

_UI_PATTERNS = re.compile(
    r"(?:^|\s)(?:[وف]?(?:اقرأ|إقرأ|اقرا)\s+(?:أيضا|أيضاً|ايضا|المزيد|على|المقال|الخبر)"
    r"|شارك(?:وا)?\s+(?:على|عبر|المقال|الخبر)|تابعونا|تابعنا|تابعوا|اشترك|للاشتراك|للمزيد|"
    r"لمزيد\s+من\s+الأخبار|(?:حمّلوا|حملوا|حمل|حمّل|نزّلوا|نزلوا|نزل)\s+تطبيق|"
    r"اضغط|الضغط\s+على|انقر|حقوق\s+(?:النشر|الطبع)|جميع\s+الحقوق|مواضيع\s+ذات\s+صلة|"
    r"اخبار\s+ذات\s+صلة|أخبار\s+ذات\s+صلة|إعلان|read\s+(?:more|also|the\s+full)|"
    r"share\s+(?:on|this)|subscribe|follow\s+us|sign\s+up|newsletter|cookies?|download\s+our|"
    r"all\s+rights\s+reserved|related\s+(?:articles|stories|posts)|advertisement|"
    r"leave\s+a\s+(?:reply|comment)|comments?\s+are\s+closed|more\s+from|required\s+fields)",
    re.IGNORECASE,
)
_IMAGE_FILE = re.compile(r"\b[\w-]+\s*[._ ]\s*(?:jpe?g|png|webp|gif|svg)\b", re.IGNORECASE)
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_SENTENCE_PUNCT = re.compile(r"[.!?؟:،,؛;\"“”«»]")


def _word_count(text: str) -> int:
    return sum(1 for _ in word_spans(text))


def line_key(line: str) -> int:
    """Return the 64-bit key of a line's normalized text: lines with one key are the same line
    for boilerplate detection (stored in a check state as ``lines.key``)."""
    digest = hashlib.blake2b(normalize(line).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def body_lines(article: _Article) -> list[tuple[int, int]]:
    """Return the (start, end) of every line of the article body (front matter excluded)."""
    return [(s, e) for s, e in line_spans(article.text) if s >= article.body_start]


def _frames(
    articles: list[_Article],
    settings: Settings,
    skipped: list[Skipped],
    context: Sequence[tuple[str | None, frozenset[int]]] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the document and passage frames of ``articles``. ``context`` holds the (outlet,
    line keys) of other documents of the collection (e.g. those a check state stores): they
    count when deciding which lines are templates, and give no rows.

    ``articles`` is emptied: each article is dropped once its rows are made, and the rows go
    into frames FRAME_BLOCK documents at a time, so the texts are not held three times over (as
    articles, as row dicts and as frames; 4 GB more than the frames at 100,000 articles)."""
    line_docs: dict[int, set[int]] = defaultdict(set)
    line_outlet_docs: dict[tuple[str, int], set[int]] = defaultdict(set)
    doc_lines: list[list[tuple[int, int]]] = []
    doc_keys: list[list[int]] = []
    line_sets: list[set[int]] = []
    for article in articles:
        spans = body_lines(article)
        doc_lines.append(spans)
        doc_keys.append([line_key(article.text[s:e]) for s, e in spans])
    members = [(a.outlet, keys) for a, keys in zip(articles, doc_keys, strict=True)]
    members += [(outlet, list(keys)) for outlet, keys in context]
    for i, (outlet, keys) in enumerate(members):
        line_sets.append(set(keys))
        for key in keys:
            line_docs[key].add(i)
            if outlet:
                line_outlet_docs[(outlet, key)].add(i)
    outlet_template = {
        key for key, docs in line_outlet_docs.items() if _shared_by_distinct(docs, line_sets)
    }
    repeated = {
        key
        for key, docs in line_docs.items()
        if len(docs) >= 3 and _shared_by_distinct(docs, line_sets)
    }

    doc_columns: dict[str, list[Any]] = {name: [] for name in DOCUMENT_SCHEMA}
    passage_columns: dict[str, list[Any]] = {name: [] for name in PASSAGE_SCHEMA}
    doc_frames: list[pl.DataFrame] = []
    passage_frames: list[pl.DataFrame] = []

    def flush() -> None:
        doc_frames.append(pl.DataFrame(doc_columns, schema=DOCUMENT_SCHEMA))
        passage_frames.append(pl.DataFrame(passage_columns, schema=PASSAGE_SCHEMA))
        for column in (*doc_columns.values(), *passage_columns.values()):
            column.clear()

    pending = articles[::-1]
    articles.clear()
    number = 0
    for i in range(len(pending)):
        article = pending.pop()
        rows = _classify_lines(article, doc_lines[i], doc_keys[i], repeated, outlet_template)
        content_words = sum(_word_count(r["text"]) for r in rows if r["kind"] != "boilerplate")
        if content_words < settings.min_words:
            reason = f"too little article text ({content_words} words)"
            if article.format == "html":
                reason = f"no main text found in HTML (navigation or markup only; {reason})"
            skipped.append(Skipped(article.path, reason))
            continue
        number += 1
        doc_id = f"d{number}"
        title = article.title
        if title is None:
            title = next((r["text"] for r in rows if r["kind"] == "title"), None)
        for index, row in enumerate(rows):
            passage_columns["document"].append(doc_id)
            passage_columns["index"].append(index)
            for name in ROW_COLUMNS:  # not the text: it is the document's, from start to end
                passage_columns[name].append(row[name])
        document = {
            "id": doc_id,
            "path": article.path,
            "format": article.format,
            "encoding": article.encoding,
            "sha256": article.sha256,
            "outlet": article.outlet,
            "published": article.published,
            "url": article.url,
            "title": title,
            "text": article.text,
            "script": script_of(article.text[article.body_start :]),
        }
        for name, value in document.items():
            doc_columns[name].append(value)
        if len(doc_columns["id"]) >= FRAME_BLOCK:
            flush()
    flush()
    return pl.concat(doc_frames, rechunk=True), pl.concat(passage_frames, rechunk=True)


FRAME_BLOCK = 2000  # documents whose rows become frames together
ROW_COLUMNS = ("start", "end", "kind", "reason")  # the passage columns _classify_lines gives


def _shared_by_distinct(docs: set[int], line_sets: list[set[int]]) -> bool:
    """True when a line is shared by at least two documents that are not copies of each other
    (a template line), rather than by copies of one article."""
    if len(docs) < 2:
        return False
    ordered = sorted(docs)
    for k, a in enumerate(ordered):
        for b in ordered[k + 1 :]:
            union = len(line_sets[a] | line_sets[b])
            if union and len(line_sets[a] & line_sets[b]) / union < 0.5:
                return True
    return False


def _classify_lines(
    article: _Article,
    spans: list[tuple[int, int]],
    keys: list[int],
    repeated: set[int],
    outlet_template: set[tuple[str, int]],
) -> list[dict[str, Any]]:
    text = article.text
    doc_script = script_of(text[article.body_start :])
    title_norm = normalize(article.title) if article.title else None
    seen: set[int] = set()
    rows: list[dict[str, Any]] = []
    have_title = article.title is not None
    content_seen = False
    for (s, e), key in zip(spans, keys, strict=True):
        line = text[s:e]
        words = _word_count(line)
        reason = ""
        stripped_md = line.lstrip("#").strip()
        if key in seen:
            reason = "repeats an earlier line"
        elif title_norm and normalize(stripped_md) == title_norm:
            reason = "repeats the title"
        elif _URL_ONLY.match(line):
            reason = "link only"
        elif _IMAGE_FILE.search(line) and words <= 8:
            reason = "image file name or caption"
        elif words <= 12 and _UI_PATTERNS.search(line):
            reason = "share/link/footer text"
        elif article.outlet and (article.outlet, key) in outlet_template:
            reason = "repeated across this outlet's articles"
        elif words <= 8 and key in repeated:
            reason = "short line repeated across articles"
        elif doc_script != "other" and script_of(line) not in (doc_script, "other"):
            reason = f"{script_of(line)}-script line in a {doc_script}-script article (template)"
        elif words < 4 and not _SENTENCE_PUNCT.search(line):
            reason = "too short to be article text"
        seen.add(key)
        if reason:
            rows.append(
                {"start": s, "end": e, "kind": "boilerplate", "reason": reason, "text": line}
            )
            continue
        kind = "body"
        if not have_title and not content_seen and _looks_like_headline(line, words):
            kind = "title"
            have_title = True
        elif line.startswith("#") and not content_seen and not have_title:
            kind = "title"
            have_title = True
        content_seen = True
        rows.append({"start": s, "end": e, "kind": kind, "reason": "", "text": line})
    if rows and sum(r["kind"] != "boilerplate" for r in rows) == 1:
        for r in rows:
            if r["kind"] == "title":
                r["kind"] = "body"
    return rows


def _looks_like_headline(line: str, words: int) -> bool:
    stripped = line.rstrip()
    return 3 <= words <= 25 and not re.search(r"[.!?؟:]$|[.!?؟][\"”»]$", stripped)
