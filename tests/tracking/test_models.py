"""Motion model: RK4 propagation against Kepler, the transition matrix against a finite-
difference Jacobian of the propagation, process noise against Van Loan's matrix-exponential
discretisation, and covariance prediction invariants."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from tracklayer.orbits.kepler import elements_to_rv, kepler_propagate
from tracklayer.tracking.models import gravity_gradient, predict, process_noise, propagate_state, transition_matrix


def _states(rng, n=20):
    """Ballistic-like and orbital states from 6,700 to 8,000 km radius."""
    r, v = elements_to_rv(rng.uniform(6.7e6, 8e6, n), rng.uniform(0, 0.3, n), rng.uniform(0, 3, n), rng.uniform(0, 6, n), rng.uniform(0, 6, n), rng.uniform(0, 6, n))
    return np.concatenate([r, v], axis=1)


@pytest.mark.parametrize("dt, tol_m", [(1.0, 1e-6), (10.0, 1e-3), (60.0, 1e-2), (300.0, 1e-2), (-120.0, 1e-2)])
def test_propagate_state_matches_kepler(rng, dt, tol_m):
    """RK4 (10 s sub-steps) vs the closed-form two-body solution (kepler_propagate): position
    within tol_m (measured 1e-8 m at 1 s, 2 mm at 300 s) and velocity within tol_m/100 s,
    forwards and backwards in time."""
    x = _states(rng)
    y = propagate_state(x, dt)
    r, v = kepler_propagate(x[:, :3], x[:, 3:], np.array([[dt]]))
    assert np.abs(y[:, :3] - r[0]).max() < tol_m
    assert np.abs(y[:, 3:] - v[0]).max() < tol_m / 100


def test_gravity_gradient_matches_finite_differences(rng):
    """gravity_gradient vs central differences of -mu r/|r|^3 (1 m steps): 1e-12 1/s^2 (the
    entries are ~1e-6 1/s^2)."""
    x = _states(rng, 5)
    g = gravity_gradient(x[:, :3])
    mu = 3.986004418e14
    for k in range(3):
        d = np.zeros(3)
        d[k] = 1.0
        a_plus = -mu * (x[:, :3] + d) / np.linalg.norm(x[:, :3] + d, axis=1, keepdims=True) ** 3
        a_minus = -mu * (x[:, :3] - d) / np.linalg.norm(x[:, :3] - d, axis=1, keepdims=True) ** 3
        np.testing.assert_allclose(g[:, :, k], (a_plus - a_minus) / 2, atol=1e-12)


@pytest.mark.parametrize("dt", [1.0, 5.0])
def test_transition_matrix_vs_jacobian_of_propagation(rng, dt):
    """F = I + A dt + A^2 dt^2/2 vs the central-difference Jacobian of propagate_state
    (steps 100 m and 1 m/s, large enough that rounding of 7e6 m positions stays below
    1e-11 s). F omits the third-order term A^3 dt^3/6, whose position-
    velocity block is G dt^3/6 (3e-7 s at dt = 1 s): that block must differ from the
    Jacobian by exactly -G dt^3/6 (to 1e-9 s at 1 s), all other blocks agree to 1e-8."""
    x = _states(rng, 5)
    f = transition_matrix(x, dt)
    jac = np.empty_like(f)
    for k in range(6):
        d = np.zeros(6)
        d[k] = 100.0 if k < 3 else 1.0
        jac[:, :, k] = (propagate_state(x + d, dt) - propagate_state(x - d, dt)) / (2 * d[k])
    diff = f - jac
    g = gravity_gradient(x[:, :3])
    third = g * dt**3 / 6
    assert np.abs(third).max() > 1e-7 * dt**3  # the term is really there
    np.testing.assert_allclose(diff[:, :3, 3:], -third, atol=1e-9 * dt**4)
    for block in (diff[:, :3, :3], diff[:, 3:, :3], diff[:, 3:, 3:]):
        assert np.abs(block).max() < 1e-8 * dt**2


@pytest.mark.parametrize("dt", [0.5, 1.0, 10.0, -3.0])
def test_process_noise_matches_van_loan(dt):
    """Q for continuous white acceleration (spectral density q) on the double integrator,
    from Van Loan (1978): expm([[-A, G Qc G^T], [0, A^T]] |dt|) = [[., Phi^-1 Q], [0, Phi^T]],
    Q = Phi (upper-right block). Agreement 1e-12 relative; Q is symmetric positive definite."""
    q = 2.5
    a = np.zeros((6, 6))
    a[:3, 3:] = np.eye(3)
    gq = np.zeros((6, 6))
    gq[3:, 3:] = q * np.eye(3)
    m = np.block([[-a, gq], [np.zeros((6, 6)), a.T]]) * abs(dt)
    e = expm(m)
    phi = e[6:, 6:].T
    q_ref = phi @ e[:6, 6:]
    got = process_noise(q, dt)
    np.testing.assert_allclose(got, q_ref, rtol=1e-12, atol=1e-15 * np.abs(q_ref).max())
    np.testing.assert_array_equal(got, got.T)
    assert np.linalg.eigvalsh(got).min() > 0


def test_predict_keeps_covariance_symmetric_psd(rng):
    """Predicting random symmetric PSD covariances (condition numbers up to 1e12) over
    various steps gives exactly symmetric matrices whose smallest eigenvalue is >= 0 up to
    rounding (>= -1e-12 of the largest), and the state equals propagate_state."""
    n = 50
    x = _states(rng, n)
    b = rng.normal(size=(n, 6, 6))
    scales = 10.0 ** rng.uniform(-6, 6, (n, 6))
    p = np.einsum("nij,nkj->nik", b * scales[:, None, :], b * scales[:, None, :])
    for dt in (0.0, 1.0, 30.0, -5.0):
        x2, p2 = predict(x, p, dt, 1.0)
        np.testing.assert_array_equal(p2, np.swapaxes(p2, 1, 2))
        w = np.linalg.eigvalsh(p2)
        assert np.all(w[:, 0] >= -1e-12 * w[:, -1])
        np.testing.assert_array_equal(x2, propagate_state(x, dt) if dt else x)


def test_predict_empty_batch():
    """No tracks: shapes (0, 6) and (0, 6, 6) come back unchanged."""
    x, p = predict(np.zeros((0, 6)), np.zeros((0, 6, 6)), 1.0, 1.0)
    assert x.shape == (0, 6) and p.shape == (0, 6, 6)
