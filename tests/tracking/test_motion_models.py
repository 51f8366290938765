"""Motion models against independent references: Kepler's closed-form two-body motion,
the threat model's J2 gravity, Van Loan's matrix-exponential discretisation of the
process noise, Singer's (1970) closed-form covariance, finite-difference Jacobians of the
propagation, and the work-energy theorem for drag."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, WGS84_A_M
from tracklayer.orbits.kepler import elements_to_rv, kepler_propagate
from tracklayer.tracking.filters import EKF
from tracklayer.tracking.motion_models import (
    Ballistic,
    ConstantAcceleration,
    ConstantVelocity,
    Glide,
    Singer,
    gravity,
    gravity_gradient,
    propagate_and_transition,
)


def _orbital(rng, n=20):
    """Ballistic-like and orbital states from 6,700 to 8,000 km radius."""
    r, v = elements_to_rv(rng.uniform(6.7e6, 8e6, n), rng.uniform(0, 0.3, n), rng.uniform(0, 3, n), rng.uniform(0, 6, n), rng.uniform(0, 6, n), rng.uniform(0, 6, n))
    return np.concatenate([r, v], axis=1)


def _van_loan(a: np.ndarray, qc: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """F = expm(A dt) and Q = int_0^dt expm(A s) Qc expm(A s)^T ds (Van Loan 1978)."""
    n = a.shape[0]
    m = np.block([[-a, qc], [np.zeros((n, n)), a.T]]) * dt
    e = expm(m)
    f = e[n:, n:].T
    return f, f @ e[:n, n:]


def _kinematic(order: int, tau: float | None = None) -> np.ndarray:
    """Block-major continuous-time matrix A of an integrator chain of ``order`` blocks of 3."""
    n = 3 * order
    a = np.zeros((n, n))
    for b in range(order - 1):
        a[3 * b : 3 * b + 3, 3 * b + 3 : 3 * b + 6] = np.eye(3)
    if tau is not None:
        a[6:9, 6:9] = -np.eye(3) / tau
    return a


@pytest.mark.parametrize("dt", [0.5, 1.0, 10.0])
def test_cv_ca_singer_match_van_loan(dt):
    """F and Q of the three linear models against Van Loan's matrix exponential of their
    continuous-time models (white acceleration q, white jerk q, Singer with 2 sigma^2/tau
    driving noise): 1e-12 relative to the largest entry; Q symmetric positive definite."""
    cases = [
        (ConstantVelocity(2.5), _kinematic(2), 2.5),
        (ConstantAcceleration(0.7), _kinematic(3), 0.7),
        (Singer(12.0, 20.0), _kinematic(3, 20.0), 2 * 12.0**2 / 20.0),
    ]
    x = np.zeros((1, 9))
    for model, a, q in cases:
        qc = np.zeros_like(a)
        qc[-3:, -3:] = q * np.eye(3)
        f_ref, q_ref = _van_loan(a, qc, dt)
        n = model.ndim
        np.testing.assert_allclose(model.transition(x[:, :n], dt)[0], f_ref, rtol=0, atol=1e-12 * np.abs(f_ref).max())
        got = model.noise(x[:, :n], dt)
        np.testing.assert_allclose(got, q_ref, rtol=0, atol=1e-12 * np.abs(q_ref).max())
        np.testing.assert_array_equal(got, got.T)
        assert np.linalg.eigvalsh(got).min() > 0
        np.testing.assert_allclose(model.propagate(np.arange(n, dtype=float)[None] + 1.0, dt)[0], f_ref @ (np.arange(n) + 1.0), rtol=1e-12)


def test_singer_q_matches_singer_1970_closed_form():
    """Singer (1970, IEEE TAES 6(4), Eq. 13) per-axis covariance entries, 2 sigma^2 alpha
    times the q_ij below, against the Van Loan computation: 1e-9 relative (the closed form
    cancels catastrophically for small alpha T, which is why the model uses Van Loan)."""
    sigma, tau, t = 8.0, 15.0, 3.0
    a = 1.0 / tau
    e1, e2 = np.exp(-a * t), np.exp(-2 * a * t)
    q = np.empty((3, 3))
    q[0, 0] = (1 - e2 + 2 * a * t + 2 * a**3 * t**3 / 3 - 2 * a**2 * t**2 - 4 * a * t * e1) / (2 * a**5)
    q[0, 1] = q[1, 0] = (e2 + 1 - 2 * e1 + 2 * a * t * e1 - 2 * a * t + a**2 * t**2) / (2 * a**4)
    q[0, 2] = q[2, 0] = (1 - e2 - 2 * a * t * e1) / (2 * a**3)
    q[1, 1] = (4 * e1 - 3 - e2 + 2 * a * t) / (2 * a**3)
    q[1, 2] = q[2, 1] = (e2 + 1 - 2 * e1) / (2 * a**2)
    q[2, 2] = (1 - e2) / (2 * a)
    q *= 2 * sigma**2 * a
    got = Singer(sigma, tau).noise(np.zeros((1, 9)), t)[::3, ::3]  # x-axis entries
    np.testing.assert_allclose(got, q, rtol=1e-9)


@pytest.mark.parametrize("dt, tol_m", [(1.0, 1e-6), (10.0, 1e-3), (60.0, 1e-2), (300.0, 1e-2), (-120.0, 1e-2)])
def test_ballistic_without_j2_matches_kepler(rng, dt, tol_m):
    """RK4 (10 s sub-steps) vs the closed-form two-body solution: position within tol_m and
    velocity within tol_m/100 s, forwards and backwards."""
    x = _orbital(rng)
    y = Ballistic(j2=False).propagate(x, dt)
    r, v = kepler_propagate(x[:, :3], x[:, 3:], np.array([[dt]]))
    assert np.abs(y[:, :3] - r[0]).max() < tol_m
    assert np.abs(y[:, 3:] - v[0]).max() < tol_m / 100


def test_gravity_matches_threat_model_and_its_gradient(rng):
    """Central + J2 gravity equals the gradient of the J2 geopotential
    U = -mu/r [1 - J2 (a/r)^2 (3 sin^2(phi) - 1)/2] (Vallado 2013, Eq. 8-21), taken by
    central differences with 10 m steps, to 1e-6 m/s^2 (the differencing round-off is
    ~1e-8 m/s^2); the analytic gradient (with and without J2) equals central
    differences of the acceleration with 1 m steps to 1e-13 1/s^2 (entries ~1e-6 1/s^2)."""
    r = _orbital(rng, 10)[:, :3]

    def potential(q: np.ndarray) -> np.ndarray:
        rn = np.linalg.norm(q, axis=-1)
        sin2 = (q[..., 2] / rn) ** 2
        return -MU_EARTH_M3_S2 / rn * (1.0 - J2_EARTH * (WGS84_A_M / rn) ** 2 * (3.0 * sin2 - 1.0) / 2.0)

    step = 10.0
    grad = np.stack([(potential(r + step * e) - potential(r - step * e)) / (2 * step) for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(gravity(r), -grad, rtol=0, atol=1e-6)
    for j2 in (False, True):
        g = gravity_gradient(r, j2)
        fd = np.empty_like(g)
        for k in range(3):
            d = np.zeros(3)
            d[k] = 1.0
            fd[:, :, k] = (gravity(r + d, j2) - gravity(r - d, j2)) / 2.0
        np.testing.assert_allclose(g, fd, rtol=0, atol=1e-13)
    # J2 is the 1e-3 correction it should be
    rel = np.linalg.norm(gravity(r) - gravity(r, False), axis=1) / np.linalg.norm(gravity(r), axis=1)
    assert np.all((rel > 1e-4) & (rel < 3e-3))


def _glide_states(rng, n=6):
    """States 30-80 km up, 2-6 km/s, with aerodynamic accelerations of a few m/s^2."""
    up = rng.normal(size=(n, 3))
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    r = up * (WGS84_A_M + rng.uniform(30e3, 80e3, n))[:, None]
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    v = east * rng.uniform(2e3, 6e3, n)[:, None]
    return r, v


@pytest.mark.parametrize("name", ["ballistic", "drag", "glide"])
def test_transition_is_jacobian_of_propagation(rng, name):
    """F (state transition matrix integrated with the state) vs the central-difference
    Jacobian of the propagation over 5 s (steps 1 m, 0.01 m/s, 1e-3 m/s^2 and 1e-6 m^2/kg):
    every column to 1e-6 relative to its scale."""
    r, v = _glide_states(rng)
    if name == "glide":
        model, extra, steps = Glide(10.0, 60.0), rng.normal(size=(6, 3)) * 3.0, [1.0] * 3 + [0.01] * 3 + [1e-3] * 3
    elif name == "drag":
        model, extra, steps = Ballistic(drag=True), rng.uniform(1e-4, 5e-4, (6, 1)), [1.0] * 3 + [0.01] * 3 + [1e-6]
    else:
        model, extra, steps = Ballistic(), np.zeros((6, 0)), [1.0] * 3 + [0.01] * 3
    x = np.concatenate([r, v, extra], axis=1)
    dt = 5.0
    y, f = propagate_and_transition(model, x, dt)
    np.testing.assert_array_equal(y, model.propagate(x, dt))
    for k, h in enumerate(steps):
        d = np.zeros(x.shape[1])
        d[k] = h
        col = (model.propagate(x + d, dt) - model.propagate(x - d, dt)) / (2 * h)
        scale = np.abs(col).max()
        np.testing.assert_allclose(f[:, :, k], col, rtol=0, atol=1e-6 * scale)


def test_drag_does_the_work_of_the_drag_force(rng):
    """Work-energy: over 0.5 s the change of specific orbital energy v^2/2 - mu/r of a
    drag-only (no J2) ballistic state equals the drag power a_d . v times dt to 1e-3
    relative; kappa = 0 conserves the energy to 1e-9 relative."""
    r, v = _glide_states(rng)
    kappa = np.full((6, 1), 4e-4)
    model = Ballistic(j2=False, drag=True)
    x = np.concatenate([r, v, kappa], axis=1)
    dt = 0.5

    def energy(s):
        return 0.5 * np.sum(s[:, 3:6] ** 2, axis=1) - MU_EARTH_M3_S2 / np.linalg.norm(s[:, :3], axis=1)

    y = model.propagate(x, dt)
    mid = model.propagate(x, dt / 2)
    a_drag = model._deriv(mid)[:, 3:6] - gravity(mid[:, :3], False)
    power = np.sum(a_drag * mid[:, 3:6], axis=1)
    np.testing.assert_allclose(energy(y) - energy(x), power * dt, rtol=1e-3)
    x0 = x.copy()
    x0[:, 6] = 0.0
    np.testing.assert_allclose(energy(model.propagate(x0, dt)), energy(x0), rtol=1e-9)


def test_predict_keeps_covariance_symmetric_psd(rng):
    """EKF prediction of random symmetric PSD covariances (condition numbers up to 1e12)
    with every model gives exactly symmetric matrices whose smallest eigenvalue is >= 0 up
    to rounding (>= -1e-12 of the largest); dt = 0 returns the input."""
    r, v = _glide_states(rng, 8)
    for model in (ConstantVelocity(1.0), ConstantAcceleration(1.0), Singer(5.0, 30.0), Ballistic(), Glide()):
        n = model.ndim
        x = np.concatenate([r, v, np.zeros((8, n - 6))], axis=1)
        b = rng.normal(size=(8, n, n))
        scales = 10.0 ** rng.uniform(-6, 6, (8, n))
        p = np.einsum("nij,nkj->nik", b * scales[:, None, :], b * scales[:, None, :])
        for dt in (1.0, 30.0):
            x2, p2 = EKF().predict(model, x, p, dt)
            np.testing.assert_array_equal(p2, np.swapaxes(p2, 1, 2))
            w = np.linalg.eigvalsh(p2)
            assert np.all(w[:, 0] >= -1e-12 * w[:, -1])
        assert EKF().predict(model, x, p, 0.0)[1] is p


def test_ellipsoid_height_matches_geodetic(rng):
    """The first-order height used by the drag model and the impact test agrees with the
    exact geodetic height (earth.frames.ecef_to_geodetic) to 100 m from 0 to 1,000 km."""
    from tracklayer.earth.frames import ecef_to_geodetic
    from tracklayer.tracking.motion_models import ellipsoid_height_m

    up = rng.normal(size=(500, 3))
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    r = up * (WGS84_A_M + rng.uniform(-30e3, 1000e3, 500))[:, None]
    np.testing.assert_allclose(ellipsoid_height_m(r), ecef_to_geodetic(r)[2], atol=100.0)
