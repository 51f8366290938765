"""Access from moving sensors to many fixed points (coverage grids, ground sites).

The pair test is that of `tracklayer.sensors.geometry` (range, field of regard,
line of sight clear of the WGS 84 ellipsoid inflated by the grazing altitude). For
many fixed points the numba engine prunes work with exact, conservative culls:
points are binned into clusters (cells of latitude and longitude) and, for each
sensor at each time, a whole cluster is skipped when

* its bounding sphere lies beyond the sensor's maximum range, or
* in the z-scaled space where the inflated ellipsoid is a sphere of radius A, the
  angle between the sensor and the cluster's centre direction exceeds the largest
  Earth-central angle at which any point of the cluster could be seen plus the
  cluster's angular radius. A point at scaled radius r > A is visible only within
  acos(A/|S'|) + acos(A/r) of the sensor, one below the margin (r <= A) only within
  acos(r/|S'|) (the sensor must be above its horizon plane).

Pruning never changes a result: the NumPy reference tests every pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.kernels import engine
from tracklayer.sensors.geometry import inflated_ellipsoid, infrared_access_numpy


@dataclass(frozen=True)
class TargetClusters:
    """Fixed points grouped into clusters for pruning; see the module docstring.

    Attributes
    ----------
    order : (P,) the points' indices, cluster by cluster (targets[order] is sorted)
    starts : (C + 1,) cluster c holds sorted points starts[c]:starts[c+1]
    centre_m, radius_m : (C, 3), (C,) bounding spheres, ECEF
    direction, cos_alpha, sin_alpha : (G, C, 3), (G, C), (G, C) per grazing group: unit
        centre direction and angular radius of each cluster in z-scaled space
    r_lo, r_hi : (G,) smallest and largest scaled radius of all points
    inflated_a_m, z_scale : (G,) the group's sphere radius A and z scale A/B
    """

    order: np.ndarray
    starts: np.ndarray
    centre_m: np.ndarray
    radius_m: np.ndarray
    direction: np.ndarray
    cos_alpha: np.ndarray
    sin_alpha: np.ndarray
    r_lo: np.ndarray
    r_hi: np.ndarray
    inflated_a_m: np.ndarray
    z_scale: np.ndarray

    @classmethod
    def build(cls, targets_m: np.ndarray, grazing_m: np.ndarray, cell_deg: float = 4.0) -> "TargetClusters":
        """Cluster fixed ECEF points (P, 3) by geocentric latitude/longitude cells.

        ``grazing_m`` lists the distinct grazing altitudes (G,) the sensors use.
        """
        t = np.asarray(targets_m, dtype=np.float64)
        lat = np.degrees(np.arctan2(t[:, 2], np.hypot(t[:, 0], t[:, 1])))
        lon = np.degrees(np.arctan2(t[:, 1], t[:, 0]))
        key = np.floor((lat + 90.0) / cell_deg).astype(np.int64) * 100_000 + np.floor((lon + 180.0) / cell_deg).astype(np.int64)
        order = np.argsort(key, kind="stable")
        _, first = np.unique(key[order], return_index=True)
        starts = np.r_[first, t.shape[0]].astype(np.int64)
        ts = t[order]
        seg = np.repeat(np.arange(first.size), np.diff(starts))
        count = np.diff(starts)[:, None]
        centre = np.zeros((first.size, 3))
        np.add.at(centre, seg, ts)
        centre /= count
        radius = np.zeros(first.size)
        np.maximum.at(radius, seg, np.linalg.norm(ts - centre[seg], axis=1))
        a, k = inflated_ellipsoid(np.atleast_1d(np.asarray(grazing_m, dtype=np.float64)))
        n_g = a.shape[0]
        direction = np.zeros((n_g, first.size, 3))
        cos_alpha = np.ones((n_g, first.size))
        r_lo, r_hi = np.zeros(n_g), np.zeros(n_g)
        for g in range(n_g):
            sc = ts * np.array([1.0, 1.0, k[g]])
            norm = np.linalg.norm(sc, axis=1)
            unit = sc / norm[:, None]
            d = np.zeros((first.size, 3))
            np.add.at(d, seg, unit)
            d /= np.linalg.norm(d, axis=1, keepdims=True)
            cos_min = np.ones(first.size)
            np.minimum.at(cos_min, seg, np.sum(unit * d[seg], axis=1))
            direction[g] = d
            cos_alpha[g] = np.clip(cos_min - 1e-12, -1.0, 1.0)  # a hair wider: rounding never culls a point
            r_lo[g], r_hi[g] = norm.min() * (1 - 1e-12), norm.max() * (1 + 1e-12)
        return cls(order, starts, centre, radius * (1 + 1e-12) + 1e-6, direction, cos_alpha,
                   np.sqrt(1.0 - cos_alpha**2), r_lo, r_hi, a, k)


def group_of(grazing_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct grazing altitudes (G,) and each sensor's group index (S,)."""
    values, index = np.unique(np.asarray(grazing_m, dtype=np.float64), return_inverse=True)
    return values, index.astype(np.int64)


def static_access(r_sat_m: np.ndarray, targets_m: np.ndarray, half_angle_rad: np.ndarray, max_range_m: np.ndarray,
                  grazing_m: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Access (T, S, P) bool of sensors to fixed points, with the active engine.

    Parameters
    ----------
    r_sat_m : (T, S, 3) sensor positions, m, in the frame the points are fixed in (ECEF)
    targets_m : (P, 3) fixed points, m
    half_angle_rad, max_range_m, grazing_m : (S,) field-of-regard half-angle, maximum
        range and grazing altitude of each sensor
    chunk : time steps per NumPy block (the reference broadcasts (chunk, S, P))
    """
    n_t, n_s, _ = r_sat_m.shape
    out = np.zeros((n_t, n_s, targets_m.shape[0]), dtype=np.bool_)
    cos_half = np.cos(np.asarray(half_angle_rad, dtype=np.float64))
    rmax = np.asarray(max_range_m, dtype=np.float64)
    if engine() == "numba":
        from tracklayer.kernels.coverage import static_access_kernel

        values, group = group_of(grazing_m)
        cl = TargetClusters.build(targets_m, values)
        static_access_kernel(np.ascontiguousarray(r_sat_m), np.ascontiguousarray(targets_m[cl.order]), cl.order, cl.starts,
                             cl.centre_m, cl.radius_m, cl.direction, cl.cos_alpha, cl.sin_alpha, cl.r_lo, cl.r_hi,
                             cl.inflated_a_m, cl.z_scale, group, cos_half, rmax, out)
        return out
    a, k = inflated_ellipsoid(np.asarray(grazing_m, dtype=np.float64))
    for start in range(0, n_t, chunk):
        sl = slice(start, start + chunk)
        tgt = np.broadcast_to(targets_m, (r_sat_m[sl].shape[0],) + targets_m.shape)
        infrared_access_numpy(r_sat_m[sl], tgt, cos_half, rmax, a, k, out[sl])
    return out
