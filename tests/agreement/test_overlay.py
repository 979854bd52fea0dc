"""The adjudicator's overlay maths: binning, per-rater offsets, the compensated aggregate."""

import numpy as np
import pytest

from annotation.agreement.overlay import bin_means, rater_offsets, trace_overlay
from annotation.agreement.traces import ewe


def test_bin_means_ignore_gaps_and_pad_the_tail():
    x = np.array([[1.0, 3.0, np.nan, np.nan, 5.0], [0.0, 1.0, 2.0, 3.0, 4.0]])
    got = bin_means(x, 2)
    expected = [[2.0, np.nan, 5.0], [0.5, 2.5, 4.0]]
    np.testing.assert_array_equal(got, np.array(expected))
    assert bin_means(x, 1) is x


def test_offsets_are_least_squares_from_the_earliest_rater():
    offsets = np.array([0.0, 2.0, 3.5])
    pairwise = offsets[None, :] - offsets[:, None]  # L[a, b] = o_b - o_a
    noisy = pairwise + np.array([[0, 0.1, 0], [-0.1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(rater_offsets(pairwise), offsets)
    assert rater_offsets(noisy) == pytest.approx(offsets, abs=0.1)
    assert np.isnan(rater_offsets(np.full((2, 2), np.nan))).all()


def test_compensated_aggregate_realigns_lagging_raters():
    rate = 10.0
    t = np.arange(0, 90, 1 / rate)
    base = np.sin(t / 3) + 0.3 * np.sin(t * 1.7)
    traces = np.stack(
        [np.concatenate([np.full(k, np.nan), base[: len(base) - k]]) for k in (0, 15, 30)]
    )
    out = trace_overlay(traces, rate, max_points=len(t))
    assert out["lag_s"] == pytest.approx([0.0, 1.5, 3.0], abs=0.11)
    assert out["chosen_lag_s"] == pytest.approx(2.0, abs=0.1)
    assert out["ccc"]["lag_compensated_mean"] > 0.99 > out["ccc"]["pairwise_mean"]
    # compensated: every rater back on the earliest one's time line, so EWE == base there
    np.testing.assert_allclose(out["aggregate_compensated"][: len(t) - 30], base[: len(t) - 30])
    np.testing.assert_allclose(out["aggregate"], ewe(traces).gold)


def test_one_rater_is_its_own_aggregate():
    trace = np.linspace(-1, 1, 50)[None, :]
    out = trace_overlay(trace, 25.0, max_points=10)
    assert out["n_points"] == 10 and out["step_s"] == pytest.approx(5 / 25)
    assert out["lag_s"].tolist() == [0.0] and out["chosen_lag_s"] is None
    np.testing.assert_allclose(out["aggregate"], bin_means(trace[0], 5))
