"""Interacting multiple model (IMM) estimation over batches of tracks; one model is the
plain filter.

Track states live in a *bank*: x (M, r, n), P (M, r, n, n) and model probabilities
mu (M, r) for r motion models, n the largest state dimension. A model with fewer
states (e.g. [r, v] next to [r, v, a]) keeps its extra components at zero with the
variance ``pad_variance`` and no correlation, so mixing treats a missing acceleration
as "zero, with this uncertainty" (the unbiased mixing of unequal state vectors in
Granstrom, Willett & Bar-Shalom 2015, Sec. III-B, with a zero-mean prior).

One IMM cycle (Blom & Bar-Shalom 1988; Bar-Shalom, Li & Kirubarajan 2001, Sec. 11.6.6):

1. mixing: c_j = sum_i pi_ij mu_i, mu_i|j = pi_ij mu_i / c_j,
   x0_j = sum_i mu_i|j x_i, P0_j = sum_i mu_i|j (P_i + (x_i - x0_j)(x_i - x0_j)^T);
2. model-matched prediction and update with the chosen filter;
3. mode probabilities mu_j = c_j Lambda_j / sum_k c_k Lambda_k with Lambda_j the
   likelihood of the measurement(s) under model j;
4. output: the moment-matched mixture.

Mode switching is a continuous-time Markov chain: a track leaves model i at the rate
1 / ``sojourn_s[i]`` towards the other models equally, so over dt the switching
matrix is Pi(dt) = expm(Lambda dt) and does not depend on the frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tracklayer.kernels import engine
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.tracking.filters import EKF, UKF, MeasurementPrediction, innovations, symmetrise
from tracklayer.tracking.measurement_models import AnglesModel, RadarModel, SensorView
from tracklayer.tracking.motion_models import Ballistic, Glide, rk4_frozen_stm

LOG_2PI = float(np.log(2.0 * np.pi))


@lru_cache(maxsize=64)
def _switching(sojourn_s: tuple[float, ...], dt: float) -> np.ndarray:
    from scipy.linalg import expm

    r = len(sojourn_s)
    lam = np.zeros((r, r))
    for i, t in enumerate(sojourn_s):
        lam[i, :] = 1.0 / (t * (r - 1))
        lam[i, i] = -1.0 / t
    pi = expm(lam * dt)
    pi /= pi.sum(axis=1, keepdims=True)
    pi.setflags(write=False)
    return pi


@dataclass(frozen=True)
class PairTerms:
    """Per (track, detection) pair and model: innovation, its covariance, squared
    Mahalanobis distance and Gaussian log-likelihood; plus the mixture over models."""

    nu: np.ndarray  # (P, r, m)
    s: np.ndarray  # (P, r, m, m)
    d2: np.ndarray  # (P, r)
    log_lik: np.ndarray  # (P, r) log N(nu; 0, S)
    valid: np.ndarray  # (P,)

    def take(self, index: np.ndarray) -> PairTerms:
        return PairTerms(self.nu[index], self.s[index], self.d2[index], self.log_lik[index], self.valid[index])

    def mixture_log_lik(self, mu: np.ndarray) -> np.ndarray:
        """log sum_k mu_k N_k, (P,), for the tracks' predicted mode probabilities mu (P, r)."""
        if self.log_lik.shape[1] == 1:
            return self.log_lik[:, 0]
        top = self.log_lik.max(axis=1)
        return top + np.log(np.sum(mu * np.exp(self.log_lik - top[:, None]), axis=1))


@dataclass(frozen=True)
class IMM:
    """A bank of motion models run with one filter; r = 1 is the plain filter."""

    models: tuple
    filter: EKF | UKF = EKF()
    sojourn_s: tuple[float, ...] = ()
    pad_variance: float = 100.0

    @property
    def r(self) -> int:
        return len(self.models)

    @property
    def n(self) -> int:
        return max(m.ndim for m in self.models)

    def initial(self, x6: np.ndarray, p6: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A bank from [r, v] estimates (N, 6), (N, 6, 6): every model starts there, its
        extra states at the model's prior (``initial_extra``), equal model probabilities."""
        n_tr = x6.shape[0]
        n = self.n
        if self.r == 1 and n == 6:
            return x6[:, None].copy(), p6[:, None].copy(), np.ones((n_tr, 1))
        x = np.zeros((n_tr, self.r, n))
        p = np.zeros((n_tr, self.r, n, n))
        x[:, :, :6] = x6[:, None]
        p[:, :, :6, :6] = p6[:, None]
        idx = np.arange(6, n)
        p[:, :, idx, idx] = self.pad_variance
        for k, m in enumerate(self.models):
            if m.ndim > 6:
                mean, var = m.initial_extra()
                x[:, k, 6 : m.ndim] = mean
                p[:, k, np.arange(6, m.ndim), np.arange(6, m.ndim)] = var
        return x, p, np.full((n_tr, self.r), 1.0 / self.r)

    def _reset_pads(self, x: np.ndarray, p: np.ndarray) -> None:
        for k, m in enumerate(self.models):
            if m.ndim < self.n:
                x[:, k, m.ndim:] = 0.0
                p[:, k, m.ndim:, :] = 0.0
                p[:, k, :, m.ndim:] = 0.0
                idx = np.arange(m.ndim, self.n)
                p[:, k, idx, idx] = self.pad_variance

    def predict(self, x: np.ndarray, p: np.ndarray, mu: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mix (IMM) and predict every model over ``dt``; returns the predicted bank and
        the predicted mode probabilities c (M, r)."""
        if x.shape[0] == 0 or dt == 0:
            return x, p, mu
        if _compiled_predict(self):
            return _predict_compiled(self, x, p, mu, float(dt))
        if self.r > 1:
            pi = _switching(tuple(float(t) for t in self.sojourn_s), float(dt))
            c = mu @ pi  # (M, r)
            w = mu[:, :, None] * pi[None] / np.maximum(c[:, None, :], 1e-300)  # (M, i, j)
            x0 = np.einsum("mij,min->mjn", w, x)
            dev = x[:, :, None, :] - x0[:, None, :, :]  # (M, i, j, n)
            p0 = np.einsum("mij,mikl->mjkl", w, p) + np.einsum("mij,mijk,mijl->mjkl", w, dev, dev)
            x, p, mu = x0, symmetrise(p0), c
            self._reset_pads(x, p)
        else:
            x, p = x.copy(), p.copy()
        for k, m in enumerate(self.models):
            d = m.ndim
            x[:, k, :d], p[:, k, :d, :d] = self.filter.predict(m, x[:, k, :d], p[:, k, :d, :d], dt)
        return x, p, mu

    def predict_measurement(self, mm, x: np.ndarray, p: np.ndarray, view: SensorView, mu: np.ndarray | None = None) -> list[MeasurementPrediction]:
        """One prediction per model (sized to the model's own states), all in the
        measurement frame of the combined estimate (of ``mu``-weighted means)."""
        if _compiled(self, mm):
            return _predict_measurement_compiled(self, mm, x, p, view, mu)
        frame = None
        if self.r > 1:
            weights = np.full(x.shape[:2], 1.0 / self.r) if mu is None else mu
            frame = mm.frame(np.einsum("mk,mki->mi", weights, x[:, :, :6]), view)
        return [
            self.filter.predict_measurement(mm, x[:, k, : m.ndim], p[:, k, : m.ndim, : m.ndim], view, frame)
            for k, m in enumerate(self.models)
        ]

    def pair_terms(self, mm, preds: list[MeasurementPrediction], z: np.ndarray, r_det: np.ndarray, i: np.ndarray, j: np.ndarray) -> PairTerms:
        """Innovations, S = s0 + R, d^2 and log N for pairs (tracks i, detections j)."""
        if _compiled(self, mm):
            return _pair_terms_compiled(self, mm, preds, z, r_det, i, j)
        return self._pair_terms_numpy(mm, preds, z, r_det, i, j)

    def _pair_terms_numpy(self, mm, preds: list[MeasurementPrediction], z: np.ndarray, r_det: np.ndarray, i: np.ndarray, j: np.ndarray) -> PairTerms:
        rj = mm.noise(r_det[j])
        n_pairs, m = i.shape[0], mm.dim
        nus, ss = np.empty((n_pairs, self.r, m)), np.empty((n_pairs, self.r, m, m))
        d2, ll = np.empty((n_pairs, self.r)), np.empty((n_pairs, self.r))
        valid = np.ones(n_pairs, dtype=bool)
        for k, pred in enumerate(preds):
            nu, ok = innovations(mm, pred, z, i, j)
            s = pred.s0[i] + rj
            valid &= ok
            chol = np.linalg.cholesky(np.where(ok[:, None, None], s, np.eye(m)))
            y = np.linalg.solve(chol, nu[..., None])[..., 0]
            d2[:, k] = np.sum(y * y, axis=1)
            logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
            ll[:, k] = -0.5 * (d2[:, k] + logdet + m * LOG_2PI)
            nus[:, k], ss[:, k] = nu, s
        d2[~valid] = np.inf
        return PairTerms(nus, ss, d2, ll, valid)

    def update(
        self,
        x: np.ndarray,
        p: np.ndarray,
        mu: np.ndarray,
        preds: list[MeasurementPrediction],
        terms: PairTerms,
        r_det: np.ndarray,
        mm,
        i: np.ndarray,
        j: np.ndarray,
        beta: np.ndarray | None = None,
        beta0: np.ndarray | None = None,
        model_lik: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Update the tracks of pairs (i, j).

        Single assignment (GNN): every track in ``i`` appears once and ``beta`` is None.
        Probabilistic (PDA/JPDA): ``i`` sorted, ``beta`` (P,) pair weights and ``beta0``
        (M,) missed-detection weights; the posterior is the moment-matched mixture of
        the missed hypothesis and the per-pair updates (Bar-Shalom & Li 1995, Sec. 6.4).
        ``model_lik`` (M', r) gives the IMM mode likelihoods of the updated tracks
        (default: N(nu) of the single assigned detection).
        """
        x, p = x.copy(), p.copy()
        rj = mm.noise(r_det[j])
        tracks = np.unique(i) if beta is not None else i
        compiled = _compiled_update(self, mm)
        for k, m in enumerate(self.models):
            d = m.ndim
            pred = preds[k]
            update = _ekf_update_compiled if compiled else self.filter.update
            xu, pu = update(x[i, k, :d], p[i, k, :d, :d], terms.nu[:, k], terms.s[:, k], pred.c[i], pred.h[i], rj)
            if beta is None:
                x[i, k, :d], p[i, k, :d, :d] = xu, pu
                continue
            xp, pp = x[tracks, k, :d], p[tracks, k, :d, :d]
            first = np.searchsorted(i, tracks)
            assert beta0 is not None  # given with beta
            b0 = beta0[tracks]
            mean = b0[:, None] * xp + np.add.reduceat(beta[:, None] * xu, first, axis=0)
            dev = xu - mean[np.searchsorted(tracks, i)]
            dp = xp - mean
            cov = b0[:, None, None] * (pp + dp[:, :, None] * dp[:, None, :]) + np.add.reduceat(
                beta[:, None, None] * (pu + dev[:, :, None] * dev[:, None, :]), first, axis=0
            )
            x[tracks, k, :d], p[tracks, k, :d, :d] = mean, symmetrise(cov)
        if self.r > 1:
            if model_lik is None:
                model_lik = terms.log_lik
                model_lik = np.exp(model_lik - model_lik.max(axis=1, keepdims=True))
            post = mu[tracks] * model_lik
            mu = mu.copy()
            mu[tracks] = post / post.sum(axis=1, keepdims=True)
        return x, p, mu

    def combine(self, x: np.ndarray, p: np.ndarray, mu: np.ndarray, dims: int = 6) -> tuple[np.ndarray, np.ndarray]:
        """Moment-matched [r, v] (or ``dims``) estimate of the bank: (M, dims), (M, dims, dims)."""
        if self.r == 1:
            return x[:, 0, :dims], p[:, 0, :dims, :dims]
        if _compiled_combine():
            from tracklayer.kernels.imm import imm_combine_kernel

            mean, cov = np.empty((x.shape[0], dims)), np.empty((x.shape[0], dims, dims))
            imm_combine_kernel(x, p, mu, mean, cov)
            return mean, cov
        return _combine_numpy(x, p, mu, dims)


def _combine_numpy(x: np.ndarray, p: np.ndarray, mu: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """`IMM.combine` of a bank of r > 1 models in NumPy."""
    xs = x[:, :, :dims]
    mean = np.einsum("mk,mki->mi", mu, xs)
    dev = xs - mean[:, None]
    cov = np.einsum("mk,mkij->mij", mu, p[:, :, :dims, :dims] + dev[..., :, None] * dev[..., None, :])
    return mean, symmetrise(cov)


# ---------------------------------------------------------------- the compiled general path
#
# With the numba engine, the EKF's measurement prediction and the pair terms of angles
# and radar scans run as kernels (`tracklayer.kernels.imm`); the references below, with
# the same signatures, are the model and filter code above, which the NumPy engine runs
# unchanged.


def _compiled(est: IMM, mm) -> bool:
    return type(est.filter) is EKF and type(mm) in (AnglesModel, RadarModel) and engine() == "numba"


def angles_frame_numpy(x, w, site, frame) -> None:
    """Reference for `tracklayer.kernels.imm.angles_frame_kernel` (same signature)."""
    frame[:] = AnglesModel().frame(np.einsum("mk,mki->mi", w, x[:, :, :6]), SensorView(ANGLES, site, np.eye(3)))


def ekf_measurement_numpy(kind, range_rate, x, p, site, enu, v_site, frame, z, s0, c, h, valid) -> None:
    """Reference for `tracklayer.kernels.imm.ekf_measurement_kernel` (same signature)."""
    mm = AnglesModel() if kind == ANGLES else RadarModel(bool(range_rate))
    pred = EKF().predict_measurement(mm, x, p, SensorView(kind, site, enu, v_site), frame if kind == ANGLES else None)
    z[:], s0[:], c[:], h[:], valid[:] = pred.z, pred.s0, pred.c, pred.h, pred.valid


def pair_terms_numpy(kind, z_pred, s0, pred_valid, frame, z_det, r_det, pi, pj, min_cos, nu, s, d2, log_lik, valid) -> None:
    """Reference for `tracklayer.kernels.imm.pair_terms_kernel` (same signature)."""
    mm = AnglesModel(min_cos) if kind == ANGLES else RadarModel(z_pred.shape[2] == 4)
    n, n_models = z_pred.shape[1], z_pred.shape[0]
    dummy = np.zeros((n, 0, 0))
    preds = [MeasurementPrediction(z_pred[k], s0[k], dummy, dummy, frame, pred_valid[k]) for k in range(n_models)]
    terms = IMM((None,) * n_models)._pair_terms_numpy(mm, preds, z_det, r_det, pi, pj)
    nu[:], s[:], d2[:], log_lik[:], valid[:] = terms.nu, terms.s, terms.d2, terms.log_lik, terms.valid


def _predict_measurement_compiled(est: IMM, mm, x, p, view: SensorView, mu) -> list[MeasurementPrediction]:
    from tracklayer.kernels.imm import imm_measurement_kernel

    n_tr, r, n = x.shape
    m = mm.dim
    kind = ANGLES if type(mm) is AnglesModel else RADAR
    site = np.ascontiguousarray(view.r_eci_m, dtype=np.float64)
    frame = np.zeros((n_tr, 3, 3))
    w = np.full(x.shape[:2], 1.0 / r) if mu is None or r == 1 else np.ascontiguousarray(mu, dtype=np.float64)
    rr = kind == RADAR and mm.range_rate
    v_site = np.ascontiguousarray(view.v_eci_m_s, dtype=np.float64) if rr else site
    enu = np.ascontiguousarray(view.enu_eci, dtype=np.float64)
    z, s0, valid = np.empty((r, n_tr, m)), np.empty((r, n_tr, m, m)), np.empty((r, n_tr), dtype=bool)
    c, h = np.empty((r, n_tr, n, m)), np.empty((r, n_tr, m, n))
    ndims = np.array([model.ndim for model in est.models], dtype=np.int64)
    imm_measurement_kernel(kind, rr, x, p, w, ndims, site, enu, v_site, frame, z, s0, c, h, valid)
    return [MeasurementPrediction(z[k], s0[k], c[k, :, :d], h[k, :, :, :d], frame, valid[k]) for k, d in enumerate(ndims)]


def _pair_terms_compiled(est: IMM, mm, preds, z_det, r_det, i, j) -> PairTerms:
    from tracklayer.kernels.imm import pair_terms_kernel

    kind = ANGLES if type(mm) is AnglesModel else RADAR
    n_pairs, m, r = i.shape[0], mm.dim, est.r
    z_pred, s0, pv = np.stack([pr.z for pr in preds]), np.stack([pr.s0 for pr in preds]), np.stack([pr.valid for pr in preds])
    nu, s = np.empty((n_pairs, r, m)), np.empty((n_pairs, r, m, m))
    d2, ll, valid = np.empty((n_pairs, r)), np.empty((n_pairs, r)), np.empty(n_pairs, dtype=bool)
    frame = np.ascontiguousarray(preds[0].frame) if kind == ANGLES else np.zeros((1, 3, 3))
    pair_terms_kernel(kind, z_pred, s0, pv, frame, np.ascontiguousarray(z_det, dtype=np.float64), np.ascontiguousarray(r_det, dtype=np.float64),
                      np.ascontiguousarray(i, np.int64), np.ascontiguousarray(j, np.int64), float(getattr(mm, "min_cos", 0.0)), nu, s, d2, ll, valid)
    return PairTerms(nu, s, d2, ll, valid)


def _kernel_model(model) -> tuple[int, float] | None:
    """(kind, tau) of a motion model `tracklayer.kernels.imm.ekf_predict_kernel` runs:
    `Ballistic` without drag and `Glide`; None for the others."""
    if type(model) is Ballistic and not model.drag:
        return 0, 0.0
    if type(model) is Glide:
        return 1, float(model.tau_s)
    return None


def _compiled_predict(est: IMM) -> bool:
    return type(est.filter) is EKF and engine() == "numba" and all(_kernel_model(m) is not None for m in est.models)


def _compiled_update(est: IMM, mm) -> bool:
    return _compiled(est, mm)


def _compiled_combine() -> bool:
    return engine() == "numba"


def imm_mix_numpy(x, p, mu, pi, ndims, pad_variance, x0, p0, c) -> None:
    """Reference for `tracklayer.kernels.imm.imm_mix_kernel` (same signature): the
    mixing step of `IMM.predict`."""
    w = mu[:, :, None] * pi[None] / np.maximum((mu @ pi)[:, None, :], 1e-300)
    c[:] = mu @ pi
    x0[:] = np.einsum("mij,min->mjn", w, x)
    dev = x[:, :, None, :] - x0[:, None, :, :]
    p0[:] = symmetrise(np.einsum("mij,mikl->mjkl", w, p) + np.einsum("mij,mijk,mijl->mjkl", w, dev, dev))
    n = x.shape[2]
    for k, d in enumerate(ndims):
        x0[:, k, d:] = 0.0
        p0[:, k, d:, :] = 0.0
        p0[:, k, :, d:] = 0.0
        p0[:, k, np.arange(d, n), np.arange(d, n)] = pad_variance


def ekf_predict_numpy(kind, j2, tau, max_step, dt, x, p, q, x_out, p_out) -> None:
    """Reference for `tracklayer.kernels.imm.ekf_predict_kernel` (same signature): the
    model's own RK4 and `EKF.predict` with the noise q (N, d, d)."""
    model = Ballistic(j2=bool(j2), max_step_s=max_step) if kind == 0 else Glide(tau_s=tau, j2=bool(j2), max_step_s=max_step)
    xn, f = rk4_frozen_stm(model._deriv, model._jac, x, dt, max_step)
    x_out[:] = xn
    p_out[:] = symmetrise(f @ p @ np.swapaxes(f, -1, -2) + q)


def ekf_update_numpy(x, p, nu, s, c, h, r, x_out, p_out) -> None:
    """Reference for `tracklayer.kernels.imm.ekf_update_kernel` (same signature): `EKF.update`."""
    x_out[:], p_out[:] = EKF().update(x, p, nu, s, c, h, r)


def imm_combine_numpy(x, p, mu, mean, cov) -> None:
    """Reference for `tracklayer.kernels.imm.imm_combine_kernel` (same signature): `IMM.combine`."""
    mean[:], cov[:] = _combine_numpy(x, p, mu, mean.shape[1])


def _predict_compiled(est: IMM, x, p, mu, dt: float):
    from tracklayer.kernels.imm import ekf_predict_kernel, imm_mix_kernel

    n_tr, r, n = x.shape
    if r > 1:
        pi = np.ascontiguousarray(_switching(tuple(float(t) for t in est.sojourn_s), dt))
        x0, p0, c = np.empty_like(x), np.empty_like(p), np.empty_like(mu)
        imm_mix_kernel(x, p, mu, pi, np.array([m.ndim for m in est.models], dtype=np.int64), float(est.pad_variance), x0, p0, c)
        x, p, mu = x0, p0, c
    else:
        x, p = x.copy(), p.copy()
    for k, m in enumerate(est.models):
        d = m.ndim
        kind, tau = _kernel_model(m)  # type: ignore[misc]
        xk = np.ascontiguousarray(x[:, k, :d])
        q = np.ascontiguousarray(np.broadcast_to(m.noise(xk, dt), (n_tr, d, d)), dtype=np.float64)
        xo, po = np.empty((n_tr, d)), np.empty((n_tr, d, d))
        ekf_predict_kernel(kind, bool(m.j2), tau, float(m.max_step_s), dt, xk, np.ascontiguousarray(p[:, k, :d, :d]), q, xo, po)
        x[:, k, :d], p[:, k, :d, :d] = xo, po
    return x, p, mu


def _ekf_update_compiled(x, p, nu, s, c, h, r):
    from tracklayer.kernels.imm import ekf_update_kernel

    xo, po = np.empty(x.shape), np.empty(p.shape)
    f8 = np.float64
    ekf_update_kernel(np.ascontiguousarray(x, f8), np.ascontiguousarray(p, f8), np.ascontiguousarray(nu, f8), np.ascontiguousarray(s, f8),
                      np.ascontiguousarray(c, f8), np.ascontiguousarray(h, f8), np.ascontiguousarray(r, f8), xo, po)
    return xo, po
