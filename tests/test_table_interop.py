"""A Table read by other tools: pyarrow, pandas, polars and DuckDB through the Arrow
PyCapsule stream or the explicit converters, with vector and matrix cells keeping their
shape both ways."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from tracklayer.table import Table


@pytest.fixture
def tracks(rng) -> Table:
    n = 7
    return Table({
        "t_s": np.arange(n, dtype=np.float64),
        "track_id": rng.integers(0, 5, n).astype(np.int32),
        "node": np.array([f"N{k % 3}" for k in range(n)], dtype=object),
        "x": rng.normal(size=(n, 6)),
        "P": rng.normal(size=(n, 6, 6)),
    })


def test_pyarrow_reads_the_stream_with_shaped_cells(tracks):
    """pa.table(t) takes the PyCapsule stream; a matrix column is a fixed-size list of
    fixed-size lists, and its cells come back equal to the NumPy cells."""
    arrow = pa.table(tracks)
    assert arrow.num_rows == len(tracks) == 7 and arrow.column_names == list(tracks.columns)
    p = arrow.schema.field("P")
    assert p.type.list_size == 6 and p.type.value_type.list_size == 6 and p.metadata[b"shape"] == b"6,6"
    np.testing.assert_array_equal(np.array(arrow.column("P")[3].as_py()), tracks["P"][3])
    np.testing.assert_array_equal(np.array(arrow.column("x").to_pylist()), tracks["x"])
    assert arrow.column("node").to_pylist() == tracks["node"].tolist()


def test_duckdb_queries_the_table_by_name(tracks):
    """DuckDB finds the Python variable and reads it through the stream: aggregates match
    NumPy's, and a matrix cell comes back as a 6 x 6 nested list."""
    t = tracks  # noqa: F841 - DuckDB looks the name up in this frame
    got = duckdb.sql("select node, count(*) as n, sum(t_s) as s from t group by node order by node").fetchall()
    want = [(n, int(np.sum(tracks["node"] == n)), float(tracks["t_s"][tracks["node"] == n].sum())) for n in ("N0", "N1", "N2")]
    assert got == want
    cell = duckdb.sql("select P from t where t_s = 4").fetchall()[0][0]
    np.testing.assert_array_equal(np.array(cell), tracks["P"][4])


def test_pandas_frames_have_one_row_per_row_and_shaped_cells(tracks):
    """to_pandas and pd.DataFrame(t) both give len(t) rows, the columns by name, and
    vector/matrix cells as arrays of the cell's shape that stack back to the column."""
    for df in (tracks.to_pandas(), pd.DataFrame(tracks)):
        assert df.shape == (7, 5) and list(df.columns) == list(tracks.columns)
        np.testing.assert_array_equal(df["t_s"].to_numpy(dtype=np.float64), tracks["t_s"])
        assert df["P"].iloc[2].shape == (6, 6)
        np.testing.assert_array_equal(np.stack(df["P"].to_list()), tracks["P"])
        np.testing.assert_array_equal(np.stack(df["x"].to_list()), tracks["x"])
        assert df["node"].tolist() == tracks["node"].tolist()
    assert tracks.to_pandas()["track_id"].dtype == np.int32


def test_polars_frames_have_array_columns_of_the_cell_shape(tracks):
    """to_polars and pl.DataFrame(t) (the stream) give Array columns whose NumPy form is
    the original (N, 6, 6) column; strings are plain text after the stream."""
    for df in (tracks.to_polars(), pl.DataFrame(tracks)):
        assert df.shape == (7, 5) and df.columns == list(tracks.columns)
        assert df.schema["P"] == pl.Array(pl.Float64, (6, 6))
        np.testing.assert_array_equal(df["P"].to_numpy(), tracks["P"])
        np.testing.assert_array_equal(df["x"].to_numpy(), tracks["x"])
        assert df["node"].cast(pl.String).to_list() == tracks["node"].tolist()


def test_repr_is_short_and_names_shapes(tracks):
    """repr gives rows x columns and one line per column with its dtype and cell shape,
    and stays short for wide tables."""
    text = repr(tracks)
    assert text.splitlines()[0] == "Table: 7 rows x 5 columns"
    assert "  P: float64 (6, 6)" in text and "  node: str" in text and "  t_s: float64" in text
    wide = Table({f"c{k}": np.zeros(2) for k in range(100)})
    assert len(repr(wide).splitlines()) < 30 and "more" in repr(wide)


def test_empty_table_streams(tracks):
    """Zero rows still stream with the full schema."""
    empty = tracks.take(np.zeros(0, dtype=np.int64))
    arrow = pa.table(empty)
    assert arrow.num_rows == 0 and arrow.schema.field("P").type.value_type.list_size == 6
    assert len(empty) == 0 and empty.to_pandas().shape == (0, 5)
