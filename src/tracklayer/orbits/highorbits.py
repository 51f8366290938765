"""Geostationary and Molniya (HEO) orbits as mean elements for `propagate_j2_mean`.

* Geostationary: circular, equatorial, at the radius whose mean longitude rate under
  J2 equals the Earth's rotation rate (about 2 km above the two-body 42,164 km), so
  the sub-satellite longitude stays put (no drift over days; the real satellites'
  station keeping is not modelled). With i = 0 the RAAN and argument of perigee
  are 0 by convention and the mean anomaly carries the right ascension:
  M = longitude + GMST(element epoch).
* Molniya: critically inclined (63.4 deg, where J2 leaves the argument of perigee
  still) with perigee argument 270 deg, so apogee dwells high over the northern
  hemisphere; the default semi-major axis gives two revolutions per sidereal day
  (Vallado 2013 Sec. 2.2; Molniya a = 26,562 km, e ~ 0.72-0.74).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, TWO_PI, WGS84_A_M

SIDEREAL_DAY_S = TWO_PI / OMEGA_EARTH_RAD_S
"""Sidereal day from the WGS 84 rotation rate, s (86,164.1 s)."""


def semi_major_axis_for_period_m(period_s: float) -> float:
    """Two-body semi-major axis of an orbit of the given period, m."""
    return float((MU_EARTH_M3_S2 * (period_s / TWO_PI) ** 2) ** (1.0 / 3.0))


def geostationary_radius_m(iterations: int = 20) -> float:
    """Radius of the circular equatorial orbit whose J2 mean longitude rate (n + 2k
    for i = 0, e = 0; `tracklayer.orbits.propagators.j2_secular_rates`) is the Earth's
    rotation rate. Fixed-point iteration from the two-body value; converges in a few
    steps since 2k/n ~ 4e-5."""
    a = semi_major_axis_for_period_m(SIDEREAL_DAY_S)
    for _ in range(iterations):
        k = 1.5 * np.sqrt(MU_EARTH_M3_S2 / a**3) * J2_EARTH * (WGS84_A_M / a) ** 2
        a = (MU_EARTH_M3_S2 / (OMEGA_EARTH_RAD_S - 2.0 * k) ** 2) ** (1.0 / 3.0)
    return float(a)


def geostationary_elements(longitude_rad: np.ndarray, gmst_epoch_rad: float) -> dict[str, np.ndarray]:
    """Mean elements of geostationary satellites over sub-satellite longitudes (S,) (east
    positive) at the element epoch, whose GMST is ``gmst_epoch_rad``."""
    lon = np.asarray(longitude_rad, dtype=np.float64)
    zeros = np.zeros_like(lon)
    return {
        "a_m": np.full_like(lon, geostationary_radius_m()),
        "ecc": zeros,
        "inc_rad": zeros.copy(),
        "raan_rad": zeros.copy(),
        "argp_rad": zeros.copy(),
        "mean_anomaly_rad": np.mod(lon + gmst_epoch_rad, TWO_PI),
    }


def molniya_elements(
    a_m: float, ecc: float, inc_rad: float, argp_rad: float, raan_rad: np.ndarray, mean_anomaly_rad: np.ndarray
) -> dict[str, np.ndarray]:
    """Mean elements of HEO satellites sharing a, e, i and argument of perigee, one per
    (RAAN, mean anomaly) pair (S,)."""
    raan = np.mod(np.asarray(raan_rad, dtype=np.float64), TWO_PI)
    return {
        "a_m": np.full_like(raan, a_m),
        "ecc": np.full_like(raan, ecc),
        "inc_rad": np.full_like(raan, inc_rad),
        "raan_rad": raan,
        "argp_rad": np.full_like(raan, argp_rad),
        "mean_anomaly_rad": np.mod(np.asarray(mean_anomaly_rad, dtype=np.float64), TWO_PI),
    }
