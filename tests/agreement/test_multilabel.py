"""Multi-label (set) agreement: checked against straightforward loops, NLTK's MASI distance
and Krippendorff alpha, and hand-worked examples from the definitions."""

import collections
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi

from annotation.agreement.multilabel import (
    SetRatings,
    _expected_by_subsets,
    _expected_pairwise,
    _pack,
    _set_ids,
    krippendorff_alpha_masi,
    masi_distance,
    masi_distances,
    match_ratios,
    pairwise_jaccard,
    rater_pair_sets,
    rater_sets,
    soft_labels,
    union_size_histogram,
)

LABELS = ["joy", "anger", "sadness", "fear", "neutral", "unsure"]


def ratings(rows: list[tuple[int, int, list[str]]], n_items: int | None = None) -> SetRatings:
    items = [r[0] for r in rows]
    raters = [r[1] for r in rows]
    return SetRatings.from_lists(items, raters, [r[2] for r in rows], LABELS, n_items=n_items)


# item -> rater -> label set, up to 6 items, up to 4 raters, labels from LABELS[:4]
rating_tables = st.lists(
    st.dictionaries(
        st.integers(0, 3),
        st.frozensets(st.sampled_from(LABELS[:4]), max_size=4),
        max_size=4,
    ),
    min_size=1,
    max_size=6,
)


def from_table(table: list[dict[int, frozenset[str]]]) -> SetRatings:
    rows = [(i, r, sorted(s)) for i, by_rater in enumerate(table) for r, s in by_rater.items()]
    return ratings(rows, n_items=len(table))


def jaccard_loop(a: frozenset[str], b: frozenset[str]) -> float:
    return 1.0 if not (a | b) else len(a & b) / len(a | b)


def nltk_masi_total(a: frozenset[str], b: frozenset[str]) -> float:
    """NLTK's MASI with d(empty, empty) = 0 (NLTK divides by zero there)."""
    return 0.0 if not a and not b else float(nltk_masi(a, b))


# ----------------------------------------------------------------------------- SetRatings


def test_from_lists_builds_sorted_boolean_matrix() -> None:
    sr = ratings([(1, 0, ["joy"]), (0, 1, ["anger", "joy"]), (0, 0, [])])
    assert sr.n_items == 2 and sr.n_ratings == 3 and sr.n_labels == len(LABELS)
    assert sr.item.tolist() == [0, 0, 1]
    assert sr.rater.tolist() == [0, 1, 0]
    assert sr.sets.dtype == np.bool_
    assert sr.sets[0].sum() == 0  # the empty set
    assert sr.sets[1, [0, 1]].all() and sr.sets[1].sum() == 2
    assert sr.labels == tuple(LABELS)
    assert sr.counts_per_item().tolist() == [2, 1]


def test_from_lists_accepts_numpy_arrays_and_explicit_n_items() -> None:
    sr = SetRatings.from_lists(
        np.array([0, 0]), np.array([3, 4]), [["joy"], ["joy"]], LABELS, n_items=5
    )
    assert sr.n_items == 5
    assert sr.counts_per_item().tolist() == [2, 0, 0, 0, 0]


def test_no_ratings_at_all() -> None:
    sr = SetRatings.from_lists([], [], [], LABELS)
    assert sr.n_items == 0 and sr.n_ratings == 0
    assert math.isnan(pairwise_jaccard(sr).mean)
    assert math.isnan(match_ratios(sr).exact_match_ratio)
    assert soft_labels(sr).shape == (0, len(LABELS))
    assert math.isnan(krippendorff_alpha_masi(sr))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0, 0, ["joy"]), (0, 0, ["anger"])], "rated item 0 more than once"),
        ([(0, 0, ["elation"])], "unknown label 'elation'"),
    ],
)
def test_invalid_ratings_are_rejected_at_the_edge(rows: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ratings(rows)


def test_constructor_validates_shapes_and_ranges() -> None:
    with pytest.raises(ValueError, match="same length"):
        SetRatings(np.zeros((2, 3), bool), np.array([0]), np.array([0, 1]), 1)
    with pytest.raises(ValueError, match="outside"):
        SetRatings(np.zeros((1, 3), bool), np.array([2]), np.array([0]), 2)
    with pytest.raises(ValueError, match="boolean"):
        SetRatings(np.zeros((1, 3)), np.array([0]), np.array([0]), 1)
    with pytest.raises(ValueError, match="label names"):
        SetRatings(np.zeros((1, 3), bool), np.array([0]), np.array([0]), 1, ("a",))


# ----------------------------------------------------------------------------- Jaccard


def test_jaccard_hand_example_and_empty_sets() -> None:
    sr = ratings(
        [
            (0, 0, ["joy", "anger"]),
            (0, 1, ["joy"]),  # J = 1/2
            (1, 0, []),
            (1, 1, []),  # J(empty, empty) = 1
            (2, 0, []),
            (2, 1, ["fear"]),  # J(empty, B) = 0
            (3, 0, ["fear"]),  # single rating: no pair
        ]
    )
    result = pairwise_jaccard(sr)
    assert result.jaccard.tolist() == [0.5, 1.0, 0.0]
    assert result.item.tolist() == [0, 1, 2]
    assert result.mean == pytest.approx(0.5)
    assert result.median == pytest.approx(0.5)
    assert result.item_mean[:3].tolist() == [0.5, 1.0, 0.0]
    assert math.isnan(result.item_mean[3])


def test_jaccard_without_pairs_is_nan() -> None:
    result = pairwise_jaccard(ratings([(0, 0, ["joy"]), (1, 1, ["joy"])]))
    assert result.jaccard.size == 0
    assert math.isnan(result.mean) and math.isnan(result.median)


@settings(deadline=None, max_examples=40)
@given(rating_tables)
def test_jaccard_matches_a_loop(table: list[dict[int, frozenset[str]]]) -> None:
    expected = [
        (i, a, b, jaccard_loop(by_rater[a], by_rater[b]))
        for i, by_rater in enumerate(table)
        for a, b in itertools.combinations(sorted(by_rater), 2)
    ]
    result = pairwise_jaccard(from_table(table))
    assert result.item.tolist() == [e[0] for e in expected]
    assert result.rater_a.tolist() == [e[1] for e in expected]
    assert result.rater_b.tolist() == [e[2] for e in expected]
    assert result.jaccard.tolist() == pytest.approx([e[3] for e in expected])
    values = [e[3] for e in expected]
    if values:
        assert result.mean == pytest.approx(np.mean(values))
        assert result.median == pytest.approx(np.median(values))
    else:
        assert math.isnan(result.mean)


# ----------------------------------------------------------------------------- match ratios


def test_match_ratios_hand_example() -> None:
    sr = ratings(
        [
            (0, 0, ["joy"]),
            (0, 1, ["joy"]),
            (0, 2, ["joy"]),  # exact
            (1, 0, ["joy", "anger"]),
            (1, 1, ["anger"]),
            (1, 2, ["anger", "fear"]),  # common label anger: overlap, not exact
            (2, 0, ["joy", "anger"]),
            (2, 1, ["anger", "fear"]),
            (2, 2, ["fear", "joy"]),  # every pair overlaps, no common label
            (3, 0, []),
            (3, 1, []),  # everyone chose nothing: exact (and so overlap)
            (4, 0, ["joy"]),  # one rating: not judged
        ],
        n_items=6,  # item 5 has no rating
    )
    result = match_ratios(sr)
    assert result.pairable.tolist() == [True, True, True, True, False, False]
    assert result.exact.tolist() == [True, False, False, True, False, False]
    assert result.overlap.tolist() == [True, True, False, True, False, False]
    assert result.n_pairable == 4
    assert result.exact_match_ratio == pytest.approx(2 / 4)
    assert result.overlap_ratio == pytest.approx(3 / 4)
    # identical pairs: item 0: 3/3, item 1: 0/3, item 2: 0/3, item 3: 1/1 -> 4 / 10
    assert result.identical_set_ratio == pytest.approx(4 / 10)


def test_match_ratios_without_pairable_items_are_nan() -> None:
    result = match_ratios(ratings([(0, 0, ["joy"])]))
    assert result.n_pairable == 0
    assert math.isnan(result.exact_match_ratio)
    assert math.isnan(result.overlap_ratio)
    assert math.isnan(result.identical_set_ratio)


@settings(deadline=None, max_examples=40)
@given(rating_tables)
def test_match_ratios_match_a_loop(table: list[dict[int, frozenset[str]]]) -> None:
    exact, overlap, identical, n_pairs, n_pairable = 0, 0, 0, 0, 0
    for by_rater in table:
        sets = list(by_rater.values())
        if len(sets) < 2:
            continue
        n_pairable += 1
        same = all(s == sets[0] for s in sets)
        exact += same
        overlap += same or bool(frozenset.intersection(*sets))
        for a, b in itertools.combinations(sets, 2):
            n_pairs += 1
            identical += a == b
    result = match_ratios(from_table(table))
    assert result.n_pairable == n_pairable
    assert bool(np.all(result.exact <= result.overlap))
    if n_pairable:
        assert result.exact_match_ratio == pytest.approx(exact / n_pairable)
        assert result.overlap_ratio == pytest.approx(overlap / n_pairable)
        assert result.identical_set_ratio == pytest.approx(identical / n_pairs)
    else:
        assert math.isnan(result.overlap_ratio)


# ----------------------------------------------------------------------------- soft labels


def test_soft_labels_count_empty_sets_and_leave_unrated_items_zero() -> None:
    sr = ratings(
        [(0, 0, ["joy", "anger"]), (0, 1, ["joy"]), (0, 2, []), (2, 0, ["fear"])], n_items=3
    )
    soft = soft_labels(sr)
    assert soft.shape == (3, len(LABELS))
    assert soft[0, :4].tolist() == pytest.approx([2 / 3, 1 / 3, 0, 0])
    assert soft[1].tolist() == [0.0] * len(LABELS)
    assert soft[2, 3] == 1.0


@settings(deadline=None, max_examples=40)
@given(rating_tables)
def test_soft_labels_match_a_loop(table: list[dict[int, frozenset[str]]]) -> None:
    expected = np.zeros((len(table), len(LABELS)))
    for i, by_rater in enumerate(table):
        for k, label in enumerate(LABELS):
            if by_rater:
                expected[i, k] = sum(label in s for s in by_rater.values()) / len(by_rater)
    assert soft_labels(from_table(table)) == pytest.approx(expected)


# ----------------------------------------------------------------------------- MASI


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ({"A", "B"}, {"A", "B"}, 0.0),  # equal: J = 1, M = 1
        ({"A"}, {"A", "B"}, 1 - (1 / 2) * (2 / 3)),  # subset: J = 1/2, M = 2/3
        ({"A", "B"}, {"B", "C"}, 1 - (1 / 3) * (1 / 3)),  # intersect: J = 1/3, M = 1/3
        ({"A"}, {"B"}, 1.0),  # disjoint: M = 0
        ({1, 2}, {1, 2, 3, 4}, 1 - (2 / 4) * (2 / 3)),  # NLTK's doctest, 0.6667
        (set(), set(), 0.0),  # our convention: equal sets
        (set(), {"A"}, 1.0),  # empty is a subset, but J = 0
    ],
)
def test_masi_distance_worked_examples(a: set, b: set, distance: float) -> None:
    assert masi_distance(a, b) == pytest.approx(distance)
    assert masi_distance(b, a) == pytest.approx(distance)
    if a or b:
        assert masi_distance(a, b) == pytest.approx(nltk_masi(a, b))


@settings(deadline=None, max_examples=40)
@given(st.frozensets(st.integers(0, 5), max_size=6), st.frozensets(st.integers(0, 5), max_size=6))
def test_masi_distance_matches_nltk(a: frozenset[int], b: frozenset[int]) -> None:
    assume(a or b)
    assert masi_distance(a, b) == pytest.approx(nltk_masi(a, b), abs=1e-12)


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1))
def test_masi_distances_vectorised_matches_scalar(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.random((20, 5)) < 0.3
    b = rng.random((20, 5)) < 0.3
    expected = [
        masi_distance(set(np.flatnonzero(x)), set(np.flatnonzero(y)))
        for x, y in zip(a, b, strict=True)
    ]
    assert masi_distances(a, b).tolist() == pytest.approx(expected)


# ----------------------------------------------------------------------------- alpha (MASI)


@settings(deadline=None, max_examples=40)
@given(rating_tables)
def test_alpha_masi_matches_nltk(table: list[dict[int, frozenset[str]]]) -> None:
    pairable_sets = {s for by_rater in table if len(by_rater) >= 2 for s in by_rater.values()}
    assume(len(pairable_sets) >= 2)  # otherwise undefined (tested below)
    data = [(r, i, s) for i, by_rater in enumerate(table) for r, s in by_rater.items()]
    expected = AnnotationTask(data=data, distance=nltk_masi_total).alpha()
    assert krippendorff_alpha_masi(from_table(table)) == pytest.approx(expected, abs=1e-9)


def test_alpha_masi_on_larger_random_data_matches_nltk() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(150):
        for r in rng.choice(5, size=rng.integers(1, 4), replace=False):
            rows.append((i, int(r), [x for x in LABELS if rng.random() < 0.25]))
    data = [(r, i, frozenset(s)) for i, r, s in rows]
    expected = AnnotationTask(data=data, distance=nltk_masi_total).alpha()
    assert krippendorff_alpha_masi(ratings(rows)) == pytest.approx(expected, abs=1e-9)


def test_alpha_masi_perfect_agreement_is_one() -> None:
    sr = ratings(
        [
            (0, 0, ["joy"]),
            (0, 1, ["joy"]),
            (1, 0, ["anger", "fear"]),
            (1, 1, ["anger", "fear"]),
            (2, 0, []),
            (2, 1, []),
        ]
    )
    assert krippendorff_alpha_masi(sr) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "rows",
    [
        [(0, 0, ["joy"]), (1, 0, ["anger"])],  # one rater: nothing pairable
        [(0, 0, ["joy"]), (0, 1, ["joy"]), (1, 0, ["joy"]), (1, 1, ["joy"])],  # one set only
        [(0, 0, []), (0, 1, []), (1, 2, ["joy"])],  # one set among the pairable ratings
    ],
)
def test_alpha_masi_undefined_is_nan(rows: list) -> None:
    assert math.isnan(krippendorff_alpha_masi(ratings(rows)))


def test_alpha_masi_systematic_disagreement_is_negative() -> None:
    rows = [(i, 0, ["joy"]) for i in range(5)] + [(i, 1, ["anger"]) for i in range(5)]
    assert krippendorff_alpha_masi(ratings(rows)) < 0


def test_project_sized_data_runs() -> None:
    """100,000 items x 3 raters over 29 labels (GoEmotions-sized), no timing assertion."""
    rng = np.random.default_rng(0)
    n_items, n_labels = 100_000, 29
    item = np.repeat(np.arange(n_items), 3)
    rater = np.tile(np.arange(3), n_items)
    sets = np.zeros((item.size, n_labels), dtype=bool)
    prevalence = rng.dirichlet(np.full(n_labels, 0.5))
    for _ in range(2):
        sets[np.arange(item.size), rng.choice(n_labels, size=item.size, p=prevalence)] = True
    sr = SetRatings(sets, item, rater, n_items)
    jaccard = pairwise_jaccard(sr)
    assert jaccard.jaccard.shape == (3 * n_items,)
    assert 0 < jaccard.mean < 1
    assert match_ratios(sr).n_pairable == n_items
    assert soft_labels(sr).sum(axis=1).min() >= 1
    assert -1 < krippendorff_alpha_masi(sr) < 1


# ----------------------------------------------------------------------------- per rater


@settings(deadline=None, max_examples=40)
@given(rating_tables)
def test_per_pair_and_per_rater_figures_match_plain_python(
    table: list[dict[int, frozenset[str]]],
) -> None:
    sr = from_table(table)
    pairs: dict[tuple[int, int], list[tuple[frozenset[str], frozenset[str]]]] = {}
    for by_rater in table:
        for a, b in itertools.combinations(sorted(by_rater), 2):
            pairs.setdefault((a, b), []).append((by_rater[a], by_rater[b]))
    result = {(p.rater_a, p.rater_b): p for p in rater_pair_sets(sr)}
    assert set(result) == set(pairs)
    for key, sets in pairs.items():
        jaccards = [jaccard_loop(a, b) for a, b in sets]
        got = result[key]
        assert got.n_items == len(sets)
        assert got.jaccard_mean == pytest.approx(sum(jaccards) / len(sets))
        assert got.jaccard_median == pytest.approx(float(np.median(jaccards)))
        assert got.overlap_ratio == pytest.approx(
            sum(bool(a & b) or a == b for a, b in sets) / len(sets)
        )
        assert got.exact_match_ratio == pytest.approx(sum(a == b for a, b in sets) / len(sets))

    for rater in rater_sets(sr):
        mine = [by_rater[rater.rater] for by_rater in table if rater.rater in by_rater]
        chosen = [label for s in mine for label in s]
        assert rater.n_rated == len(mine)
        assert rater.mean_labels == pytest.approx(len(chosen) / len(mine))
        assert rater.size_histogram == dict(collections.Counter(len(s) for s in mine))
        for k, label in enumerate(LABELS):
            expected = chosen.count(label) / len(chosen) if chosen else math.nan
            assert rater.label_shares[k] == pytest.approx(expected, nan_ok=True)

    unions = [
        len(frozenset().union(*by_rater.values())) for by_rater in table if len(by_rater) >= 2
    ]
    assert union_size_histogram(sr) == dict(collections.Counter(unions))


@pytest.mark.parametrize("n_labels", [5, 29, 70])
def test_alpha_masi_expected_disagreement_by_subsets_equals_pairwise(n_labels: int) -> None:
    """D_e's two computations, the subset counting and the pairwise sum (for sets too large
    to enumerate), agree on sets of every size, empty ones included (70 labels: two words)."""
    rng = np.random.default_rng(n_labels)
    sets = rng.random((400, n_labels)) < rng.uniform(0, 6 / n_labels, (400, 1))
    sets[:3] = False
    _, distinct, counts = _set_ids(_pack(sets))
    by_subsets = _expected_by_subsets(distinct, counts, n_labels)
    assert by_subsets is not None
    assert by_subsets == pytest.approx(_expected_pairwise(distinct, counts), rel=1e-12)


def test_alpha_masi_of_large_sets_is_computed_pairwise() -> None:
    everything = np.ones((2, 40), dtype=bool)
    everything[1, 0] = False
    _, distinct, counts = _set_ids(_pack(everything))
    assert _expected_by_subsets(distinct, counts, 40) is None
    sr = SetRatings(everything, np.array([0, 0]), np.array([0, 1]), 1, tuple(map(str, range(40))))
    # One item, two different sets: observed and expected disagreement are both d(A, B).
    assert krippendorff_alpha_masi(sr) == pytest.approx(0.0, abs=1e-12)
