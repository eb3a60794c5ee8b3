"""Explain why two articles are or are not copies or reports of the same event.

Runs the same stages as a folder run on just the two documents and exposes every signal: the
MinHash estimate, and the best-aligned passage pairs with the score clustering uses.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dedupe.cluster import cluster_events, pair_signals, passage_units, score_all
from dedupe.consistency import find_inconsistencies
from dedupe.embed import Embedder
from dedupe.errors import ConfigError
from dedupe.facts import extract_facts
from dedupe.ingest import ingest_files, ingest_texts
from dedupe.models import Corpus, Finding
from dedupe.neardup import MinHashParams, document_texts, text_signatures
from dedupe.settings import Settings

MAX_ALIGNED = 5


@dataclass(frozen=True, slots=True)
class Comparison:
    """The verdict on two documents and the evidence behind it."""

    a: str
    b: str
    jaccard: float
    near_duplicate: bool
    score: float
    same_event: bool
    aligned: tuple[dict[str, Any], ...]
    problem: str = ""
    findings: tuple[Finding, ...] = ()

    def to_dict(self, settings: Settings) -> dict[str, Any]:
        """Return the comparison as JSON-ready values."""
        return {
            "a": self.a,
            "b": self.b,
            "near_duplicate": {
                "jaccard": round(self.jaccard, 4),
                "threshold": settings.near_duplicate_threshold,
                "decision": self.near_duplicate,
            },
            "same_event": {
                "score": round(self.score, 4),
                "threshold": settings.align_threshold,
                "decision": self.same_event,
            },
            "aligned": list(self.aligned),
            "findings": [
                {
                    "kind": f.kind,
                    "severity": f.severity,
                    "confidence": f.confidence,
                    "summary": f.summary,
                    "values": [
                        {
                            "value": v.value,
                            "normalized": v.normalized,
                            "documents": [self.a if d == "d1" else self.b for d in v.documents],
                        }
                        for v in f.values
                    ],
                }
                for f in self.findings
            ],
            **({"problem": self.problem} if self.problem else {}),
        }


def compare_corpus(corpus: Corpus, embedder: Embedder, settings: Settings) -> Comparison:
    """Return the comparison of the two documents of ``corpus``."""
    docs = corpus.documents
    names = [s.path for s in corpus.skipped]
    if docs.height != 2:
        shown = list(docs["path"]) + names
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in corpus.skipped)
        return Comparison(
            a=shown[0] if shown else "",
            b=shown[1] if len(shown) > 1 else "",
            jaccard=0.0,
            near_duplicate=False,
            score=0.0,
            same_event=False,
            aligned=(),
            problem=f"not two articles ({reasons or 'nothing to compare'})",
        )
    a_id, b_id = docs["id"][0], docs["id"][1]
    params = MinHashParams.from_settings(settings)
    units_text = dict(document_texts(corpus).iter_rows())
    sigs = text_signatures([units_text.get(d, "") for d in (a_id, b_id)], params)
    jaccard = float((sigs[0] == sigs[1]).mean())
    units = passage_units(corpus, embedder)
    pairs = score_all(units, settings).sort("score", descending=True)
    frame = units.frame
    texts = corpus.passage_texts(frame)
    aligned = []
    for i, j in pairs.select("i", "j").head(MAX_ALIGNED).iter_rows():
        if frame["document"][i] != a_id:
            i, j = j, i
        sig = pair_signals(units, i, j, settings)
        aligned.append(
            {
                "a": {"start": frame["start"][i], "end": frame["end"][i], "text": texts[i]},
                "b": {"start": frame["start"][j], "end": frame["end"][j], "text": texts[j]},
                "cosine": round(sig.cosine, 4),
                "lexical": round(sig.lexical, 4),
                "anchors": round(sig.anchors, 4),
                "shared": list(sig.shared),
                "hours_apart": None if sig.hours_apart is None else round(sig.hours_apart, 1),
                "score": round(sig.score, 4),
            }
        )
    score = aligned[0]["score"] if aligned else 0.0
    return Comparison(
        a=docs["path"][0],
        b=docs["path"][1],
        jaccard=jaccard,
        near_duplicate=jaccard >= settings.near_duplicate_threshold,
        score=score,
        same_event=score >= settings.align_threshold,
        aligned=tuple(aligned),
        findings=discrepancies(corpus, embedder, settings),
    )


def discrepancies(corpus: Corpus, embedder: Embedder, settings: Settings) -> tuple[Finding, ...]:
    """Return the findings between the documents of ``corpus`` read as reports of one event:
    every name is compared, and dates and figures in the passages that align."""
    clustering = cluster_events(corpus, embedder, settings)
    return find_inconsistencies(corpus, clustering, extract_facts(corpus), settings.align_threshold)


def compare_files(a: Path, b: Path, embedder: Embedder, settings: Settings) -> Comparison:
    """Return the comparison of two article files."""
    return compare_corpus(ingest_files([a, b], settings), embedder, settings)


def compare_pairs(pairs_csv: Path, embedder: Embedder, settings: Settings) -> Iterator[Comparison]:
    """Yield one comparison per row of a CSV with columns path_a,path_b or text_a,text_b
    (paths relative to the CSV's folder)."""
    try:
        text = pairs_csv.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read {pairs_csv}: {exc.strerror or exc}") from exc
    reader = csv.DictReader(text.splitlines())
    fields = set(reader.fieldnames or ())
    if {"path_a", "path_b"} <= fields:
        mode = "path"
    elif {"text_a", "text_b"} <= fields:
        mode = "text"
    else:
        raise ConfigError(f"{pairs_csv} needs columns path_a,path_b or text_a,text_b")
    base = pairs_csv.parent
    for number, row in enumerate(reader, start=2):
        if mode == "path":
            paths = [_resolve(base, row["path_a"]), _resolve(base, row["path_b"])]
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                yield _problem(row["path_a"], row["path_b"], f"file not found: {missing[0]}")
                continue
            corpus = ingest_files(paths, settings)
        else:
            corpus = ingest_texts(
                [(f"row{number}:a", row["text_a"] or ""), (f"row{number}:b", row["text_b"] or "")],
                settings,
            )
        yield compare_corpus(corpus, embedder, settings)


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def _problem(a: str, b: str, problem: str) -> Comparison:
    return Comparison(a, b, 0.0, False, 0.0, False, (), problem)


def render_comparison(c: Comparison, settings: Settings) -> str:
    """Return a human-readable explanation of one comparison."""
    if c.problem:
        return f"A: {c.a}\nB: {c.b}\ncannot compare: {c.problem}\n"
    lines = [
        f"A: {c.a}",
        f"B: {c.b}",
        f"near-duplicate: estimated Jaccard {c.jaccard:.2f} "
        f"(threshold {settings.near_duplicate_threshold:.2f}) → "
        + ("copies" if c.near_duplicate else "not copies"),
        f"same event: best passage-pair score {c.score:.2f} "
        f"(threshold {settings.align_threshold:.2f}) → "
        + ("SAME EVENT" if c.same_event else "different events"),
    ]
    if c.aligned:
        lines.append("best-aligned passages (score = embedding, lexical, anchors, time):")
    for item in c.aligned:
        hours = "" if item["hours_apart"] is None else f", {item['hours_apart']:g} h apart"
        shared = ", ".join(item["shared"][:8])
        lines.append(
            f"  {item['score']:.2f}  cosine {item['cosine']:.3f}, lexical {item['lexical']:.3f}, "
            f"anchors {item['anchors']:.2f}{hours}" + (f"; shared: {shared}" if shared else "")
        )
        lines.append(f"    A: {_short(item['a']['text'])}")
        lines.append(f"    B: {_short(item['b']['text'])}")
    lines.append(
        f"discrepancies: {len(c.findings)}"
        + (" (reading A and B as reports of one event)" if c.findings else "")
    )
    for f in c.findings:
        lines.append(f"  {f.severity} {f.kind}: {_short(f.summary, 200)}")
        for v in f.values:
            sides = " and ".join("A" if d == "d1" else "B" for d in v.documents)
            quote = v.evidence[0].text if v.evidence else ""
            lines.append(f"    {sides}: {v.value} | {_short(quote, 140)}")
    return "\n".join(lines) + "\n"


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def comparisons_to_json_lines(
    comparisons: Sequence[Comparison] | Iterator[Comparison], settings: Settings
) -> Iterator[str]:
    """Yield one JSON line per comparison."""
    import json

    for c in comparisons:
        yield json.dumps(c.to_dict(settings), ensure_ascii=False)
