"""Columnar tables: equal-length NumPy columns, the type every stage passes on.

A column may be 1-D (N,), a vector (N, k) or a matrix (N, k, k). `Table.to_arrow`
converts at the boundary (vectors and matrices become fixed-size lists, strings are
dictionary-encoded); Parquet files are read and written by `tracklayer.io.tables`.
This module imports nothing else from tracklayer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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

    def take(self, index: np.ndarray) -> Table:
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
