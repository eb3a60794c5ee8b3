"""Where the memory of `dedupe run` goes, stage by stage (Linux: reads /proc/self/status).

    python bench/generate.py --n 10000 --out /tmp/dedupe-bench/n10000
    python bench/memory.py /tmp/dedupe-bench/n10000 --exclude truth.json STAMP new

Runs the stages of ``pipeline.run`` one after the other in this process, as ``_run`` chains
them (no run cache). After each stage it prints two figures: ``live``, the resident memory
once garbage is collected and malloc has returned its free pages (what the stage leaves for
the next ones), and ``peak``, the highest resident memory during the stage (the kernel's
high-water mark, reset after each stage). The run's peak is the largest ``peak``; what a
stage holds on to is the step in ``live``. bench/run.py measures whole runs in separate
processes; this is the breakdown behind its peak-memory figures.

A third figure, ``tree peak``, counts the worker processes too: the proportional set size
(PSS: a page shared by k processes counts 1/k in each) summed over this process and its
descendants, sampled every half second (a peak shorter than that can be missed). Workers are
forked and share the parent's pages until either writes them; reading a Python object writes
its reference count, so a worker that reads the parent's objects copies their pages, and
``peak`` alone (this process) does not see that.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's dedupe

from _tree import TreeSampler  # noqa: E402  (bench/, the script's own folder)

from dedupe.allocator import map_large_blocks, return_freed_pages  # noqa: E402

return_freed_pages()  # as the command line does, before polars is imported

from dedupe import cluster, consistency, pipeline  # noqa: E402
from dedupe import report as render  # noqa: E402
from dedupe.facts import extract_facts  # noqa: E402
from dedupe.files import atomic_write_text  # noqa: E402
from dedupe.ingest import ingest  # noqa: E402
from dedupe.models import Report  # noqa: E402
from dedupe.neardup import find_duplicates  # noqa: E402
from dedupe.settings import Settings  # noqa: E402

MIB = 1024


def _status(field: str) -> float:
    """Return a /proc/self/status memory field in MiB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / MIB
    raise RuntimeError(f"/proc/self/status has no {field}")


class Marks:
    """Prints one row per stage: seconds, live, peak and tree peak MiB."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("c")
        self._trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
        self.start = self._last = time.perf_counter()
        self.rows: list[tuple[str, float, float, float, float]] = []
        self._tree = TreeSampler()
        self._tree.start()
        self._reset_peak()

    def _reset_peak(self) -> None:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")  # resets VmHWM to the current RSS

    def __call__(self, stage: str) -> None:
        peak = _status("VmHWM")
        tree = self._tree.take()
        seconds = time.perf_counter() - self._last
        gc.collect()
        if self._trim is not None:
            self._trim(0)
        live = _status("VmRSS")
        self.rows.append((stage, seconds, live, peak, tree))
        print(f"| {stage} | {seconds:.1f} | {live:,.0f} | {peak:,.0f} | {tree:,.0f} |", flush=True)
        self._reset_peak()
        self._last = time.perf_counter()


def _marked(marks: Marks, stage: str, fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = fn(*args, **kwargs)
        marks(stage)
        return out

    return wrapper


# the steps that --steps marks (each call of them ends a row): of cluster_events, then of
# find_inconsistencies (its lookup tables, then each check)
STEPS = {
    cluster: (
        "matched_passages",
        "passage_vectors",
        "_lexical",
        "_document_partners",
        "score_matrix",
        "_parts",
        "_link_parts",
        "_merge_facets",
        "_join_events",
        "_place_across_scripts",
        "_folded_into",
        "_continue_discourse",
    ),
    consistency: ("build_context", "PassageStarts", "_one_check"),
}
STAGE_OF = {cluster: "events", consistency: "consistency"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--exclude", nargs="*", default=[], help="names under FOLDER to skip")
    parser.add_argument("--model", default=None, help="Settings(model=...); default: the default")
    parser.add_argument("--cache-dir", default="", help="embedding/facts cache; default: none")
    parser.add_argument(
        "--steps",
        action="store_true",
        help="also a row per step of the events stage (each mark collects garbage and trims "
        "malloc, which lowers the peaks that follow: compare runs with the same flag)",
    )
    args = parser.parse_args()
    map_large_blocks()  # as the command line does
    model = {"model": args.model} if args.model else {}
    settings = Settings(cache_dir=args.cache_dir, **model).validate()
    print(f"{args.folder}, model {settings.model}, cache {args.cache_dir or 'none'}\n")
    print("| stage | seconds | live MiB | peak MiB | tree peak MiB |\n|---|---:|---:|---:|---:|")
    marks = Marks()
    for module, steps in STEPS.items() if args.steps else ():  # (a missing name fails here)
        for step in steps:
            label = f"  {STAGE_OF[module]}: {step}"
            setattr(module, step, _marked(marks, label, getattr(module, step)))
    marks("imports")
    corpus = ingest(args.folder, settings, exclude=[args.folder / name for name in args.exclude])
    marks("ingest")
    near = find_duplicates(corpus, settings)
    marks("near-duplicates")
    embedder = pipeline.make_embedder(settings, texts=pipeline.passage_texts(corpus))
    settings = settings.for_model(embedder.model_id)
    marks(f"embedder ({embedder.model_id})")
    # the two halves of cluster_events: its passage units (embedded, with lexical rows), then
    # the scored pairs and the events made from them
    cluster.passage_units = _marked(marks, "events: passage units", cluster.passage_units)
    clustering = cluster.cluster_events(corpus, embedder, settings, near.representative)
    marks("events: pairs and events")
    facts = [extract_facts(corpus, cache_dir=pipeline.cache_path(settings))]
    marks("facts")
    # handed over as pipeline._run does: the checks hold the only reference, and let it go
    findings = consistency.find_inconsistencies(
        corpus, clustering, facts.pop(), settings.align_threshold
    )
    marks("consistency")
    report = Report(
        corpus=corpus,
        duplicates=near.groups,
        events=clustering.events,
        findings=findings,
        meta=pipeline._meta(settings, embedder, near.params, args.folder),
    )
    del clustering, near  # nor the clustering and the near-duplicates once the report is made
    with tempfile.TemporaryDirectory() as out:  # what `dedupe run -o` writes
        atomic_write_text(Path(out) / "report.md", render.markdown_chunks(report))
        atomic_write_text(Path(out) / "report.json", render.json_chunks(report))
    marks("reports")
    total = time.perf_counter() - marks.start
    peak = max(row[3] for row in marks.rows)
    tree = max(row[4] for row in marks.rows)
    print(
        f"\n{corpus.documents.height:,} articles, {total:.0f} s, run peak {peak:,.0f} MiB, "
        f"with its workers {tree:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
