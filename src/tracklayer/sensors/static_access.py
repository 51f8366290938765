"""Access from moving sensors to many fixed points (coverage grids, ground sites).

The pair test is that of `tracklayer.sensors.geometry` (range, field of regard,
line of sight clear of the WGS 84 ellipsoid inflated by the grazing altitude). For
many fixed points the numba engines prune work with exact, conservative bounds:
points are grouped into clusters, each with a bounding sphere and, in the z-scaled
space where the inflated ellipsoid is a sphere of radius A, a centre direction, an
angular radius alpha and the smallest and largest point radius r_lo, r_hi. In that
space a point at radius r > A is visible from a sensor at |S'| exactly when the
central angle between them is at most acos(A/|S'|) + acos(A/r), and a point at
r <= A (below the grazing margin) when it is at most acos(r/|S'|) (the sensor above
its horizon plane). For each sensor at each time, first the whole set and then each
cluster is

* skipped when its bounding sphere lies beyond the maximum range, or its centre
  direction is further from the sensor than the largest visible angle plus alpha;
* marked visible point by point without testing when it lies wholly within range,
  wholly inside the field of regard, and its centre direction is closer than the
  smallest visible angle minus alpha;
* otherwise tested pair by pair.

The bounds are widened by 1e-12 relative, so rounding never flips a decision:
the kernels give exactly the NumPy references' answers, which test every pair.

Two groupings: `TargetClusters.build` sorts points into latitude/longitude cells
(coverage counts, which stay in that sorted order until the end), and
`TargetClusters.blocks` keeps the caller's order in runs of consecutive indices, so
that `static_access` writes its dense (T, S, P) answer in contiguous, vectorised
stores (docs/design/sensing.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.kernels import engine
from tracklayer.sensors.geometry import inflated_ellipsoid, infrared_access_numpy

NO_BOUND = 2.0
"""Sentinel cosine in `TargetClusters.bounds`: this bound does not apply."""


@dataclass(frozen=True)
class TargetClusters:
    """Fixed points grouped into clusters for pruning; see the module docstring.

    Attributes
    ----------
    order : (P,) the points' indices, cluster by cluster (targets[order] is sorted)
    starts : (C + 1,) cluster c holds sorted points starts[c]:starts[c+1]
    centre_m, radius_m : (C + 1, 3), (C + 1,) bounding spheres, ECEF; row C: all points
    direction, cos_alpha, sin_alpha : (G, C + 1, 3), (G, C + 1), (G, C + 1) per grazing
        group: unit centre direction and angular radius in z-scaled space
    r_lo, r_hi : (G, C + 1) smallest and largest scaled radius of the points
    bounds : (G, C + 1, 4) cos and sin of acos(A/r_hi) + alpha (outer bound, points
        above A) and of acos(A/r_lo) - alpha (inner bound, all points above A);
        cos = `NO_BOUND` where a bound does not apply
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
    bounds: np.ndarray
    inflated_a_m: np.ndarray
    z_scale: np.ndarray

    @classmethod
    def build(cls, targets_m: np.ndarray, grazing_m: np.ndarray, cell_deg: float | None = None, per_cluster: int = 12) -> TargetClusters:
        """Cluster fixed ECEF points (P, 3) by geocentric latitude/longitude cells.

        Parameters
        ----------
        targets_m : (P, 3) ECEF points, m
        grazing_m : (G,) the distinct grazing altitudes the sensors use, m
        cell_deg : cell size, degrees (default: about ``per_cluster`` points per cell)
        """
        t = np.asarray(targets_m, dtype=np.float64)
        lat = np.degrees(np.arctan2(t[:, 2], np.hypot(t[:, 0], t[:, 1])))
        lon = np.degrees(np.arctan2(t[:, 1], t[:, 0]))
        if cell_deg is None:
            lon_span = min(np.ptp(lon), np.ptp(np.mod(lon, 360.0)))
            area = max(np.ptp(lat) * lon_span * np.cos(np.radians(np.clip(np.mean(lat), -80, 80))), 1e-6)
            cell_deg = float(np.clip(np.sqrt(area * per_cluster / t.shape[0]), 0.5, 15.0))
        key = np.floor((lat + 90.0) / cell_deg).astype(np.int64) * 100_000 + np.floor((lon + 180.0) / cell_deg).astype(np.int64)
        order = np.argsort(key, kind="stable")
        _, first = np.unique(key[order], return_index=True)
        return cls._bounded(t, order, np.r_[first, t.shape[0]].astype(np.int64), grazing_m)

    @classmethod
    def blocks(cls, targets_m: np.ndarray, grazing_m: np.ndarray, size: int = 16) -> TargetClusters:
        """Fixed ECEF points (P, 3), P > 0, in blocks of ``size`` consecutive indices (``order`` is the identity).

        A kernel can then write each block's results to a contiguous range of the
        caller's point order. Blocks pay for their tests only when that order is
        spatially coherent (grids, sites sorted by region): when the blocks' median
        angular radius exceeds half the whole set's, as it does for points in random
        order, the set is one block, swept pair by pair whenever the whole-set test
        does not decide it. Speed only: every choice gives the same answer.
        """
        t = np.asarray(targets_m, dtype=np.float64)
        n = t.shape[0]
        order = np.arange(n)
        cl = cls._bounded(t, order, np.r_[np.arange(0, n, size), n].astype(np.int64), grazing_m)
        alpha = np.arccos(cl.cos_alpha[0])
        if alpha.size > 2 and np.median(alpha[:-1]) > 0.5 * alpha[-1]:
            cl = cls._bounded(t, order, np.array([0, n], dtype=np.int64), grazing_m)
        return cl

    @classmethod
    def _bounded(cls, t: np.ndarray, order: np.ndarray, starts: np.ndarray, grazing_m: np.ndarray) -> TargetClusters:
        """Bounds of the clusters ``t[order][starts[c]:starts[c+1]]`` and of the whole set."""
        first = starts[:-1]
        n_c = first.size + 1
        seg = np.concatenate([np.repeat(np.arange(first.size), np.diff(starts)), np.full(t.shape[0], first.size)])
        ts = np.concatenate([t[order], t[order]])  # every point also belongs to the whole set (row C)
        centre = np.zeros((n_c, 3))
        np.add.at(centre, seg, ts)
        centre /= np.bincount(seg, minlength=n_c)[:, None]
        radius = np.zeros(n_c)
        np.maximum.at(radius, seg, np.linalg.norm(ts - centre[seg], axis=1))
        a, k = inflated_ellipsoid(np.atleast_1d(np.asarray(grazing_m, dtype=np.float64)))
        n_g = a.shape[0]
        direction = np.zeros((n_g, n_c, 3))
        cos_alpha = np.ones((n_g, n_c))
        r_lo, r_hi = np.full((n_g, n_c), np.inf), np.zeros((n_g, n_c))
        for g in range(n_g):
            sc = ts * np.array([1.0, 1.0, k[g]])
            norm = np.linalg.norm(sc, axis=1)
            unit = sc / norm[:, None]
            d = np.zeros((n_c, 3))
            np.add.at(d, seg, unit)
            direction[g] = d / np.linalg.norm(d, axis=1, keepdims=True)
            np.minimum.at(cos_alpha[g], seg, np.sum(unit * direction[g][seg], axis=1))
            np.minimum.at(r_lo[g], seg, norm)
            np.maximum.at(r_hi[g], seg, norm)
        cos_alpha = np.clip(cos_alpha - 1e-12, -1.0, 1.0)
        alpha = np.arccos(cos_alpha)
        r_lo, r_hi = r_lo * (1 - 1e-12), r_hi * (1 + 1e-12)
        bounds = np.full((n_g, n_c, 4), NO_BOUND)
        with np.errstate(invalid="ignore"):
            outer = np.arccos(a[:, None] / r_hi) + alpha
            inner = np.arccos(a[:, None] / r_lo) - alpha
        up = r_hi > a[:, None]
        bounds[..., 0] = np.where(up, np.cos(outer), NO_BOUND)
        bounds[..., 1] = np.where(up, np.sin(outer), 0.0)
        ok = (r_lo > a[:, None]) & (inner >= 0.0)
        bounds[..., 2] = np.where(ok, np.cos(inner), NO_BOUND)
        bounds[..., 3] = np.where(ok, np.sin(inner), 0.0)
        return cls(order, starts, centre, radius * (1 + 1e-12) + 1e-6, direction, cos_alpha, np.sqrt(1.0 - cos_alpha**2),
                   r_lo, r_hi, bounds, a, k)


def group_of(grazing_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct grazing altitudes (G,) and each sensor's group index (S,)."""
    values, index = np.unique(np.asarray(grazing_m, dtype=np.float64), return_inverse=True)
    return values, index.astype(np.int64)


def static_access_numpy(r_sat, tgt_xyz, starts, centre, radius, direction, cos_alpha, sin_alpha, r_lo, r_hi, bounds, inflated_a,
                        z_scale, group, cos_half, max_range, out) -> None:
    """NumPy reference of `tracklayer.kernels.coverage.static_access_kernel` (same
    signature; the block arrays are unused: every pair is tested, by
    `tracklayer.sensors.geometry.infrared_access_numpy`, in time chunks of about
    4 M pairs)."""
    n_t, n_s, _ = r_sat.shape
    tgt = np.ascontiguousarray(tgt_xyz.T)
    a, k = inflated_a[group], z_scale[group]
    chunk = max(1, (1 << 22) // max(n_s * tgt.shape[0], 1))
    for start in range(0, n_t, chunk):
        sl = slice(start, start + chunk)
        infrared_access_numpy(r_sat[sl], np.broadcast_to(tgt, (r_sat[sl].shape[0],) + tgt.shape), cos_half, max_range, a, k, out[sl])


def static_access(r_sat_m: np.ndarray, targets_m: np.ndarray, half_angle_rad: np.ndarray, max_range_m: np.ndarray,
                  grazing_m: np.ndarray) -> np.ndarray:
    """Access (T, S, P) bool of sensors to fixed points, with the active engine.

    Parameters
    ----------
    r_sat_m : (T, S, 3) sensor positions, m, in the frame the points are fixed in (ECEF)
    targets_m : (P, 3) fixed points, m
    half_angle_rad, max_range_m, grazing_m : (S,) field-of-regard half-angle, maximum
        range and grazing altitude of each sensor
    """
    n_t, n_s, _ = r_sat_m.shape
    out = np.zeros((n_t, n_s, targets_m.shape[0]), dtype=np.bool_)
    if targets_m.shape[0] == 0:
        return out
    values, group = group_of(grazing_m)
    cl = TargetClusters.blocks(targets_m, values)
    args = (np.ascontiguousarray(r_sat_m, dtype=np.float64), np.ascontiguousarray(np.asarray(targets_m, dtype=np.float64).T),
            cl.starts, cl.centre_m, cl.radius_m, cl.direction, cl.cos_alpha, cl.sin_alpha, cl.r_lo, cl.r_hi, cl.bounds,
            cl.inflated_a_m, cl.z_scale, group, np.cos(np.asarray(half_angle_rad, dtype=np.float64)),
            np.asarray(max_range_m, dtype=np.float64), out)
    if engine() == "numba":
        from tracklayer.kernels.coverage import static_access_kernel

        static_access_kernel(*args)
    else:
        static_access_numpy(*args)
    return out
