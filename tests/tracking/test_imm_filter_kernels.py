"""The compiled IMM mixing, EKF prediction (RK4 with the frozen-Jacobian transition),
Joseph-form update and moment matching (`tracklayer.kernels.imm`) against their NumPy
references on random inputs: the kernels loop where the references call BLAS/LAPACK,
so they agree to rounding, not bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.tracking.imm import _switching, ekf_predict_numpy, ekf_update_numpy, imm_combine_numpy, imm_mix_numpy


def _spd(rng, shape, n, scale):
    a = rng.normal(size=shape + (n, n)) * scale
    p = a @ np.swapaxes(a, -1, -2) + np.eye(n) * 1.0
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def _states(rng, n_tr, n):
    """Orbit-like [r, v, a] rows at 100-1500 km altitude, random directions."""
    u = rng.normal(size=(n_tr, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = u * rng.uniform(6.47e6, 7.9e6, (n_tr, 1))
    v = np.cross(u, rng.normal(size=(n_tr, 3))) * 5e3
    return np.concatenate([r, v, rng.normal(0, 5, (n_tr, n - 6))], axis=1)


def test_mixing_kernel_matches_reference(rng):
    from tracklayer.kernels.imm import imm_mix_kernel

    for _ in range(10):
        n_tr, ndims = int(rng.integers(1, 6)), np.array([6, 9, 9])
        x = np.stack([_states(rng, n_tr, 9) for _ in range(3)], axis=1)
        p = _spd(rng, (n_tr, 3), 9, rng.uniform(1, 300))
        mu = rng.dirichlet(np.ones(3), n_tr)
        pi = np.ascontiguousarray(_switching((60.0, 60.0, 20.0), float(rng.uniform(0.1, 30))))
        outs = []
        for fn in (imm_mix_kernel, imm_mix_numpy):
            out = (np.empty_like(x), np.empty_like(p), np.empty_like(mu))
            fn(x, p, mu, pi, ndims, 100.0, *out)
            outs.append(out)
        for a, b in zip(*outs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
        assert np.all(outs[0][0][:, 0, 6:] == 0) and np.all(outs[0][1][:, 0, 6:, 6:] == 100.0 * np.eye(3))


@pytest.mark.parametrize("kind, d, tau", [(0, 6, 0.0), (1, 9, 30.0), (1, 9, 300.0)])
@pytest.mark.parametrize("j2", [True, False])
@pytest.mark.parametrize("dt", [0.7, 10.0, 23.5, -4.0])
def test_prediction_kernel_matches_reference(rng, kind, d, tau, j2, dt):
    from tracklayer.kernels.imm import ekf_predict_kernel

    n_tr = 4
    x = _states(rng, n_tr, d)
    p = _spd(rng, (n_tr,), d, 30.0)
    q = _spd(rng, (n_tr,), d, 0.1)
    outs = []
    for fn in (ekf_predict_kernel, ekf_predict_numpy):
        out = (np.empty((n_tr, d)), np.empty((n_tr, d, d)))
        fn(kind, j2, tau, 10.0, dt, x, p, q, *out)
        outs.append(out)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-10 * np.abs(outs[1][1]).max())
    assert not np.allclose(outs[1][0][:, :3], x[:, :3] + dt * x[:, 3:6], rtol=0, atol=1e-3)  # gravity acted


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("n", [6, 9])
def test_update_kernel_matches_reference(rng, m, n):
    from tracklayer.kernels.imm import ekf_update_kernel

    n_pairs = 5
    x = _states(rng, n_pairs, n)
    p = _spd(rng, (n_pairs,), n, 50.0)
    h = rng.normal(size=(n_pairs, m, n)) * 1e-3
    r = _spd(rng, (n_pairs,), m, 1e-2)
    c = p @ np.swapaxes(h, -1, -2)
    s = h @ c + r
    s = 0.5 * (s + np.swapaxes(s, -1, -2))
    nu = rng.normal(size=(n_pairs, m))
    outs = []
    for fn in (ekf_update_kernel, ekf_update_numpy):
        out = (np.empty((n_pairs, n)), np.empty((n_pairs, n, n)))
        fn(x, p, nu, s, c, h, r, *out)
        outs.append(out)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-9, atol=1e-10 * np.abs(outs[1][1]).max())
    assert np.all(np.trace(outs[0][1], axis1=1, axis2=2) < np.trace(p, axis1=1, axis2=2))  # a measurement shrinks P


@pytest.mark.parametrize("dims", [3, 6, 9])
def test_combine_kernel_matches_reference(rng, dims):
    from tracklayer.kernels.imm import imm_combine_kernel

    n_tr = 5
    x = np.stack([_states(rng, n_tr, 9) for _ in range(3)], axis=1)
    p = _spd(rng, (n_tr, 3), 9, 40.0)
    mu = rng.dirichlet(np.ones(3), n_tr)
    outs = []
    for fn in (imm_combine_kernel, imm_combine_numpy):
        out = (np.empty((n_tr, dims)), np.empty((n_tr, dims, dims)))
        fn(x, p, mu, *out)
        outs.append(out)
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-14, atol=1e-9)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-9 * np.abs(outs[1][1]).max())


@pytest.mark.parametrize("kind, m", [(0, 2), (1, 3), (1, 4)])
def test_bank_measurement_kernel_is_the_per_model_kernels(rng, kind, m):
    """One call over the bank gives what the frame and per-model kernels give."""
    from tracklayer.kernels.imm import angles_frame_kernel, ekf_measurement_kernel, imm_measurement_kernel

    n_tr, ndims = 4, np.array([6, 9, 9])
    site = np.array([6.4e6, 0.0, 1e5])
    x = np.stack([_states(rng, n_tr, 9) for _ in range(3)], axis=1)
    p = _spd(rng, (n_tr, 3), 9, 30.0)
    mu = rng.dirichlet(np.ones(3), n_tr)
    enu, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    enu, v_site = np.ascontiguousarray(enu), rng.normal(0, 400, 3)
    rr = m == 4
    frame = np.zeros((n_tr, 3, 3))
    z, s0, valid = np.empty((3, n_tr, m)), np.empty((3, n_tr, m, m)), np.empty((3, n_tr), bool)
    c, h = np.zeros((3, n_tr, 9, m)), np.zeros((3, n_tr, m, 9))
    imm_measurement_kernel(kind, rr, x, p, mu, ndims, site, enu, v_site, frame, z, s0, c, h, valid)
    ref_frame = np.zeros((n_tr, 3, 3))
    if kind == 0:
        angles_frame_kernel(x, mu, site, ref_frame)
    np.testing.assert_array_equal(frame, ref_frame)
    for k, d in enumerate(ndims):
        out = (np.empty((n_tr, m)), np.empty((n_tr, m, m)), np.empty((n_tr, d, m)), np.empty((n_tr, m, d)), np.empty(n_tr, bool))
        ekf_measurement_kernel(kind, rr, np.ascontiguousarray(x[:, k, :d]), np.ascontiguousarray(p[:, k, :d, :d]), site, enu, v_site, ref_frame,
                               *out)
        for a, b in zip((z[k], s0[k], c[k, :, :d], h[k, :, :, :d], valid[k]), out):
            np.testing.assert_array_equal(a, b)
