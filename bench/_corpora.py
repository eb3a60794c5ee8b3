"""The labeled corpora the evaluation scripts measure, and the choice of them from the command
line (``--corpus`` and ``--labels``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "bench" / "corpora"

DEFAULT_SETS = [
    (ROOT / "seeds", CORPORA / "seeds_labels.json"),
    (CORPORA / "dev", CORPORA / "dev_labels.json"),
    # held out: written by someone who had not tuned dedupe; measure on it, never tune on it
    (CORPORA / "heldout", CORPORA / "heldout_labels.json"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--corpus`` and ``--labels`` to ``parser``."""
    parser.add_argument(
        "--corpus",
        type=Path,
        help="one corpus folder instead of the default three; its labels are found by name "
        "(FOLDER_labels.json next to it or in bench/corpora/) unless --labels is given",
    )
    parser.add_argument("--labels", type=Path, help="the labels of --corpus")


def chosen_sets(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> list[tuple[Path, Path]]:
    """Return the (folder, labels) pairs to measure: the default sets, or the one that
    ``--corpus`` (and ``--labels``) name; a usage error when the labels cannot be found."""
    if args.corpus is None:
        if args.labels is not None:
            parser.error("--labels needs --corpus")
        return DEFAULT_SETS
    folder = args.corpus.resolve()
    if not folder.is_dir():
        parser.error(f"--corpus {args.corpus}: not a folder")
    if args.labels is not None:
        if not args.labels.is_file():
            parser.error(f"--labels {args.labels}: no such file")
        return [(folder, args.labels)]
    for known, labels in DEFAULT_SETS:
        if known == folder:
            return [(folder, labels)]
    name = f"{folder.name}_labels.json"
    for candidate in (folder.parent / name, CORPORA / name):
        if candidate.is_file():
            return [(folder, candidate)]
    parser.error(f"no labels found for --corpus {args.corpus} (looked for {name}); give --labels")


def labeled_passages(
    labels: dict, documents: Any
) -> tuple[dict[str, tuple[str, int, int, set[str]]], set[str], int]:
    """Return the labeled passages found in ``documents`` (a corpus's documents frame: path,
    id, text), keyed ``document@start``: (document, start, end, gold events); the gold events
    two or more documents report (only those can be found: a single-document one is not an
    event in this sense); and how many labels were not found (no such file, quote not in it)."""
    id_of = dict(zip(documents["path"], documents["id"], strict=True))
    text_of = dict(zip(documents["id"], documents["text"], strict=True))
    spans: dict[str, tuple[str, int, int, set[str]]] = {}
    documents_of: dict[str, set[str]] = {}
    missing = 0
    for entry in labels["passages"]:
        doc = id_of.get(entry["path"])
        start = text_of[doc].find(entry["quote"]) if doc is not None else -1
        if start < 0:
            missing += 1
            continue
        spans[f"{doc}@{start}"] = (doc, start, start + len(entry["quote"]), set(entry["events"]))
        for event in entry["events"]:
            documents_of.setdefault(event, set()).add(doc)
    shared = {e for e, ds in documents_of.items() if len(ds) >= 2}
    return spans, shared, missing
