"""Table and file writers with fixed settings, so the same input gives the same bytes.

Parquet: pyarrow, zstd level 3, no dictionary encoding, one row group per 1 Mi rows, format
2.6, data page v1, no pandas metadata (tables are built from Arrow arrays). The footer's
``created_by`` names the pyarrow version: the same pyarrow gives the same bytes; pin it.
NaN floats are written as null.
"""

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from exports.pipeline.jsonfmt import compact, pretty
from exports.pipeline.tables import Table

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


def _array(values: Any, kind: str) -> pa.Array:
    if kind == "json":
        values = [None if v is None else compact(v) for v in values]
    if kind in ("float32", "float64"):
        array = np.asarray(
            [np.nan if v is None else v for v in values] if isinstance(values, list) else values,
            dtype=np.float32 if kind == "float32" else np.float64,
        )
        return pa.array(array, type=ARROW_TYPES[kind], mask=np.isnan(array))
    return pa.array(values, type=ARROW_TYPES[kind])


def arrow_table(table: Table) -> pa.Table:
    arrays = [_array(table.data[c.name], c.type) for c in table.columns]
    schema = pa.schema(
        [
            pa.field(c.name, ARROW_TYPES[c.type], metadata={"description": c.description})
            for c in table.columns
        ]
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(table: Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        arrow_table(table),
        path,
        row_group_size=ROW_GROUP,
        version="2.6",
        data_page_version="1.0",
        use_dictionary=False,
        compression="zstd",
        compression_level=3,
        write_statistics=True,
        store_schema=True,
        write_page_index=False,
        write_page_checksum=False,
    )
    return path


def write_jsonl(table: Table, path: Path) -> Path:
    lines = [compact(row) + "\n" for row in table.rows()]
    return write_text(path, "".join(lines))


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def write_json(path: Path, value: Any) -> Path:
    return write_text(path, pretty(value))


def write_jsonl_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write_text(path, "".join(compact(row) + "\n" for row in rows))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
