"""One JSON spelling for every file: plain Python values, floats rounded to 6 decimals, NaN and
infinities as null, UTF-8 text (not \\u escapes), no trailing spaces."""

import json
import math
from typing import Any

import numpy as np

DECIMALS = 6


def clean(value: Any) -> Any:
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


def compact(value: Any, *, sort_keys: bool = False) -> str:
    """One line (JSONL rows, JSON cells in Parquet)."""
    return json.dumps(
        clean(value), ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"),
        allow_nan=False,
    )  # fmt: skip


def pretty(value: Any) -> str:
    """Indented, key order as given, newline at the end (JSON files)."""
    return json.dumps(clean(value), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def canonical(value: Any) -> str:
    """Sorted keys, for digests."""
    return compact(value, sort_keys=True)
