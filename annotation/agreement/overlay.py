"""One clip's traces prepared for the adjudicator's overlay chart (pure numpy).

Each rater's reaction lag behind the earliest rater is fitted to the pairwise lags, the
evaluator-weighted aggregate (EWE) is computed on the raw and on the lag-compensated traces,
and everything is averaged into at most ``max_points`` bins so a 10-minute monologue stays a
small response.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

from annotation.agreement.traces import ccc_matrix, ewe, lag_compensated_ccc, shift_earlier

FloatArray = npt.NDArray[np.float64]


def bin_means(x: FloatArray, factor: int) -> FloatArray:
    """NaN-aware means of consecutive ``factor`` samples along the last axis."""
    if factor <= 1:
        return x
    n = -(-x.shape[-1] // factor) * factor
    padded = np.full((*x.shape[:-1], n), np.nan)
    padded[..., : x.shape[-1]] = x
    blocks = padded.reshape(*x.shape[:-1], n // factor, factor)
    counts = np.isfinite(blocks).sum(axis=-1)
    sums = np.where(np.isfinite(blocks), blocks, 0.0).sum(axis=-1)
    out = np.full(counts.shape, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def _upper(matrix: FloatArray) -> FloatArray:
    values = matrix[np.triu_indices(matrix.shape[-1], k=1)]
    return values[np.isfinite(values)]


def _stat(values: FloatArray, how: str) -> float | None:
    if not values.size:
        return None
    return float(values.min() if how == "min" else values.mean())


def rater_offsets(pairwise_lag_s: FloatArray) -> FloatArray:
    """Per-rater lag behind the earliest rater from the antisymmetric pairwise lags
    (``L[a, b]``: how far ``b`` lags behind ``a``): the least-squares offsets ``o_b - o_a ≈
    L[a, b]`` are the column means, shifted so the earliest rater is at 0."""
    known = np.isfinite(pairwise_lag_s)
    counts = known.sum(axis=0)
    offsets = np.full(counts.shape, np.nan)
    np.divide(
        np.where(known, pairwise_lag_s, 0.0).sum(axis=0), counts, out=offsets, where=counts > 0
    )
    return offsets - np.nanmin(offsets) if np.isfinite(offsets).any() else offsets


def trace_overlay(
    traces: FloatArray, rate_hz: float, *, max_points: int = 2000, max_lag_s: float = 6.0
) -> dict[str, Any]:
    """``traces`` is (raters, samples) for one dimension, NaN where nothing was recorded."""
    raters, samples = traces.shape
    with np.errstate(all="ignore"):
        if raters >= 2:
            compensated = lag_compensated_ccc(traces, rate_hz, max_lag_s)
            lags = rater_offsets(compensated.lag_s)
            pairwise = _upper(ccc_matrix(traces))
            lag_pairs = np.abs(_upper(compensated.lag_s))
            ccc_compensated = _upper(compensated.ccc)
        else:
            lags = np.zeros(raters)
            pairwise = lag_pairs = ccc_compensated = np.array([])
        shifted = shift_earlier(traces, np.nan_to_num(lags), rate_hz)
        aggregate = ewe(traces)
        aggregate_compensated = ewe(shifted)
    factor = max(1, -(-samples // max_points))
    return {
        "step_s": factor / rate_hz,
        "n_points": -(-samples // factor),
        "series": bin_means(traces, factor),
        "lag_s": lags,
        "aggregate": bin_means(aggregate.gold, factor),
        "aggregate_weights": aggregate.weights,
        "aggregate_compensated": bin_means(aggregate_compensated.gold, factor),
        "chosen_lag_s": float(lag_pairs.mean()) if lag_pairs.size else None,
        "ccc": {
            "pairwise_min": _stat(pairwise, "min"),
            "pairwise_mean": _stat(pairwise, "mean"),
            "lag_compensated_mean": _stat(ccc_compensated, "mean"),
        },
    }
