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

from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, WGS84_A_M
from tracklayer.kernels._jit import jit, jit_inline

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
def imm_measurement_kernel(kind, range_rate, x, p, w, ndims, site, enu, v_site, frame, z, s0, c, h, valid):
    """`ekf_measurement_kernel` of every model k of banks x (N, r, n), P (N, r, n, n)
    over its own ``ndims[k]`` states, in one call: z (r, N, m), s0 (r, N, m, m), c
    (r, N, n, m) and h (r, N, m, n) filled up to each model's states, valid (r, N); for
    angles the tracks' ``frame`` is first set from the ``w``-weighted means
    (`angles_frame_kernel`)."""
    if kind == ANGLES:
        angles_frame_kernel(x, w, site, frame)
    for k in range(x.shape[1]):
        d = ndims[k]
        ekf_measurement_kernel(kind, range_rate, x[:, k, :d], p[:, k, :d, :d], site, enu, v_site, frame, z[k], s0[k], c[k, :, :d, :],
                               h[k, :, :, :d], valid[k])


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


# ------------------------------------------------- IMM mixing, EKF prediction and update

BALLISTIC, GLIDE = 0, 1


@jit
def imm_mix_kernel(x, p, mu, pi, ndims, pad_variance, x0, p0, c):
    """IMM mixing of banks x (N, r, n), P (N, r, n, n), mu (N, r) with the switching
    matrix pi (r, r): mixed x0, P0 (symmetrised, the states beyond each model's
    ``ndims`` reset to zero with variance ``pad_variance``) and c = mu pi (N, r)."""
    n_tr, r, n = x.shape
    w = np.empty((r, r))
    for t in range(n_tr):
        for j in range(r):
            acc = 0.0
            for i in range(r):
                acc += mu[t, i] * pi[i, j]
            c[t, j] = acc
        for i in range(r):
            for j in range(r):
                w[i, j] = mu[t, i] * pi[i, j] / max(c[t, j], 1e-300)
        for j in range(r):
            for a in range(n):
                acc = 0.0
                for i in range(r):
                    acc += w[i, j] * x[t, i, a]
                x0[t, j, a] = acc
            for a in range(n):
                for b in range(n):
                    acc = 0.0
                    for i in range(r):
                        acc += w[i, j] * (p[t, i, a, b] + (x[t, i, a] - x0[t, j, a]) * (x[t, i, b] - x0[t, j, b]))
                    p0[t, j, a, b] = acc
            for a in range(n):
                for b in range(a + 1, n):
                    sym = 0.5 * (p0[t, j, a, b] + p0[t, j, b, a])
                    p0[t, j, a, b] = sym
                    p0[t, j, b, a] = sym
            d = ndims[j]
            for a in range(d, n):
                x0[t, j, a] = 0.0
                for b in range(n):
                    p0[t, j, a, b] = 0.0
                    p0[t, j, b, a] = 0.0
                p0[t, j, a, a] = pad_variance


@jit_inline
def _gravity(r0, r1, r2, j2, out):
    """Central (+ J2) acceleration at (r0, r1, r2) into out (3,) (`motion_models.gravity`)."""
    rr = r0 * r0 + r1 * r1 + r2 * r2
    rn = math.sqrt(rr)
    f = -MU_EARTH_M3_S2 / (rr * rn)
    out[0] = f * r0
    out[1] = f * r1
    out[2] = f * r2
    if j2:
        k = -1.5 * J2_EARTH * MU_EARTH_M3_S2 * WGS84_A_M**2 / (rr * rr * rn)
        s = 5.0 * r2 * r2 / rr
        out[0] += k * r0 * (1.0 - s)
        out[1] += k * r1 * (1.0 - s)
        out[2] += k * r2 * (3.0 - s)


@jit_inline
def _gravity_gradient(r, j2, g):
    """d(gravity)/dr (3, 3) at r (3,) into g (`motion_models.gravity_gradient`)."""
    rr = r[0] * r[0] + r[1] * r[1] + r[2] * r[2]
    rn = math.sqrt(rr)
    f = MU_EARTH_M3_S2 / (rr * rn)
    for a in range(3):
        for b in range(3):
            g[a, b] = f * (3.0 * r[a] * r[b] / rr - (1.0 if a == b else 0.0))
    if j2:
        k = -1.5 * J2_EARTH * MU_EARTH_M3_S2 * WGS84_A_M**2
        z = r[2]
        r5, r7, r9 = rn**-5, rn**-7, rn**-9
        f1 = r5 - 5.0 * z * z * r7
        f2 = 3.0 * r5 - 5.0 * z * z * r7
        for b in range(3):
            common = 35.0 * z * z * r9 * r[b]
            df1 = -5.0 * r7 * r[b] + common
            df2 = -15.0 * r7 * r[b] + common
            if b == 2:
                df1 -= 10.0 * z * r7
                df2 -= 10.0 * z * r7
            g[0, b] += k * (r[0] * df1 + (f1 if b == 0 else 0.0))
            g[1, b] += k * (r[1] * df1 + (f1 if b == 1 else 0.0))
            g[2, b] += k * (r[2] * df2 + (f2 if b == 2 else 0.0))


@jit_inline
def _deriv(kind, j2, tau, x, out, acc):
    """dx/dt of one state x (d,) of a `Ballistic` (no drag) or `Glide` model."""
    _gravity(x[0], x[1], x[2], j2, acc)
    for a in range(3):
        out[a] = x[3 + a]
        out[3 + a] = acc[a]
    if kind == GLIDE:
        for a in range(3):
            out[3 + a] += x[6 + a]
            out[6 + a] = -x[6 + a] / tau


@jit_inline
def _matmul(a, b, out, transpose_b):
    """out = a b (or a b^T) for square (d, d) matrices."""
    d = out.shape[0]
    for i in range(d):
        for j in range(d):
            acc = 0.0
            for k in range(d):
                acc += a[i, k] * (b[j, k] if transpose_b else b[k, j])
            out[i, j] = acc


@jit
def ekf_predict_kernel(kind, j2, tau, max_step, dt, x, p, q, x_out, p_out):
    """EKF prediction of N states x (N, d), P (N, d, d) of one model over ``dt``: RK4
    with the frozen-Jacobian transition F (`motion_models.rk4_frozen_stm`), then
    F P F^T + q (N, d, d), symmetrised. ``kind`` BALLISTIC (d = 6, no drag) or GLIDE
    (d = 9, time constant ``tau``)."""
    n_tr, d = x.shape
    n_sub = max(1, int(math.ceil(abs(dt) / max_step)))
    h = dt / n_sub
    xs, x2, k1, k2, k3, k4, acc = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(3)
    am, step, tmp, phi, fp = np.empty((d, d)), np.empty((d, d)), np.empty((d, d)), np.empty((d, d)), np.empty((d, d))
    g = np.empty((3, 3))
    for t in range(n_tr):
        for a in range(d):
            xs[a] = x[t, a]
        for sub in range(n_sub):
            _deriv(kind, j2, tau, xs, k1, acc)
            for a in range(d):
                x2[a] = xs[a] + 0.5 * h * k1[a]
            _deriv(kind, j2, tau, x2, k2, acc)
            _gravity_gradient(x2, j2, g)  # A h at the midpoint
            for a in range(d):
                for b in range(d):
                    am[a, b] = 0.0
            for a in range(3):
                am[a, 3 + a] = h
                for b in range(3):
                    am[3 + a, b] = g[a, b] * h
                if kind == GLIDE:
                    am[3 + a, 6 + a] = h
                    am[6 + a, 6 + a] = -1.0 / tau * h
            for a in range(d):  # Horner: I + A(I + A(I + A(I + A/4)/3)/2)
                for b in range(d):
                    step[a, b] = (1.0 if a == b else 0.0) + am[a, b] / 4.0
            for div in (3.0, 2.0, 1.0):
                _matmul(am, step, tmp, False)
                for a in range(d):
                    for b in range(d):
                        step[a, b] = (1.0 if a == b else 0.0) + tmp[a, b] / div
            for a in range(d):
                x2[a] = xs[a] + 0.5 * h * k2[a]
            _deriv(kind, j2, tau, x2, k3, acc)
            for a in range(d):
                x2[a] = xs[a] + h * k3[a]
            _deriv(kind, j2, tau, x2, k4, acc)
            for a in range(d):
                xs[a] = xs[a] + h / 6.0 * (k1[a] + 2.0 * k2[a] + 2.0 * k3[a] + k4[a])
            if sub == 0:
                for a in range(d):
                    for b in range(d):
                        phi[a, b] = step[a, b]
            else:
                _matmul(step, phi, tmp, False)
                phi[:, :] = tmp
        x_out[t, :] = xs
        _matmul(phi, p[t], fp, False)
        _matmul(fp, phi, tmp, True)
        for a in range(d):
            for b in range(a + 1):
                sym = 0.5 * (tmp[a, b] + q[t, a, b] + tmp[b, a] + q[t, b, a])
                p_out[t, a, b] = sym
                p_out[t, b, a] = sym


@jit
def ekf_update_kernel(x, p, nu, s, c, h, r, x_out, p_out):
    """Joseph-form EKF update of pairs: states x (P, n), P (P, n, n), innovations nu
    (P, m), S (P, m, m), cross-covariances C (P, n, m), Jacobians H (P, m, n), noise
    R (P, m, m): K = C S^-1, x + K nu, (I - K H) P (I - K H)^T + K R K^T symmetrised."""
    n_pairs, n = x.shape
    m = nu.shape[1]
    chol = np.empty((m, m))
    kg = np.empty((n, m))
    ikh = np.empty((n, n))
    a1 = np.empty((n, n))
    kr = np.empty((n, m))
    for q in range(n_pairs):
        for a in range(m):  # Cholesky of S, lower
            for b in range(a + 1):
                acc = s[q, a, b]
                for k in range(b):
                    acc -= chol[a, k] * chol[b, k]
                chol[a, b] = math.sqrt(acc) if a == b else acc / chol[b, b]
        for i in range(n):  # row i of K solves S k = c_i
            for a in range(m):
                acc = c[q, i, a]
                for b in range(a):
                    acc -= chol[a, b] * kg[i, b]
                kg[i, a] = acc / chol[a, a]
            for a in range(m - 1, -1, -1):
                acc = kg[i, a]
                for b in range(a + 1, m):
                    acc -= chol[b, a] * kg[i, b]
                kg[i, a] = acc / chol[a, a]
        for i in range(n):
            acc = 0.0
            for a in range(m):
                acc += kg[i, a] * nu[q, a]
            x_out[q, i] = x[q, i] + acc
            for j in range(n):
                acc = 0.0
                for a in range(m):
                    acc += kg[i, a] * h[q, a, j]
                ikh[i, j] = (1.0 if i == j else 0.0) - acc
            for a in range(m):
                acc = 0.0
                for b in range(m):
                    acc += kg[i, b] * r[q, b, a]
                kr[i, a] = acc
        _matmul(ikh, p[q], a1, False)
        for i in range(n):
            for j in range(i + 1):
                acc = 0.0
                for k in range(n):
                    acc += a1[i, k] * ikh[j, k]
                for a in range(m):
                    acc += kr[i, a] * kg[j, a]
                acc2 = 0.0
                for k in range(n):
                    acc2 += a1[j, k] * ikh[i, k]
                for a in range(m):
                    acc2 += kr[j, a] * kg[i, a]
                sym = 0.5 * (acc + acc2)
                p_out[q, i, j] = sym
                p_out[q, j, i] = sym


@jit
def imm_combine_kernel(x, p, mu, mean, cov):
    """Moment-matched mixture of banks x (N, r, n), P (N, r, n, n) with weights mu
    (N, r) over the first d = mean.shape[1] states: mean (N, d), cov (N, d, d) symmetrised."""
    n_tr, r = mu.shape
    d = mean.shape[1]
    for t in range(n_tr):
        for a in range(d):
            acc = 0.0
            for k in range(r):
                acc += mu[t, k] * x[t, k, a]
            mean[t, a] = acc
        for a in range(d):
            for b in range(a + 1):
                acc = 0.0
                acc2 = 0.0
                for k in range(r):
                    da, db = x[t, k, a] - mean[t, a], x[t, k, b] - mean[t, b]
                    acc += mu[t, k] * (p[t, k, a, b] + da * db)
                    acc2 += mu[t, k] * (p[t, k, b, a] + db * da)
                sym = 0.5 * (acc + acc2)
                cov[t, a, b] = sym
                cov[t, b, a] = sym
