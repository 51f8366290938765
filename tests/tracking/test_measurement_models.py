"""Tracker measurement models: analytic Jacobians against central finite differences,
the gnomonic tangent-plane mapping of lines of sight, radar range rate on the rotating
Earth against a finite difference of the range, azimuth wrap-around and validity."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S
from tracklayer.earth.frames import enu_basis, enu_to_aer, geodetic_to_ecef
from tracklayer.sensors.measurements import unit
from tracklayer.tracking.filters import EKF, innovations
from tracklayer.tracking.measurement_models import ANGLES, POSITION, RADAR, AnglesModel, PositionModel, RadarModel, SensorView


def _angles_case(rng, n=100):
    """A satellite at ~7,400 km radius and targets 500-4,000 km away, with velocities."""
    s = unit(rng.normal(size=3)) * 7.4e6
    r = s + unit(rng.normal(size=(n, 3))) * rng.uniform(5e5, 4e6, (n, 1))
    x = np.concatenate([r, rng.normal(size=(n, 3)) * 3e3], axis=1)
    return x, SensorView(ANGLES, s, np.eye(3))


def _radar_case(rng, n=100):
    """A site on the ground (ENU rows in the frame of the positions) and targets 50-1,500 km
    away above its horizon."""
    lat, lon = 0.6, 2.4
    s = geodetic_to_ecef(np.array(lat), np.array(lon), np.array(0.0))
    m = enu_basis(np.array(lat), np.array(lon))
    az = rng.uniform(0, 2 * np.pi, n)
    el = rng.uniform(0.02, 1.4, n)
    rho = rng.uniform(5e4, 1.5e6, n)
    enu = np.stack([rho * np.cos(el) * np.sin(az), rho * np.cos(el) * np.cos(az), rho * np.sin(el)], axis=1)
    x = np.concatenate([s + enu @ m, rng.normal(size=(n, 3)) * 3e3], axis=1)
    return x, SensorView(RADAR, s, m), np.stack([rho, az, el], axis=1)


def _fd_jacobian(mm, x, view, frame, steps=(1.0, 1.0, 1.0, 0.01, 0.01, 0.01)):
    out = np.zeros((x.shape[0], mm.dim, 6))
    for k, h in enumerate(steps):
        d = np.zeros(x.shape[1])
        d[k] = h
        diff = mm.h(x + d, view, frame) - mm.h(x - d, view, frame)
        for c in mm.wrap:
            diff[:, c] = np.mod(diff[:, c] + np.pi, 2 * np.pi) - np.pi
        out[:, :, k] = diff / (2 * h)
    return out


def test_angles_jacobian_vs_finite_differences(rng):
    """Gnomonic projection on a tangent plane ~1 mrad off each state's line of sight: the
    Jacobian equals central differences (1 m steps) to 1e-6 of its largest entry (~1/range);
    velocity columns are 0."""
    x, view = _angles_case(rng)
    mm = AnglesModel()
    frame = mm.frame(x + np.concatenate([rng.normal(size=(100, 3)) * 2e3, np.zeros((100, 3))], axis=1), view)
    jac = mm.jacobian(x, view, frame)
    fd = _fd_jacobian(mm, x, view, frame)
    scale = np.abs(jac).max(axis=(1, 2), keepdims=True)
    assert np.max(np.abs(jac - fd) / scale) < 1e-6
    np.testing.assert_array_equal(jac[:, :, 3:], 0.0)


def test_angles_tangent_plane_mapping(rng):
    """In a track's own frame h(x) = 0; a detected line of sight tilted by a small angle
    (1e-5 rad) along the frame's e1 maps to (tan 1e-5, 0) to 1e-12 rad; a line of sight more
    than 60 deg away is invalid; the noise is sigma^2 I from R = sigma^2 (I - u u^T)."""
    x, view = _angles_case(rng, 20)
    mm = AnglesModel()
    frame = mm.frame(x, view)
    np.testing.assert_allclose(mm.h(x, view, frame), 0.0, atol=1e-15)
    u = frame[:, 2]
    tilted = unit(u + np.tan(1e-5) * frame[:, 0])
    away = unit(u + 2.0 * frame[:, 1])
    z = np.concatenate([tilted, away])
    i = np.r_[np.arange(20), np.arange(20)]
    got, ok = mm.measured(z, frame, i, np.arange(40))
    np.testing.assert_allclose(got[:20, 0], np.tan(1e-5), atol=1e-12)
    np.testing.assert_allclose(got[:20, 1], 0.0, atol=1e-12)
    assert ok[:20].all() and not ok[20:].any()
    r = 4e-10 * (np.eye(3) - u[:, :, None] * u[:, None, :])
    np.testing.assert_allclose(mm.noise(r), np.broadcast_to(4e-10 * np.eye(2), (20, 2, 2)), rtol=1e-12)


@pytest.mark.parametrize("range_rate", [False, True])
def test_radar_jacobian_vs_finite_differences(rng, range_rate):
    """d(range, az, el[, range rate])/d[r, v] vs central differences (1 m, 0.01 m/s steps):
    the range row to 1e-8, angle rows to 1e-6 relative to their largest entry (~1/range),
    the range-rate row to 1e-6 relative; position-only rows have zero velocity columns."""
    x, view, _ = _radar_case(rng)
    mm = RadarModel(range_rate)
    frame = mm.frame(x, view)
    jac = mm.jacobian(x, view, frame)
    fd = _fd_jacobian(mm, x, view, frame)
    np.testing.assert_allclose(jac[:, 0], fd[:, 0], atol=1e-8)
    for row in range(1, mm.dim):
        scale = np.abs(jac[:, row]).max(axis=1, keepdims=True)
        assert np.max(np.abs(jac[:, row] - fd[:, row]) / scale) < 1e-6
    np.testing.assert_array_equal(jac[:, :3, 3:], 0.0)


def test_radar_range_rate_is_the_rate_of_range_on_the_rotating_earth(rng):
    """Range rate equals the central difference of the range over +/-1 ms, with the
    target moving at its velocity and the site turning with the Earth (its ECI position
    rotated by omega t about z): 1e-4 m/s."""
    x, view, _ = _radar_case(rng, 30)
    mm = RadarModel(True)
    rr = mm.h(x, view, mm.frame(x, view))[:, 3]
    h = 1e-3

    def rng_at(t):
        c, s = np.cos(OMEGA_EARTH_RAD_S * t), np.sin(OMEGA_EARTH_RAD_S * t)
        site = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) @ view.r_eci_m
        return np.linalg.norm(x[:, :3] + t * x[:, 3:] - site, axis=1)

    np.testing.assert_allclose(rr, (rng_at(h) - rng_at(-h)) / (2 * h), atol=1e-4)


def test_radar_zero_innovation_at_truth_and_azimuth_wrap(rng):
    """z equal to the true (range, az, el) gives zero innovation (1e-6 m, 1e-12 rad);
    measuring az = 0.001 rad when the prediction is 2 pi - 0.001 is an innovation of
    +0.002 rad (wrapped to (-pi, pi]), not -2 pi + 0.002."""
    x, view, z = _radar_case(rng)
    mm = RadarModel()
    pred = EKF().predict_measurement(mm, x, np.broadcast_to(np.eye(6), (100, 6, 6)), view)
    idx = np.arange(100)
    nu, ok = innovations(mm, pred, z, idx, idx)
    assert ok.all()
    np.testing.assert_allclose(nu[:, 0], 0.0, atol=1e-6)
    np.testing.assert_allclose(nu[:, 1:], 0.0, atol=1e-12)
    flat = SensorView(RADAR, np.zeros(3), np.eye(3))
    true_az = 2 * np.pi - 0.001
    xt = np.array([[1e5 * np.cos(0.1) * np.sin(true_az), 1e5 * np.cos(0.1) * np.cos(true_az), 1e5 * np.sin(0.1), 0, 0, 0]])
    pred = EKF().predict_measurement(mm, xt, np.eye(6)[None], flat)
    nu, _ = innovations(mm, pred, np.array([[1e5, 0.001, 0.1]]), np.array([0]), np.array([0]))
    assert nu[0, 1] == pytest.approx(0.002, abs=1e-12)
    assert enu_to_aer(xt[:, :3])[0][0] == pytest.approx(true_az, abs=1e-12)


def test_position_model_is_linear(rng):
    """z = r exactly, H = [I 0], R passed through."""
    x = rng.normal(size=(5, 6))
    view = SensorView(POSITION, np.zeros(3), np.eye(3))
    mm = PositionModel()
    np.testing.assert_array_equal(mm.h(x, view, mm.frame(x, view)), x[:, :3])
    np.testing.assert_array_equal(mm.jacobian(x, view, None)[0], np.eye(3, 6))
