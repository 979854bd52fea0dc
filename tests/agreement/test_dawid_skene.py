"""Dawid-Skene: recovery of known annotator confusion matrices from simulated data, label
permutation consistency, determinism, the single-item E-step, and edge cases."""

import math

import numpy as np
import pytest

from annotation.agreement.categorical import Ratings, majority
from annotation.agreement.dawid_skene import fit, posterior_for


def simulate(confusion, priors, n_items, per_item, seed):
    """Each item gets a true class from ``priors`` and ``per_item`` distinct random raters,
    each answering from their row of ``confusion`` (raters x K x K)."""
    rng = np.random.default_rng(seed)
    n_raters, k, _ = confusion.shape
    truth = rng.choice(k, size=n_items, p=priors)
    raters = np.argsort(rng.random((n_items, n_raters)), axis=1)[:, :per_item].ravel()
    items = np.repeat(np.arange(n_items), per_item)
    cumulative = confusion[raters, truth[items]].cumsum(axis=1)
    labels = (rng.random(items.size)[:, None] > cumulative).sum(axis=1)
    labels = np.minimum(labels, k - 1)
    return Ratings(items, raters, labels, n_items, n_raters, k), truth


def good(k, accuracy):
    off = (1 - accuracy) / (k - 1)
    return np.full((k, k), off) + np.eye(k) * (accuracy - off)


K = 4
PRIORS = np.array([0.35, 0.3, 0.2, 0.15])
TRUE_CONFUSION = np.stack(
    [
        good(K, 0.9),
        good(K, 0.9),
        good(K, 0.8),
        0.5 * np.eye(K)[[0, 0, 0, 0]] + 0.5 * good(K, 0.7),  # biased: half the time "class 0"
        0.85 * np.eye(K)[[1, 2, 3, 0]] + 0.15 * good(K, 0.25),  # adversarial: shifts classes
    ]
)


N_ITEMS = 40_000  # enough that sampling noise stays well inside the 0.03 tolerance


@pytest.fixture(scope="module")
def simulated():
    r, truth = simulate(TRUE_CONFUSION, PRIORS, n_items=N_ITEMS, per_item=3, seed=11)
    return r, truth, fit(r)


def test_recovers_known_confusion_matrices(simulated):
    r, truth, model = simulated
    assert model.converged and model.n_iter < 100
    assert np.allclose(model.confusion.sum(axis=2), 1.0)
    assert np.abs(model.confusion - TRUE_CONFUSION).max() < 0.03
    # closer still to what the simulated raters actually did
    empirical = np.zeros_like(TRUE_CONFUSION)
    np.add.at(empirical, (r.rater, truth[r.item], r.label), 1)
    empirical /= empirical.sum(axis=2, keepdims=True)
    assert np.abs(model.confusion - empirical).max() < 0.02
    assert np.abs(model.priors - PRIORS).max() < 0.02
    assert model.posterior.shape == (N_ITEMS, K)
    assert np.array_equal(model.labels, model.posterior.argmax(axis=1))
    assert np.array_equal(model.confidence, model.posterior.max(axis=1))
    assert math.isfinite(model.log_likelihood) and model.log_likelihood < 0


def test_beats_majority_vote(simulated):
    r, truth, model = simulated
    ds_accuracy = (model.labels == truth).mean()
    majority_accuracy = (majority(r).label == truth).mean()
    assert ds_accuracy >= majority_accuracy + 0.05
    assert ds_accuracy > 0.9
    # confidence is calibrated enough to be a routing signal
    confident = model.confidence >= 0.9
    assert (model.labels[confident] == truth[confident]).mean() > 0.95


def test_labels_follow_a_permutation_of_the_classes(simulated):
    r, _, model = simulated
    permutation = np.array([2, 0, 3, 1])  # class k is recoded as permutation[k]
    recoded = fit(Ratings(r.item, r.rater, permutation[r.label], r.n_items, r.n_raters, K))
    assert np.array_equal(recoded.labels, permutation[model.labels])
    inverse = np.argsort(permutation)
    assert np.allclose(recoded.posterior[:, permutation], model.posterior, atol=1e-9)
    assert np.allclose(recoded.priors[permutation], model.priors, atol=1e-9)
    assert np.allclose(recoded.confusion[:, permutation][:, :, permutation], model.confusion)
    assert inverse[permutation].tolist() == [0, 1, 2, 3]


def test_is_deterministic(simulated):
    r, _, model = simulated
    again = fit(r)
    assert np.array_equal(again.posterior, model.posterior)
    assert again.n_iter == model.n_iter


def test_posterior_for_a_new_item_is_one_e_step(simulated):
    r, _, model = simulated
    for item in (0, 1, 17):
        mine = r.item == item
        single = posterior_for(model, r.rater[mine], r.label[mine])
        assert np.allclose(single, model.posterior[item])
    assert np.allclose(posterior_for(model, [], []), model.priors)
    # a rater who joined after the fit is uninformative
    assert np.allclose(posterior_for(model, [99], [2]), model.priors)
    assert np.allclose(posterior_for(model, [0, 99], [2, 1]), posterior_for(model, [0], [2]))
    two_good_say_one = posterior_for(model, [0, 1], [1, 1])
    assert two_good_say_one.argmax() == 1 and two_good_say_one.max() > 0.95
    # the adversary's "2" means a true 1
    assert posterior_for(model, [4], [2]).argmax() == 1
    with pytest.raises(ValueError, match="at most once"):
        posterior_for(model, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="labels must be"):
        posterior_for(model, [0], [K])
    with pytest.raises(ValueError, match=">= 0"):
        posterior_for(model, [-1], [0])


def test_no_ratings_at_all():
    model = fit(Ratings(np.zeros(0), np.zeros(0), np.zeros(0), 3, 2, 4))
    assert model.n_iter == 0 and model.converged
    assert np.allclose(model.priors, 0.25) and np.allclose(model.confusion, 0.25)
    assert np.allclose(model.posterior, 0.25)
    assert model.labels.tolist() == [-1, -1, -1] and np.isnan(model.confidence).all()
    assert model.log_likelihood == 0.0


def test_items_without_ratings_get_the_priors():
    r = Ratings.from_matrix(np.array([[0, 0, 1], [-1, -1, -1], [1, 1, 1], [2, 2, 0]]))
    model = fit(r)
    assert np.allclose(model.posterior[1], model.priors)
    assert model.labels[1] == -1 and math.isnan(model.confidence[1])
    assert model.labels[[0, 2, 3]].tolist() == [0, 1, 2]


def test_one_rater_reproduces_their_labels():
    labels = np.array([0, 1, 2, 2, 1, 0, 3])
    model = fit(Ratings.from_matrix(labels[:, None], n_classes=4))
    assert model.labels.tolist() == labels.tolist()
    assert model.converged and (model.confidence > 0.9).all()


def test_all_items_unanimous():
    matrix = np.repeat(np.array([0, 1, 2, 1, 0, 2])[:, None], 3, axis=1)
    model = fit(Ratings.from_matrix(matrix))
    assert model.labels.tolist() == matrix[:, 0].tolist()
    assert (model.confidence > 0.99).all()
    assert np.allclose(np.diagonal(model.confusion, axis1=1, axis2=2), 1, atol=0.02)


def test_a_class_never_used_stays_finite():
    r, _ = simulate(np.stack([good(3, 0.8)] * 4), np.array([0.5, 0.3, 0.2]), 2_000, 3, 5)
    model = fit(Ratings(r.item, r.rater, r.label, r.n_items, r.n_raters, 4))
    assert np.isfinite(model.posterior).all() and np.isfinite(model.confusion).all()
    assert np.allclose(model.confusion.sum(axis=2), 1.0)
    assert model.priors[3] < 1e-3 and not (model.labels == 3).any()
    no_smoothing = fit(Ratings(r.item, r.rater, r.label, r.n_items, r.n_raters, 4), smoothing=0)
    assert np.isfinite(no_smoothing.posterior).all()
    assert np.allclose(no_smoothing.confusion.sum(axis=2), 1.0)
    assert no_smoothing.priors[3] < 1e-12 and not (no_smoothing.labels == 3).any()


def test_two_classes_and_one_class():
    confusion = np.stack([good(2, 0.85)] * 3 + [good(2, 0.6)])
    r, truth = simulate(confusion, np.array([0.7, 0.3]), 5_000, 3, 3)
    model = fit(r)
    assert model.converged
    assert (model.labels == truth).mean() >= (majority(r).label == truth).mean()
    single = fit(Ratings.from_matrix(np.zeros((4, 2), dtype=int), n_classes=1))
    assert single.labels.tolist() == [0, 0, 0, 0] and np.allclose(single.confidence, 1.0)


def test_iteration_limit_and_arguments():
    r, _ = simulate(TRUE_CONFUSION, PRIORS, 500, 3, 1)
    once = fit(r, max_iter=1)
    assert once.n_iter == 1 and not once.converged
    with pytest.raises(ValueError, match="init"):
        fit(r, init="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_iter"):
        fit(r, max_iter=0)
    with pytest.raises(ValueError, match="smoothing"):
        fit(r, smoothing=-1)


def test_fits_100k_items_by_3_raters():
    confusion = np.stack([good(8, a) for a in np.linspace(0.5, 0.95, 30)])
    r, truth = simulate(confusion, np.full(8, 1 / 8), 100_000, 3, 2)
    model = fit(r)
    assert model.posterior.shape == (100_000, 8) and model.converged
    assert (model.labels == truth).mean() > (majority(r).label == truth).mean()
