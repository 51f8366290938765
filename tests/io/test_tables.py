"""Columnar tables: Parquet round trip of scalar, vector, matrix and string columns, the
atomic write, row selection and concatenation."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from tracklayer.io.tables import read_parquet, write_parquet
from tracklayer.table import Table, concat


def _detections(rng, n=50) -> Table:
    """A detections-like table: every column kind the pipeline writes."""
    return Table(
        {
            "t_s": np.arange(n, dtype=np.float64) * 0.5,
            "sensor_id": rng.integers(0, 30, n).astype(np.int32),
            "kind": rng.integers(0, 2, n).astype(np.int8),
            "ok": rng.random(n) < 0.5,
            "z": rng.normal(size=(n, 3)),
            "R": rng.normal(size=(n, 3, 3)),
            "sensor": np.array([f"SAT-{k % 7}" for k in range(n)], dtype=object),
            "snr": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
        }
    )


def test_parquet_round_trip_is_exact(tmp_path, rng):
    """write_parquet then read_parquet gives back every column bit for bit (NaN included),
    with dtypes and cell shapes (N,), (N, 3), (N, 3, 3) kept; strings come back as
    object arrays of str; schema metadata passed in is stored."""
    table = _detections(rng)
    path = tmp_path / "detections.parquet"
    write_parquet(table, path, metadata={"scenario": "smoke", "seed": "7"})
    back = read_parquet(path)
    assert list(back.columns) == list(table.columns)
    assert back.num_rows == 50
    for name in table.columns:
        a, b = table[name], back[name]
        assert b.shape == a.shape, name
        if a.dtype == object:
            assert b.dtype == object and b.tolist() == a.tolist()
        else:
            assert b.dtype == a.dtype, name
            np.testing.assert_array_equal(b, a)
    meta = pq.read_schema(path).metadata
    assert meta[b"scenario"] == b"smoke" and meta[b"seed"] == b"7"


def test_matrix_cells_are_row_major_fixed_size_lists(tmp_path, rng):
    """Other tools read matrices as fixed-size lists of 9 in row-major order with the cell
    shape in the field metadata: read with plain pyarrow, cell 0 equals R[0].ravel()."""
    table = _detections(rng, 5)
    path = tmp_path / "t.parquet"
    write_parquet(table, path)
    arrow = pq.read_table(path)
    field = arrow.schema.field("R")
    assert field.type.list_size == 9 and field.metadata[b"shape"] == b"3,3"
    np.testing.assert_array_equal(np.array(arrow.column("R")[0].as_py()), table["R"][0].ravel())


def test_write_is_atomic_and_overwrites(tmp_path, rng):
    """After a write only the target file exists in the folder (no .tmp left over); writing
    again replaces it; a write that fails (unsupported column) leaves the previous file
    intact."""
    path = tmp_path / "tracks.parquet"
    write_parquet(_detections(rng, 10), path)
    write_parquet(_detections(rng, 20), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracks.parquet"]
    assert read_parquet(path).num_rows == 20
    bad = Table({"x": np.array([1 + 2j, 3j])})
    with pytest.raises(NotImplementedError):  # pyarrow cannot store complex numbers
        write_parquet(bad, path)
    assert read_parquet(path).num_rows == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracks.parquet"]


def test_empty_table_round_trip(tmp_path):
    """A table with zero rows keeps its columns and cell shapes through Parquet."""
    table = Table({"t_s": np.zeros(0), "z": np.zeros((0, 3)), "R": np.zeros((0, 3, 3)), "name": np.array([], dtype=object)})
    path = tmp_path / "empty.parquet"
    write_parquet(table, path)
    back = read_parquet(path)
    assert back.num_rows == 0
    assert back["z"].shape == (0, 3) and back["R"].shape == (0, 3, 3)


def test_concat_and_take(rng):
    """concat stacks rows in order (vectors and matrices too); take selects rows by index or
    mask; columns of different lengths are refused; concat of nothing is refused."""
    a, b = _detections(rng, 4), _detections(rng, 6)
    c = concat([a, b])
    assert c.num_rows == len(c) == 10 and list(c.columns) == list(a.columns)
    np.testing.assert_array_equal(c["R"][4:], b["R"])
    np.testing.assert_array_equal(c["z"][:4], a["z"])
    assert c["sensor"].tolist() == a["sensor"].tolist() + b["sensor"].tolist()
    picked = c.take(np.array([9, 0]))
    np.testing.assert_array_equal(picked["R"], c["R"][[9, 0]])
    assert c.take(c["t_s"] > 1.0).num_rows == int(np.sum(c["t_s"] > 1.0))
    with pytest.raises(ValueError):
        Table({"a": np.zeros(3), "b": np.zeros(4)})
    with pytest.raises(ValueError):
        concat([])


def test_table_is_read_only_and_counts_rows(rng):
    """len() is the number of rows, ``in`` asks for a column, ``columns`` maps names to
    columns, iteration yields rows; no item assignment."""
    t = _detections(rng, 3)
    assert "z" in t and "nope" not in t and len(t) == 3 and len(t.columns) == 8
    assert list(t.columns) == list(t.keys()) and t.columns["z"] is t["z"]
    rows = list(t)
    assert len(rows) == 3 and list(rows[2]) == list(t.columns)
    np.testing.assert_array_equal(rows[2]["R"], t["R"][2])
    assert rows[1]["sensor"] == t["sensor"][1]
    assert bool(Table({"a": np.zeros(0)})) and not Table({})
    with pytest.raises(TypeError):
        t["new"] = np.zeros(3)  # type: ignore[index]
    with pytest.raises(TypeError):
        t.columns["new"] = np.zeros(3)  # type: ignore[index]
