"""Coverage figures of merit: the numba kernels against their NumPy references, a single
satellite's footprint area against the spherical-cap formula, the signature-aware
detection radius against its closed form, gap and response statistics against a brute
force, thread-count independence, and the `tracklayer coverage` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.earth.constants import R_EARTH_MEAN_M, WGS84_A_M, WGS84_B_M
from tracklayer.earth.frames import geodetic_to_ecef
from tracklayer.io.tables import read_parquet
from tracklayer.kernels.coverage import coverage_count_kernel, coverage_stats_kernel, erfcx_scalar, relative_column_scalar
from tracklayer.metrics import coverage as cov
from tracklayer.metrics.coverage import coverage_counts_numpy, coverage_stats_numpy, detection_thresholds
from tracklayer.scenario.loader import load_scenario
from tracklayer.scenario.schema import Scenario
from tracklayer.sensors.detection import q_inverse
from tracklayer.sensors.radiometry import relative_column
from tracklayer.sensors.static_access import TargetClusters, group_of


def _points(rng, shape, lo, hi, lat_deg=(-90, 90), lon_deg=(-180, 180)):
    s = np.sin(np.radians(lat_deg))
    lat = np.arcsin(rng.uniform(s[0], s[1], shape))
    lon = np.radians(rng.uniform(*lon_deg, shape))
    return geodetic_to_ecef(lat, lon, rng.uniform(lo, hi, shape))


def test_scalar_helpers_match_scipy_forms():
    """The kernel's erfcx (direct and asymptotic branches) and slant column equal the NumPy
    reference (scipy.special.erfcx) to 1e-10 relative."""
    from scipy.special import erfcx

    for y in (0.0, 0.3, 3.0, 24.9, 25.1, 80.0, 2000.0):
        assert erfcx_scalar(y) == pytest.approx(float(erfcx(y)), rel=1e-10)
    for h, cz in ((0.0, 1.0), (40e3, 0.2), (40e3, -0.05), (10e3, -0.3), (100e3, 0.0)):
        assert relative_column_scalar(h, cz, 6371e3, 3e3) == pytest.approx(float(relative_column(h, cz, 6371e3, 3e3)), rel=1e-10)


def _kernel_args(rng, n_t=6, n_s=20, n_p=1500, alt=40e3):
    r_sat = _points(rng, (n_t, n_s), 700e3, 1500e3)
    sun = rng.normal(size=(n_t, 3))
    sun /= np.linalg.norm(sun, axis=1, keepdims=True)
    pts = _points(rng, n_p, alt, alt, (-30, 60), (60, 200))
    values, group = group_of(rng.choice([20e3, 30e3], n_s))
    cl = TargetClusters.build(pts, values)
    tgt = np.ascontiguousarray(pts[cl.order])
    thresh = np.where(rng.random((n_s, 2)) < 0.15, 0.0, rng.uniform(1e-14, 2e-13, (n_s, 2)))
    thresh[0] = np.inf
    return (r_sat, sun, tgt, np.linalg.norm(tgt, axis=1), alt, cl.starts, cl.centre_m, cl.radius_m, cl.direction, cl.cos_alpha,
            cl.sin_alpha, cl.r_lo, cl.r_hi, cl.bounds, cl.inflated_a_m, cl.z_scale, group, np.cos(np.radians(rng.uniform(50, 70, n_s))),
            rng.uniform(3000e3, 6000e3, n_s), np.cos(np.radians(rng.uniform(10, 40, n_s))), rng.random(n_s) > 0.1, thresh,
            rng.uniform(0.2, 2.0, n_s), rng.uniform(2e3, 8e3, n_s), WGS84_A_M, WGS84_A_M / WGS84_B_M)


def test_coverage_count_kernel_matches_numpy_reference(rng):
    """Signature-aware counts (sun exclusion, look-down/limb thresholds, transmission,
    geometry-only and never-detecting sensors) agree exactly between the engines, and the
    signature matters: not every geometric pair counts."""
    args = _kernel_args(rng)
    a = np.zeros((6, 1500), dtype=np.uint16)
    b = np.zeros_like(a)
    coverage_count_kernel(*args, a)
    coverage_counts_numpy(*args, b)
    np.testing.assert_array_equal(a, b)
    geo_only = list(args)
    geo_only[21] = np.where(np.isinf(args[21]), np.inf, 0.0)  # thresh
    c = np.zeros_like(a)
    coverage_count_kernel(*geo_only, c)
    assert a.sum() > 1000 and c.sum() > 1.2 * a.sum()


def test_stats_kernel_matches_reference_and_brute_force(rng):
    """Running statistics over two chunks equal a brute-force pass over the whole series:
    coverage counts, gaps (with edge gaps counted at the end), longest gap, response sum
    L (L + 1) / 2, and the area-weighted series."""
    counts = (rng.random((90, 40)) < 0.55).astype(np.uint16) * rng.integers(0, 4, (90, 40)).astype(np.uint16)
    counts[:, 0] = 0  # never covered
    counts[:, 1] = 2  # always covered twice
    w = rng.random(40)
    w /= w.sum()
    outs = []
    for fn in (coverage_stats_kernel, coverage_stats_numpy):
        acc = cov._Accumulator(40, w)
        for chunk in (counts[:37], counts[37:]):
            series = np.zeros((chunk.shape[0], 4))
            fn(chunk, acc.w, acc.covered, acc.total, acc.peak, acc.open, acc.gaps, acc.gap_sum, acc.longest, acc.resp, series)
            acc.series.append(series)
            acc.n += chunk.shape[0]
        outs.append((acc.finish(60.0), np.concatenate(acc.series)))
    for k in outs[0][0]:
        np.testing.assert_allclose(outs[0][0][k], outs[1][0][k], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-12)
    stats = outs[0][0]
    for p in range(40):
        up = counts[:, p] >= 1
        runs, length = [], 0
        for v in up:
            if not v:
                length += 1
            elif length:
                runs.append(length)
                length = 0
        if length:
            runs.append(length)
        assert stats["gaps_1"][p] == len(runs)
        assert stats["longest_gap_1_s"][p] == (max(runs) * 60.0 if runs else 0.0)
        assert stats["mean_response_1_s"][p] == pytest.approx(sum(r * (r + 1) / 2 for r in runs) * 60.0 / 90)
        assert stats["frac_2"][p] == pytest.approx(np.mean(counts[:, p] >= 2))
    assert stats["longest_gap_1_s"][0] == 90 * 60.0 and np.isnan(stats["mean_gap_1_s"][1])
    np.testing.assert_allclose(outs[0][1][:, 0], (counts >= 1) @ w)


def _one_satellite_scenario(**coverage):
    scn = load_scenario("smoke")
    d = scn.model_dump()
    d["constellations"] = [{
        "name": "one", "nation": "US",
        "elements": [{"altitude_km": 1000.0, "inclination_deg": 0.0}],
        "sensor": {"field_of_regard_deg": 180.0, "max_range_km": 1e5, "grazing_altitude_km": 0.0, "min_target_altitude_km": 0.0,
                   "sun_exclusion_deg": 0.0, "pd": 0.99},
    }]
    d["coverage"] = {"duration_s": 60.0, "step_s": 60.0, "targets": [{"name": "ground", "altitude_km": 0.0, "intensity_kw_sr": 1.0}], **coverage}
    return Scenario.model_validate(d)


def test_single_satellite_footprint_area_is_the_spherical_cap():
    """A satellite at 1,000 km over the equator, horizon-limited (geometry only): the
    area-weighted share of a global 1-degree grid it covers equals the spherical cap
    fraction (1 - R/(R + h))/2 = 0.0678 (R = 6,371 km) to 0.5 % (grid discretisation of a
    cap about 30 degrees in radius, and the ellipsoid's +-11 km radius; 0.15 % seen)."""
    scn = _one_satellite_scenario(lon_min_deg=-180.0, lon_max_deg=179.0, lat_min_deg=-90.0, lat_max_deg=90.0)
    res = cov.compute_coverage(scn, duration_s=1.0, step_s=1.0)
    share = cov.summary(res)["frac_1"][0]  # cos-latitude weighted: a share of the sphere's area
    cap = (1 - R_EARTH_MEAN_M / (R_EARTH_MEAN_M + 1000e3)) / 2
    assert share == pytest.approx(cap, rel=0.005)


def test_detection_radius_matches_closed_form():
    """Signature-aware: with Pd from the radiometric model a 25 kW/sr target at 40 km (look-
    down NEI 1e-9 W/m^2, Pfa 1e-8, pd_min 0.5, no atmosphere) is detectable iff the range
    is below sqrt(I / (Q^-1(1e-8) NEI)) = 2,111 km; grid points with ranges 1 % inside
    and outside that radius are covered and not covered."""
    scn = _one_satellite_scenario()
    d = scn.model_dump()
    d["constellations"][0]["sensor"].update({"pd": None, "zenith_optical_depth": 0.0, "nei_look_down_w_m2": 1e-9, "pfa_look_down": 1e-8})
    scn = Scenario.model_validate(d)
    from tracklayer.earth.time import TimeGrid
    from tracklayer.orbits.constellation import build_satellites
    from tracklayer.sensors.infrared import InfraredParams

    grid = TimeGrid.uniform(scn.epoch, 0.0, 1.0)
    sats = build_satellites(scn.constellations, grid)
    params = InfraredParams.from_constellations(scn.constellations, sats.constellation)
    able, thresh = detection_thresholds(params, 25e3, 40e3, 0.5)
    radius = np.sqrt(25e3 / (float(q_inverse(1e-8)) * 1e-9))
    assert radius == pytest.approx(2111e3, rel=1e-3)
    assert thresh[0, 0] * radius**2 == pytest.approx(1.0, rel=1e-12)
    # points along the satellite's meridian at ranges radius * (1 -+ 1 %)
    from tracklayer.earth.frames import eci_to_ecef

    s = eci_to_ecef(sats.r_eci_m[0, 0], grid.gmst_rad()[0])
    r_s, r_t = np.linalg.norm(s), WGS84_A_M + 40e3
    angles = [np.arccos((r_s**2 + r_t**2 - (radius * f) ** 2) / (2 * r_s * r_t)) for f in (0.99, 1.01)]
    lon0 = np.arctan2(s[1], s[0])
    pts = geodetic_to_ecef(np.zeros(2), lon0 + np.array(angles), np.full(2, 40e3))
    values, group = group_of(params.grazing_m)
    cl = TargetClusters.build(pts, values)
    counts = cov._counts(s[None, None, :], np.array([[0.0, 0.0, 1.0]]), cl, np.ascontiguousarray(pts[cl.order]),
                         np.linalg.norm(pts[cl.order], axis=1), 40e3, params, group, able, thresh)
    assert counts[0][np.argsort(cl.order)].tolist() == [1, 0]


def test_threads_do_not_change_results():
    """Coverage with one worker thread and with two (several chunks) is bit-identical."""
    scn = load_scenario("smoke")
    a = cov.compute_coverage(scn, duration_s=1800.0, step_s=120.0, workers=1, chunk_steps=4)
    b = cov.compute_coverage(scn, duration_s=1800.0, step_s=120.0, workers=2, chunk_steps=4)
    for k in a.grid.columns:
        assert np.array_equal(a.grid[k], b.grid[k], equal_nan=a.grid[k].dtype.kind == "f"), k
    assert np.array_equal(a.series["area_1"], b.series["area_1"])


def test_cli_coverage_writes_outputs_and_rejects_bad_arguments(tmp_path):
    """`tracklayer coverage FILE` writes the tables, figures, HTML page and JSON summary
    for the file's coverage block (here: one target on a 5-degree grid); a bad --hours or
    an unknown scenario exits with status 2 and one line."""
    import yaml

    data = load_scenario("smoke").model_dump(mode="json")
    data["coverage"].update(resolution_deg=5.0, targets=[{"name": "dim glider", "altitude_km": 40.0, "intensity_kw_sr": 25.0}])
    path = tmp_path / "scn.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "cov"
    runner = CliRunner()
    result = runner.invoke(app, ["coverage", str(path), "--out", str(out), "--hours", "0.5", "--step", "300", "--quiet"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"coverage.parquet", "coverage_series.parquet", "coverage.html", "coverage.json", "coverage_series.png", "coverage_dim-glider.png"}
    table = read_parquet(out / "coverage.parquet")
    assert set(cov.GRID_COLUMNS) <= set(table.columns) and table.num_rows == 15 * 17
    info = json.loads((out / "coverage.json").read_text())
    assert info["steps"] == 7 and len(info["summary"]) == 1 and info["peak_rss_mib"] > 0
    assert "dim glider" in (out / "coverage.html").read_text()
    bad = runner.invoke(app, ["coverage", "smoke", "--out", str(out), "--hours", "-1"])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["coverage", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "no such file" in missing.output and "Traceback" not in missing.output
