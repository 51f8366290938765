"""Prediction of received [r, v] tracks to the fusion time, each over its own interval.

A received track is valid at its sender's time; the receiver predicts it to its own
fusion time with the trackers' ballistic motion model (`tracklayer.tracking.motion_models.Ballistic`:
central + J2 gravity, `rk4_frozen_stm` with sub-steps of at most 10 s, white-acceleration
process noise of density q). Every row has its own interval, so a whole batch of tracks
(all fusion times, all senders) is predicted in vectorised passes; with equal
intervals it is the tracker's prediction (tests compare), and every row's result is
independent of the batch it is predicted in.

Rows are grouped by their number of RK4 sub-steps and predicted in chunks of at most
`CHUNK_ROWS`: a row never pays for another row's longer interval (one batch through
the worst row's sub-step count did ~3x the work on a 200-threat scenario), and the
temporaries stay bounded. A row's result is the same bits either way: a sub-step of
zero length leaves a row exactly as it is.
"""

from __future__ import annotations

import numpy as np

from tracklayer.tracking.motion_models import gravity, gravity_gradient, rk4_frozen_stm

MAX_STEP_S = 10.0
CHUNK_ROWS = 16384
"""Rows predicted together at most (bounds the (rows, 6, 6) temporaries to a few MB each)."""


def white_acceleration_q(dt_s: np.ndarray, q_m2_s3: float | np.ndarray) -> np.ndarray:
    """Process noise (N, 6, 6) of white acceleration of density q over intervals (N,)
    (Bar-Shalom, Li & Kirubarajan 2001, Eq. 6.2.2-12), block-major [r, v]."""
    t = np.abs(np.asarray(dt_s, dtype=np.float64))
    q_m2_s3 = np.broadcast_to(np.asarray(q_m2_s3, dtype=np.float64), t.shape)
    out = np.zeros(t.shape + (6, 6))
    eye = np.eye(3)
    out[:, :3, :3] = (q_m2_s3 * t**3 / 3.0)[:, None, None] * eye
    out[:, :3, 3:] = out[:, 3:, :3] = (q_m2_s3 * t**2 / 2.0)[:, None, None] * eye
    out[:, 3:, 3:] = (q_m2_s3 * t)[:, None, None] * eye
    return out


def _deriv(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    out[:, :3] = x[:, 3:]
    out[:, 3:] = gravity(x[:, :3], True)
    return out


def _jac(x: np.ndarray) -> np.ndarray:
    a = np.zeros((x.shape[0], 6, 6))
    a[:, :3, 3:] = np.eye(3)
    a[:, 3:, :3] = gravity_gradient(x[:, :3], True)
    return a


def predict_tracks(x: np.ndarray, p: np.ndarray, dt_s: np.ndarray, q_m2_s3: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ballistic prediction of [r, v] states over per-row intervals.

    Parameters
    ----------
    x : (N, 6) ECI position (m) and velocity (m/s)
    p : (N, 6, 6) covariances
    dt_s : (N,) intervals, s (any sign; 0 leaves a row unchanged)
    q_m2_s3 : white-acceleration density of the process noise, m^2/s^3 (scalar or (N,))

    Returns
    -------
    x, p : the predicted states (N, 6) and covariances (N, 6, 6)
    """
    n = x.shape[0]
    dt_s = np.broadcast_to(np.asarray(dt_s, dtype=np.float64), (n,))
    q = np.broadcast_to(np.asarray(q_m2_s3, dtype=np.float64), (n,))
    if n == 0:
        return x.copy(), p.copy()
    sub_steps = np.maximum(1, np.ceil(np.abs(dt_s) / MAX_STEP_S)).astype(np.int64)
    order = np.argsort(sub_steps, kind="stable")
    edges = np.flatnonzero(np.diff(sub_steps[order])) + 1
    out_x, out_p = np.empty_like(x, dtype=np.float64), np.empty_like(p, dtype=np.float64)
    for group in np.split(order, edges):
        for start in range(0, group.size, CHUNK_ROWS):
            rows = group[start:start + CHUNK_ROWS]
            out_x[rows], out_p[rows] = _predict(x[rows], p[rows], dt_s[rows], q[rows])
    return out_x, out_p


def _predict(x: np.ndarray, p: np.ndarray, dt_s: np.ndarray, q_m2_s3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, phi = rk4_frozen_stm(_deriv, _jac, x, dt_s, MAX_STEP_S)
    p = phi @ p @ np.swapaxes(phi, 1, 2) + white_acceleration_q(dt_s, q_m2_s3)
    return x, 0.5 * (p + np.swapaxes(p, 1, 2))


def report_acceleration(t_valid_s: np.ndarray, x: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Non-gravitational acceleration magnitude of every report, m/s^2, from the velocity
    change since the previous report of the same input: |dv / dt - g| with g the mean
    of the gravity (central + J2) at both positions; NaN for an input's first report.

    Parameters
    ----------
    t_valid_s : (n,) time of validity; x : (n, 6) ECI [r, v]; key : (n,) input of each report
    """
    out = np.full(t_valid_s.shape[0], np.nan)
    order = np.lexsort((t_valid_s, key))
    same = np.r_[False, key[order][1:] == key[order][:-1]]
    cur, prev = order[same], order[np.nonzero(same)[0] - 1]
    dt = t_valid_s[cur] - t_valid_s[prev]
    ok = dt > 0.0
    cur, prev, dt = cur[ok], prev[ok], dt[ok]
    g = 0.5 * (gravity(x[cur, :3], True) + gravity(x[prev, :3], True))
    out[cur] = np.linalg.norm((x[cur, 3:] - x[prev, 3:]) / dt[:, None] - g, axis=1)
    return out


def adaptive_noise(accel_m_s2: np.ndarray, dt_s: np.ndarray, q_unknown_m2_s3: float, q_floor_m2_s3: float) -> np.ndarray:
    """White-acceleration density (N,) that covers a report's own acceleration over its
    prediction interval: the ballistic prediction misses a dt^2 / 2; a density
    q = a^2 |dt| / 4 gives each axis the variance q dt^3 / 3 = (a dt^2 / 2)^2 / 3, so the
    miss, a vector of that length, has NEES ~ 3 like the rest of the error. A report
    without an acceleration estimate (an input's first) gets ``q_unknown_m2_s3``;
    every report at least ``q_floor_m2_s3``.
    """
    q = q_floor_m2_s3 + 0.25 * np.asarray(accel_m_s2) ** 2 * np.abs(dt_s)
    return np.where(np.isfinite(q), q, q_unknown_m2_s3)
