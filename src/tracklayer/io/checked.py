"""Checked reading of the data files tracklayer reads back: JSON documents and Parquet tables.

Files written by tracklayer (a run folder's ``run.json``, ``scene.czml`` and tables,
a campaign's store) may have been damaged, cut short or rewritten by another
program before they are read again. Every reader checks what it relies on here and
raises `DataFileError`, whose message is one line naming the file and the problem,
instead of failing somewhere downstream.

A table's expected columns are given as ``{name: spec}`` where ``spec`` is one of
``"f"`` (numbers), ``"i"`` (integers), ``"b"`` (booleans) or ``"s"`` (text),
optionally followed by the cell shape of a fixed-size column: ``"f3"`` is a
3-vector per row, ``"f3x3"`` a 3x3 matrix per row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tracklayer.errors import TracklayerError
from tracklayer.io.tables import read_parquet
from tracklayer.table import Table

__all__ = ["DataFileError", "read_json", "json_field", "read_table", "check_columns", "printable"]

_KINDS = {"f": ("numbers", "iuf"), "i": ("integers", "iu"), "b": ("booleans", "b"), "s": ("text", "OUS")}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class DataFileError(TracklayerError, ValueError):
    """A data file that cannot be used as it is; the message is one line naming the file."""


def printable(text: object) -> str:
    """``text`` with control characters (escape sequences, carriage returns, bidi
    overrides, newlines) shown as ``\\xNN`` / ``\\uNNNN``: safe to print on a terminal."""

    def escape(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, str(text)).replace("\n", "\\n")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return printable(text[0] if text else type(exc).__name__)[:200]


def read_json(path: Path, kind: type = dict) -> Any:
    """The JSON document in ``path``, which must be a ``kind`` (dict or list)."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc.strerror or _reason(exc)})") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise DataFileError(f"{path}: not readable JSON ({_reason(exc)})") from None
    if not isinstance(value, kind):
        raise DataFileError(f"{path}: expected a JSON {'object' if kind is dict else 'array'}, found {type(value).__name__}")
    return value


def json_field(path: Path, doc: dict, key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    """``doc[key]``, which must be present and of type ``kind``; ``where`` names ``doc`` in the message."""
    label = f"{where}.{key}" if where else key
    if not isinstance(doc, dict) or key not in doc:
        raise DataFileError(f"{path}: field {label} is missing")
    value = doc[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise DataFileError(f"{path}: field {label} should be {names}, found {type(value).__name__} {printable(repr(value))[:60]}")
    return value


def _parse_spec(spec: str) -> tuple[str, tuple[int, ...]]:
    kind, shape = spec[0], spec[1:]
    return kind, tuple(int(d) for d in shape.split("x")) if shape else ()


def check_columns(path: Path, table: Table, columns: dict[str, str]) -> Table:
    """Check that ``table`` (read from ``path``) has ``columns`` with their kinds and cell shapes."""
    missing = sorted(set(columns) - set(table.columns))
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}")
    for name, spec in columns.items():
        kind, cell = _parse_spec(spec)
        what, kinds = _KINDS[kind]
        col = table[name]
        ok = col.dtype.kind in kinds and col.shape[1:] == cell
        if ok and col.dtype.kind == "O":
            ok = all(isinstance(v, str) for v in col.tolist())
        if not ok:
            found = f"{col.dtype}" + (f" cells of shape {col.shape[1:]}" if col.shape[1:] else "")
            want = what + (f" in cells of shape {cell}" if cell else "")
            raise DataFileError(f"{path}: column {name} should hold {want}, found {found}")
    return table


def read_table(path: Path, columns: dict[str, str]) -> Table:
    """A Parquet table written by `tracklayer.io.tables.write_parquet`, checked against ``columns``."""
    try:
        table = read_parquet(Path(path))
    except OSError as exc:
        if not Path(path).is_file():
            raise DataFileError(f"{path}: cannot read ({exc.strerror or _reason(exc)})") from None
        raise DataFileError(f"{path}: not a readable Parquet table ({_reason(exc)})") from None
    except Exception as exc:  # pyarrow raises several types for damaged files and foreign layouts
        raise DataFileError(f"{path}: not a readable Parquet table ({_reason(exc)})") from None
    return check_columns(path, table, columns)
