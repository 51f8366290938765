"""numba kernels for the general tracker path (IMM banks, EKF, angles-only and radar
scans). References with the same signatures, used by the NumPy engine:
`tracklayer.tracking.imm.angles_frame_numpy`, ``ekf_measurement_numpy`` and
``pair_terms_numpy``.

The references are the model and filter code itself (NumPy, LAPACK and BLAS); the
kernels do the same arithmetic in explicit loops, so the two engines agree to rounding
(~1e-12 relative), not bit for bit."""

from __future__ import annotations

import math

import numpy as np

from tracklayer.kernels._jit import jit

ANGLES, RADAR = 0, 1
LOG_2PI = math.log(2.0 * math.pi)


@jit
def angles_frame_kernel(x, w, site, frame):
    """Rows e1, e2, u (N, 3, 3) of the line of sight from ``site`` to the ``w``-weighted
    mean position of each track's bank x (N, r, n), w (N, r)."""
    for t in range(x.shape[0]):
        d0 = 0.0
        d1 = 0.0
        d2 = 0.0
        for k in range(x.shape[1]):
            d0 += w[t, k] * x[t, k, 0]
            d1 += w[t, k] * x[t, k, 1]
            d2 += w[t, k] * x[t, k, 2]
        d0 -= site[0]
        d1 -= site[1]
        d2 -= site[2]
        nrm = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
        u0, u1, u2 = d0 / nrm, d1 / nrm, d2 / nrm
        if abs(u2) > 0.9:  # helper x: e1 = x cross u
            c0, c1, c2 = 0.0, -u2, u1
        else:  # helper z
            c0, c1, c2 = -u1, u0, 0.0
        cn = math.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
        c0, c1, c2 = c0 / cn, c1 / cn, c2 / cn
        frame[t, 0, 0], frame[t, 0, 1], frame[t, 0, 2] = c0, c1, c2
        frame[t, 1, 0] = u1 * c2 - u2 * c1
        frame[t, 1, 1] = u2 * c0 - u0 * c2
        frame[t, 1, 2] = u0 * c1 - u1 * c0
        frame[t, 2, 0], frame[t, 2, 1], frame[t, 2, 2] = u0, u1, u2


@jit
def ekf_measurement_kernel(kind, range_rate, x, p, site, enu, v_site, frame, z, s0, c, h, valid):
    """EKF measurement prediction of N tracks of one model: z (N, m), Jacobian h (N, m, n)
    (zero beyond [r, v]), c = P H^T (N, n, m), s0 = H P H^T symmetrised (N, m, m) and
    valid (N,). ``kind`` ANGLES (in the tracks' ``frame``) or RADAR (``enu`` rows,
    optional range rate against the site velocity ``v_site``)."""
    n_tr, n = x.shape
    m = z.shape[1]
    for t in range(n_tr):
        for a in range(m):
            for k in range(n):
                h[t, a, k] = 0.0
        d0 = x[t, 0] - site[0]
        d1 = x[t, 1] - site[1]
        d2 = x[t, 2] - site[2]
        if kind == ANGLES:
            q0 = frame[t, 0, 0] * d0 + frame[t, 0, 1] * d1 + frame[t, 0, 2] * d2
            q1 = frame[t, 1, 0] * d0 + frame[t, 1, 1] * d1 + frame[t, 1, 2] * d2
            along = frame[t, 2, 0] * d0 + frame[t, 2, 1] * d1 + frame[t, 2, 2] * d2
            z[t, 0] = q0 / along
            z[t, 1] = q1 / along
            for a in range(2):
                for k in range(3):
                    h[t, a, k] = (frame[t, a, k] - z[t, a] * frame[t, 2, k]) / along
        else:
            e = enu[0, 0] * d0 + enu[0, 1] * d1 + enu[0, 2] * d2
            nn = enu[1, 0] * d0 + enu[1, 1] * d1 + enu[1, 2] * d2
            u = enu[2, 0] * d0 + enu[2, 1] * d1 + enu[2, 2] * d2
            horizontal = math.hypot(e, nn)
            rng = math.sqrt(horizontal * horizontal + u * u)
            az = math.atan2(e, nn)
            if az < 0.0:
                az += 2.0 * math.pi
            z[t, 0] = rng
            z[t, 1] = az
            z[t, 2] = math.atan2(u, horizontal)
            rho2 = max(e * e + nn * nn, 1e-6)
            rho = math.sqrt(rho2)
            rng2 = rng * rng
            for k in range(3):
                h[t, 0, k] = (e * enu[0, k] + nn * enu[1, k] + u * enu[2, k]) / rng
                h[t, 1, k] = (nn / rho2) * enu[0, k] + (-e / rho2) * enu[1, k]
                h[t, 2, k] = (-e * u / (rng2 * rho)) * enu[0, k] + (-nn * u / (rng2 * rho)) * enu[1, k] + (rho / rng2) * enu[2, k]
            if range_rate:
                v0 = x[t, 3] - v_site[0]
                v1 = x[t, 4] - v_site[1]
                v2 = x[t, 5] - v_site[2]
                rr = (d0 * v0 + d1 * v1 + d2 * v2) / rng
                z[t, 3] = rr
                h[t, 3, 0] = v0 / rng - rr / rng2 * d0
                h[t, 3, 1] = v1 / rng - rr / rng2 * d1
                h[t, 3, 2] = v2 / rng - rr / rng2 * d2
                h[t, 3, 3] = d0 / rng
                h[t, 3, 4] = d1 / rng
                h[t, 3, 5] = d2 / rng
        ok = True
        for a in range(m):
            ok = ok and math.isfinite(z[t, a])
        valid[t] = ok
        for i in range(n):
            for a in range(m):
                acc = 0.0
                for k in range(n):
                    acc += p[t, i, k] * h[t, a, k]
                c[t, i, a] = acc
        for a in range(m):
            for b in range(m):
                acc = 0.0
                for k in range(n):
                    acc += h[t, a, k] * c[t, k, b]
                s0[t, a, b] = acc
        for a in range(m):
            for b in range(a + 1, m):
                sym = 0.5 * (s0[t, a, b] + s0[t, b, a])
                s0[t, a, b] = sym
                s0[t, b, a] = sym


@jit
def pair_terms_kernel(kind, z_pred, s0, pred_valid, frame, z_det, r_det, pi, pj, min_cos, nu, s, d2, log_lik, valid):
    """Innovations nu (P, r, m), S = s0 + R (P, r, m, m), d^2 and log N (P, r) of pairs
    (tracks pi, detections pj) for the r models' predictions z_pred (r, N, m), s0
    (r, N, m, m), pred_valid (r, N); valid (P,) and d^2 = inf where any model's pair is
    unusable. Angles: detected lines of sight z_det (D, 3) in the tracks' ``frame``,
    noise trace(R)/2 I; radar: azimuth innovation wrapped to (-pi, pi]."""
    n_pairs = pi.shape[0]
    r = z_pred.shape[0]
    m = z_pred.shape[2]
    meas = np.empty(m)
    rj = np.empty((m, m))
    chol = np.empty((m, m))
    y = np.empty(m)
    for q in range(n_pairs):
        i = pi[q]
        j = pj[q]
        ok = True
        if kind == ANGLES:
            p0 = frame[i, 0, 0] * z_det[j, 0] + frame[i, 0, 1] * z_det[j, 1] + frame[i, 0, 2] * z_det[j, 2]
            p1 = frame[i, 1, 0] * z_det[j, 0] + frame[i, 1, 1] * z_det[j, 1] + frame[i, 1, 2] * z_det[j, 2]
            p2 = frame[i, 2, 0] * z_det[j, 0] + frame[i, 2, 1] * z_det[j, 1] + frame[i, 2, 2] * z_det[j, 2]
            ok = p2 > min_cos
            den = p2 if ok else 1.0
            meas[0] = p0 / den
            meas[1] = p1 / den
            s2 = 0.5 * (r_det[j, 0, 0] + r_det[j, 1, 1] + r_det[j, 2, 2])
            rj[0, 0], rj[0, 1], rj[1, 0], rj[1, 1] = s2, 0.0, 0.0, s2
        else:
            for a in range(m):
                meas[a] = z_det[j, a]
                for b in range(m):
                    rj[a, b] = r_det[j, a, b]
        for k in range(r):
            okk = ok and pred_valid[k, i]
            valid[q] = (valid[q] if k else True) and okk
            for a in range(m):
                nu[q, k, a] = meas[a] - z_pred[k, i, a]
            if kind == RADAR:
                w = nu[q, k, 1] + math.pi
                nu[q, k, 1] = w - 2.0 * math.pi * math.floor(w / (2.0 * math.pi)) - math.pi
            for a in range(m):
                for b in range(m):
                    s[q, k, a, b] = s0[k, i, a, b] + rj[a, b]
                    chol[a, b] = s[q, k, a, b] if okk else (1.0 if a == b else 0.0)
            logdet = 0.0
            for a in range(m):  # Cholesky, lower
                for b in range(a + 1):
                    acc = chol[a, b]
                    for k2 in range(b):
                        acc -= chol[a, k2] * chol[b, k2]
                    if a == b:
                        chol[a, a] = math.sqrt(acc)
                    else:
                        chol[a, b] = acc / chol[b, b]
                logdet += math.log(chol[a, a])
            dd = 0.0
            for a in range(m):
                acc = nu[q, k, a]
                for b in range(a):
                    acc -= chol[a, b] * y[b]
                y[a] = acc / chol[a, a]
                dd += y[a] * y[a]
            d2[q, k] = dd
            log_lik[q, k] = -0.5 * (dd + 2.0 * logdet + m * LOG_2PI)
    for q in range(n_pairs):
        if not valid[q]:
            for k in range(r):
                d2[q, k] = np.inf
