"""numba kernel of the impact-point propagation (reference: `tracklayer.tracking.impact.fall_numpy`)."""

from __future__ import annotations

import math

import numpy as np

from tracklayer.earth.constants import MU_EARTH_M3_S2, WGS84_A_M, WGS84_B_M
from tracklayer.kernels._jit import jit, jit_inline

_AB = WGS84_A_M * WGS84_B_M
_A2 = WGS84_A_M**2
_B2 = WGS84_B_M**2


@jit_inline
def _height(x: float, y: float, z: float) -> float:
    r = math.sqrt(x * x + y * y + z * z)
    return r - _AB * r / math.sqrt(_B2 * (x * x + y * y) + _A2 * (z * z))


@jit_inline
def _deriv(s: np.ndarray, j2: float, out: np.ndarray) -> None:
    x, y, z = s[0], s[1], s[2]
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    f = 1.5 * j2 * _A2 / r2
    zz = 5.0 * z * z / r2
    kg = -MU_EARTH_M3_S2 / (r2 * r)
    out[0] = s[3]
    out[1] = s[4]
    out[2] = s[5]
    out[3] = kg * x * (1.0 + f * (1.0 - zz))
    out[4] = kg * y * (1.0 + f * (1.0 - zz))
    out[5] = kg * z * (1.0 + f * (3.0 - zz))


@jit_inline
def _rk4(y: np.ndarray, dt: float, j2: float, k: np.ndarray, tmp: np.ndarray, out: np.ndarray) -> None:
    """out = one RK4 step of ``y`` (6,); ``k`` (4, 6) and ``tmp`` (6,) are scratch."""
    _deriv(y, j2, k[0])
    for c in range(6):
        tmp[c] = y[c] + 0.5 * dt * k[0, c]
    _deriv(tmp, j2, k[1])
    for c in range(6):
        tmp[c] = y[c] + 0.5 * dt * k[1, c]
    _deriv(tmp, j2, k[2])
    for c in range(6):
        tmp[c] = y[c] + dt * k[2, c]
    _deriv(tmp, j2, k[3])
    for c in range(6):
        out[c] = y[c] + dt / 6.0 * (k[0, c] + 2.0 * k[1, c] + 2.0 * k[2, c] + k[3, c])


@jit
def fall_kernel(y0: np.ndarray, step_s: float, max_flight_s: float, j2: float, dt_out: np.ndarray, r_out: np.ndarray) -> None:
    """Fill ``dt_out`` (N,) and ``r_out`` (N, 3); see `tracklayer.tracking.impact.fall_numpy`."""
    k = np.empty((4, 6))
    tmp = np.empty(6)
    y = np.empty(6)
    y_new = np.empty(6)
    trial = np.empty(6)
    n_steps = int(math.ceil(max_flight_s / step_s))
    for i in range(y0.shape[0]):
        dt_out[i] = math.nan
        r_out[i, 0] = math.nan
        r_out[i, 1] = math.nan
        r_out[i, 2] = math.nan
        finite = True
        for c in range(6):
            y[c] = y0[i, c]
            finite = finite and not math.isnan(y[c]) and not math.isinf(y[c])
        if not finite:
            continue
        h = _height(y[0], y[1], y[2])
        if h <= 0.0:
            dt_out[i] = 0.0
            r_out[i, 0], r_out[i, 1], r_out[i, 2] = y[0], y[1], y[2]
            continue
        for step in range(n_steps):
            _rk4(y, step_s, j2, k, tmp, y_new)
            h_new = _height(y_new[0], y_new[1], y_new[2])
            if h_new <= 0.0:
                # Illinois regula falsi on the step length (as the NumPy reference)
                a, b, fa, fb = 0.0, step_s, h, h_new
                for _ in range(8):
                    c_len = b if fb == 0.0 else b - fb * (b - a) / (fb - fa)
                    _rk4(y, c_len, j2, k, tmp, trial)
                    fc = _height(trial[0], trial[1], trial[2])
                    if fc * fb < 0.0:
                        a, fa = b, fb
                    else:
                        fa = 0.5 * fa
                    b, fb = c_len, fc
                    if abs(fb) < 1e-3:
                        break
                _rk4(y, b, j2, k, tmp, trial)
                dt_out[i] = step * step_s + b
                r_out[i, 0], r_out[i, 1], r_out[i, 2] = trial[0], trial[1], trial[2]
                break
            for c in range(6):
                y[c] = y_new[c]
            h = h_new
