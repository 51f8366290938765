"""Batched Gaussian filters (predictor + updater): EKF, UKF and cubature Kalman filter.

All methods work on a batch of N tracks at once: states (N, n), covariances (N, n, n).
A filter predicts with a motion model (`tracking.motion_models`), predicts the
measurement of a scan with a measurement model (`tracking.measurement_models`), and
updates with (track, detection) pairs.

* `EKF`: x+ = f(x), P+ = F P F^T + Q; measurement Jacobian H; update
  K = P H^T S^-1, x+ = x + K nu and the Joseph form
  P+ = (I - K H) P (I - K H)^T + K R K^T, positive semi-definite under rounding
  (Bucy & Joseph 1968; Bar-Shalom, Li & Kirubarajan 2001, Eq. 5.2.3-18).
* `UKF`: the scaled unscented transform (Julier 2002; Wan & van der Merwe 2000) with
  parameters alpha, beta, kappa: 2n + 1 sigma points x +/- sqrt(n + lambda) columns of
  a square root of P, lambda = alpha^2 (n + kappa) - n. With non-negative covariance
  weights (the defaults alpha = 1, beta = 2, kappa = 0 give W0 = 2 and
  1/(2n) elsewhere) the updated covariance P - K S K^T is the Schur complement of a
  joint covariance built from non-negative weights, hence positive semi-definite.
* `cubature()`: the third-degree spherical-radial cubature rule of Arasaratnam & Haykin
  (2009), 2n points +/- sqrt(n) columns with weights 1/(2n), which is the UKF with
  alpha = 1, beta = 0, kappa = 0 (lambda = 0, zero weight on the centre point).

Covariances are symmetrised after every step. A square root that fails (a covariance
that rounding left semi-definite) falls back to the symmetric eigen square root with
negative eigenvalues clipped to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tracklayer.tracking.measurement_models import SensorView, wrap_innovation
from tracklayer.tracking.motion_models import MotionModel, propagate_and_transition


def symmetrise(p: np.ndarray) -> np.ndarray:
    """(P + P^T) / 2 over the last two axes."""
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def innovation_covariance(p: np.ndarray, h: np.ndarray, r: np.ndarray) -> np.ndarray:
    """S = H P H^T + R for broadcastable batches (symmetrised)."""
    return symmetrise(h @ p @ np.swapaxes(h, -1, -2) + r)


def mahalanobis2(nu: np.ndarray, s: np.ndarray) -> np.ndarray:
    """nu^T S^-1 nu for batches (..., m) and (..., m, m)."""
    return np.sum(nu * np.linalg.solve(s, nu[..., None])[..., 0], axis=-1)


def gain(c: np.ndarray, s: np.ndarray) -> np.ndarray:
    """K = C S^-1 for cross-covariances (..., n, m) and innovation covariances (..., m, m)."""
    return np.swapaxes(np.linalg.solve(s, np.swapaxes(c, -1, -2)), -1, -2)


def ekf_update(x: np.ndarray, p: np.ndarray, nu: np.ndarray, h: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman update of states (N, n) and covariances (N, n, n) with innovations (N, m),
    Jacobians (N, m, n) and noise (N, m, m), Joseph form."""
    s = innovation_covariance(p, h, r)
    return joseph_update(x, p, nu, gain(p @ np.swapaxes(h, -1, -2), s), h, r)


def joseph_update(x, p, nu, k, h, r) -> tuple[np.ndarray, np.ndarray]:
    """x + K nu and (I - K H) P (I - K H)^T + K R K^T (symmetrised)."""
    x_new = x + np.einsum("nij,nj->ni", k, nu)
    ikh = np.eye(x.shape[-1]) - k @ h
    p_new = ikh @ p @ np.swapaxes(ikh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    return x_new, symmetrise(p_new)


def _pad(h6: np.ndarray, n: int) -> np.ndarray:
    """Jacobians with respect to [r, v] (..., m, 6) padded with zeros to n states."""
    if n == 6:
        return h6
    out = np.zeros(h6.shape[:-1] + (n,))
    out[..., :6] = h6[..., : min(6, n)]
    return out


def sqrt_psd(p: np.ndarray) -> np.ndarray:
    """A (..., n, n) with A A^T = P: Cholesky, or the eigen square root where it fails."""
    try:
        return np.linalg.cholesky(p)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(symmetrise(p))
        return v * np.sqrt(np.clip(w, 0.0, None))[..., None, :]


class MeasurementPrediction(NamedTuple):
    """Predicted measurement of one scan for N tracks.

    z : (N, m) predicted measurement in each track's frame
    s0 : (N, m, m) its covariance without the detection noise (S = s0 + R)
    c : (N, n, m) state-measurement cross-covariance
    h : (N, m, n) Jacobian (EKF) or the statistical linearisation C^T P^-1 (unused by UKF)
    frame : per-track measurement frame (see the measurement model)
    valid : (N,) whether the prediction is usable (e.g. target in front of the sensor)
    """

    z: np.ndarray
    s0: np.ndarray
    c: np.ndarray
    h: np.ndarray
    frame: np.ndarray
    valid: np.ndarray


@dataclass(frozen=True)
class EKF:
    """Extended Kalman filter with the Joseph-form update."""

    name = "ekf"

    def predict(self, model: MotionModel, x: np.ndarray, p: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        if x.shape[0] == 0 or dt == 0:
            return x, p
        x_new, f = propagate_and_transition(model, x, dt)
        return x_new, symmetrise(f @ p @ np.swapaxes(f, -1, -2) + model.noise(x, dt))

    def predict_measurement(self, mm, x: np.ndarray, p: np.ndarray, view: SensorView, frame: np.ndarray | None = None) -> MeasurementPrediction:
        """Predicted measurement of every track (``frame``: the tracks' measurement
        frames, default from x)."""
        frame = mm.frame(x, view) if frame is None else frame
        z = mm.h(x, view, frame)
        h = _pad(mm.jacobian(x, view, frame), x.shape[1])
        c = p @ np.swapaxes(h, -1, -2)
        return MeasurementPrediction(z, symmetrise(h @ c), c, h, frame, np.isfinite(z).all(axis=1))

    def update(self, x, p, nu, s, c, h, r) -> tuple[np.ndarray, np.ndarray]:
        """Pairs: states (P, n), covariances (P, n, n), innovations (P, m), S (P, m, m),
        cross-covariances (P, n, m), Jacobians (P, m, n), noise (P, m, m)."""
        return joseph_update(x, p, nu, gain(c, s), h, r)


@dataclass(frozen=True)
class UKF:
    """Unscented Kalman filter (scaled sigma points)."""

    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0
    name = "ukf"

    def weights(self, n: int) -> tuple[float, np.ndarray, np.ndarray]:
        """Scale sqrt(n + lambda) and mean/covariance weights (2n + 1,)."""
        lam = self.alpha**2 * (n + self.kappa) - n
        wm = np.full(2 * n + 1, 0.5 / (n + lam))
        wc = wm.copy()
        wm[0] = lam / (n + lam)
        wc[0] = wm[0] + 1.0 - self.alpha**2 + self.beta
        return float(np.sqrt(n + lam)), wm, wc

    def sigma_points(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """(N, 2n + 1, n): x, x + scale a_k, x - scale a_k for the columns a_k of sqrt(P)."""
        scale, _, _ = self.weights(x.shape[1])
        a = scale * np.swapaxes(sqrt_psd(p), -1, -2)  # rows = scaled columns
        return np.concatenate([x[:, None, :], x[:, None, :] + a, x[:, None, :] - a], axis=1)

    def predict(self, model: MotionModel, x: np.ndarray, p: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        if x.shape[0] == 0 or dt == 0:
            return x, p
        n = x.shape[1]
        _, wm, wc = self.weights(n)
        pts = self.sigma_points(x, p)
        moved = model.propagate(pts.reshape(-1, n), dt).reshape(pts.shape)
        mean = np.einsum("k,nki->ni", wm, moved)
        dev = moved - mean[:, None, :]
        cov = np.einsum("k,nki,nkj->nij", wc, dev, dev) + model.noise(x, dt)
        return mean, symmetrise(cov)

    def predict_measurement(self, mm, x: np.ndarray, p: np.ndarray, view: SensorView, frame: np.ndarray | None = None) -> MeasurementPrediction:
        n = x.shape[1]
        _, wm, wc = self.weights(n)
        frame = mm.frame(x, view) if frame is None else frame
        pts = self.sigma_points(x, p)
        zs = mm.h(pts, view, frame)
        for col in mm.wrap:  # angles continuous about the centre point before averaging
            zs[..., col] = zs[:, :1, col] + np.mod(zs[..., col] - zs[:, :1, col] + np.pi, 2 * np.pi) - np.pi
        z = np.einsum("k,nki->ni", wm, zs)
        dz = zs - z[:, None, :]
        dx = pts - x[:, None, :]
        s0 = np.einsum("k,nki,nkj->nij", wc, dz, dz)
        c = np.einsum("k,nki,nkj->nij", wc, dx, dz)
        valid = np.isfinite(zs).all(axis=(1, 2))
        return MeasurementPrediction(z, symmetrise(s0), c, np.zeros((x.shape[0], z.shape[1], n)), frame, valid)

    def update(self, x, p, nu, s, c, h, r) -> tuple[np.ndarray, np.ndarray]:
        k = gain(c, s)
        x_new = x + np.einsum("nij,nj->ni", k, nu)
        return x_new, symmetrise(p - k @ s @ np.swapaxes(k, -1, -2))


def cubature() -> UKF:
    """The cubature Kalman filter (Arasaratnam & Haykin 2009) as a UKF parameter set."""
    return UKF(alpha=1.0, beta=0.0, kappa=0.0)


def innovations(mm, pred: MeasurementPrediction, z: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Innovations (P, m) of detections z[j] against the predictions of tracks i, with
    angle columns wrapped, and their validity (P,)."""
    measured, ok = mm.measured(z, pred.frame, i, j)
    nu = wrap_innovation(measured - pred.z[i], mm.wrap)
    return nu, ok & pred.valid[i]
