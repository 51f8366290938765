"""Assign tracks to truth at every time step (optimal assignment on position error)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from tracklayer.table import Table
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


def nearest_truth(tracks: Table, t_grid_s: np.ndarray, truth_r_eci_m: np.ndarray, gate_m: float) -> np.ndarray:
    """Nearest flying threat (or -1) within ``gate_m`` of every track row, without the
    one-to-one constraint of `assign_truth`: two tracks on one threat both get it
    (duplicates), a track near no threat gets -1 (false or diverged).

    Parameters
    ----------
    tracks : columns t_s (grid times) and x (N, 6), ECI m
    truth_r_eci_m : (T, N_threats, 3) truth positions, NaN when not flying
    """
    out = np.full(tracks.num_rows, -1, dtype=np.int32)
    if tracks.num_rows == 0 or truth_r_eci_m.shape[1] == 0:
        return out
    k = np.clip(np.searchsorted(t_grid_s, tracks["t_s"]), 0, t_grid_s.shape[0] - 1)
    x = tracks["x"]
    chunk = max(1, 2_000_000 // truth_r_eci_m.shape[1])
    for lo in range(0, out.size, chunk):
        sl = slice(lo, lo + chunk)
        err = np.linalg.norm(x[sl, None, :3] - truth_r_eci_m[k[sl]], axis=-1)  # (rows, threats), NaN when not flying
        err = np.where(np.isnan(err), np.inf, err)
        best = np.argmin(err, axis=1)
        near = err[np.arange(best.size), best] <= gate_m
        out[sl][near] = best[near]
    return out
