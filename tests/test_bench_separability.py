"""bench/separability.py: the AUC it reports, worked by hand, and its run over the seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from dedupe.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import separability

ROOT = separability.ROOT


@pytest.mark.parametrize(
    ("positive", "negative", "expected"),
    [
        ([3.0, 2.0], [1.0], 1.0),  # every same-event pair above every other
        ([1.0], [2.0], 0.0),
        ([1.0], [1.0], 0.5),  # a tie counts half
        ([2.0, 1.0], [1.0, 0.0], 0.875),  # 2>1, 2>0, 1=1 (half), 1>0: 3.5 of 4
        ([], [1.0], None),
    ],
)
def test_auc_is_the_chance_a_positive_scores_above_a_negative(positive, negative, expected):
    got = separability.auc(np.array(positive), np.array(negative))
    assert got == expected


def test_the_seeds_are_measured_pair_by_pair_and_segment_by_segment():
    r = separability.separability(
        ROOT / "seeds", ROOT / "bench/corpora/seeds_labels.json", Settings()
    )
    assert 0 < r["same_event_pairs"] < r["pairs"]
    for value in [*r["pair_auc"].values(), *r["segment_auc"].values()]:
        assert 0.0 <= value <= 1.0
    closest = r["closest_segments"]
    assert closest and [c["cosine"] for c in closest] == sorted(
        (c["cosine"] for c in closest), reverse=True
    )
    # a segment is one document's passages of one event: never paired with its own document
    assert all(c["a"].split(":")[0] != c["b"].split(":")[0] for c in closest)
