"""Assign tracks to truth at every time step (optimal assignment on position error)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from tracklayer.io.tables import Table
from tracklayer.tracking import DELETED


def assign_truth(tracks: Table, t_grid_s: np.ndarray, truth_r_eci_m: np.ndarray, gate_m: float) -> np.ndarray:
    """Truth id (or -1) for every track row.

    At each time, live (not deleted) tracks and flying threats are paired by
    `scipy.optimize.linear_sum_assignment` on the 3-D position error; pairs further
    apart than ``gate_m`` stay unassigned. Tentative tracks are scored too, so that
    custody metrics can select on status.
    """
    n_rows = tracks.num_rows
    out = np.full(n_rows, -1, dtype=np.int32)
    if n_rows == 0:
        return out
    t = tracks["t_s"]
    k_of_row = np.searchsorted(t_grid_s, t)
    live = tracks["status"] != DELETED
    order = np.argsort(k_of_row, kind="stable")
    bounds = np.searchsorted(k_of_row[order], np.arange(t_grid_s.shape[0] + 1))
    for k in np.unique(k_of_row):
        idx = order[bounds[k]:bounds[k + 1]]
        idx = idx[live[idx]]
        if idx.size == 0:
            continue
        r_true = truth_r_eci_m[k]
        flying = np.nonzero(~np.isnan(r_true[:, 0]))[0]
        if flying.size == 0:
            continue
        err = np.linalg.norm(tracks["x"][idx, None, :3] - r_true[None, flying], axis=-1)
        rows, cols = linear_sum_assignment(np.where(err <= gate_m, err, 1e12))
        ok = err[rows, cols] <= gate_m
        out[idx[rows[ok]]] = flying[cols[ok]]
    return out
