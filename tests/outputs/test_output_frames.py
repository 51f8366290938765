"""Frames of the written tables: the TEME -> GCRS rotation against Skyfield (an
independent implementation of the IAU precession-nutation and of SGP4's TEME), the
rotation of a run's tables, and the frame metadata in every Parquet file."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from skyfield.api import load
from skyfield.sgp4lib import TEME

from tracklayer import api
from tracklayer.earth.frames import teme_to_gcrs_matrix
from tracklayer.outputs.frames import to_gcrs
from tracklayer.outputs.run import write_tables
from tracklayer.scenario.loader import load_scenario
from tracklayer.table import Table

CENTIMETRE = 1e-2  # model differences (Skyfield's nutation and UT1 tables) leave ~2 mm at GEO radius
GEO_RADIUS_M = 42_164e3


def _skyfield_teme_to_gcrs(epoch: dt.datetime, t_s: np.ndarray) -> np.ndarray:
    ts = load.timescale()  # Skyfield's built-in leap seconds and UT1 tables
    t = ts.utc(epoch.year, epoch.month, epoch.day, epoch.hour, epoch.minute, epoch.second + t_s)
    return np.stack([TEME.rotation_at(t[k]).T for k in range(len(t_s))])


@pytest.mark.parametrize("epoch", ["2000-01-01T12:00:00", "2025-03-14T06:30:00", "2041-07-02T23:59:00"])
def test_teme_to_gcrs_agrees_with_skyfield(epoch):
    """At times spread over three days (between and on the hourly knots) the rotation
    moves a GEO-radius vector to within a centimetre of Skyfield's; it is a rotation
    (orthonormal to 1e-12) of about 0.35 deg in 2025 (zero precession at J2000)."""
    e = dt.datetime.fromisoformat(epoch).replace(tzinfo=dt.UTC)
    t_s = np.array([0.0, 1234.5, 3600.0, 40_000.25, 2.5 * 86400.0 + 17.0])
    ours = teme_to_gcrs_matrix(e, t_s)
    ref = _skyfield_teme_to_gcrs(e, t_s)
    r = GEO_RADIUS_M * np.array([0.6, -0.48, 0.64])
    err = np.linalg.norm(ours @ r - ref @ r, axis=1)
    assert err.max() < CENTIMETRE, err
    np.testing.assert_allclose(ours @ np.swapaxes(ours, 1, 2), np.broadcast_to(np.eye(3), ours.shape), atol=1e-12)
    angle = np.degrees(np.arccos((np.trace(ours, axis1=1, axis2=2) - 1) / 2))
    if epoch.startswith("2025"):
        assert 0.34 < angle.min() and angle.max() < 0.36


def test_to_gcrs_rotates_states_covariances_and_angles_rows_only(rng):
    """Tracks' [r, v] rotate by blocks and P as M P Mᵀ (so position sigma is kept);
    detections' line of sight rotates on angles rows and radar rows are left alone;
    each rotated position equals Skyfield's rotation of the TEME one."""
    epoch = dt.datetime(2025, 3, 14, 6, 30, tzinfo=dt.UTC)
    n = 6
    t_s = np.linspace(0.0, 7200.0, n)
    x = np.hstack([rng.normal(size=(n, 3)) * 7e6, rng.normal(size=(n, 3)) * 7e3])
    a = rng.normal(size=(n, 6, 6))
    tracks = Table({"t_s": t_s, "x": x, "P": a @ np.swapaxes(a, 1, 2), "node": np.array(["joint"] * n, dtype=object)})
    out = to_gcrs(tracks, epoch)
    ref = _skyfield_teme_to_gcrs(epoch, t_s)
    np.testing.assert_allclose(out["x"][:, :3], np.einsum("nij,nj->ni", ref, x[:, :3]), rtol=0, atol=CENTIMETRE)
    np.testing.assert_allclose(out["x"][:, 3:], np.einsum("nij,nj->ni", ref, x[:, 3:]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.trace(out["P"][:, :3, :3], axis1=1, axis2=2), np.trace(tracks["P"][:, :3, :3], axis1=1, axis2=2), rtol=1e-12)
    assert not np.allclose(out["x"], x, rtol=0, atol=1e3)  # ~40 km moves at LEO radius
    assert out["node"] is tracks["node"]

    kind = np.array(["angles", "radar", "angles", "radar", "angles", "radar"], dtype=object)
    z = rng.normal(size=(n, 3))
    det = Table({"t_s": t_s, "kind": kind, "z": z, "R": np.broadcast_to(np.eye(3), (n, 3, 3)).copy(), "sensor_r_eci_m": x[:, :3]})
    out = to_gcrs(det, epoch)
    radar = kind == "radar"
    np.testing.assert_array_equal(out["z"][radar], z[radar])
    np.testing.assert_allclose(out["z"][~radar], np.einsum("nij,nj->ni", ref[~radar], z[~radar]), atol=1e-12)
    np.testing.assert_allclose(out["sensor_r_eci_m"], np.einsum("nij,nj->ni", ref, x[:, :3]), rtol=0, atol=CENTIMETRE)
    assert to_gcrs(Table({"threat": kind}), epoch)["threat"] is kind  # no frame-dependent column: unchanged


@pytest.fixture(scope="module")
def short_run():
    """The smoke scenario cut to its first 120 s."""
    return api.run(load_scenario("smoke").model_copy(update={"duration_s": 120.0}))


def test_written_tables_name_their_frames(short_run, tmp_path):
    """Every Parquet file says its inertial frame, time scale and epoch; truth names TEME
    for r_eci_m and WGS 84 for lat_deg, with units; --frame gcrs writes GCRS columns that
    are the in-memory TEME columns rotated (the in-memory tables unchanged)."""
    teme_dir, gcrs_dir = tmp_path / "teme", tmp_path / "gcrs"
    teme_dir.mkdir(), gcrs_dir.mkdir()
    for path in write_tables(short_run, teme_dir, {}).values():
        meta = pq.read_schema(path).metadata
        assert meta[b"eci_frame"] == b"TEME" and meta[b"time_scale"] == b"UTC", path.name
        assert short_run.scenario.attack_epoch.isoformat().encode() in meta[b"t_s"]
    meta = pq.read_schema(teme_dir / "truth.parquet").metadata
    frames, units = json.loads(meta[b"frames"]), json.loads(meta[b"units"])
    assert frames["r_eci_m"].startswith("TEME") and frames["v_eci_m_s"].startswith("TEME") and frames["lat_deg"] == "WGS 84 geodetic"
    assert units["r_eci_m"] == "m" and units["v_eci_m_s"] == "m/s" and units["t_s"] == "s" and units["lat_deg"] == "deg"
    assert json.loads(pq.read_schema(teme_dir / "detections.parquet").metadata[b"frames"])["z"].startswith("angles rows: TEME")

    before = short_run.truth["r_eci_m"].copy()
    write_tables(short_run, gcrs_dir, {}, frame="gcrs")
    np.testing.assert_array_equal(short_run.truth["r_eci_m"], before)
    truth = pq.read_table(gcrs_dir / "truth.parquet")
    assert truth.schema.metadata[b"eci_frame"] == b"GCRS"
    assert json.loads(truth.schema.metadata[b"frames"])["r_eci_m"].startswith("GCRS")
    r = np.array(truth.column("r_eci_m").to_pylist())
    ref = _skyfield_teme_to_gcrs(short_run.scenario.attack_epoch, short_run.truth["t_s"][:3])
    np.testing.assert_allclose(r[:3], np.einsum("nij,nj->ni", ref, before[:3]), rtol=0, atol=CENTIMETRE)
    np.testing.assert_allclose(np.linalg.norm(r, axis=1), np.linalg.norm(before, axis=1), rtol=1e-12)
