"""The clustering's sparse bookkeeping against plain dense references on random score graphs."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from dedupe import cluster
from dedupe.cluster import (
    PAIR_SCHEMA,
    PairArrays,
    ScoreMatrix,
    _attach,
    _average_link,
    _cohesion,
    _join_events,
    _ScoredRows,
    _within,
)


def random_pairs(seed: int, n: int, density: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(n, k=1)
    keep = rng.random(i.size) < density
    i, j = i[keep], j[keep]
    flip = rng.random(i.size) < 0.5  # score_all writes pairs either way round
    i, j = np.where(flip, j, i), np.where(flip, i, j)
    score = rng.uniform(0.25, 1.0, i.size)
    return pl.DataFrame({"i": i, "j": j, "score": score}, schema=PAIR_SCHEMA)


def scored(pairs: pl.DataFrame, n: int, seed: int = 0) -> ScoreMatrix:
    """The score matrix of ``pairs`` (each pair once, either way round) as score_matrix makes
    it: the rows taken in a random order, each row's pairs (in a random order) together, a
    random number of rows per block."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    collected = _ScoredRows(order)
    by_row: dict[int, list[tuple[int, int, float]]] = {}
    for a, b, v in pairs.iter_rows():
        by_row.setdefault(a, []).append((a, b, v))
    rows = [int(r) for r in order if int(r) in by_row]
    while rows:
        k = int(rng.integers(1, 5))
        take, rows = rows[:k], rows[k:]
        block = [by_row[r][m] for r in take for m in rng.permutation(len(by_row[r]))]
        i, j, s = (np.array(c) for c in zip(*block, strict=True))
        collected.add(i.astype(np.int32), j.astype(np.int32), s.astype(np.float64))
    return collected.matrix()


def dense_average_link(n: int, pairs: pl.DataFrame, threshold: float) -> set[frozenset[int]]:
    """Average link on the full dense distance matrix (unscored pairs at distance 1)."""
    sim = np.zeros((n, n))
    for a, b, v in pairs.iter_rows():
        sim[a, b] = sim[b, a] = v
    dist = 1.0 - sim
    np.fill_diagonal(dist, 0.0)
    flat = fcluster(linkage(squareform(dist), "average"), t=1.0 - threshold, criterion="distance")
    return {frozenset(np.flatnonzero(flat == k).tolist()) for k in np.unique(flat)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_average_link_matches_the_dense_computation(seed: int) -> None:
    n = 80
    pairs = random_pairs(seed, n, density=0.08)
    ours = {frozenset(c) for c in _average_link(n, pairs, threshold=0.5)}
    reference = {c for c in dense_average_link(n, pairs, 0.5) if len(c) > 1}
    assert ours == reference
    assert ours  # the graphs are dense enough to link something


def test_score_matrix_within_cohesion_and_attach_match_plain_sums() -> None:
    n = 40
    pairs = random_pairs(7, n, density=0.3)
    score = {frozenset((a, b)): v for a, b, v in pairs.iter_rows()}
    best = scored(pairs, n, seed=7)
    assert len(best) == len(score)
    rows = [3, 17, 5, 29, 11, 0]
    within = _within(rows, best)
    for r in rows:
        expected = sum(score.get(frozenset((r, o)), 0.0) for o in rows if o != r)
        assert within[r] == pytest.approx(expected)
    inside = [
        score[frozenset((a, b))] for a in rows for b in rows if a < b and frozenset((a, b)) in score
    ]
    assert _cohesion(rows, best) == pytest.approx(sum(inside) / len(inside))
    assert _cohesion([0], best) == 0.0

    # attach: the other rows of a document join when their mean score against the event's
    # rows in other documents reaches the threshold, the mean taken over at least ``support``
    # rows
    groups = [f"d{r % 4}" for r in range(n)]
    rows_of_group: dict[str, list[int]] = {}
    for r, g in enumerate(groups):
        rows_of_group.setdefault(g, []).append(r)
    aligned = [0, 1, 2, 3]
    for threshold, support in itertools.product((0.1, 0.3, 0.5), (1, 3, 5)):
        expected = set(aligned)
        for r in range(n):
            if r in aligned:
                continue
            others = [o for o in aligned if groups[o] != groups[r]]
            total = sum(score.get(frozenset((r, o)), 0.0) for o in others)
            if total / max(len(others), support) >= threshold:
                expected.add(r)
        got = _attach(aligned, groups, rows_of_group, best, threshold, support=support)
        assert set(got) == expected
    assert len(_attach(aligned, groups, rows_of_group, best, 0.1)) > len(aligned)


@pytest.mark.parametrize("seed", [4, 5])
def test_the_score_matrix_is_the_symmetric_matrix_of_the_pairs_whatever_order_they_came_in(
    seed: int,
) -> None:
    n = 30
    pairs = random_pairs(seed, n, density=0.2)
    dense = np.zeros((n, n))
    for a, b, v in pairs.iter_rows():
        dense[a, b] = dense[b, a] = v
    for best in (scored(pairs, n, seed), ScoreMatrix.of(*PairArrays.of(pairs).block(0, n * n), n)):
        every = list(range(n))
        assert len(best) == pairs.height
        assert np.array_equal(best.between(every, every).toarray(), dense)
        # any rows by any columns, a row among both: the dense scores, columns ascending
        rng = np.random.default_rng(seed)
        for _ in range(5):
            rows = rng.choice(n, 9, replace=False).tolist()
            cols = sorted(rng.choice(n, 12, replace=False).tolist())
            got = best.between(rows, cols)
            assert got.has_sorted_indices
            assert np.array_equal(got.toarray(), dense[rows][:, cols])
        member = csr_matrix(rng.integers(0, 2, (4, n)).astype(np.float64))
        assert np.allclose(best.grouped(member).toarray(), member @ dense @ member.T)
        # read back: every pair, either way round as it was given
        back = best.pairs()
        assert sorted(back.iter_rows()) == sorted(pairs.iter_rows())


@pytest.mark.parametrize(("packed", "read"), [(1, 1), (7, 5), (1 << 20, 1 << 20)])
def test_scored_rows_are_the_matrix_in_the_order_they_came_and_read_back_in_it(
    monkeypatch, packed: int, read: int
) -> None:
    # rows with no pair, rows with many, pairs either way round; packed one pair, 7 pairs or
    # all at once, read back a pair, 5 or all at a time: the pairs as they came, in order
    monkeypatch.setattr(cluster, "PACKED_PAIRS", packed)
    monkeypatch.setattr(cluster, "PAIR_READ_BLOCK", read)
    n = 60
    pairs = random_pairs(9, n, density=0.15).filter(pl.col("i") % 7 != 3)
    order = np.random.default_rng(3).permutation(n)
    place = np.empty(n, dtype=np.int64)
    place[order] = np.arange(n)
    came = pairs.with_columns(pl.Series("at", place[pairs["i"].to_numpy()])).sort(
        "at", maintain_order=True
    )
    collected = _ScoredRows(order)
    for part in came.partition_by("at", maintain_order=True):
        collected.add(part["i"].to_numpy(), part["j"].to_numpy(), part["score"].to_numpy())
    best = collected.matrix()
    assert best.scored.indices.dtype == best.scored.indptr.dtype == np.int32
    assert best.pairs().equals(came.drop("at"))
    assert best.pairs(0.6).equals(came.drop("at").filter(pl.col("score") >= 0.6))
    i, j, s = best.block(0, len(best))
    assert np.array_equal(i, came["i"].to_numpy()) and np.array_equal(j, came["j"].to_numpy())
    assert np.array_equal(s, came["score"].to_numpy())
    assert _ScoredRows(order).matrix().pairs().height == 0
    # a row's pairs that come apart, or rows out of the given order, are refused
    first, second = came.partition_by("at", maintain_order=True)[:2]
    for late in (first, second):
        collected = _ScoredRows(order)
        collected.add(second["i"].to_numpy(), second["j"].to_numpy(), second["score"].to_numpy())
        with pytest.raises(RuntimeError, match="apart or out of order"):
            collected.add(late["i"].to_numpy(), late["j"].to_numpy(), late["score"].to_numpy())


def test_row_dots_in_blocks_are_the_dot_products_of_the_pairs(monkeypatch) -> None:
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    x, y = rng.integers(0, 50, 1000), rng.integers(0, 50, 1000)
    monkeypatch.setattr(cluster, "PAIR_BLOCK", 64)  # 16 blocks, the last one short
    got = cluster._row_dots(vectors, x, y)
    assert got.dtype == np.float32
    assert np.array_equal(got, np.einsum("ij,ij->i", vectors[x], vectors[y]))
    assert cluster._row_dots(vectors, x[:0], y[:0]).shape == (0,)


def _scores(n: int, given: dict[tuple[int, int], float]) -> ScoreMatrix:
    pairs = pl.DataFrame(
        [(a, b, v) for (a, b), v in given.items()], schema=PAIR_SCHEMA, orient="row"
    )
    return scored(pairs, n)


def test_events_sharing_a_document_join_on_the_mean_of_their_pairs_across_documents() -> None:
    # rows 0-5 in documents a, b, a, c, a, d: three one-facet events that all share document a
    groups = ["a", "b", "a", "c", "a", "d"]
    signing, ratification, storm = [[0, 1]], [[2, 3]], [[4, 5]]
    best = _scores(
        6,
        {
            (0, 1): 0.9,
            (2, 3): 0.9,
            (4, 5): 0.9,
            # signing and ratification: (0, 3), (1, 2), (1, 3) across documents; (0, 2) is
            # inside document a and is not counted. Mean (0.4 + 0.3 + 0.2) / 3 = 0.3
            (0, 3): 0.4,
            (1, 2): 0.3,
            (1, 3): 0.2,
            # the storm has one pair with the signing: mean 0.45 / 3 = 0.15
            (1, 4): 0.45,
        },
    )
    events = [signing, ratification, storm]
    assert _join_events(events, groups, best, 0.25) == [signing + ratification, storm]
    assert _join_events(events, groups, best, 0.35) == events
    # the storm alone would join the signing below 0.15; next to the ratification it counts 0
    assert _join_events([signing, storm], groups, best, 0.14) == [signing + storm]
    assert _join_events(events, groups, best, 0.14) == [signing + ratification, storm]
    assert _join_events(events, groups, best, 2.0) == events  # above 1: off


def test_events_join_only_through_a_shared_document_and_do_not_chain() -> None:
    # x (documents a, b) and z (documents c, d) have strong pairs but share no document: they
    # stay apart. y (documents b, c) shares b with x and c with z, at a mean of 0.6 each: it
    # joins one of them, and the other stays out, since the pair x, z counts 0 towards the
    # group's average (0.3, below the threshold of 0.4).
    groups = ["a", "b", "b", "c", "c", "d"]
    x, y, z = [[0, 1]], [[2, 3]], [[4, 5]]
    best = _scores(
        6,
        {
            (0, 1): 0.9,
            (2, 3): 0.9,
            (4, 5): 0.9,
            (0, 4): 0.9,
            (0, 5): 0.9,
            (1, 4): 0.9,
            (1, 5): 0.9,
            (0, 2): 0.6,
            (0, 3): 0.6,
            (1, 3): 0.6,
            (2, 4): 0.6,
            (2, 5): 0.6,
            (3, 5): 0.6,
        },
    )
    assert _join_events([x, z], groups, best, 0.4) == [x, z]
    joined = _join_events([x, y, z], groups, best, 0.4)
    assert sorted(len(event) for event in joined) == [1, 2]
    (pair,) = [event for event in joined if len(event) == 2]
    assert y[0] in pair and (x[0] in pair) != (z[0] in pair)
    # at 0.25 the group's average (0.3) is enough: all three join
    assert len(_join_events([x, y, z], groups, best, 0.25)) == 1


def _components(rows: list[int], edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``rows`` under ``edges``, each ascending, by first row."""
    parent = {r: r for r in rows}

    def root(r: int) -> int:
        while parent[r] != r:
            r = parent[r]
        return r

    for a, b in edges:
        parent[root(a)] = root(b)
    out: dict[int, list[int]] = {}
    for r in sorted(rows):
        out.setdefault(root(r), []).append(r)
    return sorted(out.values())


def plain_average_link(
    n: int, pairs: pl.DataFrame, threshold: float, limit: int
) -> list[list[int]]:
    """The linkage rule written plainly: connected components in order of their first row; one
    larger than ``limit`` cut at threshold + 0.05, + 0.10, ... until its parts (components of
    its pairs scoring at least the cut) are at most ``limit`` or the cut reaches 1.0; each
    part's rows (those in a pair inside it) average-linked on a dense matrix, a part still
    larger than ``limit`` one group. A pair scored twice keeps its last score in the linkage,
    and is cut at its highest (score_all scores each pair once)."""
    score: dict[tuple[int, int], float] = {}
    highest: dict[tuple[int, int], float] = {}
    for a, b, v in pairs.iter_rows():
        score[(min(a, b), max(a, b))] = v
        highest[(min(a, b), max(a, b))] = max(v, highest.get((min(a, b), max(a, b)), 0.0))
    linked = sorted({r for pair in score for r in pair})
    out: list[list[int]] = []
    for component in _components(linked, list(score)):
        parts = [component]
        if len(component) > limit:
            inside = {p: v for p, v in highest.items() if p[0] in set(component)}
            cut = threshold
            while True:
                cut = min(cut + 0.05, 1.0)
                parts = _components(component, [p for p, v in inside.items() if v >= cut])
                if max(len(p) for p in parts) <= limit or cut >= 1.0:
                    break
        for part in parts:
            members = set(part)
            own = {p: v for p, v in score.items() if p[0] in members and p[1] in members}
            rows = sorted({r for p in own for r in p})
            if len(rows) > limit:
                out.append(rows)
                continue
            if len(rows) < 2:
                continue
            at = {r: k for k, r in enumerate(rows)}
            dist = np.ones((len(rows), len(rows)))
            np.fill_diagonal(dist, 0.0)
            for (a, b), v in own.items():
                dist[at[a], at[b]] = dist[at[b], at[a]] = 1.0 - v
            tree = linkage(squareform(dist), method="average")
            flat = fcluster(tree, t=1.0 - threshold, criterion="distance")
            for label in np.unique(flat):
                group = [rows[k] for k in np.flatnonzero(flat == label)]
                if len(group) > 1:
                    out.append(group)
    return out


@pytest.mark.parametrize(
    ("seed", "limit", "block"), [(1, 6, 1 << 20), (2, 9, 1), (3, 14, 7), (4, 1000, 1 << 20)]
)
def test_average_link_with_oversized_components_matches_the_plain_rule(
    monkeypatch, seed: int, limit: int, block: int
) -> None:
    # blocks of rows, each its own component (some larger than the limit, one of them held
    # together by pairs scoring 1.0 so no cut can split it), unlinked rows between them, and
    # pairs scored twice: the groups and their order as the plain rule gives them, the pairs
    # placed by part one at a time, 7 at a time or all at once
    monkeypatch.setattr(cluster, "MAX_COMPONENT", limit)
    monkeypatch.setattr(cluster, "LINK_BLOCK", block)
    rng = np.random.default_rng(seed)
    frames, start = [], 0
    for size, density, low in ((5, 0.6, 0.3), (20, 0.35, 0.25), (12, 0.9, 1.0), (30, 0.25, 0.4)):
        block = random_pairs(int(rng.integers(1 << 30)), size, density)
        block = block.with_columns(pl.col("i") + start, pl.col("j") + start)
        if low == 1.0:
            block = block.with_columns(pl.lit(1.0).alias("score"))
        frames.append(block)
        start += size + 3  # rows in no pair
    pairs = pl.concat(frames)
    again = pairs.sample(n=10, seed=seed).with_columns(
        pl.Series("score", rng.uniform(0.25, 1.0, 10)), i=pl.col("j"), j=pl.col("i")
    )
    pairs = pl.concat([pairs, again]).sample(fraction=1.0, shuffle=True, seed=seed)
    ours = _average_link(start, pairs, threshold=0.5)
    assert ours == plain_average_link(start, pairs, 0.5, limit)
    assert len(ours) >= 3
    held = [g for g in ours if set(g) & set(range(31, 43))]  # the block of pairs scoring 1.0
    assert held == [list(range(31, 43))]  # one group, whether or not cuts were tried on it


@pytest.mark.parametrize("block", [1, 5, 1 << 22])
def test_components_joined_in_blocks_are_scipys_numbered_alike(monkeypatch, block) -> None:
    # sparse random graphs (many components, rows in none) joined a pair, 5 pairs or all at
    # once: scipy's labels, numbers included; restricted to flagged rows and to high scores,
    # the components of those pairs alone
    monkeypatch.setattr(cluster, "COMPONENT_BLOCK", block)
    rng = np.random.default_rng(block)
    for n, m in ((1, 0), (40, 25), (300, 240)):
        i, j = rng.integers(0, n, m), rng.integers(0, n, m)
        s = rng.uniform(0.25, 1.0, m)
        among = rng.random(n) < 0.6
        for kept in (np.ones(m, dtype=bool), among[i] & (s >= 0.6)):
            graph = coo_matrix((np.ones(int(kept.sum())), (i[kept], j[kept])), shape=(n, n))
            expected = connected_components(graph, directed=False)[1]
            if kept.all():
                got = cluster._components(n, PairArrays(i, j, s))
            else:
                got = cluster._components(n, PairArrays(i, j, s), among=among, cut=0.6)
            assert np.array_equal(got, expected)


def test_components_hold_through_hundreds_of_pairs_between_the_same_two(monkeypatch) -> None:
    # once rows 0-299 are one component, the next block's 256 pairs between it and row 300
    # are 256 copies of one edge between two nodes: they join them
    monkeypatch.setattr(cluster, "COMPONENT_BLOCK", 299)
    i = np.concatenate([np.arange(299), np.arange(256)])
    j = np.concatenate([np.arange(1, 300), np.full(256, 300)])
    labels = cluster._components(302, PairArrays(i, j, np.ones(len(i))))
    assert labels.tolist() == [0] * 301 + [1]
