"""Dawid & Skene (1979): latent true labels from per-annotator confusion matrices by EM.

Dawid, A. P. & Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates
using the EM algorithm. Journal of the Royal Statistical Society C (Applied Statistics),
28(1), 20-28.

Model: item ``i`` has a true class ``k`` with probability ``pi_k``; rater ``j`` reports label
``l`` with probability ``theta_jkl`` independently of the other raters. For the ratings
``(j, l)`` of item ``i``::

    P(t_i = k | ratings) ∝ pi_k * prod_{(j, l) on i} theta_jkl              (E-step)
    pi_k = (sum_i T_ik + s) / (n_rated + K s)                                (M-step)
    theta_jkl = (sum_{i: j gave l} T_ik + s) / (sum_{i rated by j} T_ik + K s)

with ``T`` the posterior and ``s`` the additive (Dirichlet) ``smoothing`` that keeps every
probability positive (a class never used, a rater who never saw a class). Both steps are
vectorised over the long format with ``np.bincount``; the E-step works in log space.
Deterministic: initialised from the vote proportions (the paper's initialisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotation.agreement.categorical import FloatArray, IntArray, Ratings

_TINY = np.finfo(np.float64).tiny


@dataclass(frozen=True, eq=False)
class DawidSkene:
    priors: FloatArray  # (K,) class prevalence pi
    confusion: FloatArray  # (n_raters, K, K): row = true class, column = given label
    posterior: FloatArray  # (n_items, K); equals priors for items without ratings
    labels: IntArray  # (n_items,) argmax posterior (lowest class on ties); -1 without ratings
    confidence: FloatArray  # (n_items,) max posterior; nan without ratings (no evidence)
    n_iter: int
    converged: bool
    log_likelihood: float  # sum_i log P(ratings of i) under the returned parameters


def _log(x: FloatArray) -> FloatArray:
    return np.log(np.maximum(x, _TINY))


def _normalise_rows(x: npt.NDArray[np.floating]) -> FloatArray:
    """Rows scaled to sum to 1; an all-zero row becomes uniform."""
    total = x.sum(axis=-1, keepdims=True)
    uniform = np.full(x.shape, 1.0 / x.shape[-1])
    rows: FloatArray = np.divide(x, total, out=uniform, where=total > 0)
    return rows


def _softmax(log_p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Row-wise normalised probabilities and log-normalisers (log-sum-exp)."""
    top = log_p.max(axis=-1, keepdims=True)
    weights = np.exp(log_p - top)
    total = weights.sum(axis=-1, keepdims=True)
    return weights / total, (top + np.log(total))[..., 0]


def _e_step(
    r: Ratings, item_class: IntArray, log_priors: FloatArray, log_conf: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Posterior (n_items, K) and per-item log-likelihood (n_items,)."""
    k = r.n_classes
    per_rating = log_conf[r.rater, :, r.label]  # (n_ratings, K): log theta_{j, k, l}
    summed = np.bincount(item_class.ravel(), per_rating.ravel(), minlength=r.n_items * k)
    return _softmax(log_priors + summed.reshape(r.n_items, k))


def fit(
    r: Ratings,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    smoothing: float = 0.01,
    init: Literal["majority"] = "majority",
) -> DawidSkene:
    """Fit Dawid & Skene (1979) by EM (see the module docstring for the formulas).

    ``init="majority"`` starts from each item's vote proportions ``n_ik / n_i``. Iteration
    stops when the relative change of the log-likelihood is at most ``tol``
    (``converged=True``) or after ``max_iter`` M+E steps. Priors are estimated over items
    with at least one rating; an item without ratings gets ``posterior = priors`` but
    ``label = -1`` and ``confidence = nan`` (no evidence; ``confidence_tiers`` maps it to
    "low"). Without any rating the model is uniform (``n_iter = 0``). With one rater the
    labels reduce to that rater's labels.
    """
    if init != "majority":
        raise ValueError(f"unknown init {init!r}")
    if max_iter < 1 or tol < 0 or smoothing < 0:
        raise ValueError("need max_iter >= 1, tol >= 0 and smoothing >= 0")
    k, n_raters = r.n_classes, r.n_raters
    counts = r.counts()
    n_i = counts.sum(axis=1)
    rated = n_i > 0
    classes = np.arange(k)
    item_class = r.item[:, None] * k + classes  # bincount index of (item, class)
    rater_class_label = (r.rater[:, None] * k + classes) * k + r.label[:, None]

    posterior = _normalise_rows(counts.astype(np.float64))
    priors = np.full(k, 1.0 / k)
    confusion = np.full((n_raters, k, k), 1.0 / k)
    item_ll = np.zeros(r.n_items)
    previous, n_iter, converged = -math.inf, 0, not rated.any()
    while not converged and n_iter < max_iter:
        n_iter += 1
        priors = _normalise_rows(posterior[rated].sum(axis=0) + smoothing)
        mass = np.bincount(
            rater_class_label.ravel(), posterior[r.item].ravel(), minlength=n_raters * k * k
        )
        confusion = _normalise_rows(mass.reshape(n_raters, k, k) + smoothing)
        posterior, item_ll = _e_step(r, item_class, _log(priors), _log(confusion))
        current = float(item_ll[rated].sum())
        converged = math.isfinite(previous) and abs(current - previous) <= tol * abs(previous)
        previous = current

    best = posterior.argmax(axis=1)
    return DawidSkene(
        priors=priors,
        confusion=confusion,
        posterior=posterior,
        labels=np.where(rated, best, -1).astype(np.int64),
        confidence=np.where(rated, posterior.max(axis=1), np.nan),
        n_iter=n_iter,
        converged=bool(converged),
        log_likelihood=float(item_ll[rated].sum()),
    )


def with_parameters(priors: npt.ArrayLike, confusion: npt.ArrayLike) -> DawidSkene:
    """A model of given parameters (stored from an earlier fit), for ``posterior_for`` and
    per-rater figures: no items of its own."""
    pi = np.asarray(priors, dtype=np.float64)
    return DawidSkene(
        priors=pi,
        confusion=np.asarray(confusion, dtype=np.float64),
        posterior=np.empty((0, pi.size)),
        labels=np.empty(0, dtype=np.int64),
        confidence=np.empty(0),
        n_iter=0,
        converged=True,
        log_likelihood=0.0,
    )


def posterior_for(
    model: DawidSkene, item_raters: npt.ArrayLike, item_labels: npt.ArrayLike
) -> FloatArray:
    """Posterior over the true class of one new item: a single E-step with the fitted
    parameters, ``p_k ∝ pi_k * prod_j theta_{j, k, l_j}`` (used to route one new clip between
    full recomputes).

    A rater index ``>= n_raters`` (someone who joined after the fit) is given a uniform
    confusion matrix ``theta_jkl = 1/K``: the rating is uninformative and leaves the
    posterior unchanged, so a clip rated only by newcomers stays at the priors (low
    confidence) until the next full recompute. No ratings: the priors.
    """
    raters = np.asarray(item_raters, dtype=np.int64).reshape(-1)
    labels = np.asarray(item_labels, dtype=np.int64).reshape(-1)
    n_raters, k, _ = model.confusion.shape
    if raters.size != labels.size:
        raise ValueError("item_raters and item_labels must have the same length")
    if raters.size and raters.min() < 0:
        raise ValueError("rater indices must be >= 0")
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must be in [0, {k})")
    if np.unique(raters).size != raters.size:
        raise ValueError("a rater rates an item at most once")
    known = raters < n_raters
    evidence = _log(model.confusion[raters[known], :, labels[known]]).sum(axis=0)
    probabilities, _ = _softmax(_log(model.priors) + evidence)
    return probabilities
