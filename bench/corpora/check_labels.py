"""Validate a benchmark labels file against the corpus it describes.

Usage:
    python bench/corpora/check_labels.py bench/corpora/seeds_labels.json \
        bench/corpora/dev_labels.json
    python bench/corpora/check_labels.py LABELS.json --root DIR

Checks (exit 1 on any error, 0 otherwise):
- every path named anywhere in the labels exists under the corpus root;
- every passage quote is at least 30 characters and an exact substring of its file
  (and of the given line when `line` is set);
- every non-empty content line of every corpus file is covered by a passage quote or
  by an entry in `skipped` (front matter of .md files excluded);
- every event id used is defined in `events`;
- every discrepancy / non-discrepancy value (and its `evidence`, when given) occurs in
  each file that is said to carry it, and the evidence contains the value;
- `exact` duplicate groups are byte-identical, `near` groups are not;
- `documents` (when present) lists every corpus file with a defined main event.

The corpus root is `corpus` from the labels file, relative to the repository root,
unless --root is given. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MIN_QUOTE = 30
CORPUS_SUFFIXES = {".txt", ".md", ".html", ".json", ".jsonl"}
NOT_CORPUS = {"README.md", "labels.json"}


def body_lines(text: str, suffix: str) -> list[str]:
    if suffix == ".md" and text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            text = text[end + 5 :]
    return [line for line in text.split("\n") if line.strip()]


def corpus_files(root: Path) -> list[str]:
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_file() and p.suffix in CORPUS_SUFFIXES and p.name not in NOT_CORPUS
    )


def check(labels_path: Path, root: Path | None) -> list[str]:
    errors: list[str] = []
    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    if root is None:
        root = REPO / labels["corpus"]
    texts: dict[str, str] = {}

    def text_of(path: str, where: str) -> str | None:
        if path not in texts:
            fp = root / path
            if not fp.is_file():
                errors.append(f"{where}: missing file {path}")
                texts[path] = None  # type: ignore[assignment]
            else:
                texts[path] = fp.read_text(encoding="utf-8")
        return texts[path]

    events = labels.get("events", {})

    def check_event(ev: str | None, where: str) -> None:
        if ev is not None and ev not in events:
            errors.append(f"{where}: undefined event {ev}")

    for child, parent in labels.get("event_parent", {}).items():
        check_event(child, "event_parent")
        check_event(parent, "event_parent")

    covered: dict[str, list[str]] = {}
    for i, p in enumerate(labels.get("passages", [])):
        where = f"passages[{i}] {p.get('path')}"
        text = text_of(p["path"], where)
        q = p["quote"]
        if len(q) < MIN_QUOTE:
            errors.append(f"{where}: quote shorter than {MIN_QUOTE} chars: {q!r}")
        if not p.get("events"):
            errors.append(f"{where}: no events")
        for ev in p.get("events", []) + p.get("mentions", []):
            check_event(ev, where)
        if text is None:
            continue
        if q not in text:
            errors.append(f"{where}: quote not found: {q!r}")
        if "line" in p:
            lines = text.split("\n")
            if not (1 <= p["line"] <= len(lines)) or q not in lines[p["line"] - 1]:
                errors.append(f"{where}: quote not on line {p['line']}")
        covered.setdefault(p["path"], []).append(q)

    for i, s in enumerate(labels.get("skipped", [])):
        where = f"skipped[{i}] {s.get('path')}"
        text = text_of(s["path"], where)
        if text is not None and s["quote"] not in text:
            errors.append(f"{where}: quote not found: {s['quote']!r}")
        covered.setdefault(s["path"], []).append(s["quote"])

    # coverage: every content line of every corpus file
    for name in corpus_files(root):
        text = text_of(name, "coverage")
        if text is None:
            continue
        quotes = covered.get(name, [])
        for line in body_lines(text, Path(name).suffix):
            if not any(q and q in line for q in quotes):
                errors.append(f"coverage {name}: line not labelled: {line[:60]!r}")

    for section in ("discrepancies", "non_discrepancies"):
        for i, d in enumerate(labels.get(section, [])):
            where = f"{section}[{i}] {d.get('id', '')}"
            check_event(d.get("event"), where)
            for ev in d.get("events", []) + d.get("also_events", []):
                check_event(ev, where)
            if len(d.get("values", [])) < 2:
                errors.append(f"{where}: fewer than two values")
            for v in d.get("values", []):
                value, evidence = v["value"], v.get("evidence")
                if evidence is not None and value not in evidence:
                    errors.append(f"{where}: value {value!r} not inside its evidence {evidence!r}")
                if not v.get("paths"):
                    errors.append(f"{where}: value {value!r} has no paths")
                for path in v.get("paths", []):
                    text = text_of(path, where)
                    if text is None:
                        continue
                    if value not in text:
                        errors.append(f"{where}: value {value!r} not in {path}")
                    if evidence is not None and evidence not in text:
                        errors.append(f"{where}: evidence {evidence!r} not in {path}")

    for i, g in enumerate(labels.get("duplicates", [])):
        where = f"duplicates[{i}]"
        contents = [text_of(p, where) for p in g["paths"]]
        if any(c is None for c in contents):
            continue
        identical = len(set(contents)) == 1
        if g["kind"] == "exact" and not identical:
            errors.append(f"{where}: exact group is not byte-identical")
        if g["kind"] == "near" and len(set(contents)) != len(contents):
            errors.append(f"{where}: near group contains identical files")

    docs = labels.get("documents")
    if docs is not None:
        for name in corpus_files(root):
            if name not in docs:
                errors.append(f"documents: {name} not listed")
        for name, d in docs.items():
            text_of(name, "documents")
            check_event(d.get("main_event"), f"documents {name}")
            for ev in d.get("events", []):
                check_event(ev, f"documents {name}")
            if d.get("copy_of"):
                text_of(d["copy_of"], f"documents {name}")
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("labels", nargs="+", type=Path)
    ap.add_argument(
        "--root", type=Path, default=None, help="corpus folder (default: from the labels file)"
    )
    args = ap.parse_args(argv)
    failed = False
    for lp in args.labels:
        errs = check(lp, args.root)
        labels = json.loads(lp.read_text(encoding="utf-8"))
        sections = ("passages", "skipped", "discrepancies", "non_discrepancies", "duplicates")
        n = {k: len(labels.get(k, [])) for k in sections}
        status = "FAIL" if errs else "ok"
        print(f"{lp}: {status} ({', '.join(f'{k}={v}' for k, v in n.items())})")
        for e in errs:
            print("  " + e)
        failed |= bool(errs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
