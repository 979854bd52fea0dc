"""Agreement statistics for multi-label (set-valued) ratings, GoEmotions style.

A rating is a *set* of labels (27 emotions + neutral + "unsure" in our schema; "unsure" is an
ordinary label here -- drop its column beforehand if it should not count). Sets are stored
as a boolean matrix, one row per rating, in :class:`SetRatings`. Every function is
vectorised over all items at once: per-pair work uses bit-packed sets (``uint64`` words and
``np.bitwise_count``), per-item work uses ``reduceat`` over ratings sorted by item. Pure
numpy; no Django.

Conventions (shared with :mod:`annotation.agreement.categorical`):

* **Undefined is ``nan``**: a ratio over zero items/pairs, or a chance-corrected coefficient
  whose expected disagreement is zero (every pairable rating is the same set).
* **Unpairable ratings are excluded**: an item with fewer than two ratings says nothing about
  agreement and is left out of pair statistics, ratios and alpha.
* **Empty sets are ordinary sets**: two empty sets are identical, so their Jaccard similarity
  is 1 and their MASI distance 0 (NLTK's ``masi_distance`` divides by zero there); an empty
  set against a non-empty one has Jaccard 0 and MASI distance 1.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
WordArray = npt.NDArray[np.uint64]
NAN = float("nan")

# Elements per block (rows x distinct sets x words) of the pairwise work in alpha's D_e.
_BLOCK_ELEMENTS = 1 << 22
# Subsets of the distinct label sets enumerated at most for alpha-MASI's expected disagreement.
_SUBSETS = 1 << 20


def _as_int_vector(values: npt.ArrayLike, name: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _as_codes(values: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.generic]:
    array = np.asarray(values)
    return array.astype(np.int64) if array.size == 0 else array


@dataclass(frozen=True, eq=False)
class SetRatings:
    """Set-valued ratings in long format: rating ``t`` is the label set ``sets[t]`` (a boolean
    row over ``n_labels``) given by ``rater[t]`` to ``item[t]`` (``0 <= item < n_items``).

    Ratings are stored sorted by ``(item, rater)`` (the constructor reorders them), so the
    ratings of one item are contiguous. A rater rates an item at most once (``ValueError``
    otherwise). ``labels`` optionally names the columns.
    """

    sets: BoolArray
    item: IntArray
    rater: IntArray
    n_items: int
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        sets = np.asarray(self.sets)
        if sets.ndim != 2:
            raise ValueError(f"sets must be ratings x labels, got shape {sets.shape}")
        if sets.dtype != np.bool_:
            if not np.issubdtype(sets.dtype, np.integer):
                raise ValueError(f"sets must be boolean, got dtype {sets.dtype}")
            if np.any((sets != 0) & (sets != 1)):
                raise ValueError("sets must hold only 0/1 (or booleans)")
            sets = sets.astype(np.bool_)
        item = _as_int_vector(self.item, "item")
        rater = _as_int_vector(self.rater, "rater")
        if not sets.shape[0] == item.size == rater.size:
            raise ValueError(
                f"sets ({sets.shape[0]} rows), item ({item.size}) and rater ({rater.size}) "
                "must have the same length"
            )
        if self.n_items < 0:
            raise ValueError("n_items must be >= 0")
        if item.size and (item.min() < 0 or item.max() >= self.n_items):
            bad = item[(item < 0) | (item >= self.n_items)][0]
            raise ValueError(f"item value {bad} is outside [0, {self.n_items})")
        if self.labels and len(self.labels) != sets.shape[1]:
            raise ValueError(f"{len(self.labels)} label names for {sets.shape[1]} label columns")
        order = np.lexsort((rater, item))
        item, rater, sets = item[order], rater[order], sets[order]
        repeated = np.flatnonzero((item[1:] == item[:-1]) & (rater[1:] == rater[:-1]))
        if repeated.size:
            t = int(repeated[0])
            raise ValueError(f"rater {int(rater[t])} rated item {int(item[t])} more than once")
        for array in (item, rater, sets):
            array.flags.writeable = False
        object.__setattr__(self, "sets", sets)
        object.__setattr__(self, "item", item)
        object.__setattr__(self, "rater", rater)
        object.__setattr__(self, "labels", tuple(self.labels))

    @classmethod
    def from_lists(
        cls,
        items: Sequence[int] | npt.ArrayLike,
        raters: Sequence[int] | npt.ArrayLike,
        label_lists: Iterable[Iterable[str]],
        labels: Sequence[str],
        *,
        n_items: int | None = None,
    ) -> SetRatings:
        """Build from parallel lists: rating ``t`` gives the labels ``label_lists[t]`` (names
        from ``labels``; duplicates within a rating are ignored, an empty list is the empty
        set) to ``items[t]`` by ``raters[t]``. ``n_items`` defaults to ``max(items) + 1``.
        An unknown label name raises ``ValueError``."""
        index = {name: k for k, name in enumerate(labels)}
        if len(index) != len(labels):
            raise ValueError("labels must be distinct")
        item = _as_int_vector(_as_codes(items), "items")
        rater = _as_int_vector(_as_codes(raters), "raters")
        rows: list[int] = []
        cols: list[int] = []
        n_rows = 0
        for t, chosen in enumerate(label_lists):
            n_rows += 1
            for name in chosen:
                k = index.get(name)
                if k is None:
                    raise ValueError(f"rating {t}: unknown label {name!r}")
                rows.append(t)
                cols.append(k)
        sets = np.zeros((n_rows, len(labels)), dtype=np.bool_)
        sets[np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)] = True
        if n_items is None:
            n_items = int(item.max()) + 1 if item.size else 0
        return cls(sets, item, rater, n_items, tuple(labels))

    @property
    def n_ratings(self) -> int:
        return int(self.sets.shape[0])

    @property
    def n_labels(self) -> int:
        return int(self.sets.shape[1])

    def counts_per_item(self) -> IntArray:
        """Number of ratings per item ``n_i`` (``(n_items,)``)."""
        return np.bincount(self.item, minlength=self.n_items).astype(np.int64)


# ----------------------------------------------------------------------------- helpers


def _pack(sets: BoolArray) -> WordArray:
    """Bit-pack boolean rows into ``(n, ceil(L / 64))`` ``uint64`` words."""
    n, n_labels = sets.shape
    n_words = max(1, -(-n_labels // 64))
    packed = np.packbits(sets, axis=1, bitorder="little")
    padded = np.zeros((n, n_words * 8), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view("<u8").astype(np.uint64, copy=False)


def _popcount(words: WordArray) -> IntArray:
    """Number of set bits per row of packed words."""
    if words.shape[-1] == 1:
        return np.bitwise_count(words[..., 0]).astype(np.int64)
    counts: IntArray = np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    return counts


def _groups(sr: SetRatings) -> tuple[IntArray, IntArray, IntArray]:
    """Items that have ratings, the index of their first rating, and their number of
    ratings (ratings are sorted by item)."""
    if sr.n_ratings == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    starts = np.flatnonzero(np.r_[True, sr.item[1:] != sr.item[:-1]]).astype(np.int64)
    sizes = np.diff(np.r_[starts, sr.n_ratings]).astype(np.int64)
    return sr.item[starts], starts, sizes


def _pairs(sr: SetRatings) -> tuple[IntArray, IntArray]:
    """Indices ``(a, b)`` of every unordered pair of ratings of the same item, ``a < b``.
    Vectorised: each rating is repeated once per later rating of its item."""
    _, starts, sizes = _groups(sr)
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    size_of = np.repeat(sizes, sizes)
    rank = np.arange(sr.n_ratings, dtype=np.int64) - np.repeat(starts, sizes)
    later = size_of - rank - 1
    first = np.repeat(np.arange(sr.n_ratings, dtype=np.int64), later)
    offsets = np.arange(first.size, dtype=np.int64) - np.repeat(np.cumsum(later) - later, later)
    return first, first + 1 + offsets


def _masi_from_counts(inter: IntArray, size_a: IntArray, size_b: IntArray) -> FloatArray:
    """MASI distance from ``|A & B|``, ``|A|`` and ``|B|`` (NLTK's case order and arithmetic;
    ``d(empty, empty) = 0``)."""
    union = size_a + size_b - inter
    equal = (size_a == size_b) & (inter == size_a)
    subset = inter == np.minimum(size_a, size_b)
    m = np.where(equal, 1.0, np.where(subset, 2 / 3, np.where(inter > 0, 1 / 3, 0.0)))
    jaccard = np.divide(inter, union, out=np.ones(inter.shape), where=union > 0)
    return np.asarray(1 - jaccard * m, dtype=np.float64)


def _masi_words(a: WordArray, b: WordArray) -> FloatArray:
    """Row-wise (broadcasting) MASI distance of bit-packed sets."""
    inter = _popcount(a & b)
    return _masi_from_counts(inter, _popcount(a), _popcount(b))


def _set_ids(words: WordArray) -> tuple[IntArray, WordArray, IntArray]:
    """Id of each row's set among the distinct sets, the distinct sets, and their counts."""
    if words.shape[1] == 1:
        unique, inverse, counts = np.unique(words[:, 0], return_inverse=True, return_counts=True)
        return inverse.astype(np.int64), unique[:, None], counts.astype(np.int64)
    unique2, inverse2, counts2 = np.unique(words, axis=0, return_inverse=True, return_counts=True)
    return inverse2.reshape(-1).astype(np.int64), unique2, counts2.astype(np.int64)


# ----------------------------------------------------------------------------- Jaccard


@dataclass(frozen=True, eq=False)
class PairwiseJaccard:
    item: IntArray  # (n_pairs,) item of each within-item rater pair
    rater_a: IntArray  # (n_pairs,) rater_a < rater_b
    rater_b: IntArray
    jaccard: FloatArray  # (n_pairs,) |A & B| / |A | B|, 1.0 for two empty sets
    item_mean: FloatArray  # (n_items,) mean over the item's pairs; nan with < 2 ratings
    mean: float  # over all pairs; nan without pairs
    median: float  # over all pairs; nan without pairs


def pairwise_jaccard(sr: SetRatings) -> PairwiseJaccard:
    """Jaccard similarity ``J(A, B) = |A & B| / |A | B|`` (Jaccard, 1912, New Phytologist
    11(2):37-50) of every pair of ratings on the same item, with their mean and median.

    ``J(empty, empty) = 1`` (identical sets agree perfectly); ``J(empty, B) = 0`` for
    non-empty ``B``. Items with fewer than two ratings contribute no pair; ``mean``/``median``
    are ``nan`` without pairs, and ``item_mean`` is ``nan`` for such items.
    """
    a, b = _pairs(sr)
    words = _pack(sr.sets)
    inter = _popcount(words[a] & words[b])
    union = _popcount(words[a] | words[b])
    jaccard = np.divide(inter, union, out=np.ones(a.size), where=union > 0)
    items = sr.item[a]
    n_pairs = np.bincount(items, minlength=sr.n_items)
    total = np.bincount(items, weights=jaccard, minlength=sr.n_items)
    item_mean = np.full(sr.n_items, np.nan)
    np.divide(total, n_pairs, out=item_mean, where=n_pairs > 0)
    return PairwiseJaccard(
        item=items,
        rater_a=sr.rater[a],
        rater_b=sr.rater[b],
        jaccard=jaccard,
        item_mean=item_mean,
        mean=float(jaccard.mean()) if jaccard.size else NAN,
        median=float(np.median(jaccard)) if jaccard.size else NAN,
    )


# ----------------------------------------------------------------------------- match ratios


@dataclass(frozen=True, eq=False)
class MatchRatios:
    pairable: BoolArray  # (n_items,) item has >= 2 ratings (only those are judged)
    exact: BoolArray  # (n_items,) pairable and all its sets identical
    overlap: BoolArray  # (n_items,) pairable and (one label common to all sets, or all identical)
    n_pairable: int
    exact_match_ratio: float  # exact.sum() / n_pairable; nan if no pairable item
    overlap_ratio: float  # overlap.sum() / n_pairable; nan if no pairable item
    identical_set_ratio: float  # identical pairs / within-item pairs; nan without pairs


def match_ratios(sr: SetRatings) -> MatchRatios:
    """Per-item exact-match and overlap, and their shares over pairable items.

    * exact match: every rating of the item is the same set (``A_1 = ... = A_m``);
    * overlap: at least one label is shared by *all* the item's ratings
      (``A_1 & ... & A_m != {}``), or the sets are all identical -- so an item where everyone
      chose nothing overlaps, and ``exact <= overlap`` always. (This is stricter than "every
      pair shares a label" for three or more raters; for two raters they coincide.)
    * identical-set ratio: the share of within-item rater *pairs* whose two sets are
      identical (the pairwise counterpart of exact match; equals it with two raters).

    Ratios are over items with at least two ratings (``nan`` if there are none); see e.g.
    Demszky et al. (2020), GoEmotions, ACL, Sec. 3.3 for the agreement-by-overlap reading.
    """
    present, starts, sizes = _groups(sr)
    pairable = np.zeros(sr.n_items, dtype=np.bool_)
    exact = np.zeros(sr.n_items, dtype=np.bool_)
    overlap = np.zeros(sr.n_items, dtype=np.bool_)
    identical_pairs = NAN
    if starts.size:
        words = _pack(sr.sets)
        set_id, _, _ = _set_ids(words)
        same = np.minimum.reduceat(set_id, starts) == np.maximum.reduceat(set_id, starts)
        common = np.bitwise_and.reduceat(words, starts, axis=0)
        shared = np.any(common != 0, axis=1)
        multi = sizes >= 2
        pairable[present] = multi
        exact[present] = multi & same
        overlap[present] = multi & (same | shared)
        a, b = _pairs(sr)
        if a.size:
            identical_pairs = float(np.mean(set_id[a] == set_id[b]))
    n_pairable = int(pairable.sum())
    return MatchRatios(
        pairable=pairable,
        exact=exact,
        overlap=overlap,
        n_pairable=n_pairable,
        exact_match_ratio=float(exact.sum()) / n_pairable if n_pairable else NAN,
        overlap_ratio=float(overlap.sum()) / n_pairable if n_pairable else NAN,
        identical_set_ratio=identical_pairs,
    )


# ----------------------------------------------------------------------------- soft labels


def soft_labels(sr: SetRatings) -> FloatArray:
    """Soft label distribution per item: ``p_ik = n_ik / n_i`` where ``n_ik`` is the number of
    the item's ratings that contain label ``k`` and ``n_i`` its number of ratings (empty sets
    count in ``n_i``). Rows need not sum to one (a rating may hold several labels or none).
    Items without ratings get a row of zeros. Shape ``(n_items, n_labels)``."""
    n_labels = sr.n_labels
    rows, cols = np.nonzero(sr.sets)
    flat = np.bincount(sr.item[rows] * n_labels + cols, minlength=sr.n_items * n_labels)
    n_i = sr.counts_per_item()
    out = np.zeros((sr.n_items, n_labels), dtype=np.float64)
    np.divide(flat.reshape(sr.n_items, n_labels), n_i[:, None], out=out, where=n_i[:, None] > 0)
    return out


# ----------------------------------------------------------------------------- MASI


def masi_distance(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """MASI distance (Passonneau, 2006, "Measuring Agreement on Set-valued Items (MASI) for
    Semantic and Pragmatic Annotation", LREC): ``d = 1 - J * M`` with Jaccard
    ``J = |A & B| / |A | B|`` and monotonicity ``M = 1`` if ``A = B``, ``2/3`` if one is a
    subset of the other, ``1/3`` if they intersect otherwise, ``0`` if disjoint.

    Identical to ``nltk.metrics.distance.masi_distance`` (same case order: an empty set is a
    subset of anything, so ``d(empty, B) = 1``), except that ``d(empty, empty) = 0`` -- equal
    sets are at distance zero -- where NLTK raises ``ZeroDivisionError``.
    """
    set_a, set_b = frozenset(a), frozenset(b)
    inter = len(set_a & set_b)
    d = _masi_from_counts(
        np.array([inter], dtype=np.int64),
        np.array([len(set_a)], dtype=np.int64),
        np.array([len(set_b)], dtype=np.int64),
    )
    return float(d[0])


def masi_distances(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Row-wise :func:`masi_distance` of two boolean ``(n, n_labels)`` matrices (or rows
    broadcasting against each other)."""
    set_a = np.asarray(a, dtype=np.bool_)
    set_b = np.asarray(b, dtype=np.bool_)
    if set_a.shape[-1] != set_b.shape[-1]:
        raise ValueError(f"label dimensions differ: {set_a.shape[-1]} vs {set_b.shape[-1]}")
    inter = np.count_nonzero(set_a & set_b, axis=-1).astype(np.int64)
    size_a = np.count_nonzero(set_a, axis=-1).astype(np.int64)
    size_b = np.count_nonzero(set_b, axis=-1).astype(np.int64)
    size_a, size_b, inter = np.broadcast_arrays(size_a, size_b, inter)
    return _masi_from_counts(inter, size_a, size_b)


def _expected_pairwise(distinct: WordArray, weights: IntArray) -> float:
    """``sum_{c,k} w_c w_k d(S_c, S_k)`` over every pair of the distinct sets, in row blocks.
    MASI depends only on (|S_c|, |S_k|, |S_c & S_k|), so the weights are histogrammed by
    that triple and the distance is evaluated once per triple."""
    n_sets = distinct.shape[0]
    weight = weights.astype(np.float64)
    sizes_c = _popcount(distinct)
    base = int(sizes_c.max()) + 1
    histogram = base**3 <= _BLOCK_ELEMENTS
    hist = np.zeros(base**3 if histogram else 0, dtype=np.float64)
    total = 0.0
    block = max(1, _BLOCK_ELEMENTS // max(1, n_sets * distinct.shape[1]))
    for lo in range(0, n_sets, block):
        hi = min(n_sets, lo + block)
        inter = _popcount(distinct[lo:hi, None, :] & distinct[None, :, :])
        pair_weight = weight[lo:hi, None] * weight[None, :]
        if histogram:
            key = (sizes_c[lo:hi, None] * base + sizes_c[None, :]) * base + inter
            hist += np.bincount(key.ravel(), weights=pair_weight.ravel(), minlength=base**3)
        else:  # sets of hundreds of labels: evaluate the block directly
            d = _masi_from_counts(inter, sizes_c[lo:hi, None], sizes_c[None, :])
            total += float(np.sum(pair_weight * d))
    if histogram:
        used = np.flatnonzero(hist)
        size_a, rest = np.divmod(used, base * base)
        size_b, inter_used = np.divmod(rest, base)
        total = float(hist[used] @ _masi_from_counts(inter_used, size_a, size_b))
    return total


def _expected_by_subsets(distinct: WordArray, weights: IntArray, n_labels: int) -> float | None:
    """The same sum without visiting pairs of sets (``S^2`` of them; 50 million for 100,000
    GoEmotions-like items x 3 raters), from shared subsets: for sizes ``a``, ``b`` and each
    ``j``, ``F_ab(j) = sum w_c w_k C(|S_c & S_k|, j)`` over pairs of a size-a and a size-b set
    equals ``sum_T N_a(T) N_b(T)`` over the j-label sets ``T``, where ``N_a(T)`` is the weight
    of the size-a sets containing ``T``; the histogram of intersection sizes follows by
    binomial inversion, ``h(i) = sum_j (-1)^(j-i) C(j, i) F(j)``. Exact integer counts.
    ``None`` when the sets have too many subsets to enumerate (``_SUBSETS``)."""
    sizes = _popcount(distinct)
    if sum(2 ** int(k) for k in sizes) > _SUBSETS:
        return None
    members = np.unpackbits(
        np.ascontiguousarray(distinct).view(np.uint8), axis=1, bitorder="little"
    )[:, :n_labels].astype(bool)
    size_values = np.unique(sizes).tolist()
    groups = [np.flatnonzero(sizes == k) for k in size_values]
    labels_of = [
        np.nonzero(members[g])[1].reshape(g.size, k)
        for g, k in zip(groups, size_values, strict=True)
    ]
    group_weight = np.array([int(weights[g].sum()) for g in groups], dtype=np.int64)
    moments = [np.outer(group_weight, group_weight)]  # F(0): every pair
    for j in range(1, max(size_values) + 1):
        keys, owner, weight = [], [], []
        for g, (rows, k, labels) in enumerate(zip(groups, size_values, labels_of, strict=True)):
            for chosen in combinations(range(k), j):
                subset = np.zeros((rows.size, n_labels), dtype=bool)
                subset[np.arange(rows.size)[:, None], labels[:, chosen]] = True
                keys.append(_pack(subset))
                owner.append(np.full(rows.size, g))
                weight.append(weights[rows])
        ids, distinct_subsets, _ = _set_ids(np.concatenate(keys))
        n_subsets = distinct_subsets.shape[0]
        per_group = np.bincount(
            np.concatenate(owner) * n_subsets + ids,
            weights=np.concatenate(weight),
            minlength=len(groups) * n_subsets,
        )
        containing = np.rint(per_group).astype(np.int64).reshape(len(groups), n_subsets)
        moments.append(containing @ containing.T)
    total = 0.0
    for ga, a in enumerate(size_values):
        for gb, b in enumerate(size_values):
            top = min(a, b)
            f = [int(moments[j][ga, gb]) for j in range(top + 1)]
            hist = [
                sum((-1) ** (j - i) * math.comb(j, i) * f[j] for j in range(i, top + 1))
                for i in range(top + 1)
            ]
            shared = np.arange(top + 1)
            distance = _masi_from_counts(shared, np.full_like(shared, a), np.full_like(shared, b))
            total += float(np.dot(np.array(hist, dtype=np.float64), distance))
    return total


def krippendorff_alpha_masi(sr: SetRatings) -> float:
    """Krippendorff's alpha with the MASI set distance (Krippendorff, 2011, "Computing
    Krippendorff's Alpha-Reliability"; Passonneau, 2006).

    ``alpha = 1 - D_o / D_e`` over pairable items ``u`` (``m_u >= 2`` ratings, ``n`` ratings
    in all): ``D_o = (1/n) sum_u sum_{i != j in u} d(A_ui, A_uj) / (m_u - 1)`` and
    ``D_e = sum_{c,k} n_c n_k d(S_c, S_k) / (n (n - 1))`` over the distinct sets ``S_c``
    (``n_c`` pairable ratings each); ``d`` is :func:`masi_distance`. This equals
    ``nltk.metrics.agreement.AnnotationTask(data, distance=masi_distance).alpha()``.

    Vectorised by grouping identical sets: ``D_o`` over all within-item pairs at once,
    ``D_e`` over the ``S x S`` distinct-set matrix in row blocks (``O(S^2)`` popcounts for
    ``S`` distinct sets -- about 3,000 for 100,000 GoEmotions-like items x 3 raters, ~0.3 s).

    Undefined (``nan``): no pairable item, or a single distinct set among pairable ratings
    (``D_e = 0``; NLTK returns 1.0 there, we follow the categorical module and
    Krippendorff).
    """
    _, _, sizes = _groups(sr)
    keep_item = sizes >= 2
    if not np.any(keep_item):
        return NAN
    keep = np.repeat(keep_item, sizes)
    sub = SetRatings(sr.sets[keep], sr.item[keep], sr.rater[keep], sr.n_items)
    words = _pack(sub.sets)
    _, distinct, n_c = _set_ids(words)
    if distinct.shape[0] < 2:
        return NAN
    n = float(sub.n_ratings)
    # observed: each unordered pair counted twice, weighted by 1 / (m_u - 1)
    a, b = _pairs(sub)
    _, _, sub_sizes = _groups(sub)
    m_u = np.repeat(sub_sizes, sub_sizes)[a]
    d_o = float(np.sum(2.0 * _masi_words(words[a], words[b]) / (m_u - 1))) / n
    # expected: sum_{c,k} n_c n_k d_ck over the distinct-set pairs
    weights = n_c.astype(np.int64)
    total = _expected_by_subsets(distinct, weights, sub.n_labels)
    if total is None:  # sets too large to enumerate their subsets
        total = _expected_pairwise(distinct, weights)
    d_e = total / (n * (n - 1))
    if d_e <= 0:
        return NAN
    alpha = 1.0 - d_o / d_e
    return alpha if math.isfinite(alpha) else NAN


# ----------------------------------------------------------------------------- per rater


@dataclass(frozen=True, eq=False)
class RaterPairSets:
    rater_a: int  # rater_a < rater_b
    rater_b: int
    n_items: int  # items both rated
    jaccard_mean: float  # nan if no shared item
    jaccard_median: float
    overlap_ratio: float  # share of shared items whose two sets intersect or are identical
    exact_match_ratio: float  # share of shared items whose two sets are identical


def rater_pair_sets(sr: SetRatings) -> list[RaterPairSets]:
    """Set agreement of every rater pair with a shared item, on the items both rated (the
    per-pair figures of the EmoS GoEmotions summary). Conventions of :func:`pairwise_jaccard`
    and :func:`match_ratios`: two empty sets are identical (Jaccard 1, overlapping)."""
    a, b = _pairs(sr)
    words = _pack(sr.sets)
    inter = _popcount(words[a] & words[b])
    union = _popcount(words[a] | words[b])
    jaccard = np.divide(inter, union, out=np.ones(a.size), where=union > 0)
    identical = inter == union
    overlap = (inter > 0) | identical
    # One pass over all pairs: sorted by rater pair, then Jaccard (for the medians).
    width = int(sr.rater.max(initial=0)) + 1
    keys = sr.rater[a] * width + sr.rater[b]
    order = np.lexsort((jaccard, keys))
    keys, jaccard = keys[order], jaccard[order]
    pair_keys, starts, n = np.unique(keys, return_index=True, return_counts=True)
    if not pair_keys.size:
        return []
    means = np.add.reduceat(jaccard, starts) / n
    medians = (jaccard[starts + (n - 1) // 2] + jaccard[starts + n // 2]) / 2
    overlaps = np.add.reduceat(overlap[order].astype(np.int64), starts) / n
    identicals = np.add.reduceat(identical[order].astype(np.int64), starts) / n
    return [
        RaterPairSets(
            rater_a=key // width,
            rater_b=key % width,
            n_items=count,
            jaccard_mean=mean,
            jaccard_median=median,
            overlap_ratio=overlap_ratio,
            exact_match_ratio=exact,
        )
        for key, count, mean, median, overlap_ratio, exact in zip(
            pair_keys.tolist(),
            n.tolist(),
            means.tolist(),
            medians.tolist(),
            overlaps.tolist(),
            identicals.tolist(),
            strict=True,
        )
    ]


@dataclass(frozen=True, eq=False)
class RaterSets:
    rater: int
    n_rated: int
    label_counts: IntArray  # (n_labels,) ratings containing each label
    label_shares: FloatArray  # label_counts / all labels the rater chose; nan if none
    mean_labels: float  # labels per rating; nan if nothing rated
    size_histogram: dict[int, int]  # set size -> ratings of that size (sizes that occur)


def rater_sets(sr: SetRatings) -> list[RaterSets]:
    """Per rater: how often each label was chosen (as a share of all the labels the rater
    chose, as EmoS reports it), the mean set size and the histogram of set sizes."""
    sizes = sr.sets.sum(axis=1)
    out = []
    for rater in np.unique(sr.rater):
        mine = sr.rater == rater
        counts = sr.sets[mine].sum(axis=0).astype(np.int64)
        total = counts.sum()
        shares = counts / total if total else np.full(sr.n_labels, np.nan)
        values, freq = np.unique(sizes[mine], return_counts=True)
        out.append(
            RaterSets(
                rater=int(rater),
                n_rated=int(mine.sum()),
                label_counts=counts,
                label_shares=shares,
                mean_labels=float(sizes[mine].mean()),
                size_histogram=dict(zip(values.tolist(), freq.tolist(), strict=True)),
            )
        )
    return out


def union_size_histogram(sr: SetRatings) -> dict[int, int]:
    """Size of the union of each pairable item's sets -> number of items (how many distinct
    labels the raters used together)."""
    _, starts, sizes = _groups(sr)
    if not starts.size:
        return {}
    union = np.bitwise_or.reduceat(_pack(sr.sets), starts, axis=0)
    values, freq = np.unique(_popcount(union)[sizes >= 2], return_counts=True)
    return dict(zip(values.tolist(), freq.tolist(), strict=True))
