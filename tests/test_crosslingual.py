"""Reports in another script than the rest of their event: compared with whole events, placed
only with a name or number of the event's own (cluster._place_across_scripts)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from dedupe import cluster
from dedupe.pipeline import run
from dedupe.settings import Settings

DEV = Path(__file__).resolve().parent.parent / "bench" / "corpora" / "dev"
ENGLISH_QUAKE = "d28_meridian-herald.md"
ENGLISH_HOSTAGES = "d12_northgate-wire.md"


def _main_event(event: str) -> set[str]:
    labels = json.loads((DEV.parent / "dev_labels.json").read_text(encoding="utf-8"))
    return {n for n, d in labels["documents"].items() if d["main_event"] == event}


def test_event_margins_are_the_cosine_means_computed_one_by_one() -> None:
    rng = np.random.default_rng(3)
    others = rng.normal(size=(40, 8))
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    block = rng.normal(size=(5, 8))
    block /= np.linalg.norm(block, axis=1, keepdims=True)
    events = [list(range(0, 6)), list(range(6, 9)), [9, 10], list(range(2, 40))]
    member = csr_matrix(
        (np.ones(sum(map(len, events))), np.concatenate(events), np.cumsum([0, *map(len, events)])),
        shape=(len(events), len(others)),
    )
    z = cluster._Compared.of(others, member).margins(block, min_rows=3)
    for r, v in enumerate(block):
        cos = others @ v
        for e, rows in enumerate(events):
            inside = np.isin(np.arange(len(others)), rows)
            if inside.sum() < 3 or (~inside).sum() < 3:  # [9, 10] and the last: too few
                assert z[r, e] == -np.inf
            else:
                expected = (cos[inside].mean() - cos[~inside].mean()) / cos.std()
                assert z[r, e] == pytest.approx(expected)
    assert np.isfinite(z[:, :2]).all() and np.isneginf(z[:, 2:]).all()


def test_cross_keys_match_a_name_across_scripts_and_numbers_in_any_digits() -> None:
    key = cluster._cross_key
    assert key("Brizan") == key("بريزان") != ""
    assert key("Ulyanov") == key("أوليانوف") != ""
    assert key("37") == key("٣٧") == "#37"
    assert key("7") == "" and key("Li") == ""  # one digit, two consonants: chance matches
    assert key("٠٣٧") == key("037") == "#37" and key("00") == "#0"
    assert key("9" * 5000) == "#" + "9" * 5000  # longer than int() reads
    assert key("Brizan") != key("Bristol")


def test_an_event_of_one_pair_across_scripts_folds_into_the_event_holding_its_documents() -> None:
    # rows: 0-2 Arabic documents a, b, c; 3 English document e; 4 Arabic a; 5 English e
    groups = ["a", "b", "c", "e", "a", "e"]
    scripts = ["ar", "ar", "ar", "en", "ar", "en"]
    members = {"e1": [0, 1, 2, 3], "e2": [4, 5], "e3": [0, 1]}
    facets = {"e1": [[0, 1, 2]], "e2": [[4, 5]], "e3": [[0, 1]]}
    assert cluster._folded_into(members, facets, groups, scripts) == {"e2": "e1"}
    # aligned within a script, or its documents not all in another event: kept
    assert cluster._folded_into(members, {**facets, "e2": [[4, 0, 5]]}, groups, scripts) == {}
    alone = {**members, "e1": [0, 1, 2]}
    assert cluster._folded_into(alone, facets, groups, scripts) == {}


@pytest.fixture(scope="module")
def dev_copy(tmp_path_factory: pytest.TempPathFactory):
    def copy(leave_out: set[str] = frozenset()) -> Path:
        folder = tmp_path_factory.mktemp("dev")
        for path in DEV.glob("*.md"):
            if path.name not in leave_out:
                shutil.copy(path, folder)
        return folder

    return copy


def _events_of(report, name: str) -> list[tuple[set[str], list[str]]]:
    """Return (documents, how this document's passages joined) of each event holding ``name``."""
    path_of = dict(zip(report.corpus.documents["id"], report.corpus.documents["path"], strict=True))
    out = []
    for event in report.events:
        docs = {path_of[d] for d in event.documents}
        if name in docs:
            joined = [p.joined for p in event.passages if path_of[p.document] == name]
            out.append((docs, joined))
    return out


def test_english_reports_join_their_events_told_in_arabic(dev_copy) -> None:
    folder = dev_copy()
    settings = Settings()
    report = run(folder, settings)
    quake, hostages = _main_event("E_quake_talsafa"), _main_event("E_hostage_release")
    [(docs, joined)] = _events_of(report, ENGLISH_QUAKE)  # one event: the pair-only one folded
    assert len(docs & quake) >= 5 and "crosslingual" in joined and len(joined) >= 5
    [(docs, joined)] = _events_of(report, ENGLISH_HOSTAGES)
    assert len(docs & hostages) >= 3 and "crosslingual" in joined
    # turned off, the English quake report is at most in an event with one other document
    off = run(dev_copy(), replace(settings, crosslingual_margin=10.0))
    assert all(len(docs) <= 2 for docs, _ in _events_of(off, ENGLISH_QUAKE))


def test_a_report_with_a_passage_in_each_script_is_not_compared_with_itself(
    dev_copy, monkeypatch
) -> None:
    """A name written in Arabic inside the English report makes that passage Arabic-script:
    the report's English passages are compared with the Arabic ones of other documents only."""
    folder = dev_copy()
    report = folder / ENGLISH_QUAKE
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("Tal al-Safa", "Tal al-Safa (تل الصفا)", 1), encoding="utf-8")
    sizes = []
    of = cluster._Compared.of
    monkeypatch.setattr(
        cluster._Compared,
        "of",
        lambda vectors, member: sizes.append(len(vectors)) or of(vectors, member),
    )
    [(docs, joined)] = _events_of(run(folder, Settings()), ENGLISH_QUAKE)
    assert len(docs & _main_event("E_quake_talsafa")) >= 5 and "crosslingual" in joined
    # per script: the report alone against the other script less its own passage, then the rest
    arabic = sizes[-1]
    assert arabic - 1 in sizes


def test_an_english_report_of_an_event_no_arabic_outlet_covered_joins_no_event(
    dev_copy, monkeypatch
) -> None:
    """Without the Arabic quake reports, the English one is closest to the flood's reports; it
    shares no name or number of the flood's own, so it stays out."""
    arabic_quake = _main_event("E_quake_talsafa") - {ENGLISH_QUAKE}
    folder = dev_copy(arabic_quake)
    assert _events_of(run(folder, Settings()), ENGLISH_QUAKE) == []
    # closeness alone would have put it with the flood
    monkeypatch.setattr(cluster._CrossKeys, "specific_shared", lambda *args: True)
    flood = _main_event("E_flood_wadi")
    [(docs, joined)] = _events_of(run(dev_copy(arabic_quake), Settings()), ENGLISH_QUAKE)
    assert docs & flood and set(joined) == {"crosslingual"}
