"""Tracker measurement models: Jacobians against central finite differences, zero
innovation at the truth, azimuth wrap-around and validity flags."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.frames import enu_basis, enu_to_aer, geodetic_to_ecef
from tracklayer.sensors.measurements import tangent_basis, unit
from tracklayer.tracking.measurement_models import angles_model, radar_model


def _angles_case(rng, n=100):
    """Satellites at ~7,400 km radius and targets 500-4,000 km away."""
    s = unit(rng.normal(size=(n, 3))) * 7.4e6
    r = s + unit(rng.normal(size=(n, 3))) * rng.uniform(5e5, 4e6, (n, 1))
    return r, s


def test_angles_zero_innovation_at_truth(rng):
    """With u_m the exact line of sight the innovation is 0 (to 1e-15 rad) and R = sigma^2 I."""
    r, s = _angles_case(rng)
    nu, jac, rm, valid = angles_model(r, unit(r - s), s, np.full(100, 4e-10))
    assert valid.all()
    np.testing.assert_allclose(nu, 0.0, atol=1e-15)
    np.testing.assert_allclose(rm, np.broadcast_to(4e-10 * np.eye(2), (100, 2, 2)))
    assert jac.shape == (100, 2, 6)


def test_angles_jacobian_vs_finite_differences(rng):
    """d h / d x (h = -innovation, the gnomonic projection on the measured line of sight's
    tangent plane) vs central differences with 1 m steps, at states ~1 mrad off the
    measured direction: 1e-6 relative to the largest entry (~1/range); velocity columns 0."""
    r, s = _angles_case(rng)
    u_m = unit(r - s + rng.normal(size=(100, 3)) * 2e3)
    sig2 = np.full(100, 1e-10)
    _, jac, _, _ = angles_model(r, u_m, s, sig2)
    fd = np.zeros_like(jac)
    for k in range(3):
        d = np.zeros(3)
        d[k] = 1.0
        fd[:, :, k] = -(angles_model(r + d, u_m, s, sig2)[0] - angles_model(r - d, u_m, s, sig2)[0]) / 2.0
    scale = np.abs(jac).max(axis=(1, 2), keepdims=True)
    assert np.max(np.abs(jac - fd) / scale) < 1e-6
    np.testing.assert_array_equal(jac[:, :, 3:], 0.0)


def test_angles_innovation_is_the_small_angle_offset(rng):
    """A target offset by a small angle (1e-5 rad) along the tangent vector e1 of u_m gives
    innovation (-tan(1e-5), 0) to 1e-12 rad; a target behind the sensor is invalid."""
    r, s = _angles_case(rng, 20)
    u_m = unit(r - s)
    e1, _ = tangent_basis(u_m)
    rng_m = np.linalg.norm(r - s, axis=1, keepdims=True)
    moved = s + rng_m * unit(u_m + np.tan(1e-5) * e1)
    nu, _, _, valid = angles_model(moved, u_m, s, np.full(20, 1e-10))
    np.testing.assert_allclose(nu[:, 0], -np.tan(1e-5), atol=1e-12)
    np.testing.assert_allclose(nu[:, 1], 0.0, atol=1e-12)
    _, _, _, valid_behind = angles_model(s - (r - s), u_m, s, np.full(20, 1e-10))
    assert valid.all() and not valid_behind.any()


def test_angles_model_broadcasts_gate_matrix(rng):
    """Tracks (M, 1, 3) against detections (1, D, 3) give a (M, D) gate: innovations
    (M, D, 2), Jacobians (M, D, 2, 6)."""
    r, s = _angles_case(rng, 6)
    nu, jac, rm, valid = angles_model(r[:4, None], unit(r - s)[None, :6], s[None, :6], np.full((1, 6), 1e-10))
    assert nu.shape == (4, 6, 2) and jac.shape == (4, 6, 2, 6) and rm.shape == (4, 6, 2, 2) and valid.shape == (4, 6)


def _radar_case(rng, n=100):
    """Sites on the ground (ENU rows in the same frame as positions) and targets 50-1,500 km
    away above the horizon."""
    lat = rng.uniform(-1.2, 1.2, n)
    lon = rng.uniform(-3, 3, n)
    s = geodetic_to_ecef(lat, lon, np.zeros(n))
    m = enu_basis(lat, lon)
    az = rng.uniform(0, 2 * np.pi, n)
    el = rng.uniform(0.02, 1.4, n)
    rng_m = rng.uniform(5e4, 1.5e6, n)
    enu = np.stack([rng_m * np.cos(el) * np.sin(az), rng_m * np.cos(el) * np.cos(az), rng_m * np.sin(el)], axis=1)
    r = s + np.einsum("nji,nj->ni", m, enu)
    return r, s, m, np.stack([rng_m, az, el], axis=1)


def test_radar_zero_innovation_at_truth(rng):
    """z equal to the true (range, az, el) gives zero innovation (1e-6 m, 1e-12 rad)."""
    r, s, m, z = _radar_case(rng)
    rz = np.broadcast_to(np.diag([100.0, 1e-6, 1e-6]), (100, 3, 3))
    nu, jac, rr, valid = radar_model(r, z, s, m, rz)
    assert valid.all()
    np.testing.assert_allclose(nu[:, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(nu[:, 1:], 0.0, atol=1e-12)
    np.testing.assert_array_equal(rr, rz)


def test_radar_jacobian_vs_finite_differences(rng):
    """d(range, az, el)/d r vs central differences with 1 m steps: range row to 1e-8, angle
    rows to 1e-6 relative to their largest entry (~1/range); velocity columns 0."""
    r, s, m, z = _radar_case(rng)
    rz = np.broadcast_to(np.eye(3), (100, 3, 3))
    _, jac, _, _ = radar_model(r, z, s, m, rz)
    fd = np.zeros_like(jac)
    for k in range(3):
        d = np.zeros(3)
        d[k] = 1.0
        nu_p = radar_model(r + d, z, s, m, rz)[0]
        nu_m = radar_model(r - d, z, s, m, rz)[0]
        fd[:, :, k] = -(nu_p - nu_m) / 2.0
    np.testing.assert_allclose(jac[:, 0, :3], fd[:, 0, :3], atol=1e-8)
    for row in (1, 2):
        scale = np.abs(jac[:, row, :3]).max(axis=1, keepdims=True)
        assert np.max(np.abs(jac[:, row, :3] - fd[:, row, :3]) / scale) < 1e-6
    np.testing.assert_array_equal(jac[:, :, 3:], 0.0)


@pytest.mark.parametrize("z_az, true_az, expected", [(0.001, 2 * np.pi - 0.001, 0.002), (2 * np.pi - 0.001, 0.001, -0.002), (3.0, 3.1, -0.1)])
def test_radar_azimuth_innovation_wraps(z_az, true_az, expected):
    """Azimuth innovations are wrapped to (-pi, pi]: measuring 0.001 rad when the prediction
    is 2 pi - 0.001 is an innovation of +0.002 rad, not -2 pi + 0.002 (to 1e-12)."""
    m = np.eye(3)[None]
    enu = 1e5 * np.array([[np.cos(0.1) * np.sin(true_az), np.cos(0.1) * np.cos(true_az), np.sin(0.1)]])
    z = np.array([[1e5, z_az, 0.1]])
    nu, _, _, _ = radar_model(enu, z, np.zeros((1, 3)), m, np.eye(3)[None])
    assert nu[0, 1] == pytest.approx(expected, abs=1e-12)
    assert enu_to_aer(enu)[0][0] == pytest.approx(true_az, abs=1e-12)


def test_radar_overhead_target_is_invalid():
    """A target straight above the site (horizontal distance < 1 m) has an undefined azimuth:
    flagged invalid, with finite innovation and Jacobian (no division by zero)."""
    m = np.eye(3)[None]
    nu, jac, _, valid = radar_model(np.array([[0.0, 0.0, 2e5]]), np.array([[2e5, 0.0, np.pi / 2]]), np.zeros((1, 3)), m, np.eye(3)[None])
    assert not valid[0]
    assert np.isfinite(nu).all() and np.isfinite(jac).all()
