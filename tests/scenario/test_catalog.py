"""Constellations from element-set files: CelesTrak GP / CCSDS OMM records (JSON, CSV,
XML) and TLE files, propagated exactly as the same element sets given as TLE lines to
python-sgp4 directly; bad files get one line naming the scenario, field and file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.constellation import build_satellites
from tracklayer.scenario.loader import builtin_path, load_scenario

runner = CliRunner()
SMOKE = builtin_path("smoke").read_text()
WALKER = "    walker: {planes: 4, sats_per_plane: 7, phasing: 1, altitude_km: 1000, inclination_deg: 80}"

# Public CelesTrak element sets (as in python-sgp4's own OMM tests): the same two
# satellites as TLE lines and as GP records.
MARIO_TLE = ("MARIO",
             "1 55123U 98067UQ  23115.44827133  .00787702  29408-3  15680-2 0  9999",
             "2 55123  51.6242 216.2930 0014649 331.8976  28.1241 15.99081912 18396")
VANGUARD_TLE = ("VANGUARD 1",
                "1 00005U 58002B   20287.20333880 -.00000016  00000-0 -22483-4 0  9998",
                "2 00005  34.2443 225.5254 1845686 162.2516 205.2356 10.84869164218149")
GP_CSV = """\
OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT
MARIO,1998-067UQ,2023-04-25T10:45:30.642912,15.99081912,.0014649,51.6242,216.2930,331.8976,28.1241,0,U,55123,999,1839,.1568E-2,.787702E-2,.29408E-3
VANGUARD 1,1958-002B,2020-10-13T04:52:48.472320,10.84869164,.1845686,34.2443,225.5254,162.2516,205.2356,0,U,5,999,21814,-.22483E-4,-.16E-6,0
"""
GP_JSON = """[
 {"OBJECT_NAME": "MARIO", "OBJECT_ID": "1998-067UQ", "EPOCH": "2023-04-25T10:45:30.642912", "MEAN_MOTION": 15.99081912,
  "ECCENTRICITY": 0.0014649, "INCLINATION": 51.6242, "RA_OF_ASC_NODE": 216.293, "ARG_OF_PERICENTER": 331.8976,
  "MEAN_ANOMALY": 28.1241, "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 55123, "ELEMENT_SET_NO": 999,
  "REV_AT_EPOCH": 1839, "BSTAR": 0.001568, "MEAN_MOTION_DOT": 0.00787702, "MEAN_MOTION_DDOT": 0.00029408},
 {"OBJECT_NAME": "VANGUARD 1", "OBJECT_ID": "1958-002B", "EPOCH": "2020-10-13T04:52:48.472320", "MEAN_MOTION": 10.84869164,
  "ECCENTRICITY": 0.1845686, "INCLINATION": 34.2443, "RA_OF_ASC_NODE": 225.5254, "ARG_OF_PERICENTER": 162.2516,
  "MEAN_ANOMALY": 205.2356, "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 5, "ELEMENT_SET_NO": 999,
  "REV_AT_EPOCH": 21814, "BSTAR": -2.2483e-05, "MEAN_MOTION_DOT": -1.6e-07, "MEAN_MOTION_DDOT": 0}
]"""
GP_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ndm><omm id="CCSDS_OMM_VERS" version="2.0"><header><CREATION_DATE/><ORIGINATOR/></header><body>
""" + "".join(
    f"<segment><metadata><OBJECT_NAME>{name}</OBJECT_NAME><OBJECT_ID>{oid}</OBJECT_ID><CENTER_NAME>EARTH</CENTER_NAME>"
    f"<REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM><MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata>"
    f"<data><meanElements><EPOCH>{epoch}</EPOCH><MEAN_MOTION>{n}</MEAN_MOTION><ECCENTRICITY>{e}</ECCENTRICITY>"
    f"<INCLINATION>{i}</INCLINATION><RA_OF_ASC_NODE>{raan}</RA_OF_ASC_NODE><ARG_OF_PERICENTER>{w}</ARG_OF_PERICENTER>"
    f"<MEAN_ANOMALY>{m}</MEAN_ANOMALY></meanElements><tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE>"
    f"<CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE><NORAD_CAT_ID>{cat}</NORAD_CAT_ID><ELEMENT_SET_NO>999</ELEMENT_SET_NO>"
    f"<REV_AT_EPOCH>{rev}</REV_AT_EPOCH><BSTAR>{b}</BSTAR><MEAN_MOTION_DOT>{nd}</MEAN_MOTION_DOT>"
    f"<MEAN_MOTION_DDOT>{ndd}</MEAN_MOTION_DDOT></tleParameters></data></segment>"
    for name, oid, epoch, n, e, i, raan, w, m, cat, rev, b, nd, ndd in (
        ("MARIO", "1998-067UQ", "2023-04-25T10:45:30.642912", "15.99081912", ".0014649", "51.6242", "216.2930", "331.8976",
         "28.1241", "55123", "1839", ".1568E-2", ".787702E-2", ".29408E-3"),
        ("VANGUARD 1", "1958-002B", "2020-10-13T04:52:48.472320", "10.84869164", ".1845686", "34.2443", "225.5254", "162.2516",
         "205.2356", "5", "21814", "-.22483E-4", "-.16E-6", "0"),
    )
) + "</body></omm></ndm>\n"
AT = dt.datetime(2023, 4, 25, 12, tzinfo=dt.UTC)
"""Propagation start: MARIO's element epoch (it decayed within weeks)."""
FILES = {"gp.json": GP_JSON, "gp.csv": GP_CSV, "gp.xml": GP_XML,
         "sats.tle": "\n".join(line for tle in (MARIO_TLE, VANGUARD_TLE) for line in tle) + "\n"}


def _scenario(folder: Path, source: str) -> Path:
    """The smoke scenario with its constellation read from ``source`` (a path relative
    to the scenario's folder)."""
    key = "tle_file" if source.endswith(".tle") else "omm_file"
    path = folder / "scn.yaml"
    path.write_text(SMOKE.replace(WALKER, f"    {key}: {source}"))
    return path


def _direct_sgp4(grid: TimeGrid) -> np.ndarray:
    """Positions (T, 2, 3) m from python-sgp4's own TLE reader, one call per satellite."""
    jd, fr = grid.jd_utc()
    out = []
    for _, l1, l2 in (MARIO_TLE, VANGUARD_TLE):
        err, r_km, _ = Satrec.twoline2rv(l1, l2).sgp4_array(jd, fr)
        assert not err.any()
        out.append(r_km * 1e3)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("name", list(FILES))
def test_catalogue_files_propagate_as_the_same_tles(tmp_path, name):
    """A constellation read from a GP JSON / CSV / XML file or a TLE file (a path relative
    to the scenario, in a sub-folder) flies bit for bit as python-sgp4 flies the same
    element sets given as TLE lines; satellites are named after OBJECT_NAME."""
    (tmp_path / "elements").mkdir()
    (tmp_path / "elements" / name).write_text(FILES[name])
    scn = load_scenario(_scenario(tmp_path, f"elements/{name}"))
    (spec,) = scn.constellations
    assert (spec.omm is None) == name.endswith(".tle") and spec.walker is None
    grid = TimeGrid.uniform(AT, 6 * 3600.0, 600.0)
    sats = build_satellites(list(scn.constellations), grid)
    assert sats.name.tolist() == ["MARIO", "VANGUARD 1"]
    np.testing.assert_array_equal(sats.r_eci_m, _direct_sgp4(grid))


def test_a_campaign_carries_the_records_it_read(tmp_path):
    """The loaded scenario holds the records themselves: dumped and validated again
    without the file (as a campaign's workers do), it flies the same."""
    (tmp_path / "gp.json").write_text(GP_JSON)
    scn = load_scenario(_scenario(tmp_path, "gp.json"))
    (tmp_path / "gp.json").unlink()
    again = type(scn).model_validate(json.loads(scn.model_dump_json()))
    grid = TimeGrid.uniform(AT, 3600.0, 600.0)
    np.testing.assert_array_equal(build_satellites(list(again.constellations), grid).r_eci_m, _direct_sgp4(grid))


BAD = [
    ("gp.json", None, "constellations[0].omm_file: {path}: no such file"),
    ("gp.json", "[{\"OBJECT_NAME\": \"X\",", "constellations[0].omm_file: {path}: not valid JSON"),
    ("gp.json", json.dumps([{"OBJECT_NAME": "X"}]), "constellations[0].omm_file: {path}: record 1 (X): missing OBJECT_ID, EPOCH"),
    ("gp.csv", GP_CSV.replace("15.99081912", "fast"), "constellations[0].omm_file: {path}: record 1 (MARIO): MEAN_MOTION: could not convert"),
    ("gp.csv", GP_CSV.replace("2020-10-13T04:52:48.472320", "13 Oct 2020"), "constellations[0].omm_file: {path}: record 2 (VANGUARD 1): EPOCH:"),
    ("gp.xml", "<ndm><omm>", "constellations[0].omm_file: {path}: not a readable OMM XML file"),
    ("gp.txt", GP_CSV, "constellations[0].omm_file: {path}: unknown OMM format '.txt'"),
    ("gp.csv", GP_CSV.splitlines()[0] + "\n", "constellations[0].omm_file: {path}: no element sets in the file"),
    ("sats.tle", FILES["sats.tle"].replace("15.99081912 18396", "15.99081912 18397"), "constellations[0].tle_file: {path}: TLE entry 1 line 2: checksum mismatch"),
    ("sats.tle", "\n\n", "constellations[0].tle_file: {path}: no element sets in the file"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD)
def test_bad_catalogue_files_are_one_line_naming_scenario_field_and_file(tmp_path, name, text, expected):
    """`tracklayer validate` exits 2 with one line: scenario file, field, element file and
    the problem (record and field for OMM, entry and line for TLE)."""
    if text is not None:
        (tmp_path / name).write_text(text)
    scn = _scenario(tmp_path, name) if not name.endswith(".txt") else _scenario(tmp_path, name)
    result = runner.invoke(app, ["validate", str(scn)])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith(f"error: {scn}: "), result.output
    assert expected.format(path=tmp_path / name) in lines[0], lines[0]


def test_file_and_inline_elements_together_are_refused(tmp_path):
    (tmp_path / "sats.tle").write_text(FILES["sats.tle"])
    path = tmp_path / "scn.yaml"
    path.write_text(SMOKE.replace(WALKER, "    tle_file: sats.tle\n    tle: ['x']"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "constellations[0].tle_file: give tle_file or tle, not both" in result.output


def test_a_campaign_reads_the_file_beside_its_base_scenario(tmp_path):
    """A campaign's base scenario in another folder finds its relative omm_file there,
    every point's scenario carries the records (the campaign runs from elsewhere), and
    the campaign's fingerprint changes with the file's contents."""
    from tracklayer.campaign.spec import load_campaign

    (tmp_path / "scn").mkdir()
    (tmp_path / "scn" / "gp.csv").write_text(GP_CSV)
    _scenario(tmp_path / "scn", "gp.csv")
    camp = tmp_path / "camp.yaml"
    camp.write_text("name: t\nscenario: scn/scn.yaml\nseed: 3\nrepetitions: 1\nparameters:\n"
                    "  fa:\n    path: constellations[0].sensor.false_alarms_per_frame\n    values: [0.1, 0.2]\n")
    campaign = load_campaign(camp)
    scenarios = [campaign.scenario(run.point) for run in campaign.runs]
    assert len(scenarios) == 2 and all(len(s.constellations[0].omm) == 2 for s in scenarios)
    (tmp_path / "scn" / "gp.csv").write_text(GP_CSV.replace("28.1241", "28.1242"))
    assert load_campaign(camp).fingerprint != campaign.fingerprint  # new elements: not the same campaign
