"""numba kernels for tracking (references with the same signatures:
`tracklayer.tracking.gating.sweep_pairs_numpy`, `tracklayer.tracking.association.gnn_clusters_numpy`,
`tracklayer.tracking.association.jpda_clusters_numpy`, and for the linear-Gaussian path
`tracklayer.tracking.linear.linear_predict_numpy`, ``linear_gate_numpy`` and
``linear_update_numpy``)."""

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
            for tr in range(k):
                o = chosen[tr]
                if o == 0:
                    beta0[tr] += prod[k]
                else:
                    beta[start[tr] + o - 1] += prod[k]
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
        for tr in range(k):
            s = w0[tr]
            for e in range(start[tr], start[tr] + deg[tr]):
                s += w[e] * nu[e]
            for e in range(start[tr], start[tr] + deg[tr]):
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
    for tr in range(k):
        s = w0[tr]
        for e in range(start[tr], start[tr] + deg[tr]):
            s += w[e] * nu[e]
        beta0[tr] = w0[tr] / s
        for e in range(start[tr], start[tr] + deg[tr]):
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


# ----------------------------------------------------------------- linear-Gaussian path
# Kalman filter with a linear motion model (F, Q the same for every track) and Cartesian
# position measurements (H = [I 0]). Only + - * / and sqrt are used, in a fixed order
# that the NumPy references repeat, so the two engines agree bit for bit; logarithms and
# exponentials are left to NumPy in the caller.


@jit
def linear_predict_kernel(x, p, f, q, x_out, p_out):
    """x_out = F x, p_out = sym(F P F^T + Q) for states (M, n) and covariances (M, n, n)
    (sums over the non-zero entries of F only, in ascending column order). Every sum
    runs over all tracks in its innermost loop, which keeps the loop overhead of the
    one or two terms per entry off each track."""
    m, n = x.shape[0], x.shape[1]
    cnt = np.zeros(n, np.int64)
    col = np.empty((n, n), np.int64)
    for a in range(n):
        for k in range(n):
            if f[a, k] != 0.0:
                col[a, cnt[a]] = k
                cnt[a] += 1
    acc = np.empty(m)
    for a in range(n):
        acc[:] = 0.0
        for c in range(cnt[a]):
            k = col[a, c]
            fk = f[a, k]
            for t in range(m):
                acc[t] += fk * x[t, k]
        for t in range(m):
            x_out[t, a] = acc[t]
    fp = np.empty((m, n, n))
    for a in range(n):
        for b in range(n):
            acc[:] = 0.0
            for c in range(cnt[a]):
                k = col[a, c]
                fk = f[a, k]
                for t in range(m):
                    acc[t] += fk * p[t, k, b]
            for t in range(m):
                fp[t, a, b] = acc[t]
    for a in range(n):
        for b in range(n):
            acc[:] = 0.0
            for c in range(cnt[b]):
                k = col[b, c]
                fk = f[b, k]
                for t in range(m):
                    acc[t] += fp[t, a, k] * fk
            qab = q[a, b]
            for t in range(m):
                p_out[t, a, b] = acc[t] + qab
    for t in range(m):
        for a in range(n):
            for b in range(a + 1, n):
                v = 0.5 * (p_out[t, a, b] + p_out[t, b, a])
                p_out[t, a, b] = v
                p_out[t, b, a] = v


@jit
def _innovation_chol(p, r, el):
    """Lower Cholesky factor of S = sym(P[:3, :3]) + R into el (3, 3)."""
    for a in range(3):
        for b in range(a + 1):
            s = 0.5 * (p[a, b] + p[b, a]) + r[a, b]
            for k in range(b):
                s -= el[a, k] * el[b, k]
            if a == b:
                el[a, a] = math.sqrt(s)
            else:
                el[a, b] = s / el[b, b]
        for b in range(a + 1, 3):
            el[a, b] = 0.0


@jit
def linear_gate_kernel(x, p, z, r, gamma):
    """Chi-square-gated (track, detection) pairs of a position scan.

    Coarse gate (`tracklayer.tracking.gating.coarse_space` for position: radius
    sqrt(gamma (trace P_rr + max trace R)) (1 + 1e-9)) by sort and sweep, then
    d^2 = nu^T S^-1 nu <= gamma with S = P_rr + R. Returns the pairs sorted by (i, j):
    track index (G,), detection index (G,), d^2 (G,) and the diagonal of the Cholesky
    factor of S (G, 3) (for log det S).
    """
    m = x.shape[0]
    d = z.shape[0]
    r_max = -np.inf
    for j in range(d):
        r_max = max(r_max, r[j, 0, 0] + r[j, 1, 1] + r[j, 2, 2])
    pts = np.ascontiguousarray(x[:, :3])
    det = np.ascontiguousarray(z[:, :3])
    radius = np.empty(m)
    for i in range(m):
        radius[i] = math.sqrt(gamma * (p[i, 0, 0] + p[i, 1, 1] + p[i, 2, 2] + r_max)) * (1.0 + 1e-9)
    order = np.argsort(det[:, 0], kind="mergesort")
    xs = np.empty(d)
    for k in range(d):
        xs[k] = det[order[k], 0]
    counts = np.zeros(m, np.int64)
    offsets = np.zeros(m, np.int64)
    sweep_pairs_kernel(pts, radius, det, order, xs, True, offsets, offsets, offsets, counts)
    for i in range(1, m):
        offsets[i] = offsets[i - 1] + counts[i - 1]
    total = offsets[m - 1] + counts[m - 1] if m else 0
    ci = np.empty(total, np.int64)
    cj = np.empty(total, np.int64)
    sweep_pairs_kernel(pts, radius, det, order, xs, False, offsets, ci, cj, counts)
    d2 = np.empty(total)
    diag = np.empty((total, 3))
    el = np.empty((3, 3))
    y = np.empty(3)
    g = 0
    for e in range(total):
        i, j = ci[e], cj[e]
        _innovation_chol(p[i], r[j], el)
        acc = 0.0
        for a in range(3):
            s = z[j, a] - x[i, a]
            for k in range(a):
                s -= el[a, k] * y[k]
            y[a] = s / el[a, a]
            acc += y[a] * y[a]
        if acc <= gamma:
            ci[g], cj[g], d2[g] = i, j, acc
            for a in range(3):
                diag[g, a] = el[a, a]
            g += 1
    return ci[:g], cj[:g], d2[:g], diag[:g]


@jit
def _joseph(x, p, z, r, xu, pu, el, kt, ikh, kr, tmp):
    """Kalman update of one track (x (n,), P (n, n)) with one position detection (z, R):
    K = P H^T S^-1 from the Cholesky factor of S, x + K nu and the Joseph form
    A P A^T + K R K^T with A = I - K H, symmetrised, into xu, pu. With H = [I 0] the
    columns of A beyond the third are those of I: ``ikh`` (n, 3) holds the first three,
    ``kr`` (n, 3) K R and ``tmp`` (n, n) A P."""
    n = x.shape[0]
    _innovation_chol(p, r, el)
    for c in range(n):  # K^T = S^-1 (P H^T)^T: two triangular solves per column of K^T
        for a in range(3):
            s = p[c, a]
            for k in range(a):
                s -= el[a, k] * kt[k, c]
            kt[a, c] = s / el[a, a]
        for a in range(2, -1, -1):
            s = kt[a, c]
            for k in range(a + 1, 3):
                s -= el[k, a] * kt[k, c]
            kt[a, c] = s / el[a, a]
    for a in range(n):
        acc = 0.0
        for k in range(3):
            acc += kt[k, a] * (z[k] - x[k])
        xu[a] = x[a] + acc
        for b in range(3):
            ikh[a, b] = (1.0 if a == b else 0.0) - kt[b, a]
            acc = 0.0
            for k in range(3):
                acc += kt[k, a] * r[k, b]
            kr[a, b] = acc
    for a in range(n):
        for b in range(n):
            acc = 0.0
            for k in range(3):
                acc += ikh[a, k] * p[k, b]
            tmp[a, b] = acc + p[a, b] if a >= 3 else acc
    for a in range(n):
        for b in range(n):
            acc = 0.0
            for k in range(3):
                acc += tmp[a, k] * ikh[b, k]
            if b >= 3:
                acc += tmp[a, b]
            krk = 0.0
            for k in range(3):
                krk += kr[a, k] * kt[k, b]
            pu[a, b] = acc + krk
    for a in range(n):
        for b in range(a + 1, n):
            v = 0.5 * (pu[a, b] + pu[b, a])
            pu[a, b] = v
            pu[b, a] = v


@jit
def _linear_pass(x, p, status, score, ci, cj, log_lik, gain, w, z, r, want, jpda, w0, max_events, tol, max_iter,
                 log_hit, log_miss, free, hit, used, lik_sum):
    """Associate the tracks of one status with the free detections and update them."""
    m_all = x.shape[0]
    d_all = z.shape[0]
    n = x.shape[1]
    local_t = np.full(m_all, -1, np.int64)
    local_d = np.full(d_all, -1, np.int64)
    m = 0
    for i in range(m_all):
        if status[i] == want:
            local_t[i] = m
            m += 1
    nd = 0
    for j in range(d_all):
        if free[j]:
            local_d[j] = nd
            nd += 1
    if m == 0 or nd == 0:
        return
    sel = np.empty(ci.shape[0], np.int64)
    npair = 0
    for e in range(ci.shape[0]):
        if local_t[ci[e]] >= 0 and local_d[cj[e]] >= 0:
            sel[npair] = e
            npair += 1
    li = np.empty(npair, np.int64)
    lj = np.empty(npair, np.int64)
    for q in range(npair):
        li[q] = local_t[ci[sel[q]]]
        lj[q] = local_d[cj[sel[q]]]
    el = np.empty((3, 3))
    kt = np.empty((3, n))
    ikh = np.empty((n, 3))
    kr = np.empty((n, 3))
    tmp = np.empty((n, n))
    if not jpda:
        g = np.empty(npair)
        for q in range(npair):
            g[q] = gain[sel[q]]
        det_of = np.full(m, -1, np.int64)
        gnn_clusters_kernel(m, nd, li, lj, g, det_of)
        xu = np.empty(n)
        pu = np.empty((n, n))
        for q in range(npair):
            if det_of[li[q]] == lj[q]:
                e = sel[q]
                i, j = ci[e], cj[e]
                _joseph(x[i], p[i], z[j], r[j], xu, pu, el, kt, ikh, kr, tmp)
                x[i] = xu
                p[i] = pu
                score[i] = score[i] + log_hit + log_lik[e]
                hit[i] = True
                used[j] = True
    else:
        wl = np.empty(npair)
        for q in range(npair):
            wl[q] = w[sel[q]]
        beta = np.zeros(npair)
        beta0 = np.ones(m)
        exact = np.ones(m, np.bool_)
        jpda_clusters_kernel(m, nd, li, lj, wl, np.full(m, w0), max_events, tol, max_iter, beta, beta0, exact)
        xu = np.empty((npair, n))
        pu = np.empty((npair, n, n))
        mix = np.empty(n)
        cov = np.empty((n, n))
        q = 0
        while q < npair:  # pairs sorted by track: one track's pairs at a time
            i = ci[sel[q]]
            end = q
            while end < npair and ci[sel[end]] == i:
                end += 1
            b0 = beta0[li[q]]
            mix[:] = 0.0
            sum_w = 0.0
            for u in range(q, end):
                j = cj[sel[u]]
                _joseph(x[i], p[i], z[j], r[j], xu[u], pu[u], el, kt, ikh, kr, tmp)
                for a in range(n):
                    mix[a] += beta[u] * xu[u, a]
                sum_w += wl[u]
                used[j] = True
            for a in range(n):
                mix[a] = b0 * x[i, a] + mix[a]
            cov[:, :] = 0.0
            for u in range(q, end):
                for a in range(n):
                    for b in range(n):
                        cov[a, b] += beta[u] * (pu[u, a, b] + (xu[u, a] - mix[a]) * (xu[u, b] - mix[b]))
            for a in range(n):
                for b in range(n):
                    cov[a, b] = b0 * (p[i, a, b] + (x[i, a] - mix[a]) * (x[i, b] - mix[b])) + cov[a, b]
            x[i] = mix
            for a in range(n):
                for b in range(n):
                    p[i, a, b] = 0.5 * (cov[a, b] + cov[b, a])
            lik_sum[i] = w0 + sum_w
            hit[i] = True
            q = end
    for i in range(m_all):
        if local_t[i] >= 0 and not hit[i]:
            score[i] = score[i] + log_miss


@jit
def linear_update_kernel(x, p, status, score, ci, cj, log_lik, gain, w, z, r, jpda, w0, max_events, tol, max_iter,
                         log_hit, log_miss, hit, used, lik_sum):
    """Association and Kalman update of one position scan, in place.

    Confirmed tracks take detections first (GNN on ``gain`` or, with ``jpda``, JPDA on
    the likelihood ratios ``w`` with missed weight ``w0``), then tentative tracks by GNN
    from what is left. Inputs are the gated pairs (sorted by track) of
    `linear_gate_kernel` with their log-likelihoods, GNN gains and JPDA weights. Scores
    change by ``log_miss`` for a miss and by ``log_hit + log_lik`` for a GNN update; a
    JPDA-updated track keeps its score and gets ``lik_sum`` = w0 + sum w (the caller adds
    its log). Marks ``hit`` tracks and ``used`` detections.
    """
    free = np.ones(z.shape[0], np.bool_)
    _linear_pass(x, p, status, score, ci, cj, log_lik, gain, w, z, r, 1, jpda, w0, max_events, tol, max_iter,
                 log_hit, log_miss, free, hit, used, lik_sum)
    for j in range(z.shape[0]):
        free[j] = not used[j]
    _linear_pass(x, p, status, score, ci, cj, log_lik, gain, w, z, r, 0, False, w0, max_events, tol, max_iter,
                 log_hit, log_miss, free, hit, used, lik_sum)


@jit
def linear_hits_kernel(hit, t_s, score, score_peak, last_hit_t_s, hits, hit_times_s):
    """Hit bookkeeping of a scan (`tracklayer.tracking.tracks.Tracks.record_hits`): a
    ``hit`` track whose last hit is before ``t_s`` counts one more hit, its last hit
    time becomes ``t_s`` and its hit-time window (M, K) shifts left with ``t_s`` last;
    the peak score is max(score_peak, score) (NaN-propagating like `numpy.maximum`).
    Returns new score_peak, last_hit_t_s, hits and hit_times_s."""
    m, k = hit_times_s.shape
    peak = np.empty(m)
    last = np.empty(m)
    count = np.empty_like(hits)
    times = np.empty((m, k))
    for i in range(m):
        a, b = score_peak[i], score[i]
        peak[i] = a if a >= b or a != a else b
        first = hit[i] and last_hit_t_s[i] < t_s
        last[i] = t_s if first else last_hit_t_s[i]
        count[i] = hits[i] + 1 if first else hits[i]
        if first:
            for c in range(k - 1):
                times[i, c] = hit_times_s[i, c + 1]
            times[i, k - 1] = t_s
        else:
            for c in range(k):
                times[i, c] = hit_times_s[i, c]
    return peak, last, count, times
