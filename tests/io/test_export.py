"""`tracklayer export`: each format read back by an independent reader (the `oem`
package for CCSDS OEM, shapely for GeoJSON, fastkml for KML, SciPy's netCDF reader for
netCDF) and compared with the run's own tables."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer import api
from tracklayer.cli import app
from tracklayer.earth.constants import DEG
from tracklayer.io.tables import read_parquet
from tracklayer.outputs.export import ExportError, _confirmed_tracks

oem = pytest.importorskip("oem")
shapely_geometry = pytest.importorskip("shapely.geometry")


def _seconds(epoch, t) -> float:
    """Seconds of an astropy Time (UTC) after ``epoch``."""
    return (t.to_datetime() - epoch.replace(tzinfo=None)).total_seconds()


@pytest.fixture(scope="module")
def oem_dir(run_folder, tmp_path_factory):
    _, folder = run_folder
    out = tmp_path_factory.mktemp("oem")
    api.export(folder, "oem", out)
    return out


def _read_oem(path):
    msg = oem.OrbitEphemerisMessage.open(path)
    (segment,) = list(msg)
    return msg, segment


def test_oem_threats_round_trip_to_the_written_precision(run_folder, oem_dir):
    result, _ = run_folder
    truth, epoch = result.truth, result.scenario.attack_epoch
    files = sorted((oem_dir / "threats").glob("*.oem"))
    assert [f.stem for f in files] == sorted(result.state.truth.name)
    for path in files:
        msg, seg = _read_oem(path)
        assert msg.version == "3.0"
        meta = seg.metadata
        assert (meta["REF_FRAME"], meta["CENTER_NAME"], meta["TIME_SYSTEM"]) == ("TEME", "EARTH", "UTC")
        rows = np.nonzero(truth["threat"] == path.stem)[0]
        states = list(seg.states)
        assert len(states) == rows.size
        t = np.array([_seconds(epoch, s.epoch) for s in states])
        np.testing.assert_allclose(t, truth["t_s"][rows], atol=1e-6)
        r_km = np.array([s.position for s in states])
        v_km_s = np.array([s.velocity for s in states])
        np.testing.assert_allclose(r_km, truth["r_eci_m"][rows] / 1e3, rtol=0, atol=0.5e-6 + 1e-9)  # 1 mm written
        np.testing.assert_allclose(v_km_s, truth["v_eci_m_s"][rows] / 1e3, rtol=0, atol=0.5e-9 + 1e-12)  # 1 um/s


def test_oem_tracks_carry_their_covariance(run_folder, oem_dir):
    result, _ = run_folder
    tracks = result.tracks
    groups = _confirmed_tracks(tracks)
    assert len(groups) >= 1
    assert len(list((oem_dir / "tracks").glob("*.oem"))) == len(groups)
    rows = groups[0]
    node, tid = tracks["node"][rows[0]], tracks["track_id"][rows[0]]
    _, seg = _read_oem(oem_dir / "tracks" / f"{node}-{tid}.oem")
    assert seg.metadata["OBJECT_ID"] == f"{node}/{tid}"
    covs = list(seg.covariances)
    assert len(covs) == len(list(seg.states)) == rows.size
    P_km = np.array([c.matrix for c in covs])
    np.testing.assert_allclose(P_km * 1e6, tracks["P"][rows], rtol=1e-8, atol=1e-12)
    assert {c.frame for c in covs} == {"TEME"}
    np.testing.assert_allclose(np.array([s.position for s in seg.states]), tracks["x"][rows, :3] / 1e3, atol=0.5e-6 + 1e-9)


def test_oem_satellites_match_the_run_states(run_folder, oem_dir):
    """Satellites come back from scene.czml's ECEF samples (0.1 m): TEME positions within
    0.1 m and velocities (Lagrange derivative) within 2 cm/s of the run's own states
    (measured: 9 mm/s at worst, at the ends of these 300 s series)."""
    result, _ = run_folder
    sats, grid = result.state.sats, result.state.grid
    files = sorted((oem_dir / "satellites").glob("*.oem"))
    assert len(files) == len(sats)
    worst_r = worst_v = 0.0
    for s, name in enumerate(sats.name):
        _, seg = _read_oem(oem_dir / "satellites" / f"{name}.oem")
        states = list(seg.states)
        t = np.array([_seconds(grid.epoch, st.epoch) for st in states])
        k = np.searchsorted(grid.t_s, t)
        np.testing.assert_allclose(grid.t_s[k], t, atol=1e-6)
        worst_r = max(worst_r, np.abs(np.array([st.position for st in states]) * 1e3 - sats.r_eci_m[k, s]).max())
        worst_v = max(worst_v, np.abs(np.array([st.velocity for st in states]) * 1e3 - sats.v_eci_m_s[k, s]).max())
    assert worst_r < 0.1
    assert worst_v < 0.02


def test_lagrange_velocity_is_exact_for_quintics_and_close_on_an_orbit():
    from tracklayer.outputs.export_sources import lagrange_velocity

    t = np.array([0.0, 60.0, 120.0, 180.0, 250.0, 300.0, 360.0, 400.0])
    coeffs = np.array([3.0, -2.0, 0.5, 1e-3, -2e-6, 3e-9])
    r = np.polynomial.polynomial.polyval(t, coeffs)[:, None] * np.ones(3)
    dr = np.polynomial.polynomial.polyval(t, np.polynomial.polynomial.polyder(coeffs))
    np.testing.assert_allclose(lagrange_velocity(t, r)[:, 0], dr, rtol=1e-9, atol=1e-9)
    n = 2 * np.pi / 5800.0  # a LEO orbit sampled every 60 s
    ts = np.arange(0.0, 3600.0, 60.0)
    circle = 7e6 * np.column_stack([np.cos(n * ts), np.sin(n * ts), np.zeros_like(ts)])
    v = 7e6 * n * np.column_stack([-np.sin(n * ts), np.cos(n * ts), np.zeros_like(ts)])
    err = np.abs(lagrange_velocity(ts, circle) - v).max(axis=1)
    assert err.max() < 2e-3 and err[3:-3].max() < 2e-4  # m/s: ends of the series are one-sided


def test_dut1_is_recovered_from_the_truth_table(run_folder):
    from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef
    from tracklayer.earth.time import TimeGrid
    from tracklayer.outputs.export_sources import dut1_from_truth
    from tracklayer.table import Table

    result, _ = run_folder
    truth, epoch = result.truth, result.scenario.attack_epoch
    assert abs(dut1_from_truth(truth, epoch)) < 1e-6
    theta = TimeGrid(epoch, truth["t_s"], dut1_s=0.4).gmst_rad()
    _, lon, _ = ecef_to_geodetic(eci_to_ecef(truth["r_eci_m"], theta))
    shifted = Table({**truth.columns, "lon_deg": lon / DEG})
    assert dut1_from_truth(shifted, epoch) == pytest.approx(0.4, abs=1e-6)


# --- GeoJSON and KML -------------------------------------------------------------------

@pytest.fixture(scope="module")
def geo_dir(run_folder, tmp_path_factory):
    _, folder = run_folder
    out = tmp_path_factory.mktemp("geo")
    api.export(folder, "geojson", out, what=["satellites", "threats", "tracks", "impacts"])
    api.export(folder, "kml", out, what=["satellites", "threats", "tracks", "impacts"])
    return out


def _features(path):
    doc = json.loads(path.read_text())
    assert doc["type"] == "FeatureCollection"
    return doc["features"]


def test_geojson_is_valid_rfc7946(geo_dir):
    for name in ("satellites", "threats", "tracks", "impacts"):
        features = _features(geo_dir / f"{name}.geojson")
        assert features, name
        for f in features:
            shape = shapely_geometry.shape(f["geometry"])
            assert shape.is_valid and not shape.is_empty, (name, f["properties"]["name"])
            minx, miny, maxx, maxy = shape.bounds
            assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
            if shape.geom_type in ("Polygon", "MultiPolygon"):
                polys = getattr(shape, "geoms", [shape])
                assert all(p.exterior.is_ccw for p in polys)  # RFC 7946 3.1.6


def test_geojson_paths_follow_the_tables(run_folder, geo_dir):
    result, _ = run_folder
    truth = result.truth
    for f in _features(geo_dir / "threats.geojson"):
        rows = np.nonzero(truth["threat"] == f["properties"]["threat"])[0]
        coords = np.array(f["geometry"]["coordinates"])  # no threat of smoke crosses 180 deg
        np.testing.assert_allclose(coords[:, 0], truth["lon_deg"][rows], atol=1e-7)
        np.testing.assert_allclose(coords[:, 1], truth["lat_deg"][rows], atol=1e-7)
        np.testing.assert_allclose(coords[:, 2], truth["alt_m"][rows], atol=0.05 + 1e-9)
    tracks = _features(geo_dir / "tracks.geojson")
    assert len(tracks) == len(_confirmed_tracks(result.tracks))


def test_impact_ellipses_have_their_axes(run_folder, geo_dir):
    impact = run_folder[0].impact
    features = _features(geo_dir / "impacts.geojson")
    kinds = [f["properties"]["feature"] for f in features]
    n_pred = int(np.sum(np.isfinite(impact["impact_lat_deg"])))
    assert kinds.count("predicted impact") == n_pred
    assert kinds.count("1-sigma error ellipse") == int(np.sum(np.isfinite(impact["semi_major_m"]) & (impact["semi_major_m"] > 0)))
    assert kinds.count("true impact") == len(set(impact["truth_id"][impact["truth_id"] >= 0].tolist()))
    small = [f for f in features if f["properties"]["feature"] == "1-sigma error ellipse" and f["properties"]["semi_major_m"] < 200e3]
    assert small
    for f in small:
        p = f["properties"]
        ring = np.array(f["geometry"]["coordinates"][0])[:-1]  # without the closing point
        lat0 = np.radians(ring[:, 1].mean())
        east = np.radians(ring[:, 0] - ring[:, 0].mean()) * np.cos(lat0) * 6371008.8
        north = np.radians(ring[:, 1] - ring[:, 1].mean()) * 6371008.8
        radius = np.hypot(east, north)
        assert radius.max() == pytest.approx(p["semi_major_m"], rel=0.01)
        assert radius.min() == pytest.approx(p["semi_minor_m"], rel=0.02)
        far = np.argmax(radius)
        azimuth = np.degrees(np.arctan2(east[far], north[far])) % 180.0
        assert min(abs(azimuth - p["orientation_deg"]), 180 - abs(azimuth - p["orientation_deg"])) < 3.0


def test_kml_parses_and_holds_the_geojson_features(geo_dir):
    fastkml = pytest.importorskip("fastkml")
    doc = fastkml.KML.parse(geo_dir / "run.kml")
    (document,) = doc.features
    folders = {f.name: f for f in document.features}
    assert set(folders) == {"satellites", "threats", "tracks", "impacts"}
    for name, folder in folders.items():
        features = _features(geo_dir / f"{name}.geojson")
        marks = list(folder.features)
        assert [m.name for m in marks] == [f["properties"]["name"] for f in features]
        for mark, feature in zip(marks, features):
            got = shapely_geometry.shape(mark.geometry.__geo_interface__)
            want = shapely_geometry.shape(feature["geometry"])
            assert got.equals_exact(want, 1e-9), (name, mark.name)


# --- the antimeridian -------------------------------------------------------------------

def test_a_path_across_the_antimeridian_is_cut_there():
    from tracklayer.io.geo import line_feature, split_line

    lon = np.array([178.0, 179.0, -179.0, -178.0, -179.5, 179.5])
    lat = np.array([10.0, 11.0, 13.0, 14.0, 15.0, 16.0])
    parts = split_line(lon, lat, np.arange(6.0))
    assert len(parts) == 3
    np.testing.assert_allclose(parts[0][-1], [180.0, 12.0, 1.5])  # halfway between 179 and -179
    np.testing.assert_allclose(parts[1][0], [-180.0, 12.0, 1.5])
    np.testing.assert_allclose(parts[1][-1], [-180.0, 15.5, 4.5])
    np.testing.assert_allclose(parts[2][0], [180.0, 15.5, 4.5])
    feature = line_feature(lon, lat, None, {"name": "x"})
    shape = shapely_geometry.shape(feature["geometry"])
    assert shape.geom_type == "MultiLineString" and shape.is_valid
    assert all(max(abs(np.diff(np.array(g.coords)[:, 0]))) <= 180 for g in shape.geoms)
    westward = split_line(np.array([-179.0, 179.0]), np.array([0.0, 2.0]))
    np.testing.assert_allclose([westward[0][-1], westward[1][0]], [[-180.0, 1.0], [180.0, 1.0]])
    assert len(split_line(np.array([10.0, 20.0, 30.0]), np.zeros(3))) == 1


def test_an_ellipse_across_the_antimeridian_is_two_polygons_of_the_same_area():
    from tracklayer.io.geo import ellipse_ring, polygon_feature

    lon, lat = ellipse_ring(-30.0, 179.8, 60e3, 20e3, 80.0)
    whole = shapely_geometry.Polygon(np.column_stack([lon, lat]))
    feature = polygon_feature(lon, lat, {"name": "e"})
    cut = shapely_geometry.shape(feature["geometry"])
    assert cut.geom_type == "MultiPolygon" and cut.is_valid and len(cut.geoms) == 2
    assert cut.area == pytest.approx(whole.area, rel=1e-6)  # coordinates written to 1e-7 deg
    assert cut.bounds[0] >= -180 and cut.bounds[2] <= 180
    inside = polygon_feature(*ellipse_ring(-30.0, 100.0, 60e3, 20e3, 80.0), {"name": "f"})
    assert inside["geometry"]["type"] == "Polygon"


# --- coverage ---------------------------------------------------------------------------

def test_coverage_cells_as_geojson_and_kml(coverage_folder, tmp_path):
    fastkml = pytest.importorskip("fastkml")
    api.export(coverage_folder, "geojson", tmp_path)
    api.export(coverage_folder, "kml", tmp_path)
    grid = read_parquet(coverage_folder / "coverage.parquet")
    features = _features(tmp_path / "coverage.geojson")
    assert len(features) == grid.num_rows
    shapes = [shapely_geometry.shape(f["geometry"]) for f in features]
    assert all(s.is_valid for s in shapes)
    at_180 = [s for s, f in zip(shapes, features) if f["properties"]["lon_deg"] == 180.0]
    assert at_180 and all(s.geom_type == "MultiPolygon" for s in at_180)  # the cell straddles 180 deg
    res = json.loads((coverage_folder / "coverage.json").read_text())["box"]["resolution_deg"]
    np.testing.assert_allclose([s.area for s in shapes], res * np.minimum(res, 90 - np.abs(grid["lat_deg"]) + res / 2), rtol=1e-9)
    np.testing.assert_array_equal([f["properties"]["frac_1"] for f in features], grid["frac_1"])
    (document,) = fastkml.KML.parse(tmp_path / "coverage.kml").features
    (folder,) = document.features
    assert len(list(folder.features)) == grid.num_rows


def test_coverage_netcdf_read_by_scipy(coverage_folder, tmp_path):
    pytest.importorskip("xarray")
    from scipy.io import netcdf_file

    api.export(coverage_folder, "netcdf", tmp_path)
    grid = read_parquet(coverage_folder / "coverage.parquet")
    series = read_parquet(coverage_folder / "coverage_series.parquet")
    with netcdf_file(tmp_path / "coverage.nc", "r", mmap=False) as nc:
        assert nc.Conventions == b"CF-1.8"
        lat, lon = nc.variables["lat"][:], nc.variables["lon"][:]
        targets = [b"".join(row).decode() for row in nc.variables["target"][:]]
        frac = nc.variables["frac_1"]
        assert frac.dimensions == ("target", "lat", "lon")
        cube = frac[:].copy()
        for i in range(0, grid.num_rows, 37):
            k = targets.index(grid["target"][i])
            assert cube[k, np.searchsorted(lat, grid["lat_deg"][i]), np.searchsorted(lon, grid["lon_deg"][i])] == grid["frac_1"][i]
        assert nc.variables["longest_gap_1_s"].units == b"s"
        assert nc.variables["time"].units.startswith(b"seconds since 2026-03-15")
        area = nc.variables["series_area_1"][:].copy()
        rows = series["target"] == targets[0]
        np.testing.assert_array_equal(area[0], series["area_1"][rows])


# --- bad input and the output folder ----------------------------------------------------

def _cli(*args):
    return CliRunner().invoke(app, ["export", *map(str, args)])


def _one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_bad_folders_formats_and_selections_are_one_line(run_folder, coverage_folder, tmp_path):
    _, folder = run_folder
    assert "not a folder" in _one_line(_cli(tmp_path / "nope", "--format", "oem"))
    assert "neither a run folder" in _one_line(_cli(tmp_path, "--format", "oem"))
    assert "unknown format" in _one_line(_cli(folder, "--format", "czml"))
    assert "--what planets: unknown" in _one_line(_cli(folder, "--format", "oem", "--what", "planets"))
    assert "format oem holds satellites, threats, tracks" in _one_line(_cli(folder, "--format", "oem", "--what", "impacts"))
    assert "a coverage folder" in _one_line(_cli(coverage_folder, "--format", "geojson", "--what", "tracks"))
    assert "nothing format netcdf holds" in _one_line(_cli(folder, "--format", "netcdf"))


def test_missing_or_damaged_tables_are_one_line(run_folder, tmp_path):
    _, folder = run_folder
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    (copy / "tracks.parquet").unlink()
    line = _one_line(_cli(copy, "--format", "oem", "--what", "tracks"))
    assert "tracks.parquet: missing" in line
    (copy / "truth.parquet").write_bytes(b"PAR1 not really")
    assert "truth.parquet: not a readable Parquet table" in _one_line(_cli(copy, "--format", "geojson", "--what", "threats"))
    (copy / "run.json").write_text("{")
    assert "run.json: not readable JSON" in _one_line(_cli(copy, "--format", "oem"))


def test_the_output_folder_keeps_other_files_and_survives_a_failure(run_folder, tmp_path):
    _, folder = run_folder
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    out = copy / "export"
    done = _cli(copy, "--format", "geojson")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == ["impacts.geojson", "threats.geojson", "tracks.geojson"]
    (out / "notes.txt").write_text("mine")
    assert _cli(copy, "--format", "oem", "--what", "threats").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["impacts.geojson", "notes.txt", "threats", "threats.geojson", "tracks.geojson"]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (copy / "tracks.parquet").write_bytes(b"damaged")
    assert "tracks.parquet" in _one_line(_cli(copy, "--format", "geojson"))  # fails after threats.geojson was made
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in copy.iterdir() if p.name.startswith(".export.")]


def test_api_raises_export_error(run_folder):
    _, folder = run_folder
    with pytest.raises(ExportError, match="unknown format"):
        api.export(folder, "gpx")
