"""Categorical agreement: published worked examples, independent implementations on random
data (statsmodels, scikit-learn, NLTK, scipy, the krippendorff package's raw-data path), and
the defined answers for edge cases."""

import math
import warnings
from collections import Counter
from itertools import combinations

import krippendorff
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotation.agreement.categorical import (
    Ratings,
    agreement_ratios,
    annotator_stats,
    cohen_kappa_pairwise,
    confidence_tiers,
    confusion_matrix,
    disagreement_details,
    fleiss_kappa,
    krippendorff_alpha,
    majority,
    pairable_units,
)

PROPERTY = settings(deadline=None, max_examples=50)


@st.composite
def rating_matrices(draw, *, complete=False, max_items=25, max_raters=6, max_classes=5):
    """(items x raters matrix with -1 = missing, n_classes)."""
    n_classes = draw(st.integers(2, max_classes))
    shape = (draw(st.integers(1, max_items)), draw(st.integers(2, max_raters)))
    low = 0 if complete else -1
    matrix = draw(arrays(np.int64, shape, elements=st.integers(low, n_classes - 1)))
    return matrix, n_classes


def from_counts(counts: np.ndarray) -> Ratings:
    """Long format from an items x classes count table (rater ids assigned in order)."""
    items, labels = [], []
    for i, row in enumerate(counts):
        for k, c in enumerate(row):
            items += [i] * int(c)
            labels += [k] * int(c)
    items_a = np.array(items, dtype=np.int64)
    n_i = np.bincount(items_a, minlength=len(counts))
    raters = np.concatenate([np.arange(n) for n in n_i]).astype(np.int64)
    return Ratings(items_a, raters, np.array(labels), len(counts), int(n_i.max()), counts.shape[1])


def quietly(function, *args, **kwargs):
    """Call a reference implementation that warns (0/0) on undefined cases."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


EMPTY = Ratings(np.zeros(0), np.zeros(0), np.zeros(0), 0, 0, 7)
ALL_JOY = Ratings.from_matrix(np.full((5, 3), 1), n_classes=8)
ONE_RATER = Ratings.from_matrix(np.array([[0], [1], [2], [1]]), n_classes=3)


# --------------------------------------------------------------------------- Ratings


def test_ratings_from_matrix_and_counts():
    r = Ratings.from_matrix(np.array([[0, 1, -1], [2, 2, 2], [-1, -1, -1]]))
    assert (r.n_items, r.n_raters, r.n_classes) == (3, 3, 3)
    assert r.counts().tolist() == [[1, 1, 0], [0, 0, 3], [0, 0, 0]]
    assert r.n_ratings().tolist() == [2, 3, 0]
    float_matrix = Ratings.from_matrix(np.array([[0.0, np.nan], [1.0, 1.0]]), n_classes=4)
    assert float_matrix.counts().tolist() == [[1, 0, 0, 0], [0, 2, 0, 0]]


def test_ratings_validation():
    with pytest.raises(ValueError, match="rater 1 rated item 0 more than once"):
        Ratings(np.array([0, 0]), np.array([1, 1]), np.array([0, 1]), 1, 2, 2)
    with pytest.raises(ValueError, match="label value 3 is outside"):
        Ratings(np.array([0]), np.array([0]), np.array([3]), 1, 1, 3)
    with pytest.raises(ValueError, match="integer codes"):
        Ratings(np.array([0]), np.array([0]), np.array([0.5]), 1, 1, 3)
    with pytest.raises(ValueError, match="same length"):
        Ratings(np.array([0, 1]), np.array([0]), np.array([0]), 2, 1, 3)
    with pytest.raises(ValueError, match="non-integer"):
        Ratings.from_matrix(np.array([[0.5]]))
    with pytest.raises(ValueError, match="cannot infer n_classes"):
        Ratings.from_matrix(np.full((2, 2), -1))


# --------------------------------------------------------------------------- Fleiss


# Wikipedia, "Fleiss' kappa", worked example: 10 items, 14 raters, 5 categories.
WIKIPEDIA_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_fleiss_published_example():
    r = from_counts(WIKIPEDIA_FLEISS)
    assert r.counts().tolist() == WIKIPEDIA_FLEISS.tolist()
    assert round(fleiss_kappa(r), 3) == 0.210


@PROPERTY
@given(rating_matrices(complete=True))
def test_fleiss_equals_statsmodels(case):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    expected = quietly(sm_fleiss_kappa, r.counts(), method="fleiss")
    assert same(fleiss_kappa(r), float(expected))


def naive_fleiss(matrix: np.ndarray, n_classes: int) -> float:
    rows = [[v for v in row if v >= 0] for row in matrix]
    rows = [row for row in rows if len(row) >= 2]
    p_i = [
        (sum(c * c for c in Counter(row).values()) - len(row)) / (len(row) * (len(row) - 1))
        for row in rows
    ]
    everything = [v for row in rows for v in row]
    p_e = sum((everything.count(k) / len(everything)) ** 2 for k in range(n_classes))
    return (sum(p_i) / len(p_i) - p_e) / (1 - p_e)


@PROPERTY
@given(rating_matrices())
def test_fleiss_varying_raters_matches_documented_formula(case):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    pairable = r.counts()[r.n_ratings() >= 2]
    if len(pairable) == 0 or np.count_nonzero(pairable.sum(axis=0)) < 2:
        assert math.isnan(fleiss_kappa(r))
    else:
        assert math.isclose(fleiss_kappa(r), naive_fleiss(matrix, n_classes), abs_tol=1e-9)


def test_fleiss_edge_cases():
    assert math.isnan(fleiss_kappa(EMPTY))
    assert math.isnan(fleiss_kappa(ONE_RATER))  # no pairable item
    assert math.isnan(fleiss_kappa(ALL_JOY))  # P_e = 1: undefined
    perfect = Ratings.from_matrix(np.array([[0, 0, 0], [2, 2, 2], [1, 1, 1]]))
    assert fleiss_kappa(perfect) == 1.0
    # an item with a single rating is unpairable and changes nothing
    base = np.array([[0, 0, 1], [1, 1, 1], [2, 0, 2]])
    extra = np.vstack([base, [[2, -1, -1]]])
    assert fleiss_kappa(Ratings.from_matrix(extra)) == fleiss_kappa(Ratings.from_matrix(base))


# --------------------------------------------------------------------------- Cohen


def test_cohen_published_example():
    # Wikipedia, "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    result = cohen_kappa_pairwise(Ratings.from_matrix(np.array([a, b]).T))
    assert result.kappa == {(0, 1): pytest.approx(0.4)}
    assert result.n_common == {(0, 1): 50}
    assert result.mean == pytest.approx(0.4)


@PROPERTY
@given(rating_matrices(max_raters=5))
def test_cohen_equals_sklearn(case):
    matrix, n_classes = case
    result = cohen_kappa_pairwise(Ratings.from_matrix(matrix, n_classes=n_classes))
    expected = {}
    for a, b in combinations(range(matrix.shape[1]), 2):
        both = (matrix[:, a] >= 0) & (matrix[:, b] >= 0)
        if both.any():
            kappa = quietly(
                cohen_kappa_score, matrix[both, a], matrix[both, b], labels=range(n_classes)
            )
            expected[(a, b)] = float(kappa)
            assert result.n_common[(a, b)] == both.sum()
    assert result.kappa.keys() == expected.keys()
    for pair, kappa in expected.items():
        assert same(result.kappa[pair], kappa), pair
    defined = [k for k in expected.values() if not math.isnan(k)]
    assert same(result.mean, float(np.mean(defined)) if defined else math.nan)


def test_cohen_edge_cases():
    # raters 0 and 2 share no item: no entry; the constant pair is undefined and not averaged
    matrix = np.array([[1, 1, -1], [1, 1, -1], [-1, 0, 1], [-1, 1, 0]])
    result = cohen_kappa_pairwise(Ratings.from_matrix(matrix))
    assert set(result.kappa) == {(0, 1), (1, 2)}
    assert math.isnan(result.kappa[(0, 1)])
    assert result.kappa[(1, 2)] == -1.0
    assert result.mean == -1.0
    for r in (EMPTY, ONE_RATER):
        assert cohen_kappa_pairwise(r).kappa == {}
        assert math.isnan(cohen_kappa_pairwise(r).mean)
    assert math.isnan(cohen_kappa_pairwise(ALL_JOY).mean)


# --------------------------------------------------------------------------- Krippendorff

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# x 12 units, values 1-5, blanks missing (the matrix in the krippendorff package's docstring).
NA = -1
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
        [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
    ]
)


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_published_example(level, expected):
    codes = np.where(KRIPPENDORFF_2011 == NA, NA, KRIPPENDORFF_2011 - 1).T  # units x observers
    r = Ratings.from_matrix(codes, n_classes=5)
    assert round(krippendorff_alpha(r, level=level, values=[1, 2, 3, 4, 5]), 3) == expected
    if level != "ratio":  # codes 0..4 instead of 1..5 change only the ratio metric
        assert round(krippendorff_alpha(r, level=level), 3) == expected


@PROPERTY
@given(rating_matrices())
def test_krippendorff_nominal_equals_nltk(case):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    ours = krippendorff_alpha(r, level="nominal")
    pairable = r.counts()[r.n_ratings() >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        assert math.isnan(ours)  # NLTK says 1.0 here; we return "undefined"
        return
    triples = [(str(j), str(i), int(v)) for (i, j), v in np.ndenumerate(matrix) if v >= 0]
    assert math.isclose(ours, AnnotationTask(data=triples).alpha(), abs_tol=1e-9)


@PROPERTY
@given(rating_matrices(), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_krippendorff_equals_package_on_raw_data(case, level):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    values = np.arange(1, n_classes + 1)
    ours = krippendorff_alpha(r, level=level, values=values)
    reliability = np.where(matrix >= 0, matrix + 1.0, np.nan).T  # raters x items
    pairable = r.counts()[r.n_ratings() >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        assert math.isnan(ours)
    else:
        expected = krippendorff.alpha(reliability, value_domain=values, level_of_measurement=level)
        assert math.isclose(ours, expected, abs_tol=1e-12)


@PROPERTY
@given(
    arrays(np.int64, st.tuples(st.integers(1, 40), st.integers(2, 6)), elements=st.integers(0, 4)),
    st.integers(0, 2**32 - 1),
)
def test_pooling_unanimous_units_keeps_the_coincidence_matrix(counts, seed):
    """What the package computes alpha from, on units holding 0-4 values of each of 2-6
    values, a third of them made unanimous: the same coincidence matrix, fewer units."""
    rng = np.random.default_rng(seed)
    unanimous = rng.random(counts.shape[0]) < 0.35
    counts[unanimous] = 0
    counts[unanimous, rng.integers(0, counts.shape[1], unanimous.sum())] = rng.integers(
        1, 6, unanimous.sum()
    )
    pooled = pairable_units(counts)
    pairable = counts[counts.sum(axis=1) >= 2]
    assert pooled.shape[0] <= pairable.shape[0]
    if not pairable.size:
        assert not pooled.size
        return
    coincidences = krippendorff.krippendorff._coincidences
    assert coincidences(pooled) == pytest.approx(coincidences(pairable), rel=1e-12, abs=1e-12)


def test_krippendorff_edge_cases():
    for r in (EMPTY, ONE_RATER, ALL_JOY):
        for level in ("nominal", "ordinal", "interval", "ratio"):
            assert math.isnan(krippendorff_alpha(r, level=level))
    single_class = Ratings.from_matrix(np.zeros((3, 2), dtype=int), n_classes=1)
    assert math.isnan(krippendorff_alpha(single_class, level="nominal"))
    perfect = Ratings.from_matrix(np.array([[0, 0], [3, 3], [1, 1]]))
    assert krippendorff_alpha(perfect, level="interval") == 1.0
    with pytest.raises(TypeError):
        krippendorff_alpha(perfect)  # type: ignore[call-arg]  # the level is required
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(perfect, level="circular")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strictly increasing"):
        krippendorff_alpha(perfect, level="ratio", values=[1, 1, 2, 3])


# --------------------------------------------------------------------------- per item


@PROPERTY
@given(rating_matrices())
def test_majority_and_ratios_match_a_naive_loop(case):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    result = majority(r)
    tally = Counter()
    for i, row in enumerate(matrix):
        votes = Counter(int(v) for v in row if v >= 0)
        n = sum(votes.values())
        top = max(votes.values(), default=0)
        winners = [k for k, c in votes.items() if c == top]
        assert result.label[i] == (winners[0] if n and len(winners) == 1 else -1)
        assert same(float(result.share[i]), top / n if n else math.nan)
        assert result.n_distinct[i] == len(votes)
        assert result.unanimous[i] == (n >= 2 and len(votes) == 1)
        if n >= 2:
            tally["all_same" if top == n else "all_different" if top == 1 else "two_same"] += 1
    ratios = agreement_ratios(r)
    n = sum(tally.values())
    assert ratios["n_items"] == n
    for key in ("all_same", "two_same", "all_different"):
        assert ratios[key] == tally[key]
        assert same(ratios[f"{key}_ratio"], tally[key] / n if n else math.nan)


def test_ratios_and_majority_three_raters():
    r = Ratings.from_matrix(np.array([[1, 1, 1], [1, 1, 2], [0, 1, 2], [3, -1, -1], [0, 0, -1]]))
    ratios = agreement_ratios(r)
    assert (ratios["all_same"], ratios["two_same"], ratios["all_different"]) == (2, 1, 1)
    assert ratios["all_same_ratio"] == 0.5
    m = majority(r)
    assert m.label.tolist() == [1, 1, -1, 3, 0]
    assert m.unanimous.tolist() == [True, False, False, False, True]  # one rating is not unanimity
    empty = agreement_ratios(EMPTY)
    assert empty["n_items"] == 0 and math.isnan(empty["all_same_ratio"])
    no_ratings = majority(Ratings.from_matrix(np.full((2, 3), -1), n_classes=3))
    assert no_ratings.label.tolist() == [-1, -1] and np.isnan(no_ratings.share).all()


def test_confidence_tiers():
    tiers = confidence_tiers(
        np.array([0.95, 0.9, 0.85, 0.8, 0.79, np.nan, np.nan, 0.1]),
        np.array([False, False, False, False, False, False, True, True]),
    )
    assert tiers.tolist() == ["high", "high", "medium", "medium", "low", "low", "high", "high"]
    custom = confidence_tiers(np.array([0.7]), np.array([False]), high=0.75, medium=0.6)
    assert custom.tolist() == ["medium"]
    with pytest.raises(ValueError, match="shape"):
        confidence_tiers(np.zeros(2), np.zeros(3, dtype=bool))


# --------------------------------------------------------------------------- annotators


@PROPERTY
@given(st.data())
def test_confusion_matrix_equals_sklearn(data):
    k = data.draw(st.integers(1, 6))
    n = data.draw(st.integers(0, 40))
    truth = data.draw(arrays(np.int64, n, elements=st.integers(-1, k - 1)))
    predicted = data.draw(arrays(np.int64, n, elements=st.integers(-1, k - 1)))
    both = (truth >= 0) & (predicted >= 0)
    ours = confusion_matrix(truth, predicted, k)
    if not both.any():  # sklearn refuses empty input; ours is all zeros
        assert ours.tolist() == np.zeros((k, k), dtype=int).tolist()
        return
    expected = quietly(sk_confusion_matrix, truth[both], predicted[both], labels=range(k))
    assert ours.tolist() == expected.tolist()


def test_annotator_stats_worked_example():
    matrix = np.array([[0, 0, 1], [1, 1, 1], [2, 0, 2], [0, -1, 0]])
    r = Ratings.from_matrix(matrix, n_classes=4)
    reference = majority(r).label  # [0, 1, 2, 0]
    gold = np.array([0, 1, -1, 1])
    stats = annotator_stats(r, reference, gold)
    assert [s.rater for s in stats] == [0, 1, 2]
    first, second = stats[0], stats[1]
    assert (first.n_rated, first.n_compared, first.accuracy) == (4, 4, 1.0)
    assert (second.n_rated, second.accuracy) == (3, 2 / 3)
    assert second.confusion.tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert first.n_gold == 3
    assert first.kappa_gold == pytest.approx(cohen_kappa_score([0, 1, 0], [0, 1, 1]))
    assert first.label_counts.tolist() == [2, 1, 1, 0]
    assert first.label_proportions.tolist() == [0.5, 0.25, 0.25, 0.0]
    assert first.entropy_bits == pytest.approx(1.5)
    assert first.entropy_normalised == pytest.approx(0.75)


@PROPERTY
@given(rating_matrices(max_raters=4))
def test_annotator_stats_against_references(case):
    matrix, n_classes = case
    r = Ratings.from_matrix(matrix, n_classes=n_classes)
    reference = majority(r).label
    gold = np.where(np.arange(r.n_items) % 2 == 0, reference, -1)
    for s in annotator_stats(r, reference, gold):
        given_labels = matrix[:, s.rater]
        counts = np.bincount(given_labels[given_labels >= 0], minlength=n_classes)
        assert s.label_counts.tolist() == counts.tolist()
        if counts.sum():
            assert math.isclose(s.entropy_bits, scipy.stats.entropy(counts, base=2), abs_tol=1e-12)
            assert math.isclose(s.entropy_normalised * math.log2(n_classes), s.entropy_bits)
        else:
            assert math.isnan(s.entropy_bits) and np.isnan(s.label_proportions).all()
        with_gold = (given_labels >= 0) & (gold >= 0)
        assert s.n_gold == with_gold.sum()
        expected = (
            quietly(cohen_kappa_score, gold[with_gold], given_labels[with_gold])
            if with_gold.any()
            else math.nan
        )
        assert same(s.kappa_gold, float(expected))
        with_ref = (given_labels >= 0) & (reference >= 0)
        accuracy = (given_labels[with_ref] == reference[with_ref]).mean() if with_ref.any() else 0
        assert same(s.accuracy, float(accuracy) if with_ref.any() else math.nan)


def test_annotator_stats_edge_cases():
    # rater 1 never rated anything; no gold given; a single class
    r = Ratings(np.array([0, 1]), np.array([0, 0]), np.array([0, 0]), 2, 2, 1)
    stats = annotator_stats(r, np.array([0, -1]))
    assert stats[0].accuracy == 1.0 and stats[0].n_compared == 1
    assert stats[0].entropy_bits == 0.0 and math.isnan(stats[0].entropy_normalised)
    assert math.isnan(stats[0].kappa_gold) and stats[0].n_gold == 0
    assert stats[1].n_rated == 0 and math.isnan(stats[1].accuracy)
    assert math.isnan(stats[1].entropy_bits)
    with pytest.raises(ValueError, match="one label per item"):
        annotator_stats(r, np.array([0]))
    with pytest.raises(ValueError, match="reference value 5"):
        annotator_stats(r, np.array([5, 0]))


# --------------------------------------------------------------------------- scale


def test_everything_runs_vectorised_on_100k_items():
    rng = np.random.default_rng(7)
    n_items, n_raters, n_classes = 100_000, 40, 8
    truth = rng.integers(0, n_classes, n_items)
    raters = np.argsort(rng.random((n_items, n_raters)), axis=1)[:, :3].ravel()
    items = np.repeat(np.arange(n_items), 3)
    noise = rng.integers(0, n_classes, items.size)
    labels = np.where(rng.random(items.size) < 0.7, truth[items], noise)
    r = Ratings(items, raters, labels, n_items, n_raters, n_classes)

    ratios = agreement_ratios(r)
    assert ratios["n_items"] == n_items
    assert 0 < fleiss_kappa(r) < 1
    pairwise = cohen_kappa_pairwise(r)
    assert len(pairwise.kappa) == n_raters * (n_raters - 1) // 2
    assert 0 < krippendorff_alpha(r, level="nominal") < 1
    m = majority(r)
    tiers = confidence_tiers(m.share, m.unanimous)
    assert (tiers == "high").sum() == m.unanimous.sum()
    stats = annotator_stats(r, m.label, truth)
    assert len(stats) == n_raters
    assert all(0.5 < s.kappa_gold < 0.9 for s in stats)


@given(rating_matrices(max_raters=4))
def test_disagreement_details_match_a_counter_loop(case):
    matrix, n_classes = case
    details = disagreement_details(Ratings.from_matrix(matrix, n_classes=n_classes))
    conflict, majority_of, minority_of = Counter(), Counter(), Counter()
    for row in matrix:
        votes = Counter(int(v) for v in row if v >= 0)
        if sum(votes.values()) >= 2 and len(votes) > 1:
            conflict.update(votes.keys())
        if sorted(votes.values()) == [1, 2]:
            (two,) = [k for k, c in votes.items() if c == 2]
            (one,) = [k for k, c in votes.items() if c == 1]
            majority_of[two] += 1
            minority_of[one] += 1
    assert details.conflict_involvement.tolist() == [conflict[k] for k in range(n_classes)]
    assert details.two_vs_one_majority.tolist() == [majority_of[k] for k in range(n_classes)]
    assert details.two_vs_one_minority.tolist() == [minority_of[k] for k in range(n_classes)]
