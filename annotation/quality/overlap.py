"""How many layer-1 labels a clip gets (fixed k, or adaptive on the Dawid–Skene posterior),
and which open clip an annotator is served next.

Adaptive overlap: a clip stays open while it has fewer than ``k_min`` labels, or fewer than
``k_max`` and a posterior confidence below ``threshold``; among the open clips an annotator
may label, the one whose next label is expected to remove the most uncertainty comes first.
That expected entropy reduction is the mutual information between the clip's true class ``T``
and the annotator's label ``L`` under the fitted model (Lindley 1956; the "uncertainty
sampling by expected information gain" of active learning)::

    I(T; L) = H(T) - sum_l P(l) H(T | l),   P(l) = sum_k p_k theta_kl,
    P(T = k | l) = p_k theta_kl / P(l)

with ``p`` the clip's posterior and ``theta`` the annotator's confusion matrix. An annotator
who labels at random (a flat ``theta``) buys nothing anywhere; a clip already certain offers
nothing to anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from annotation.agreement.categorical import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class FixedOverlap:
    """Every clip gets ``k`` labels (the platform's default); least-labelled clip first."""

    k: int = 3

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("k must be >= 1")

    @property
    def k_max(self) -> int:
        return self.k

    @property
    def uses_model(self) -> bool:
        return False

    def wants_more(self, n_labels: IntArray, confidence: FloatArray) -> BoolArray:
        return np.asarray(n_labels) < self.k


@dataclass(frozen=True, slots=True)
class AdaptiveOverlap:
    """Another label only while the Dawid–Skene confidence is below ``threshold``, between
    ``k_min`` and ``k_max`` labels; most informative clip first."""

    threshold: float = 0.9
    k_max: int = 3
    k_min: int = 1
    # "information": largest expected information gain first; "fewest": least-labelled open
    # clip first (the fixed-k order; what the information ordering is measured against).
    order: Literal["information", "fewest"] = "information"

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 1 <= self.k_min <= self.k_max:
            raise ValueError("need 1 <= k_min <= k_max")
        if self.order not in ("information", "fewest"):
            raise ValueError(f"unknown order {self.order!r}")

    @property
    def uses_model(self) -> bool:
        return True

    def wants_more(self, n_labels: IntArray, confidence: FloatArray) -> BoolArray:
        """Open clips; a nan confidence (no model yet) counts as below the threshold."""
        n = np.asarray(n_labels)
        sure = np.asarray(confidence) >= self.threshold  # False for nan
        return (n < self.k_min) | ((n < self.k_max) & ~sure)


OverlapPolicy = FixedOverlap | AdaptiveOverlap


@dataclass(frozen=True, slots=True)
class RefitSchedule:
    """When the adaptive model is fitted again: first after ``warmup`` labels, then every
    ``refit_every`` labels (and once more when the queue runs dry, see ``replay``)."""

    warmup: int = 300
    refit_every: int = 250

    def __post_init__(self) -> None:
        if self.warmup < 1 or self.refit_every < 1:
            raise ValueError("warmup and refit_every must be >= 1")

    def due(self, since_fit: int, fitted: bool) -> bool:
        return since_fit >= (self.refit_every if fitted else self.warmup)


def overlap_from_config(config: Mapping[str, Any], k: int) -> tuple[OverlapPolicy, RefitSchedule]:
    """A project's ``overlap`` setting as a policy: ``{"strategy": "fixed"}`` (k labels, the
    project's ``overlap_k``) or ``{"strategy": "adaptive", "threshold": 0.95, "k_max": 5,
    "min_labels": 2}`` (optional ``warmup``, ``refit_every``). ValueError names what is wrong."""
    strategy = config.get("strategy")
    if strategy == "fixed":
        return FixedOverlap(k), RefitSchedule()
    if strategy != "adaptive":
        raise ValueError(f"unknown strategy {strategy!r}")
    numbers = {key: config.get(key) for key in ("threshold", "k_max", "min_labels")}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers.values()):
        raise ValueError("threshold, k_max and min_labels must be numbers")
    for key in ("k_max", "min_labels", "warmup", "refit_every"):
        value = config.get(key, 1)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{key} must be a whole number")
    policy = AdaptiveOverlap(
        threshold=float(config["threshold"]), k_max=config["k_max"], k_min=config["min_labels"]
    )
    defaults = RefitSchedule()
    schedule = RefitSchedule(
        warmup=config.get("warmup", defaults.warmup),
        refit_every=config.get("refit_every", defaults.refit_every),
    )
    return policy, schedule


def entropy_bits(p: npt.ArrayLike) -> FloatArray:
    """Shannon entropy in bits over the last axis (0 log 0 = 0)."""
    probabilities = np.asarray(p, dtype=np.float64)
    logs = np.zeros_like(probabilities)
    np.log2(probabilities, out=logs, where=probabilities > 0)
    entropy: FloatArray = 0.0 - (probabilities * logs).sum(axis=-1)
    return entropy


def expected_information_gain(posterior: npt.ArrayLike, confusion: npt.ArrayLike) -> FloatArray:
    """``I(T; L)`` in bits for each clip (rows of ``posterior``, shape (n, K)) if the
    annotator with ``confusion`` (K, K; rows = true class) labels it next."""
    p = np.asarray(posterior, dtype=np.float64)
    theta = np.asarray(confusion, dtype=np.float64)
    joint = p[:, :, None] * theta[None, :, :]  # (n, K true, K given)
    p_label = joint.sum(axis=1)  # (n, K given)
    after = np.divide(joint, p_label[:, None, :], out=np.zeros_like(joint), where=joint > 0)
    remaining = (p_label * entropy_bits(np.swapaxes(after, 1, 2))).sum(axis=1)
    gain: FloatArray = np.maximum(entropy_bits(p) - remaining, 0.0)  # >= 0: rounding noise
    return gain


def team_gain(posterior: npt.ArrayLike, confusions: npt.ArrayLike) -> FloatArray:
    """The expected information gain of each clip for whoever labels it next, every
    annotator (``confusions``: (n_raters, K, K)) equally likely: what a queue shared by the
    whole team orders by, since it cannot know who asks next."""
    gains = [expected_information_gain(posterior, c) for c in np.asarray(confusions)]
    mean: FloatArray = np.mean(gains, axis=0)
    return mean


def next_clip(
    policy: OverlapPolicy,
    eligible: BoolArray,
    n_labels: IntArray,
    gain: FloatArray | None,
) -> int | None:
    """The clip to serve among ``eligible`` ones (open, not yet labelled by this annotator),
    ties going to the lowest index (callers shuffle clip order with a seed).

    Fixed k, or adaptive ordered by "fewest": least-labelled first (the platform's
    assignment rule). Adaptive with a model: the largest expected information gain for this
    annotator. Adaptive before the first fit (``gain is None``): the most-labelled open clip,
    so the first labels build the overlap the model needs to learn each annotator's confusion.
    """
    candidates = np.flatnonzero(eligible)
    if candidates.size == 0:
        return None
    if isinstance(policy, FixedOverlap) or (gain is not None and policy.order == "fewest"):
        score = -np.asarray(n_labels)[candidates].astype(np.float64)
    elif gain is None:
        score = np.asarray(n_labels)[candidates].astype(np.float64)
    else:
        score = np.asarray(gain)[candidates]
    return int(candidates[int(np.argmax(score))])
