"""Measure the consistency checker against planted discrepancies and non-discrepancies.

    python bench/evaluate_findings.py            # seeds/, bench/corpora/dev/ and heldout/
    python bench/evaluate_findings.py -v         # also list every miss and false alarm

A predicted finding matches a labeled discrepancy of the same kind when two of its values each
match a different labeled value: the documents overlap and a word of the labeled value appears
in the predicted value or its evidence. Precision counts every predicted finding; recall counts
labeled discrepancies. Findings that match a planted non-discrepancy are listed as such.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _corpora import add_arguments, chosen_sets  # noqa: E402

from dedupe.models import Finding, FindingValue  # noqa: E402
from dedupe.pipeline import run  # noqa: E402
from dedupe.settings import Settings, load_settings  # noqa: E402
from dedupe.text import normalize, stems  # noqa: E402

KINDS = ("name_variant", "date_conflict", "number_conflict")


def _value_matches(pv: FindingValue, gold: dict, paths: dict[str, str]) -> bool:
    docs = {paths[d] for d in pv.documents}
    if not docs & set(gold.get("paths", [])):
        return False
    words = {w for w in stems(str(gold.get("value", ""))) if len(w) >= 2}
    haystack = " ".join([pv.value, *(e.text for e in pv.evidence)])
    found = set(stems(haystack)) | {normalize(haystack)}
    return bool(words & found) or any(w in normalize(haystack) for w in words)


def matches(finding: Finding, gold: dict, paths: dict[str, str]) -> bool:
    """True when ``finding`` reports the labeled case ``gold``."""
    kind = gold.get("kind")
    if kind not in KINDS or finding.kind != kind:
        return False
    gold_values = gold.get("values", [])
    used: set[int] = set()
    hits = 0
    for pv in finding.values:
        for k, gv in enumerate(gold_values):
            if k not in used and _value_matches(pv, gv, paths):
                used.add(k)
                hits += 1
                break
    return hits >= min(2, len(finding.values))


def evaluate(folder: Path, labels_path: Path, settings: Settings) -> dict:
    """Return per-kind precision and recall, and the lists of misses and false alarms."""
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    report = run(folder, settings)
    paths = dict(zip(report.corpus.documents["id"], report.corpus.documents["path"], strict=True))
    gold = [g for g in labels.get("discrepancies", []) if g.get("kind") in KINDS]
    negatives = labels.get("non_discrepancies", [])
    found: set[str] = set()
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "gold": 0})
    false_alarms, planted_hits = [], []
    for g in gold:
        per_kind[g["kind"]]["gold"] += 1
    for f in report.findings:
        hit = [g["id"] for g in gold if matches(f, g, paths)]
        if hit:
            per_kind[f.kind]["tp"] += 1
            found.update(hit)
        else:
            per_kind[f.kind]["fp"] += 1
            false_alarms.append(f)
            for n in negatives:
                n_values = n.get("values", [])
                if (
                    sum(any(_value_matches(pv, nv, paths) for nv in n_values) for pv in f.values)
                    >= 2
                ):
                    planted_hits.append((n["id"], f.summary))
    result = {"corpus": folder.name, "kinds": {}}
    for kind in KINDS:
        c = per_kind[kind]
        predicted = c["tp"] + c["fp"]
        recalled = sum(1 for g in gold if g["kind"] == kind and g["id"] in found)
        result["kinds"][kind] = {
            "predicted": predicted,
            "gold": c["gold"],
            "precision": round(c["tp"] / predicted, 3) if predicted else None,
            "recall": round(recalled / c["gold"], 3) if c["gold"] else None,
        }
    result["missed"] = [f"{g['id']} {g['kind']}" for g in gold if g["id"] not in found]
    result["false_alarms"] = [f"{f.kind}: {f.summary}" for f in false_alarms]
    result["planted_non_discrepancies_flagged"] = planted_hits
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--config", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    settings = load_settings(args.config) if args.config else Settings()
    sets = chosen_sets(parser, args)
    for folder, labels in sets:
        r = evaluate(folder, labels, settings)
        print(f"{r['corpus']}:")
        for kind, m in r["kinds"].items():
            p = "n/a" if m["precision"] is None else f"{m['precision']:.2f}"
            rc = "n/a" if m["recall"] is None else f"{m['recall']:.2f}"
            print(f"  {kind:16s} predicted {m['predicted']:3d}  gold {m['gold']:3d}  P={p}  R={rc}")
        print(f"  planted non-discrepancies flagged: {len(r['planted_non_discrepancies_flagged'])}")
        if args.verbose:
            for line in r["missed"]:
                print(f"    missed: {line}")
            for line in r["false_alarms"]:
                print(f"    false alarm: {line}")
            for nid, summary in r["planted_non_discrepancies_flagged"]:
                print(f"    flagged planted non-discrepancy {nid}: {summary}")


if __name__ == "__main__":
    main()
