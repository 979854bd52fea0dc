"""Live annotator quality: the Wilson interval, the incremental counts and the pause rule."""

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from annotation.agreement import dawid_skene
from annotation.agreement.categorical import Ratings
from annotation.quality.live import AnnotatorQuality, PauseRule, wilson_interval


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 1), (3, 10), (10, 10), (47, 50), (0, 200)])
def test_wilson_interval_matches_statsmodels(x: int, n: int) -> None:
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    interval = wilson_interval(x, n)
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


def test_wilson_interval_without_trials_is_everything() -> None:
    assert wilson_interval(0, 0) == wilson_interval(0, 0, 0.95)
    assert (wilson_interval(0, 0).low, wilson_interval(0, 0).high) == (0.0, 1.0)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(3, 2)


def test_answers_update_counts_entropy_and_speed() -> None:
    q = AnnotatorQuality.empty(4)
    assert math.isnan(q.accuracy) and math.isnan(q.entropy_bits) and math.isnan(q.median_seconds)
    q = q.with_answer(0, 5.0, control_answer=0).with_answer(1, 7.0, control_answer=2)
    q = q.with_answer(2, 100.0).with_answer(3, 6.0)
    assert (q.controls, q.controls_correct, q.answers) == (2, 1, 4)
    assert q.accuracy == 0.5
    assert q.entropy_bits == pytest.approx(2.0) and q.entropy_normalised == pytest.approx(1.0)
    assert q.median_seconds == 6.5  # a long pause does not move the median
    q = q.with_comparison(True).with_comparison(False).with_comparison(True)
    assert q.agreement == pytest.approx(2 / 3)


def test_speed_follows_the_latest_answers() -> None:
    q = AnnotatorQuality.empty(2)
    for _ in range(60):
        q = q.with_answer(0, 30.0)
    for _ in range(50):
        q = q.with_answer(0, 4.0)
    assert q.median_seconds == 4.0


def test_one_label_for_everything_has_zero_entropy() -> None:
    q = AnnotatorQuality.empty(7)
    for _ in range(20):
        q = q.with_answer(6, 1.0)
    assert q.entropy_bits == 0.0


def test_rejects_labels_outside_the_classes_and_bad_times() -> None:
    q = AnnotatorQuality.empty(3)
    with pytest.raises(ValueError, match="outside"):
        q.with_answer(3, 1.0)
    with pytest.raises(ValueError, match="seconds"):
        q.with_answer(0, math.nan)


def test_dawid_skene_confusion_and_expected_accuracy() -> None:
    # Rater 2 answers class 0 for everything: DS sees a confusion column of 0s.
    truth = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0] * 5)
    matrix = np.stack([truth, truth, np.zeros_like(truth)], axis=1)
    model = dawid_skene.fit(Ratings.from_matrix(matrix, n_classes=3))
    good = AnnotatorQuality.empty(3).with_model(model, 0)
    bad = AnnotatorQuality.empty(3).with_model(model, 2)
    assert good.ds_accuracy > 0.95
    assert bad.ds_accuracy == pytest.approx(model.priors[0], abs=0.02)
    assert bad.ds_confusion is not None and bad.ds_confusion[:, 0] == pytest.approx(1, abs=0.02)


def test_pause_rule_waits_for_the_minimum_number_of_controls() -> None:
    rule = PauseRule(floor=0.7, min_controls=10)
    q = AnnotatorQuality.empty(7)
    for _ in range(9):
        q = q.with_answer(1, 3.0, control_answer=0)
    assert rule.check(q) is None  # 0 of 9, but fewer than 10 controls
    pause = rule.check(q.with_answer(1, 3.0, control_answer=0))
    assert pause is not None and (pause.correct, pause.controls) == (0, 10)
    assert pause.text() == (
        "accuracy on control items 0% (0 of 10; 95% interval 0%–28%) is below the floor of 70%"
    )


def test_pause_rule_needs_the_whole_interval_below_the_floor() -> None:
    rule = PauseRule(floor=0.7, min_controls=10)
    q = AnnotatorQuality.empty(7)
    for correct in [True] * 5 + [False] * 5:  # 50 %: interval 24–76 % still reaches 70 %
        q = q.with_answer(0 if correct else 1, 3.0, control_answer=0)
    assert rule.check(q) is None
    for _ in range(10):  # 5 of 20: interval 11–47 %
        q = q.with_answer(1, 3.0, control_answer=0)
    assert rule.check(q) is not None


def test_below_floor_from_finds_the_longest_bad_run_at_the_end():
    from annotation.quality.live import below_floor_from

    assert below_floor_from([False] * 5, floor=0.7, min_controls=3) == 0
    good_then_bad = [True] * 10 + [False] * 8
    start = below_floor_from(good_then_bad, floor=0.7, min_controls=3)
    # Some good answers fit in the bad run, not all: the run starts among them, where one
    # more would lift the interval to the floor.
    assert start is not None and 0 < start < 10
    assert wilson_interval(10 - start, 18 - start).high < 0.7
    assert wilson_interval(10 - start + 1, 18 - start + 1).high >= 0.7
    assert below_floor_from([True] * 10, floor=0.7, min_controls=3) is None
    assert below_floor_from([False, False], floor=0.7, min_controls=3) is None  # too few
