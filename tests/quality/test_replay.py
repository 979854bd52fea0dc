"""Must show (issue 19): the real CH-SIMS v2 batch-1 sheets (../shared/emos, read by the
platform's importer) replayed as if the labels arrived live, under fixed k=3 and adaptive
overlap; the figures themselves are printed by tests/benchmarks/bench_overlap.py."""

from functools import cache

import pytest

from annotation.quality.overlap import AdaptiveOverlap, FixedOverlap
from annotation.quality.replay import ReplayResult, compare_gold, replay, replay_gold
from tests.quality.chsims import CLASSES, FIXED_K_LABELS, route, sheets


@cache
def run(threshold: float | None, seed: int) -> ReplayResult:
    policy = FixedOverlap(3) if threshold is None else AdaptiveOverlap(threshold, k_max=3)
    return replay(sheets(), len(CLASSES), policy, seed=seed)


def assert_served_as_in_the_sheets(result: ReplayResult) -> None:
    served = result.given >= 0
    assert (result.given[served] == sheets()[served]).all()
    assert len(result.served) == served.sum()
    assert len({(c, j) for c, j in result.served.tolist()}) == len(result.served)


def test_fixed_k_reproduces_every_label_of_the_sheets() -> None:
    result = run(None, 0)
    assert sheets().shape == (2499, 3)
    assert result.n_labels == FIXED_K_LABELS
    assert ((result.given >= 0).sum(axis=1) == 3).all()
    assert_served_as_in_the_sheets(result)
    gold = replay_gold(result, FixedOverlap(3), route)
    unanimous = (sheets() == sheets()[:, :1]).all(axis=1)
    assert (gold >= 0).tolist() == unanimous.tolist()  # the default rule: unanimous or dispute
    assert compare_gold(result, gold, gold).same_gold == 1.0


@pytest.mark.parametrize("threshold", [0.9, 0.99])
def test_adaptive_overlap_stays_within_k_max_and_the_sheets(threshold: float) -> None:
    result = run(threshold, 0)
    counts = (result.given >= 0).sum(axis=1)
    assert counts.min() >= 1 and counts.max() <= 3
    assert result.n_labels < FIXED_K_LABELS
    assert_served_as_in_the_sheets(result)
    # Closed early only on confidence, by the model fitted on every label given.
    assert (result.confidence[counts < 3] >= threshold).all()


def test_adaptive_gold_is_compared_with_the_fixed_k_gold() -> None:
    policy = AdaptiveOverlap(0.9, k_max=3)
    reference = replay_gold(run(None, 0), FixedOverlap(3), route)
    result = run(0.9, 0)
    gold = replay_gold(result, policy, route)
    full = (result.given >= 0).sum(axis=1) == 3
    # Clips that got all three labels are routed exactly as under fixed k.
    assert (gold[full] == reference[full]).all()
    comparison = compare_gold(result, gold, reference)
    assert comparison.same_gold == pytest.approx((gold == reference).mean())
    assert comparison.reference_accepted == 1097
    assert 0 < comparison.same_gold < 1


def test_a_seed_gives_the_same_replay_and_another_seed_another_order() -> None:
    again = replay(sheets(), len(CLASSES), AdaptiveOverlap(0.9, k_max=3), seed=0)
    assert (again.given == run(0.9, 0).given).all()
    assert (again.served == run(0.9, 0).served).all()
    other = replay(sheets(), len(CLASSES), FixedOverlap(3), seed=1)
    assert not (other.served == run(None, 0).served).all()
