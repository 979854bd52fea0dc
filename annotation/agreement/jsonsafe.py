"""JSON-safe values for reports and release files: numpy to Python, NaN/inf to null
("undefined"), floats rounded so the same numbers always print the same."""

import math
from typing import Any

import numpy as np

DECIMALS = 6


def clean(value: Any) -> Any:
    """Recursively: numpy scalars/arrays to Python, non-finite floats to None, -0.0 to 0.0."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        rounded = round(value, DECIMALS)
        return 0.0 if rounded == 0 else rounded
    return value
