"""Agreement statistics for single-label categorical (and ordinal) ratings.

Everything works on the long format :class:`Ratings` (one row per rating) and is vectorised
over all items at once, so a full project recompute (100,000 items x 3 raters) takes well
under a second per statistic. Pure numpy; no Django.

Conventions shared by every function here:

* **Undefined is ``nan``.** A chance-corrected coefficient whose expected disagreement is zero
  (every pairable rating carries the same value, e.g. everybody always says Joy) is 0/0 and
  is returned as ``float("nan")`` -- the convention of statsmodels (Fleiss), scikit-learn
  (Cohen, ``replace_undefined_by=np.nan``) and Krippendorff (2011) / the ``krippendorff``
  package (alpha). (NLTK's ``AnnotationTask.alpha`` returns 1.0 there; we do not.) A ratio
  over zero items is also ``nan``.
* **Unpairable ratings are excluded.** An item with fewer than two ratings carries no
  information about agreement: it is left out of the ratios, Fleiss kappa and alpha.
* Missing labels in per-item arrays (majority label, reference, gold) are ``-1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple, TypedDict

import krippendorff
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
NAN = float("nan")


def _as_int_vector(values: npt.ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _check_range(values: IntArray, low: int, high: int, name: str) -> None:
    if values.size and (values.min() < low or values.max() >= high):
        bad = values[(values < low) | (values >= high)][0]
        raise ValueError(f"{name} value {bad} is outside [{low}, {high})")


@dataclass(frozen=True, eq=False)
class Ratings:
    """Single-label ratings in long format: rating ``t`` is ``label[t]`` given by ``rater[t]``
    to ``item[t]``. Codes are ``0..n - 1``; ordinal labels are ordered by their code.

    A rater rates an item at most once (checked: ``ValueError`` otherwise).
    """

    item: IntArray
    rater: IntArray
    label: IntArray
    n_items: int
    n_raters: int
    n_classes: int

    def __post_init__(self) -> None:
        for name in ("item", "rater", "label"):
            object.__setattr__(self, name, _as_int_vector(getattr(self, name), name))
        if not self.item.size == self.rater.size == self.label.size:
            raise ValueError("item, rater and label must have the same length")
        if self.n_items < 0 or self.n_raters < 0:
            raise ValueError("n_items and n_raters must be >= 0")
        if self.n_classes < 1:
            raise ValueError("n_classes must be >= 1")
        _check_range(self.item, 0, self.n_items, "item")
        _check_range(self.rater, 0, self.n_raters, "rater")
        _check_range(self.label, 0, self.n_classes, "label")
        key = np.sort(self.item * self.n_raters + self.rater)
        repeated = key[1:][key[1:] == key[:-1]]
        if repeated.size:
            item, rater = divmod(int(repeated[0]), self.n_raters)
            raise ValueError(f"rater {rater} rated item {item} more than once")

    @classmethod
    def from_matrix(
        cls, matrix: npt.ArrayLike, n_classes: int | None = None, missing: int = -1
    ) -> Ratings:
        """Build from an items x raters matrix of codes; ``missing`` (and NaN in a float
        matrix) marks "not rated". ``n_classes`` defaults to the largest code + 1."""
        values = np.asarray(matrix)
        if values.ndim != 2:
            raise ValueError(f"matrix must be items x raters, got shape {values.shape}")
        if np.issubdtype(values.dtype, np.floating):
            absent = np.isnan(values) | (values == missing)
            present = values[~absent]
            if np.any(present != np.round(present)):
                raise ValueError("matrix holds non-integer codes")
        elif np.issubdtype(values.dtype, np.integer):
            absent = values == missing
        else:
            raise ValueError(f"matrix must hold integer codes, got dtype {values.dtype}")
        items, raters = np.nonzero(~absent)
        labels = values[items, raters].astype(np.int64)
        if n_classes is None:
            if labels.size == 0:
                raise ValueError("cannot infer n_classes from a matrix without ratings")
            n_classes = int(labels.max()) + 1
        return cls(items, raters, labels, values.shape[0], values.shape[1], n_classes)

    def counts(self) -> IntArray:
        """Items x classes vote counts ``n_ij``."""
        k = self.n_classes
        flat = np.bincount(self.item * k + self.label, minlength=self.n_items * k)
        return flat.reshape(self.n_items, k)

    def n_ratings(self) -> IntArray:
        """Number of ratings per item ``n_i``."""
        return np.bincount(self.item, minlength=self.n_items)


def _safe_divide(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` with ``nan`` where ``den == 0`` (no warning)."""
    num_f = np.asarray(num, dtype=np.float64)
    den_f = np.asarray(den, dtype=np.float64)
    shape = np.broadcast_shapes(num_f.shape, den_f.shape)
    out = np.full(shape, np.nan)
    np.divide(num_f, den_f, out=out, where=den_f != 0)
    return out


def _kappa(n: IntArray, agree: IntArray, row: IntArray, col: IntArray) -> FloatArray:
    """Vectorised Cohen kappa from counts: ``n`` comparisons, ``agree`` of them equal, and the
    two raters' label marginals ``row``/``col`` (``(..., K)``).

    kappa = (p_o - p_e) / (1 - p_e) = (agree * n - sum_k row_k col_k) / (n^2 - sum_k row_k col_k);
    ``nan`` (undefined) when ``n == 0`` or ``p_e == 1`` (both raters used one same label).
    Computed in integers, so the undefined case is detected exactly.
    """
    expected = (row * col).sum(axis=-1)
    return _safe_divide(agree * n - expected, n * n - expected)


# ----------------------------------------------------------------------------- item level


class AgreementRatios(TypedDict):
    n_items: int
    all_same: int
    two_same: int
    all_different: int
    all_same_ratio: float
    two_same_ratio: float
    all_different_ratio: float


def agreement_ratios(r: Ratings) -> AgreementRatios:
    """Share of items on which all raters agree / a majority but not all agree / all differ.

    Over the ``n`` items with at least two ratings, with ``n_i`` ratings and ``m_i`` the
    largest vote count of item ``i``: *all same* if ``m_i == n_i``; *all different* if
    ``m_i == 1``; otherwise *two same* (for three raters exactly two agree). Ratios are
    count / ``n``, ``nan`` when ``n == 0``. The EmoS paper (ACL 2026) reports these three
    ratios for its 3-annotator Basic-7 layer.
    """
    counts = r.counts()
    n_i = counts.sum(axis=1)
    pairable = n_i >= 2
    top = counts.max(axis=1)[pairable]
    n_i = n_i[pairable]
    all_same = int(np.count_nonzero(top == n_i))
    all_different = int(np.count_nonzero(top == 1))
    n = int(n_i.size)
    two_same = n - all_same - all_different
    ratio = _safe_divide(np.array([all_same, two_same, all_different]), n)
    return AgreementRatios(
        n_items=n,
        all_same=all_same,
        two_same=two_same,
        all_different=all_different,
        all_same_ratio=float(ratio[0]),
        two_same_ratio=float(ratio[1]),
        all_different_ratio=float(ratio[2]),
    )


class Majority(NamedTuple):
    label: IntArray  # (n_items,) modal label; -1 on ties and for items without ratings
    share: FloatArray  # (n_items,) largest vote count / n_i; nan without ratings
    n_distinct: IntArray  # (n_items,) number of distinct labels given
    unanimous: BoolArray  # (n_items,) n_i >= 2 and a single distinct label


def majority(r: Ratings) -> Majority:
    """Plurality vote per item: ``label_i = argmax_j n_ij`` when the maximum is unique, else
    ``-1``; ``share_i = max_j n_ij / n_i``. ``unanimous`` needs at least two ratings (one
    rating is not agreement)."""
    counts = r.counts()
    n_i = counts.sum(axis=1)
    top = counts.max(axis=1)
    n_at_top = np.count_nonzero(counts == top[:, None], axis=1)
    label = np.where((n_i > 0) & (n_at_top == 1), counts.argmax(axis=1), -1).astype(np.int64)
    n_distinct = np.count_nonzero(counts, axis=1).astype(np.int64)
    unanimous = (n_i >= 2) & (n_distinct == 1)
    return Majority(label, _safe_divide(top, n_i), n_distinct, unanimous)


def confidence_tiers(
    confidence: npt.ArrayLike, unanimous: npt.ArrayLike, *, high: float = 0.9, medium: float = 0.8
) -> npt.NDArray[np.str_]:
    """EmoS routing tiers: ``"high"`` if unanimous or ``confidence >= high``, ``"medium"`` if
    ``confidence >= medium``, else ``"low"`` (NaN confidence is ``"low"`` unless unanimous).
    Defaults follow the EmoS paper (Dawid-Skene confidence 0.9 / 0.8)."""
    conf = np.asarray(confidence, dtype=np.float64)
    agreed = np.asarray(unanimous, dtype=bool)
    if conf.shape != agreed.shape:
        raise ValueError(f"confidence {conf.shape} and unanimous {agreed.shape} differ in shape")
    if not medium <= high:
        raise ValueError("medium must be <= high")
    tiers = np.full(conf.shape, "low", dtype="<U6")
    tiers[conf >= medium] = "medium"
    tiers[(conf >= high) | agreed] = "high"
    return tiers


# ----------------------------------------------------------------------------- coefficients


def fleiss_kappa(r: Ratings, weights: npt.ArrayLike | None = None) -> float:
    """Fleiss' kappa (Fleiss, 1971, Psychological Bulletin 76(5):378-382).

    Over the items with ``n_i >= 2`` ratings (items with one rating are unpairable and
    excluded): ``P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1))``, ``P = mean_i P_i``,
    ``p_j = sum_i n_ij / sum_i n_i``, ``P_e = sum_j p_j^2``, ``kappa = (P - P_e) / (1 - P_e)``.
    With a varying number of raters each item uses its own ``n_i`` (the usual
    generalisation); with a constant number it is exactly Fleiss (1971) and equals
    statsmodels' ``fleiss_kappa(counts, method="fleiss")``.

    ``weights`` (one per item, e.g. an utterance's duration for a time-weighted κ) weight
    each item in both terms: ``P = sum_i w_i P_i / sum_i w_i`` and
    ``p_j = sum_i w_i n_ij / sum_i w_i n_i``; equal weights give the unweighted κ.

    Undefined (``nan``): no pairable item, or a single category used (``P_e = 1``).
    """
    counts = r.counts()
    n_i = counts.sum(axis=1)
    w = np.ones(r.n_items) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (r.n_items,):
        raise ValueError(f"weights must have one value per item ({r.n_items})")
    pairable = n_i >= 2
    counts, n_i, w = counts[pairable], n_i[pairable], w[pairable]
    totals = (counts * w[:, None]).sum(axis=0)
    if n_i.size == 0 or np.count_nonzero(totals) < 2 or w.sum() <= 0:
        return NAN
    p_i = ((counts * counts).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_j = totals / totals.sum()
    p_e = float((p_j * p_j).sum())
    return (float((w * p_i).sum() / w.sum()) - p_e) / (1.0 - p_e)


def rating_pairs(r: Ratings) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """All pairs of ratings on the same item as (item, rater_a, rater_b, label_a, label_b) with
    ``rater_a < rater_b``. Loops only over the offset within an item (at most max n_i)."""
    order = np.lexsort((r.rater, r.item))
    item, rater, label = r.item[order], r.rater[order], r.label[order]
    n_i = np.bincount(item, minlength=r.n_items)
    start = np.cumsum(n_i) - n_i
    after = n_i[item] - (np.arange(item.size) - start[item]) - 1  # ratings after this one
    first = [np.flatnonzero(after >= d) for d in range(1, int(n_i.max(initial=0)))]
    a = np.concatenate(first) if first else np.zeros(0, dtype=np.int64)
    b = np.concatenate([idx + d for d, idx in enumerate(first, start=1)]) if first else a
    return item[a], rater[a], rater[b], label[a], label[b]


@dataclass(frozen=True)
class PairwiseKappa:
    kappa: dict[tuple[int, int], float]  # (rater_a, rater_b), a < b -> Cohen kappa
    n_common: dict[tuple[int, int], int]  # items both rated
    mean: float  # unweighted mean over the pairs whose kappa is defined; nan if none


def cohen_kappa_pairwise(r: Ratings) -> PairwiseKappa:
    """Cohen's kappa (Cohen, 1960, Educ. Psychol. Meas. 20(1):37-46) for every rater pair
    with at least one common item, on the items both rated.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of common items given the same
    label and ``p_e = sum_k p_ak p_bk`` from each rater's label marginals on those items.
    Undefined (``nan``) when ``p_e = 1`` (both gave one same label throughout); ``mean``
    skips undefined pairs. Equals ``sklearn.metrics.cohen_kappa_score`` per pair.
    """
    _, rater_a, rater_b, label_a, label_b = rating_pairs(r)
    keys, pair = np.unique(rater_a * max(r.n_raters, 1) + rater_b, return_inverse=True)
    n_pairs, k = keys.size, r.n_classes
    n = np.bincount(pair, minlength=n_pairs)
    agree = np.bincount(pair[label_a == label_b], minlength=n_pairs)
    row = np.bincount(pair * k + label_a, minlength=n_pairs * k).reshape(n_pairs, k)
    col = np.bincount(pair * k + label_b, minlength=n_pairs * k).reshape(n_pairs, k)
    kappa = _kappa(n, agree, row, col)
    names = [divmod(int(key), max(r.n_raters, 1)) for key in keys]
    defined = kappa[~np.isnan(kappa)]
    return PairwiseKappa(
        kappa=dict(zip(names, kappa.tolist(), strict=True)),
        n_common=dict(zip(names, n.tolist(), strict=True)),
        mean=float(defined.mean()) if defined.size else NAN,
    )


def pairable_units(counts: IntArray) -> IntArray:
    """The units x values ``value_counts`` matrix the ``krippendorff`` package needs for the
    same alpha, smaller: units with fewer than two values do not pair and are dropped, and
    each value's unanimous units are pooled into one. That leaves the package's coincidence
    matrix unchanged: a unit holding ``c`` (``m`` values) adds ``(c c^T - diag c) / (m - 1)``;
    for a unanimous unit, all ``m`` values ``a``, that is ``(m^2 - m) / (m - 1) = m`` at
    ``(a, a)`` -- linear in ``m``, so the unanimous units of ``a`` add up to one unit of
    ``K = sum m`` values ``a`` (``(K^2 - K) / (K - 1) = K`` exactly, ``K >= 2``). A unit with
    two or more values is quadratic in its counts (``k`` copies are not one unit scaled by
    ``k``): kept as is."""
    size = counts.sum(axis=1)
    unanimous = (counts.max(axis=1, initial=0) == size) & (size >= 2)
    pooled = counts[unanimous].sum(axis=0)
    split = counts[(size >= 2) & ~unanimous]
    return np.concatenate([split, np.diag(pooled)[pooled > 0]])


def krippendorff_alpha(r: Ratings, *, level: Level, values: npt.ArrayLike | None = None) -> float:
    """Krippendorff's alpha (Krippendorff, 2011, "Computing Krippendorff's Alpha-Reliability")
    through the ``krippendorff`` package, fed the items x values count matrix.

    ``alpha = 1 - D_o / D_e`` with the coincidence matrix
    ``o_ck = sum_u sum_{i != i'} [v_ui = c][v_ui' = k] / (m_u - 1)``,
    ``D_o = sum o_ck d_ck / n`` and ``D_e = sum n_c n_k d_ck / (n (n - 1))``, where ``d`` is
    the squared difference of the ``level`` (nominal, ordinal, interval, ratio).

    ``values`` gives the numeric value of each code (strictly increasing; default
    ``0..n_classes-1``); only ``"ratio"`` depends on it beyond order (interval is invariant to
    shifts and scale, ordinal to any increasing map). Items with fewer than two ratings are
    unpairable and dropped, as are values nobody used (neither changes alpha), and unanimous
    items are pooled (:func:`pairable_units`); memory is about
    ``3 * n_split_items * n_used_values^2`` floats inside the package.

    Undefined (``nan``): fewer than two classes, no pairable item, or fewer than two
    distinct values among pairable ratings (``D_e = 0``; Krippendorff: no variation, no
    reliability to assess; the package would raise or return 0/0).
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"unknown level {level!r}")
    domain = np.arange(r.n_classes, dtype=np.float64)
    if values is not None:
        domain = np.asarray(values, dtype=np.float64)
        if domain.shape != (r.n_classes,) or not np.all(np.isfinite(domain)):
            raise ValueError(f"values must be {r.n_classes} finite numbers, one per class")
        if np.any(np.diff(domain) <= 0):
            raise ValueError("values must be strictly increasing")
    counts = pairable_units(r.counts())
    used = counts.sum(axis=0) > 0
    if np.count_nonzero(used) < 2:
        return NAN
    with np.errstate(divide="ignore", invalid="ignore"):
        result = krippendorff.alpha(
            value_counts=counts[:, used], value_domain=domain[used], level_of_measurement=level
        )
    alpha = float(result)
    return alpha if math.isfinite(alpha) else NAN


# ----------------------------------------------------------------------------- annotators


def confusion_matrix(truth: npt.ArrayLike, predicted: npt.ArrayLike, n_classes: int) -> IntArray:
    """``C[t, p]`` = number of positions with ``truth == t`` and ``predicted == p`` (rows =
    truth). Positions where either is ``-1`` (missing) are skipped."""
    t = _as_int_vector(truth, "truth")
    p = _as_int_vector(predicted, "predicted")
    if t.size != p.size:
        raise ValueError("truth and predicted must have the same length")
    _check_range(t, -1, n_classes, "truth")
    _check_range(p, -1, n_classes, "predicted")
    both = (t >= 0) & (p >= 0)
    flat = np.bincount(t[both] * n_classes + p[both], minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def _entropy_bits(counts: IntArray) -> FloatArray:
    """Shannon (1948) entropy ``H = -sum_k p_k log2 p_k`` (0 log 0 = 0) of each row; nan for
    an all-zero row."""
    p = _safe_divide(counts, counts.sum(axis=-1, keepdims=True))
    logs = np.zeros_like(p)
    np.log2(p, out=logs, where=p > 0)
    h = 0.0 - (np.nan_to_num(p) * logs).sum(axis=-1)  # 0.0 - : no "-0.0" for one label
    return np.where(counts.sum(axis=-1) > 0, h, np.nan)


@dataclass(frozen=True, eq=False)
class AnnotatorStats:
    rater: int
    n_rated: int
    n_compared: int  # rated items that have a reference label
    accuracy: float  # share of those equal to the reference; nan if none
    n_gold: int  # rated items that have a gold label
    kappa_gold: float  # Cohen kappa vs gold on those; nan if none/undefined/no gold
    confusion: IntArray  # (K, K) rows = reference label, columns = this rater's label
    label_counts: IntArray  # (K,)
    label_proportions: FloatArray  # (K,) nan if nothing rated
    entropy_bits: float  # Shannon entropy of the label distribution; nan if nothing rated
    entropy_normalised: float  # entropy / log2(K) in [0, 1]; nan if K == 1 or nothing rated


def _per_item(values: npt.ArrayLike, r: Ratings, name: str) -> IntArray:
    array = _as_int_vector(values, name)
    if array.size != r.n_items:
        raise ValueError(f"{name} must have one label per item ({r.n_items}), got {array.size}")
    _check_range(array, -1, r.n_classes, name)
    return array


def _confusions(r: Ratings, truth_per_item: IntArray) -> IntArray:
    """(n_raters, K, K) confusion of each rater's labels against a per-item truth."""
    k = r.n_classes
    truth = truth_per_item[r.item]
    has = truth >= 0
    index = (r.rater[has] * k + truth[has]) * k + r.label[has]
    return np.bincount(index, minlength=r.n_raters * k * k).reshape(r.n_raters, k, k)


def annotator_stats(
    r: Ratings, reference: npt.ArrayLike, gold: npt.ArrayLike | None = None
) -> list[AnnotatorStats]:
    """Per-rater quality, one entry per rater index.

    ``accuracy`` = share of the rater's labels equal to ``reference`` (an aggregate such as the
    majority or Dawid-Skene label; ``-1`` = none, skipped). The reference usually includes the
    rater's own vote, which flatters them; pass a leave-one-out aggregate if that matters.
    ``kappa_gold`` is Cohen (1960) kappa against ``gold`` on the items with gold. The entropy
    is Shannon's in bits, normalised by its maximum ``log2(K)``.
    """
    k = r.n_classes
    ref = _per_item(reference, r, "reference")
    conf = _confusions(r, ref)
    n_compared = conf.sum(axis=(1, 2))
    accuracy = _safe_divide(np.trace(conf, axis1=1, axis2=2), n_compared)
    if gold is None:
        n_gold = np.zeros(r.n_raters, dtype=np.int64)
        kappa_gold = np.full(r.n_raters, np.nan)
    else:
        vs_gold = _confusions(r, _per_item(gold, r, "gold"))
        n_gold = vs_gold.sum(axis=(1, 2))
        agree = np.trace(vs_gold, axis1=1, axis2=2)
        kappa_gold = _kappa(n_gold, agree, vs_gold.sum(axis=2), vs_gold.sum(axis=1))
    label_counts = np.bincount(r.rater * k + r.label, minlength=r.n_raters * k).reshape(-1, k)
    n_rated = label_counts.sum(axis=1)
    proportions = _safe_divide(label_counts, n_rated[:, None])
    entropy = _entropy_bits(label_counts)
    normalised = _safe_divide(entropy, math.log2(k))
    return [
        AnnotatorStats(
            rater=j,
            n_rated=int(n_rated[j]),
            n_compared=int(n_compared[j]),
            accuracy=float(accuracy[j]),
            n_gold=int(n_gold[j]),
            kappa_gold=float(kappa_gold[j]),
            confusion=conf[j],
            label_counts=label_counts[j],
            label_proportions=proportions[j],
            entropy_bits=float(entropy[j]),
            entropy_normalised=float(normalised[j]),
        )
        for j in range(r.n_raters)
    ]


class Disagreement(NamedTuple):
    conflict_involvement: IntArray  # (K,) non-unanimous items on which label k was given
    two_vs_one_majority: IntArray  # (K,) 2-vs-1 items on which k had the two votes
    two_vs_one_minority: IntArray  # (K,) 2-vs-1 items on which k had the single vote


def disagreement_details(r: Ratings) -> Disagreement:
    """Which labels the disagreements are about (the EmoS paper's "disagreement details").

    Over the items with at least two ratings that are not unanimous: ``conflict_involvement[k]``
    counts the items on which someone gave ``k``. Over the items with exactly three ratings
    split two to one: ``two_vs_one_majority[k]`` counts those where ``k`` had two votes,
    ``two_vs_one_minority[k]`` those where it had one (the split is defined for three raters;
    items with more ratings are not 2-vs-1).
    """
    counts = r.counts()
    n_i = counts.sum(axis=1)
    disputed = (n_i >= 2) & (np.count_nonzero(counts, axis=1) > 1)
    two_one = (n_i == 3) & (counts.max(axis=1) == 2)
    return Disagreement(
        conflict_involvement=np.count_nonzero(counts[disputed], axis=0).astype(np.int64),
        two_vs_one_majority=(counts[two_one] == 2).sum(axis=0).astype(np.int64),
        two_vs_one_minority=(counts[two_one] == 1).sum(axis=0).astype(np.int64),
    )
