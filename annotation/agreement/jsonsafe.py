"""JSON-safe values for reports and release files: numpy to Python, NaN/inf to null
("undefined"), floats rounded so the same numbers always print the same."""

import math
from typing import Any

import numpy as np

DECIMALS = 6


def _float(value: float) -> float | None:
    if not math.isfinite(value):
        return None
    rounded = round(value, DECIMALS)
    return 0.0 if rounded == 0 else rounded


def clean(value: Any) -> Any:
    """Recursively: numpy scalars/arrays to Python, non-finite floats to None, -0.0 to 0.0."""
    # Exact-type checks first: releases clean millions of plain values.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return _float(value)
    if kind is dict:
        return {k if type(k) is str else str(k): clean(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, np.generic):
        return clean(value.item())
    if isinstance(value, float):
        return _float(value)
    return value


def clean_dict(value: dict[str, Any]) -> dict[str, Any]:
    """``clean`` of a dict: a dict."""
    cleaned: dict[str, Any] = clean(value)
    return cleaned
