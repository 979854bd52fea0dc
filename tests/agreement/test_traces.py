"""Trace agreement: checked against pingouin (ICC, Cronbach), scipy (Pearson, for Lin's
CCC = r * C_b identity), the krippendorff package on raw reliability data, straightforward
loops, Shrout & Fleiss (1979) Table 2, and synthetic traces with a known lag / CCC."""

import math

import krippendorff
import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr

from annotation.agreement.traces import (
    TraceFigures,
    ccc,
    ccc_batch,
    ccc_matrix,
    ccc_rater_vs_rest,
    cronbach_alpha,
    cronbach_alpha_batch,
    ewe,
    icc,
    icc_batch,
    krippendorff_alpha_binned,
    krippendorff_alpha_binned_batch,
    lag_compensated_ccc,
    lag_grid,
    lag_search,
    lag_search_batch,
    resample,
    shift_earlier,
    trace_figures,
)

# pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")

seeds = st.integers(0, 2**32 - 1)
ICC_KEYS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def ccc_loop(x: np.ndarray, y: np.ndarray) -> float:
    """Lin (1989) over the pairwise-complete samples, written out."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if np.isfinite(a) and np.isfinite(b)]
    if len(pairs) < 2:
        return math.nan
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    mx, my = a.mean(), b.mean()
    sxy = np.mean((a - mx) * (b - my))
    den = np.mean((a - mx) ** 2) + np.mean((b - my) ** 2) + (mx - my) ** 2
    return 1.0 if den == 0 else 2 * sxy / den


def smooth_signal(rng: np.random.Generator, n: int, width: float = 40.0) -> np.ndarray:
    """A smooth random trace in about [-0.8, 0.8] (Gaussian-filtered white noise)."""
    if n == 0:
        return np.zeros(0)
    half = int(4 * width)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / width) ** 2)
    noise = rng.normal(size=n + 2 * half)
    signal = np.convolve(noise, kernel / kernel.sum(), mode="valid")
    return 0.8 * signal / np.abs(signal).max()


def random_traces(
    rng: np.random.Generator, raters: int, samples: int, nan_share: float = 0.0
) -> np.ndarray:
    """Correlated raters: shared signal + rater offset + noise; optional random NaN holes."""
    common = rng.normal(size=samples)
    traces = (
        common[None, :] * rng.uniform(0.2, 1.5)
        + rng.normal(size=(raters, 1)) * rng.uniform(0, 1)
        + rng.normal(size=(raters, samples)) * rng.uniform(0.2, 1.5)
    )
    if nan_share:
        traces[rng.random(traces.shape) < nan_share] = np.nan
    return traces


def long_format(traces: np.ndarray) -> pd.DataFrame:
    raters, samples = traces.shape
    return pd.DataFrame(
        {
            "target": np.tile(np.arange(samples), raters),
            "rater": np.repeat(np.arange(raters), samples),
            "rating": traces.reshape(-1),
        }
    )


# ----------------------------------------------------------------------------- resample


def test_resample_interpolates_linearly_and_is_nan_outside_the_span() -> None:
    grid = [0.5, 1.0, 1.5, 2.5, 3.0, 3.5]
    out = resample([1.0, 2.0, 3.0], [0.0, 1.0, -1.0], grid, max_gap=1.0)
    assert out[1:5].tolist() == [0.0, 0.5, 0.0, -1.0]
    assert math.isnan(out[0]) and math.isnan(out[5])


def test_resample_leaves_long_gaps_empty() -> None:
    times = [0.0, 0.04, 0.08, 1.08, 1.12]  # a 1 s hole after 0.08
    values = [0.0, 0.1, 0.2, 0.6, 0.7]
    grid = [0.0, 0.06, 0.08, 0.5, 1.08, 1.1]
    out = resample(times, values, grid, max_gap=0.5)
    assert out[[0, 1, 2, 4, 5]] == pytest.approx([0.0, 0.15, 0.2, 0.6, 0.65])
    assert math.isnan(out[3])  # inside the hole
    assert resample(times, values, grid, max_gap=None)[3] == pytest.approx(0.2 + 0.4 * 0.42)


def test_resample_drops_missing_values_and_handles_tiny_inputs() -> None:
    out = resample([0.0, 1.0, 2.0], [0.0, np.nan, 1.0], [1.0], max_gap=1.5)
    assert math.isnan(out[0])  # the NaN opened a 2 s gap
    assert resample([0.0, 1.0, 2.0], [0.0, np.nan, 1.0], [1.0], max_gap=2.5)[0] == 0.5
    assert np.isnan(resample([], [], [0.0, 1.0])).all()
    single = resample([1.0], [0.3], [0.0, 1.0, 2.0])
    assert math.isnan(single[0]) and single[1] == 0.3 and math.isnan(single[2])


@pytest.mark.parametrize(
    ("times", "values", "message"),
    [
        ([0.0, 1.0], [0.0], "same length"),
        ([0.0, 0.0], [0.0, 1.0], "strictly increasing"),
        ([1.0, 0.0], [0.0, 1.0], "strictly increasing"),
        ([0.0, np.nan], [0.0, 1.0], "finite"),
    ],
)
def test_resample_rejects_bad_input(times: list, values: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resample(times, values, [0.0])


# ----------------------------------------------------------------------------- CCC


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(3, 200))
def test_ccc_equals_pearson_times_bias_correction(seed: int, n: int) -> None:
    """Lin (1989): rho_c = r * C_b, C_b = 2 / (v + 1/v + u^2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(rng.normal(), rng.uniform(0.1, 3), size=n)
    y = 0.7 * x + rng.normal(rng.normal(), rng.uniform(0.1, 3), size=n)
    r = pearsonr(x, y)[0]
    sx, sy = x.std(), y.std()
    v = sx / sy
    u = (x.mean() - y.mean()) / math.sqrt(sx * sy)
    assert ccc(x, y) == pytest.approx(r * 2 / (v + 1 / v + u * u), abs=1e-10)


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(0, 60), st.floats(0, 0.6))
def test_ccc_with_gaps_matches_a_loop(seed: int, n: int, nan_share: float) -> None:
    rng = np.random.default_rng(seed)
    x, y = random_traces(rng, 2, n, nan_share)
    expected = ccc_loop(x, y)
    got = ccc(x, y)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected, abs=1e-9)


def test_ccc_known_population_value_is_recovered() -> None:
    """y = a x + b + e with x ~ N(mu, s^2), e ~ N(0, t^2):
    rho_c = 2 a s^2 / (s^2 + a^2 s^2 + t^2 + (mu - a mu - b)^2)."""
    rng = np.random.default_rng(11)
    a, b, mu, s, t = 0.8, 0.1, 0.2, 0.3, 0.15
    x = rng.normal(mu, s, size=400_000)
    y = a * x + b + rng.normal(0, t, size=x.size)
    expected = 2 * a * s**2 / (s**2 + a**2 * s**2 + t**2 + (mu - a * mu - b) ** 2)
    assert ccc(x, y) == pytest.approx(expected, abs=0.005)


def test_ccc_edge_cases() -> None:
    moving = np.linspace(-1, 1, 50)
    assert ccc(moving, moving) == 1.0
    assert ccc(-moving, moving) == pytest.approx(-1.0)
    assert ccc(np.full(50, 0.1), np.full(50, 0.1)) == 1.0  # identical constants
    assert ccc(np.full(50, 0.1), np.full(50, 0.3)) == 0.0  # different constants
    assert ccc(np.full(50, 0.1), moving) == 0.0  # constant vs moving
    assert math.isnan(ccc([np.nan, 1.0, 2.0], [1.0, np.nan, 2.0]))  # one common sample
    assert math.isnan(ccc(np.full(5, np.nan), np.full(5, np.nan)))
    assert math.isnan(ccc([], []))
    with pytest.raises(ValueError, match="different lengths"):
        ccc([1.0, 2.0, 3.0], [1.0, 2.0])


def test_ccc_batch_broadcasts() -> None:
    rng = np.random.default_rng(3)
    traces = rng.normal(size=(4, 3, 30))
    reference = traces.mean(axis=1, keepdims=True)
    got = ccc_batch(traces, reference)
    assert got.shape == (4, 3)
    expected = [[ccc_loop(traces[c, r], reference[c, 0]) for r in range(3)] for c in range(4)]
    assert got == pytest.approx(np.array(expected))
    with pytest.raises(ValueError, match="different lengths"):
        ccc_batch(np.zeros((2, 5)), np.zeros((2, 6)))


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(1, 5), st.integers(0, 40), st.floats(0, 0.5))
def test_ccc_matrix_matches_pairwise_loop(seed: int, raters: int, n: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    traces = random_traces(rng, raters, n, share)
    if raters > 1 and n > 3:
        traces[-1] = traces[0]  # an exact duplicate rater
    got = ccc_matrix(traces)
    assert got.shape == (raters, raters)
    for a in range(raters):
        for b in range(raters):
            expected = ccc_loop(traces[a], traces[b])
            if math.isnan(expected):
                assert math.isnan(got[a, b])
            else:
                assert got[a, b] == pytest.approx(expected, abs=1e-9)
    assert np.array_equal(got, got.T, equal_nan=True)


def test_ccc_matrix_batches_and_rejects_ragged_input() -> None:
    rng = np.random.default_rng(5)
    stack = rng.normal(size=(2, 3, 4, 25))
    got = ccc_matrix(stack)
    assert got.shape == (2, 3, 4, 4)
    assert got[1, 2] == pytest.approx(ccc_matrix(stack[1, 2]))
    with pytest.raises(ValueError, match=r"different lengths \[3, 4\]"):
        ccc_matrix([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4]])
    with pytest.raises(ValueError, match="n_raters, n_samples"):
        ccc_matrix([0.1, 0.2])


def test_ccc_matrix_constant_traces() -> None:
    traces = np.array([[0.2] * 10, [0.2] * 10, [0.5] * 10, np.linspace(0, 1, 10)])
    got = ccc_matrix(traces)
    assert got[0, 1] == 1.0 and got[0, 2] == 0.0 and got[0, 3] == 0.0
    assert np.diag(got).tolist() == [1.0] * 4


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(1, 5), st.integers(0, 40), st.floats(0, 0.5))
def test_rater_vs_rest_matches_a_loop(seed: int, raters: int, n: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    traces = random_traces(rng, raters, n, share)
    got = ccc_rater_vs_rest(traces)
    for r in range(raters):
        others = np.delete(traces, r, axis=0)
        rest = np.full(n, np.nan)
        for t in range(n):
            present = others[:, t][np.isfinite(others[:, t])]
            if present.size:
                rest[t] = present.mean()
        expected = ccc_loop(traces[r], rest)
        if math.isnan(expected):
            assert math.isnan(got[r])
        else:
            assert got[r] == pytest.approx(expected, abs=1e-9)


def test_rater_vs_rest_single_rater_and_identical_constants() -> None:
    assert np.isnan(ccc_rater_vs_rest(np.ones((1, 20)))).all()
    assert ccc_rater_vs_rest(np.full((4, 20), 0.1)).tolist() == [1.0] * 4


# ----------------------------------------------------------------------------- ICC


def test_icc_shrout_fleiss_table_2() -> None:
    """Shrout & Fleiss (1979), Table 2 data (6 targets x 4 judges) and Table 4 values."""
    targets_by_judges = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    got = icc(targets_by_judges.T)
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62}
    for key, value in published.items():
        assert round(got[key], 2) == value, key
    assert round(got["ICC3k"], 2) == 0.91


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(2, 6), st.integers(8, 40), st.booleans())
def test_icc_matches_pingouin(seed: int, raters: int, n: int, holes: bool) -> None:
    rng = np.random.default_rng(seed)
    traces = random_traces(rng, raters, n)
    if holes:  # listwise deletion like pingouin's nan_policy="omit" (it needs >= 5 targets)
        traces[rng.integers(raters, size=n // 3), rng.choice(n, size=n // 3, replace=False)] = (
            np.nan
        )
    table = pg.intraclass_corr(
        long_format(traces), targets="target", raters="rater", ratings="rating", nan_policy="omit"
    )
    expected = table["ICC"].to_numpy()  # ICC1, ICC2 (A,1), ICC3 (C,1), ICC1k, ICC2k, ICC3k
    got = icc(traces)
    assert [got[k] for k in ICC_KEYS] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_icc_batch_matches_single() -> None:
    rng = np.random.default_rng(9)
    stack = np.stack([random_traces(rng, 3, 50, 0.05) for _ in range(6)]).reshape(2, 3, 3, 50)
    got = icc_batch(stack)
    for key in ICC_KEYS:
        assert got[key].shape == (2, 3)
        assert got[key][1, 2] == pytest.approx(icc(stack[1, 2])[key])


def test_icc_edge_cases() -> None:
    one_rater = icc(np.linspace(0, 1, 10)[None, :])
    assert all(math.isnan(one_rater[k]) for k in ICC_KEYS)
    same_constant = icc(np.full((3, 10), 0.4))
    assert all(math.isnan(same_constant[k]) for k in ICC_KEYS)
    too_short = icc(np.array([[0.1, np.nan], [0.2, 0.3]]))  # one complete sample
    assert all(math.isnan(too_short[k]) for k in ICC_KEYS)
    perfect = icc(np.tile(np.linspace(-1, 1, 20), (3, 1)))
    assert [perfect[k] for k in ICC_KEYS] == pytest.approx([1.0] * 6)
    # raters holding different constants: no between-sample variance
    offsets = icc(np.array([[0.1] * 10, [0.5] * 10, [0.9] * 10]))
    assert offsets["ICC1"] == pytest.approx(-1 / 2)  # -MSW / ((k - 1) MSW)
    assert offsets["ICC2"] == pytest.approx(0.0, abs=1e-12)
    assert offsets["ICC2k"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(offsets["ICC3"]) and math.isnan(offsets["ICC3k"])
    assert math.isnan(offsets["ICC1k"])


# ----------------------------------------------------------------------------- Cronbach


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(2, 6), st.integers(3, 40), st.booleans())
def test_cronbach_matches_pingouin(seed: int, raters: int, n: int, holes: bool) -> None:
    rng = np.random.default_rng(seed)
    traces = random_traces(rng, raters, n)
    if holes:
        traces[rng.integers(raters, size=n // 3), rng.choice(n, size=n // 3, replace=False)] = (
            np.nan
        )
    expected, _ = pg.cronbach_alpha(pd.DataFrame(traces.T), nan_policy="listwise")
    assert cronbach_alpha(traces) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert cronbach_alpha(traces) == pytest.approx(icc(traces)["ICC3k"], abs=1e-9)


def test_cronbach_edge_cases_and_batch() -> None:
    assert math.isnan(cronbach_alpha(np.linspace(0, 1, 10)[None, :]))  # one rater
    assert math.isnan(cronbach_alpha(np.full((3, 10), 0.2)))  # no variance
    assert math.isnan(cronbach_alpha(np.array([[0.1] * 5, [0.7] * 5])))  # constant raters
    mirrored = np.linspace(-1, 1, 10)
    assert math.isnan(cronbach_alpha(np.stack([mirrored, -mirrored])))  # constant sum
    assert cronbach_alpha(np.tile(mirrored, (3, 1))) == pytest.approx(1.0)
    rng = np.random.default_rng(2)
    stack = np.stack([random_traces(rng, 3, 40) for _ in range(4)])
    got = cronbach_alpha_batch(stack)
    assert got.tolist() == pytest.approx([cronbach_alpha(t) for t in stack])


# ----------------------------------------------------------------------------- lag search


def test_injected_lag_is_recovered_within_one_sample() -> None:
    """The annotator follows the signal 2.4 s late (60 samples at 25 Hz)."""
    rng = np.random.default_rng(21)
    rate, lag = 25.0, 60
    signal = smooth_signal(rng, 3000 + lag)
    reference = signal[lag:]
    trace = signal[:-lag] + rng.normal(0, 0.05, size=3000)  # trace[t + lag] = reference[t]
    result = lag_search(reference, trace, rate)
    assert abs(result.best_lag_s - 2.4) <= 1 / rate
    assert result.ccc_at_best > 0.9
    assert result.ccc_per_lag.shape == lag_grid(rate).shape == (151,)
    assert result.ccc_at_best == np.nanmax(result.ccc_per_lag)
    assert result.ccc_per_lag[0] < result.ccc_at_best


def per_lag_loop(reference: np.ndarray, trace: np.ndarray, lags: np.ndarray) -> list[float]:
    n = reference.size
    out = []
    for lag in lags:
        if lag >= 0:
            out.append(ccc_loop(reference[: max(n - lag, 0)], trace[lag:]))
        else:
            out.append(ccc_loop(reference[-lag:], trace[: max(n + lag, 0)]))
    return out


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(0, 80), st.sampled_from(["none", "edges", "holes"]))
def test_ccc_per_lag_matches_a_loop(seed: int, n: int, gaps: str) -> None:
    rng = np.random.default_rng(seed)
    reference = smooth_signal(rng, n, width=3) + rng.normal(0, 0.2, size=n)
    trace = np.roll(reference, 3) + rng.normal(0, 0.3, size=n)
    if gaps == "edges" and n:
        reference[: rng.integers(n)] = np.nan
        trace[n - rng.integers(n) :] = np.nan
    elif gaps == "holes":
        reference[rng.random(n) < 0.2] = np.nan
        trace[rng.random(n) < 0.2] = np.nan
    rate = 10.0
    result = lag_search(reference, trace, rate, max_lag_s=1.5, min_lag_s=-0.7)
    lags = np.rint(lag_grid(rate, 1.5, min_lag_s=-0.7) * rate).astype(int)
    assert lags.tolist() == list(range(-7, 16))
    expected = per_lag_loop(reference, trace, lags)
    got = result.ccc_per_lag
    assert np.isnan(got).tolist() == np.isnan(expected).tolist()
    assert got[~np.isnan(got)] == pytest.approx(np.array(expected)[~np.isnan(got)], abs=1e-9)
    if np.isnan(got).all():
        assert math.isnan(result.best_lag_s) and math.isnan(result.ccc_at_best)
    else:
        best = int(np.nanargmax(np.array(expected)))
        assert result.ccc_at_best == pytest.approx(expected[best], abs=1e-9)


def test_lag_search_edge_cases() -> None:
    constant = np.full(100, 0.3)
    same = lag_search(constant, constant, 25.0, max_lag_s=1.0)
    assert same.best_lag_s == 0.0 and same.ccc_at_best == 1.0  # ties: smallest lag
    assert lag_search(constant, constant + 0.2, 25.0, 1.0).ccc_at_best == 0.0
    empty = lag_search(np.full(100, np.nan), constant, 25.0, 1.0)
    assert math.isnan(empty.best_lag_s) and math.isnan(empty.ccc_at_best)
    short = lag_search([0.1, 0.2], [0.1, 0.2], 25.0, max_lag_s=1.0)  # lags beyond the trace
    assert short.ccc_per_lag[0] == pytest.approx(1.0) and np.isnan(short.ccc_per_lag[1:]).all()
    nothing = lag_search([], [], 25.0, max_lag_s=1.0)
    assert math.isnan(nothing.best_lag_s) and np.isnan(nothing.ccc_per_lag).all()
    with pytest.raises(ValueError, match="different lengths"):
        lag_search(np.zeros(10), np.zeros(11), 25.0)
    with pytest.raises(ValueError, match="rate_hz"):
        lag_search(np.zeros(10), np.zeros(10), 0.0)
    with pytest.raises(ValueError, match="min_lag_s <= max_lag_s"):
        lag_search(np.zeros(10), np.zeros(10), 25.0, max_lag_s=1.0, min_lag_s=2.0)


def test_lag_search_batch_matches_single_searches() -> None:
    rng = np.random.default_rng(4)
    traces = np.stack([random_traces(rng, 3, 120, 0.02) for _ in range(4)])
    reference = traces.mean(axis=1, keepdims=True)
    batch = lag_search_batch(reference, traces, 10.0, max_lag_s=2.0)
    assert batch.best_lag_s.shape == (4, 3)
    assert batch.ccc_per_lag.shape == (4, 3, 21)
    single = lag_search(reference[2, 0], traces[2, 1], 10.0, max_lag_s=2.0)
    assert batch.ccc_per_lag[2, 1] == pytest.approx(single.ccc_per_lag, nan_ok=True)
    assert batch.best_lag_s[2, 1] == single.best_lag_s


def test_batched_lag_search_at_project_size() -> None:
    """50 clips x 3 raters x 10 minutes at 25 Hz, each rater 1-6 s late (sanity, no timing)."""
    rng = np.random.default_rng(8)
    clips, raters, samples, rate = 50, 3, 15_000, 25.0
    lags = rng.integers(25, 151, size=(clips, raters))
    media = np.stack([smooth_signal(rng, samples + 200) for _ in range(clips)])
    traces = np.empty((clips, raters, samples))
    for c in range(clips):
        for r in range(raters):
            start = 200 - lags[c, r]
            traces[c, r] = media[c, start : start + samples]
    traces += rng.normal(0, 0.05, size=traces.shape)
    traces[::5, 1, :300] = np.nan  # late start
    traces[::7, 2, 5000:5100] = np.nan  # a hole
    result = lag_search_batch(media[:, None, 200:], traces, rate)
    assert result.ccc_per_lag.shape == (clips, raters, 151)
    assert np.abs(result.best_lag_s - lags / rate).max() <= 1 / rate
    assert (result.ccc_at_best > 0.9).all()


def test_shift_earlier() -> None:
    trace = np.arange(6, dtype=float)
    assert shift_earlier(trace, 0.2, 10.0)[:4].tolist() == [2.0, 3.0, 4.0, 5.0]
    assert np.isnan(shift_earlier(trace, 0.2, 10.0)[4:]).all()
    later = shift_earlier(trace, -0.1, 10.0)
    assert math.isnan(later[0]) and later[1:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    both = shift_earlier(np.stack([trace, trace]), np.array([0.1, np.nan]), 10.0)
    assert both[0, 0] == 1.0 and np.isnan(both[1]).all()


def test_lag_compensated_ccc_finds_relative_lags() -> None:
    rng = np.random.default_rng(12)
    rate = 25.0
    signal = smooth_signal(rng, 2200)
    a = signal[100:2100]
    b = signal[70:2070]  # b lags a by 30 samples (1.2 s)
    c = signal[130:2130]  # c leads a by 30 samples
    result = lag_compensated_ccc(np.stack([a, b, c]), rate, max_lag_s=3.0)
    assert result.lag_s[0, 1] == pytest.approx(1.2)
    assert result.lag_s[1, 0] == pytest.approx(-1.2)
    assert result.lag_s[0, 2] == pytest.approx(-1.2)
    assert result.lag_s[1, 2] == pytest.approx(-2.4)
    assert result.ccc == pytest.approx(np.ones((3, 3)))
    assert (result.ccc >= ccc_matrix(np.stack([a, b, c])) - 1e-12).all()
    assert np.diag(result.lag_s).tolist() == [0.0, 0.0, 0.0]


def flat_figures(figures: TraceFigures) -> dict[str, np.ndarray]:
    return {
        "ccc": figures.ccc,
        "ccc_rater_vs_rest": figures.ccc_rater_vs_rest,
        **figures.icc,
        "cronbach_alpha": figures.cronbach_alpha,
        "lag_compensated_ccc": figures.lag_compensated.ccc,
        "lag_s": figures.lag_compensated.lag_s,
    }


def edge_clips(rng: np.random.Generator, raters: int, n: int) -> np.ndarray:
    """Clips whose figures sit on the edge cases: constant raters, one constant everywhere,
    a rater mirroring another (a constant total), copies, a trace far off the others' mean,
    and ordinary noisy raters. (Not traces whose offsets dwarf their variation: there ICC's
    residual sum of squares, the total less the rows' and the columns', loses its digits in
    either path.)"""
    base = smooth_signal(rng, n, width=4) + rng.normal(0, 0.1, n)
    clips = [random_traces(rng, raters, n) for _ in range(3)]
    clips.append(np.full((raters, n), 0.3))
    clips.append(np.tile(base, (raters, 1)))
    offsets = np.tile(base, (raters, 1)) + np.arange(raters)[:, None] * 0.4
    offsets[0] = 0.25
    clips.append(offsets)
    mirrored = np.tile(base, (raters, 1))
    mirrored[1] = -base
    clips.append(mirrored)
    far = random_traces(rng, raters, n)
    far[-1] += 5.0
    clips.append(far)
    return np.stack(clips)


@settings(deadline=None, max_examples=30)
@given(seeds, st.integers(2, 5), st.integers(4, 60))
def test_complete_clips_give_the_general_paths_figures(seed: int, raters: int, n: int) -> None:
    """Clips with every sample present take the Gram-matrix path (sums of the centred traces
    and their products); a batch holding one clip with a hole takes the sample-wise path for
    all: the figures agree within 1e-12 (relative, for figures of any size). From four
    samples: with two or three, ICC3's residual mean square on the edge clips is rounding
    noise in either path (both ~1e-11 off the value in exact arithmetic)."""
    rng = np.random.default_rng(seed)
    complete = edge_clips(rng, raters, n)
    holed = complete[:1].copy()
    holed[0, 0, n // 2] = np.nan
    mixed = np.concatenate([complete, holed])
    fast = flat_figures(trace_figures(complete, 10.0, max_lag_s=1.0))
    general = flat_figures(trace_figures(mixed, 10.0, max_lag_s=1.0))
    for name, value in fast.items():
        other = general[name][:-1]
        assert np.isnan(value).tolist() == np.isnan(other).tolist(), name
        both = np.isfinite(value)
        error = np.abs(value[both] - other[both]) / np.maximum(1.0, np.abs(other[both]))
        assert error.max(initial=0.0) <= 1e-12, name


def test_trace_figures_are_the_separate_functions() -> None:
    rng = np.random.default_rng(31)
    stack = np.stack([random_traces(rng, 3, 200, share) for share in (0, 0, 0.05, 0)])
    stack[3, 1, 150:] = np.nan  # a trace that ended early
    got = trace_figures(stack, 10.0, max_lag_s=2.0)
    assert np.array_equal(got.ccc, ccc_matrix(stack), equal_nan=True)
    assert np.array_equal(got.ccc_rater_vs_rest, ccc_rater_vs_rest(stack), equal_nan=True)
    for key, value in icc_batch(stack).items():
        assert np.array_equal(got.icc[key], value, equal_nan=True)
    assert np.array_equal(got.cronbach_alpha, cronbach_alpha_batch(stack), equal_nan=True)
    lagged = lag_compensated_ccc(stack, 10.0, max_lag_s=2.0)
    assert np.array_equal(got.lag_compensated.ccc, lagged.ccc, equal_nan=True)
    assert np.array_equal(got.lag_compensated.lag_s, lagged.lag_s, equal_nan=True)
    for c, clip in enumerate(stack):  # and the single-clip functions, within rounding
        assert got.ccc[c] == pytest.approx(ccc_matrix(clip), abs=1e-12, nan_ok=True)
        single = icc(clip)
        assert [got.icc[k][c] for k in ICC_KEYS] == pytest.approx(
            [single[k] for k in ICC_KEYS], abs=1e-12, nan_ok=True
        )
        assert got.cronbach_alpha[c] == pytest.approx(cronbach_alpha(clip), abs=1e-12)


# ----------------------------------------------------------------------------- EWE


def ewe_loop(traces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    raters, n = traces.shape
    r = np.zeros(raters)
    for k in range(raters):
        rest = np.array(
            [
                np.nan
                if not np.isfinite(np.delete(traces[:, t], k)).any()
                else np.nanmean(np.delete(traces[:, t], k))
                for t in range(n)
            ]
        )
        both = np.isfinite(traces[k]) & np.isfinite(rest)
        if both.sum() >= 2 and traces[k][both].std() > 0 and rest[both].std() > 0:
            r[k] = max(0.0, np.corrcoef(traces[k][both], rest[both])[0, 1])
    weights = r / r.sum() if r.sum() > 0 else np.full(raters, 1 / raters)
    gold = np.full(n, np.nan)
    for t in range(n):
        present = np.isfinite(traces[:, t])
        mass = weights[present].sum()
        if mass > 0:
            gold[t] = (weights[present] * traces[present, t]).sum() / mass
    return gold, weights


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(1, 5), st.integers(2, 40), st.floats(0, 0.4))
def test_ewe_matches_a_loop(seed: int, raters: int, n: int, share: float) -> None:
    rng = np.random.default_rng(seed)
    traces = random_traces(rng, raters, n, share)
    if raters > 2:
        traces[1] = -traces[0]  # an anti-correlated rater
    gold, weights = ewe(traces)
    expected_gold, expected_weights = ewe_loop(traces)
    assert weights == pytest.approx(expected_weights, abs=1e-9)
    assert gold == pytest.approx(expected_gold, abs=1e-9, nan_ok=True)


def test_ewe_edge_cases() -> None:
    trace = np.linspace(-1, 1, 10)
    gold, weights = ewe(trace[None, :])  # single rater: its own trace
    assert weights.tolist() == [1.0] and gold.tolist() == trace.tolist()
    gold, weights = ewe(np.stack([trace, -trace]))  # all weights clipped: equal weights
    assert weights.tolist() == [0.5, 0.5] and gold == pytest.approx(np.zeros(10))
    wobble = 0.05 * np.cos(np.arange(10))
    noisy = np.stack([trace, trace + wobble, trace - wobble, -trace])
    gold, weights = ewe(noisy)
    assert weights[3] == 0.0 and weights.sum() == pytest.approx(1.0)
    assert (weights[:3] > 0.3).all()
    gold_gap = ewe(np.stack([np.where(np.arange(10) < 5, np.nan, trace), -trace, trace])).gold
    assert gold_gap.shape == (10,)
    batched = ewe(np.stack([noisy, noisy]))
    assert batched.gold.shape == (2, 10) and batched.weights.shape == (2, 4)
    empty = ewe(np.full((3, 4), np.nan))
    assert np.isnan(empty.gold).all() and empty.weights.tolist() == pytest.approx([1 / 3] * 3)


def test_ewe_zero_weight_only_sample_is_nan() -> None:
    trace = np.linspace(-1, 1, 12)
    wobble = 0.05 * np.sin(np.arange(12))
    traces = np.stack([trace, trace + wobble, trace - wobble, -trace])
    traces[:3, 3] = np.nan  # only the anti-correlated (weight 0) rater left at sample 3
    gold, weights = ewe(traces)
    assert weights[3] == 0.0
    assert math.isnan(gold[3]) and np.isfinite(np.delete(gold, 3)).all()


# ----------------------------------------------------------------------------- Krippendorff


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(2, 5), st.integers(2, 60), st.sampled_from(["interval", "ordinal"]))
def test_binned_alpha_matches_the_package_on_binned_reliability_data(
    seed: int, raters: int, n: int, level: str
) -> None:
    rng = np.random.default_rng(seed)
    traces = np.clip(random_traces(rng, raters, n, 0.1) * 0.3, -1.2, 1.2)
    edges = np.linspace(-1, 1, 11)
    centres = (edges[:-1] + edges[1:]) / 2
    codes = np.clip(np.searchsorted(edges, traces, side="right") - 1, 0, 9)
    binned = np.where(np.isfinite(traces), centres[codes], np.nan)
    pairable = binned[:, np.isfinite(binned).sum(axis=0) >= 2]
    got = krippendorff_alpha_binned(traces, 10, level=level)
    if np.unique(pairable[np.isfinite(pairable)]).size < 2:
        assert math.isnan(got)
    else:
        expected = krippendorff.alpha(
            reliability_data=binned, value_domain=centres, level_of_measurement=level
        )
        assert got == pytest.approx(expected, abs=1e-9)


@settings(deadline=None, max_examples=40)
@given(
    seeds,
    st.integers(2, 5),
    st.integers(1, 80),
    st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
)
def test_binned_alpha_batch_pools_unanimous_samples_without_changing_alpha(
    seed: int, raters: int, n: int, level: str
) -> None:
    """Mostly unanimous samples (pooled into one unit per bin before the package sees them),
    some split ones, holes: each stack's alpha is the package's on its raw binned data."""
    rng = np.random.default_rng(seed)
    shared = np.round(rng.uniform(-1, 1, (4, 1, n)) * 3) / 3
    traces = np.repeat(shared, raters, axis=1)
    split = rng.random(traces.shape) < rng.uniform(0, 0.4)
    traces[split] += rng.normal(0, 0.4, np.count_nonzero(split))
    traces[rng.random(traces.shape) < 0.1] = np.nan
    edges = np.linspace(-1, 1, 9)
    centres = (edges[:-1] + edges[1:]) / 2
    codes = np.clip(np.searchsorted(edges, traces, side="right") - 1, 0, 7)
    binned = np.where(np.isfinite(traces), centres[codes], np.nan)
    got = krippendorff_alpha_binned_batch(traces, 8, level=level)
    assert got.shape == (4,)
    for value, clip in zip(got, binned, strict=True):
        pairable = clip[:, np.isfinite(clip).sum(axis=0) >= 2]
        if np.unique(pairable[np.isfinite(pairable)]).size < 2:
            assert math.isnan(value)
            continue
        with np.errstate(invalid="ignore"):  # D_e = 0: the package's 1 - 0/0
            expected = krippendorff.alpha(
                reliability_data=clip, value_domain=centres, level_of_measurement=level
            )
        assert value == pytest.approx(expected, abs=1e-12, nan_ok=True)
    assert krippendorff_alpha_binned(traces[1], 8, level=level) == pytest.approx(
        got[1], abs=0, nan_ok=True
    )


def test_binned_alpha_edge_cases() -> None:
    trace = np.linspace(-1, 1, 50)
    assert krippendorff_alpha_binned(np.stack([trace, trace]), level="interval") == 1.0
    assert math.isnan(krippendorff_alpha_binned(trace[None, :], level="interval"))  # one rater
    assert math.isnan(krippendorff_alpha_binned(np.full((3, 20), 0.05), level="nominal"))
    assert math.isnan(krippendorff_alpha_binned(np.full((3, 20), np.nan), level="interval"))
    # clipping into the end bins and the closed last bin: 1.0 and 7.0 share the last bin
    assert krippendorff_alpha_binned(
        np.array([[1.0, -1.0, 0.0], [7.0, -9.0, 0.05]]), 4, level="nominal"
    ) == pytest.approx(1.0)
    edges = [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert krippendorff_alpha_binned(np.stack([trace, trace[::-1]]), edges, level="interval") < 0
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha_binned(np.stack([trace, trace]), level="cardinal")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        krippendorff_alpha_binned(np.stack([trace, trace]))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="strictly increasing"):
        krippendorff_alpha_binned(np.stack([trace, trace]), [0, 0, 1], level="interval")
