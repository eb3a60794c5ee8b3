"""Measure clustering against a labeled corpus: documents-in-events and passage alignment.

    python bench/evaluate.py                       # seeds/, bench/corpora/dev/ and heldout/
    python bench/evaluate.py --corpus seeds          # one corpus (labels found by name)
    python bench/evaluate.py --explain             # also: what each event holds, gold and found

Prints pairwise precision/recall/F1 and extended (overlapping) BCubed precision/recall/F1.
Gold events may overlap (an article reports several), so BCubed uses the multiplicity
definitions of Amigó et al. (2009).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpora import add_arguments, chosen_sets, labeled_passages  # noqa: E402

from dedupe.pipeline import run  # noqa: E402
from dedupe.settings import Settings, load_settings  # noqa: E402


def pairwise(gold: dict[str, set[str]], pred: dict[str, set[str]], items: Iterable[str]) -> dict:
    """Return pairwise P/R/F1: a pair is positive when the two items share a cluster."""
    tp = fp = fn = 0
    for a, b in combinations(sorted(items), 2):
        g = bool(gold.get(a, set()) & gold.get(b, set()))
        p = bool(pred.get(a, set()) & pred.get(b, set()))
        tp += g and p
        fp += p and not g
        fn += g and not p
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return _prf(precision, recall)


def bcubed(gold: dict[str, set[str]], pred: dict[str, set[str]], items: Iterable[str]) -> dict:
    """Return extended BCubed P/R/F1 for overlapping clusters; an item in no cluster is a
    singleton of its own."""
    items = sorted(items)
    g = {i: gold.get(i) or {f"_gold_{i}"} for i in items}
    p = {i: pred.get(i) or {f"_pred_{i}"} for i in items}
    precisions, recalls = [], []
    for e in items:
        pe, re_ = [], []
        for e2 in items:
            c = len(p[e] & p[e2])
            l_ = len(g[e] & g[e2])
            if c:
                pe.append(min(c, l_) / c)
            if l_:
                re_.append(min(c, l_) / l_)
        precisions.append(sum(pe) / len(pe))
        recalls.append(sum(re_) / len(re_))
    return _prf(sum(precisions) / len(items), sum(recalls) / len(items))


def _prf(p: float, r: float) -> dict:
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def explain(
    gold: dict[str, set[str]], pred: dict[str, set[str]], items: Iterable[str]
) -> dict[str, dict[str, dict[str, int]]]:
    """Return what went where: for each predicted event, how many of its items carry each gold
    event ("-" for none), and for each gold event, how many of its items each predicted event
    holds ("-" for none). An item in two events counts in both."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for item in sorted(items):
        golds = sorted(gold.get(item, set())) or ["-"]
        preds = sorted(pred.get(item, set())) or ["-"]
        for p in preds:
            if p != "-":
                found[p].update(golds)
        for g in golds:
            if g != "-":
                spread[g].update(preds)
    return {
        "predicted": {p: dict(c.most_common()) for p, c in sorted(found.items(), key=_by_id)},
        "gold": {g: dict(c.most_common()) for g, c in sorted(spread.items())},
    }


def _by_id(entry: tuple[str, object]) -> tuple[int, str]:
    digits = "".join(ch for ch in entry[0] if ch.isdigit())
    return int(digits or 0), entry[0]


def evaluate(folder: Path, labels_path: Path, settings: Settings) -> dict:
    """Return the metrics of one labeled corpus."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    report = run(folder, settings)
    docs = report.corpus.documents
    id_of = dict(zip(docs["path"], docs["id"], strict=True))
    labeled, shared, missing = labeled_passages(labels, docs)
    spans = {key: (doc, s, e) for key, (doc, s, e, _) in labeled.items()}
    # only events reported by two or more documents can be found (see labeled_passages)
    gold_passage = {key: events & shared for key, (_, _, _, events) in labeled.items()}
    gold_doc: dict[str, set[str]] = {}
    for doc, _, _, events in labeled.values():
        gold_doc.setdefault(doc, set()).update(events & shared)

    pred_doc: dict[str, set[str]] = {}
    pred_passage: dict[str, set[str]] = {}
    for event in report.events:
        for d in event.documents:
            pred_doc.setdefault(d, set()).add(event.id)
        for ref in event.passages:
            for key, (doc, s, e) in spans.items():
                if doc == ref.document and s < ref.end and ref.start < e:
                    pred_passage.setdefault(key, set()).add(event.id)

    gold_copies = [
        {id_of[p] for p in group["paths"] if p in id_of} for group in labels.get("duplicates", [])
    ]
    gold_pairs = {frozenset(p) for g in gold_copies for p in combinations(sorted(g), 2)}
    found_pairs = {
        frozenset(p)
        for g in report.duplicates
        if g.level == "document"
        for p in combinations(sorted(g.documents), 2)
    }
    copies = {
        "gold_pairs": len(gold_pairs),
        "found_pairs": len(found_pairs),
        "precision": round(len(gold_pairs & found_pairs) / len(found_pairs), 3)
        if found_pairs
        else None,
        "recall": round(len(gold_pairs & found_pairs) / len(gold_pairs), 3) if gold_pairs else None,
    }
    doc_items = set(id_of.values())
    passage_items = set(spans)
    return {
        "corpus": str(folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder),
        "documents": len(doc_items),
        "gold_events": len(shared),
        "predicted_events": len(report.events),
        "labeled_passages": len(passage_items),
        "unmatched_labels": missing,
        "copies": copies,
        "documents_in_events": {
            "pairwise": pairwise(gold_doc, pred_doc, doc_items),
            "bcubed": bcubed(gold_doc, pred_doc, doc_items),
        },
        "passage_alignment": {
            "pairwise": pairwise(gold_passage, pred_passage, passage_items),
            "bcubed": bcubed(gold_passage, pred_passage, passage_items),
        },
        "passages_by_event": explain(gold_passage, pred_passage, passage_items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--config", type=Path, help="pyproject.toml with [tool.dedupe]")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="list the gold events of each predicted event's labeled passages, and the "
        "predicted events each gold event's passages went to",
    )
    args = parser.parse_args()
    settings = load_settings(args.config) if args.config else Settings()
    sets = chosen_sets(parser, args)
    results = [evaluate(folder, labels, settings) for folder, labels in sets]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(
            f"{r['corpus']}: {r['documents']} documents, {r['gold_events']} gold events "
            f"(2+ documents), {r['predicted_events']} predicted, {r['labeled_passages']} "
            f"labeled passages ({r['unmatched_labels']} labels unmatched)"
        )
        c = r["copies"]
        print(
            f"  copies (document pairs)        gold {c['gold_pairs']} found {c['found_pairs']} "
            f"P={c['precision']} R={c['recall']}"
        )
        for level in ("documents_in_events", "passage_alignment"):
            for metric in ("pairwise", "bcubed"):
                m = r[level][metric]
                print(
                    f"  {level:20s} {metric:8s} P={m['precision']:.3f} R={m['recall']:.3f} "
                    f"F1={m['f1']:.3f}"
                )
        if args.explain:
            parts = r["passages_by_event"]
            print("  predicted event: labeled passages by gold event (- : in no shared gold event)")
            for event, counts in parts["predicted"].items():
                print(f"    {event}: " + ", ".join(f"{g} {n}" for g, n in counts.items()))
            print("  gold event: its passages by predicted event (- : in none)")
            for event, counts in parts["gold"].items():
                print(f"    {event}: " + ", ".join(f"{p} {n}" for p, n in counts.items()))


if __name__ == "__main__":
    main()
