"""Checked reading of data files: every kind of damage is one `DataFileError` line naming the file."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.io.checked import DataFileError, json_field, printable, read_json, read_table
from tracklayer.io.tables import Table, write_parquet

COLUMNS = {"t_s": "f", "id": "i", "name": "s", "r_m": "f3", "P": "f2x2", "ok": "b"}


@pytest.fixture
def table_file(tmp_path):
    n = 5
    path = tmp_path / "t.parquet"
    write_parquet(Table({"t_s": np.arange(n, dtype=np.float64), "id": np.arange(n, dtype=np.int32),
                         "name": np.array(list("abcde"), dtype=object), "r_m": np.ones((n, 3)),
                         "P": np.ones((n, 2, 2)), "ok": np.ones(n, dtype=bool)}), path)
    return path


def test_a_good_table_passes(table_file):
    assert read_table(table_file, COLUMNS).num_rows == 5


@pytest.mark.parametrize(
    "columns, message",
    [
        ({"x": "f"}, "missing column(s) x"),
        ({"name": "f"}, "column name should hold numbers, found object"),
        ({"t_s": "i"}, "column t_s should hold integers, found float64"),
        ({"id": "s"}, "column id should hold text"),
        ({"r_m": "f"}, "column r_m should hold numbers, found float64 cells of shape (3,)"),
        ({"P": "f3x3"}, "column P should hold numbers in cells of shape (3, 3)"),
    ],
)
def test_wrong_columns_name_the_file_and_column(table_file, columns, message):
    with pytest.raises(DataFileError) as err:
        read_table(table_file, columns)
    assert str(err.value) == f"{table_file}: {message}" or str(err.value).startswith(f"{table_file}: {message}")
    assert len(err.value.lines) == 1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "missing"])
def test_damaged_parquet_is_one_line(table_file, damage):
    data = table_file.read_bytes()
    if damage == "missing":
        table_file.unlink()
    else:
        table_file.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"PAR1" + bytes(range(256)) + b"PAR1", "empty": b""}[damage])
    with pytest.raises(DataFileError, match=f"^{table_file}: ") as err:
        read_table(table_file, COLUMNS)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "text, kind, message",
    [
        (b'{"a": ', dict, "not readable JSON"),
        (b"\xff\xfe\x00", dict, "not readable JSON"),
        (b"[1, 2]", dict, "expected a JSON object, found list"),
        (b'{"a": 1}', list, "expected a JSON array, found dict"),
    ],
)
def test_damaged_json_is_one_line(tmp_path, text, kind, message):
    path = tmp_path / "doc.json"
    path.write_bytes(text)
    with pytest.raises(DataFileError, match=f"^{path}: {message}"):
        read_json(path, kind)


def test_json_fields_are_typed(tmp_path):
    path = tmp_path / "run.json"
    assert json_field(path, {"epoch": "2026-01-01"}, "epoch", str) == "2026-01-01"
    with pytest.raises(DataFileError, match="field epoch is missing"):
        json_field(path, {}, "epoch", str)
    with pytest.raises(DataFileError, match="field run.epoch should be str, found int 5"):
        json_field(path, {"epoch": 5}, "epoch", str, where="run")
    with pytest.raises(DataFileError, match="field n should be int, found bool"):
        json_field(path, {"n": True}, "n", int)


def test_printable_escapes_terminal_control_characters():
    assert printable("plain name-1 (ok)") == "plain name-1 (ok)"
    assert printable("red\x1b[31mX\rY\nZ\u202eW\x07") == "red\\x1b[31mX\\x0dY\\nZ\\u202eW\\x07"
    assert "\x1b" not in printable("\x9b2J")
