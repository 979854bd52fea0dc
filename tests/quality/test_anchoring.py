"""Anchoring (issue 19, must show): agreement with the model with vs without drafts shown,
and a simulation where drafts bias annotators by a known amount that the estimator recovers
within its stated interval at the stated rate."""

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from annotation.quality.anchoring import AnchoringScenario, anchoring, simulate_anchoring

SEEDS = range(200)  # bounded by runs, not by time


def test_figures_from_counts() -> None:
    # Shown: 8 of 10 agree with the model; hidden: 5 of 10.
    labels = [1] * 8 + [0] * 2 + [1] * 5 + [0] * 5
    result = anchoring(labels, [1] * 20, [True] * 10 + [False] * 10)
    assert (result.agree_shown, result.agree_hidden) == (0.8, 0.5)
    assert result.effect == pytest.approx(0.3)
    assert result.adoption == pytest.approx(1 - 0.2 / 0.5)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(8, 10, 5, 10), (300, 400, 120, 380)])
def test_intervals_match_statsmodels(x1: int, n1: int, x2: int, n2: int) -> None:
    labels = [1] * x1 + [0] * (n1 - x1) + [1] * x2 + [0] * (n2 - x2)
    result = anchoring(labels, [1] * (n1 + n2), [True] * n1 + [False] * n2)
    diff = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    assert (result.effect_interval.low, result.effect_interval.high) == pytest.approx(diff)
    # Adoption = 1 - ratio of the disagreement rates; Katz's log interval on that ratio.
    low, high = confint_proportions_2indep(n1 - x1, n1, n2 - x2, n2, method="log",
                                           compare="ratio")  # fmt: skip
    interval = result.adoption_interval
    assert (interval.low, interval.high) == pytest.approx((1 - high, 1 - low))


def test_no_disagreement_leaves_adoption_undefined_not_crashing() -> None:
    result = anchoring([1, 1, 1, 0], [1, 1, 1, 1], [True, True, False, False])
    assert result.adoption == 1.0 and math.isnan(result.adoption_interval.low)
    with pytest.raises(ValueError, match="both"):
        anchoring([1, 1], [1, 1], [True, True])


@pytest.mark.parametrize("bias", [0.0, 0.1, 0.3])
def test_simulated_bias_is_recovered_within_the_stated_interval(bias: float) -> None:
    scenario = AnchoringScenario(adoption=bias)
    estimates = [anchoring(*simulate_anchoring(scenario, seed)) for seed in SEEDS]
    covered = [bias in e.adoption_interval for e in estimates]
    assert sum(covered) / len(covered) >= 0.92  # nominal 95 %
    assert np.mean([e.adoption for e in estimates]) == pytest.approx(bias, abs=0.01)


def test_more_bias_shows_as_more_agreement_with_the_model() -> None:
    effects = [
        np.mean([anchoring(*simulate_anchoring(AnchoringScenario(adoption=b), s)).effect
                 for s in range(20)])
        for b in (0.0, 0.2, 0.4)
    ]  # fmt: skip
    assert effects[0] == pytest.approx(0.0, abs=0.02)
    assert effects[0] < effects[1] < effects[2]
