"""How well the pair signals tell a labeled corpus's events apart, before any clustering.

    python bench/separability.py                 # seeds/, bench/corpora/dev/ and heldout/
    python bench/separability.py --corpus seeds  # one corpus (labels found by name)

Clustering can only separate what its signals separate. For every pair of labeled passages
from different documents (copies counted once) the pair is positive when the two share a gold
event (events reported by two or more documents); printed is the ROC AUC of the score
clustering uses and of its embedding and lexical parts: the chance that a random same-event
pair scores above a random different-event pair (0.5: no better than a coin).

The same is done for whole gold segments (the labeled passages of one document that report one
event, as if every article were perfectly cut into its events): the cosine of their mean
vectors and of their summed lexical vectors. The closest segment pairs are listed, so a
different-event pair that sits among the same-event ones shows what the signals cannot see.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpora import add_arguments, chosen_sets, labeled_passages  # noqa: E402

from dedupe.cluster import PassageUnits, pair_signals, passage_texts, passage_units  # noqa: E402
from dedupe.ingest import ingest  # noqa: E402
from dedupe.models import Corpus  # noqa: E402
from dedupe.neardup import find_duplicates  # noqa: E402
from dedupe.pipeline import make_embedder  # noqa: E402
from dedupe.settings import Settings, load_settings  # noqa: E402


def auc(positive: np.ndarray, negative: np.ndarray) -> float | None:
    """Return the ROC AUC of scores: P(positive > negative) + P(tie) / 2 (Mann–Whitney)."""
    if not len(positive) or not len(negative):
        return None
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # ties share their mean rank
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def gold_of_units(corpus: Corpus, units: PassageUnits, labels: dict) -> list[set[str]]:
    """Return each unit's gold events (those two or more documents report), from the labeled
    quotes its span overlaps."""
    labeled, shared, _ = labeled_passages(labels, corpus.documents)
    spans: dict[str, list[tuple[int, int, set[str]]]] = {}
    for doc, start, end, events in labeled.values():
        spans.setdefault(doc, []).append((start, end, events))
    frame = units.frame
    out = []
    for doc, start, end in zip(frame["document"], frame["start"], frame["end"], strict=True):
        events: set[str] = set()
        for s, e, labeled in spans.get(doc, []):
            if s < end and start < e:
                events |= labeled & shared
        out.append(events)
    return out


def separability(folder: Path, labels_path: Path, settings: Settings) -> dict:
    """Return the AUCs of the pair signals and of the gold segments of one labeled corpus."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    corpus = ingest(folder, settings)
    near = find_duplicates(corpus, settings)
    embedder = make_embedder(settings, texts=passage_texts(corpus))
    settings = settings.for_model(embedder.model_id)
    units = passage_units(corpus, embedder, near.representative)
    gold = gold_of_units(corpus, units, labels)
    groups = units.frame["group"].to_list()
    labeled = [r for r, g in enumerate(gold) if g]

    same, signals = [], []
    for k, i in enumerate(labeled):
        for j in labeled[k + 1 :]:
            if groups[i] != groups[j]:
                p = pair_signals(units, i, j, settings)
                same.append(bool(gold[i] & gold[j]))
                signals.append((p.score, p.cosine, p.lexical))
    same_a = np.array(same, dtype=bool)
    values = np.array(signals, dtype=np.float64).reshape(-1, 3)
    pairs = {
        name: auc(values[same_a, c], values[~same_a, c])
        for c, name in enumerate(("score", "cosine", "lexical"))
    }

    segments: dict[tuple[str, str], list[int]] = {}
    for r in labeled:
        for event in gold[r]:
            segments.setdefault((groups[r], event), []).append(r)
    keys = list(segments)
    vectors = np.stack([units.vector_rows(segments[k]).mean(axis=0) for k in keys])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lexical = np.vstack([np.asarray(units.lexical[segments[k]].sum(axis=0)) for k in keys])
    lexical /= np.linalg.norm(lexical, axis=1, keepdims=True) + 1e-12
    rows = []
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            if keys[a][0] != keys[b][0]:
                cos, lex = float(vectors[a] @ vectors[b]), float(lexical[a] @ lexical[b])
                rows.append((keys[a][1] == keys[b][1], cos, lex, keys[a], keys[b]))
    seg_same = np.array([r[0] for r in rows], dtype=bool)
    seg_values = np.array([r[1:3] for r in rows], dtype=np.float64).reshape(-1, 2)
    closest = sorted(rows, key=lambda r: -r[1])[:8]
    return {
        "corpus": str(folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder),
        "pairs": len(same),
        "same_event_pairs": int(same_a.sum()),
        "pair_auc": pairs,
        "segments": len(keys),
        "segment_auc": {
            name: auc(seg_values[seg_same, c], seg_values[~seg_same, c])
            for c, name in enumerate(("cosine", "lexical"))
        },
        "closest_segments": [
            {
                "same_event": s,
                "cosine": round(cos, 3),
                "lexical": round(lex, 3),
                "a": f"{ka[0]}:{ka[1]}",
                "b": f"{kb[0]}:{kb[1]}",
            }
            for s, cos, lex, ka, kb in closest
        ],
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--config", type=Path, help="pyproject.toml with [tool.dedupe]")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    settings = load_settings(args.config) if args.config else Settings()
    results = [separability(f, labels, settings) for f, labels in chosen_sets(parser, args)]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for r in results:
        p, s = r["pair_auc"], r["segment_auc"]
        print(
            f"{r['corpus']}: {r['pairs']} passage pairs ({r['same_event_pairs']} same-event), "
            f"AUC score {_fmt(p['score'])}, cosine {_fmt(p['cosine'])}, lexical "
            f"{_fmt(p['lexical'])}; {r['segments']} gold segments, AUC cosine "
            f"{_fmt(s['cosine'])}, lexical {_fmt(s['lexical'])}"
        )
        print("  closest gold segments (document:event), by cosine:")
        for c in r["closest_segments"]:
            mark = "same " if c["same_event"] else "OTHER"
            print(f"    {mark} {c['cosine']:.3f} {c['lexical']:.3f}  {c['a']}  {c['b']}")


if __name__ == "__main__":
    main()
