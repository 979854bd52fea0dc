"""Overlap policies: when a clip wants another label, and which clip an annotator gets."""

import math

import numpy as np
import pytest

from annotation.quality.overlap import (
    AdaptiveOverlap,
    FixedOverlap,
    entropy_bits,
    expected_information_gain,
    next_clip,
)


def brute_force_gain(p: list[float], theta: list[list[float]]) -> float:
    k = len(p)
    h_before = -sum(x * math.log2(x) for x in p if x > 0)
    h_after = 0.0
    for label in range(k):
        p_label = sum(p[t] * theta[t][label] for t in range(k))
        if p_label == 0:
            continue
        post = [p[t] * theta[t][label] / p_label for t in range(k)]
        h_after += p_label * -sum(x * math.log2(x) for x in post if x > 0)
    return h_before - h_after


def test_gain_is_the_mutual_information_of_class_and_label() -> None:
    rng = np.random.default_rng(3)
    posterior = rng.dirichlet(np.ones(4), size=20)
    theta = rng.dirichlet(np.ones(4), size=4)
    gains = expected_information_gain(posterior, theta)
    expected = [brute_force_gain(list(p), theta.tolist()) for p in posterior]
    assert gains == pytest.approx(expected, abs=1e-12)


def test_nothing_to_gain_from_a_random_annotator_or_on_a_certain_clip() -> None:
    flat = np.full((3, 3), 1 / 3)
    perfect = np.eye(3)
    uncertain, certain = [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]
    assert expected_information_gain([uncertain], flat) == pytest.approx([0.0])
    assert expected_information_gain([certain], perfect) == pytest.approx([0.0])
    # A perfect annotator removes all the uncertainty there is.
    assert expected_information_gain([uncertain], perfect) == pytest.approx(entropy_bits(uncertain))


def test_fixed_k_wants_labels_until_k() -> None:
    n = np.array([0, 2, 3])
    assert FixedOverlap(3).wants_more(n, np.array([1.0, 1.0, 0.0])).tolist() == [True, True, False]


def test_adaptive_wants_labels_while_unsure_up_to_k_max() -> None:
    policy = AdaptiveOverlap(threshold=0.9, k_max=3, k_min=1)
    n = np.array([0, 1, 1, 2, 3])
    confidence = np.array([0.99, 0.95, 0.6, np.nan, 0.1])
    assert policy.wants_more(n, confidence).tolist() == [True, False, True, True, False]
    assert AdaptiveOverlap(0.9, 3, k_min=2).wants_more(n, confidence).tolist()[1] is True


def test_next_clip_by_policy() -> None:
    eligible = np.array([True, True, False, True])
    n = np.array([2, 1, 0, 1])
    gain = np.array([0.1, 0.2, 5.0, 0.7])
    assert next_clip(FixedOverlap(3), eligible, n, None) == 1  # least-labelled, lowest index
    assert next_clip(AdaptiveOverlap(), eligible, n, gain) == 3  # largest gain among eligible
    assert next_clip(AdaptiveOverlap(), eligible, n, None) == 0  # before a model: overlap first
    assert next_clip(AdaptiveOverlap(order="fewest"), eligible, n, gain) == 1
    assert next_clip(FixedOverlap(3), np.zeros(4, dtype=bool), n, None) is None


def test_policies_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="k_min"):
        AdaptiveOverlap(k_max=2, k_min=3)
    with pytest.raises(ValueError, match="threshold"):
        AdaptiveOverlap(threshold=0)
    with pytest.raises(ValueError, match="order"):
        AdaptiveOverlap(order="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must"):
        FixedOverlap(0)
