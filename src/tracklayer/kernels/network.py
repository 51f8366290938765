"""numba kernel of the fused picture's identity management (reference with the same
signature: `tracklayer.network.identity.identities_numpy`)."""

from __future__ import annotations

import numpy as np

from tracklayer.kernels._jit import jit
from tracklayer.kernels.tracking import gnn_clusters_kernel


@jit
def _before(ja, sa, ka, jb, sb, kb):
    """Whether input a ranks before input b as an anchor: earlier join, lower stream, lower key."""
    if ja != jb:
        return ja < jb
    if sa != sb:
        return sa < sb
    return ka < kb


@jit
def _anchors(n, f, keys, streams, joined, best, anchor):
    """Fill anchor (n,) with the local row of each row's fused-track anchor (-1: none);
    ``best`` (>= max fid + 1) is scratch, left at -1."""
    for r in range(n):
        if f[r] >= 0:
            c = best[f[r]]
            if c < 0 or _before(joined[keys[r]], streams[r], keys[r], joined[keys[c]], streams[c], keys[c]):
                best[f[r]] = r
    for r in range(n):
        anchor[r] = best[f[r]] if f[r] >= 0 else -1
    for r in range(n):
        if f[r] >= 0:
            best[f[r]] = -1


@jit
def identities_kernel(row_k, row_stream, row_key, pi, pj, d2, gate, merge_gate, unmap_after, n_keys, out, use):
    """Track-to-track association and identity management over all fusion times
    (`tracklayer.network.identity`); fills ``out`` (R,) with fused ids and ``use`` (R,)
    with whether each row is fused."""
    n_rows = row_k.shape[0]
    fid_of_key = np.full(n_keys, -1, np.int64)
    fails = np.zeros(n_keys, np.int64)
    joined = np.zeros(n_keys, np.int64)
    last_k = np.full(n_rows + 1, -2, np.int64)
    best = np.full(n_rows + 1, -1, np.int64)
    mark = np.zeros(n_rows + 1, np.int64)  # per fused id: stamp of "has a member of the stream"
    n_streams = 0
    for r in range(n_rows):
        n_streams = max(n_streams, row_stream[r] + 1)
    smark = np.zeros(n_streams, np.int64)
    stamp = 0
    next_fid = 0
    n_pairs = pi.shape[0]
    p = 0
    lo = 0
    while lo < n_rows:
        k = row_k[lo]
        hi = lo
        while hi < n_rows and row_k[hi] == k:
            hi += 1
        n = hi - lo
        while p < n_pairs and pi[p] < lo:
            p += 1
        pe = p
        while pe < n_pairs and pi[pe] < hi:
            pe += 1
        keys = row_key[lo:hi]
        streams = row_stream[lo:hi]
        f = np.empty(n, np.int64)
        for r in range(n):
            f[r] = fid_of_key[keys[r]]
            if f[r] >= 0 and last_k[f[r]] != k - 1:
                f[r] = -1
        anchor = np.empty(n, np.int64)

        # consistency with the anchor
        _anchors(n, f, keys, streams, joined, best, anchor)
        ok = np.zeros(n, np.bool_)
        for e in range(p, pe):
            a, b = pi[e] - lo, pj[e] - lo
            if d2[e] <= gate and f[a] >= 0 and f[a] == f[b]:
                if anchor[a] == b:
                    ok[a] = True
                elif anchor[b] == a:
                    ok[b] = True
        for r in range(n):
            use[lo + r] = True
            if f[r] >= 0 and anchor[r] != r:
                q = keys[r]
                if ok[r]:
                    fails[q] = 0
                else:
                    fails[q] += 1
                    if fails[q] >= unmap_after:
                        f[r] = -1
                        fails[q] = 0
                    else:
                        use[lo + r] = False

        # association, stream by stream
        for st in range(n_streams):
            n_free = 0
            for r in range(n):
                if f[r] < 0 and streams[r] == st:
                    n_free += 1
            if n_free == 0:
                continue
            _anchors(n, f, keys, streams, joined, best, anchor)
            stamp += 1
            for r in range(n):
                if f[r] >= 0 and streams[r] == st:
                    mark[f[r]] = stamp
            free = np.empty(n_free, np.int64)
            pos_free = np.full(n, -1, np.int64)
            c = 0
            for r in range(n):
                if f[r] < 0 and streams[r] == st:
                    free[c] = r
                    pos_free[r] = c
                    c += 1
            pos_cand = np.full(n, -1, np.int64)
            cand = np.empty(n, np.int64)
            n_cand = 0
            for r in range(n):
                if anchor[r] == r and mark[f[r]] != stamp:
                    pos_cand[r] = n_cand
                    cand[n_cand] = r
                    n_cand += 1
            m = 0
            for e in range(p, pe):
                if d2[e] <= gate:
                    a, b = pi[e] - lo, pj[e] - lo
                    if (pos_free[a] >= 0 and pos_cand[b] >= 0) or (pos_free[b] >= 0 and pos_cand[a] >= 0):
                        m += 1
            ui = np.empty(m, np.int64)
            ci = np.empty(m, np.int64)
            gain = np.empty(m)
            m = 0
            for e in range(p, pe):
                if d2[e] <= gate:
                    a, b = pi[e] - lo, pj[e] - lo
                    if pos_free[a] >= 0 and pos_cand[b] >= 0:
                        ui[m], ci[m], gain[m] = pos_free[a], pos_cand[b], gate - d2[e]
                        m += 1
                    elif pos_free[b] >= 0 and pos_cand[a] >= 0:
                        ui[m], ci[m], gain[m] = pos_free[b], pos_cand[a], gate - d2[e]
                        m += 1
            match = np.full(n_free, -1, np.int64)
            if m > 0:
                gnn_clusters_kernel(n_free, n_cand, ui, ci, gain, match)
            for u in range(n_free):
                r = free[u]
                if match[u] >= 0:
                    f[r] = f[cand[match[u]]]
                else:
                    f[r] = next_fid
                    next_fid += 1
                joined[keys[r]] = k
                fails[keys[r]] = 0

        # merge duplicates, closest first
        _anchors(n, f, keys, streams, joined, best, anchor)
        n_close = 0
        for e in range(p, pe):
            a, b = pi[e] - lo, pj[e] - lo
            if d2[e] <= merge_gate and anchor[a] == a and anchor[b] == b and f[a] != f[b]:
                n_close += 1
        if n_close > 0:
            close = np.empty(n_close, np.int64)
            n_close = 0
            for e in range(p, pe):
                a, b = pi[e] - lo, pj[e] - lo
                if d2[e] <= merge_gate and anchor[a] == a and anchor[b] == b and f[a] != f[b]:
                    close[n_close] = e
                    n_close += 1
            order = np.argsort(d2[close], kind="mergesort")
            for o in range(n_close):
                e = close[order[o]]
                fa, fb = f[pi[e] - lo], f[pj[e] - lo]
                if fa == fb:
                    continue
                stamp += 1
                for r in range(n):
                    if f[r] == fa:
                        smark[streams[r]] = stamp
                shared = False
                for r in range(n):
                    if f[r] == fb and smark[streams[r]] == stamp:
                        shared = True
                if shared:
                    continue
                keep, gone = min(fa, fb), max(fa, fb)
                for r in range(n):
                    if f[r] == gone:
                        f[r] = keep

        for r in range(n):
            fid_of_key[keys[r]] = f[r]
            last_k[f[r]] = k
            out[lo + r] = f[r]
        lo = hi
