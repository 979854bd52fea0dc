"""One JSON spelling for every file: plain Python values, floats rounded to 6 decimals, NaN and
infinities as null, UTF-8 text (not \\u escapes), no trailing spaces.

``fragments`` and ``objects`` spell whole table columns the way ``compact`` spells each value
and row, without a ``json.dumps`` call per plain value (releases write millions of them).
"""

import json
from collections.abc import Sequence
from types import NoneType
from typing import Any

from annotation.agreement.jsonsafe import DECIMALS, clean

__all__ = ["DECIMALS", "canonical", "clean", "compact", "fragments", "objects", "pretty"]

# The string encoder json.dumps itself uses with ensure_ascii=False (the C one when built).
_string = json.encoder.encode_basestring
_KEYWORDS = {None: "null", True: "true", False: "false"}


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
        return _string(value)
    if value is None or kind is bool:
        return _KEYWORDS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        value = clean(value)
        return _KEYWORDS[None] if value is None else float.__repr__(value)
    if kind is list and all(type(v) is str for v in value):
        return "[" + ",".join(map(_string, value)) + "]"
    return compact(value, sort_keys=sort_keys)


def fragments(values: Sequence[Any], *, sort_keys: bool = False) -> list[str]:
    """``compact(v)`` (``canonical(v)`` with ``sort_keys``) of every value; a column of one
    plain type (nulls allowed) is spelled in one pass."""
    kinds = set(map(type, values)) - {NoneType}
    null = _KEYWORDS[None]
    if kinds <= {str}:
        return [null if v is None else _string(v) for v in values]
    if kinds == {int}:
        return [null if v is None else int.__repr__(v) for v in values]
    if kinds == {bool}:
        return [_KEYWORDS[v] for v in values]
    if kinds == {float}:  # clean's rounding; v - v is not 0 for NaN and infinities
        return [
            null if v is None or v - v != 0 else float.__repr__(round(v, DECIMALS) or 0.0)
            for v in values
        ]
    if kinds == {list}:
        try:  # lists of text (multi-label answers)
            return [null if v is None else "[" + ",".join(map(_string, v)) + "]" for v in values]
        except TypeError:
            pass
    if kinds == {dict} and not sort_keys:  # objects in key order (soft labels, metrics)
        return [null if v is None else _object(v) for v in values]
    return [null if v is None else _fragment(v, sort_keys) for v in values]


def _object(value: dict[Any, Any]) -> str:
    if not all(type(k) is str for k in value):
        return compact(value)
    spelled = fragments(list(value.values()))
    return "{" + ",".join(map("{}:{}".format, map(_string, value), spelled)) + "}"


def objects(names: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """``{"name":fragment,...}`` per row from columns of fragments (``compact`` of the row as
    a dict in this key order; for ``canonical`` pass the names sorted, with sorted
    fragments)."""
    spec = ",".join(_string(name).replace("%", "%%") + ":%s" for name in names)
    return list(map(("{" + spec + "}").__mod__, zip(*columns, strict=True)))
