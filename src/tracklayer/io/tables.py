"""Columnar tables: equal-length NumPy columns, Arrow/Parquet only at the boundary.

A column may be 1-D (N,), a vector (N, k) or a matrix (N, k, k); in Parquet vectors
and matrices become fixed-size lists (row-major for matrices). String columns are
dictionary-encoded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np


class Table(Mapping[str, np.ndarray]):
    """An ordered, read-only set of equal-length NumPy columns."""

    __slots__ = ("_cols",)

    def __init__(self, columns: Mapping[str, np.ndarray]):
        cols = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {k: v.shape[0] for k, v in cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns differ in length: {lengths}")
        self._cols = cols

    def __getitem__(self, key: str) -> np.ndarray:
        return self._cols[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols)

    def __len__(self) -> int:  # number of columns, as for any Mapping
        return len(self._cols)

    @property
    def num_rows(self) -> int:
        return next(iter(self._cols.values())).shape[0] if self._cols else 0

    def take(self, index: np.ndarray) -> "Table":
        """Rows selected by an integer index or boolean mask."""
        return Table({k: v[index] for k, v in self._cols.items()})

    def to_arrow(self):
        """A `pyarrow.Table` (vectors/matrices as fixed-size lists; the cell shape is kept
        in the field metadata under ``shape``)."""
        import pyarrow as pa

        fields, arrays = [], []
        for name, col in self._cols.items():
            meta = None
            if col.dtype == object or col.dtype.kind in "US":
                arr = pa.array(col.astype(str).tolist()).dictionary_encode()
            elif col.ndim == 1:
                arr = pa.array(col)
            else:
                width = int(np.prod(col.shape[1:]))
                arr = pa.FixedSizeListArray.from_arrays(pa.array(np.ascontiguousarray(col).reshape(-1)), width)
                meta = {"shape": ",".join(str(d) for d in col.shape[1:])}
            fields.append(pa.field(name, arr.type, metadata=meta))
            arrays.append(arr)
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def to_pandas(self):
        """A pandas DataFrame (requires pandas)."""
        return self.to_arrow().to_pandas()

    def __repr__(self) -> str:
        return f"Table({self.num_rows} rows: {', '.join(self._cols)})"


def concat(tables: list[Table]) -> Table:
    """Row-wise concatenation of tables with the same columns."""
    if not tables:
        raise ValueError("nothing to concatenate")
    return Table({k: np.concatenate([t[k] for t in tables]) for k in tables[0]})


def write_parquet(table: Table, path: Path, metadata: dict[str, str] | None = None) -> None:
    """Write atomically: to a temporary name in the same folder, then rename."""
    import pyarrow.parquet as pq

    arrow = table.to_arrow()
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
