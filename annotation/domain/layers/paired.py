"""Two raters compared clip by clip (a model's drafts against a person, or against the
people's aggregate): the figures a layer type reports for such pairs of values."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from annotation.agreement.categorical import Ratings, cohen_kappa_pairwise
from annotation.agreement.multilabel import SetRatings, match_ratios, pairwise_jaccard
from annotation.domain.layers.base import Json

FIRST, SECOND = 0, 1  # rater codes of the two sides


def _two_raters(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(np.arange(n), 2), np.tile([FIRST, SECOND], n)


def label_pairs(pairs: list[tuple[Any, Any]], classes: Sequence[Any]) -> Json:
    """Percent agreement and Cohen's κ of (first, second) labels, one pair per clip."""
    n = len(pairs)
    if not n:
        return {"n": 0, "agreement": None, "kappa": None}
    codes = {value: i for i, value in enumerate(classes)}
    items, raters = _two_raters(n)
    labels = np.array([codes[v] for pair in pairs for v in pair], dtype=np.int64)
    kappa = cohen_kappa_pairwise(Ratings(items, raters, labels, n, 2, len(codes))).kappa
    return {
        "n": n,
        "agreement": sum(a == b for a, b in pairs) / n,
        "kappa": kappa.get((FIRST, SECOND), float("nan")),
    }


def set_pairs(pairs: list[tuple[Any, Any]], classes: Sequence[Any]) -> Json:
    """Mean Jaccard and exact-match share of (first, second) label sets, one pair per clip."""
    n = len(pairs)
    if not n:
        return {"n": 0, "jaccard": None, "exact": None}
    codes = {value: i for i, value in enumerate(classes)}
    sets = np.zeros((2 * n, len(codes)), dtype=bool)
    for row, values in enumerate(v for pair in pairs for v in pair):
        sets[row, [codes[v] for v in values]] = True
    ratings = SetRatings(sets, *_two_raters(n), n)
    return {
        "n": n,
        "jaccard": pairwise_jaccard(ratings).mean,
        "exact": match_ratios(ratings).exact_match_ratio,
    }
