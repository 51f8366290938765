"""Element-set catalogues: CCSDS OMM / CelesTrak GP records (JSON, CSV, XML) and TLE
files, read into the records and lines that SGP4 (the `sgp4` package) starts from.

An OMM record is a mapping of the CCSDS keyword names to values, as CelesTrak's GP
queries give them (``FORMAT=JSON``, ``CSV`` or ``XML``); `sgp4.omm` parses the CSV and
XML files and initialises a ``Satrec`` from a record, exactly as from the equivalent TLE.
Errors are ``ValueError`` naming the record and the field, for the scenario loader to
put after the file's name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OMM_FIELDS = (
    "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
    "MEAN_ANOMALY", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH",
    "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT",
)
"""Keywords SGP4 needs from a record (`sgp4.omm.initialize`); ``OBJECT_NAME`` is kept too."""
OMM_SUFFIXES = (".json", ".csv", ".xml")
"""File name endings of the OMM formats read (the format is chosen by the ending)."""
MAX_RECORDS = 100_000
"""Most element sets read from one file."""


def read_omm(path: Path) -> list[dict[str, Any]]:
    """The OMM records of a JSON (a list of objects, or one object), CSV or XML file, each
    cut to ``OBJECT_NAME`` and `OMM_FIELDS`. Raises ValueError (record, field, problem)
    or OSError."""
    suffix = path.suffix.lower()
    if suffix not in OMM_SUFFIXES:
        raise ValueError(f"unknown OMM format '{path.suffix}': name the file *.json, *.csv or *.xml")
    from sgp4 import omm

    with open(path, encoding="utf-8", newline="") as f:
        if suffix == ".json":
            try:
                data = json.load(f)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc})") from None
            data = [data] if isinstance(data, dict) else data
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise ValueError("JSON must hold a list of OMM objects")
            raw = data
        elif suffix == ".csv":
            raw = list(omm.parse_csv(f))
        else:
            try:
                raw = list(omm.parse_xml(f))
            except Exception as exc:  # ElementTree.ParseError, or a segment without its elements
                raise ValueError(f"not a readable OMM XML file ({type(exc).__name__}: {exc})") from None
    if not raw:
        raise ValueError("no element sets in the file")
    if len(raw) > MAX_RECORDS:
        raise ValueError(f"{len(raw):,} element sets; at most {MAX_RECORDS:,} are read")
    records = []
    for k, rec in enumerate(raw):
        missing = [name for name in OMM_FIELDS if rec.get(name) in (None, "")]
        if missing:
            raise ValueError(f"record {k + 1} ({record_name(rec, k)}): missing {', '.join(missing)}")
        records.append({name: rec[name] for name in ("OBJECT_NAME", *OMM_FIELDS) if name in rec})
    return records


def record_name(record: dict[str, Any], index: int) -> str:
    """The satellite's name: OBJECT_NAME, else its catalogue number, else its position."""
    return str(record.get("OBJECT_NAME") or record.get("NORAD_CAT_ID") or f"#{index + 1}").strip()


def satrec_from_omm(record: dict[str, Any], index: int = 0):
    """An SGP4 ``Satrec`` initialised from one OMM record (WGS 72, as from a TLE)."""
    from sgp4 import omm
    from sgp4.api import Satrec

    sat = Satrec()
    where = f"record {index + 1} ({record_name(record, index)})"
    try:
        omm.initialize(sat, record)
    except KeyError as exc:
        raise ValueError(f"{where}: missing {exc.args[0]}") from None
    except (ValueError, TypeError) as exc:
        field = _bad_field(record)
        raise ValueError(f"{where}: {field + ': ' if field else ''}{exc}") from None
    if sat.error != 0:
        raise ValueError(f"{where}: SGP4 cannot start from these elements (error {sat.error})")
    return sat


def _bad_field(record: dict[str, Any]) -> str | None:
    """The first field whose value cannot be read as `sgp4.omm.initialize` reads it."""
    import datetime as dt

    for name in OMM_FIELDS:
        value = record.get(name)
        try:
            if name == "EPOCH":
                dt.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f")
            elif name in ("EPHEMERIS_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH", "NORAD_CAT_ID"):
                int(value)  # type: ignore[arg-type]
            elif name not in ("OBJECT_ID", "CLASSIFICATION_TYPE"):
                float(value)  # type: ignore[arg-type]
            elif not isinstance(value, str):
                return name
        except (TypeError, ValueError):
            return name
    return None


def read_tle_file(path: Path) -> list[str]:
    """The lines of a TLE file (2- or 3-line format; blank lines are skipped later)."""
    return path.read_text(encoding="utf-8").splitlines()
