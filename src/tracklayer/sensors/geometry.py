"""Sensing geometry: who can see what, vectorised over time x sensors x targets.

Infrared access (space sensor -> target), all of:
* slant range <= max range;
* the target lies inside the sensor's field of regard, a cone of half-angle
  FOR/2 about geocentric nadir;
* the line of sight clears the Earth: the segment target -> sensor does not pass
  strictly inside the WGS 84 ellipsoid inflated by the grazing altitude g
  (A = a + g, B = b + g). Scaling z by A/B turns that ellipsoid into a sphere of
  radius A; the segment's closest approach to the centre, at parameter
  u* = -T'.d'/|d'|^2, blocks the view iff 0 < u* < 1 and |T' + u* d'| < A.
  A target below g is therefore visible iff the sensor is above its horizon.

Also here: the background of a line of sight (`look_down_numpy`: against the Earth or
against the limb), sun blinding (`sun_blinded_numpy`) and the Earth's angular radius.
Access to many fixed points (coverage grids) is in `tracklayer.sensors.static_access`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tracklayer.earth.constants import R_EARTH_MEAN_M, WGS84_A_M, WGS84_B_M
from tracklayer.kernels import engine


def inflated_ellipsoid(grazing_m: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Sphere radius A = a + g and z scale factor A/B of the grazing-inflated ellipsoid."""
    a = WGS84_A_M + np.asarray(grazing_m, dtype=np.float64)
    b = WGS84_B_M + np.asarray(grazing_m, dtype=np.float64)
    return a, a / b


def infrared_access_numpy(
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    cos_half_angle: np.ndarray,
    max_range_m: np.ndarray,
    inflated_a_m: np.ndarray,
    z_scale: np.ndarray,
    out: np.ndarray,
) -> None:
    """Reference implementation: fill ``out`` (T, S, N) with infrared access.

    Parameters
    ----------
    r_sat : (T, S, 3) sensor positions, m (any common frame)
    r_tgt : (T, N, 3) target positions, m (NaN rows: target absent)
    cos_half_angle, max_range_m, inflated_a_m, z_scale : (S,) per-sensor parameters
    out : (T, S, N) bool, filled in place
    """
    s = r_sat[:, :, None, :]
    t = r_tgt[:, None, :, :]
    d = t - s
    rng = np.linalg.norm(d, axis=-1)
    srn = np.linalg.norm(r_sat, axis=-1)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_off = -np.sum(d * s, axis=-1) / (rng * srn)
        k = z_scale[None, :, None]
        p = np.broadcast_to(t, d.shape).copy()
        p[..., 2] *= k
        q = -d
        q[..., 2] *= k
        u = -np.sum(p * q, axis=-1) / np.sum(q * q, axis=-1)
        c = p + u[..., None] * q
        blocked = (u > 0.0) & (u < 1.0) & (np.sum(c * c, axis=-1) < inflated_a_m[None, :, None] ** 2)
        ok = (rng <= max_range_m[None, :, None]) & (rng > 0) & (cos_off >= cos_half_angle[None, :, None]) & ~blocked
    out[...] = ok & ~np.isnan(rng)


def infrared_access(
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    half_angle_rad: np.ndarray,
    max_range_m: np.ndarray,
    grazing_m: np.ndarray,
    chunk: int = 512,
) -> np.ndarray:
    """Infrared access (T, S, N) bool, with the active engine, in time chunks."""
    n_t, n_s, _ = r_sat.shape
    out = np.zeros((n_t, n_s, r_tgt.shape[1]), dtype=np.bool_)
    a, k = inflated_ellipsoid(grazing_m)
    cos_half = np.cos(np.asarray(half_angle_rad, dtype=np.float64))
    rmax = np.asarray(max_range_m, dtype=np.float64)
    if engine() == "numba":
        from tracklayer.kernels.access import infrared_access_kernel

        infrared_access_kernel(
            np.ascontiguousarray(r_sat), np.ascontiguousarray(r_tgt), cos_half, rmax, a, k, out
        )
        return out
    for start in range(0, n_t, chunk):
        sl = slice(start, start + chunk)
        infrared_access_numpy(r_sat[sl], r_tgt[sl], cos_half, rmax, a, k, out[sl])
    return out


def look_down_numpy(r_sat: np.ndarray, r_tgt: np.ndarray) -> np.ndarray:
    """Whether each line of sight sees its target against the Earth (look-down geometry).

    The ray from the sensor through the target, continued beyond the target, meets
    the WGS 84 ellipsoid (after scaling z by a/b, a sphere of radius a): closest
    approach of the ray to the centre at u* = -S'.D'/|D'|^2 > 1 (beyond the target)
    and |S' + u* D'| <= a. Otherwise the target is seen against the limb and space.

    Parameters
    ----------
    r_sat, r_tgt : (..., 3) sensor and target positions, m, one common frame

    Returns
    -------
    (...) bool
    """
    a, k = inflated_ellipsoid(0.0)
    s = np.array(r_sat, dtype=np.float64, copy=True)
    d = np.asarray(r_tgt, dtype=np.float64) - s
    s[..., 2] *= k
    d[..., 2] *= k
    with np.errstate(invalid="ignore", divide="ignore"):
        u = -np.sum(s * d, axis=-1) / np.sum(d * d, axis=-1)
        c = s + u[..., None] * d
        return (u > 1.0) & (np.sum(c * c, axis=-1) <= a * a)


def sun_blinded_numpy(r_sat: np.ndarray, los_unit: np.ndarray, sun_unit: np.ndarray, exclusion_rad: np.ndarray) -> np.ndarray:
    """Whether each line of sight points within the sun-exclusion angle of a visible Sun.

    The Sun counts as visible unless the Earth (a sphere of mean radius) hides it
    from the sensor: r.s < 0 and |r - (r.s) s| < R.

    Parameters
    ----------
    r_sat : (..., 3) sensor positions, m
    los_unit : (..., 3) unit lines of sight
    sun_unit : (..., 3) unit vectors towards the Sun
    exclusion_rad : (...) sun-exclusion half-angle
    """
    along = np.sum(r_sat * sun_unit, axis=-1)
    perp2 = np.sum(r_sat * r_sat, axis=-1) - along**2
    hidden = (along < 0.0) & (perp2 < R_EARTH_MEAN_M**2)
    return (np.sum(los_unit * sun_unit, axis=-1) > np.cos(exclusion_rad)) & ~hidden


def earth_angular_radius_rad(r_sat_m: np.ndarray) -> np.ndarray:
    """Half-angle of the Earth's disk (mean-radius sphere) seen from radius |r| (..., 3)."""
    return np.arcsin(np.minimum(R_EARTH_MEAN_M / np.linalg.norm(r_sat_m, axis=-1), 1.0))
