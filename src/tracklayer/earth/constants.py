"""Physical constants of the Earth model (SI units).

Sources: WGS 84 (NIMA TR8350.2, 3rd ed., 2000) for the ellipsoid, GM and the
rotation rate; EGM96/EGM2008 unnormalised J2 (Vallado, *Fundamentals of
Astrodynamics and Applications*, 4th ed., Table D-1).
"""

import math

WGS84_A_M = 6378137.0
"""WGS 84 semi-major axis (equatorial radius), metres."""
WGS84_F = 1.0 / 298.257223563
"""WGS 84 flattening."""
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
"""WGS 84 semi-minor axis (polar radius), metres."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS 84 first eccentricity squared."""
MU_EARTH_M3_S2 = 3.986004418e14
"""Earth gravitational parameter GM, m^3/s^2 (WGS 84)."""
J2_EARTH = 1.08262668e-3
"""Unnormalised second zonal harmonic (EGM96)."""
OMEGA_EARTH_RAD_S = 7.292115e-5
"""Mean angular velocity of the Earth, rad/s (WGS 84)."""
R_EARTH_MEAN_M = 6371008.8
"""Mean Earth radius (IUGG R1), metres."""
G0_M_S2 = 9.80665
"""Standard gravity, m/s^2."""

TWO_PI = 2.0 * math.pi
DEG = math.pi / 180.0
"""One degree in radians."""
