"""Direction of the Sun: the Astronomical Almanac's low-precision solar coordinates.

The Astronomical Almanac (section C, "Low precision formulas for the Sun"; also
Vallado 2013, Algorithm 29) gives, with n the days since J2000.0:

    L = 280.460 deg + 0.9856474 deg n          mean longitude (aberration included)
    g = 357.528 deg + 0.9856003 deg n          mean anomaly
    lambda = L + 1.915 deg sin g + 0.020 deg sin 2g   ecliptic longitude (latitude 0)
    eps = 23.439 deg - 0.0000004 deg n         obliquity of the ecliptic
    R = 1.00014 - 0.01671 cos g - 0.00014 cos 2g      distance, AU

and the position in the mean equator and equinox of date as
R (cos lambda, cos eps sin lambda, sin eps sin lambda). The almanac quotes 0.01 deg
accuracy for 1950-2050; tested against Skyfield with JPL DE ephemerides at three
epochs from 1969 to 2053 (0.004 deg worst, tests/earth/test_sun.py). tracklayer's ECI
is TEME of date (true equator, mean equinox), which differs from the mean equator of
date by nutation in obliquity, below 0.003 deg: neglected.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.earth.time import TimeGrid

AU_M = 149_597_870_700.0
"""Astronomical unit, metres (IAU 2012 Resolution B2)."""
_J2000_JD = 2451545.0


def sun_position_eci_m(jd_whole: np.ndarray, jd_fraction: np.ndarray) -> np.ndarray:
    """Geocentric position of the Sun, (T, 3) m, ECI of date.

    Parameters
    ----------
    jd_whole, jd_fraction : (T,) Julian date (UTC; the 69 s TT - UTC offset moves the
        Sun by 0.0008 deg, below the formula's accuracy) split in two for precision
    """
    n = (np.asarray(jd_whole, dtype=np.float64) - _J2000_JD) + np.asarray(jd_fraction, dtype=np.float64)
    mean_lon = (280.460 + 0.9856474 * n) * DEG
    g = (357.528 + 0.9856003 * n) * DEG
    lam = mean_lon + (1.915 * np.sin(g) + 0.020 * np.sin(2.0 * g)) * DEG
    eps = (23.439 - 0.0000004 * n) * DEG
    dist = (1.00014 - 0.01671 * np.cos(g) - 0.00014 * np.cos(2.0 * g)) * AU_M
    out = np.empty(n.shape + (3,))
    out[..., 0] = dist * np.cos(lam)
    out[..., 1] = dist * np.cos(eps) * np.sin(lam)
    out[..., 2] = dist * np.sin(eps) * np.sin(lam)
    return out


def sun_direction_eci(grid: TimeGrid, t_s: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors (T, 3) from the Earth's centre to the Sun, ECI, at ``t_s`` (default: the grid).

    From a satellite the direction differs by at most the parallax of its orbit
    radius, 7,400 km / 1 AU = 0.003 deg.
    """
    whole, frac = grid.jd_utc(t_s)
    r = sun_position_eci_m(whole, frac)
    return r / np.linalg.norm(r, axis=-1, keepdims=True)
