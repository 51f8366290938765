"""Columnar tables: equal-length NumPy columns, the type every stage passes on.

A column may be 1-D (N,), a vector (N, k) or a matrix (N, k, k). A `Table` reads like
a NumPy structured array: ``len(table)`` is the number of rows, ``table["r_eci_m"]`` a
column, iteration yields rows (``{name: value}``), and ``table.columns`` maps names to
columns. It speaks the Arrow PyCapsule stream interface, so ``pyarrow.table(t)``,
``polars.DataFrame(t)`` and ``duckdb.sql("select ... from t")`` read it without a copy
through pandas; `Table.to_pandas` and `Table.to_polars` keep vector and matrix cells
shaped. Parquet files are read and written by `tracklayer.io.tables`.
This module imports nothing else from tracklayer.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from types import MappingProxyType
from typing import Any

import numpy as np

_REPR_COLUMNS = 24  # columns listed by repr before "... and N more"


class Table:
    """An ordered, read-only set of equal-length NumPy columns."""

    __slots__ = ("_cols",)

    def __init__(self, columns: Mapping[str, Any] | Table):
        cols = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {k: v.shape[0] for k, v in cols.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"columns differ in length: {lengths}")
        self._cols = cols

    # -- columns by name ----------------------------------------------------------
    def __getitem__(self, key: str) -> np.ndarray:
        return self._cols[key]

    def __contains__(self, key: object) -> bool:
        return key in self._cols

    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """Read-only mapping of column name to column, in order."""
        return MappingProxyType(self._cols)

    def keys(self) -> KeysView[str]:
        return self._cols.keys()

    def values(self) -> ValuesView[np.ndarray]:
        return self._cols.values()

    def items(self) -> ItemsView[str, np.ndarray]:
        return self._cols.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._cols.get(key, default)

    # -- rows -----------------------------------------------------------------------
    @property
    def num_rows(self) -> int:
        return next(iter(self._cols.values())).shape[0] if self._cols else 0

    def __len__(self) -> int:
        """Number of rows."""
        return self.num_rows

    def __bool__(self) -> bool:
        """True when the table has columns (even with no rows), as before rows counted."""
        return bool(self._cols)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Rows as ``{name: value}`` (vector and matrix cells as shaped arrays). Slow for
        big tables: work on the columns instead."""
        cols = list(self._cols.items())
        for i in range(self.num_rows):
            yield {k: v[i] for k, v in cols}

    def take(self, index: np.ndarray) -> Table:
        """Rows selected by an integer index or boolean mask."""
        return Table({k: v[index] for k, v in self._cols.items()})

    # -- interchange ---------------------------------------------------------------
    def to_arrow(self, *, nested: bool = True):
        """A `pyarrow.Table`. Vectors are fixed-size lists; matrices are fixed-size lists
        of fixed-size lists (``nested=False``: one flat row-major list per cell, the
        Parquet layout). The cell shape is also kept in the field metadata under
        ``shape``. Strings are dictionary-encoded."""
        import pyarrow as pa

        fields, arrays = [], []
        for name, col in self._cols.items():
            meta = None
            if col.dtype == object or col.dtype.kind in "US":
                arr = pa.array(col.astype(str).tolist()).dictionary_encode()
            elif col.ndim == 1:
                arr = pa.array(col)
            else:
                cell = col.shape[1:] if nested else (int(np.prod(col.shape[1:])),)
                arr = pa.array(np.ascontiguousarray(col).reshape(-1))
                for width in reversed(cell):
                    arr = pa.FixedSizeListArray.from_arrays(arr, width)
                meta = {"shape": ",".join(str(d) for d in col.shape[1:])}
            fields.append(pa.field(name, arr.type, metadata=meta))
            arrays.append(arr)
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """Arrow PyCapsule stream (see the Arrow C stream interface): lets pyarrow,
        polars, DuckDB and other Arrow readers take the table directly."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def to_pandas(self):
        """A `pandas.DataFrame` (requires pandas). Vector and matrix columns hold one
        array of the cell's shape per row; ``numpy.stack(df[name])`` gives the column back."""
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Table.to_pandas needs pandas: pip install pandas") from e
        data: dict[str, Any] = {}
        for name, col in self._cols.items():
            if col.ndim == 1:
                data[name] = col
            else:
                cells = np.empty(len(col), dtype=object)
                cells[:] = list(col)
                data[name] = cells
        return pd.DataFrame(data)

    def to_polars(self):
        """A `polars.DataFrame` (requires polars). Vector and matrix columns become
        polars ``Array`` columns of the cell's shape."""
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError("Table.to_polars needs polars: pip install polars") from e
        return pl.DataFrame([pl.Series(name, col) for name, col in self._cols.items()])

    def __repr__(self) -> str:
        lines = [f"Table: {self.num_rows} rows x {len(self._cols)} columns"]
        for name, col in list(self._cols.items())[:_REPR_COLUMNS]:
            dtype = "str" if col.dtype == object or col.dtype.kind in "US" else str(col.dtype)
            shape = f" {col.shape[1:]}" if col.ndim > 1 else ""
            lines.append(f"  {name}: {dtype}{shape}")
        if len(self._cols) > _REPR_COLUMNS:
            lines.append(f"  ... and {len(self._cols) - _REPR_COLUMNS} more")
        return "\n".join(lines)


def concat(tables: list[Table]) -> Table:
    """Row-wise concatenation of tables with the same columns."""
    if not tables:
        raise ValueError("nothing to concatenate")
    return Table({k: np.concatenate([t[k] for t in tables]) for k in tables[0].columns})
