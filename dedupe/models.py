"""The domain objects that pass between pipeline stages.

Bulk data (documents, passages, candidate pairs) travels as polars frames; the objects that
end up in a report are small frozen dataclasses. The frame schemas live here so every stage
agrees on column names and types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

SEVERITIES = ("info", "warning", "error")

DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "path": pl.String(),
    "format": pl.String(),
    "encoding": pl.String(),
    "sha256": pl.String(),
    "outlet": pl.String(),
    "published": pl.String(),  # ISO 8601 as written, time zone kept; parse with parse_published
    "url": pl.String(),
    "title": pl.String(),
    "text": pl.String(),  # the text that evidence offsets index (see ingest.py)
    "script": pl.String(),
}

PASSAGE_SCHEMA: dict[str, pl.DataType] = {
    "document": pl.String(),
    "index": pl.Int32(),  # order within the document
    "start": pl.Int64(),
    "end": pl.Int64(),
    "kind": pl.String(),  # "title" | "body" | "boilerplate"
    "reason": pl.String(),  # why a line is boilerplate (empty otherwise)
}
# a passage's text is its document's text[start:end] (see Corpus.with_text): stored beside the
# documents' texts it was a second copy of the corpus, 0.6 GB at 100,000 articles


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input file that was not read as an article, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """The output of ingest: documents, their passages and what was skipped."""

    root: str
    documents: pl.DataFrame
    passages: pl.DataFrame
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()

    def content_passages(self) -> pl.DataFrame:
        """Return the passages used for matching and fact extraction (boilerplate removed),
        with their text."""
        return self.with_text(self.passages.filter(pl.col("kind") != "boilerplate"))

    def with_text(self, passages: pl.DataFrame) -> pl.DataFrame:
        """Return ``passages`` (rows of :attr:`passages`, in any order) with a ``text`` column:
        each one's document text from start to end (null where the document's text is)."""
        texts = self.documents.select(pl.col("id").alias("document"), "text")
        return passages.join(texts, on="document", how="left", maintain_order="left").with_columns(
            pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start"))
        )

    def texts(self) -> DocumentTexts:
        """Return each document's text by id, read from the frame when asked."""
        return DocumentTexts(self.documents)

    def passage_texts(self, passages: pl.DataFrame) -> PassageTexts:
        """Return the text of each row of ``passages`` (as :meth:`with_text` gives it), made a
        block of rows at a time when asked."""
        return PassageTexts(self, passages)


class DocumentTexts(Mapping[str, str]):
    """A document's text by id, read from the documents frame when asked. A dict of them all
    held every text again as a Python string (67 MiB at 10,000 articles) in stages that read a
    few at a time: the lexical features one part of the documents, the checks the evidence of
    their findings."""

    def __init__(self, documents: pl.DataFrame) -> None:
        self._texts = documents["text"]
        self._row = {doc: row for row, doc in enumerate(documents["id"].to_list())}

    def __getitem__(self, doc: str) -> str:
        return self._texts[self._row[doc]]

    def __contains__(self, doc: object) -> bool:
        return doc in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


class PassageTexts(Sequence[str]):
    """The texts of a frame of passages (rows of :attr:`Corpus.passages`, in any order), made
    from their documents' texts TEXT_BLOCK rows at a time as they are read: held as a column,
    they were 0.6 GB at 100,000 articles while a stage read a block of them at a time."""

    def __init__(self, corpus: Corpus, passages: pl.DataFrame) -> None:
        self._corpus = corpus
        self._passages = passages.select("document", "start", "end")

    def __len__(self) -> int:
        return self._passages.height

    def __getitem__(self, index: int | slice) -> str | list[str]:  # type: ignore[override]
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            return self._block(lo, max(lo, hi)) if step == 1 else list(self)[index]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._block(index % len(self), index % len(self) + 1)[0]

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), TEXT_BLOCK):
            yield from self._block(lo, min(lo + TEXT_BLOCK, len(self)))

    def series(self, lo: int, hi: int) -> pl.Series:
        """Return the texts of rows ``lo`` to ``hi`` as a Series (null where the document's text
        is)."""
        part = self._passages.slice(lo, hi - lo)
        return self._corpus.with_text(part)["text"]

    def _block(self, lo: int, hi: int) -> list[str]:
        return self.series(lo, hi).to_list()


TEXT_BLOCK = 131_072  # passage texts made at once (about 11,000 articles' passages)


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Documents (or passages) that copy each other."""

    id: str
    kind: str  # "exact" | "near"
    documents: tuple[str, ...]
    similarity: float
    level: str = "document"  # "document" | "passage" (a paragraph reused across documents)
    passages: tuple[tuple[str, int, int], ...] = ()  # (document, start, end) for passage reuse


JOINED = ("aligned", "attached", "crosslingual", "continues")


@dataclass(frozen=True, slots=True)
class PassageRef:
    """A span of one document's text, and how it joined its event (one of JOINED):
    ``aligned`` with passages of other documents that report the same facet; ``attached``, not
    aligned but close on average to the event's passages in other documents; ``crosslingual``,
    in another script than the event's other passages and closer to them than to the rest of
    that script's passages, its document sharing a name or number of the event; ``continues``, an
    unaligned paragraph carried in by its article's story, between or after the article's
    passages of the event."""

    document: str
    start: int
    end: int
    joined: str = "aligned"


@dataclass(frozen=True, slots=True)
class Event:
    """Passages from different documents that report the same facet of the news."""

    id: str
    label: str
    documents: tuple[str, ...]
    passages: tuple[PassageRef, ...]
    cohesion: float = 0.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """A quoted span of one document that supports a finding's value."""

    document: str
    start: int
    end: int
    text: str
    value_start: int = -1  # offsets of the value itself inside the document, for emphasis
    value_end: int = -1


@dataclass(frozen=True, slots=True)
class FindingValue:
    """One side of a discrepancy: a value as written, its normalized form and its sources."""

    value: str
    normalized: str
    documents: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A disagreement between reports of one event."""

    id: str
    kind: str
    severity: str
    confidence: float
    event: str | None
    summary: str
    values: tuple[FindingValue, ...]
    details: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a run found, ready to be rendered as Markdown, JSON, text or annotations."""

    corpus: Corpus
    duplicates: tuple[DuplicateGroup, ...] = ()
    events: tuple[Event, ...] = ()
    findings: tuple[Finding, ...] = ()
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


def parse_published(value: str | None) -> datetime | None:
    """Return the publication time as a datetime (time zone kept), or None if unknown."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
