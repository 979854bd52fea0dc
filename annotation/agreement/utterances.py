"""Monologue agreement per reference utterance. Pure numpy; no Django.

Annotators of a streaming monologue cut it into their own segments; agreement needs common
items. Each reference utterance of the clip (its transcript segmentation) is read in every
annotator's labelling as the segment that overlaps it longest (the earliest on a tie; none when
no segment overlaps it), so the utterances become ordinary items for the categorical, set and
ordinal statistics. Utterances differ in length: the time-weighted variants weight each
utterance by its duration, so a 10-second sentence counts ten times a 1-second interjection.
Conventions are those of :mod:`annotation.agreement.categorical` and
:mod:`annotation.agreement.multilabel` (undefined is ``nan``, items with fewer than two
ratings are left out).
"""

import numpy as np
import numpy.typing as npt

from annotation.agreement.categorical import Ratings, rating_pairs
from annotation.agreement.multilabel import SetRatings, pairwise_jaccard

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
NAN = float("nan")


def utterance_segments(utterances: npt.ArrayLike, segments: npt.ArrayLike) -> IntArray:
    """For each utterance ``(start, end)`` (``(U, 2)`` seconds), the index of the segment
    ``(start, end)`` (``(S, 2)``) that overlaps it longest; ``-1`` where none overlaps."""
    ref = np.asarray(utterances, dtype=np.float64).reshape(-1, 2)
    seg = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    if not seg.size:
        return np.full(ref.shape[0], -1, dtype=np.int64)
    overlap = np.minimum(ref[:, 1:2], seg[None, :, 1]) - np.maximum(ref[:, 0:1], seg[None, :, 0])
    best = overlap.argmax(axis=1)
    return np.where(overlap.max(axis=1) > 0, best, -1).astype(np.int64)


def _weighted_mean(values: FloatArray, weights: FloatArray) -> float:
    total = weights.sum()
    return float((values * weights).sum() / total) if values.size and total > 0 else NAN


def pairwise_agreement(r: Ratings, weights: npt.ArrayLike | None = None) -> float:
    """Share of within-item rating pairs that agree, each pair weighted by its item's weight."""
    item, _, _, a, b = rating_pairs(r)
    w = np.ones(r.n_items) if weights is None else np.asarray(weights, dtype=np.float64)
    return _weighted_mean((a == b).astype(np.float64), w[item])


def mean_abs_difference(r: Ratings, weights: npt.ArrayLike | None = None) -> float:
    """Mean absolute difference of the codes of within-item rating pairs (for an ordinal
    scale, in scale points), each pair weighted by its item's weight."""
    item, _, _, a, b = rating_pairs(r)
    w = np.ones(r.n_items) if weights is None else np.asarray(weights, dtype=np.float64)
    return _weighted_mean(np.abs(a - b).astype(np.float64), w[item])


def weighted_jaccard(sr: SetRatings, weights: npt.ArrayLike) -> float:
    """Mean pairwise Jaccard (two empty sets: 1) with each pair weighted by its item's weight."""
    pairs = pairwise_jaccard(sr)
    return _weighted_mean(pairs.jaccard, np.asarray(weights, dtype=np.float64)[pairs.item])
