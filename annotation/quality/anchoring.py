"""Anchoring: how far shown model drafts pull annotators towards the model.

Compare agreement with the model on annotations made with a draft shown and without. This is
the causal effect of showing drafts only when the project decides *at random* which clips
show one (then both groups see the same clips and annotators on average); otherwise easy clips
showing drafts, say, would look like anchoring.

Two figures, both with intervals from the counts alone (no scipy at run time):

* ``effect``: agreement with drafts minus agreement without, with Newcombe's (1998) hybrid
  score interval (his method 10, built from the two Wilson intervals).
* ``adoption``: ``1 - (1 - agree_shown) / (1 - agree_hidden)``, the share of the
  disagreements with the model that a shown draft removes. If an annotator takes a shown draft
  unchanged with probability ``b`` and otherwise labels as they would have, agreement with
  drafts is ``b + (1 - b) * agree_hidden``, so this is exactly ``b``: the size of the bias,
  whatever the annotators' and the model's accuracies. Its interval is the Katz et al. (1978)
  log interval for the ratio of the two disagreement rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from annotation.quality.live import Interval, wilson_interval

NAN_INTERVAL_BOUNDS = (math.nan, math.nan)


@dataclass(frozen=True, slots=True)
class Anchoring:
    n_shown: int
    n_hidden: int
    agree_shown: float  # share of labels equal to the model's, draft shown; nan if none
    agree_hidden: float
    effect: float  # agree_shown - agree_hidden
    effect_interval: Interval
    adoption: float  # share of disagreements a shown draft removes (see the module docstring)
    adoption_interval: Interval  # nan bounds when a group has no disagreement at all


def _newcombe(x1: int, n1: int, x2: int, n2: int, level: float) -> Interval:
    p1, p2 = x1 / n1, x2 / n2
    a, b = wilson_interval(x1, n1, level), wilson_interval(x2, n2, level)
    d = p1 - p2
    low = d - math.hypot(p1 - a.low, b.high - p2)
    high = d + math.hypot(a.high - p1, p2 - b.low)
    return Interval(low, high, level)


def _adoption(x1: int, n1: int, x2: int, n2: int, level: float) -> tuple[float, Interval]:
    d1, d2 = n1 - x1, n2 - x2  # disagreements with the model, shown / hidden
    if d2 == 0:
        return math.nan, Interval(*NAN_INTERVAL_BOUNDS, level)
    ratio = (d1 / n1) / (d2 / n2)
    if d1 == 0:
        return 1 - ratio, Interval(*NAN_INTERVAL_BOUNDS, level)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    se = math.sqrt(1 / d1 - 1 / n1 + 1 / d2 - 1 / n2)
    log_ratio = math.log(ratio)
    return 1 - ratio, Interval(
        1 - math.exp(log_ratio + z * se), 1 - math.exp(log_ratio - z * se), level
    )


def anchoring(
    labels: npt.ArrayLike,
    model_labels: npt.ArrayLike,
    draft_shown: npt.ArrayLike,
    level: float = 0.95,
) -> Anchoring:
    """Anchoring figures from one row per annotation: the label given, the model's label for
    that clip, and whether the draft was shown. Needs annotations of both kinds."""
    given = np.asarray(labels)
    model = np.asarray(model_labels)
    shown = np.asarray(draft_shown, dtype=bool)
    if not given.shape == model.shape == shown.shape or given.ndim != 1:
        raise ValueError("labels, model_labels and draft_shown must be equal-length vectors")
    agree = given == model
    n1, n2 = int(shown.sum()), int((~shown).sum())
    if n1 == 0 or n2 == 0:
        raise ValueError("need annotations both with and without a draft shown")
    x1, x2 = int(agree[shown].sum()), int(agree[~shown].sum())
    adoption, adoption_interval = _adoption(x1, n1, x2, n2, level)
    return Anchoring(
        n_shown=n1,
        n_hidden=n2,
        agree_shown=x1 / n1,
        agree_hidden=x2 / n2,
        effect=x1 / n1 - x2 / n2,
        effect_interval=_newcombe(x1, n1, x2, n2, level),
        adoption=adoption,
        adoption_interval=adoption_interval,
    )


@dataclass(frozen=True, slots=True)
class AnchoringScenario:
    """Annotators of known accuracy, a model of known accuracy, drafts shown on a random
    ``shown_rate`` of annotations, taken unchanged with probability ``adoption`` (the known
    bias the estimator must recover)."""

    adoption: float
    n_annotations: int = 4000
    n_classes: int = 7
    annotator_accuracy: float = 0.7
    model_accuracy: float = 0.75
    shown_rate: float = 0.5


def simulate_anchoring(
    scenario: AnchoringScenario, seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(labels, model labels, draft shown) for ``scenario``; seeded and deterministic. Wrong
    answers, human or model, are a uniformly drawn wrong class."""
    rng = np.random.default_rng(seed)
    n, k = scenario.n_annotations, scenario.n_classes
    truth = rng.integers(k, size=n)

    def noisy(accuracy: float) -> npt.NDArray[np.int64]:
        wrong = (truth + rng.integers(1, k, size=n)) % k
        return np.where(rng.random(n) < accuracy, truth, wrong).astype(np.int64)

    model = noisy(scenario.model_accuracy)
    own = noisy(scenario.annotator_accuracy)
    shown = rng.random(n) < scenario.shown_rate
    took_draft = shown & (rng.random(n) < scenario.adoption)
    return np.where(took_draft, model, own).astype(np.int64), model, shown
