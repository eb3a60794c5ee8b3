"""Work that did not change is not redone: `dedupe check` against states of growing size, and a
warm `dedupe run` (the run cache), on the generated corpora of bench/run.py.

    python bench/incremental.py check N [N ...] --work DIR [--state-from DIR] [--quick-state]
    python bench/incremental.py run N [N ...] --work DIR [--fingerprint-only]

``check N``: a state of the N articles of ``corpus-nN-new100-*`` (``articles/``; ``new/``
excluded) is built once in DIR, or copied from ``--state-from`` (``{n}`` stands for N) and
updated by a check with nothing new (which upgrades a state older than the file index); then a
copy of it checks the folder with the 100 new articles, with stage timings. ``run N``: a cold
run, then a warm one over the unchanged folder (``--fingerprint-only``: only the time to
fingerprint the folder). Every timing is taken in this process, so compare numbers printed by
one invocation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _worker import Timers, without_analysis  # noqa: E402

from dedupe import pipeline  # noqa: E402
from dedupe.settings import Settings  # noqa: E402

CORPORA = Path("/tmp/hb/cache")
STAGES = [
    ("dedupe.pipeline", "ingest_incremental", "ingest (incremental)"),
    ("dedupe.ingest", "_read_files", "ingest: read + decode files"),
    ("dedupe.ingest", "_sha256_of", "ingest: hash changed files"),
    ("dedupe.ingest", "_frames", "ingest: boilerplate + passages"),
    ("dedupe.pipeline", "template_context", "ingest: stored template context"),
    ("dedupe.state", "StateStore.load", "state load (verify, lazy)"),
    ("dedupe.pipeline", "find_duplicates", "near-duplicates (vs stored)"),
    ("dedupe.pipeline", "passage_units", "new passage units"),
    ("dedupe.pipeline", "_candidates", "stored candidates"),
    ("dedupe.pipeline", "_with_stored_text", "candidate rows from state"),
    ("dedupe.pipeline", "cluster_events", "events (cluster)"),
    ("dedupe.pipeline", "extract_facts", "facts"),
    ("dedupe.pipeline", "find_inconsistencies", "consistency"),
    ("dedupe.pipeline", "_updated_state", "new state frames"),
    ("dedupe.state", "StateStore.save", "state save"),
    ("dedupe.pipeline", "fingerprint", "run cache: fingerprint"),
    ("dedupe.pipeline", "_run", "run (cold work)"),
]


def corpus(n: int) -> Path:
    (folder,) = CORPORA.glob(f"corpus-n{n}-new100-*")
    return folder


def excluded(folder: Path) -> list[Path]:
    return [folder / "truth.json", folder / "STAMP"]


def bench_check(
    n: int, work: Path, state_from: Path | None, quick_state: bool = False
) -> dict[str, object]:
    folder = corpus(n)
    settings = Settings(model="static", cache_dir=str(work / "cache"))
    built = work / f"state-{n}"
    out: dict[str, object] = {"stored": n}
    if not (built / "manifest.json").exists():
        start = time.perf_counter()
        if state_from is not None:
            shutil.copytree(str(state_from).format(n=n), built)
        with without_analysis() if quick_state else contextlib.nullcontext():
            pipeline.check(folder, built, settings, exclude=[*excluded(folder), folder / "new"])
        out["build_or_upgrade_seconds"] = round(time.perf_counter() - start, 1)
    state = work / f"state-{n}-check"
    shutil.rmtree(state, ignore_errors=True)
    shutil.copytree(built, state)
    timers = Timers()
    timers.install(STAGES)
    start = time.perf_counter()
    result = pipeline.check(folder, state, settings, exclude=excluded(folder))
    out["check_seconds"] = round(time.perf_counter() - start, 2)
    out["new"] = len(result.new_documents)
    out["findings"] = len(result.report.findings)
    out["stages"] = {
        label: round(timers.seconds[label], 2) for _, _, label in STAGES if label in timers.seconds
    }
    return out


def bench_run(n: int, work: Path, fingerprint_only: bool) -> dict[str, object]:
    from dedupe.runcache import fingerprint

    folder = corpus(n)
    settings = Settings(model="static", cache_dir=str(work / f"cache-run-{n}"))
    exclude = excluded(folder)
    out: dict[str, object] = {"articles": n}
    start = time.perf_counter()
    fingerprint(folder, settings, exclude=exclude)
    out["fingerprint_seconds"] = round(time.perf_counter() - start, 2)
    if fingerprint_only:
        return out
    start = time.perf_counter()
    cold = pipeline.run(folder, settings, exclude=exclude)
    out["cold_seconds"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    warm = pipeline.run(folder, settings, exclude=exclude)
    out["warm_seconds"] = round(time.perf_counter() - start, 2)
    out["same_findings"] = warm.findings == cold.findings
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=("check", "run"))
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--state-from", type=Path)
    parser.add_argument("--fingerprint-only", action="store_true")
    parser.add_argument(
        "--quick-state",
        action="store_true",
        help="build the state without events and findings (see _worker.without_analysis)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        if args.task == "check":
            result = bench_check(n, args.work, args.state_from, args.quick_state)
        else:
            result = bench_run(n, args.work, args.fingerprint_only)
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
