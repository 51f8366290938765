"""Track initiation: triangulation of lines of sight (exactness, covariance consistency by
Monte Carlo NEES, convergence-angle rejection, grouping) and radar position conversion
(the inverse of the radar measurement model)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S, WGS84_A_M
from tracklayer.earth.frames import enu_basis, enu_to_aer, geodetic_to_ecef
from tracklayer.sensors.measurements import perturb_direction, unit
from tracklayer.tracking.initiation import initial_states, radar_position, ray_pairs, triangulate
from tracklayer.tracking.measurement_models import RADAR, RadarModel, SensorView

TARGET = np.array([WGS84_A_M + 40e3, 300e3, 1.2e6])
"""A glide-altitude target."""


def _sensors(k):
    """k satellites at ~1,000 km altitude, spread 1,500-3,000 km from the target."""
    base = unit(TARGET) * (WGS84_A_M + 1000e3)
    offsets = np.array([[0.0, 2.0e6, 0.0], [0.0, -1.5e6, 1.0e6], [0.0, 0.5e6, -2.0e6], [0.0, -2.2e6, -1.2e6]])[:k]
    return np.array([unit(base + o) * (WGS84_A_M + 1000e3) for o in offsets])


@pytest.mark.parametrize("k", [2, 3, 4])
def test_triangulate_noiseless_rays_recovers_point(k):
    """Exact lines of sight from k = 2-4 satellites meet in one point: recovered within
    1 mm, one point using all k rays, with a symmetric positive-definite covariance."""
    s = _sensors(k)
    u = unit(TARGET - s)
    pts, covs, members = triangulate(u, s, np.full(k, 50e-6), np.arange(k), gate_sigma=5.0, min_convergence_rad=np.radians(10.0))
    assert pts.shape == (1, 3) and covs.shape == (1, 3, 3)
    assert np.linalg.norm(pts[0] - TARGET) < 1e-3
    assert sorted(members[0].tolist()) == list(range(k))
    np.testing.assert_array_equal(covs[0], covs[0].T)
    assert np.linalg.eigvalsh(covs[0]).min() > 0


def test_triangulate_covariance_is_consistent_monte_carlo():
    """Rays perturbed by isotropic angular noise sigma = 50 urad (perturb_direction, the same
    noise model as the IR sensors) from 3 satellites, 400 trials: the mean NEES of the
    triangulated point against the truth lies inside the 99 % chi-square bounds for
    3 x 400 degrees of freedom, [2.69, 3.32] (measured 2.85); the position error is of the
    expected size (~100 m for 2,000 km ranges, measured median 114 m)."""
    rng = np.random.default_rng(7)
    s = _sensors(3)
    u_true = unit(TARGET - s)
    sigma = 50e-6
    nees, err = [], []
    for _ in range(400):
        u = perturb_direction(u_true, np.full(3, sigma), rng.standard_normal((3, 2)))
        pts, covs, _ = triangulate(u, s, np.full(3, sigma), np.arange(3), gate_sigma=6.0, min_convergence_rad=np.radians(5.0))
        assert pts.shape == (1, 3)
        e = pts[0] - TARGET
        nees.append(e @ np.linalg.solve(covs[0], e))
        err.append(np.linalg.norm(e))
    lo, hi = chi2.ppf([0.005, 0.995], 3 * 400) / 400
    assert lo < np.mean(nees) < hi
    assert 20.0 < np.median(err) < 500.0


def test_triangulate_rejects_small_convergence_angle():
    """Two rays meeting at the target with a convergence angle of ~2.9 deg are rejected by a
    5 deg minimum and accepted by a 2 deg minimum; ray_pairs reports the angle (1e-9 rad)."""
    s1 = unit(TARGET) * (WGS84_A_M + 1000e3) + np.array([0.0, 1.0e6, 0.0])
    u1 = unit(TARGET - s1)
    d1 = np.linalg.norm(TARGET - s1)
    # Second sensor: rotate the first ray's direction by 0.05 rad about an axis perpendicular to it.
    axis = unit(np.cross(u1, unit(TARGET)))
    ang = 0.05
    u2 = u1 * np.cos(ang) + np.cross(axis, u1) * np.sin(ang)
    s2 = TARGET - d1 * u2
    u, s = np.array([u1, u2]), np.array([s1, s2])
    pairs = ray_pairs(u, s, np.full(2, 1e-5), np.arange(2))
    assert pairs["convergence"][0] == pytest.approx(ang, abs=1e-9)
    assert triangulate(u, s, np.full(2, 1e-5), np.arange(2), 5.0, np.radians(5.0))[0].shape == (0, 3)
    pts, _, _ = triangulate(u, s, np.full(2, 1e-5), np.arange(2), 5.0, np.radians(2.0))
    assert np.linalg.norm(pts[0] - TARGET) < 1e-3


def test_triangulate_needs_two_sensors_and_consistent_rays():
    """Rays from one sensor only, rays that miss each other by many sigma, and rays pointing
    away from each other's meeting point (behind the sensors) give no point."""
    s = _sensors(2)
    u = unit(TARGET - s)
    none = np.zeros((0, 3))
    assert triangulate(u, s, np.full(2, 1e-5), np.array([3, 3]), 5.0, 0.1)[0].shape == none.shape
    other = TARGET + np.array([0.0, 0.0, 50e3])  # 50 km apart, ~2,000 km away, sigma 10 urad
    u_miss = np.array([u[0], unit(other - s[1])])
    assert triangulate(u_miss, s, np.full(2, 1e-5), np.arange(2), 5.0, 0.1)[0].shape == none.shape
    assert triangulate(-u, s, np.full(2, 1e-5), np.arange(2), 5.0, 0.1)[0].shape == none.shape
    assert triangulate(u[:1], s[:1], np.full(1, 1e-5), np.arange(1), 5.0, 0.1)[0].shape == none.shape


def test_triangulate_two_targets_four_sensors():
    """Two targets 300 km apart, each seen by the same 2 satellites (4 rays): two points,
    each within 1 mm of a target, each built from one ray per sensor."""
    s = _sensors(2)
    t2 = TARGET + np.array([0.0, 300e3, 0.0])
    u = np.array([unit(TARGET - s[0]), unit(t2 - s[0]), unit(TARGET - s[1]), unit(t2 - s[1])])
    ss = np.array([s[0], s[0], s[1], s[1]])
    pts, _, members = triangulate(u, ss, np.full(4, 20e-6), np.array([0, 0, 1, 1]), 5.0, np.radians(5.0))
    assert pts.shape == (2, 3)
    d = np.linalg.norm(pts[:, None] - np.array([TARGET, t2])[None], axis=-1)
    assert np.all(d.min(axis=1) < 1e-3) and set(d.argmin(axis=1).tolist()) == {0, 1}
    for m in members:
        assert sorted(np.array([0, 0, 1, 1])[m].tolist()) == [0, 1]


def test_radar_position_inverts_radar_model(rng):
    """radar_position maps (range, az, el) back to the ECI point that produced it (1e-6 m),
    and its covariance maps back through the radar model's Jacobian to R (1e-9 relative):
    it is the exact linearised inverse."""
    n = 50
    lat, lon = 0.7, -1.1
    s0 = geodetic_to_ecef(np.array(lat), np.array(lon), np.array(0.0))
    m0 = enu_basis(np.array(lat), np.array(lon))
    s, m = np.broadcast_to(s0, (n, 3)), np.broadcast_to(m0, (n, 3, 3))
    r = s0 + np.stack([rng.uniform(-1e6, 1e6, n), rng.uniform(-1e6, 1e6, n), rng.uniform(1e4, 5e5, n)], axis=1) @ m0
    az, el, rng_m = enu_to_aer((r - s0) @ m0.T)
    z = np.stack([rng_m, az, el], axis=1)
    rz = np.broadcast_to(np.diag([15.0**2, 1e-6, 4e-6]), (n, 3, 3)).copy()
    pos, cov = radar_position(z, s, m, rz)
    np.testing.assert_allclose(pos, r, rtol=0, atol=1e-6)
    view = SensorView(RADAR, s0, m0)
    x = np.concatenate([pos, np.zeros((n, 3))], axis=1)
    h = RadarModel().jacobian(x, view, None)[:, :, :3]
    back = h @ cov @ np.swapaxes(h, 1, 2)
    np.testing.assert_allclose(back, rz, rtol=1e-9, atol=1e-9 * 4e-6)


def test_initial_states_velocity_prior():
    """Initial velocity is the Earth-fixed velocity omega x r (ECI), the position block is
    the given covariance and the velocity block sigma_v^2 I, no cross terms."""
    pos = np.array([[WGS84_A_M, 0.0, 0.0], [0.0, 0.0, WGS84_A_M]])
    cov = np.broadcast_to(np.eye(3) * 100.0, (2, 3, 3))
    x, p = initial_states(pos, cov, 2000.0)
    np.testing.assert_allclose(x[0, 3:], [0.0, OMEGA_EARTH_RAD_S * WGS84_A_M, 0.0])
    np.testing.assert_allclose(x[1, 3:], 0.0)
    np.testing.assert_array_equal(p[:, :3, :3], cov)
    np.testing.assert_array_equal(p[:, 3:, 3:], np.broadcast_to(np.eye(3) * 4e6, (2, 3, 3)))
    np.testing.assert_array_equal(p[:, :3, 3:], 0.0)
