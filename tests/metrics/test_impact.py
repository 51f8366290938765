"""Impact-point prediction and glide reach (docs/impact.md): the propagation against a
closed-form Kepler impact, the unscented ellipse against Monte Carlo, the glide range
closed form against a flown equilibrium glide, and the quality-gated warning."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S, R_EARTH_MEAN_M
from tracklayer.earth.frames import ecef_to_eci_state, eci_to_ecef, enu_basis, geodetic_to_ecef
from tracklayer.orbits.kepler import kepler_propagate
from tracklayer.tracking.impact import ballistic_impact, glide_reach_m, height_m, impact_ellipse

D = np.radians


def _launch_state(lat_deg, lon_deg, alt_m, speed_m_s, gamma_deg, az_deg, theta=0.0):
    """ECI state at a geodetic point with an Earth-relative speed, flight-path angle and azimuth."""
    r = geodetic_to_ecef(D(lat_deg), D(lon_deg), alt_m)
    e, n, u = enu_basis(D(lat_deg), D(lon_deg))
    g, a = D(gamma_deg), D(az_deg)
    v = speed_m_s * (np.cos(g) * (np.sin(a) * e + np.cos(a) * n) + np.sin(g) * u)
    r_eci, v_eci = ecef_to_eci_state(r[None], v[None], np.array([theta]))
    return r_eci[0], v_eci[0]


STATES = [(39.0, 125.7, 150e3, 3500.0, 30.0, 120.0), (40.5, 127.5, 300e3, 5600.0, 20.0, 150.0), (-10.0, 30.0, 80e3, 1500.0, -20.0, 10.0)]


def _spin(t):
    return OMEGA_EARTH_RAD_S * np.asarray(t)


@pytest.mark.parametrize("rotating", [False, True])
def test_two_body_impact_matches_kepler(rotating, engine_name):
    """Without J2 the RK4 impact is the Kepler conic's crossing of the WGS 84 ellipsoid
    (root of the height along the exact two-body solution): within 1 m and 1 ms, with or
    without Earth rotation between the state's time and the impact."""
    theta_of = _spin if rotating else (lambda t: 0.0 * np.asarray(t))
    r0, v0 = np.array([_launch_state(*s)[0] for s in STATES]), np.array([_launch_state(*s)[1] for s in STATES])
    t0 = np.array([0.0, 100.0, 2000.0])
    t_imp, r_ecef, lat, lon = ballistic_impact(r0, v0, t0, theta_of, j2=0.0)
    for i in range(len(STATES)):
        def h(dt, i=i):
            return float(height_m(kepler_propagate(r0[i:i + 1], v0[i:i + 1], np.array([dt]))[0])[0])

        grid = np.arange(1.0, 4000.0, 5.0)
        heights = height_m(kepler_propagate(r0[i:i + 1], v0[i:i + 1], grid[:, None])[0][:, 0])
        k = np.nonzero(heights <= 0.0)[0][0]
        dt_ref = brentq(h, grid[k - 1], grid[k], xtol=1e-9)
        r_ref = eci_to_ecef(kepler_propagate(r0[i:i + 1], v0[i:i + 1], np.array([dt_ref]))[0][0], theta_of(t0[i] + dt_ref))
        assert t_imp[i] - t0[i] == pytest.approx(dt_ref, abs=1e-3)
        assert np.linalg.norm(r_ecef[i] - r_ref) < 1.0
    assert np.all(np.abs(lat) < np.pi / 2) and np.all(np.isfinite(lon))


def test_j2_moves_the_impact_by_a_plausible_amount():
    """J2 shifts a 2,000 km-class impact by km, not metres nor hundreds of km."""
    r0, v0 = _launch_state(*STATES[0])
    _, a, _, _ = ballistic_impact(r0[None], v0[None], np.zeros(1), _spin)
    _, b, _, _ = ballistic_impact(r0[None], v0[None], np.zeros(1), _spin, j2=0.0)
    assert 100.0 < np.linalg.norm(a - b) < 50e3


def test_kernel_matches_numpy_reference(rng):
    """The numba kernel and the NumPy reference agree within 1 cm and 10 us (both stop within 1 mm of the surface) on launches,
    orbits, NaN states and states below the surface."""
    from tracklayer.kernels.impact import fall_kernel
    from tracklayer.tracking.impact import fall_numpy

    n = 200
    y0 = np.empty((n, 6))
    for i in range(n):
        y0[i] = np.r_[_launch_state(rng.uniform(-60, 60), rng.uniform(-180, 180), rng.uniform(-1e3, 400e3), rng.uniform(500, 7800),
                                    rng.uniform(-40, 60), rng.uniform(0, 360))]
    y0[3] = np.nan
    out = [(np.empty(n), np.empty((n, 3))) for _ in range(2)]
    fall_numpy(y0, 10.0, 3000.0, 1.08e-3, *out[0])
    fall_kernel(y0, 10.0, 3000.0, 1.08e-3, *out[1])
    assert np.array_equal(np.isnan(out[0][0]), np.isnan(out[1][0]))
    assert np.isnan(out[0][0]).sum() > 5 and np.isfinite(out[0][0]).sum() > 100
    np.testing.assert_allclose(out[1][0], out[0][0], atol=1e-5, rtol=0)
    np.testing.assert_allclose(out[1][1], out[0][1], atol=1e-2, rtol=0)


def test_states_that_never_come_down_are_nan_and_surface_states_land_in_place():
    r0, v0 = _launch_state(0.0, 0.0, 500e3, 7700.0, 0.0, 90.0)  # circular orbit
    below = geodetic_to_ecef(D(10.0), D(20.0), -5.0)
    t, r, lat, _ = ballistic_impact(np.array([r0, below]), np.array([v0, [0.0, 0.0, -1e3]]), np.array([0.0, 7.0]), _spin, max_flight_s=3000.0)
    assert np.isnan(t[0]) and np.isnan(lat[0]) and np.all(np.isnan(r[0]))
    assert t[1] == 7.0
    assert np.degrees(lat[1]) == pytest.approx(10.0, abs=1e-6)


@pytest.mark.parametrize("state", STATES[:2])
def test_unscented_ellipse_matches_monte_carlo(state, rng):
    """The UT covariance of the impact point agrees with that of 2,000 propagated draws
    of the state (semi-axes within 10 %, orientation within 5 deg; measured within 1.3 %
    and 0.6 deg)."""
    r0, v0 = _launch_state(*state)
    x = np.r_[r0, v0][None]
    a = rng.normal(size=(6, 6))
    corr = a @ a.T / 6.0 + np.eye(6)
    sig = np.array([300.0, 300.0, 300.0, 8.0, 8.0, 8.0])
    P = (corr * np.outer(sig, sig))[None]
    ut = impact_ellipse(x, P, np.zeros(1), _spin)
    draws = rng.multivariate_normal(x[0], P[0], size=2000)
    _, r_mc, _, _ = ballistic_impact(draws[:, :3], draws[:, 3:], np.zeros(2000), _spin)
    en = (r_mc - ut["r_ecef_m"]) @ enu_basis(ut["lat_rad"][0], ut["lon_rad"][0])[:2].T
    w, V = np.linalg.eigh(np.cov(en.T))
    assert ut["semi_major_m"][0] == pytest.approx(np.sqrt(w[1]), rel=0.10)
    assert ut["semi_minor_m"][0] == pytest.approx(np.sqrt(w[0]), rel=0.10)
    orient = np.mod(np.degrees(np.arctan2(V[0, 1], V[1, 1])), 180.0)
    assert abs((ut["orientation_deg"][0] - orient + 90.0) % 180.0 - 90.0) < 5.0
    assert ut["semi_major_m"][0] > 1e3


def _flown_glide(speed_m_s):
    """tw2020 (beta 13,000 kg/m^2, L/D 2.6) released level at ``speed_m_s`` at its
    equilibrium altitude, over a spherical non-rotating Earth without J2, at maximum L/D
    without bank or phugoid damping, flown by the project's glide model to the ground."""
    from tracklayer.earth.atmosphere import density
    from tracklayer.threats import aero
    from tracklayer.threats.batch import GUIDE_GLIDE, Lattice, fly_batch
    from tracklayer.threats.glide import equilibrium_density
    from tracklayer.threats.mission import Mission, state_batch

    rows, s = aero.polar_from_beta(1000.0, 13000.0, 2.6, 1.5)
    m = Mission(0.0, 0.0, D(-80.0), 0.0, 0.0, None, 1000.0, rows, s, GUIDE_GLIDE, damping_zeta=0.0, heading_tau_s=0.0,
                dive_angle_rad=D(89.0), spherical=True, rotation=False, j2=False)
    hs = np.linspace(25e3, 70e3, 45001)
    h0 = hs[np.argmin(np.abs(density(hs) - equilibrium_density(speed_m_s, 13000.0, 2.6, R_EARTH_MEAN_M + 45e3)))]
    lat = Lattice(1.0, 1)
    r0, v0 = np.array([[R_EARTH_MEAN_M + h0, 0.0, 0.0]]), np.array([[0.0, speed_m_s, 0.0]])
    b = state_batch([m], r0, v0, np.zeros(1), lat)
    ox = np.full((4000, 1, 6), np.nan)
    fly_batch(b, lat, 3999.0, 0, 4000, ox, np.full((4000, 1), -1, dtype=np.int8))
    x = ox[:, 0][np.isfinite(ox[:, 0, 0])]
    return r0[0], v0[0], np.arccos(x[-1, 0] / np.linalg.norm(x[-1, :3])) * R_EARTH_MEAN_M


@pytest.mark.parametrize("speed", [6000.0, 4500.0])
def test_glide_reach_matches_a_flown_equilibrium_glide(speed):
    """Eggers-Allen range from the release state's energy speed against the ground range the
    project's 3-DOF glide flies to the ground: within 3 % (measured +0.3 % from 6 km/s,
    -0.5 % from 4.5 km/s; the energy height makes up for the final dive)."""
    r0, v0, flown = _flown_glide(speed)
    reach = glide_reach_m(r0[None], v0[None] + np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], r0), 2.6)[0]
    assert reach == pytest.approx(flown, rel=0.03)


def _truth_and_tracks(epoch):
    """One ballistic threat (a drag-free J2 arc) and one glide vehicle (L/D 2.6), each with
    a confirmed track row per second; the ballistic track's velocity error decays from
    100 m/s, the glider's speed rises in its boost (40 s), then falls."""
    from tracklayer.earth.time import TimeGrid
    from tracklayer.table import Table
    from tracklayer.threats.fly import Truth
    from tracklayer.tracking import CONFIRMED
    from tracklayer.tracking.impact import _rk4

    grid = TimeGrid.uniform(epoch, 600.0, 1.0)
    n_t = len(grid)
    r0, v0 = _launch_state(39.0, 125.7, 150e3, 3500.0, 30.0, 120.0)
    y = np.empty((n_t, 6))
    y[0] = np.r_[r0, v0]
    for k in range(1, n_t):
        y[k] = _rk4(y[k - 1:k], np.ones((1, 1)), 1.08262668e-3)[0]
    t_imp, _, lat, lon = ballistic_impact(r0[None], v0[None], np.zeros(1), grid.gmst_rad)
    flying = np.arange(n_t) < 300
    g_speed = np.interp(np.arange(n_t), [0, 40, 80, 300], [1000.0, 6000.0, 5800.0, 2000.0])
    rg, _ = _launch_state(30.0, 120.0, 40e3, 1.0, 0.0, 90.0)
    vg = np.array([0.0, 0.0, 1.0]) * g_speed[:, None] + np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], rg)
    r = np.stack([y[:, :3], np.broadcast_to(rg, (n_t, 3))], axis=1)
    v = np.stack([y[:, 3:], vg], axis=1)
    nanf = np.full((n_t, 2), np.nan)
    truth = Truth(np.array(["BM", "HGV"], dtype=object), np.array(["ballistic", "hgv"], dtype=object), r, v,
                  np.where(flying[:, None], np.c_[np.ones(n_t), np.where(np.arange(n_t) < 40, 0, 2)], -1).astype(np.int8), nanf, nanf, np.zeros(2), np.r_[t_imp, 300.0], np.zeros(2),
                  np.zeros(2), np.zeros(2), impact_lat_rad=np.r_[lat, D(30.0)], impact_lon_rad=np.r_[lon, D(121.0)],
                  lift_to_drag=np.array([0.0, 2.6]))
    k = np.nonzero(flying)[0][20:]
    err_v = 100.0 * np.exp(-(k - 20) / 40.0)
    xb = np.c_[y[k, :3], y[k, 3:] + err_v[:, None] * np.array([0.6, 0.0, 0.8])]
    xg = np.c_[r[k, 1], v[k, 1]]
    P = np.broadcast_to(np.diag([1e4, 1e4, 1e4, 25.0, 25.0, 25.0]), (2 * k.size, 6, 6))
    tracks = Table({"t_s": np.r_[grid.t_s[k], grid.t_s[k]], "track_id": np.repeat([1, 2], k.size), "status": np.full(2 * k.size, CONFIRMED),
                    "x": np.r_[xb, xg], "P": P, "truth_id": np.repeat([0, 1], k.size)})
    return truth, grid, tracks


def test_quality_gated_warning_counts_from_the_first_good_prediction(epoch):
    """Ballistic: warning from the first row whose prediction is within the threshold of
    the true impact (checked row by row); glide: from the first row after the boost whose
    reachable area is below the threshold (not the slow start of the boost). Both at most
    the first-track warning."""
    from tracklayer.metrics.impact import impact_quality, impact_table, impact_warning
    from tracklayer.scenario.schema import ImpactPrediction

    truth, grid, tracks = _truth_and_tracks(epoch)
    settings = ImpactPrediction(miss_threshold_km=20.0, area_threshold_km2=2e7)
    out = impact_warning(truth, grid, tracks, settings)
    err, area = impact_quality(truth, grid, tracks["x"], tracks["t_s"], tracks["truth_id"])
    b = tracks["truth_id"] == 0
    assert err[b][0] > 20e3 and err[b][-1] < 1e3
    first_good = tracks["t_s"][b][err[b] <= 20e3].min()
    assert out["warning_time_ipp_s"][0] == pytest.approx(truth.impact_t_s[0] - first_good)
    assert out["ipp_error_at_first_track_m"][0] == err[b][0]
    g = tracks["truth_id"] == 1
    assert area[g][0] < 2e13  # the slow boost is below the threshold but does not count
    after = g & (tracks["t_s"] >= 40.0)
    assert out["warning_time_ipp_s"][1] == pytest.approx(300.0 - tracks["t_s"][after][area[after] <= 2e13].min())
    assert out["threatened_area_after_boost_m2"][1] == area[after][0] > 2e13
    first_track = truth.impact_t_s - 20.0
    assert np.all(out["warning_time_ipp_s"] <= first_track)
    table = impact_table(truth, grid, tracks, "joint", settings)
    assert set(table["t_s"][table["truth_id"] == 0] % 10.0) == {0.0}
    assert np.isnan(table["reach_m"][table["kind"] == "ballistic"]).all()
    assert np.isnan(table["impact_lat_deg"][table["kind"] == "hgv"]).all()
    assert (table["semi_major_m"][table["kind"] == "ballistic"] >= table["semi_minor_m"][table["kind"] == "ballistic"]).all()


@pytest.mark.parametrize("value", ["-5", "0", ".nan", ".inf"])
def test_bad_threshold_is_one_line_and_exit_2(tmp_path, value):
    from typer.testing import CliRunner

    from tracklayer.cli import app
    from tracklayer.scenario.loader import builtin_path

    path = tmp_path / "scn.yaml"
    path.write_text(builtin_path("smoke").read_text() + f"\nimpact: {{miss_threshold_km: {value}}}\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "impact.miss_threshold_km" in lines[0] and "scn.yaml" in lines[0]
    assert "Traceback" not in result.output
