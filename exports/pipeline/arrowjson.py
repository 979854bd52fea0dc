"""The JSON spelling of ``jsonfmt`` by Arrow's kernels, for the release writers: a column of
one plain type (text, integers, booleans, lists of text) spelled in C, the same bytes as
``jsonfmt.compact``. Apart from ``jsonfmt`` because it needs pyarrow, which the web processes
import through ``jsonfmt`` (the drafts importer's reading of predictions) and must not load."""

from collections.abc import Sequence
from types import NoneType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from exports.pipeline.jsonfmt import KEYWORDS, fragments, string

# What ``json.dumps(ensure_ascii=False)`` escapes in a string: the backslash (first, so the
# escapes added after it stay), the quote and the control characters with a short escape; any
# other control character (a \\u00XX escape) sends the column to ``fragments``.
_SHORT_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                  ("\b", "\\b"), ("\f", "\\f"))  # fmt: skip
_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'
_CONTROL = r"[\x00-\x1f]"


def _json_strings(array: pa.Array) -> pa.Array | None:
    """Each string as a JSON string literal (nulls stay null); None when a control character
    without a short escape is in it."""
    if pc.any(pc.match_substring_regex(array, _NEEDS_ESCAPE)).as_py():
        for raw, escaped in _SHORT_ESCAPES:
            array = pc.replace_substring(array, raw, escaped)
        if pc.any(pc.match_substring_regex(array, _CONTROL)).as_py():
            return None
    return pc.binary_join_element_wise('"', array, '"', "")


def arrow_fragments(values: Sequence[Any], array: pa.Array) -> pa.Array:
    """``fragments(values)`` as an Arrow string array, given ``array``: the same values as the
    table's Arrow column. Columns of one plain type that Arrow spells as ``compact`` does
    (text, integers, booleans, lists of text; nulls allowed) are spelled by Arrow's kernels,
    the others (floats, JSON, mixed kinds) by ``fragments``."""
    kinds = set(map(type, values)) - {NoneType}
    kind = array.type
    spelled: pa.Array | None = None
    if kind == pa.string() and kinds <= {str}:
        spelled = _json_strings(array)
    elif kind == pa.int64() and kinds <= {int}:
        spelled = array.cast(pa.string())
    elif kind == pa.bool_() and kinds <= {bool}:
        spelled = pc.if_else(array, "true", "false")
    elif kind == pa.list_(pa.string()) and kinds <= {list}:
        items = _json_strings(array.values)  # a null item is spelled null, as compact does
        if items is not None:
            items = items.fill_null(KEYWORDS[None])
            lists = pa.ListArray.from_arrays(array.offsets, items)
            joined = pc.binary_join_element_wise("[", pc.binary_join(lists, ","), "]", "")
            spelled = pc.if_else(array.is_null(), KEYWORDS[None], joined)
    if spelled is None:
        return pa.array(fragments(values), pa.string())
    return spelled.fill_null(KEYWORDS[None])


def arrow_objects(names: Sequence[str], columns: Sequence[pa.Array], end: str = "") -> pa.Array:
    """``{"name":fragment,...}`` + ``end`` per row from Arrow columns of fragments (``compact``
    of the row as a dict in this key order; for ``canonical`` pass the names sorted, with
    sorted fragments). Large strings, so a batch's rows may exceed 2 GiB together."""
    text = pa.large_string()
    pieces: list[Any] = []
    for i, (name, column) in enumerate(zip(names, columns, strict=True)):
        pieces += [pa.scalar(("," if i else "{") + string(name) + ":", text), column.cast(text)]
    return pc.binary_join_element_wise(*pieces, pa.scalar("}" + end, text), pa.scalar("", text))


def concatenated(strings: pa.Array) -> pa.Buffer:
    """The strings of an Arrow array end to end, as one buffer (to write)."""
    text = pa.large_string()
    one = pa.LargeListArray.from_arrays(pa.array([0, len(strings)], pa.int64()), strings.cast(text))
    return pc.binary_join(one, pa.scalar("", text))[0].as_buffer()
