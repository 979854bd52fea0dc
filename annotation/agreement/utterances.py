"""Monologue agreement per reference utterance. Pure numpy; no Django.

Annotators of a streaming monologue cut it into their own segments; agreement needs common
items. Each reference utterance of the clip (its transcript segmentation) is read in every
annotator's labelling as the segment at the utterance's midpoint -- the reading routing uses
to decide the clip -- so the utterances become ordinary items for the categorical, set and
ordinal statistics; an annotator with no segment there did not rate that utterance.
Utterances differ in length: the time-weighted variants weight each utterance by its duration,
so a 10-second sentence counts ten times a 1-second interjection. Conventions are those of
:mod:`annotation.agreement.categorical` and :mod:`annotation.agreement.multilabel` (undefined
is ``nan``, items with fewer than two ratings are left out).
"""

import numpy as np
import numpy.typing as npt

from annotation.agreement.categorical import Ratings, rating_pairs
from annotation.agreement.multilabel import SetRatings, pairwise_jaccard

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
NAN = float("nan")


def utterance_segments(utterances: npt.ArrayLike, segments: npt.ArrayLike) -> IntArray:
    """For each utterance ``(start, end)`` (``(U, 2)`` seconds), the index of the first segment
    ``(start, end)`` (``(S, 2)``) that holds its midpoint (``start <= mid < end``, as routing
    reads a monologue: ``annotation.routing.decide_stream``); ``-1`` where none does."""
    ref = np.asarray(utterances, dtype=np.float64).reshape(-1, 2)
    seg = np.asarray(segments, dtype=np.float64).reshape(-1, 2)
    mid = ref.mean(axis=1)[:, None]
    holds = (seg[None, :, 0] <= mid) & (mid < seg[None, :, 1])
    if not seg.size:
        return np.full(ref.shape[0], -1, dtype=np.int64)
    return np.where(holds.any(axis=1), holds.argmax(axis=1), -1).astype(np.int64)


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
