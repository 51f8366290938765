"""Parquet files of `tracklayer.table.Table`: vectors and matrices as fixed-size lists
(row-major for matrices, the cell shape in the field metadata), strings
dictionary-encoded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tracklayer.table import Table, concat

__all__ = ["Table", "concat", "write_parquet", "read_parquet"]  # Table and concat re-exported for callers of the old home


def write_parquet(table: Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write atomically: to a temporary name in the same folder, then rename."""
    import pyarrow.parquet as pq

    arrow = table.to_arrow(nested=False)
    if metadata:
        arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **metadata})
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(arrow, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_parquet(path: Path) -> Table:
    """Read a table written by `write_parquet` back into NumPy columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pq.read_table(path)
    cols: dict[str, np.ndarray] = {}
    for name in arrow.column_names:
        col = arrow.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            cols[name] = np.array(col.dictionary_decode().to_pylist(), dtype=object)
        elif pa.types.is_fixed_size_list(col.type):
            meta = arrow.schema.field(name).metadata or {}
            cell = tuple(int(d) for d in meta.get(b"shape", str(col.type.list_size).encode()).decode().split(","))
            cols[name] = col.flatten().to_numpy(zero_copy_only=False).reshape((len(col),) + cell)
        else:
            cols[name] = col.to_numpy(zero_copy_only=False)
    return Table(cols)
