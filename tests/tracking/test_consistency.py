"""Filter consistency by Monte Carlo (Bar-Shalom, Li & Kirubarajan 2001, Sec. 5.4): the
average normalised estimation error squared (NEES) and innovation squared (NIS) over N
independent runs, at every time step, inside the two-sided 95 % chi-square interval for
N x dof degrees of freedom. The truth is drawn from the filter's own model (process
noise included), so a consistent filter passes at ~95 % of the steps; the tests ask for
85 % (steps are correlated) and for the time-averaged values to be within 5 % of the
dimension."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.orbits.kepler import elements_to_rv, kepler_propagate
from tracklayer.sensors.measurements import perturb_direction
from tracklayer.tracking.filters import EKF, UKF, cubature, innovations
from tracklayer.tracking.measurement_models import ANGLES, POSITION, AnglesModel, PositionModel, SensorView
from tracklayer.tracking.motion_models import Ballistic, ConstantVelocity

FILTERS = {"ekf": EKF(), "ukf": UKF(), "ckf": cubature()}


def _check(values: np.ndarray, dof: int, n: int) -> None:
    lo, hi = chi2.ppf([0.025, 0.975], dof * n) / n
    inside = np.mean((values > lo) & (values < hi))
    assert inside >= 0.85, (inside, values.mean())
    assert abs(values.mean() / dof - 1.0) < 0.05, values.mean()


def _nees(x, p, truth):
    e = x - truth
    return np.einsum("ni,ni->n", e, np.linalg.solve(p, e[..., None])[..., 0]).mean()


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_linear_gaussian_nees_nis(name, rng):
    """Nearly-constant velocity (q = 2 m^2/s^3), Cartesian position measurements (sigma 30,
    30, 50 m), 400 runs x 60 steps of 1 s."""
    filt, model, mm = FILTERS[name], ConstantVelocity(2.0), PositionModel()
    view = SensorView(POSITION, np.zeros(3), np.eye(3))
    n, steps = 400, 60
    r = np.diag([30.0, 30.0, 50.0]) ** 2
    p0 = np.diag([100.0**2] * 3 + [20.0**2] * 3)
    truth = rng.multivariate_normal(np.zeros(6), p0, n) + [0, 0, 1e4, 150, -80, 0]
    x, p = truth + rng.multivariate_normal(np.zeros(6), p0, n), np.broadcast_to(p0, (n, 6, 6)).copy()
    chol = np.linalg.cholesky(model.noise(None, 1.0))
    nees, nis = [], []
    idx = np.arange(n)
    for _ in range(steps):
        truth = model.propagate(truth, 1.0) + rng.normal(size=(n, 6)) @ chol.T
        x, p = filt.predict(model, x, p, 1.0)
        z = truth[:, :3] + rng.multivariate_normal(np.zeros(3), r, n)
        pred = filt.predict_measurement(mm, x, p, view)
        nu, _ = innovations(mm, pred, z, idx, idx)
        s = pred.s0 + r
        nis.append(np.einsum("ni,ni->n", nu, np.linalg.solve(s, nu[..., None])[..., 0]).mean())
        x, p = filt.update(x, p, nu, s, pred.c, pred.h, np.broadcast_to(r, (n, 3, 3)))
        nees.append(_nees(x, p, truth))
    _check(np.array(nees), 6, n)
    _check(np.array(nis), 3, n)


def _satellite(phase: float, inc: float):
    r, v = elements_to_rv(np.array([WGS84_A_M + 1000e3]), np.array([0.0]), np.array([inc]), np.array([0.0]), np.array([0.0]), np.array([phase]))
    return r, v


@pytest.mark.parametrize("name, n_sat", [("ekf", 2), ("ukf", 2), ("ekf", 1), ("ckf", 1)])
def test_angles_only_nees_nis(name, n_sat, rng):
    """A ballistic target at 300 km altitude (central + J2 gravity, q = 1 m^2/s^3) seen by
    one or two satellites at 1,000 km, 1,500-2,500 km away, lines of sight with 150 urad
    noise (the IR sensors' model), 200 runs x 90 s. With one satellite the range is
    nearly unobservable and the position error grows to kilometres, but the covariance
    grows with it: NEES and NIS stay consistent."""
    filt, model, mm = FILTERS[name], Ballistic(q_m2_s3=1.0), AnglesModel()
    n, steps, sigma = 200, 90, 150e-6
    sats = [_satellite(-0.25, 0.5), _satellite(0.3, -0.6)][:n_sat]
    p0 = np.diag([2e3**2] * 3 + [200.0**2] * 3)
    truth = np.tile([WGS84_A_M + 300e3, 0.0, 0.0, 200.0, 5000.0, 1500.0], (n, 1))
    x, p = truth + rng.multivariate_normal(np.zeros(6), p0, n), np.broadcast_to(p0, (n, 6, 6)).copy()
    chol = np.linalg.cholesky(model.noise(None, 1.0))
    nees, nis = [], []
    idx = np.arange(n)
    for k in range(steps):
        truth = model.propagate(truth, 1.0) + rng.normal(size=(n, 6)) @ chol.T
        x, p = filt.predict(model, x, p, 1.0)
        for r_s, v_s in sats:
            s = kepler_propagate(r_s, v_s, np.array([[k + 1.0]]))[0][0, 0]
            view = SensorView(ANGLES, s, np.eye(3))
            u = truth[:, :3] - s
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            z = perturb_direction(u, np.full(n, sigma), rng.standard_normal((n, 2)))
            r = mm.noise(sigma**2 * (np.eye(3) - z[:, :, None] * z[:, None, :]))
            pred = filt.predict_measurement(mm, x, p, view)
            nu, ok = innovations(mm, pred, z, idx, idx)
            assert ok.all()
            s_cov = pred.s0 + r
            nis.append(np.einsum("ni,ni->n", nu, np.linalg.solve(s_cov, nu[..., None])[..., 0]).mean())
            x, p = filt.update(x, p, nu, s_cov, pred.c, pred.h, r)
        nees.append(_nees(x, p, truth))
    _check(np.array(nees), 6, n)
    _check(np.array(nis), 2, n)
    if n_sat == 1:
        assert np.sqrt(np.mean(np.sum((x - truth)[:, :3] ** 2, axis=1))) > 1e3
