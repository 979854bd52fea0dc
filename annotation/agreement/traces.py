"""Agreement statistics for continuous valence/arousal traces.

A trace is a float array on one sample grid (use :func:`resample` to put recordings there).
Stacks of traces are ``(..., n_raters, n_samples)``: leading axes are batches (clips, or
clip x dimension) and every function is vectorised over them -- no Python loop per trace,
only over fixed-size chunks of the batch to bound memory. Pure numpy; no Django.

Conventions:

* **Missing samples** are NaN (any non-finite value counts as missing). Correlations and
  CCC use the *pairwise-complete* samples of the two traces compared; ICC and Cronbach's
  alpha use the samples where *every* rater is present (listwise deletion, like pingouin's
  ``nan_policy="omit"``/``"listwise"``).
* **Fewer than two usable samples** gives ``nan``.
* **CCC of constant traces** follows Lin's formula ``2 s_xy / (s_x^2 + s_y^2 + (m_x - m_y)^2)``:
  its denominator is zero only when both traces are the *same* constant, which is defined as
  perfect agreement (1.0); two different constants give 0.0, and a constant against a moving
  trace gives 0.0 (``s_xy = 0``).
* **Reliability coefficients** (ICC, Cronbach's alpha, Krippendorff's alpha) are undefined
  (``nan``) where their denominator vanishes -- e.g. every rater holding the same constant,
  so there is no variance to attribute -- and with a single rater (the convention of
  :mod:`annotation.agreement.categorical`: undefined is ``nan``).
* Traces of **different lengths** are rejected with ``ValueError`` at the edge: resample them
  onto one grid first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple, TypedDict

import krippendorff
import numpy as np
import numpy.typing as npt

from annotation.agreement.categorical import pairable_units

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
NAN = float("nan")

# Relative size below which a variance, covariance or mean difference is rounding noise.
_REL_TOL = 1e-12
# Elements per temporary in one chunk of a batch: ~2 MB of float64 stays cache-friendly and
# measured faster than larger chunks, while keeping memory flat for any batch size.
_CHUNK_ELEMENTS = 1 << 18


# ----------------------------------------------------------------------------- validation


def _as_trace(values: npt.ArrayLike, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _as_traces(traces: npt.ArrayLike, name: str = "traces") -> FloatArray:
    """``(..., n_raters, n_samples)`` float array; a ragged list is a clear error."""
    try:
        array = np.asarray(traces, dtype=np.float64)
    except ValueError as error:
        if isinstance(traces, Sequence):
            lengths = sorted({int(np.size(t)) for t in traces})
            raise ValueError(
                f"{name} have different lengths {lengths}; resample them onto one grid first"
            ) from error
        raise
    if array.ndim < 2:
        raise ValueError(f"{name} must be (..., n_raters, n_samples), got shape {array.shape}")
    return array


def _check_same_length(x: FloatArray, y: FloatArray, names: str = "x and y") -> None:
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"{names} have different lengths ({x.shape[-1]} and {y.shape[-1]} samples); "
            "resample them onto one grid first"
        )


def _batched(
    core: Callable[..., tuple[FloatArray, ...]],
    arrays: Sequence[FloatArray],
    core_ndim: int,
) -> tuple[FloatArray, ...]:
    """Apply ``core`` to chunks of the flattened leading (batch) axes of ``arrays`` (which
    share them) and restore the batch shape on every output."""
    batch_shape = arrays[0].shape[: arrays[0].ndim - core_ndim]
    rows = math.prod(batch_shape)
    flat = [a.reshape((rows, *a.shape[a.ndim - core_ndim :])) for a in arrays]
    row_elements = max(1, max(math.prod(f.shape[1:]) for f in flat))
    step = max(1, _CHUNK_ELEMENTS // row_elements)
    parts = [core(*(f[lo : lo + step] for f in flat)) for lo in range(0, max(rows, 1), step)]
    outputs = (np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))
    return tuple(o.reshape(batch_shape + o.shape[1:]) for o in outputs)


# ----------------------------------------------------------------------------- resampling


def resample(
    times: npt.ArrayLike,
    values: npt.ArrayLike,
    grid: npt.ArrayLike,
    *,
    max_gap: float | None = 0.5,
) -> FloatArray:
    """Values of a recorded trace on ``grid`` by linear interpolation between the recorded
    samples ``(times[j], values[j])`` (seconds of media time).

    ``v(g) = v_j + (g - t_j) (v_{j+1} - v_j) / (t_{j+1} - t_j)`` for ``t_j <= g <= t_{j+1}``;
    NaN outside ``[t_0, t_last]`` (no extrapolation) and inside any gap between consecutive
    recorded samples longer than ``max_gap`` seconds (a grid point exactly on a recorded
    sample keeps its value; ``max_gap=None`` interpolates across every gap). The default
    0.5 s bridges jitter at 25 Hz (0.04 s) but leaves a lost ~1 s chunk empty. Non-finite
    ``values`` are dropped first, so they open a gap. ``times`` must be finite and strictly
    increasing (the server stores samples in time order); no recorded sample gives all NaN.
    """
    t = _as_trace(times, "times")
    v = _as_trace(values, "values")
    g = _as_trace(grid, "grid")
    if t.size != v.size:
        raise ValueError(f"times ({t.size}) and values ({v.size}) must have the same length")
    if not np.all(np.isfinite(t)):
        raise ValueError("times must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    if max_gap is not None and not max_gap >= 0:
        raise ValueError(f"max_gap must be >= 0 or None, got {max_gap}")
    keep = np.isfinite(v)
    t, v = t[keep], v[keep]
    if t.size == 0:
        return np.full(g.shape, np.nan)
    out = np.interp(g, t, v, left=np.nan, right=np.nan)
    if max_gap is not None and t.size > 1:
        after = np.searchsorted(t, g, side="right")  # t[after - 1] <= g < t[after]
        inside = (after > 0) & (after < t.size)
        j = np.clip(after, 1, t.size - 1)
        wide = (t[j] - t[j - 1]) > max_gap
        on_sample = t[j - 1] == g
        out[inside & wide & ~on_sample] = np.nan
    return out


# ----------------------------------------------------------------------------- moments & CCC


def _center(x: FloatArray, valid: BoolArray) -> tuple[FloatArray, FloatArray]:
    """``x - c`` along the last axis with missing samples set to 0, and ``c``: the mean of
    the valid samples, or exactly the value of a constant trace (whose ``x - c`` is then
    exactly zero, so constant traces are recognised exactly downstream)."""
    if x.shape[-1] == 0:
        return np.zeros(x.shape), np.zeros(x.shape[:-1])
    n = np.count_nonzero(valid, axis=-1)
    if valid.all():
        c = x.sum(axis=-1) / n
        hi, lo = x.max(axis=-1), x.min(axis=-1)
        filled = x
    else:
        filled = np.where(valid, x, 0.0)
        c = np.divide(filled.sum(axis=-1), n, out=np.zeros(n.shape), where=n > 0)
        marked = np.where(valid, x, np.nan)
        hi, lo = np.fmax.reduce(marked, axis=-1), np.fmin.reduce(marked, axis=-1)
    c = np.where((n > 0) & (hi == lo), hi, c)
    centred = filled - c[..., None]
    if filled is not x:
        centred[~valid] = 0.0
    return centred, c


class _Centred(NamedTuple):
    """A chunk ``(b, R, T)`` centred once for every figure computed from it: ``xc`` and
    ``offset`` as :func:`_center` gives them, and on a complete chunk (every sample present,
    ``T >= 2``) the sums and the Gram matrix of the centred traces, from which CCC, the
    rater-vs-rest CCC, ICC and Cronbach's alpha follow without another pass over the
    samples, and the sum of squares of the per-sample total over raters: the sum of the
    Gram matrix equals it but loses its precision when raters cancel out (a total much
    smaller than the traces), and ICC(k) and Cronbach's alpha divide by it."""

    x: FloatArray
    valid: BoolArray
    xc: FloatArray
    offset: FloatArray  # (b, R)
    sums: FloatArray | None  # (b, R) sums of xc, complete chunks only
    gram: FloatArray | None  # (b, R, R) xc @ xc^T, complete chunks only
    total_squares: FloatArray | None  # (b,) sum_t (sum_r xc)^2, complete chunks only


def _centred(x: FloatArray, *, moments: bool = True) -> _Centred:
    valid = np.isfinite(x)
    xc, offset = _center(x, valid)
    if not moments or x.shape[-1] < 2 or not valid.all():
        return _Centred(x, valid, xc, offset, None, None, None)
    raters = x.shape[-2]
    gram = np.empty((*x.shape[:-1], raters))
    for a in range(raters):  # row by row: faster than a stacked matmul of thin matrices
        for b in range(a, raters):
            gram[..., a, b] = gram[..., b, a] = _dot(xc[..., a, :], xc[..., b, :])
    total = xc.sum(axis=-2)
    return _Centred(x, valid, xc, offset, xc.sum(axis=-1), gram, _dot(total, total))


def _moments(
    n: FloatArray,
    sx: FloatArray,
    sy: FloatArray,
    sxx: FloatArray,
    syy: FloatArray,
    sxy: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    msx: FloatArray | None = None,
    msy: FloatArray | None = None,
) -> tuple[BoolArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Population moments over ``n`` paired samples from sums of centred values (offsets
    ``cx``, ``cy``): usable mask, ``var_x``, ``var_y``, ``cov`` and ``mean_x - mean_y``, with
    rounding noise (relative to the mean squares ``msx``/``msy`` if given) snapped to 0."""
    usable = n >= 2
    nn = np.where(usable, n, 1.0)
    mx, my = sx / nn, sy / nn
    ex2, ey2 = sxx / nn, syy / nn
    sx2 = ex2 if msx is None else np.maximum(ex2, msx)
    sy2 = ey2 if msy is None else np.maximum(ey2, msy)
    var_x = ex2 - mx * mx
    var_y = ey2 - my * my
    var_x = np.where(var_x > _REL_TOL * sx2, var_x, 0.0)
    var_y = np.where(var_y > _REL_TOL * sy2, var_y, 0.0)
    cov = sxy / nn - mx * my
    moving = (var_x > 0) & (var_y > 0)
    cov = np.where(moving & (np.abs(cov) > _REL_TOL * np.sqrt(sx2 * sy2)), cov, 0.0)
    mean_x, mean_y = mx + cx, my + cy
    diff = mean_x - mean_y
    scale = np.abs(mean_x) + np.abs(mean_y) + np.sqrt(sx2) + np.sqrt(sy2)
    diff = np.where(np.abs(diff) > _REL_TOL * scale, diff, 0.0)
    return usable, var_x, var_y, cov, diff


def _ccc_from_sums(
    n: FloatArray,
    sx: FloatArray,
    sy: FloatArray,
    sxx: FloatArray,
    syy: FloatArray,
    sxy: FloatArray,
    cx: FloatArray,
    cy: FloatArray,
    msx: FloatArray | None = None,
    msy: FloatArray | None = None,
) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        usable, var_x, var_y, cov, diff = _moments(n, sx, sy, sxx, syy, sxy, cx, cy, msx, msy)
        den = var_x + var_y + diff * diff
        value = np.where(den > 0, 2.0 * cov / np.where(den > 0, den, 1.0), 1.0)
    return np.where(usable, np.clip(value, -1.0, 1.0), np.nan)


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise dot product along the last axis."""
    return np.asarray(np.einsum("...i,...i->...", a, b), dtype=np.float64)


def _pair_sums(
    x: FloatArray, y: FloatArray
) -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray
]:
    """Sums over the pairwise-complete samples of two equally shaped stacks (last axis):
    count, sums, sums of squares and of products of the centred values, and the centring
    offsets."""
    vx, vy = np.isfinite(x), np.isfinite(y)
    xc, cx = _center(x, vx)
    yc, cy = _center(y, vy)
    both = vx & vy
    if not both.all():
        xc = np.where(both, xc, 0.0)
        yc = np.where(both, yc, 0.0)
    n = np.count_nonzero(both, axis=-1).astype(np.float64)
    return n, xc.sum(axis=-1), yc.sum(axis=-1), _dot(xc, xc), _dot(yc, yc), _dot(xc, yc), cx, cy


def _ccc_core(x: FloatArray, y: FloatArray) -> tuple[FloatArray]:
    return (_ccc_from_sums(*_pair_sums(x, y)),)


def _pearson_core(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson r over pairwise-complete samples; ``nan`` if either side is constant or
    fewer than two samples."""
    with np.errstate(divide="ignore", invalid="ignore"):
        usable, var_x, var_y, cov, _ = _moments(*_pair_sums(x, y))
        den = np.sqrt(var_x * var_y)
        r = np.where(den > 0, cov / np.where(den > 0, den, 1.0), np.nan)
    return np.where(usable, np.clip(r, -1.0, 1.0), np.nan)


def ccc(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Lin's concordance correlation coefficient (Lin, 1989, Biometrics 45(1):255-268):
    ``rho_c = 2 s_xy / (s_x^2 + s_y^2 + (m_x - m_y)^2)`` with population (``1/n``) moments
    over the samples where both traces are present. Equivalently ``rho_c = r * C_b`` with
    Pearson ``r`` and bias correction ``C_b = 2 / (v + 1/v + u^2)``, ``v = s_x / s_y``,
    ``u = (m_x - m_y) / sqrt(s_x s_y)``.

    ``nan`` with fewer than two paired samples; 1.0 for two identical constants, 0.0 for
    two different constants or a constant against a moving trace (see module docstring).
    ``ValueError`` if the lengths differ.
    """
    a, b = _as_trace(x, "x"), _as_trace(y, "y")
    _check_same_length(a, b)
    return float(_ccc_core(a, b)[0])


def ccc_batch(x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
    """:func:`ccc` along the last axis of two stacks broadcasting to one shape
    ``(..., n_samples)``; returns ``(...)``."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("x and y must have a sample axis")
    _check_same_length(a, b)
    a, b = np.broadcast_arrays(a, b)
    return _batched(_ccc_core, [np.ascontiguousarray(a), np.ascontiguousarray(b)], 1)[0]


def _ccc_matrix_core(p: _Centred) -> tuple[FloatArray]:
    x, valid, xc, c = p.x, p.valid, p.xc, p.offset
    if p.sums is not None and p.gram is not None:  # complete: every pair over every sample
        sxy = p.gram
        n = np.full(sxy.shape, float(x.shape[-1]))
        sx = np.broadcast_to(p.sums[..., :, None], sxy.shape)
        sxx = np.broadcast_to(np.diagonal(sxy, axis1=-2, axis2=-1)[..., :, None], sxy.shape)
    else:
        m = valid.astype(np.float64)
        mt = np.swapaxes(m, -1, -2)
        n = m @ mt
        sx = xc @ mt  # sx[a, b] = sum of x_a over samples where a and b are both present
        sxx = (xc * xc) @ mt
        sxy = xc @ np.swapaxes(xc, -1, -2)
    value = _ccc_from_sums(
        n,
        sx,
        np.swapaxes(sx, -1, -2),
        sxx,
        np.swapaxes(sxx, -1, -2),
        sxy,
        c[..., :, None],
        c[..., None, :],
    )
    raters = x.shape[-2]
    upper = np.triu_indices(raters, 1)
    value[..., upper[1], upper[0]] = value[..., upper[0], upper[1]]
    diag = np.arange(raters)
    value[..., diag, diag] = np.where(valid.sum(axis=-1) >= 2, 1.0, np.nan)
    return (value,)


def ccc_matrix(traces: npt.ArrayLike) -> FloatArray:
    """Pairwise :func:`ccc` of every rater pair: ``(..., n_raters, n_samples)`` ->
    ``(..., n_raters, n_raters)``, symmetric, each pair over its own pairwise-complete
    samples; the diagonal is 1.0 (``nan`` for a trace with fewer than two samples).
    Computed from matrix products of the centred traces and presence masks."""
    x = _as_traces(traces)
    return _batched(lambda chunk: _ccc_matrix_core(_centred(chunk)), [x], 2)[0]


def _rest_means(x: FloatArray) -> FloatArray:
    """For each rater, the per-sample mean of the *other* raters' present values (``nan``
    where none of them is present): ``(others' sum) / (others' count)``.
    ``(b, R, T) -> (b, R, T)``."""
    valid = np.isfinite(x)
    raters = x.shape[-2]
    if raters > 1 and valid.all():  # the usual case, and the same arithmetic in two passes
        return np.asarray((x.sum(axis=-2, keepdims=True) - x) / (raters - 1), dtype=np.float64)
    filled = np.where(valid, x, 0.0)
    others_sum = filled.sum(axis=-2, keepdims=True) - filled
    others_n = np.count_nonzero(valid, axis=-2)[..., None, :] - valid
    rest = np.full(x.shape, np.nan)
    np.divide(others_sum, others_n, out=rest, where=others_n > 0)
    return rest


def _rater_vs_rest_core(p: _Centred) -> tuple[FloatArray]:
    raters = p.x.shape[-2]
    if p.sums is None or p.gram is None or raters < 2:
        return (_ccc_core(p.x, _rest_means(p.x))[0],)
    # complete: the rest is (sum of the others) / (R - 1), so its sums follow from the Gram
    # matrix: sum_t x_r rest = (row sum - diagonal) / (R - 1), sum_t rest^2 = (total - 2 row
    # sum + diagonal) / (R - 1)^2.
    k = raters - 1
    s, g, c = p.sums, p.gram, p.offset
    diag = np.diagonal(g, axis1=-2, axis2=-1)
    row = g.sum(axis=-1)
    total = row.sum(axis=-1, keepdims=True)
    value = _ccc_from_sums(
        np.full(s.shape, float(p.x.shape[-1])),
        s,
        (s.sum(axis=-1, keepdims=True) - s) / k,
        diag,
        (total - 2.0 * row + diag) / (k * k),
        (row - diag) / k,
        c,
        (c.sum(axis=-1, keepdims=True) - c) / k,
    )
    return (value,)


def ccc_rater_vs_rest(traces: npt.ArrayLike) -> FloatArray:
    """:func:`ccc` of each rater against the mean of the other raters (per sample, over the
    others present there): ``(..., n_raters, n_samples)`` -> ``(..., n_raters)``. ``nan``
    for a single rater (there is no rest)."""
    x = _as_traces(traces)
    return _batched(lambda chunk: _rater_vs_rest_core(_centred(chunk)), [x], 2)[0]


# ----------------------------------------------------------------------------- ICC & alpha


class ICCResult(TypedDict):
    ICC1: float
    ICC2: float
    ICC3: float
    ICC1k: float
    ICC2k: float
    ICC3k: float


_ICC_KEYS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


def _ratio(num: FloatArray, den: FloatArray, scale: FloatArray) -> FloatArray:
    """``num / den``, ``nan`` where the denominator is zero up to rounding."""
    ok = den > _REL_TOL * scale
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _all_equal(x: FloatArray, use: BoolArray) -> BoolArray:
    """Whether all used values of each stack (last two axes) are the same number."""
    hi = np.max(np.where(use, x, -np.inf), axis=(-2, -1), initial=-np.inf)
    lo = np.min(np.where(use, x, np.inf), axis=(-2, -1), initial=np.inf)
    return np.asarray(hi == lo)


def _icc_core(p: _Centred) -> tuple[FloatArray, ...]:
    y = p.x
    k = y.shape[-2]
    if p.sums is not None and p.gram is not None and p.total_squares is not None:
        # complete: y - grand = xc + d with d = offset - grand per rater, so the sums of
        # squares below follow from the Gram matrix, the sums of the centred traces and
        # the total's sum of squares
        n = np.full(y.shape[:-2], float(y.shape[-1]))
        s, gram = p.sums, p.gram
        d = p.offset - (p.offset + s / n[..., None]).mean(axis=-1, keepdims=True)
        big_d, s_all = d.sum(axis=-1), s.sum(axis=-1)
        diag = np.diagonal(gram, axis1=-2, axis2=-1)
        sum_sq = (diag + 2.0 * d * s + n[..., None] * d * d).sum(axis=-1)
        target_sq = (p.total_squares + 2.0 * big_d * s_all + n * big_d**2) / k**2
        return _icc_from_sums(
            k, n, sum_sq, target_sq, s / n[..., None] + d, (s_all / n + big_d) / k,
            _all_equal_complete(p),
        )  # fmt: skip
    complete = np.all(p.valid, axis=-2)  # (b, n): every rater present
    n = complete.sum(axis=-1).astype(np.float64)
    use = np.broadcast_to(complete[..., None, :], y.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(n > 0, n, 1.0)
        filled = np.where(use, y, 0.0)
        grand = filled.sum(axis=(-2, -1)) / (k * nn)
        yc = np.where(use, y - grand[..., None, None], 0.0)
        target = yc.sum(axis=-2) / k  # (b, n) target means (0 where incomplete)
        rater = yc.sum(axis=-1) / nn[..., None]  # (b, k) rater means
        g = target.sum(axis=-1) / nn
        sum_sq = (yc * yc).sum(axis=(-2, -1))
        target_sq = (target * target).sum(axis=-1)
    return _icc_from_sums(k, n, sum_sq, target_sq, rater, g, _all_equal(y, use))


def _all_equal_complete(p: _Centred) -> BoolArray:
    """:func:`_all_equal` of a complete chunk: every rater constant (exact zeros once
    centred) at one value."""
    assert p.gram is not None
    constant = np.all(np.diagonal(p.gram, axis1=-2, axis2=-1) == 0, axis=-1)
    return np.asarray(constant & np.all(p.offset == p.offset[..., :1], axis=-1))


def _icc_from_sums(
    k: int,
    n: FloatArray,
    sum_sq: FloatArray,
    target_sq: FloatArray,
    rater: FloatArray,
    g: FloatArray,
    all_equal: BoolArray,
) -> tuple[FloatArray, ...]:
    """The six ICC forms from ``n`` complete targets of ``k`` raters: the sum of squared
    deviations from the grand mean ``sum_sq``, of squared target means ``target_sq`` (both
    about the grand mean), the rater means ``rater`` and the mean target mean ``g`` (about
    it too, zero up to rounding)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.where(n > 0, n, 1.0)
        ss_total = sum_sq - k * n * g * g
        ss_rows = np.maximum(k * (target_sq - n * g * g), 0.0)
        ss_cols = np.maximum(n * ((rater - g[..., None]) ** 2).sum(axis=-1), 0.0)
        ss_err = np.maximum(ss_total - ss_rows - ss_cols, 0.0)
        df_rows = np.maximum(n - 1, 1.0)
        df_cols = max(k - 1, 1)
        msr = ss_rows / df_rows
        msc = ss_cols / df_cols
        mse = ss_err / (df_rows * df_cols)
        msw = (ss_cols + ss_err) / (nn * df_cols)
        mst = np.maximum(ss_total, 0.0) / np.maximum(k * n - 1, 1.0)
        values = (
            _ratio(msr - msw, msr + (k - 1) * msw, mst),
            _ratio(msr - mse, msr + (k - 1) * mse + k * (msc - mse) / nn, mst),
            _ratio(msr - mse, msr + (k - 1) * mse, mst),
            _ratio(msr - msw, msr, mst),
            _ratio(msr - mse, msr + (msc - mse) / nn, mst),
            _ratio(msr - mse, msr, mst),
        )
    undefined = (n < 2) | (k < 2) | all_equal
    return tuple(np.where(undefined, np.nan, v) for v in values)


def icc_batch(traces: npt.ArrayLike) -> dict[str, FloatArray]:
    """:func:`icc` for a stack ``(..., n_raters, n_samples)``: each key maps to ``(...)``."""
    y = _as_traces(traces)
    values = _batched(lambda chunk: _icc_core(_centred(chunk)), [y], 2)
    return dict(zip(_ICC_KEYS, values, strict=True))


def icc(traces: npt.ArrayLike) -> ICCResult:
    """Intraclass correlations of ``traces`` ``(n_raters, n_samples)``: the samples are the
    targets, the raters the judges (Shrout & Fleiss, 1979, Psychol. Bull. 86(2):420-428;
    McGraw & Wong, 1996, Psychol. Methods 1(1):30-46), from the two-way ANOVA mean squares
    over ``n`` targets and ``k`` raters -- between targets ``MSR``, between raters ``MSC``,
    residual ``MSE``, within targets ``MSW = (SSC + SSE) / (n (k - 1))``:

    * ``ICC1  = (MSR - MSW) / (MSR + (k-1) MSW)``            one-way random, single
    * ``ICC2  = (MSR - MSE) / (MSR + (k-1) MSE + k (MSC - MSE) / n)``  two-way random,
      absolute agreement, single (McGraw & Wong's ICC(A,1))
    * ``ICC3  = (MSR - MSE) / (MSR + (k-1) MSE)``            two-way mixed, consistency,
      single (ICC(C,1))
    * ``ICC1k = (MSR - MSW) / MSR``, ``ICC2k = (MSR - MSE) / (MSR + (MSC - MSE) / n)``,
      ``ICC3k = (MSR - MSE) / MSR``: the same for the mean of the ``k`` raters.

    Keys follow pingouin (``ICC1`` = ``ICC(1,1)``, ..., ``ICC3k`` = ``ICC(3,k)``). Samples
    where any rater is missing are dropped (listwise). Undefined (``nan``): a single rater,
    fewer than two complete samples, or a vanishing denominator (all values identical; no
    between-sample variance for the ``k`` forms and ICC3).
    """
    y = _as_traces(traces)
    if y.ndim != 2:
        raise ValueError(f"traces must be (n_raters, n_samples), got shape {y.shape}")
    values = _icc_core(_centred(y[None]))
    return ICCResult(
        ICC1=float(values[0][0]),
        ICC2=float(values[1][0]),
        ICC3=float(values[2][0]),
        ICC1k=float(values[3][0]),
        ICC2k=float(values[4][0]),
        ICC3k=float(values[5][0]),
    )


def _cronbach_core(p: _Centred) -> tuple[FloatArray]:
    y = p.x
    k = y.shape[-2]
    with np.errstate(divide="ignore", invalid="ignore"):
        if p.sums is not None and p.gram is not None and p.total_squares is not None:
            # complete: a constant rater (exact zeros) has a zero diagonal entry, an exactly
            # zero total a zero sum of squares
            n = np.full(y.shape[:-2], float(y.shape[-1]))
            squares = np.diagonal(p.gram, axis1=-2, axis2=-1)
            item_var = np.where(squares == 0, 0.0, squares - p.sums**2 / n[..., None])
            total_sq = p.total_squares
            total_var = np.where(total_sq == 0, 0.0, total_sq - p.sums.sum(axis=-1) ** 2 / n)
        else:
            complete = np.all(p.valid, axis=-2)
            n = complete.sum(axis=-1).astype(np.float64)
            use = np.broadcast_to(complete[..., None, :], y.shape)
            yc, _ = _center(y, use)  # per rater, exact zeros for a constant rater
            nn = np.maximum(n, 1.0)
            item_var = (yc * yc).sum(axis=-1) - yc.sum(axis=-1) ** 2 / nn[..., None]
            item_var = np.where(np.all(yc == 0, axis=-1), 0.0, item_var)
            total = yc.sum(axis=-2)  # (b, n) centred total score
            total_var = (total * total).sum(axis=-1) - total.sum(axis=-1) ** 2 / nn
            total_var = np.where(np.all(total == 0, axis=-1), 0.0, total_var)
        item_var, total_var = np.maximum(item_var, 0.0), np.maximum(total_var, 0.0)
        dof = np.maximum(n - 1, 1.0)
        sum_var = item_var.sum(axis=-1) / dof
        total_var = total_var / dof
        alpha = k / max(k - 1, 1) * (1.0 - _ratio(sum_var, total_var, sum_var))
    undefined = (n < 2) | (k < 2) | ~(total_var > 0)
    return (np.where(undefined, np.nan, alpha),)


def cronbach_alpha(traces: npt.ArrayLike) -> float:
    """Cronbach's alpha (Cronbach, 1951, Psychometrika 16(3):297-334) with the raters as the
    items and the samples as the observations:
    ``alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_T^2)`` where ``s_j^2`` is rater ``j``'s
    variance and ``s_T^2`` the variance of the per-sample sum over raters (``ddof=1``;
    equals ICC(3,k) on complete data). Samples where any rater is missing are dropped
    (listwise). Undefined (``nan``): a single rater, fewer than two complete samples, or
    ``s_T^2 = 0`` (no variance in the summed score)."""
    y = _as_traces(traces)
    if y.ndim != 2:
        raise ValueError(f"traces must be (n_raters, n_samples), got shape {y.shape}")
    return float(_cronbach_core(_centred(y[None]))[0][0])


def cronbach_alpha_batch(traces: npt.ArrayLike) -> FloatArray:
    """:func:`cronbach_alpha` for a stack ``(..., n_raters, n_samples)`` -> ``(...)``."""
    y = _as_traces(traces)
    return _batched(lambda chunk: _cronbach_core(_centred(chunk)), [y], 2)[0]


# ----------------------------------------------------------------------------- lag search


class LagSearch(NamedTuple):
    best_lag_s: float  # lag maximising CCC (ties: the smallest); nan if no lag is defined
    ccc_at_best: float  # CCC at that lag; nan if none
    ccc_per_lag: FloatArray  # (n_lags,) CCC at each lag of lag_grid(...)


class LagSearchBatch(NamedTuple):
    best_lag_s: FloatArray  # (...)
    ccc_at_best: FloatArray  # (...)
    ccc_per_lag: FloatArray  # (..., n_lags)


def _lag_samples(rate_hz: float, max_lag_s: float, min_lag_s: float) -> IntArray:
    if not (math.isfinite(rate_hz) and rate_hz > 0):
        raise ValueError(f"rate_hz must be a positive number, got {rate_hz}")
    if not (math.isfinite(max_lag_s) and math.isfinite(min_lag_s)) or min_lag_s > max_lag_s:
        raise ValueError(f"need finite min_lag_s <= max_lag_s, got {min_lag_s}, {max_lag_s}")
    lo, hi = round(min_lag_s * rate_hz), round(max_lag_s * rate_hz)
    return np.arange(lo, hi + 1, dtype=np.int64)


def lag_grid(rate_hz: float, max_lag_s: float = 6.0, *, min_lag_s: float = 0.0) -> FloatArray:
    """The lags (seconds) :func:`lag_search` tries: every sample step from
    ``round(min_lag_s * rate_hz)`` to ``round(max_lag_s * rate_hz)`` samples."""
    return _lag_samples(rate_hz, max_lag_s, min_lag_s) / float(rate_hz)


def _fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (an efficient FFT size)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35 * (1 << max(0, (-(-n // p35) - 1).bit_length()))
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def _contiguous_run(valid: BoolArray, count: IntArray) -> tuple[IntArray, IntArray, BoolArray]:
    """Per row (``count`` present samples): start and end (exclusive) of the present
    samples, and whether they form a single run (an empty row counts as a run of length
    zero)."""
    length = valid.shape[-1]
    if length == 0 or np.all(count == length):
        start = np.zeros(valid.shape[:-1], dtype=np.int64)
        return start, start + length, np.ones(valid.shape[:-1], dtype=np.bool_)
    first = np.argmax(valid, axis=-1)
    last = length - np.argmax(valid[..., ::-1], axis=-1)
    first = np.where(count > 0, first, 0)
    last = np.where(count > 0, last, 0)
    return first.astype(np.int64), last.astype(np.int64), count == last - first


def _edge_sums(centred: FloatArray, start: IntArray, size: int, step: int) -> FloatArray:
    """``(2, rows, size + 1)``: cumulative sums of the values and of their squares over the
    ``size`` samples of each row from ``start`` on, forwards (``step=1``) or backwards
    (``-1``); samples beyond the row count as zero."""
    length = centred.shape[-1]
    index = start[:, None] + step * np.arange(size)
    inside = (index >= 0) & (index < length)
    taken = np.take_along_axis(centred, np.clip(index, 0, max(length - 1, 0)), -1)
    values = np.where(inside, taken, 0.0)
    out = np.zeros((2, centred.shape[0], size + 1))
    np.cumsum(values, axis=-1, out=out[0, :, 1:])
    np.cumsum(values * values, axis=-1, out=out[1, :, 1:])
    return out


def _per_lag(
    centred: FloatArray,
    offset: FloatArray,
    valid: BoolArray,
    a: IntArray,
    b: IntArray,
    lags: IntArray,
    totals: tuple[IntArray, FloatArray, FloatArray] | None = None,
) -> FloatArray:
    """CCC of row ``a`` with row ``b`` shifted earlier by ``L`` (``x_a[t]`` with
    ``x_b[t + L]``) for every lag ``L``: ``(pairs, n_lags)``, from rows ``(N, T)`` centred by
    :func:`_center` (``centred``, ``offset``; zero where not ``valid``) and, if known, each
    row's count of present samples and sums of the centred values and of their squares.

    The cross term ``sum_t x_t y_{t+L}`` comes from one FFT cross-correlation. When each
    trace's present samples are one contiguous run (the usual case, NaN only at the ends),
    the overlap at lag ``L`` is each run less a head and a tail no longer than the lag span
    plus the difference of the two runs' starts or ends, so its counts, sums and sums of
    squares are the run's totals less cumulative sums over those few edge samples; otherwise
    they come from FFT cross-correlations with the presence masks. Each row is transformed
    and summed once, however many pairs it is in (three raters: three rows, three pairs)."""
    length = centred.shape[-1]
    span = int(np.max(np.abs(lags))) if lags.size else 0
    nfft = _fast_len(max(length + span, 1))
    index = lags % nfft

    def correlate(product: npt.NDArray[np.complex128]) -> FloatArray:
        return np.fft.irfft(product, nfft)[:, index]

    def xcorr(fa: npt.NDArray[np.complex128], fb: npt.NDArray[np.complex128]) -> FloatArray:
        return correlate(np.conj(fa) * fb)

    spectrum = np.fft.rfft(centred, nfft)
    cross = spectrum[a]  # a gathered copy: conjugated and multiplied in place
    np.conjugate(cross, out=cross)
    cross *= spectrum[b]
    sxy = correlate(cross)
    shape = (a.size, lags.size)
    n, sx, sy, sxx, syy = (np.zeros(shape) for _ in range(5))
    if totals is None:
        totals = (valid.sum(axis=-1), centred.sum(axis=-1), _dot(centred, centred))
    count, sums, squares = totals
    first, last, run = _contiguous_run(valid, count)
    fast = run[a] & run[b]
    if np.any(fast):
        f = np.flatnonzero(fast)
        fa, fb = a[f, None], b[f, None]
        lo = np.maximum(first[fa], first[fb] - lags)
        hi = np.minimum(last[fa], last[fb] - lags)
        overlap = hi > lo
        head_a, head_b = lo - first[fa], lo + lags - first[fb]
        tail_a, tail_b = last[fa] - hi, last[fb] - hi - lags
        edges = [np.where(overlap, e, 0) for e in (head_a, head_b, tail_a, tail_b)]
        heads = _edge_sums(centred, first, int(max(edges[0].max(), edges[1].max())), 1)
        tails = _edge_sums(centred, last - 1, int(max(edges[2].max(), edges[3].max())), -1)

        def window(k: int, row: IntArray, head: IntArray, tail: IntArray) -> FloatArray:
            inner = (sums, squares)[k][row] - heads[k, row, head] - tails[k, row, tail]
            return np.where(overlap, inner, 0.0)

        n[f] = np.where(overlap, hi - lo, 0)
        sx[f] = window(0, fa, edges[0], edges[2])
        sxx[f] = window(1, fa, edges[0], edges[2])
        sy[f] = window(0, fb, edges[1], edges[3])
        syy[f] = window(1, fb, edges[1], edges[3])
    if not np.all(fast):
        g = np.flatnonzero(~fast)
        ga, gb = a[g], b[g]
        fmx = np.fft.rfft(valid[ga].astype(np.float64), nfft)
        fmy = np.fft.rfft(valid[gb].astype(np.float64), nfft)
        n[g] = np.rint(xcorr(fmx, fmy))
        sx[g] = xcorr(spectrum[ga], fmy)
        sxx[g] = xcorr(np.fft.rfft(centred[ga] ** 2, nfft), fmy)
        sy[g] = xcorr(fmx, spectrum[gb])
        syy[g] = xcorr(fmx, np.fft.rfft(centred[gb] ** 2, nfft))
    mean_square = squares / np.maximum(count, 1)
    return _ccc_from_sums(
        n,
        sx,
        sy,
        sxx,
        syy,
        sxy,
        offset[a, None],
        offset[b, None],
        mean_square[a, None],
        mean_square[b, None],
    )


def _best_lag(per_lag: FloatArray, lags_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    defined = ~np.isnan(per_lag)
    any_defined = defined.any(axis=-1)
    best = np.argmax(np.where(defined, per_lag, -np.inf), axis=-1)
    at_best = np.take_along_axis(per_lag, best[..., None], -1)[..., 0]
    lag = lags_s[best] if lags_s.size else np.zeros(best.shape)
    return np.where(any_defined, lag, np.nan), np.where(any_defined, at_best, np.nan)


def lag_search_batch(
    reference: npt.ArrayLike,
    traces: npt.ArrayLike,
    rate_hz: float,
    max_lag_s: float = 6.0,
    *,
    min_lag_s: float = 0.0,
) -> LagSearchBatch:
    """:func:`lag_search` for stacks ``reference`` and ``traces`` broadcasting to one shape
    ``(..., n_samples)`` (e.g. ``(clips, 1, T)`` references against ``(clips, raters, T)``
    traces). Vectorised over the batch with FFT cross-correlations: ``O(T log T)`` per pair
    whatever the number of lags."""
    x = np.asarray(reference, dtype=np.float64)
    y = np.asarray(traces, dtype=np.float64)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("reference and traces must have a sample axis")
    _check_same_length(x, y, "reference and traces")
    lags = _lag_samples(rate_hz, max_lag_s, min_lag_s)
    x, y = np.broadcast_arrays(x, y)
    nfft = _fast_len(max(x.shape[-1] + (int(np.abs(lags).max()) if lags.size else 0), 1))
    rows = math.prod(x.shape[:-1])
    x2 = x.reshape(rows, x.shape[-1])
    y2 = y.reshape(rows, y.shape[-1])
    step = max(1, (_CHUNK_ELEMENTS // 4) // nfft)
    parts = []
    for lo in range(0, max(x2.shape[0], 1), step):
        chunk = np.concatenate([x2[lo : lo + step], y2[lo : lo + step]])
        valid = np.isfinite(chunk)
        k = chunk.shape[0] // 2
        parts.append(_per_lag(*_center(chunk, valid), valid, np.arange(k), k + np.arange(k), lags))
    per_lag = np.concatenate(parts).reshape((*x.shape[:-1], lags.size))
    best, at_best = _best_lag(per_lag, lags / float(rate_hz))
    return LagSearchBatch(best, at_best, per_lag)


def lag_search(
    reference: npt.ArrayLike,
    trace: npt.ArrayLike,
    rate_hz: float,
    max_lag_s: float = 6.0,
    *,
    min_lag_s: float = 0.0,
) -> LagSearch:
    """Reaction-lag search: annotators follow the media 1-6 s late, so compare
    ``reference[t]`` with ``trace[t + L]`` (the trace shifted *earlier* by ``L``) for every
    lag ``L`` of :func:`lag_grid` (``min_lag_s``..``max_lag_s`` in sample steps) and keep
    the lag maximising :func:`ccc` over the overlapping, pairwise-complete samples
    (cf. Mariooryad & Busso, 2015, IEEE Trans. Affective Computing 6(2):97-108).

    ``CCC(L) = 2 s_xy(L) / (s_x^2(L) + s_y^2(L) + (m_x(L) - m_y(L))^2)``; the cross sums for
    all lags come from one FFT cross-correlation and the shifted means/variances from
    cumulative sums, so the cost does not grow with the number of lags. Ties go to the
    smallest lag; lags with fewer than two overlapping samples are ``nan``; if no lag is
    defined, ``best_lag_s`` and ``ccc_at_best`` are ``nan``. ``ValueError`` if the lengths
    differ.
    """
    x = _as_trace(reference, "reference")
    y = _as_trace(trace, "trace")
    result = lag_search_batch(x, y, rate_hz, max_lag_s, min_lag_s=min_lag_s)
    return LagSearch(float(result.best_lag_s), float(result.ccc_at_best), result.ccc_per_lag)


def shift_earlier(trace: npt.ArrayLike, lag_s: npt.ArrayLike, rate_hz: float) -> FloatArray:
    """Shift traces ``(..., n_samples)`` earlier by ``lag_s`` seconds (rounded to samples;
    a scalar or one lag per trace, broadcasting over the leading axes):
    ``out[t] = trace[t + L]``, NaN where ``t + L`` falls outside the trace. A negative lag
    shifts later; a ``nan`` lag gives an all-NaN trace."""
    x = np.asarray(trace, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError("trace must have a sample axis")
    if not (math.isfinite(rate_hz) and rate_hz > 0):
        raise ValueError(f"rate_hz must be a positive number, got {rate_hz}")
    lag = np.broadcast_to(np.asarray(lag_s, dtype=np.float64), x.shape[:-1])
    known = np.isfinite(lag)
    steps = np.where(known, np.rint(np.where(known, lag, 0.0) * rate_hz), 0).astype(np.int64)
    source = np.arange(x.shape[-1], dtype=np.int64) + steps[..., None]
    inside = (source >= 0) & (source < x.shape[-1]) & known[..., None]
    taken = np.take_along_axis(x, np.clip(source, 0, max(x.shape[-1] - 1, 0)), -1)
    return np.where(inside, taken, np.nan)


class LagCompensatedCCC(NamedTuple):
    ccc: FloatArray  # (..., R, R) symmetric; best CCC over relative lags within +-max_lag_s
    lag_s: FloatArray  # (..., R, R) lag of rater b behind rater a at the best CCC (antisymmetric)


def _lag_compensated_core(
    p: _Centred, lags: IntArray, rate_hz: float
) -> tuple[FloatArray, FloatArray]:
    stacks, raters, length = p.x.shape
    a_idx, b_idx = np.triu_indices(raters, 1)
    first = (np.arange(stacks) * raters)[:, None]
    rows = p.xc.reshape(-1, length)
    valid = p.valid.reshape(-1, length)
    if p.sums is not None and p.gram is not None:  # complete: the sums are known
        count = np.full(rows.shape[0], length)
        squares = np.diagonal(p.gram, axis1=-2, axis2=-1).reshape(-1)
        totals = (count, p.sums.reshape(-1), squares)
    else:
        count = valid.sum(axis=-1)
        totals = (count, rows.sum(axis=-1), _dot(rows, rows))
    per_lag = _per_lag(
        rows,
        p.offset.reshape(-1),
        valid,
        (first + a_idx).ravel(),
        (first + b_idx).ravel(),
        lags,
        totals,
    ).reshape(stacks, a_idx.size, lags.size)
    best_lag_s, ccc_at_best = _best_lag(per_lag, lags / float(rate_hz))
    value = np.zeros((stacks, raters, raters))
    lag = np.zeros((stacks, raters, raters))
    value[:, a_idx, b_idx] = ccc_at_best
    value[:, b_idx, a_idx] = ccc_at_best
    lag[:, a_idx, b_idx] = best_lag_s
    lag[:, b_idx, a_idx] = -best_lag_s
    diag = np.arange(raters)
    enough = count.reshape(stacks, raters) >= 2
    value[:, diag, diag] = np.where(enough, 1.0, np.nan)
    lag[:, diag, diag] = np.where(enough, 0.0, np.nan)
    return value, lag


def lag_compensated_ccc(
    traces: npt.ArrayLike, rate_hz: float, max_lag_s: float = 6.0
) -> LagCompensatedCCC:
    """Lag-compensated pairwise CCC: for every rater pair ``(a, b)`` the maximum over
    relative lags ``|L| <= max_lag_s`` of ``CCC(trace_a[t], trace_b[t + L])`` (raters react
    with different lags, so their relative lag may have either sign), as in
    :func:`lag_search_batch` but transforming each rater's trace once for all its pairs.
    ``lag_s[a, b] = L`` is how far ``b`` lags behind ``a`` (``lag_s[b, a] = -L``). The diagonal
    is CCC 1.0 at lag 0 (``nan`` for a trace with fewer than two samples). Being a maximum over
    lags, it is biased upwards compared with :func:`ccc_matrix` -- use it to discount reaction
    lag, not as an unbiased estimate. For a lag against a fixed reference (the media, a gold
    trace), use :func:`lag_search`."""
    x = _as_traces(traces)
    lags = _lag_samples(rate_hz, max_lag_s, -max_lag_s)
    value, lag = _batched(
        lambda chunk: _lag_compensated_core(_centred(chunk, moments=False), lags, rate_hz),
        [x],
        2,
    )
    return LagCompensatedCCC(value, lag)


class TraceFigures(NamedTuple):
    ccc: FloatArray  # (..., R, R) as ccc_matrix
    ccc_rater_vs_rest: FloatArray  # (..., R) as ccc_rater_vs_rest
    icc: dict[str, FloatArray]  # as icc_batch
    cronbach_alpha: FloatArray  # (...) as cronbach_alpha_batch
    lag_compensated: LagCompensatedCCC  # as lag_compensated_ccc


def trace_figures(traces: npt.ArrayLike, rate_hz: float, max_lag_s: float = 6.0) -> TraceFigures:
    """:func:`ccc_matrix`, :func:`ccc_rater_vs_rest`, :func:`icc_batch`,
    :func:`cronbach_alpha_batch` and :func:`lag_compensated_ccc` of one stack
    ``(..., n_raters, n_samples)`` in one pass over it: each chunk of the batch is centred
    once, and a complete chunk's Gram matrix gives the sums all but the lag search need."""
    x = _as_traces(traces)
    lags = _lag_samples(rate_hz, max_lag_s, -max_lag_s)

    def core(chunk: FloatArray) -> tuple[FloatArray, ...]:
        p = _centred(chunk)
        return (
            *_ccc_matrix_core(p),
            *_rater_vs_rest_core(p),
            *_icc_core(p),
            *_cronbach_core(p),
            *_lag_compensated_core(p, lags, rate_hz),
        )

    out = _batched(core, [x], 2)
    return TraceFigures(
        out[0],
        out[1],
        dict(zip(_ICC_KEYS, out[2:8], strict=True)),
        out[8],
        LagCompensatedCCC(out[9], out[10]),
    )


# ----------------------------------------------------------------------------- EWE


class EWEResult(NamedTuple):
    gold: FloatArray  # (..., n_samples)
    weights: FloatArray  # (..., n_raters), non-negative, summing to 1


def _ewe_core(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    raters = x.shape[-2]
    r = _pearson_core(x, _rest_means(x))  # (b, R)
    weights = np.where(np.isfinite(r), np.maximum(r, 0.0), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0), 1.0 / raters)
    valid = np.isfinite(x)
    present = np.where(valid, weights[..., None], 0.0)
    mass = present.sum(axis=-2)
    weighted = (present * np.where(valid, x, 0.0)).sum(axis=-2)
    gold = np.full(mass.shape, np.nan)
    np.divide(weighted, mass, out=gold, where=mass > 0)
    return gold, weights


def ewe(traces: npt.ArrayLike) -> EWEResult:
    """Evaluator Weighted Estimator (Grimm & Kroschel, 2005, "Evaluation of natural emotions
    using self assessment manikins", IEEE ASRU; Grimm et al., 2007, Speech Communication
    49:787-800): ``gold_t = sum_k w_k x_kt / sum_k w_k`` with ``w_k`` rater ``k``'s Pearson
    correlation with the mean of the other raters.

    Negative (and undefined: a constant trace, fewer than two paired samples) correlations
    weigh 0; if every weight is 0 the raters are weighted equally, so a single rater gets
    weight 1 and the gold trace is that rater's trace. Weights are normalised to sum to 1.
    NaN-aware: at each sample the weights of the raters present there are renormalised; a
    sample where only zero-weight raters (or none) are present is NaN.
    ``(..., n_raters, n_samples)`` -> ``gold (..., n_samples)``, ``weights (..., n_raters)``.
    """
    x = _as_traces(traces)
    gold, weights = _batched(_ewe_core, [x], 2)
    return EWEResult(gold, weights)


# ----------------------------------------------------------------------------- Krippendorff


def _bin_edges(bins: int | npt.ArrayLike, value_range: tuple[float, float]) -> FloatArray:
    if isinstance(bins, (int, np.integer)):
        lo, hi = value_range
        if int(bins) < 1 or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"need bins >= 1 and a finite value_range lo < hi, got {bins}")
        return np.linspace(lo, hi, int(bins) + 1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bin edges must be a strictly increasing 1-D array of >= 2 edges")
    if not np.all(np.isfinite(edges)):
        raise ValueError("bin edges must be finite")
    return edges


def krippendorff_alpha_binned_batch(
    traces: npt.ArrayLike,
    bins: int | npt.ArrayLike = 10,
    *,
    level: Level,
    value_range: tuple[float, float] = (-1.0, 1.0),
) -> FloatArray:
    """:func:`krippendorff_alpha_binned` of each stack of ``(..., n_raters, n_samples)`` ->
    ``(...)``: the values are binned for many stacks at once; the ``krippendorff`` package
    computes each alpha from that stack's samples x bins ``value_counts``, unanimous
    samples pooled (:func:`~annotation.agreement.categorical.pairable_units`)."""
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"unknown level {level!r}")
    x = _as_traces(traces)
    edges = _bin_edges(bins, value_range)
    n_bins = edges.size - 1
    centres = (edges[:-1] + edges[1:]) / 2
    raters, samples = x.shape[-2:]
    stacks = x.reshape(-1, raters, samples)
    out = np.full(stacks.shape[0], np.nan)
    step = max(1, _CHUNK_ELEMENTS // max(samples * n_bins, 1))
    for lo in range(0, stacks.shape[0], step):
        chunk = stacks[lo : lo + step]
        valid = np.isfinite(chunk)
        code = np.clip(np.searchsorted(edges, chunk[valid], side="right") - 1, 0, n_bins - 1)
        unit = np.arange(chunk.shape[0])[:, None, None] * samples + np.arange(samples)
        cell = np.broadcast_to(unit, chunk.shape)[valid] * n_bins + code
        counts = np.bincount(cell, minlength=chunk.size // raters * n_bins)
        for i, per_sample in enumerate(counts.reshape(-1, samples, n_bins)):
            units = pairable_units(per_sample)
            used = units.sum(axis=0) > 0
            if np.count_nonzero(used) < 2:
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                value = krippendorff.alpha(
                    value_counts=units[:, used],
                    value_domain=centres[used],
                    level_of_measurement=level,
                )
            out[lo + i] = value if math.isfinite(value) else np.nan
    return out.reshape(x.shape[:-2])


def krippendorff_alpha_binned(
    traces: npt.ArrayLike,
    bins: int | npt.ArrayLike = 10,
    *,
    level: Level,
    value_range: tuple[float, float] = (-1.0, 1.0),
) -> float:
    """Krippendorff's alpha (Krippendorff, 2011, "Computing Krippendorff's Alpha-
    Reliability") of ``traces`` ``(n_raters, n_samples)`` after binning the values: each
    sample is a unit, each bin a value (its centre), through the ``krippendorff`` package fed
    the samples x bins ``value_counts`` matrix (raw floats would make it build an N x V x V
    array over every distinct float). ``alpha = 1 - D_o / D_e`` with the ``level``'s distance
    (nominal, ordinal, interval: squared difference of centres, ratio).

    ``bins`` is a number of equal bins over ``value_range`` or the strictly increasing bin
    edges; values outside are clipped into the end bins and the last bin includes its right
    edge. Missing samples are skipped; samples with fewer than two present raters are
    unpairable. Undefined (``nan``): no pairable sample (e.g. one rater), or all pairable
    values in one bin (``D_e = 0``).
    """
    x = _as_traces(traces)
    if x.ndim != 2:
        raise ValueError(f"traces must be (n_raters, n_samples), got shape {x.shape}")
    return float(krippendorff_alpha_binned_batch(x, bins, level=level, value_range=value_range))
