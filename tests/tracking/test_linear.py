"""The linear-Gaussian fast path (`tracking.linear`): its numba kernels against their
NumPy references (bit for bit), its gate against an all-pairs chi-square gate, and the
whole tracker on it against the general path (IMM/EKF objects, per-status association)
on a seeded multi-target scenario with clutter, with both engines."""

from __future__ import annotations

import numpy as np
import pytest
from test_tracker import cartesian_config, scenario

from tracklayer.tracking import CONFIRMED, TENTATIVE
from tracklayer.tracking.imm import IMM
from tracklayer.tracking.linear import is_linear, linear_gate_numpy, linear_predict_numpy, linear_update_numpy
from tracklayer.tracking.motion_models import ConstantVelocity, Singer


def _problem(rng, m: int, d: int, n: int = 6):
    """m tracks with random SPD covariances (position sigma 20-200 m) near d detections
    (sigma 30 m), a third of them clutter."""
    x = np.concatenate([rng.uniform(-2e3, 2e3, (m, 3)), rng.normal(0, 100, (m, n - 3))], axis=1)
    a = rng.normal(size=(m, n, n)) * rng.uniform(5, 60, (m, 1, 1))
    p = a @ np.swapaxes(a, 1, 2) + np.eye(n) * 400.0
    p = 0.5 * (p + np.swapaxes(p, 1, 2))
    src = rng.integers(0, max(m, 1), d)
    z = np.where(rng.random((d, 1)) < 0.67, x[src, :3] if m else 0.0, rng.uniform(-2e3, 2e3, (d, 3))) + rng.normal(0, 30, (d, 3))
    b = rng.normal(size=(d, 3, 3)) * 10
    r = b @ np.swapaxes(b, 1, 2) + np.eye(3) * 900.0
    return x, p, np.ascontiguousarray(z), 0.5 * (r + np.swapaxes(r, 1, 2))


def test_kernels_match_numpy_references(rng):
    """Predict, gate and update (GNN and JPDA, CV and 9-state models) on 40 random
    problems: the numba kernels and the NumPy references give identical arrays."""
    from tracklayer.kernels.tracking import linear_gate_kernel, linear_predict_kernel, linear_update_kernel

    gamma = 16.0
    for trial in range(40):
        n = 6 if trial % 2 else 9
        m, d = int(rng.integers(1, 30)), int(rng.integers(1, 40))
        x, p, z, r = _problem(rng, m, d, n)
        f = np.eye(n) + np.diag(np.full(n - 3, 1.3), 3)
        q = np.eye(n) * 2.0 + 0.1
        outs = [(np.empty_like(x), np.empty_like(p)) for _ in range(2)]
        linear_predict_kernel(x, p, f, q, *outs[0])
        linear_predict_numpy(x, p, f, q, *outs[1])
        for u, v in zip(*outs):
            np.testing.assert_array_equal(u, v)
        gates = [linear_gate_kernel(x, p, z, r, gamma), linear_gate_numpy(x, p, z, r, gamma)]
        for u, v in zip(*gates):
            np.testing.assert_array_equal(u, v)
        ci, cj, d2, diag = gates[0]
        log_lik = -0.5 * (d2 + 2.0 * np.sum(np.log(diag), axis=1) + 3 * np.log(2 * np.pi))
        w = 0.9 / 1e-9 * np.exp(log_lik)
        status = np.where(rng.random(m) < 0.6, CONFIRMED, TENTATIVE).astype(np.int8)
        base = rng.normal(size=m)
        for jpda in (False, True):
            res = []
            for fn in (linear_update_kernel, linear_update_numpy):
                xs, ps, score = x.copy(), p.copy(), base.copy()
                hit, used, lik = np.zeros(m, bool), np.zeros(d, bool), np.ones(m)
                fn(xs, ps, status, score, ci, cj, log_lik, 4.0 - np.sqrt(d2), w, z, r, jpda, 0.1, 20000.0, 1e-10, 200,
                   np.log(0.9 / 1e-9), np.log1p(-0.9), hit, used, lik)
                res.append((xs, ps, score, hit, used, lik))
            for u, v in zip(*res):
                np.testing.assert_array_equal(u, v)
            assert res[0][3].any() or ci.size == 0


def test_gate_equals_all_pairs_chi_square(rng):
    """The fused gate returns exactly the pairs with nu^T S^-1 nu <= gamma (all pairs,
    `np.linalg.solve`), with d^2 to 1e-9 and log det S to 1e-12."""
    from tracklayer.tracking.linear import linear_gate

    gamma = 11.34
    for _ in range(10):
        x, p, z, r = _problem(rng, int(rng.integers(1, 40)), int(rng.integers(1, 50)))
        i, j = np.meshgrid(np.arange(x.shape[0]), np.arange(z.shape[0]), indexing="ij")
        i, j = i.ravel(), j.ravel()
        s = p[i, :3, :3] + r[j]
        nu = z[j] - x[i, :3]
        d2 = np.sum(nu * np.linalg.solve(s, nu[..., None])[..., 0], axis=1)
        keep = d2 <= gamma
        gi, gj, gd2, diag = linear_gate(x, p, z, r, gamma)
        np.testing.assert_array_equal(gi, i[keep])
        np.testing.assert_array_equal(gj, j[keep])
        np.testing.assert_allclose(gd2, d2[keep], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(2 * np.log(diag).sum(axis=1), np.linalg.slogdet(s[keep])[1], rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def data():
    return scenario(seed=4)


@pytest.mark.parametrize("association", ["gnn", "jpda"])
@pytest.mark.parametrize("motion", [ConstantVelocity(0.5), Singer(1.0, 20.0)], ids=["cv", "singer"])
def test_fast_path_equals_general_path(data, engine_name, monkeypatch, motion, association):
    """The tracker on the fast path and on the general path (forced) produce the same
    tracks table on 10 targets in clutter over 40 scans: same ids, statuses, hits and
    times, states and covariances to 1e-9 of their scale."""
    import tracklayer.tracking.tracker as tracker_module

    det, t, _ = data
    tracker = tracker_module.Tracker(cartesian_config(IMM((motion,)), association))
    assert is_linear(tracker.config.estimator)
    fast = tracker.run(det, t)[0]
    monkeypatch.setattr(tracker_module, "is_linear", lambda est: False)
    general = tracker.run(det, t)[0]
    assert fast.num_rows == general.num_rows > 200
    for col in fast.columns:
        if col in ("x", "P"):
            scale = np.abs(general[col]).reshape(fast.num_rows, -1).max(axis=1)
            err = np.abs(fast[col] - general[col]).reshape(fast.num_rows, -1).max(axis=1)
            assert np.all(err <= 1e-9 * scale), col
        else:
            np.testing.assert_array_equal(fast[col], general[col], err_msg=col)


@pytest.mark.parametrize("gnn_cost, association, confirmation", [("likelihood", "gnn", "score"), ("distance", "jpda", "m_of_n")])
def test_pd_one_tracks_on_both_paths(data, engine_name, monkeypatch, gnn_cost, association, confirmation):
    """Pd = 1 (allowed by the scenario schema) is a valid tracker setting on the fast and
    the general path, with both engines: targets are confirmed, a miss costs a finite
    score, and both paths agree."""
    import dataclasses

    import tracklayer.tracking.tracker as tracker_module
    from tracklayer.tracking.config import PD_SCORE_MAX

    det, t, _ = data
    base = cartesian_config(IMM((ConstantVelocity(0.5),)), association)
    cfg = dataclasses.replace(base, pd=1.0, gnn_cost=gnn_cost, management=dataclasses.replace(base.management, confirmation=confirmation))
    assert cfg.log_miss == pytest.approx(np.log1p(-PD_SCORE_MAX)) and np.isfinite(cfg.log_miss)
    tracker = tracker_module.Tracker(cfg)
    fast = tracker.run(det, t)[0]
    monkeypatch.setattr(tracker_module, "is_linear", lambda est: False)
    general = tracker.run(det, t)[0]
    assert (fast["status"] == CONFIRMED).sum() > 50 and np.all(np.isfinite(fast["x"]))
    assert fast.num_rows == general.num_rows
    np.testing.assert_array_equal(fast["track_id"], general["track_id"])
    np.testing.assert_array_equal(fast["status"], general["status"])
