"""Coarse gating: the sort-and-sweep pairs equal brute force (both engines), and the coarse
radius contains the chi-square gate, so the fine gate sees every pair it would accept."""

from __future__ import annotations

import numpy as np

from tracklayer.tracking.filters import EKF
from tracklayer.tracking.gating import coarse_pairs, coarse_space, gate_threshold, sweep_pairs_numpy
from tracklayer.tracking.measurement_models import ANGLES, POSITION, RADAR, AnglesModel, PositionModel, RadarModel, SensorView


def test_sweep_pairs_equal_brute_force(engine_name, rng):
    """Random points and radii (including zero radii, duplicates and empty sides): the pairs
    are exactly those with |t_i - d_j| <= r_i, sorted by (i, j)."""
    for _ in range(40):
        m, d = int(rng.integers(0, 60)), int(rng.integers(0, 80))
        tp = rng.normal(size=(m, 3))
        dp = np.concatenate([rng.normal(size=(d, 3)), tp[: min(m, 3)]])
        rad = rng.uniform(0, 1.0, m) * (rng.random(m) > 0.1)
        i, j = coarse_pairs(tp, rad, dp)
        ref_i, ref_j = np.nonzero(np.sum((tp[:, None] - dp[None]) ** 2, axis=-1) <= (rad**2)[:, None])
        np.testing.assert_array_equal(i, ref_i)
        np.testing.assert_array_equal(j, ref_j)
    assert sweep_pairs_numpy.__doc__ and "same signature" in sweep_pairs_numpy.__doc__


def test_small_scans_take_the_sweeps_pairs(engine_name, rng):
    """A lone detection or a few tracks (every pair tested at once) give the sweep's
    pairs in its order, also with radii exactly at a detection's distance."""
    from tracklayer.kernels.tracking import sweep_pairs_kernel
    from tracklayer.tracking.gating import SMALL_SCAN_PAIRS

    for _ in range(60):
        m, d = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        tp, dp = rng.normal(size=(m, 3)), rng.normal(size=(d, 3))
        rad = rng.uniform(0, 2.0, m)
        k = int(rng.integers(0, d))
        rad[0] = np.sqrt(np.sum((dp[k] - tp[0]) ** 2))  # on the boundary
        got = coarse_pairs(tp, rad, dp)
        assert m * d <= SMALL_SCAN_PAIRS
        for kernel in (sweep_pairs_kernel, sweep_pairs_numpy):
            ref = coarse_pairs(tp, rad, dp, kernel=kernel)
            for a, b in zip(got, ref):
                np.testing.assert_array_equal(a, b)
                assert a.dtype == np.int64


def _fine_gate(mm, view, x, p, z, r, gamma):
    """All-pairs chi-square gate (the reference the coarse gate must contain)."""
    ekf = EKF()
    pred = ekf.predict_measurement(mm, x, p, view)
    i, j = np.meshgrid(np.arange(x.shape[0]), np.arange(z.shape[0]), indexing="ij")
    i, j = i.ravel(), j.ravel()
    measured, ok = mm.measured(z, pred.frame, i, j)
    nu = measured - pred.z[i]
    for c in mm.wrap:
        nu[:, c] = np.mod(nu[:, c] + np.pi, 2 * np.pi) - np.pi
    s = pred.s0[i] + mm.noise(r[j])
    d2 = np.sum(nu * np.linalg.solve(s, nu[..., None])[..., 0], axis=1)
    keep = ok & (d2 <= gamma)
    return set(zip(i[keep].tolist(), j[keep].tolist())), pred


def test_coarse_gate_contains_chi_square_gate(rng):
    """For Cartesian, radar and angles scans with 200 tracks of mixed uncertainty (10 m to
    20 km) and 300 detections near them, every pair inside the 99.99 % chi-square gate is
    among the coarse candidates, and the coarse gate discards most of the others."""
    n, d = 200, 300
    site = np.array([6.378e6, 0.0, 0.0])
    enu = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    x = np.zeros((n, 6))
    x[:, :3] = site + enu.T @ np.array([0, 0, 1]) * 3e5 + rng.normal(size=(n, 3)) * 1e5
    sig = 10.0 ** rng.uniform(1, 4.3, n)
    p = np.zeros((n, 6, 6))
    p[:, :3, :3] = sig[:, None, None] ** 2 * np.eye(3)
    p[:, 3:, 3:] = np.eye(3)
    near = rng.integers(0, n, d)
    truth = x[near, :3] + rng.normal(size=(d, 3)) * sig[near, None]
    cases = []
    view = SensorView(POSITION, np.zeros(3), np.eye(3))
    cases.append((POSITION, PositionModel(), view, truth + rng.normal(size=(d, 3)) * 30.0, np.broadcast_to(np.eye(3) * 900.0, (d, 3, 3))))
    view_r = SensorView(RADAR, site, enu)
    rel = (truth - site) @ enu.T
    zr = np.stack([np.linalg.norm(rel, axis=1), np.mod(np.arctan2(rel[:, 0], rel[:, 1]), 2 * np.pi), np.arctan2(rel[:, 2], np.hypot(rel[:, 0], rel[:, 1]))], axis=1)
    cases.append((RADAR, RadarModel(), view_r, zr, np.broadcast_to(np.diag([400.0, 1e-6, 1e-6]), (d, 3, 3))))
    sat = site * 1.2
    u = (truth - sat) / np.linalg.norm(truth - sat, axis=1, keepdims=True)
    cases.append((ANGLES, AnglesModel(), SensorView(ANGLES, sat, np.eye(3)), u, 1e-8 * (np.eye(3) - u[:, :, None] * u[:, None, :])))
    for kind, mm, view, z, r in cases:
        gamma = gate_threshold(0.9999, mm.dim)
        fine, pred = _fine_gate(mm, view, x, p, z, r, gamma)
        ci, cj = coarse_pairs(*coarse_space(kind, x[:, :6], p, np.trace(pred.s0, axis1=1, axis2=2), view, z, r, gamma))
        coarse = set(zip(ci.tolist(), cj.tolist()))
        assert fine and fine <= coarse, kind
        assert len(coarse) < 0.3 * n * d, kind
