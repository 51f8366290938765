"""Batched EKF update against the textbook Kalman update written out in plain NumPy, the
Joseph form's positive semi-definiteness, and the Mahalanobis distance."""

from __future__ import annotations

import numpy as np

from tracklayer.tracking.filters import ekf_update, innovation_covariance, mahalanobis2


def _random_spd(rng, n, d, cond_log10=3.0):
    q, _ = np.linalg.qr(rng.normal(size=(n, d, d)))
    w = 10.0 ** rng.uniform(0, cond_log10, (n, d))
    return np.einsum("nij,nj,nkj->nik", q, w, q)


def _textbook(x, p, nu, h, r):
    """Kalman (1960) / Bar-Shalom et al. (2001) Eq. 5.2.3: S = H P H' + R, K = P H' S^-1,
    x+ = x + K nu, P+ = (I - K H) P, one problem at a time with explicit inverses."""
    s = h @ p @ h.T + r
    k = p @ h.T @ np.linalg.inv(s)
    return x + k @ nu, (np.eye(x.size) - k @ h) @ p


def test_single_update_matches_textbook():
    """One hand-sized case (6-state position/velocity, range-like 3-D position measurement):
    state to 1e-9 m, covariance to 1e-9 relative."""
    x = np.array([[7.0e6, 1.0e5, -2.0e5, 10.0, 7.5e3, -20.0]])
    p = np.diag([1e6, 1e6, 1e6, 1e2, 1e2, 1e2])[None]
    p[0, 0, 3] = p[0, 3, 0] = 5e3
    h = np.zeros((1, 3, 6))
    h[0, :, :3] = np.eye(3)
    r = np.diag([100.0, 400.0, 900.0])[None]
    nu = np.array([[30.0, -50.0, 12.0]])
    x_new, p_new = ekf_update(x, p, nu, h, r)
    x_ref, p_ref = _textbook(x[0], p[0], nu[0], h[0], r[0])
    np.testing.assert_allclose(x_new[0], x_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(p_new[0], p_ref, rtol=1e-9, atol=1e-9 * np.abs(p_ref).max())
    # Position variance along x drops to P R / (P + R) = 1e6 * 100 / (1e6 + 100) (x is
    # correlated only with vx, which the measurement does not see).
    assert abs(p_new[0, 0, 0] - 1e8 / (1e6 + 100)) < 1e-6


def test_batched_update_matches_textbook(rng):
    """200 random problems (6 states, 2 or 3 measurements, condition numbers up to 1e3):
    every row equals the textbook update (state 1e-8 relative to its scale, covariance 1e-8
    relative to its largest entry)."""
    for m in (2, 3):
        n = 200
        p = _random_spd(rng, n, 6)
        r = _random_spd(rng, n, m)
        h = rng.normal(size=(n, m, 6))
        x = rng.normal(size=(n, 6)) * 1e3
        nu = rng.normal(size=(n, m)) * 10
        x_new, p_new = ekf_update(x, p, nu, h, r)
        for i in range(n):
            x_ref, p_ref = _textbook(x[i], p[i], nu[i], h[i], r[i])
            np.testing.assert_allclose(x_new[i], x_ref, rtol=0, atol=1e-8 * np.abs(x_ref).max())
            np.testing.assert_allclose(p_new[i], p_ref, rtol=0, atol=1e-8 * np.abs(p_ref).max())
            np.testing.assert_array_equal(p_new[i], p_new[i].T)


def test_joseph_form_stays_psd_when_simple_form_does_not(rng):
    """A very precise measurement of a very uncertain state (P ~ 1e12 m^2, R ~ 1e-6):
    the Joseph-form covariance stays PSD (smallest eigenvalue >= -1e-9 of the largest) in
    every one of 500 cases; the short form (I - K H) P is shown to lose symmetry or
    definiteness in some of them, so the test can tell the two apart."""
    n = 500
    p = _random_spd(rng, n, 6, cond_log10=12.0)
    r = _random_spd(rng, n, 3, cond_log10=1.0) * 1e-6
    h = rng.normal(size=(n, 3, 6))
    x = np.zeros((n, 6))
    nu = np.zeros((n, 3))
    _, p_new = ekf_update(x, p, nu, h, r)
    w = np.linalg.eigvalsh(p_new)
    assert np.all(w[:, 0] >= -1e-9 * w[:, -1])
    simple_bad = 0
    for i in range(n):
        _, p_ref = _textbook(x[i], p[i], nu[i], h[i], r[i])
        asym = np.abs(p_ref - p_ref.T).max() / np.abs(p_ref).max()
        w_ref = np.linalg.eigvalsh(0.5 * (p_ref + p_ref.T))
        simple_bad += (asym > 1e-12) or (w_ref[0] < -1e-9 * w_ref[-1])
    assert simple_bad > 0


def test_innovation_covariance_and_mahalanobis(rng):
    """S = H P H' + R (symmetrised) and nu' S^-1 nu vs an explicit inverse, 1e-10 relative,
    for broadcast (M, D) gate batches."""
    p = _random_spd(rng, 4, 6)[:, None]
    h = rng.normal(size=(4, 5, 2, 6))
    r = _random_spd(rng, 5, 2)[None]
    s = innovation_covariance(p, h, r)
    assert s.shape == (4, 5, 2, 2)
    s_ref = h @ p @ np.swapaxes(h, -1, -2) + r
    np.testing.assert_allclose(s, s_ref, rtol=1e-12)
    np.testing.assert_array_equal(s, np.swapaxes(s, -1, -2))
    nu = rng.normal(size=(4, 5, 2))
    d2 = mahalanobis2(nu, s)
    ref = np.einsum("...i,...ij,...j->...", nu, np.linalg.inv(s), nu)
    np.testing.assert_allclose(d2, ref, rtol=1e-10)
    assert np.all(d2 > 0)


def test_innovation_is_white_in_monte_carlo(rng):
    """Consistency: for x ~ N(x_hat, P) and z = H x + v, v ~ N(0, R), the normalised
    innovation squared nu' S^-1 nu averages the measurement dimension (3) within the 99 %
    chi-square bounds of 2,000 samples [2.86, 3.14], and after the update the NEES of the
    state averages 6 within [5.80, 6.20]."""
    from scipy.stats import chi2

    n = 2000
    p = _random_spd(rng, 1, 6)[0]
    h = rng.normal(size=(3, 6))
    r = _random_spd(rng, 1, 3)[0]
    x_true = rng.multivariate_normal(np.zeros(6), p, n)
    z = x_true @ h.T + rng.multivariate_normal(np.zeros(3), r, n)
    x_hat = np.zeros((n, 6))
    nu = z - x_hat @ h.T
    s = innovation_covariance(p, h, r)
    nis = mahalanobis2(nu, np.broadcast_to(s, (n, 3, 3)))
    lo, hi = chi2.ppf([0.005, 0.995], 3 * n) / n
    assert lo < nis.mean() < hi
    x_new, p_new = ekf_update(x_hat, np.broadcast_to(p, (n, 6, 6)), nu, np.broadcast_to(h, (n, 3, 6)), np.broadcast_to(r, (n, 3, 3)))
    err = x_new - x_true
    nees = mahalanobis2(err, p_new)
    lo, hi = chi2.ppf([0.005, 0.995], 6 * n) / n
    assert lo < nees.mean() < hi


def _radar_scene():
    """A site at the origin of a flat east/north/up frame and a target 200 km away."""
    from tracklayer.tracking.measurement_models import RADAR, SensorView

    view = SensorView(RADAR, np.zeros(3), np.eye(3))
    x = np.array([1.5e5, 1.2e5, 3.0e4, -800.0, 300.0, 20.0])
    p = np.diag([4e6, 9e6, 1e6, 4e4, 4e4, 1e4])
    p[0, 3] = p[3, 0] = 1e5
    return view, x, p


def test_ukf_matches_filterpy():
    """One predict (nearly-constant velocity, 2 s) and one radar update (range, azimuth,
    elevation) of tracklayer's UKF against FilterPy's UnscentedKalmanFilter with Merwe
    scaled sigma points, for two parameter sets (alpha, beta, kappa) = (1, 2, 0) and
    (0.5, 2, 1); FilterPy's update is run on sigma points redrawn from the predicted
    mean and covariance, as tracklayer's is. Mean to 1e-6 m, covariance to 1e-9 relative."""
    from filterpy.kalman import MerweScaledSigmaPoints, UnscentedKalmanFilter

    from tracklayer.tracking.filters import UKF
    from tracklayer.tracking.measurement_models import RadarModel
    from tracklayer.tracking.motion_models import ConstantVelocity

    view, x0, p0 = _radar_scene()
    model, mm = ConstantVelocity(5.0), RadarModel()
    z = np.array([1.93e5, 0.905, 0.153])
    r = np.diag([20.0**2, 1e-6, 1e-6])
    for alpha, beta, kappa in ((1.0, 2.0, 0.0), (0.5, 2.0, 1.0)):
        ukf = UKF(alpha, beta, kappa)
        x1, p1 = ukf.predict(model, x0[None], p0[None], 2.0)
        pred = ukf.predict_measurement(mm, x1, p1, view)
        nu = z - pred.z[0]
        s = pred.s0 + r
        x2, p2 = ukf.update(x1, p1, nu[None], s, pred.c, pred.h, r[None])

        points = MerweScaledSigmaPoints(6, alpha, beta, kappa)
        fp = UnscentedKalmanFilter(6, 3, 2.0, hx=lambda s_: mm.h(s_[None], view, None)[0], fx=lambda s_, dt: model.propagate(s_[None], dt)[0], points=points)
        fp.x, fp.P, fp.Q, fp.R = x0.copy(), p0.copy(), model.noise(None, 2.0), r
        fp.predict()
        np.testing.assert_allclose(x1[0], fp.x, rtol=0, atol=1e-6)
        np.testing.assert_allclose(p1[0], fp.P, rtol=1e-9, atol=1e-9 * np.abs(fp.P).max())
        fp.sigmas_f = points.sigma_points(fp.x, fp.P)
        fp.update(z)
        np.testing.assert_allclose(x2[0], fp.x, rtol=0, atol=1e-6)
        np.testing.assert_allclose(p2[0], fp.P, rtol=1e-9, atol=1e-9 * np.abs(fp.P).max())


def test_cubature_rule_and_linear_exactness(rng):
    """cubature() propagates the 2n points x +/- sqrt(n) L e_i with weights 1/(2n)
    (Arasaratnam & Haykin 2009, Eq. 36), written out here directly: predicted moments to
    1e-9 relative. On a linear model and measurement (CV, Cartesian position) every
    sigma-point filter equals the Kalman filter to 1e-9 relative."""
    from tracklayer.tracking.filters import EKF, UKF, cubature
    from tracklayer.tracking.measurement_models import POSITION, PositionModel, SensorView
    from tracklayer.tracking.motion_models import Ballistic, ConstantVelocity

    view, x0, p0 = _radar_scene()
    x0 = x0 + np.array([6.5e6, 0, 0, 0, 7.0e3, 0])
    model = Ballistic(10.0)
    n = 6
    lower = np.linalg.cholesky(p0)
    pts = np.concatenate([x0 + np.sqrt(n) * lower.T, x0 - np.sqrt(n) * lower.T])
    moved = model.propagate(pts, 30.0)
    mean = moved.mean(axis=0)
    cov = (moved - mean).T @ (moved - mean) / (2 * n) + model.noise(None, 30.0)
    xc, pc = cubature().predict(model, x0[None], p0[None], 30.0)
    np.testing.assert_allclose(xc[0], mean, rtol=1e-12)
    np.testing.assert_allclose(pc[0], cov, rtol=1e-9, atol=1e-9 * np.abs(cov).max())

    lin, mm = ConstantVelocity(2.0), PositionModel()
    pview = SensorView(POSITION, np.zeros(3), np.eye(3))
    r = np.diag([100.0, 400.0, 900.0])
    z = x0[:3] + rng.normal(size=3) * 30.0
    results = []
    for filt in (EKF(), UKF(), cubature(), UKF(0.3, 2.0, 1.0)):
        x1, p1 = filt.predict(lin, x0[None], p0[None], 3.0)
        pred = filt.predict_measurement(mm, x1, p1, pview)
        x2, p2 = filt.update(x1, p1, (z - pred.z[0])[None], pred.s0 + r, pred.c, pred.h, r[None])
        results.append((x2[0], p2[0]))
    for x2, p2 in results[1:]:
        np.testing.assert_allclose(x2, results[0][0], rtol=1e-9)
        np.testing.assert_allclose(p2, results[0][1], rtol=1e-9, atol=1e-9 * np.abs(results[0][1]).max())


def test_kalman_filter_sequence_matches_textbook(rng):
    """Fifty predict/update cycles of the EKF with the CV model and Cartesian position
    measurements against a direct textbook Kalman filter (F x, F P F' + Q; K = P H' S^-1,
    (I - K H) P) written out here: state to 1e-6 m, covariance to 1e-8 relative."""
    from tracklayer.tracking.filters import EKF
    from tracklayer.tracking.measurement_models import POSITION, PositionModel, SensorView
    from tracklayer.tracking.motion_models import ConstantVelocity

    q, dt = 3.0, 1.5
    f = np.eye(6)
    f[:3, 3:] = dt * np.eye(3)
    qm = np.block([[q * dt**3 / 3 * np.eye(3), q * dt**2 / 2 * np.eye(3)], [q * dt**2 / 2 * np.eye(3), q * dt * np.eye(3)]])
    h = np.eye(3, 6)
    r = np.diag([50.0, 80.0, 30.0]) ** 2
    truth = np.array([0.0, 0.0, 1e4, 200.0, -50.0, 3.0])
    x_ref, p_ref = np.zeros(6), np.diag([1e6] * 3 + [1e4] * 3)
    x, p = x_ref[None].copy(), p_ref[None].copy()
    ekf, model, mm = EKF(), ConstantVelocity(q), PositionModel()
    view = SensorView(POSITION, np.zeros(3), np.eye(3))
    for _ in range(50):
        truth = f @ truth + rng.multivariate_normal(np.zeros(6), qm)
        z = truth[:3] + rng.multivariate_normal(np.zeros(3), r)
        x_ref, p_ref = f @ x_ref, f @ p_ref @ f.T + qm
        s = h @ p_ref @ h.T + r
        k = p_ref @ h.T @ np.linalg.inv(s)
        x_ref, p_ref = x_ref + k @ (z - h @ x_ref), (np.eye(6) - k @ h) @ p_ref
        x, p = ekf.predict(model, x, p, dt)
        pred = ekf.predict_measurement(mm, x, p, view)
        x, p = ekf.update(x, p, (z - pred.z[0])[None], pred.s0 + r, pred.c, pred.h, r[None])
    np.testing.assert_allclose(x[0], x_ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(p[0], p_ref, rtol=1e-8, atol=1e-8 * np.abs(p_ref).max())
