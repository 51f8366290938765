"""U.S. Standard Atmosphere 1976 (NASA-TM-X-74335 / NOAA-S/T 76-1562).

Below 86 km geometric altitude the standard's seven geopotential layers are
evaluated in closed form (temperature from the lapse rates, pressure from the
hydrostatic equation, density from the ideal-gas law with molecular weight
M0 = 28.9644 kg/kmol). Above 86 km, where the standard switches to tabulated
diffusive-equilibrium profiles, density is interpolated log-linearly in the
standard's Table I values (86 km to 1,000 km); temperature is held at the 86 km
value for the speed of sound, a documented simplification that only affects
Mach numbers above 86 km. Above 1,000 km density is zero.
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

# USSA-1976 Table I, geometric altitude (km) -> density (kg/m^3), 86-1000 km.
_UPPER_ALT_M = 1e3 * np.array(
    [86, 90, 95, 100, 110, 120, 130, 140, 150, 160, 180, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000],
    dtype=np.float64,
)
_UPPER_RHO = np.array(
    [6.958e-6, 3.416e-6, 1.393e-6, 5.604e-7, 9.708e-8, 2.222e-8, 8.152e-9, 3.831e-9, 2.076e-9,
     1.233e-9, 5.194e-10, 2.541e-10, 6.073e-11, 1.916e-11, 2.803e-12, 5.215e-13, 1.137e-13,
     3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15]
)
_LOG_UPPER_RHO = np.log(_UPPER_RHO)


def ussa1976(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Temperature (K), pressure (Pa), density (kg/m^3) and speed of sound (m/s).

    Parameters
    ----------
    alt_m : array
        Geometric altitude above mean sea level, metres. Values below 0 are
        evaluated at 0; above 1,000 km density and pressure are 0.
    """
    z = np.clip(np.asarray(alt_m, dtype=np.float64), 0.0, None)
    h = _R0_M * z / (_R0_M + z)  # geopotential altitude
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

    upper = z > _UPPER_ALT_M[0]
    if np.any(upper):
        zu = z[upper]
        rho_u = np.exp(np.interp(zu, _UPPER_ALT_M, _LOG_UPPER_RHO))
        rho_u[zu > _UPPER_ALT_M[-1]] = 0.0
        temp = np.where(upper, _T_BASE_K[7], temp)
        pressure[upper] = rho_u * _R_STAR * _T_BASE_K[7] / _M0
        rho[upper] = rho_u
    sound = np.sqrt(_GAMMA * _R_STAR * temp / _M0)
    return temp, pressure, rho, sound


def density(alt_m: np.ndarray) -> np.ndarray:
    """USSA-1976 density (kg/m^3) at geometric altitude ``alt_m`` (metres)."""
    return ussa1976(alt_m)[2]
