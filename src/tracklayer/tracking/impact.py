"""Impact-point prediction (IPP) from track states, and the reach of a glide vehicle.

Ballistic IPP (docs/impact.md): the track's ECI position and velocity are flown
unpowered and drag-free under central + J2 gravity (the gravity of
`tracklayer.threats.dynamics`, Vallado 2013 Eq. 8-25) with fixed-step RK4 until the
height above the WGS 84 ellipsoid reaches zero; the last step is cut to the crossing
by secant iterations on the step length. Impact latitude and longitude are geodetic,
from the ECEF position at the impact time (Earth rotation through GMST). No drag: a
re-entry vehicle of beta 6,000-8,000 kg/m^2 lands a few km short of this point
(the default scenario's figures are in docs/impact.md).

The error of the predicted point comes from the track covariance by the unscented
transform (Julier & Uhlmann 1997; symmetric set, 2n points at x +/- sqrt(n) columns
of the square root of P, equal weights 1/(2n)), expressed in the local east/north
plane at the predicted point: a 1-sigma ellipse.

Glide reach: the equilibrium-glide range at constant L/D (Eggers, Allen & Neice
1958, NACA Report 1382), R = (L/D)/2 r_E ln(1/(1 - V^2/V_c^2)), evaluated at the
speed with the track's potential energy above the ground added,
V^2 = v^2 + 2 g0 h (v Earth-relative), i.e. the whole energy spent in gliding.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tracklayer.earth.constants import G0_M_S2, J2_EARTH, MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, WGS84_A_M, WGS84_B_M
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, enu_basis
from tracklayer.kernels import engine
from tracklayer.threats.glide import V_CIRCULAR_M_S, glide_range_m

_AB = WGS84_A_M * WGS84_B_M
_A2 = WGS84_A_M**2
_B2 = WGS84_B_M**2

STEP_S = 10.0
"""RK4 step of the impact propagation, s (a few mm of position error per step)."""
MAX_FLIGHT_S = 7200.0
"""States that have not come down after this long have no impact point (NaN)."""


def height_m(r_m: np.ndarray) -> np.ndarray:
    """Height (m) above the WGS 84 ellipsoid along the geocentric radius, (..., 3) -> (...).

    Zero exactly on the ellipsoid; the same in ECI and ECEF (the ellipsoid is
    symmetric about z). Within 1 m of the geodetic height below 150 km."""
    x, y, z = r_m[..., 0], r_m[..., 1], r_m[..., 2]
    r = np.sqrt(x * x + y * y + z * z)
    return r - _AB * r / np.sqrt(_B2 * (x * x + y * y) + _A2 * (z * z))


def gravity_m_s2(r_m: np.ndarray, j2: float = J2_EARTH) -> np.ndarray:
    """Central + J2 gravity (n, 3) at ECI positions (n, 3) m."""
    r2 = np.einsum("ij,ij->i", r_m, r_m)
    r = np.sqrt(r2)
    f = 1.5 * j2 * _A2 / r2
    zz = 5.0 * r_m[:, 2] ** 2 / r2
    kg = (-MU_EARTH_M3_S2 / (r2 * r))[:, None] * r_m
    out = kg * (1.0 + f * (1.0 - zz))[:, None]
    out[:, 2] = kg[:, 2] * (1.0 + f * (3.0 - zz))
    return out


def _rk4(y: np.ndarray, dt: np.ndarray, j2: float) -> np.ndarray:
    """One RK4 step of unpowered flight for states (n, 6) over steps dt (n, 1)."""
    def f(s):
        return np.concatenate([s[:, 3:], gravity_m_s2(s[:, :3], j2)], axis=1)

    k1 = f(y)
    k2 = f(y + 0.5 * dt * k1)
    k3 = f(y + 0.5 * dt * k2)
    k4 = f(y + dt * k3)
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def ballistic_impact(
    r_eci_m: np.ndarray,
    v_eci_m_s: np.ndarray,
    t_s: np.ndarray,
    theta_of: Callable[[np.ndarray], np.ndarray],
    step_s: float = STEP_S,
    max_flight_s: float = MAX_FLIGHT_S,
    j2: float = J2_EARTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where unpowered, drag-free states come down on the WGS 84 ellipsoid.

    Parameters
    ----------
    r_eci_m, v_eci_m_s : (N, 3) ECI states at times ``t_s`` (N,) s since epoch
    theta_of : Earth rotation angle (rad) of times, e.g. `TimeGrid.gmst_rad`
    j2 : zonal harmonic (0 for two-body gravity)

    Returns
    -------
    impact time (N,) s since epoch, impact ECEF position (N, 3) m, geodetic latitude and
    longitude (N,) rad; NaN for states that do not come down within ``max_flight_s``.
    A state already at or below the surface impacts where it is.
    """
    y0 = np.ascontiguousarray(np.concatenate([np.asarray(r_eci_m, dtype=np.float64), np.asarray(v_eci_m_s, dtype=np.float64)], axis=1))
    t_imp = np.empty(y0.shape[0])
    r_imp = np.empty((y0.shape[0], 3))
    if engine() == "numba":
        from tracklayer.kernels.impact import fall_kernel

        fall_kernel(y0, float(step_s), float(max_flight_s), float(j2), t_imp, r_imp)
    else:
        fall_numpy(y0, step_s, max_flight_s, j2, t_imp, r_imp)
    t_imp = t_imp + t_s
    r_ecef = eci_to_ecef(r_imp, theta_of(np.nan_to_num(t_imp)))
    lat, lon, _ = ecef_to_geodetic(r_ecef)
    bad = np.isnan(t_imp)
    r_ecef[bad] = np.nan
    return t_imp, r_ecef, np.where(bad, np.nan, lat), np.where(bad, np.nan, lon)


def fall_numpy(y0: np.ndarray, step_s: float, max_flight_s: float, j2: float, dt_out: np.ndarray, r_out: np.ndarray) -> None:
    """Fill ``dt_out`` (N,) with the flight time (s) of ECI states ``y0`` (N, 6) to the
    ellipsoid and ``r_out`` (N, 3) with the ECI impact position (NaN: not down within
    ``max_flight_s``; a state at or below the surface: 0 and its own position). The
    NumPy reference of `tracklayer.kernels.impact.fall_kernel`."""
    dt_out[:] = np.nan
    r_out[:] = np.nan
    h0 = height_m(y0[:, :3])
    down = h0 <= 0.0
    dt_out[down] = 0.0
    r_out[down] = y0[down, :3]
    rows = np.nonzero(~down & np.all(np.isfinite(y0), axis=1))[0]
    y, h = y0[rows], h0[rows]
    dt = np.full((rows.size, 1), step_s)
    for step in range(int(np.ceil(max_flight_s / step_s))):
        if not rows.size:
            break
        y_new = _rk4(y, dt[: rows.size], j2)
        h_new = height_m(y_new[:, :3])
        hit = h_new <= 0.0
        if hit.any():
            tau = _crossing(y[hit], h[hit], h_new[hit], step_s, j2)
            dt_out[rows[hit]] = step * step_s + tau
            r_out[rows[hit]] = _rk4(y[hit], tau[:, None], j2)[:, :3]
        keep = ~hit
        rows, y, h = rows[keep], y_new[keep], h_new[keep]


def _crossing(y: np.ndarray, h0: np.ndarray, h1: np.ndarray, step_s: float, j2: float, iterations: int = 8) -> np.ndarray:
    """Step length in (0, step] at which the flight from ``y`` reaches zero height
    (Illinois regula falsi on the RK4 step length, bracketed by h0 > 0 >= h1; stops
    within 1 mm of the surface)."""
    a, b = np.zeros_like(h0), np.full_like(h0, step_s)
    fa, fb = h0.copy(), h1.copy()
    for _ in range(iterations):
        c = np.where(fb == 0.0, b, b - fb * (b - a) / (fb - fa))
        fc = height_m(_rk4(y, c[:, None], j2)[:, :3])
        opposite = fc * fb < 0.0
        a, fa = np.where(opposite, b, a), np.where(opposite, fb, 0.5 * fa)
        b, fb = c, fc
        if np.all(np.abs(fb) < 1e-3):
            break
    return b


def sigma_points(x: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Symmetric sigma points (N, 2n + 1, n): the mean, then x +/- sqrt(n) columns of
    the symmetric square root of P (negative eigenvalues clipped to zero)."""
    n = x.shape[1]
    w, V = np.linalg.eigh(0.5 * (P + np.swapaxes(P, 1, 2)))
    root = V * np.sqrt(np.clip(w, 0.0, None) * n)[:, None, :]
    cols = np.swapaxes(root, 1, 2)
    return np.concatenate([x[:, None], x[:, None] + cols, x[:, None] - cols], axis=1)


def impact_ellipse(
    x: np.ndarray, P: np.ndarray, t_s: np.ndarray, theta_of: Callable[[np.ndarray], np.ndarray], **kw
) -> dict[str, np.ndarray]:
    """Predicted impact points of track states and their 1-sigma error ellipses.

    Parameters
    ----------
    x : (N, >= 6) ECI state (position m, velocity m/s first); P : (N, >= 6, >= 6)
    t_s : (N,) s since epoch; theta_of, ``kw``: as `ballistic_impact`

    Returns
    -------
    ``impact_t_s``, ``lat_rad``, ``lon_rad``, ``r_ecef_m`` (N, 3): the impact of the
    state itself; ``cov_en_m2`` (N, 2, 2): unscented covariance of the sigma points'
    impacts in the east/north plane there, about their mean; ``semi_major_m``,
    ``semi_minor_m``, ``orientation_deg`` (of the major axis, from north towards east,
    in [0, 180)). The ellipse is NaN when any sigma point does not come down.
    """
    n_rows = x.shape[0]
    pts = sigma_points(x[:, :6], P[:, :6, :6])
    k = pts.shape[1]
    t_imp, r_ecef, lat, lon = ballistic_impact(pts[..., :3].reshape(-1, 3), pts[..., 3:].reshape(-1, 3), np.repeat(t_s, k), theta_of, **kw)
    r_ecef = r_ecef.reshape(n_rows, k, 3)
    basis = enu_basis(lat[::k], lon[::k])
    d = np.einsum("nij,nkj->nki", basis[:, :2], r_ecef[:, 1:] - r_ecef[:, :1])
    mean = d.mean(axis=1, keepdims=True)
    cov = np.einsum("nki,nkj->nij", d - mean, d - mean) / (k - 1)
    bad = ~np.all(np.isfinite(cov.reshape(n_rows, 4)), axis=1)
    cov[bad] = 0.0
    w, V = np.linalg.eigh(cov)
    major = np.sqrt(np.clip(w[:, 1], 0.0, None))
    minor = np.sqrt(np.clip(w[:, 0], 0.0, None))
    orient = np.mod(np.degrees(np.arctan2(V[:, 0, 1], V[:, 1, 1])), 180.0)
    cov[bad] = np.nan
    nan = np.where(bad, np.nan, 1.0)
    return {
        "impact_t_s": t_imp[::k], "lat_rad": lat[::k], "lon_rad": lon[::k], "r_ecef_m": r_ecef[:, 0],
        "cov_en_m2": cov, "semi_major_m": major * nan, "semi_minor_m": minor * nan, "orientation_deg": orient * nan,
    }


def glide_reach_m(r_eci_m: np.ndarray, v_eci_m_s: np.ndarray, lift_to_drag: np.ndarray) -> np.ndarray:
    """Ground range (m) a glide vehicle could still cover: the equilibrium-glide range
    at constant ``lift_to_drag`` from the energy speed sqrt(v^2 + 2 g0 h) to rest
    (v Earth-relative, h above the ellipsoid; inf at or above circular speed).

    Parameters: ECI states (N, 3) m and m/s, ``lift_to_drag`` broadcast to (N,)."""
    r = np.asarray(r_eci_m, dtype=np.float64)
    v_rel = np.asarray(v_eci_m_s, dtype=np.float64) - np.cross(np.array([0.0, 0.0, OMEGA_EARTH_RAD_S]), r)
    v2 = np.einsum("ij,ij->i", v_rel, v_rel) + 2.0 * G0_M_S2 * np.maximum(height_m(r), 0.0)
    orbital = v2 >= V_CIRCULAR_M_S**2
    reach = glide_range_m(np.sqrt(np.where(orbital, 0.0, v2)), np.zeros(1), lift_to_drag)
    return np.where(orbital, np.inf, reach)
