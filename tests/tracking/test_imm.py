"""IMM estimator against a direct, one-track-at-a-time textbook implementation (Bar-Shalom,
Li & Kirubarajan 2001, Sec. 11.6.6), the continuous-time switching matrix against its
definition, and a one-model bank against the plain filter."""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm
from scipy.stats import multivariate_normal

from tracklayer.tracking.filters import EKF
from tracklayer.tracking.imm import IMM, _switching
from tracklayer.tracking.measurement_models import POSITION, PositionModel, SensorView
from tracklayer.tracking.motion_models import ConstantAcceleration, ConstantVelocity

VIEW = SensorView(POSITION, np.zeros(3), np.eye(3))


def _imm_cycle(est, x, p, mu, z, r, dt):
    x, p, mu = est.predict(x, p, mu, dt)
    mm = PositionModel()
    preds = est.predict_measurement(mm, x, p, VIEW)
    idx = np.arange(x.shape[0])
    terms = est.pair_terms(mm, preds, z, r, idx, idx)
    return est.update(x, p, mu, preds, terms, r, mm, idx, idx)


def test_switching_matrix():
    """Pi(dt) = expm(Lambda dt) with exit rates 1/sojourn spread evenly: rows sum to 1,
    the diagonal is ~exp(-dt/T) for short dt, and Pi(a) Pi(b) = Pi(a + b) (1e-12)."""
    soj = (20.0, 5.0, 50.0)
    pi = _switching(soj, 1.0)
    np.testing.assert_allclose(pi.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.diag(pi), np.exp(-1.0 / np.array(soj)), rtol=0.02)
    np.testing.assert_allclose(_switching(soj, 1.0) @ _switching(soj, 2.5), _switching(soj, 3.5), atol=1e-12)
    lam = np.array([[-1 / 20, 1 / 40, 1 / 40], [1 / 10, -1 / 5, 1 / 10], [1 / 100, 1 / 100, -1 / 50]])
    np.testing.assert_allclose(pi, expm(lam), atol=1e-12)


def test_imm_matches_textbook_two_model_cycle(rng):
    """Two nearly-constant-velocity models (q = 0.1 and 50 m^2/s^3) on 3 tracks, 20 cycles
    with Cartesian measurements: the batched IMM equals the textbook loop (mixing,
    model-matched Kalman filters, mode likelihoods N(nu; 0, S), combination) to 1e-6 m in
    the states, 1e-8 relative in the covariances and 1e-9 in the mode probabilities."""
    models = (ConstantVelocity(0.1), ConstantVelocity(50.0))
    est = IMM(models, EKF(), (30.0, 10.0))
    dt, n_tr = 1.0, 3
    r = np.broadcast_to(np.diag([40.0, 40.0, 60.0]) ** 2, (n_tr, 3, 3))
    x6 = rng.normal(size=(n_tr, 6)) * [1e3, 1e3, 1e3, 50, 50, 5]
    x, p, mu = est.initial(x6, np.broadcast_to(np.diag([1e4] * 3 + [1e3] * 3), (n_tr, 6, 6)))
    xs, ps, mus = x.copy(), p.copy(), mu.copy()
    f = np.eye(6)
    f[:3, 3:] = dt * np.eye(3)
    qs = [m.noise(None, dt) for m in models]
    h = np.eye(3, 6)
    pi = expm(np.array([[-1 / 30, 1 / 30], [1 / 10, -1 / 10]]) * dt)
    truth = x6.copy()
    for step in range(20):
        accel = 20.0 if 8 <= step < 12 else 0.0
        truth[:, 3] += accel * dt
        truth[:, :3] += truth[:, 3:] * dt
        z = truth[:, :3] + rng.normal(size=(n_tr, 3)) * [40.0, 40.0, 60.0]
        x, p, mu = _imm_cycle(est, x, p, mu, z, r, dt)
        for t in range(n_tr):  # textbook, one track at a time
            c = pi.T @ mus[t]
            w = pi * mus[t][:, None] / c[None, :]
            x0 = [sum(w[i, j] * xs[t, i] for i in range(2)) for j in range(2)]
            p0 = [sum(w[i, j] * (ps[t, i] + np.outer(xs[t, i] - x0[j], xs[t, i] - x0[j])) for i in range(2)) for j in range(2)]
            lik = np.empty(2)
            for j in range(2):
                xp, pp = f @ x0[j], f @ p0[j] @ f.T + qs[j]
                s = h @ pp @ h.T + r[t]
                k = pp @ h.T @ np.linalg.inv(s)
                nu = z[t] - h @ xp
                lik[j] = multivariate_normal(np.zeros(3), s).pdf(nu)
                ikh = np.eye(6) - k @ h
                xs[t, j], ps[t, j] = xp + k @ nu, ikh @ pp @ ikh.T + k @ r[t] @ k.T
            mus[t] = c * lik / np.sum(c * lik)
        np.testing.assert_allclose(x, xs, rtol=0, atol=1e-6)
        np.testing.assert_allclose(p, ps, rtol=1e-8, atol=1e-8 * np.abs(ps).max())
        np.testing.assert_allclose(mu, mus, rtol=0, atol=1e-9)
    assert mu[:, 1].max() > 0.5  # the manoeuvre model took over at some point


def test_one_model_bank_is_the_plain_filter_and_unequal_dims_mix(rng):
    """A one-model IMM gives exactly the plain EKF; a CV + CA bank keeps the CV model's
    acceleration components at zero with the pad variance after every cycle, and its
    combined estimate is the probability-weighted moment match (1e-9 relative)."""
    x6 = rng.normal(size=(4, 6)) * 100.0
    p6 = np.broadcast_to(np.eye(6) * 1e4, (4, 6, 6))
    z = x6[:, :3] + rng.normal(size=(4, 3)) * 10.0
    r = np.broadcast_to(np.eye(3) * 100.0, (4, 3, 3))
    single = IMM((ConstantVelocity(1.0),))
    x, p, mu = _imm_cycle(single, *single.initial(x6, p6), z, r, 1.0)
    ekf, mm = EKF(), PositionModel()
    xe, pe = ekf.predict(ConstantVelocity(1.0), x6, p6, 1.0)
    pred = ekf.predict_measurement(mm, xe, pe, VIEW)
    xe, pe = ekf.update(xe, pe, z - pred.z, pred.s0 + r, pred.c, pred.h, r)
    np.testing.assert_array_equal(x[:, 0], xe)
    np.testing.assert_array_equal(p[:, 0], pe)
    bank = IMM((ConstantVelocity(1.0), ConstantAcceleration(1.0)), EKF(), (20.0, 20.0), pad_variance=25.0)
    x, p, mu = bank.initial(x6, p6)
    for _ in range(3):
        x, p, mu = _imm_cycle(bank, x, p, mu, z, r, 1.0)
    np.testing.assert_array_equal(x[:, 0, 6:], 0.0)
    np.testing.assert_array_equal(p[:, 0, 6:, 6:], np.broadcast_to(np.eye(3) * 25.0, (4, 3, 3)))
    np.testing.assert_array_equal(p[:, 0, :6, 6:], 0.0)
    xc, pc = bank.combine(x, p, mu)
    ref_x = mu[:, 0, None] * x[:, 0, :6] + mu[:, 1, None] * x[:, 1, :6]
    np.testing.assert_allclose(xc, ref_x, rtol=1e-9)
    d0, d1 = x[:, 0, :6] - ref_x, x[:, 1, :6] - ref_x
    ref_p = mu[:, 0, None, None] * (p[:, 0, :6, :6] + d0[:, :, None] * d0[:, None]) + mu[:, 1, None, None] * (p[:, 1, :6, :6] + d1[:, :, None] * d1[:, None])
    np.testing.assert_allclose(pc, ref_p, rtol=1e-9)
