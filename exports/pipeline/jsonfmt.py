"""One JSON spelling for every file: plain Python values, floats rounded to 6 decimals, NaN and
infinities as null, UTF-8 text (not \\u escapes), no trailing spaces.

``fragments`` spells a whole table column the way ``compact`` spells each value, without a
``json.dumps`` call per plain value (releases write millions of them); ``arrow_fragments`` does
the same in Arrow's kernels for the columns Arrow holds as strings, integers, booleans or lists
of strings, and ``arrow_objects`` joins columns of fragments into one ``compact`` object per row.
"""

import json
from collections.abc import Sequence
from types import NoneType
from typing import Any

from annotation.agreement.jsonsafe import DECIMALS, clean

__all__ = [
    "DECIMALS",
    "canonical",
    "clean",
    "compact",
    "fragments",
    "pretty",
    "text_lines",
]

# The string encoder json.dumps itself uses with ensure_ascii=False (the C one when built).
string = json.encoder.encode_basestring
KEYWORDS = {None: "null", True: "true", False: "false"}


def text_lines(text: str) -> list[str]:
    """The lines of a JSONL or text file we wrote: rows end at "\\n" (a "\\r" before it is
    dropped). Not ``str.splitlines``: U+2028, U+2029 and U+0085 sit unescaped inside strings."""
    return [line.removesuffix("\r") for line in text.split("\n")]


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


def _fragment(value: Any, sort_keys: bool) -> str:
    kind = type(value)
    if kind is str:
        return string(value)
    if value is None or kind is bool:
        return KEYWORDS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        value = clean(value)
        return KEYWORDS[None] if value is None else float.__repr__(value)
    if kind is list and all(type(v) is str for v in value):
        return "[" + ",".join(map(string, value)) + "]"
    return compact(value, sort_keys=sort_keys)


def fragments(values: Sequence[Any], *, sort_keys: bool = False) -> list[str]:
    """``compact(v)`` (``canonical(v)`` with ``sort_keys``) of every value; a column of one
    plain type (nulls allowed) is spelled in one pass."""
    kinds = set(map(type, values)) - {NoneType}
    null = KEYWORDS[None]
    if kinds <= {str}:
        return [null if v is None else string(v) for v in values]
    if kinds == {int}:
        return [null if v is None else int.__repr__(v) for v in values]
    if kinds == {bool}:
        return [KEYWORDS[v] for v in values]
    if kinds == {float}:  # clean's rounding; v - v is not 0 for NaN and infinities
        return [
            null if v is None or v - v != 0 else float.__repr__(round(v, DECIMALS) or 0.0)
            for v in values
        ]
    if kinds == {list}:
        try:  # lists of text (multi-label answers)
            return [null if v is None else "[" + ",".join(map(string, v)) + "]" for v in values]
        except TypeError:
            pass
    if kinds == {dict} and not sort_keys:  # objects in key order (soft labels, metrics)
        return _objects(values)
    return [null if v is None else _fragment(v, sort_keys) for v in values]


def _objects(values: Sequence[dict[Any, Any] | None]) -> list[str]:
    """``compact`` of each dict (or None), the values of all those with text keys spelled
    together in one ``fragments`` call."""
    plain = [v if v is not None and all(type(k) is str for k in v) else None for v in values]
    inner = iter(fragments([x for v in plain if v is not None for x in v.values()]))
    return [
        compact(v)
        if p is None
        else "{" + ",".join([string(k) + ":" + next(inner) for k in p]) + "}"
        for v, p in zip(values, plain, strict=True)
    ]
