"""Track-to-track association and identity management of a fused picture.

At each fusion time the receiver holds a set of *inputs*: the latest report of every
live track of every input stream (its own tracker, each incoming link), predicted to
that time. Each input belongs to at most one fused track; the fused track's id is the
picture's track id. Per fusion time, in order:

1. **anchor**: each fused track's anchor is its longest-standing member present now
   (earliest join, then lowest stream, then lowest key);
2. **consistency**: a member that fails the association gate against its anchor is
   left out of the fusion at that time; after ``unmap_after`` consecutive failures it
   leaves its fused track (a sender's track that drifted onto another target, or a
   wrong association);
3. **association**: stream by stream, inputs that belong to no fused track compete by
   global nearest neighbour (maximum total gain gate - d^2) for the fused tracks that
   have no member of their stream yet, gated on their anchors; an input left over
   starts a new fused track. Two tracks of one stream are never fused: the sender
   holds them as two targets;
4. **merge**: two fused tracks whose anchors lie within the tighter merge gate of each
   other and whose members come from disjoint streams are one target seen twice: the
   younger id joins the older (no duplicates);
5. a fused track with no member present ends; its members' next reports associate
   afresh.

The loop over fusion times is a numba kernel (`tracklayer.kernels.network`); the
NumPy reference `identities_numpy` makes the same decisions (tests compare).

d^2 is the 6-D Mahalanobis distance of the two predicted states with covariance
P_i + P_j (each including the registration bias its link assumes, added by the
caller): conservative for correlated tracks, whose difference has
a smaller covariance (Bar-Shalom & Campo 1986). Ids never jump between members
(no swaps): an id follows its anchor, and an input moves only by leaving (2) and
associating again (3).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tracklayer.kernels import engine
from tracklayer.tracking.association import gnn_pairs


def assign_identities(
    row_k: np.ndarray,
    row_stream: np.ndarray,
    row_key: np.ndarray,
    pi: np.ndarray,
    pj: np.ndarray,
    d2: np.ndarray,
    gate: float,
    merge_gate: float,
    unmap_after: int,
    n_keys: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Fused track id of every input row.

    Parameters
    ----------
    row_k : (R,) fusion-time index of each input row, ascending
    row_stream : (R,) input stream of each row
    row_key : (R,) input track (stream, sender's id) as an index in [0, n_keys)
    pi, pj : (P,) rows of each candidate pair, pi < pj, same fusion time, different
        streams; sorted by pi
    d2 : (P,) Mahalanobis distance squared of each pair
    gate, merge_gate : association and merge thresholds on d2
    unmap_after : consecutive inconsistent fusion times before a member leaves

    Returns
    -------
    (R,) int64 fused track ids, 0, 1, 2, ... in order of creation, and (R,) bool: the
    row is fused (False for a member inconsistent with its anchor at that time: it keeps
    its fused track but its report is left out until it agrees again or leaves).
    """
    n_rows = row_k.shape[0]
    out = np.full(n_rows, -1, np.int64)
    use = np.ones(n_rows, bool)
    if n_rows == 0:
        return out, use
    row_k, row_stream, row_key = (np.ascontiguousarray(a, np.int64) for a in (row_k, row_stream, row_key))
    pi, pj = np.ascontiguousarray(pi, np.int64), np.ascontiguousarray(pj, np.int64)
    d2 = np.ascontiguousarray(d2, np.float64)
    kernel: Callable[..., None]
    if engine() == "numba":
        from tracklayer.kernels.network import identities_kernel as kernel
    else:
        kernel = identities_numpy
    kernel(row_k, row_stream, row_key, pi, pj, d2, float(gate), float(merge_gate), int(unmap_after), int(n_keys), out, use)
    return out, use


def identities_numpy(row_k, row_stream, row_key, pi, pj, d2, gate, merge_gate, unmap_after, n_keys, out, use) -> None:
    """Reference for `tracklayer.kernels.network.identities_kernel` (same signature):
    vectorised within each fusion time, the global nearest neighbour by
    `tracklayer.tracking.association.gnn_pairs`. Fills ``out`` and ``use`` (R,)."""
    n_rows = row_k.shape[0]
    fid_of_key = np.full(n_keys, -1, np.int64)
    fails = np.zeros(n_keys, np.int64)
    joined = np.zeros(n_keys, np.int64)
    last_k = np.full(n_rows, -2, np.int64)  # last fusion time of each fused id
    next_fid = 0
    starts = np.r_[0, np.nonzero(np.diff(row_k))[0] + 1, n_rows]
    pair_k = row_k[pi]
    pair_lo = np.searchsorted(pair_k, row_k[starts[:-1]], side="left")
    pair_hi = np.searchsorted(pair_k, row_k[starts[:-1]], side="right")
    for s in range(starts.size - 1):
        lo, hi = int(starts[s]), int(starts[s + 1])
        k = int(row_k[lo])
        keys = row_key[lo:hi]
        streams = row_stream[lo:hi]
        a = pi[pair_lo[s]:pair_hi[s]] - lo
        b = pj[pair_lo[s]:pair_hi[s]] - lo
        dd = d2[pair_lo[s]:pair_hi[s]]
        n = hi - lo
        f = fid_of_key[keys].copy()
        f[(f >= 0) & (last_k[np.maximum(f, 0)] != k - 1)] = -1  # its fused track ended while it was away
        use[lo:hi] = True

        # 2. consistency with the anchor
        anchor = _anchors(f, joined[keys], streams, keys)
        member = (f >= 0) & (anchor != np.arange(n))
        if member.any():
            ok = np.zeros(n, bool)
            ok[member] = _gated(np.nonzero(member)[0], anchor[member], a, b, dd, gate, n)
            bad = member & ~ok
            fails[keys[member & ok]] = 0
            fails[keys[bad]] += 1
            leave = bad & (fails[keys] >= unmap_after)
            f[leave] = -1
            fails[keys[leave]] = 0
            use[lo:hi] = ~(bad & ~leave)

        # 3. association, stream by stream
        for st in np.unique(streams[f < 0]):
            anchor = _anchors(f, joined[keys], streams, keys)
            free = np.nonzero((f < 0) & (streams == st))[0]
            taken = np.unique(f[(streams == st) & (f >= 0)])
            cand = np.nonzero((anchor == np.arange(n)) & ~np.isin(f, taken))[0]  # anchors of open fused tracks
            ui, ci, cost = _pairs_between(free, cand, a, b, dd, gate, n)
            if ui.size:
                match = gnn_pairs(free.size, cand.size, ui, ci, gate - cost)
                hit = match >= 0
                f[free[hit]] = f[cand[match[hit]]]
                joined[keys[free[hit]]] = k
                fails[keys[free[hit]]] = 0
                free = free[~hit]
            f[free] = np.arange(next_fid, next_fid + free.size)
            next_fid += free.size
            joined[keys[free]] = k
            fails[keys[free]] = 0

        # 4. merge duplicates
        anchor = _anchors(f, joined[keys], streams, keys)
        is_anchor = anchor == np.arange(n)
        close = np.nonzero(is_anchor[a] & is_anchor[b] & (dd <= merge_gate) & (f[a] != f[b]))[0]
        for e in close[np.argsort(dd[close], kind="stable")]:
            fa, fb = f[a[e]], f[b[e]]
            if fa == fb or np.intersect1d(streams[f == fa], streams[f == fb]).size:
                continue
            f[f == max(fa, fb)] = min(fa, fb)

        fid_of_key[keys] = f
        last_k[f] = k
        out[lo:hi] = f


def _anchors(f: np.ndarray, joined: np.ndarray, streams: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Row of the anchor of each row's fused track (-1 for rows without one)."""
    n = f.shape[0]
    out = np.full(n, -1, np.int64)
    has = np.nonzero(f >= 0)[0]
    if has.size == 0:
        return out
    order = has[np.lexsort((keys[has], streams[has], joined[has], f[has]))]
    first = np.r_[True, f[order][1:] != f[order][:-1]]
    head = order[first]
    out[has] = head[np.searchsorted(f[head], f[has])]
    return out


def _gated(rows: np.ndarray, others: np.ndarray, a: np.ndarray, b: np.ndarray, dd: np.ndarray, gate: float, n: int) -> np.ndarray:
    """Whether each (rows[i], others[i]) is a gated pair."""
    ok = dd <= gate
    codes = np.minimum(a[ok], b[ok]) * n + np.maximum(a[ok], b[ok])
    return np.isin(np.minimum(rows, others) * n + np.maximum(rows, others), codes)


def _pairs_between(free: np.ndarray, cand: np.ndarray, a: np.ndarray, b: np.ndarray, dd: np.ndarray, gate: float, n: int):
    """Gated pairs between ``free`` rows and ``cand`` rows as local indices and d^2."""
    if free.size == 0 or cand.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pos_free = np.full(n, -1, np.int64)
    pos_free[free] = np.arange(free.size)
    pos_cand = np.full(n, -1, np.int64)
    pos_cand[cand] = np.arange(cand.size)
    ok = dd <= gate
    ui = np.r_[pos_free[a[ok]], pos_free[b[ok]]]
    ci = np.r_[pos_cand[b[ok]], pos_cand[a[ok]]]
    cost = np.r_[dd[ok], dd[ok]]
    keep = (ui >= 0) & (ci >= 0)
    order = np.lexsort((ci[keep], ui[keep]))
    return ui[keep][order], ci[keep][order], cost[keep][order]
