"""Fusion rules against their closed forms, and consistency under unknown correlation.

Sources: Julier & Uhlmann 1997 (covariance intersection: consistent for every weight
and every cross-covariance); Hurley 2002 (the determinant criterion); Franken & Hupper
2005 (improved fast CI weights); Chong, Mori & Chang 1990 (information-matrix fusion
equals the centralised filter with full-rate reports, linear models and no process
noise).
"""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.network.config import FusionConfig
from tracklayer.network.fusion import (
    ci_weight,
    covariance_intersection,
    fast_ci,
    fast_ci_weights,
    information,
    popcount,
    sequential_ci,
)
from tracklayer.network.messages import Messages
from tracklayer.network.picture import fuse_picture
from tracklayer.network.predict import predict_tracks


def _spd(rng, n: int, b: int, scale: float = 1.0) -> np.ndarray:
    a = rng.normal(size=(b, n, n))
    return scale * (a @ np.swapaxes(a, 1, 2) + 0.2 * np.eye(n))


def test_ci_closed_form_two_tracks():
    """P1 = diag(1, 4), P2 = diag(4, 1): by symmetry w = 1/2 and P = (diag(1, 1/4)/2 +
    diag(1/4, 1)/2)^-1 = 1.6 I; x1 = 0, x2 = (1, 1) give x = 1.6 (1/8, 1/2) = (0.2, 0.8).
    For scalars, minimising the fused variance picks the smaller input (w in {0, 1})."""
    x, p, w = covariance_intersection(np.zeros((1, 2)), np.diag([1.0, 4.0])[None], np.ones((1, 2)), np.diag([4.0, 1.0])[None])
    assert w[0] == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(p[0], 1.6 * np.eye(2), atol=1e-12)
    np.testing.assert_allclose(x[0], [0.2, 0.8], atol=1e-12)
    w = ci_weight(np.array([[[2.0]], [[5.0]]]), np.array([[[3.0]], [[1.0]]]))
    np.testing.assert_array_equal(w, [1.0, 0.0])


def test_ci_weight_minimises_the_determinant():
    """The bisection on the generalised eigenvalues finds the grid optimum of det P."""
    rng = np.random.default_rng(5)
    p1, p2 = _spd(rng, 6, 40), _spd(rng, 6, 40, 3.0)
    w = ci_weight(p1, p2)
    grid = np.linspace(0.0, 1.0, 2001)
    y1, y2 = information(p1), information(p2)
    logdet = np.linalg.slogdet(grid[:, None, None, None] * y1 + (1 - grid)[:, None, None, None] * y2)[1]  # (G, B)
    best = logdet.max(axis=0)
    mine = np.linalg.slogdet(w[:, None, None] * y1 + (1 - w)[:, None, None] * y2)[1]
    assert np.all(mine >= best - 1e-9)  # at least as much fused information as any grid weight
    assert np.all(np.abs(w - grid[logdet.argmax(axis=0)]) <= 1e-3)


def _correlated_pair(rng, p1, p2, rho):
    """A valid joint covariance [[P1, C], [C^T, P2]] with C = rho L1 Q L2^T (Q orthogonal, |rho| < 1)."""
    l1, l2 = np.linalg.cholesky(p1), np.linalg.cholesky(p2)
    q, _ = np.linalg.qr(rng.normal(size=p1.shape))
    c = rho * l1 @ q @ l2.T
    return np.block([[p1, c], [c.T, p2]])


@pytest.mark.parametrize("rho", [-0.9, 0.0, 0.5, 0.9, 0.99])
def test_ci_is_never_over_confident(rho):
    """For any cross-correlation the CI covariance bounds the error: exactly (the fused
    error covariance A S A^T with A = P [w Y1, (1 - w) Y2]), and in a 40,000-sample
    Monte Carlo (largest eigenvalue of P^-1/2 S_mc P^-1/2 below 1 + sampling error).
    Independence-assuming fusion fails the same check once the correlation is strong."""
    rng = np.random.default_rng(int(100 * (rho + 1)))
    p1, p2 = _spd(rng, 6, 1)[0], _spd(rng, 6, 1, 2.0)[0]
    joint = _correlated_pair(rng, p1, p2, rho)
    x, p, w = covariance_intersection(np.zeros((1, 6)), p1[None], np.zeros((1, 6)), p2[None])
    y1, y2 = np.linalg.inv(p1), np.linalg.inv(p2)
    gain = p[0] @ np.hstack([w[0] * y1, (1 - w[0]) * y2])
    true_cov = gain @ joint @ gain.T
    chol = np.linalg.cholesky(p[0])
    ratio = lambda s: np.linalg.eigvalsh(np.linalg.solve(chol, np.linalg.solve(chol, s).T))[-1]  # noqa: E731
    assert ratio(true_cov) <= 1.0 + 1e-9
    e = rng.multivariate_normal(np.zeros(12), joint, 40_000)
    fused = e @ gain.T
    assert ratio(np.cov(fused.T)) <= 1.05
    naive_p = np.linalg.inv(y1 + y2)
    naive_gain = naive_p @ np.hstack([y1, y2])
    chol = np.linalg.cholesky(naive_p)
    naive_ratio = np.linalg.eigvalsh(np.linalg.solve(chol, np.linalg.solve(chol, naive_gain @ joint @ naive_gain.T).T))[-1]
    if rho >= 0.9:
        assert naive_ratio > 1.3  # over-confident: the check above can fail


def test_any_ci_weight_is_consistent_for_random_correlations():
    """Julier & Uhlmann's bound for every weight on a grid and 200 random valid joint covariances."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        p1, p2 = _spd(rng, 3, 1)[0], _spd(rng, 3, 1, 0.5)[0]
        joint = _correlated_pair(rng, p1, p2, rng.uniform(-1, 1))
        for w in (0.0, 0.3, 0.7, 1.0):
            _, p, _ = covariance_intersection(np.zeros((1, 3)), p1[None], np.zeros((1, 3)), p2[None], np.array([w]))
            gain = p[0] @ np.hstack([w * np.linalg.inv(p1), (1 - w) * np.linalg.inv(p2)])
            assert np.linalg.eigvalsh(p[0] - gain @ joint @ gain.T)[0] >= -1e-9 * np.trace(p[0])


def test_fast_ci_weights_closed_form():
    """Two inputs: w1 = (det(Y1 + Y2) - det Y2 + det Y1) / (2 det(Y1 + Y2)); weights are
    non-negative, sum to one per group, 1/2 in the symmetric case, 1 for a lone input;
    the fused result is the CI of those weights."""
    rng = np.random.default_rng(2)
    p = _spd(rng, 4, 5)
    y = information(p)
    group = np.array([0, 0, 1, 2, 2])
    w = fast_ci_weights(y, group, 3)
    d = np.linalg.det
    for a, b in ((0, 1), (3, 4)):
        expected = (d(y[a] + y[b]) - d(y[b]) + d(y[a])) / (2 * d(y[a] + y[b]))
        assert w[a] == pytest.approx(expected, rel=1e-10)
        assert w[a] + w[b] == pytest.approx(1.0, abs=1e-12)
    assert w[2] == pytest.approx(1.0, abs=1e-12)
    sym = fast_ci_weights(information(np.array([np.diag([1.0, 4.0]), np.diag([4.0, 1.0])])), np.array([0, 0]), 1)
    np.testing.assert_allclose(sym, [0.5, 0.5], atol=1e-12)
    x = rng.normal(size=(5, 4))
    fx, fp = fast_ci(x, p, group, 3)
    cx, cp, _ = covariance_intersection(x[[0]], p[[0]], x[[1]], p[[1]], w[[0]])
    np.testing.assert_allclose(fx[0], cx[0], rtol=1e-10)
    np.testing.assert_allclose(fp[0], cp[0], rtol=1e-10)
    np.testing.assert_allclose(fp[1], p[2], rtol=1e-10)


def test_sequential_ci_of_identical_inputs_is_the_input():
    """CI of an estimate with itself returns it (w = 1/2 of equal information); groups
    of one pass through."""
    rng = np.random.default_rng(3)
    p = _spd(rng, 6, 2)
    x = rng.normal(size=(2, 6))
    fx, fp = sequential_ci(np.r_[x, x[:1], x[:1]], np.r_[p, p[:1], p[:1]], np.array([0, 1, 0, 0]), 2)
    np.testing.assert_allclose(fx, x, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fp, p, rtol=1e-9)


def test_popcount():
    values = np.array([0, 1, 3, 255, 2**63 + 5, 2**64 - 1], dtype=np.uint64)
    assert popcount(values).tolist() == [bin(int(v)).count("1") for v in values]


def test_information_fusion_equals_the_centralised_filter():
    """Two local Kalman filters (same prior, position plots of different accuracy, no
    process noise, ballistic dynamics) report every second without delay; the fusion
    centre's information-matrix fusion gives the centralised filter's estimate and
    covariance (Chong, Mori & Chang 1990), to 1 mm and 1e-6, and far better than either
    local track."""
    rng = np.random.default_rng(3)
    steps = 40
    t = np.arange(steps, dtype=float)
    truth = [np.array([7.0e6, 0.0, 0.0, 0.0, 7.5e3, 0.0])]
    for _ in range(1, steps):
        truth.append(predict_tracks(truth[-1][None], np.eye(6)[None], np.array([1.0]), 0.0)[0][0])
    truth = np.array(truth)
    r1, r2 = np.diag([100.0, 400.0, 900.0]), np.diag([900.0, 100.0, 400.0])
    z1 = truth[:, :3] + rng.multivariate_normal(np.zeros(3), r1, steps)
    z2 = truth[:, :3] + rng.multivariate_normal(np.zeros(3), r2, steps)
    h = np.hstack([np.eye(3), np.zeros((3, 3))])

    def kalman(zs, rs):
        x, p = truth[0].copy(), np.diag([1e10] * 3 + [1e8] * 3)
        xs, ps = [], []
        for k in range(steps):
            if k:
                x, p = (a[0] for a in predict_tracks(x[None], p[None], np.array([1.0]), 0.0))
            for z, r in zip(zs, rs):
                gain = p @ h.T @ np.linalg.inv(h @ p @ h.T + r)
                x, p = x + gain @ (z[k] - h @ x), (np.eye(6) - gain @ h) @ p
                p = 0.5 * (p + p.T)
            xs.append(x)
            ps.append(p)
        return np.array(xs), np.array(ps)

    a, b, c = kalman([z1], [r1]), kalman([z2], [r2]), kalman([z1, z2], [r1, r2])
    n = 2 * steps
    msgs = Messages(np.r_[np.zeros(steps, np.int64), np.ones(steps, np.int64)], np.ones(n, np.int64), np.r_[t, t], np.r_[t, t], np.zeros(n, bool),
                    np.r_[a[0], b[0]], np.r_[a[1], b[1]], np.r_[np.full(steps, 1, np.uint64), np.full(steps, 2, np.uint64)], np.ones(n, np.int32), np.r_[t, t])
    pic, _ = fuse_picture(msgs, np.zeros(2), t, FusionConfig(method="information", q_m2_s3=0.0))
    conf = pic["status"] == 1
    assert np.unique(pic["track_id"][conf]).size == 1 and conf.sum() == steps
    late = slice(10, None)  # the shared prior (counted once per local filter) is negligible by then
    np.testing.assert_allclose(pic["x"][conf][late, :3], c[0][late, :3], atol=1e-3)
    np.testing.assert_allclose(pic["P"][conf][late], c[1][late], rtol=1e-6, atol=1e-9)
    err = lambda xs: np.linalg.norm(xs[late, :3] - truth[late, :3], axis=1).mean()  # noqa: E731
    assert err(pic["x"][conf]) < 0.8 * min(err(a[0]), err(b[0]))
