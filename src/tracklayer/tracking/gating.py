"""Gating (Stone Soup's gater/hypothesiser): a cheap coarse gate, then chi-square
gating on the Mahalanobis distance.

The coarse gate works in a 3-D space where each track is a point with a radius and
each detection a point: Cartesian position for position and radar measurements
(radar detections converted to ECI positions), the unit line of sight for angles.
Pairs closer than the track's radius are found by sort-and-sweep along the first axis
(binary search in the detections sorted by x, then a distance test), so the cost is
O(M log D + candidates) instead of O(M D). The radius is
sqrt(gamma (trace S0 + max trace R)) (times 1.2 for the nonlinear models), which
contains the chi-square gate: |nu|^2 <= lambda_max(S) d^2 <= trace(S) gamma for a
linear position measurement. The fine gate then keeps pairs with
d^2 = nu^T S^-1 nu <= gamma, gamma the chi-square quantile of the gate probability.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import chdtri

from tracklayer.kernels import engine
from tracklayer.sensors import ANGLES, RADAR

NONLINEAR_MARGIN = 1.2
"""Safety factor on the coarse radius for the angles and radar models."""


@lru_cache(maxsize=64)
def gate_threshold(probability: float, dim: int) -> float:
    """Chi-square gate on the squared Mahalanobis distance for ``dim`` dimensions
    (the ``probability`` quantile of chi-square with ``dim`` degrees of freedom)."""
    return float(chdtri(dim, 1.0 - probability))


def _near(track_pts: np.ndarray, radius: np.ndarray, det_pts: np.ndarray) -> np.ndarray:
    """(M, D) mask of |track_pts[i] - det_pts[j]| <= radius[i], with the sweep kernel's
    arithmetic and its window test in x first (identical decisions at the boundary)."""
    diff = det_pts[None, :, :] - track_pts[:, None, :]
    d2 = diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1] + diff[..., 2] * diff[..., 2]
    near = d2 <= (radius * radius)[:, None]
    near &= (det_pts[None, :, 0] >= track_pts[:, None, 0] - radius[:, None])
    near &= (det_pts[None, :, 0] <= track_pts[:, None, 0] + radius[:, None])
    return near


SMALL_SCAN_PAIRS = 64
"""Up to this many track-detection pairs (a lone detection, a few tracks) the coarse gate
tests every pair at once instead of sorting and sweeping twice."""


def sweep_pairs_numpy(track_pts, radius, det_pts, order, det_x_sorted, counts_only, offsets, out_i, out_j, counts) -> int:
    """Reference for `tracklayer.kernels.tracking.sweep_pairs_kernel` (same signature):
    all track-detection distances, in chunks of tracks."""
    m = track_pts.shape[0]
    for lo in range(0, m, 256):
        hi = min(lo + 256, m)
        near = _near(track_pts[lo:hi], radius[lo:hi], det_pts)
        if counts_only:
            counts[lo:hi] = near.sum(axis=1)
        else:
            ii, jj = np.nonzero(near)
            pos = offsets[lo + ii] + (np.arange(ii.size) - np.searchsorted(ii, ii))
            out_i[pos] = lo + ii
            out_j[pos] = jj
    return det_pts.shape[0]


def coarse_pairs(track_pts: np.ndarray, radius: np.ndarray, det_pts: np.ndarray, kernel=None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (i, j) with |track_pts[i] - det_pts[j]| <= radius[i], sorted by
    (i, j), with the active engine (or the given sweep ``kernel``).

    Parameters
    ----------
    track_pts : (M, 3) points in the coarse-gate space
    radius : (M,) radii in the same unit
    det_pts : (D, 3)
    """
    m, d = track_pts.shape[0], det_pts.shape[0]
    if m == 0 or d == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if kernel is None and m * d <= SMALL_SCAN_PAIRS:  # same pairs, same order as the sweep
        ii, jj = np.nonzero(_near(np.asarray(track_pts, np.float64), np.asarray(radius, np.float64), np.asarray(det_pts, np.float64)))
        return ii.astype(np.int64, copy=False), jj.astype(np.int64, copy=False)
    if kernel is None and engine() == "numba":
        from tracklayer.kernels.tracking import sweep_pairs_kernel as kernel
    elif kernel is None:
        kernel = sweep_pairs_numpy
    track_pts = np.ascontiguousarray(track_pts, dtype=np.float64)
    det_pts = np.ascontiguousarray(det_pts, dtype=np.float64)
    radius = np.ascontiguousarray(radius, dtype=np.float64)
    order = np.argsort(det_pts[:, 0], kind="stable")
    xs = np.ascontiguousarray(det_pts[order, 0])
    counts = np.zeros(m, np.int64)
    empty = np.zeros(0, np.int64)
    kernel(track_pts, radius, det_pts, order, xs, True, empty, empty, empty, counts)
    offsets = np.zeros(m, np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    total = int(counts.sum())
    out_i = np.empty(total, np.int64)
    out_j = np.empty(total, np.int64)
    kernel(track_pts, radius, det_pts, order, xs, False, offsets, out_i, out_j, counts)
    return out_i, out_j


def coarse_space(kind: int, x6: np.ndarray, p6: np.ndarray, s0_trace: np.ndarray, view, z: np.ndarray, r_det: np.ndarray, gamma: float):
    """Track points (M, 3), radii (M,) and detection points (D, 3) of the coarse gate.

    x6, p6: tracks' [r, v] means and covariances; s0_trace (M,): trace of the predicted
    measurement covariance (angles: rad^2); z, r_det: the scan's detections and noise.
    """
    if kind == ANGLES:
        d = x6[:, :3] - view.r_eci_m
        pts = d / np.linalg.norm(d, axis=1, keepdims=True)
        r_max = float(np.max(np.trace(r_det, axis1=1, axis2=2))) if r_det.shape[0] else 0.0
        return pts, NONLINEAR_MARGIN * np.sqrt(gamma * (s0_trace + r_max)), z[:, :3]
    pos_var = np.trace(p6[:, :3, :3], axis1=1, axis2=2)
    if kind == RADAR:
        rng, az, el = z[:, 0], z[:, 1], z[:, 2]
        enu = np.stack([rng * np.cos(el) * np.sin(az), rng * np.cos(el) * np.cos(az), rng * np.sin(el)], axis=1)
        det = view.r_eci_m + enu @ view.enu_eci
        r_var = r_det[:, 0, 0] + rng**2 * (r_det[:, 1, 1] + r_det[:, 2, 2])
        r_max = float(r_var.max()) if r_var.size else 0.0
        return x6[:, :3], NONLINEAR_MARGIN * np.sqrt(gamma * (pos_var + r_max)), det
    r_max = float(np.max(np.trace(r_det[:, :3, :3], axis1=1, axis2=2))) if r_det.shape[0] else 0.0
    return x6[:, :3], np.sqrt(gamma * (pos_var + r_max)) * (1.0 + 1e-9), z[:, :3]
