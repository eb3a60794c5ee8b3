"""bench/evaluate.py: the clustering metrics every closing note quotes, on cases worked by hand,
and the whole evaluation on the seeds with their labels."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from dedupe.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import _corpora
import evaluate

ROOT = evaluate.ROOT
ITEMS = ["a", "b", "c", "d"]


def test_a_perfect_clustering_scores_one_and_singletons_count_as_clusters_of_their_own():
    gold = {"a": {"G1"}, "b": {"G1"}, "c": {"G2"}, "d": {"G2"}}
    for metric in (evaluate.pairwise, evaluate.bcubed):
        assert metric(gold, dict(gold), ITEMS) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    # nothing predicted: every item alone; BCubed precision is perfect, recall is 1/2 per item
    assert evaluate.bcubed(gold, {}, ITEMS) == {"precision": 1.0, "recall": 0.5, "f1": 0.667}
    assert evaluate.pairwise(gold, {}, ITEMS)["recall"] == 0.0


def test_pairwise_and_bcubed_on_a_split_and_a_wrong_join():
    # gold: a, b, c report one event, d none; found: {a, b} and {c, d}
    gold = {"a": {"G"}, "b": {"G"}, "c": {"G"}}
    pred = {"a": {"P1"}, "b": {"P1"}, "c": {"P2"}, "d": {"P2"}}
    # pairs: gold ab ac bc, found ab cd → tp 1, fp 1, fn 2
    assert evaluate.pairwise(gold, pred, ITEMS) == {"precision": 0.5, "recall": 0.333, "f1": 0.4}
    # precision per item: a 1, b 1, c 1/2, d 1/2 → 3/4; recall: a 2/3, b 2/3, c 1/3, d 1 → 2/3
    assert evaluate.bcubed(gold, pred, ITEMS) == {"precision": 0.75, "recall": 0.667, "f1": 0.706}


def test_bcubed_counts_multiplicity_when_an_item_reports_two_events():
    # Amigó et al. (2009): a is in both gold events, all three are found as one event
    gold = {"a": {"G1", "G2"}, "b": {"G1"}, "c": {"G2"}}
    pred = {"a": {"P"}, "b": {"P"}, "c": {"P"}}
    # precision: a 1; b with c share a found event and no gold one → b 2/3, c 2/3 → 7/9
    # recall: a with itself min(1, 2)/2 → a (1/2 + 1 + 1)/3 = 5/6, b 1, c 1 → 17/18
    assert evaluate.bcubed(gold, pred, ["a", "b", "c"]) == {
        "precision": 0.778,
        "recall": 0.944,
        "f1": 0.853,
    }
    # the other way round: a and b found twice over, in two events, where gold has one
    twice = {"a": {"P1", "P2"}, "b": {"P1", "P2"}}
    assert evaluate.bcubed({"a": {"G"}, "b": {"G"}}, twice, ["a", "b"]) == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.667,
    }


def test_explain_lists_each_found_event_by_gold_event_and_each_gold_event_by_found_event():
    gold = {"a": {"G"}, "b": {"G"}, "c": {"G", "H"}}
    pred = {"a": {"e2"}, "c": {"e2", "e10"}, "d": {"e10"}}
    out = evaluate.explain(gold, pred, ITEMS)
    assert out["predicted"] == {"e2": {"G": 2, "H": 1}, "e10": {"G": 1, "H": 1, "-": 1}}
    assert list(out["predicted"]) == ["e2", "e10"]  # event ids in natural order
    assert out["gold"] == {"G": {"e2": 2, "e10": 1, "-": 1}, "H": {"e2": 1, "e10": 1}}


@pytest.fixture(scope="module")
def seeds_result() -> dict:
    return evaluate.evaluate(
        ROOT / "seeds", ROOT / "bench" / "corpora" / "seeds_labels.json", Settings()
    )


def test_the_seeds_evaluation_matches_every_label_and_keeps_single_document_events_out(
    seeds_result: dict,
):
    labels = json.loads((ROOT / "bench/corpora/seeds_labels.json").read_text(encoding="utf-8"))
    assert seeds_result["labeled_passages"] == len(labels["passages"])
    assert seeds_result["unmatched_labels"] == 0
    documents_of: dict[str, set[str]] = {}
    for entry in labels["passages"]:
        for event in entry["events"]:
            documents_of.setdefault(event, set()).add(entry["path"])
    shared = {e for e, paths in documents_of.items() if len(paths) >= 2}
    assert seeds_result["gold_events"] == len(shared) < len(documents_of)
    assert set(seeds_result["passages_by_event"]["gold"]) <= shared
    for level in ("documents_in_events", "passage_alignment"):
        for metric in ("pairwise", "bcubed"):
            m = seeds_result[level][metric]
            assert 0.0 < m["f1"] <= 1.0


def test_a_label_whose_quote_is_not_in_its_file_is_counted_unmatched(tmp_path: Path):
    labels = json.loads((ROOT / "bench/corpora/seeds_labels.json").read_text(encoding="utf-8"))
    labels["passages"][0]["quote"] = "a quote that no seed article contains"
    labels["passages"][1]["path"] = "no-such-file.txt"
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    result = evaluate.evaluate(ROOT / "seeds", path, Settings())
    assert result["unmatched_labels"] == 2
    assert result["labeled_passages"] == len(labels["passages"]) - 2


def _chosen(*argv: str) -> list[tuple[Path, Path]]:
    parser = argparse.ArgumentParser()
    _corpora.add_arguments(parser)
    return _corpora.chosen_sets(parser, parser.parse_args(list(argv)))


def test_a_corpus_given_alone_is_measured_with_the_labels_named_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    assert _chosen() == _corpora.DEFAULT_SETS
    monkeypatch.chdir(ROOT)
    assert _chosen("--corpus", "seeds") == [
        (ROOT / "seeds", ROOT / "bench/corpora/seeds_labels.json")
    ]
    own = tmp_path / "mine"
    own.mkdir()
    (tmp_path / "mine_labels.json").write_text("{}", encoding="utf-8")
    assert _chosen("--corpus", str(own)) == [(own, tmp_path / "mine_labels.json")]
    given = tmp_path / "other.json"
    given.write_text("{}", encoding="utf-8")
    assert _chosen("--corpus", str(own), "--labels", str(given)) == [(own, given)]


@pytest.mark.parametrize(
    "argv",
    [
        ("--corpus", "{tmp}/unlabeled"),  # no labels beside it or in bench/corpora
        ("--corpus", "{tmp}/absent"),
        ("--corpus", "{tmp}/unlabeled", "--labels", "{tmp}/absent.json"),
        ("--labels", "{tmp}/absent.json"),  # labels without a corpus
    ],
)
def test_a_corpus_without_labels_is_a_usage_error_not_a_traceback(
    tmp_path: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "unlabeled").mkdir()
    with pytest.raises(SystemExit) as stop:
        _chosen(*(a.format(tmp=tmp_path) for a in argv))
    assert stop.value.code == 2
    assert "error:" in capsys.readouterr().err
