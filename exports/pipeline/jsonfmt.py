"""One JSON spelling for every file: plain Python values, floats rounded to 6 decimals, NaN and
infinities as null, UTF-8 text (not \\u escapes), no trailing spaces."""

import json
from typing import Any

from annotation.agreement.jsonsafe import DECIMALS, clean

__all__ = ["DECIMALS", "canonical", "clean", "compact", "pretty"]


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
