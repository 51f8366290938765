"""The astrodynamics access anchor's scenario and reference pipeline, ported verbatim in
behaviour so benchmarks can run it beside tracklayer in the same process.

Scenario (the project's shared astro anchor, ``shared/bench/astro/common.py``):
1,000 Walker-delta satellites (40 planes x 25, F = 1, i = 85 deg, h = 1,000 km with
WGS 72 constants, e = 1e-4, B* = 1e-5) built with ``sgp4init`` and written as TLE text;
200 fixed targets uniform in 15-45 N, 120-150 E, 0-60 km (seed 20250601); 360 steps of
60 s from 2025-06-01T00:00:00 UTC. A pair is visible when the slant range is < 5,000 km
and the segment target -> satellite does not pass strictly inside the WGS 84 ellipsoid
inflated by 20 km (z scaled by A/B so it becomes a sphere of radius A).

Reference pipeline: python-sgp4 ``SatrecArray`` (TEME) -> GMST-82 rotation (UT1 = UTC)
-> a NumPy broadcast kernel, one (satellites x targets) block per time step. Units: km.
`benchmarks/bench_access.py --astro-dir DIR` checks this port against the original.
"""

from __future__ import annotations

import math

import numpy as np

WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
GRAZE_KM = 20.0
RANGE_MAX_KM = 5000.0
MU_WGS72 = 398600.8
RE_WGS72 = 6378.135
EPOCH_UTC = (2025, 6, 1, 0, 0, 0.0)


def jday(year, mon, day, hr, minute, sec):
    """Julian date split (whole, fraction), as ``sgp4.api.jday``."""
    jd = 367.0 * year - 7 * (year + ((mon + 9) // 12.0)) * 0.25 // 1.0 + 275 * mon / 9.0 // 1.0 + day + 1721013.5
    return jd, (sec + minute * 60.0 + hr * 3600.0) / 86400.0


def time_grid(n_steps: int, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    jd0, fr0 = jday(*EPOCH_UTC)
    fr = fr0 + np.arange(n_steps, dtype=np.float64) * step_s / 86400.0
    whole = np.floor(fr)
    return jd0 + whole, fr - whole


def make_tles(n: int, planes: int = 40, phasing: int = 1) -> list[tuple[str, str]]:
    """Walker-delta TLEs via sgp4init + export_tle (deterministic)."""
    from sgp4.api import WGS72, Satrec
    from sgp4.exporter import export_tle

    per = n // planes
    raan = np.repeat(np.arange(planes) * 2 * np.pi / planes, per)
    j = np.tile(np.arange(per), planes)
    plane = np.repeat(np.arange(planes), per)
    mo = (2 * np.pi * j / per + 2 * np.pi * phasing * plane / n) % (2 * np.pi)
    jd, fr = jday(*EPOCH_UTC)
    n_rad_min = math.sqrt(MU_WGS72 / (RE_WGS72 + 1000.0) ** 3) * 60.0
    out = []
    for k in range(n):
        sat = Satrec()
        sat.sgp4init(WGS72, "i", 10000 + k, jd + fr - 2433281.5, 1.0e-5, 0.0, 0.0, 1.0e-4, 0.0, math.radians(85.0),
                     float(mo[k]), n_rad_min, float(raan[k]))
        sat.classification = "U"
        sat.intldesg = "25001A"
        out.append(export_tle(sat))
    return out


def make_targets(n: int = 200, seed: int = 20250601) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitude, longitude (deg) and height (km) of the fixed targets."""
    rng = np.random.default_rng(seed)
    return rng.uniform(15.0, 45.0, n), rng.uniform(120.0, 150.0, n), rng.uniform(0.0, 60.0, n)


def geodetic_to_ecef_km(lat_deg, lon_deg, h_km) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    s = np.sin(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * s * s)
    return np.stack([(n + h_km) * np.cos(lat) * np.cos(lon), (n + h_km) * np.cos(lat) * np.sin(lon), (n * (1.0 - WGS84_E2) + h_km) * s], -1)


def teme_to_ecef(r_teme: np.ndarray, jd: np.ndarray, fr: np.ndarray) -> np.ndarray:
    """(N, T, 3) TEME -> pseudo-Earth-fixed with GMST-82 (UT1 = UTC)."""
    tut1 = (jd - 2451545.0 + fr) / 36525.0
    temp = -6.2e-6 * tut1**3 + 0.093104 * tut1**2 + (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841
    theta = np.radians(temp / 240.0) % (2 * np.pi)
    c, s = np.cos(theta), np.sin(theta)
    out = np.empty_like(r_teme)
    out[..., 0] = c * r_teme[..., 0] + s * r_teme[..., 1]
    out[..., 1] = -s * r_teme[..., 0] + c * r_teme[..., 1]
    out[..., 2] = r_teme[..., 2]
    return out


def visible_pairs_numpy(sat_ecef_t: np.ndarray, tgt_ecef: np.ndarray) -> np.ndarray:
    """(Ns, Nt) visibility at one step (km)."""
    a = WGS84_A_KM + GRAZE_KM
    k = a / (WGS84_B_KM + GRAZE_KM)
    d = sat_ecef_t[:, None, :] - tgt_ecef[None, :, :]
    r2 = np.einsum("ijk,ijk->ij", d, d)
    tx, ty, tz = tgt_ecef[:, 0], tgt_ecef[:, 1], tgt_ecef[:, 2] * k
    dz = d[..., 2] * k
    tdot = d[..., 0] * tx + d[..., 1] * ty + dz * tz
    dd = d[..., 0] ** 2 + d[..., 1] ** 2 + dz**2
    t2 = tx * tx + ty * ty + tz * tz
    blocked = (tdot < 0.0) & (-tdot < dd) & (t2 * dd - tdot * tdot < a * a * dd)
    return (r2 < RANGE_MAX_KM**2) & ~blocked


def kernel_all(r_ecef: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """(N, T, M) visibility, one broadcast block per step."""
    n, t, _ = r_ecef.shape
    out = np.empty((n, t, tgt.shape[0]), dtype=bool)
    for k in range(t):
        out[:, k, :] = visible_pairs_numpy(np.ascontiguousarray(r_ecef[:, k, :]), tgt)
    return out


def margins_km(r_ecef: np.ndarray, tgt: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Smallest |margin| (km) to a threshold for (sat, step, target) triples: range margin
    5,000 - R; the closest approach to the inflated sphere minus its radius (scaled
    space) when that point is interior to the segment; and T'.d'/|d'| (~ R sin(elevation)),
    which decides whether it is interior (the horizon of a target below the margin)."""
    a = WGS84_A_KM + GRAZE_KM
    k = a / (WGS84_B_KM + GRAZE_KM)
    out = []
    for i, s, j in idx:
        d = r_ecef[i, s] - tgt[j]
        rng_margin = RANGE_MAX_KM - np.linalg.norm(d)
        ds, ts = d * [1, 1, k], tgt[j] * [1, 1, k]
        u = -np.dot(ts, ds) / np.dot(ds, ds)
        block = np.linalg.norm(ts + u * ds) - a if 0 < u < 1 else np.inf
        horizon = np.dot(ts, ds) / np.linalg.norm(ds)
        out.append(min(abs(rng_margin), abs(block), abs(horizon)))
    return np.array(out)
