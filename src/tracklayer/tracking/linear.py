"""The linear-Gaussian fast path: Kalman filter, linear motion model, position scans.

With one motion model whose transition F and noise Q are the same for every track
(`ConstantVelocity`, `ConstantAcceleration`, `Singer`), the EKF, and Cartesian position
detections (H = [I 0], as in the tracker benchmarks), a scan's predict, coarse gate,
chi-square gate, association and update need no per-model Python objects: the
tracker (`tracking.tracker.step`) then runs three fused kernels on whole track and
detection arrays instead of some hundred small NumPy calls per scan:

* `linear_predict`: x <- F x, P <- sym(F P F^T + Q) for every track;
* ``linear_gate``: the coarse gate of `tracking.gating` then d^2 <= gamma, for all
  live tracks against all the scan's detections at once (a pair's gate and
  likelihood do not depend on which other detections are free, so the confirmed and
  tentative passes share it);
* ``linear_update``: confirmed tracks by GNN or JPDA, then tentative tracks by GNN on
  what is left, with the Joseph-form update and the JPDA mixture.

The mathematics is that of the general path (`tracking.imm`, `tracking.filters`,
`tracking.association`), step for step; only the order of floating-point operations
differs (Cholesky instead of LU solves), so results agree with the general path to
rounding (tests/tracking/test_linear.py). The numba kernels live in
`tracklayer.kernels.tracking`; the NumPy references below have the same signatures and
the same order of operations, and both engines give bit-identical results.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from tracklayer.kernels import engine
from tracklayer.tracking.association import gnn_clusters_numpy, jpda_clusters_numpy
from tracklayer.tracking.filters import EKF
from tracklayer.tracking.gating import coarse_pairs, sweep_pairs_numpy
from tracklayer.tracking.motion_models import ConstantAcceleration, ConstantVelocity, Singer

LINEAR_MODELS = (ConstantVelocity, ConstantAcceleration, Singer)


def is_linear(estimator) -> bool:
    """Whether an estimator (`tracking.imm.IMM`) takes the fast path: one linear motion
    model and the EKF (which is then the Kalman filter)."""
    return estimator.r == 1 and type(estimator.filter) is EKF and type(estimator.models[0]) in LINEAR_MODELS


def _kernel(name: str):
    if engine() == "numba":
        from tracklayer.kernels import tracking

        return getattr(tracking, name + "_kernel")
    return globals()[name + "_numpy"]


@lru_cache(maxsize=256)
def _transition_and_noise(model, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """F and Q (n, n) of a linear motion model over dt (the same for every track)."""
    x = np.zeros((1, model.ndim))
    return np.ascontiguousarray(model.transition(x, dt)[0]), np.ascontiguousarray(model.noise(x, dt))


def linear_predict(model, x: np.ndarray, p: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Predict a one-model bank x (M, 1, n), P (M, 1, n, n) over ``dt`` with a linear model."""
    if x.shape[0] == 0 or dt == 0:
        return x, p
    m, n = x.shape[0], x.shape[2]
    f, q = _transition_and_noise(model, float(dt))
    x_out, p_out = np.empty((m, 1, n)), np.empty((m, 1, n, n))
    _kernel("linear_predict")(np.ascontiguousarray(x).reshape(m, n), np.ascontiguousarray(p).reshape(m, n, n), f, q,
                              x_out.reshape(m, n), p_out.reshape(m, n, n))
    return x_out, p_out


def linear_gate(x, p, z, r, gamma):
    """Gated pairs of states (M, n), covariances (M, n, n) and position detections z
    (D, 3), R (D, 3, 3): (i, j, d^2, Cholesky diagonal of S), sorted by (i, j)."""
    return _kernel("linear_gate")(x, p, z, r, float(gamma))


def linear_update(*args) -> None:
    """`tracklayer.kernels.tracking.linear_update_kernel` with the active engine."""
    _kernel("linear_update")(*args)


def linear_hits(hit, t_s, score, score_peak, last_hit_t_s, hits, hit_times_s):
    """`tracklayer.kernels.tracking.linear_hits_kernel` with the active engine: new
    score_peak, last_hit_t_s, hits and hit_times_s after a scan."""
    return _kernel("linear_hits")(hit, float(t_s), score, score_peak, last_hit_t_s, hits, hit_times_s)


# ------------------------------------------------------------------ NumPy references


def linear_predict_numpy(x, p, f, q, x_out, p_out) -> None:
    """Reference for `tracklayer.kernels.tracking.linear_predict_kernel` (same signature)."""
    n = x.shape[1]
    xo = np.zeros_like(x)
    fp = np.zeros_like(p)
    po = np.zeros_like(p)
    for k in range(n):
        a = np.nonzero(f[:, k])[0]
        xo[:, a] += f[a, k] * x[:, k, None]
        fp[:, a, :] += f[a, k, None] * p[:, None, k, :]
    for k in range(n):
        b = np.nonzero(f[:, k])[0]
        po[:, :, b] += fp[:, :, k, None] * f[b, k]
    po = po + q
    x_out[:] = xo
    p_out[:] = 0.5 * (po + np.swapaxes(po, 1, 2))


def _chol_numpy(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Batched `_innovation_chol`: lower Cholesky factors (G, 3, 3) of sym(P_rr) + R."""
    el = np.zeros((p.shape[0], 3, 3))
    for a in range(3):
        for b in range(a + 1):
            s = 0.5 * (p[:, a, b] + p[:, b, a]) + r[:, a, b]
            for k in range(b):
                s = s - el[:, a, k] * el[:, b, k]
            el[:, a, b] = np.sqrt(s) if a == b else s / el[:, b, b]
    return el


def linear_gate_numpy(x, p, z, r, gamma):
    """Reference for `tracklayer.kernels.tracking.linear_gate_kernel` (same signature)."""
    r_max = float(np.max(r[:, 0, 0] + r[:, 1, 1] + r[:, 2, 2])) if r.shape[0] else -np.inf
    radius = np.sqrt(gamma * (p[:, 0, 0] + p[:, 1, 1] + p[:, 2, 2] + r_max)) * (1.0 + 1e-9)
    ci, cj = coarse_pairs(x[:, :3], radius, z[:, :3], sweep_pairs_numpy)
    el = _chol_numpy(p[ci], r[cj])
    y = np.zeros((ci.size, 3))
    acc = np.zeros(ci.size)
    for a in range(3):
        s = z[cj, a] - x[ci, a]
        for k in range(a):
            s = s - el[:, a, k] * y[:, k]
        y[:, a] = s / el[:, a, a]
        acc = acc + y[:, a] * y[:, a]
    keep = acc <= gamma
    return ci[keep], cj[keep], acc[keep], np.ascontiguousarray(np.diagonal(el[keep], axis1=1, axis2=2))


def _joseph_numpy(x, p, z, r):
    """Batched `_joseph` (same order of operations): updated states and covariances."""
    g, n = x.shape
    el = _chol_numpy(p, r)
    kt = np.zeros((g, 3, n))
    for c in range(n):
        for a in range(3):
            s = p[:, c, a]
            for k in range(a):
                s = s - el[:, a, k] * kt[:, k, c]
            kt[:, a, c] = s / el[:, a, a]
        for a in range(2, -1, -1):
            s = kt[:, a, c]
            for k in range(a + 1, 3):
                s = s - el[:, k, a] * kt[:, k, c]
            kt[:, a, c] = s / el[:, a, a]
    acc = np.zeros((g, n))
    for k in range(3):
        acc += kt[:, k, :] * (z[:, k] - x[:, k])[:, None]
    xu = x + acc
    ikh = np.eye(n)[None, :, :3] - np.swapaxes(kt, 1, 2)  # first three columns of A = I - K H
    kr = np.zeros((g, n, 3))
    for k in range(3):
        kr += kt[:, k, :, None] * r[:, None, k, :]
    tmp = np.zeros((g, n, n))
    for k in range(3):
        tmp += ikh[:, :, k, None] * p[:, None, k, :]
    tmp[:, 3:] = tmp[:, 3:] + p[:, 3:]
    pu = np.zeros((g, n, n))
    for k in range(3):
        pu += tmp[:, :, k, None] * ikh[:, None, :, k]
    pu[:, :, 3:] = pu[:, :, 3:] + tmp[:, :, 3:]
    krk = np.zeros((g, n, n))
    for k in range(3):
        krk += kr[:, :, k, None] * kt[:, None, k, :]
    pu = pu + krk
    return xu, 0.5 * (pu + np.swapaxes(pu, 1, 2))


def _linear_pass_numpy(x, p, status, score, ci, cj, log_lik, gain, w, z, r, want, jpda, w0, max_events, tol, max_iter,
                       log_hit, log_miss, free, hit, used, lik_sum) -> None:
    rows = np.nonzero(status == want)[0]
    dets = np.nonzero(free)[0]
    if rows.size == 0 or dets.size == 0:
        return
    local_t = np.full(x.shape[0], -1, np.int64)
    local_t[rows] = np.arange(rows.size)
    local_d = np.full(z.shape[0], -1, np.int64)
    local_d[dets] = np.arange(dets.size)
    sel = np.nonzero((local_t[ci] >= 0) & (local_d[cj] >= 0))[0]
    li, lj = local_t[ci[sel]], local_d[cj[sel]]
    i, j = ci[sel], cj[sel]
    if not jpda:
        det_of = np.full(rows.size, -1, np.int64)
        gnn_clusters_numpy(rows.size, dets.size, li, lj, gain[sel], det_of)
        e = np.nonzero(det_of[li] == lj)[0]
        i, j = i[e], j[e]
        x[i], p[i] = _joseph_numpy(x[i], p[i], z[j], r[j])
        score[i] = score[i] + log_hit + log_lik[sel[e]]
        hit[i] = True
        used[j] = True
    else:
        wl = w[sel]
        beta, beta0 = np.zeros(sel.size), np.ones(rows.size)
        jpda_clusters_numpy(rows.size, dets.size, li, lj, wl, np.full(rows.size, w0), max_events, tol, max_iter, beta, beta0,
                            np.ones(rows.size, bool))
        xu, pu = _joseph_numpy(x[i], p[i], z[j], r[j])
        tracks, pos = np.unique(i, return_inverse=True)
        mix = np.zeros((tracks.size, x.shape[1]))
        np.add.at(mix, pos, beta[:, None] * xu)
        sum_w = np.zeros(tracks.size)
        np.add.at(sum_w, pos, wl)
        b0 = beta0[local_t[tracks]]
        mix = b0[:, None] * x[tracks] + mix
        dev = xu - mix[pos]
        cov = np.zeros((tracks.size,) + p.shape[1:])
        np.add.at(cov, pos, beta[:, None, None] * (pu + dev[:, :, None] * dev[:, None, :]))
        dp = x[tracks] - mix
        cov = b0[:, None, None] * (p[tracks] + dp[:, :, None] * dp[:, None, :]) + cov
        x[tracks] = mix
        p[tracks] = 0.5 * (cov + np.swapaxes(cov, 1, 2))
        lik_sum[tracks] = w0 + sum_w
        hit[tracks] = True
        used[j] = True
    miss = rows[~hit[rows]]
    score[miss] = score[miss] + log_miss


def linear_update_numpy(x, p, status, score, ci, cj, log_lik, gain, w, z, r, jpda, w0, max_events, tol, max_iter,
                        log_hit, log_miss, hit, used, lik_sum) -> None:
    """Reference for `tracklayer.kernels.tracking.linear_update_kernel` (same signature)."""
    from tracklayer.tracking import CONFIRMED, TENTATIVE

    free = np.ones(z.shape[0], bool)
    _linear_pass_numpy(x, p, status, score, ci, cj, log_lik, gain, w, z, r, CONFIRMED, jpda, w0, max_events, tol, max_iter,
                       log_hit, log_miss, free, hit, used, lik_sum)
    _linear_pass_numpy(x, p, status, score, ci, cj, log_lik, gain, w, z, r, TENTATIVE, False, w0, max_events, tol, max_iter,
                       log_hit, log_miss, ~used, hit, used, lik_sum)


def linear_hits_numpy(hit, t_s, score, score_peak, last_hit_t_s, hits, hit_times_s):
    """Reference for `tracklayer.kernels.tracking.linear_hits_kernel` (same signature)."""
    first = hit & (last_hit_t_s < t_s)  # a hit counts once per time step
    times = hit_times_s.copy()
    times[first, :-1] = hit_times_s[first, 1:]
    times[first, -1] = t_s
    return np.maximum(score_peak, score), np.where(first, t_s, last_hit_t_s), hits + first.astype(hits.dtype), times
