"""Motion model: ballistic flight in ECI (central gravity) plus white acceleration noise.

State x = [r (m), v (m/s)] in ECI. The deterministic part is integrated with RK4;
the transition matrix is the second-order expansion F = I + A dt + A^2 dt^2/2 of the
linearised dynamics A = [[0, I], [G, 0]], G = mu/r^3 (3 r_hat r_hat^T - I) (gravity
gradient), accurate for the step lengths a scan-to-scan prediction uses (seconds).
Process noise: continuous white acceleration of spectral density q (m^2/s^3) on
each axis, discretised exactly for the double integrator:
Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]] (Bar-Shalom, Li & Kirubarajan 2001,
Sec. 6.2.2).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import MU_EARTH_M3_S2


def central_gravity(r: np.ndarray) -> np.ndarray:
    """-mu r/|r|^3 for positions (N, 3)."""
    rn = np.linalg.norm(r, axis=-1, keepdims=True)
    return -MU_EARTH_M3_S2 * r / rn**3


def gravity_gradient(r: np.ndarray) -> np.ndarray:
    """d(gravity)/dr, shape (N, 3, 3)."""
    rn = np.linalg.norm(r, axis=-1)
    rh = r / rn[:, None]
    k = (MU_EARTH_M3_S2 / rn**3)[:, None, None]
    return k * (3.0 * rh[:, :, None] * rh[:, None, :] - np.eye(3)[None])


def propagate_state(x: np.ndarray, dt: float, max_step: float = 10.0) -> np.ndarray:
    """RK4 propagation of ballistic states (N, 6) over ``dt`` seconds (sub-stepped)."""
    n_sub = max(1, int(np.ceil(abs(dt) / max_step)))
    h = dt / n_sub
    r, v = x[:, :3].copy(), x[:, 3:].copy()
    for _ in range(n_sub):
        a1 = central_gravity(r)
        a2 = central_gravity(r + h / 2 * v)
        a3 = central_gravity(r + h / 2 * v + h * h / 4 * a1)
        a4 = central_gravity(r + h * v + h * h / 2 * a2)
        r, v = r + h * v + h * h / 6 * (a1 + a2 + a3), v + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
    return np.concatenate([r, v], axis=1)


def transition_matrix(x: np.ndarray, dt: float) -> np.ndarray:
    """F = I + A dt + A^2 dt^2 / 2 with A the linearised ballistic dynamics, (N, 6, 6)."""
    n = x.shape[0]
    g = gravity_gradient(x[:, :3])
    f = np.zeros((n, 6, 6))
    eye = np.eye(3)[None]
    f[:, :3, :3] = eye + g * dt * dt / 2
    f[:, :3, 3:] = eye * dt
    f[:, 3:, :3] = g * dt
    f[:, 3:, 3:] = eye + g * dt * dt / 2
    return f


def process_noise(q: float, dt: float) -> np.ndarray:
    """Discrete white-acceleration noise Q (6, 6) for spectral density q (m^2/s^3)."""
    eye = np.eye(3)
    dt = abs(dt)
    return q * np.block([[dt**3 / 3 * eye, dt**2 / 2 * eye], [dt**2 / 2 * eye, dt * eye]])


def predict(x: np.ndarray, p: np.ndarray, dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """EKF prediction of states (N, 6) and covariances (N, 6, 6) over ``dt``."""
    if x.shape[0] == 0 or dt == 0:
        return x, p
    f = transition_matrix(x, dt)
    p_new = f @ p @ np.swapaxes(f, 1, 2) + process_noise(q, dt)[None]
    return propagate_state(x, dt), 0.5 * (p_new + np.swapaxes(p_new, 1, 2))
