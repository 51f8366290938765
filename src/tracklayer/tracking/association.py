"""Gating and global nearest neighbour (GNN) association."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2


def gate_threshold(probability: float, dim: int) -> float:
    """Chi-square gate on the squared Mahalanobis distance for ``dim`` dimensions."""
    return float(chi2.ppf(probability, dim))


def gnn(cost: np.ndarray, gated: np.ndarray, miss_cost: float) -> tuple[np.ndarray, np.ndarray]:
    """Optimal one-to-one assignment with the option of leaving tracks and detections out.

    Solves the augmented assignment problem (Blackman & Popoli 1999, Sec. 6.5): pairing
    track i with detection j costs ``cost[i, j]`` (allowed only where ``gated``), leaving
    a track or a detection unassigned costs ``miss_cost`` each. A gated pair is thus
    chosen only where ``cost < 2 * miss_cost`` and the total is minimal.

    Returns
    -------
    rows, cols : index arrays of the assigned (track, detection) pairs.
    """
    m, d = cost.shape
    if m == 0 or d == 0 or not gated.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    keep_r = np.nonzero(gated.any(axis=1))[0]
    keep_c = np.nonzero(gated.any(axis=0))[0]
    sub_gated = gated[np.ix_(keep_r, keep_c)]
    sub = cost[np.ix_(keep_r, keep_c)]
    mr, mc = sub.shape
    forbidden = 1e18
    big = np.full((mr + mc, mc + mr), forbidden)
    big[:mr, :mc] = np.where(sub_gated, sub, forbidden)
    big[:mr, mc:][np.diag_indices(mr)] = miss_cost
    big[mr:, :mc][np.diag_indices(mc)] = miss_cost
    big[mr:, mc:] = 0.0
    rows, cols = linear_sum_assignment(big)
    pair = (rows < mr) & (cols < mc)
    rows, cols = rows[pair], cols[pair]
    ok = sub_gated[rows, cols]
    return keep_r[rows[ok]], keep_c[cols[ok]]
