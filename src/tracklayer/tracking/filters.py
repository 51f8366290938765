"""Batched extended Kalman filter update (Joseph form, symmetric by construction)."""

from __future__ import annotations

import numpy as np


def innovation_covariance(p: np.ndarray, h: np.ndarray, r: np.ndarray) -> np.ndarray:
    """S = H P H^T + R for broadcastable batches."""
    s = h @ p @ np.swapaxes(h, -1, -2) + r
    return 0.5 * (s + np.swapaxes(s, -1, -2))


def mahalanobis2(nu: np.ndarray, s: np.ndarray) -> np.ndarray:
    """nu^T S^-1 nu for batches (..., m) and (..., m, m)."""
    return np.sum(nu * np.linalg.solve(s, nu[..., None])[..., 0], axis=-1)


def ekf_update(x: np.ndarray, p: np.ndarray, nu: np.ndarray, h: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Update states (N, n) and covariances (N, n, n) with innovations (N, m).

    K = P H^T S^-1; x+ = x + K nu; P+ = (I - K H) P (I - K H)^T + K R K^T (Joseph form,
    positive semi-definite under rounding; Bucy & Joseph 1968).
    """
    s = innovation_covariance(p, h, r)
    pht = p @ np.swapaxes(h, -1, -2)
    k = np.swapaxes(np.linalg.solve(s, np.swapaxes(pht, -1, -2)), -1, -2)
    x_new = x + np.einsum("nij,nj->ni", k, nu)
    ikh = np.eye(x.shape[-1])[None] - k @ h
    p_new = ikh @ p @ np.swapaxes(ikh, -1, -2) + k @ r @ np.swapaxes(k, -1, -2)
    return x_new, 0.5 * (p_new + np.swapaxes(p_new, -1, -2))
