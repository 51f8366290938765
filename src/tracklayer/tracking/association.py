"""Data association on sparse (track, detection) pair tables: global nearest neighbour
(GNN) and joint probabilistic data association (JPDA), each solved cluster by cluster.

Clusters are the connected components of the bipartite gate graph; independent
clusters share no track and no detection, so solving them separately is exact.

* GNN (Blackman & Popoli 1999, Sec. 6.5): the one-to-one set of gated pairs with the
  largest total gain, gain_ij = (cost of leaving track i and detection j unassigned)
  - (cost of pairing them). With pair cost c_ij and miss costs a (track) and b
  (detection), gain = a + b - c_ij; pairs with gain <= 0 are never worth taking.
  Each cluster is a small dense assignment problem (Kuhn-Munkres with potentials in
  the numba kernel, `scipy.optimize.linear_sum_assignment` in the reference).
* JPDA (Fortmann, Bar-Shalom & Scheffe 1983; Bar-Shalom & Li 1995, Sec. 9.3): the
  marginal probability beta_ij that detection j originated from track i, summing
  over all feasible joint events (each detection from at most one track, each track
  at most one detection) weighted by prod w_ij prod w_i0, with
  w_ij = Pd N(nu_ij; 0, S_ij) / lambda (lambda the clutter density) and
  w_i0 = 1 - Pd Pg. Clusters with at most ``max_events`` joint events (bounded by
  prod_i (1 + gated_i)) are enumerated exactly, depth first; larger ones use loopy
  belief propagation on the same weights (Williams & Lau 2014, IEEE TAES 50(4)),
  which is exact when the cluster's gate graph has no cycle and otherwise a close
  approximation. (The efficient hypothesis management variants of JPDA are not
  used.)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from tracklayer.kernels import engine
from tracklayer.tracking.gating import gate_threshold

__all__ = ["gate_threshold", "gnn", "gnn_pairs", "jpda_pairs", "gnn_clusters_numpy", "jpda_clusters_numpy"]


def _clusters(n_tracks: int, n_dets: int, pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
    """Component label of every track node then detection node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = n_tracks + n_dets
    graph = coo_matrix((np.ones(pi.size), (pi, n_tracks + pj)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def gnn_clusters_numpy(n_tracks, n_dets, pi, pj, gain, det_of_track) -> None:
    """Reference for `tracklayer.kernels.tracking.gnn_clusters_kernel` (same signature)."""
    from scipy.optimize import linear_sum_assignment

    det_of_track[:] = -1
    keep = gain > 0.0
    pi, pj, g = pi[keep], pj[keep], gain[keep]
    if pi.size == 0:
        return
    label = _clusters(n_tracks, n_dets, pi, pj)[pi]
    for c in np.unique(label):
        sel = label == c
        rows, r_inv = np.unique(pi[sel], return_inverse=True)
        cols, c_inv = np.unique(pj[sel], return_inverse=True)
        cost = np.zeros((rows.size, cols.size))
        cost[r_inv, c_inv] = -g[sel]
        rr, cc = linear_sum_assignment(cost)
        ok = cost[rr, cc] < 0.0
        det_of_track[rows[rr[ok]]] = cols[cc[ok]]


def gnn_pairs(n_tracks: int, n_dets: int, pi: np.ndarray, pj: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """GNN on a sparse pair table: the detection assigned to each track (M,), -1 if none.

    Parameters
    ----------
    pi, pj : (P,) track and detection index of each gated pair
    gain : (P,) benefit of taking the pair over leaving both unassigned
    """
    out = np.full(n_tracks, -1, np.int64)
    if pi.size == 0:
        return out
    kernel: Callable[..., None]
    if engine() == "numba":
        from tracklayer.kernels.tracking import gnn_clusters_kernel as kernel
    else:
        kernel = gnn_clusters_numpy
    kernel(n_tracks, n_dets, np.ascontiguousarray(pi, np.int64), np.ascontiguousarray(pj, np.int64), np.ascontiguousarray(gain, np.float64), out)
    return out


def gnn(cost: np.ndarray, gated: np.ndarray, miss_cost: float) -> tuple[np.ndarray, np.ndarray]:
    """Dense GNN: assigned (track, detection) index pairs minimising pair costs plus
    ``miss_cost`` per unassigned track and per unassigned detection (gain =
    2 miss_cost - cost)."""
    pi, pj = np.nonzero(gated)
    det = gnn_pairs(cost.shape[0], cost.shape[1], pi, pj, 2.0 * miss_cost - cost[pi, pj])
    rows = np.nonzero(det >= 0)[0]
    return rows, det[rows]


def _enumerate_cluster(w_rows: list[list[tuple[int, float]]], w0: np.ndarray) -> tuple[list[list[float]], list[float]]:
    """Exact marginals of one cluster by listing every joint event (reference)."""
    options = [[(-1, w0[t])] + row for t, row in enumerate(w_rows)]
    beta = [[0.0] * len(row) for row in w_rows]
    beta0 = [0.0] * len(w_rows)
    total = 0.0
    for event in itertools.product(*[range(len(o)) for o in options]):
        dets = [options[t][o][0] for t, o in enumerate(event) if o > 0]
        if len(dets) != len(set(dets)):
            continue
        prod = 1.0
        for t, o in enumerate(event):
            prod *= options[t][o][1]
        total += prod
        for t, o in enumerate(event):
            if o == 0:
                beta0[t] += prod
            else:
                beta[t][o - 1] += prod
    return [[b / total for b in row] for row in beta], [b / total for b in beta0]


def _lbp_cluster(w_rows, w0, tol, max_iter):
    """Loopy belief propagation marginals of one cluster (reference)."""
    nu = [[1.0] * len(row) for row in w_rows]
    for _ in range(max_iter):
        mu = []
        for t, row in enumerate(w_rows):
            s = w0[t] + sum(w * n for (_, w), n in zip(row, nu[t]))
            mu.append([w / (s - w * n) for (_, w), n in zip(row, nu[t])])
        col: dict[int, float] = {}
        for t, row in enumerate(w_rows):
            for (j, _), m in zip(row, mu[t]):
                col[j] = col.get(j, 0.0) + m
        change = 0.0
        for t, row in enumerate(w_rows):
            for q, ((j, _), m) in enumerate(zip(row, mu[t])):
                new = 1.0 / (1.0 + col[j] - m)
                change = max(change, abs(new - nu[t][q]))
                nu[t][q] = new
        if change < tol:
            break
    beta, beta0 = [], []
    for t, row in enumerate(w_rows):
        s = w0[t] + sum(w * n for (_, w), n in zip(row, nu[t]))
        beta0.append(w0[t] / s)
        beta.append([w * n / s for (_, w), n in zip(row, nu[t])])
    return beta, beta0


def jpda_clusters_numpy(n_tracks, n_dets, pi, pj, w, w0, max_events, tol, max_iter, beta, beta0, exact) -> None:
    """Reference for `tracklayer.kernels.tracking.jpda_clusters_kernel` (same signature)."""
    beta0[:] = 1.0
    beta[:] = 0.0
    exact[:] = True
    if pi.size == 0:
        return
    label = _clusters(n_tracks, n_dets, pi, pj)[pi]
    for c in np.unique(label):
        idx = np.nonzero(label == c)[0]
        tracks = list(dict.fromkeys(pi[idx].tolist()))
        rows = []
        scaled0 = np.empty(len(tracks))
        for t, trk in enumerate(tracks):
            mine = idx[pi[idx] == trk]
            big = max(w0[trk], w[mine].max())
            rows.append([(int(pj[e]), w[e] / big) for e in mine])
            scaled0[t] = w0[trk] / big
        events = float(np.prod([1.0 + len(r) for r in rows]))
        if events <= max_events:
            b, b0 = _enumerate_cluster(rows, scaled0)
        else:
            b, b0 = _lbp_cluster(rows, scaled0, tol, max_iter)
            exact[tracks] = False
        for t, trk in enumerate(tracks):
            beta[idx[pi[idx] == trk]] = b[t]
            beta0[trk] = b0[t]


def jpda_pairs(
    n_tracks: int, n_dets: int, pi: np.ndarray, pj: np.ndarray, w: np.ndarray, w0: np.ndarray,
    max_events: float = 20000.0, tol: float = 1e-10, max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """JPDA marginals on a sparse pair table sorted by track.

    Returns beta (P,) for the pairs, beta0 (M,) for "track not detected" and exact (M,)
    (False where loopy belief propagation was used). Tracks without pairs get beta0 = 1.
    """
    beta = np.zeros(pi.size)
    beta0 = np.ones(n_tracks)
    exact = np.ones(n_tracks, dtype=bool)
    if pi.size == 0:
        return beta, beta0, exact
    kernel: Callable[..., None]
    if engine() == "numba":
        from tracklayer.kernels.tracking import jpda_clusters_kernel as kernel
    else:
        kernel = jpda_clusters_numpy
    kernel(
        n_tracks, n_dets, np.ascontiguousarray(pi, np.int64), np.ascontiguousarray(pj, np.int64),
        np.ascontiguousarray(w, np.float64), np.ascontiguousarray(w0, np.float64), float(max_events), float(tol),
        int(max_iter), beta, beta0, exact,
    )
    return beta, beta0, exact
