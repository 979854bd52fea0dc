"""Releases stream their tables in batches: the JSON spelling done column by column (in Python
or by Arrow's kernels) equals ``compact`` of each value and row, and the files do not depend on
how rows were batched or where row groups fall. File names escape clip ids as ``quote`` does,
only faster."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import synthetic_release

from exports.pipeline import build_release, safe_name, tables, writers
from exports.pipeline.archive import release_files
from exports.pipeline.arrowjson import arrow_fragments, arrow_objects, concatenated
from exports.pipeline.jsonfmt import canonical, compact, fragments
from exports.pipeline.naming import MAX_NAME

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([-0.0, 1e-7, 1e16, 0.1 + 0.2])
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
# Columns of one kind (as tables have them) and of mixed kinds.
columns = st.one_of(
    st.lists(st.none() | st.text(), max_size=6),
    st.lists(st.none() | st.integers(), max_size=6),
    st.lists(st.none() | st.booleans(), max_size=6),
    st.lists(st.none() | st.floats() | st.sampled_from([-0.0, 5e-7, -4e-7, 1e16]), max_size=6),
    st.lists(st.none() | st.lists(st.text(), max_size=3), max_size=6),
    st.lists(st.none() | st.dictionaries(st.text(max_size=3), values, max_size=3), max_size=6),
    st.lists(values, max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(columns)
def test_fragments_spell_each_value_as_compact_and_canonical(column: list[Any]) -> None:
    assert fragments(column) == [compact(v) for v in column]
    assert fragments(column, sort_keys=True) == [canonical(v) for v in column]


# Text with what JSON escapes (short escapes, other control characters) and what it does not.
texts = st.text() | st.text(st.sampled_from('"\\/\n\r\t\b\f\x00\x1f\x7f\x85\u2028a中😀%{'))
# Columns as tables hold them: (column type, values); the Arrow array is the writer's.
typed_columns = st.one_of(
    st.tuples(st.just("string"), st.lists(st.none() | texts, max_size=8)),
    st.tuples(st.just("int64"), st.lists(st.none() | st.integers(-(2**63), 2**63 - 1), max_size=8)),
    st.tuples(st.just("bool"), st.lists(st.none() | st.booleans(), max_size=8)),
    st.tuples(
        st.just("list<string>"),
        st.lists(st.none() | st.lists(st.none() | texts, max_size=3), max_size=8),
    ),
    st.tuples(st.just("float64"), st.lists(st.none() | st.floats(), max_size=8)),
)


@settings(max_examples=300, deadline=None)
@given(typed_columns)
def test_arrow_fragments_spell_each_value_as_compact(column: tuple[str, list[Any]]) -> None:
    kind, values = column
    array = writers._array(values, kind)
    assert arrow_fragments(values, array).to_pylist() == [compact(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4, unique=True), st.data())
def test_objects_spell_rows_as_compact(names: list[str], data: st.DataObject) -> None:
    drawn = data.draw(st.lists(st.fixed_dictionaries({n: values for n in names}), max_size=4))
    rows = [{n: row[n] for n in names} for row in drawn]  # keys in column order
    spelled = [pa.array(fragments([row[n] for row in rows]), pa.string()) for n in names]
    lines = arrow_objects(names, spelled, "\n")
    assert lines.to_pylist() == [compact(row) + "\n" for row in rows]
    assert concatenated(lines).to_pybytes() == "".join(lines.to_pylist()).encode()


def _files(out: Path) -> dict[str, bytes]:
    return {rel: (out / rel).read_bytes() for rel in release_files(out)}


def test_release_bytes_do_not_depend_on_batches_or_row_group_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups of 50 rows, filled by batches of 7 rows or by one batch: the same bytes
    (the traces table has thousands of rows, so groups fill across batch boundaries)."""
    data = synthetic_release()
    monkeypatch.setattr(writers, "ROW_GROUP", 50)
    build_release(data, tmp_path / "whole")
    monkeypatch.setattr(tables, "BATCH", 7)
    build_release(data, tmp_path / "batched")
    whole, batched = _files(tmp_path / "whole"), _files(tmp_path / "batched")
    assert whole == batched
    assert pq.ParquetFile(tmp_path / "batched" / "data" / "traces.parquet").num_row_groups > 2
    for rel in (r for r in batched if r.endswith(".parquet")):  # as pq.write_table groups
        meta = pq.ParquetFile(tmp_path / "batched" / rel).metadata
        groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        n = meta.num_rows
        assert groups == [50] * (n // 50) + ([n % 50] if n % 50 or not n else []), rel


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_file_names_escape_as_quote_does(clip_id: str) -> None:
    """``safe_name`` escapes only the runs ``quote`` would change, and the same way."""
    name = quote(clip_id, safe="-_.")
    if name.startswith("."):
        name = "%2E" + name[1:]
    expected = name if name and len(name) <= MAX_NAME else None
    if expected is not None:
        assert safe_name(clip_id) == expected
