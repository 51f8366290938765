"""U.S. Standard Atmosphere 1976 (NASA-TM-X-74335 / NOAA-S/T 76-1562).

Below 86 km geometric altitude the standard's seven geopotential layers are
evaluated in closed form (molecular-scale temperature from the lapse rates,
pressure from the hydrostatic equation, density from the ideal-gas law with
molecular weight M0 = 28.9644 kg/kmol; kinetic temperature from the standard's
M/M0 ratio between 80 and 86 km). Above 86 km, where the standard switches to tabulated
diffusive-equilibrium profiles, pressure and density are interpolated
log-linearly and kinetic temperature linearly in the standard's Table I values
(86 km to 1,000 km). Above 1,000 km density and pressure are zero.
"""

from __future__ import annotations

import numpy as np

_R_STAR = 8314.32  # J/(kmol K)
_M0 = 28.9644  # kg/kmol
_G0 = 9.80665  # m/s^2
_R0_M = 6356766.0  # effective Earth radius for geopotential altitude, m
_GAMMA = 1.4

_H_BASE_M = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0, 84852.0])
_LAPSE_K_M = np.array([-0.0065, 0.0, 0.0010, 0.0028, 0.0, -0.0028, -0.0020, 0.0])


def _layer_bases() -> tuple[np.ndarray, np.ndarray]:
    t_base = np.empty(8)
    p_base = np.empty(8)
    t_base[0], p_base[0] = 288.15, 101325.0
    for i in range(7):
        dh = _H_BASE_M[i + 1] - _H_BASE_M[i]
        t_base[i + 1] = t_base[i] + _LAPSE_K_M[i] * dh
        if _LAPSE_K_M[i] == 0.0:
            p_base[i + 1] = p_base[i] * np.exp(-_G0 * _M0 * dh / (_R_STAR * t_base[i]))
        else:
            p_base[i + 1] = p_base[i] * (t_base[i] / t_base[i + 1]) ** (_G0 * _M0 / (_R_STAR * _LAPSE_K_M[i]))
    return t_base, p_base


_T_BASE_K, _P_BASE_PA = _layer_bases()

# USSA-1976 Table 8: molecular-weight ratio M/M0 from 80 to 86 km geometric altitude.
_M_RATIO_ALT_M = 1e3 * np.arange(80.0, 86.01, 0.5)
_M_RATIO = np.array(
    [1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
     0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579]
)

# USSA-1976 Table I, geometric altitude (km) -> kinetic temperature (K), pressure (Pa),
# density (kg/m^3), 86-1000 km.
_UPPER = np.array(
    [
        [86, 186.87, 3.7338e-1, 6.958e-6],
        [90, 186.87, 1.8359e-1, 3.416e-6],
        [95, 188.42, 7.5966e-2, 1.393e-6],
        [100, 195.08, 3.2011e-2, 5.604e-7],
        [110, 240.00, 7.1042e-3, 9.708e-8],
        [120, 360.00, 2.5382e-3, 2.222e-8],
        [130, 469.27, 1.2505e-3, 8.152e-9],
        [140, 559.63, 7.2028e-4, 3.831e-9],
        [150, 634.39, 4.5422e-4, 2.076e-9],
        [160, 696.29, 3.0395e-4, 1.233e-9],
        [180, 790.07, 1.5271e-4, 5.194e-10],
        [200, 854.56, 8.4736e-5, 2.541e-10],
        [250, 941.33, 2.4767e-5, 6.073e-11],
        [300, 976.01, 8.7704e-6, 1.916e-11],
        [400, 995.83, 1.4518e-6, 2.803e-12],
        [500, 999.24, 3.0236e-7, 5.215e-13],
        [600, 999.85, 8.2130e-8, 1.137e-13],
        [700, 999.97, 3.1908e-8, 3.070e-14],
        [800, 999.99, 1.7036e-8, 1.136e-14],
        [900, 1000.0, 1.0873e-8, 5.759e-15],
        [1000, 1000.0, 7.5138e-9, 3.561e-15],
    ]
)
_UPPER_ALT_M = _UPPER[:, 0] * 1e3
_UPPER_T_K = _UPPER[:, 1]
_LOG_UPPER_P = np.log(_UPPER[:, 2])
_LOG_UPPER_RHO = np.log(_UPPER[:, 3])


def ussa1976(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Temperature (K), pressure (Pa), density (kg/m^3) and speed of sound (m/s).

    Parameters
    ----------
    alt_m : array or scalar
        Geometric altitude above mean sea level, metres. Values below 0 are
        evaluated at 0; above 1,000 km density and pressure are 0.

    Notes
    -----
    Above 86 km the speed of sound uses the tabulated kinetic temperature and the
    sea-level molar mass (nominal only: the continuum assumption fails there).
    """
    shape = np.shape(alt_m)
    z = np.clip(np.atleast_1d(np.asarray(alt_m, dtype=np.float64)).ravel(), 0.0, None)
    upper = z > _UPPER_ALT_M[0]
    h = _R0_M * np.minimum(z, _UPPER_ALT_M[0]) / (_R0_M + np.minimum(z, _UPPER_ALT_M[0]))
    layer = np.clip(np.searchsorted(_H_BASE_M, h, side="right") - 1, 0, 6)
    hb = _H_BASE_M[layer]
    lapse = _LAPSE_K_M[layer]
    tb = _T_BASE_K[layer]
    pb = _P_BASE_PA[layer]
    temp = tb + lapse * (h - hb)
    iso = lapse == 0.0
    safe_lapse = np.where(iso, 1.0, lapse)
    p_grad = pb * (tb / temp) ** (_G0 * _M0 / (_R_STAR * safe_lapse))
    p_iso = pb * np.exp(-_G0 * _M0 * (h - hb) / (_R_STAR * tb))
    pressure = np.where(iso, p_iso, p_grad)
    rho = pressure * _M0 / (_R_STAR * temp)
    # temp so far is the molecular-scale temperature T_M; the kinetic temperature is
    # T = T_M (M/M0), with M/M0 < 1 only between 80 and 86 km (USSA-1976 Table 8).
    temp = temp * np.interp(z, _M_RATIO_ALT_M, _M_RATIO)
    if np.any(upper):
        zu = z[upper]
        beyond = zu > _UPPER_ALT_M[-1]
        temp[upper] = np.interp(zu, _UPPER_ALT_M, _UPPER_T_K)
        pressure[upper] = np.where(beyond, 0.0, np.exp(np.interp(zu, _UPPER_ALT_M, _LOG_UPPER_P)))
        rho[upper] = np.where(beyond, 0.0, np.exp(np.interp(zu, _UPPER_ALT_M, _LOG_UPPER_RHO)))
    sound = np.sqrt(_GAMMA * _R_STAR * temp / _M0)
    return temp.reshape(shape), pressure.reshape(shape), rho.reshape(shape), sound.reshape(shape)


def density(alt_m: np.ndarray) -> np.ndarray:
    """USSA-1976 density (kg/m^3) at geometric altitude ``alt_m`` (metres)."""
    return ussa1976(alt_m)[2]


TABLE_STEP_LOW_M = 10.0
"""Spacing of the flight kernels' density table below `TABLE_SPLIT_M`, metres."""
TABLE_SPLIT_M = 150e3
"""Altitude where the flight kernels' table switches to `TABLE_STEP_HIGH_M` spacing."""
TABLE_STEP_HIGH_M = 1000.0
"""Spacing of the flight kernels' density table from `TABLE_SPLIT_M` to `TABLE_TOP_M`, metres."""
TABLE_TOP_M = 1000e3
"""Above this altitude the flight kernels use zero density."""

_TABLES: tuple[np.ndarray, np.ndarray] | None = None


def flight_tables() -> tuple[np.ndarray, np.ndarray]:
    """USSA-1976 density and speed of sound tabulated for the flight kernels.

    Returns
    -------
    low : (15002, 2) float64
        Density (kg/m^3) and speed of sound (m/s) at 0, 10, 20, ... m up to 150,010 m.
    high : (852, 2) float64
        The same at 150, 151, ... km up to 1,001 km.

    The kernels interpolate linearly in both columns (`table_lookup`): only
    arithmetic, so the numba kernel and its NumPy reference agree to the bit.
    Linear interpolation of density over 10 m is within 3e-7 relative of the
    closed form (scale heights of 6-8 km); over 1 km above 150 km within 1e-3.
    """
    global _TABLES
    if _TABLES is None:
        low_h = np.arange(int(TABLE_SPLIT_M / TABLE_STEP_LOW_M) + 2) * TABLE_STEP_LOW_M
        high_h = TABLE_SPLIT_M + np.arange(int((TABLE_TOP_M - TABLE_SPLIT_M) / TABLE_STEP_HIGH_M) + 2) * TABLE_STEP_HIGH_M
        tables = []
        for h in (low_h, high_h):
            _, _, rho, sound = ussa1976(h)
            tables.append(np.ascontiguousarray(np.stack([rho, sound], axis=1)))
        _TABLES = (tables[0], tables[1])
    return _TABLES


def table_lookup(alt_m: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Density (kg/m^3) and speed of sound (m/s) from `flight_tables` at altitudes (N,) m.

    NumPy reference of the flight kernels' lookup (same arithmetic, same order).
    Altitudes below 0 use 0; above `TABLE_TOP_M` density is 0.
    """
    h = np.maximum(np.asarray(alt_m, dtype=np.float64), 0.0)
    rho = np.zeros(h.shape)
    sound = np.full(h.shape, high[-1, 1])
    lo = h < TABLE_SPLIT_M
    mid = (~lo) & (h < TABLE_TOP_M)
    s = h[lo] / TABLE_STEP_LOW_M
    k = np.floor(s).astype(np.int64)
    w = s - k
    rho[lo] = low[k, 0] + w * (low[k + 1, 0] - low[k, 0])
    sound[lo] = low[k, 1] + w * (low[k + 1, 1] - low[k, 1])
    s = (h[mid] - TABLE_SPLIT_M) / TABLE_STEP_HIGH_M
    k = np.floor(s).astype(np.int64)
    w = s - k
    rho[mid] = high[k, 0] + w * (high[k + 1, 0] - high[k, 0])
    sound[mid] = high[k, 1] + w * (high[k + 1, 1] - high[k, 1])
    return rho, sound
