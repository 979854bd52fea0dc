"""Table and file writers with fixed settings, so the same input gives the same bytes.

Parquet: pyarrow, zstd level 3, no dictionary encoding, one row group per 1 Mi rows, format
2.6, data page v1, no pandas metadata (tables are built from Arrow arrays). The footer's
``created_by`` names the pyarrow version: the same pyarrow gives the same bytes; pin it.
NaN floats are written as null.

A table streams through: each batch of rows becomes Arrow arrays (held until a row group is
full, then written) and JSONL lines (written at once), so no table is ever whole in Python
objects. The JSONL lines are spelled from the Arrow arrays by Arrow's kernels where they can be
(``arrowjson.arrow_fragments``). The Parquet bytes do not depend on how rows were batched.
"""

import hashlib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from exports.pipeline.arrowjson import arrow_fragments, arrow_objects, concatenated
from exports.pipeline.jsonfmt import compact, fragments, pretty
from exports.pipeline.tables import Batch, Table

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "json": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "float32": pa.float32(),
    "bool": pa.bool_(),
    "list<string>": pa.list_(pa.string()),
}
ROW_GROUP = 1 << 20


PARQUET: dict[str, Any] = {
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": False,
    "compression": "zstd",
    "compression_level": 3,
    "write_statistics": True,
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}
# Sees each batch with the JSON spelling of its values (``compact``), column by column, as
# Arrow string arrays.
Tap = Callable[[Batch, dict[str, pa.Array]], None]


def _array(values: Any, kind: str) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    if kind == "json":
        values = [None if v is None else compact(v) for v in values]
    if kind in ("float32", "float64"):
        array = np.asarray(
            [np.nan if v is None else v for v in values] if isinstance(values, list) else values,
            dtype=np.float32 if kind == "float32" else np.float64,
        )
        return pa.array(array, type=ARROW_TYPES[kind], mask=np.isnan(array))
    return pa.array(values, type=ARROW_TYPES[kind])


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema(
        [
            pa.field(c.name, ARROW_TYPES[c.type], metadata={"description": c.description})
            for c in table.columns
        ]
    )


class _RowGroups:
    """Arrow batches in, Parquet row groups of ``ROW_GROUP`` rows out: the row groups (and so
    the bytes) ``pq.write_table`` of the whole table would write."""

    def __init__(self, writer: pq.ParquetWriter, schema: pa.Schema) -> None:
        self.writer, self.schema = writer, schema
        self.pending: list[pa.RecordBatch] = []
        self.n_pending = 0
        self.written = False

    def add(self, batch: pa.RecordBatch) -> None:
        self.pending.append(batch)
        self.n_pending += batch.num_rows
        if self.n_pending >= ROW_GROUP:
            self._flush(final=False)

    def _flush(self, *, final: bool) -> None:
        rows = pa.Table.from_batches(self.pending, schema=self.schema)
        while rows.num_rows >= ROW_GROUP:
            self.writer.write_table(rows.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
            rows, self.written = rows.slice(ROW_GROUP), True
        if final and (rows.num_rows or not self.written):  # an empty table: one empty group
            self.writer.write_table(rows, row_group_size=ROW_GROUP)
        self.pending, self.n_pending = rows.to_batches(), rows.num_rows

    def close(self) -> None:
        self._flush(final=True)


def write_table(table: Table, directory: Path, tap: Tap | None = None) -> Table:
    """``<name>.parquet`` (and ``<name>.jsonl``) in ``directory``, batch by batch; returns the
    table with its row count."""
    directory.mkdir(parents=True, exist_ok=True)
    schema = arrow_schema(table)
    names = [c.name for c in table.columns]
    spell = table.jsonl or tap is not None
    with ExitStack() as stack:
        writer = stack.enter_context(
            pq.ParquetWriter(directory / f"{table.name}.parquet", schema, **PARQUET)
        )
        jsonl = (
            stack.enter_context((directory / f"{table.name}.jsonl").open("wb"))
            if table.jsonl
            else None
        )
        groups = _RowGroups(writer, schema)
        for batch in table.batches:
            arrays = [_array(batch[c.name], c.type) for c in table.columns]
            groups.add(pa.RecordBatch.from_arrays(arrays, schema=schema))
            n = len(arrays[0]) if arrays else 0
            table.n_rows += n
            if not spell or not n:
                continue
            spelled = {
                # A JSON column's Arrow array holds the spelling already.
                c.name: array.fill_null("null")
                if c.type == "json"
                else arrow_fragments(batch[c.name], array)
                for c, array in zip(table.columns, arrays, strict=True)
            }
            if jsonl is not None:
                jsonl.write(concatenated(arrow_objects(names, list(spelled.values()), "\n")))
            if tap is not None:
                tap(batch, spelled)
        groups.close()
    return table


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def write_json(path: Path, value: Any) -> Path:
    return write_text(path, pretty(value))


def write_jsonl_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    """One ``compact`` line per row; rows with the same keys in the same order (the usual
    case) are spelled column by column."""
    names = tuple(rows[0]) if rows else ()
    if rows and all(tuple(row) == names for row in rows):
        columns = [pa.array(fragments([row[name] for row in rows]), pa.string()) for name in names]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(concatenated(arrow_objects(names, columns, "\n")))
        return path
    return write_text(path, "".join(compact(row) + "\n" for row in rows))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
