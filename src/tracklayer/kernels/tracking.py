"""numba kernels for tracking (references with the same signatures:
`tracklayer.tracking.gating.sweep_pairs_numpy`, `tracklayer.tracking.association.gnn_clusters_numpy`,
`tracklayer.tracking.association.jpda_clusters_numpy`)."""

from __future__ import annotations

import math

import numpy as np

from tracklayer.kernels._jit import jit


@jit
def sweep_pairs_kernel(track_pts, radius, det_pts, order, det_x_sorted, counts_only, offsets, out_i, out_j, counts):
    """Sort-and-sweep coarse gate: pairs (i, j) with |track_i - det_j| <= radius_i.

    ``det_x_sorted`` are the detections' first coordinates sorted ascending and ``order``
    the sorting permutation. With ``counts_only`` fill ``counts`` (M,); otherwise write
    each track's pairs, in ascending j, from ``offsets[i]`` into ``out_i``/``out_j``.
    """
    m = track_pts.shape[0]
    d = det_pts.shape[0]
    for i in range(m):
        r = radius[i]
        x0 = track_pts[i, 0]
        lo = np.searchsorted(det_x_sorted, x0 - r)
        hi = np.searchsorted(det_x_sorted, x0 + r, side="right")
        r2 = r * r
        c = 0
        if counts_only:
            for k in range(lo, hi):
                j = order[k]
                dx = det_pts[j, 0] - x0
                dy = det_pts[j, 1] - track_pts[i, 1]
                dz = det_pts[j, 2] - track_pts[i, 2]
                if dx * dx + dy * dy + dz * dz <= r2:
                    c += 1
            counts[i] = c
        else:
            base = offsets[i]
            # collect then insertion-sort by detection index (few candidates per track)
            for k in range(lo, hi):
                j = order[k]
                dx = det_pts[j, 0] - x0
                dy = det_pts[j, 1] - track_pts[i, 1]
                dz = det_pts[j, 2] - track_pts[i, 2]
                if dx * dx + dy * dy + dz * dz <= r2:
                    pos = base + c
                    while pos > base and out_j[pos - 1] > j:
                        out_j[pos] = out_j[pos - 1]
                        pos -= 1
                    out_j[pos] = j
                    out_i[base + c] = i
                    c += 1
    return d


@jit
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@jit
def _components(n_tracks, n_dets, pi, pj, keep):
    """Union-find over track nodes 0..M-1 and detection nodes M..M+D-1; returns the
    component root of every node."""
    parent = np.arange(n_tracks + n_dets)
    for k in range(pi.shape[0]):
        if keep[k]:
            a = _find(parent, pi[k])
            b = _find(parent, n_tracks + pj[k])
            if a != b:
                if a < b:
                    parent[b] = a
                else:
                    parent[a] = b
    for a in range(n_tracks + n_dets):
        parent[a] = _find(parent, a)
    return parent


@jit
def _hungarian(cost, row_of_col):
    """Minimum-cost perfect matching of a square matrix (Kuhn-Munkres with potentials,
    O(n^3)); fills row_of_col (n,)."""
    n = cost.shape[0]
    inf = np.inf
    u = np.zeros(n + 1)
    v = np.zeros(n + 1)
    p = np.zeros(n + 1, np.int64)
    way = np.zeros(n + 1, np.int64)
    minv = np.empty(n + 1)
    used = np.empty(n + 1, np.bool_)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        for k in range(n + 1):
            minv[k] = inf
            used[k] = False
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(n + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    for j in range(1, n + 1):
        row_of_col[j - 1] = p[j] - 1


@jit
def gnn_clusters_kernel(n_tracks, n_dets, pi, pj, gain, det_of_track):
    """Global nearest neighbour on a sparse pair table, cluster by cluster.

    Maximises the total ``gain`` of a one-to-one set of pairs (pairs with gain <= 0 are
    never chosen). Fills det_of_track (M,) with the detection index or -1.
    """
    for i in range(n_tracks):
        det_of_track[i] = -1
    npairs = pi.shape[0]
    keep = gain > 0.0
    root = _components(n_tracks, n_dets, pi, pj, keep)
    # pairs grouped by the root of their track
    order = np.argsort(root[pi], kind="mergesort")
    k = 0
    local_t = np.full(n_tracks, -1, np.int64)
    local_d = np.full(n_dets, -1, np.int64)
    tracks = np.empty(n_tracks, np.int64)
    dets = np.empty(n_dets, np.int64)
    while k < npairs:
        c = root[pi[order[k]]]
        end = k
        while end < npairs and root[pi[order[end]]] == c:
            end += 1
        nt = 0
        nd = 0
        best = -1
        for q in range(k, end):
            e = order[q]
            if not keep[e]:
                continue
            best = e
            if local_t[pi[e]] < 0:
                local_t[pi[e]] = nt
                tracks[nt] = pi[e]
                nt += 1
            if local_d[pj[e]] < 0:
                local_d[pj[e]] = nd
                dets[nd] = pj[e]
                nd += 1
        if nt == 1 and nd == 1:
            det_of_track[pi[best]] = pj[best]
        elif nt > 0:
            n = max(nt, nd)
            cost = np.zeros((n, n))
            for q in range(k, end):
                e = order[q]
                if keep[e]:
                    cost[local_t[pi[e]], local_d[pj[e]]] = -gain[e]
            row_of_col = np.empty(n, np.int64)
            _hungarian(cost, row_of_col)
            for col in range(nd):
                row = row_of_col[col]
                if row < nt and cost[row, col] < 0.0:
                    det_of_track[tracks[row]] = dets[col]
        for q in range(nt):
            local_t[tracks[q]] = -1
        for q in range(nd):
            local_d[dets[q]] = -1
        k = end


@jit
def _jpda_exact(start, deg, pj_local, w, w0, beta, beta0, used):
    """Exact JPDA marginals of one cluster by depth-first enumeration of the feasible
    joint events (each track: missed, or one of its gated detections not taken by an
    earlier track)."""
    k = deg.shape[0]
    nxt = np.zeros(k + 1, np.int64)
    chosen = np.full(k, -1, np.int64)
    prod = np.ones(k + 1)
    total = 0.0
    level = 0
    while True:
        if level == k:
            total += prod[k]
            for l in range(k):
                o = chosen[l]
                if o == 0:
                    beta0[l] += prod[k]
                else:
                    beta[start[l] + o - 1] += prod[k]
            level -= 1
            continue
        o = chosen[level]
        if o > 0:
            used[pj_local[start[level] + o - 1]] = False
        chosen[level] = -1
        o = nxt[level]
        while o > 0 and o <= deg[level] and used[pj_local[start[level] + o - 1]]:
            o += 1
        if o > deg[level]:
            nxt[level] = 0
            if level == 0:
                break
            level -= 1
            continue
        nxt[level] = o + 1
        chosen[level] = o
        if o == 0:
            prod[level + 1] = prod[level] * w0[level]
        else:
            used[pj_local[start[level] + o - 1]] = True
            prod[level + 1] = prod[level] * w[start[level] + o - 1]
        level += 1
    return total


@jit
def _jpda_lbp(start, deg, pj_local, nd, w, w0, beta, beta0, tol, max_iter):
    """Loopy belief propagation marginals (Williams & Lau 2014, IEEE TAES 50(4),
    Eqs. 30-31) of one cluster."""
    k = deg.shape[0]
    npairs = w.shape[0]
    nu = np.ones(npairs)  # detection -> track messages
    mu = np.zeros(npairs)  # track -> detection messages
    col_sum = np.zeros(nd)
    for _ in range(max_iter):
        for l in range(k):
            s = w0[l]
            for e in range(start[l], start[l] + deg[l]):
                s += w[e] * nu[e]
            for e in range(start[l], start[l] + deg[l]):
                mu[e] = w[e] / (s - w[e] * nu[e])
        for j in range(nd):
            col_sum[j] = 0.0
        for e in range(npairs):
            col_sum[pj_local[e]] += mu[e]
        change = 0.0
        for e in range(npairs):
            new = 1.0 / (1.0 + col_sum[pj_local[e]] - mu[e])
            change = max(change, abs(new - nu[e]))
            nu[e] = new
        if change < tol:
            break
    for l in range(k):
        s = w0[l]
        for e in range(start[l], start[l] + deg[l]):
            s += w[e] * nu[e]
        beta0[l] = w0[l] / s
        for e in range(start[l], start[l] + deg[l]):
            beta[e] = w[e] * nu[e] / s


@jit
def jpda_clusters_kernel(n_tracks, n_dets, pi, pj, w, w0, max_events, tol, max_iter, beta, beta0, exact):
    """JPDA marginal association probabilities on a sparse pair table.

    Pairs must be sorted by track. ``w`` (P,) are the pair likelihood ratios
    Pd N(nu; 0, S) / lambda and ``w0`` (M,) the missed-detection weights (1 - Pd Pg).
    Independent clusters are solved separately: exactly by enumeration when the
    cluster has at most ``max_events`` joint events (bounded by prod(1 + gated)),
    otherwise by loopy belief propagation. Fills beta (P,), beta0 (M,) and exact (M,).
    """
    npairs = pi.shape[0]
    for i in range(n_tracks):
        beta0[i] = 1.0
        exact[i] = True
    for e in range(npairs):
        beta[e] = 0.0
    keep = np.ones(npairs, np.bool_)
    root = _components(n_tracks, n_dets, pi, pj, keep)
    order = np.argsort(root[pi], kind="mergesort")  # stable: pairs stay sorted by track
    local_d = np.full(n_dets, -1, np.int64)
    dets = np.empty(n_dets, np.int64)
    k = 0
    while k < npairs:
        c = root[pi[order[k]]]
        end = k
        while end < npairs and root[pi[order[end]]] == c:
            end += 1
        n = end - k
        # cluster tracks in order; per-track start/degree over the cluster's pairs
        nt = 0
        for q in range(k, end):
            if q == k or pi[order[q]] != pi[order[q - 1]]:
                nt += 1
        start = np.empty(nt, np.int64)
        deg = np.zeros(nt, np.int64)
        tracks = np.empty(nt, np.int64)
        wl = np.empty(n)
        w0l = np.empty(nt)
        pjl = np.empty(n, np.int64)
        nd = 0
        t = -1
        for q in range(k, end):
            e = order[q]
            if q == k or pi[e] != pi[order[q - 1]]:
                t += 1
                start[t] = q - k
                tracks[t] = pi[e]
            deg[t] += 1
            if local_d[pj[e]] < 0:
                local_d[pj[e]] = nd
                dets[nd] = pj[e]
                nd += 1
            pjl[q - k] = local_d[pj[e]]
        # scale each track's weights by its largest (marginals are unchanged)
        events = 1.0
        for t in range(nt):
            big = w0[tracks[t]]
            for q in range(start[t], start[t] + deg[t]):
                big = max(big, w[order[k + q]])
            w0l[t] = w0[tracks[t]] / big
            for q in range(start[t], start[t] + deg[t]):
                wl[q] = w[order[k + q]] / big
            events *= 1.0 + deg[t]
        bl = np.zeros(n)
        b0 = np.zeros(nt)
        if events <= max_events:
            used = np.zeros(nd, np.bool_)
            total = _jpda_exact(start, deg, pjl, wl, w0l, bl, b0, used)
            for q in range(n):
                bl[q] /= total
            for t in range(nt):
                b0[t] /= total
        else:
            _jpda_lbp(start, deg, pjl, nd, wl, w0l, bl, b0, tol, max_iter)
            for t in range(nt):
                exact[tracks[t]] = False
        for q in range(n):
            beta[order[k + q]] = bl[q]
        for t in range(nt):
            beta0[tracks[t]] = b0[t]
        for q in range(nd):
            local_d[dets[q]] = -1
        k = end
