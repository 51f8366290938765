"""Reference frames: WGS 84 geodetic, Earth-fixed (ECEF) and Earth-centred inertial (ECI).

Conventions
-----------
* ECI is the true-equator, mean-equinox frame of date (TEME), the frame SGP4
  works in. ECEF is obtained from it by a rotation of GMST82 about the z axis
  (the pseudo-Earth-fixed frame). Polar motion (< 20 m) and the difference between
  UT1 and UTC (see `tracklayer.earth.time`) are neglected; over a scenario of hours,
  TEME is inertial to well below a metre.
* Vectors are batch-first ``(..., 3)``; angles in radians; distances in metres.
* Rotation angles ``theta_rad`` broadcast against ``r.shape[:-1]``: for a time series
  ``(T, N, 3)`` pass ``theta[:, None]``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S, WGS84_A_M, WGS84_B_M, WGS84_E2
from tracklayer.earth.time import epoch_jd


def geodetic_to_ecef(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
    """WGS 84 geodetic latitude, longitude (rad) and height (m) to ECEF position (..., 3) m."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    alt = np.asarray(alt_m, dtype=np.float64)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    out = np.empty(np.broadcast(lat, lon, alt).shape + (3,))
    out[..., 0] = (n + alt) * cos_lat * np.cos(lon)
    out[..., 1] = (n + alt) * cos_lat * np.sin(lon)
    out[..., 2] = (n * (1.0 - WGS84_E2) + alt) * sin_lat
    return out


def ecef_to_geodetic(r_ecef_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF position (..., 3) m to WGS 84 latitude, longitude (rad) and height (m).

    Bowring's method with three fixed-point refinements: better than a millimetre
    from the surface to geostationary altitude (tested against pymap3d).
    """
    r = np.asarray(r_ecef_m, dtype=np.float64)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    ep2 = (WGS84_A_M**2 - WGS84_B_M**2) / WGS84_B_M**2
    beta = np.arctan2(WGS84_A_M * z, WGS84_B_M * p)
    for _ in range(3):
        lat = np.arctan2(
            z + ep2 * WGS84_B_M * np.sin(beta) ** 3,
            p - WGS84_E2 * WGS84_A_M * np.cos(beta) ** 3,
        )
        beta = np.arctan2(WGS84_B_M * np.sin(lat), WGS84_A_M * np.cos(lat))
    sin_lat = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    # Height formula valid at all latitudes (no division by cos(lat)).
    alt = p * np.cos(lat) + z * sin_lat - WGS84_A_M**2 / n
    return lat, lon, alt


def _rotate_z(v: np.ndarray, theta_rad: np.ndarray) -> np.ndarray:
    """Coordinates of ``v`` in a frame rotated by ``theta`` about z (passive rotation)."""
    c = np.cos(theta_rad)
    s = np.sin(theta_rad)
    out = np.empty(np.broadcast_shapes(v.shape, np.shape(c) + (3,)))
    out[..., 0] = c * v[..., 0] + s * v[..., 1]
    out[..., 1] = -s * v[..., 0] + c * v[..., 1]
    out[..., 2] = v[..., 2]
    return out


def eci_to_ecef(r_eci_m: np.ndarray, theta_rad: np.ndarray) -> np.ndarray:
    """Rotate ECI (TEME) positions (..., 3) to ECEF for Earth rotation angle ``theta_rad``."""
    return _rotate_z(np.asarray(r_eci_m, dtype=np.float64), theta_rad)


def ecef_to_eci(r_ecef_m: np.ndarray, theta_rad: np.ndarray) -> np.ndarray:
    """Rotate ECEF positions (..., 3) to ECI (TEME) for Earth rotation angle ``theta_rad``."""
    return _rotate_z(np.asarray(r_ecef_m, dtype=np.float64), -np.asarray(theta_rad))


def eci_to_ecef_state(
    r_eci_m: np.ndarray, v_eci_m_s: np.ndarray, theta_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ECI position/velocity to ECEF, including the transport term -omega x r."""
    r_ecef = eci_to_ecef(r_eci_m, theta_rad)
    v_rot = eci_to_ecef(v_eci_m_s, theta_rad)
    v_ecef = v_rot - np.cross(_OMEGA_VEC, r_ecef)
    return r_ecef, v_ecef


def ecef_to_eci_state(
    r_ecef_m: np.ndarray, v_ecef_m_s: np.ndarray, theta_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ECEF position/velocity to ECI, including the transport term +omega x r."""
    v_inertial_ecef = np.asarray(v_ecef_m_s, dtype=np.float64) + np.cross(_OMEGA_VEC, r_ecef_m)
    return ecef_to_eci(r_ecef_m, theta_rad), ecef_to_eci(v_inertial_ecef, theta_rad)


_OMEGA_VEC = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])


def enu_basis(lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
    """Rows east, north, up of the local geodetic frame, shape (..., 3, 3), in ECEF."""
    lat = np.asarray(lat_rad, dtype=np.float64)
    lon = np.asarray(lon_rad, dtype=np.float64)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    basis = np.empty(np.broadcast(lat, lon).shape + (3, 3))
    basis[..., 0, :] = np.stack(np.broadcast_arrays(-so, co, np.zeros_like(so)), axis=-1)
    basis[..., 1, :] = np.stack(np.broadcast_arrays(-sl * co, -sl * so, cl), axis=-1)
    basis[..., 2, :] = np.stack(np.broadcast_arrays(cl * co, cl * so, sl), axis=-1)
    return basis


def enu_to_aer(enu_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local east/north/up offsets (..., 3) to azimuth (rad, from north, clockwise,
    in [0, 2 pi)), elevation (rad) and slant range (m)."""
    e, n, u = enu_m[..., 0], enu_m[..., 1], enu_m[..., 2]
    horizontal = np.hypot(e, n)
    az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
    el = np.arctan2(u, horizontal)
    rng = np.sqrt(horizontal**2 + u**2)
    return az, el, rng


def aer_to_enu(az_rad: np.ndarray, el_rad: np.ndarray, range_m: np.ndarray) -> np.ndarray:
    """Azimuth, elevation (rad) and slant range (m) to local east/north/up (..., 3) m."""
    az, el, rng = np.broadcast_arrays(
        np.asarray(az_rad, dtype=np.float64), np.asarray(el_rad, dtype=np.float64), np.asarray(range_m, dtype=np.float64)
    )
    out = np.empty(az.shape + (3,))
    ce = np.cos(el)
    out[..., 0] = rng * ce * np.sin(az)
    out[..., 1] = rng * ce * np.cos(az)
    out[..., 2] = rng * np.sin(el)
    return out


def great_circle(lat1: np.ndarray | float, lon1: np.ndarray | float, lat2: np.ndarray | float, lon2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Central angle (rad) and initial azimuth (rad from north) from point 1 to point 2
    on a sphere (haversine form; geodetic latitudes used as spherical).

    >>> angle, az = great_circle(0.0, 0.0, 0.0, np.pi / 2)  # a quarter of the equator, heading east
    >>> round(float(angle), 6), round(float(az), 6)
    (1.570796, 1.570796)
    """
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    a = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    angle = 2.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    az = np.arctan2(
        np.sin(dlon) * np.cos(lat2),
        np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon),
    )
    return angle, np.mod(az, 2.0 * np.pi)


def teme_to_gcrs_matrix(epoch: dt.datetime, t_s: np.ndarray, dut1_s: float = 0.0) -> np.ndarray:
    """Rotations (T, 3, 3) taking TEME of date to GCRS: ``r_gcrs = M @ r_teme``.

    TEME's x axis is the mean equinox of date measured along the true equator, so
    TEME -> true equator and equinox of date is a rotation about z by GAST - GMST82 (the
    equation of the equinoxes and the small difference of the GMST models; AIAA
    2006-6753 appendix C), and true of date -> GCRS is the transpose of the IAU 2006/2000A
    bias-precession-nutation matrix. Both come from ERFA (the IAU SOFA library). Velocities
    rotate with the same matrix: its rate of change (~1e-11 rad/s) moves a LEO velocity
    by under 0.1 mm/s.

    Parameters
    ----------
    epoch : timezone-aware UTC datetime that ``t_s`` counts from
    t_s : (T,) seconds since ``epoch``
    dut1_s : UT1 - UTC, s (for the sidereal times; its effect here is below a micrometre)

    TT comes from UTC with ERFA's leap-second table; for dates past the table's end ERFA
    warns of a "dubious year" and keeps the last offset, which can err by a second of TT:
    a rotation error below 1e-10 rad, so the warning is silenced.
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    if t.size == 0:
        return np.zeros((0, 3, 3))
    # Exact at hourly knots, linear in between: the fastest nutation terms (13.7 d, 0.2")
    # leave under 1e-10 rad between knots, and ERFA's full series costs ~0.5 ms a time.
    lo = np.floor(t.min() / _KNOT_S) * _KNOT_S
    knots = lo + _KNOT_S * np.arange(int(np.ceil((t.max() - lo) / _KNOT_S)) + 2)
    at_knots = _teme_to_gcrs_exact(epoch, knots, dut1_s).reshape(-1, 9)
    out = np.stack([np.interp(t, knots, at_knots[:, k]) for k in range(9)], axis=-1)
    return out.reshape(t.shape + (3, 3))


_KNOT_S = 3600.0


def _teme_to_gcrs_exact(epoch: dt.datetime, t: np.ndarray, dut1_s: float) -> np.ndarray:
    """`teme_to_gcrs_matrix` evaluated by ERFA at every time in ``t`` (T,)."""
    import warnings

    import erfa

    whole0, frac0 = epoch_jd(epoch)
    frac = frac0 + t / 86400.0
    whole = whole0 + np.floor(frac)
    frac = frac - np.floor(frac)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", erfa.ErfaWarning)
        tai1, tai2 = erfa.utctai(whole, frac)
        tt1, tt2 = erfa.taitt(tai1, tai2)
    ut2 = frac + dut1_s / 86400.0
    npb = erfa.pnm06a(tt1, tt2)  # GCRS -> true equator and equinox of date
    ee = erfa.gst06a(whole, ut2, tt1, tt2) - erfa.gmst82(whole, ut2)
    c, s = np.cos(ee), np.sin(ee)
    teme_to_tod = np.zeros((t.size, 3, 3))
    teme_to_tod[:, 0, 0] = teme_to_tod[:, 1, 1] = c
    teme_to_tod[:, 0, 1], teme_to_tod[:, 1, 0] = -s, s
    teme_to_tod[:, 2, 2] = 1.0
    return np.matmul(np.swapaxes(npb, -1, -2), teme_to_tod)
