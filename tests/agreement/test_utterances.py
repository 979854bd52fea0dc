"""Monologue agreement per reference utterance: the midpoint reading against a plain loop,
the time-weighted figures against loops and against repeating items (an integer weight w is
the item w times)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotation.agreement.categorical import Ratings, fleiss_kappa
from annotation.agreement.multilabel import SetRatings
from annotation.agreement.utterances import (
    mean_abs_difference,
    pairwise_agreement,
    utterance_segments,
    weighted_jaccard,
)

cuts = st.lists(st.integers(1, 6), min_size=0, max_size=6).map(
    lambda lengths: [(sum(lengths[:i]), sum(lengths[: i + 1])) for i in range(len(lengths))]
)


@given(cuts, cuts)
def test_each_utterance_reads_the_segment_at_its_midpoint(refs, segments):
    expected = [
        next((k for k, (a, b) in enumerate(segments) if a <= (s + e) / 2 < b), -1) for s, e in refs
    ]
    assert utterance_segments(refs, segments).tolist() == expected


def test_an_utterance_in_a_gap_or_past_the_end_is_unrated():
    refs = [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert utterance_segments(refs, [(0, 2.5), (5, 6)]).tolist() == [0, -1, 1, -1]
    assert utterance_segments(refs, []).tolist() == [-1, -1, -1, -1]


matrices = st.integers(2, 8).flatmap(
    lambda n: st.tuples(
        st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=n, max_size=n),
        st.lists(st.integers(1, 4), min_size=n, max_size=n),
    )
)


@settings(deadline=None, max_examples=60)
@given(matrices)
def test_time_weighted_figures_equal_repeating_each_item_by_its_weight(case):
    matrix, weights = case
    r = Ratings.from_matrix(np.array(matrix), n_classes=4)
    repeated = Ratings.from_matrix(np.repeat(np.array(matrix), weights, axis=0), n_classes=4)
    table = np.array([[row.count(k) for k in range(4)] for row in matrix])
    table_repeated = np.repeat(table, weights, axis=0)
    with np.errstate(all="ignore"):
        expected = float(sm_fleiss_kappa(table_repeated))
    got = fleiss_kappa(r, np.array(weights, dtype=float))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)
    assert fleiss_kappa(r, np.ones(len(matrix))) == pytest.approx(fleiss_kappa(r), nan_ok=True)
    assert pairwise_agreement(r, weights) == pytest.approx(pairwise_agreement(repeated))
    assert mean_abs_difference(r, weights) == pytest.approx(mean_abs_difference(repeated))
    pairs = [
        (w, row[a], row[b])
        for w, row in zip(weights, matrix, strict=True)
        for a, b in ((0, 1), (0, 2), (1, 2))
    ]
    total = sum(w for w, _, _ in pairs)
    assert pairwise_agreement(r, weights) == pytest.approx(
        sum(w * (a == b) for w, a, b in pairs) / total
    )
    assert mean_abs_difference(r, weights) == pytest.approx(
        sum(w * abs(a - b) for w, a, b in pairs) / total
    )


def test_weighted_jaccard_weighs_each_pair_by_its_utterance():
    sr = SetRatings.from_lists(
        [0, 0, 1, 1],
        [0, 1, 0, 1],
        [["joy"], ["joy", "pride"], [], ["fear"]],
        ["joy", "pride", "fear"],
    )
    assert weighted_jaccard(sr, np.array([3.0, 1.0])) == pytest.approx((3 * 0.5 + 1 * 0.0) / 4)
    assert weighted_jaccard(sr, np.array([1.0, 1.0])) == pytest.approx(0.25)
