"""A node's fused picture from the track messages it receives.

1. **Late and out-of-order messages.** For each input track (stream, sender's id) the
   receiver keeps the report with the latest time of validity among those arrived; a
   message older than one already held is discarded (counted), a deletion notice ends
   the input. An input is live at fusion time t while its current report arrived at
   most ``stale_s`` before t.
2. **Prediction.** Every live input is predicted from its time of validity to each
   fusion time (the grid times) with the ballistic model (`tracklayer.network.predict`),
   all of them in one batch, with process noise sized to the acceleration the input's
   last two reports show (`adaptive_noise`: near zero in free flight, large in boost
   and re-entry); each gets the registration-bias covariance its link
   assumes added to its position covariance (association and fusion allow for it).
3. **Association and identity** (`tracklayer.network.identity`) on the 6-D
   Mahalanobis distance of pairs found by a coarse sort-and-sweep gate.
4. **Fusion** of each fused track's members: covariance intersection, fast CI, or
   information-matrix fusion (below), vectorised over all fused tracks and times.

**Information-matrix fusion** (Chong, Mori & Chang 1990, "Distributed multitarget
multisensor tracking", in Bar-Shalom (ed.), Multitarget-Multisensor Tracking: Advanced
Applications; Bar-Shalom, Willett & Tian 2011, Tracking and Data Fusion, Sec. 8.6):
the fused track keeps its own estimate and adds only the *new* information of each
report, removing the information the receiver already had from that track's previous
report (the common information):

    Y_f(k) = Y_f(k|k-1) + sum_i [Y_i(k) - Y_i(prev -> k)],
    y_f(k) = y_f(k|k-1) + sum_i [y_i(k) - y_i(prev -> k)],   y = Y x,

all predicted to the fusion time. With full-rate reports, linear models and no process
noise it equals the centralised estimate (tests); otherwise it is an approximation
that ignores the correlation of process noise, less conservative than CI. The
increments are clipped to positive semi-definite, and a fused track whose members
share a source (overlapping provenance: the same sensor's data reached it twice) is
fused by CI at that time instead, which is safe for any correlation.
"""

from __future__ import annotations

import numpy as np

from tracklayer.network.config import FusionConfig
from tracklayer.network.fusion import FUSION_RULES, group_or, information, popcount, sequential_ci, symmetric
from tracklayer.network.identity import assign_identities
from tracklayer.network.messages import Messages
from tracklayer.network.predict import adaptive_noise, predict_tracks, report_acceleration
from tracklayer.table import Table
from tracklayer.tracking import CONFIRMED, DELETED
from tracklayer.tracking.gating import coarse_pairs

_STEP_OFFSET_M = 1e8
"""Fusion times are separated along x by this much in the coarse gate's space."""

PICTURE_COLUMNS = ("t_s", "track_id", "status", "x", "P", "hits", "last_update_t_s", "sources", "fused_inputs")


def current_reports(msgs: Messages, t_grid_s: np.ndarray, stale_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which report of which input is current at which fusion time.

    Returns
    -------
    row_k : (R,) fusion-time index; row_msg : (R,) message index; key : (n,) input
    index of every message; the number of messages of each stream discarded as out of
    date (they arrived after a newer report of the same track).
    """
    n = len(msgs)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    code = msgs.stream.astype(np.int64) * (1 << 40) + msgs.track_id
    _, key = np.unique(code, return_inverse=True)
    order = np.lexsort((msgs.t_valid_s, msgs.arrival_t_s, key))
    kk, tv = key[order], msgs.t_valid_s[order]
    span = float(tv.max() - tv.min()) + 1.0
    shifted = (tv - tv.min()) + kk * 2.0 * span
    before = np.r_[-np.inf, np.maximum.accumulate(shifted)[:-1]]
    accepted = shifted > before  # newer than every earlier-arrived report of the same input
    acc = order[accepted]
    discarded = np.bincount(msgs.stream[order[~accepted]], minlength=int(msgs.stream.max()) + 1)
    k_acc = key[acc]
    nxt_same = np.r_[k_acc[1:] == k_acc[:-1], False]
    next_arrival = np.where(nxt_same, np.r_[msgs.arrival_t_s[acc][1:], np.inf], np.inf)
    end = np.minimum(next_arrival, msgs.arrival_t_s[acc] + stale_s + 1e-9)
    live = ~msgs.drop[acc]
    acc, end = acc[live], end[live]
    k_lo = np.searchsorted(t_grid_s, msgs.arrival_t_s[acc], side="left")
    k_hi = np.searchsorted(t_grid_s, end, side="left")
    count = np.maximum(k_hi - k_lo, 0)
    row_msg = np.repeat(acc, count)
    row_k = np.repeat(k_lo, count) + (np.arange(row_msg.size) - np.repeat(np.cumsum(count) - count, count))
    return row_k.astype(np.int64), row_msg.astype(np.int64), key.astype(np.int64), discarded


def candidate_pairs(row_k: np.ndarray, row_stream: np.ndarray, x: np.ndarray, p: np.ndarray, gate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows at the same fusion time from different streams, with their 6-D d^2.

    A coarse sweep in position (radius sqrt(gate 2 trace P_pos), which contains the
    chi-square gate on P_i + P_j from the row with the larger covariance) finds the
    candidates; returns pi < pj, sorted by pi, and d^2 = dx^T (P_i + P_j)^-1 dx.
    """
    pos_var = np.trace(p[:, :3, :3], axis1=1, axis2=2)
    radius = np.minimum(np.sqrt(gate * 2.0 * pos_var), 0.4 * _STEP_OFFSET_M)
    pts = x[:, :3].copy()
    pts[:, 0] += row_k * _STEP_OFFSET_M
    i, j = coarse_pairs(pts, radius, pts)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keep = (lo != hi) & (row_stream[lo] != row_stream[hi])
    code = np.unique(lo[keep] * x.shape[0] + hi[keep])
    pi, pj = code // x.shape[0], code % x.shape[0]
    dx = x[pi] - x[pj]
    d2 = np.einsum("pi,pi->p", dx, np.linalg.solve(p[pi] + p[pj], dx[:, :, None])[:, :, 0]) if pi.size else np.zeros(0)
    return pi, pj, d2


def fuse_picture(msgs: Messages, bias_var_m2: np.ndarray, t_grid_s: np.ndarray, cfg: FusionConfig) -> tuple[Table, dict]:
    """The fused picture of one node.

    Parameters
    ----------
    msgs : every message the node received (and its own tracker's reports, as stream 0
        if it has a tracker), with arrival times
    bias_var_m2 : (n_streams,) variance per axis of the registration bias assumed for
        each stream's tracks, added to their position covariance
    t_grid_s : (T,) fusion times (the grid), s since epoch
    cfg : the node's association and fusion settings

    Returns
    -------
    The picture as a tracks table (columns `PICTURE_COLUMNS`; confirmed rows at grid
    times, one deleted row when a fused track ends) and statistics.
    """
    row_k, row_msg, key, discarded = current_reports(msgs, t_grid_s, cfg.stale_s)
    stats = {"discarded_by_stream": discarded}
    if row_k.size == 0:
        return empty_picture(), stats
    order = np.lexsort((key[row_msg], msgs.stream[row_msg], row_k))
    row_k, row_msg = row_k[order], row_msg[order]
    row_stream = msgs.stream[row_msg]
    dt = t_grid_s[row_k] - msgs.t_valid_s[row_msg]
    accel = report_acceleration(msgs.t_valid_s, msgs.x, key)[row_msg]
    x, p = predict_tracks(msgs.x[row_msg], msgs.p[row_msg], dt, adaptive_noise(accel, dt, cfg.q_m2_s3, cfg.q_floor_m2_s3))
    bias = bias_var_m2[row_stream]
    p[:, [0, 1, 2], [0, 1, 2]] += bias[:, None]
    pi, pj, d2 = candidate_pairs(row_k, row_stream, x, p, cfg.gate)
    fid, use = assign_identities(row_k, row_stream, key[row_msg], pi, pj, d2, cfg.gate, cfg.merge_gate, cfg.unmap_after, int(key.max()) + 1)
    row_k, row_msg, x, p, bias, fid = row_k[use], row_msg[use], x[use], p[use], bias[use], fid[use]
    code = row_k * (int(fid.max()) + 1) + fid
    _, first, group = np.unique(code, return_index=True, return_inverse=True)  # one group per (time, fused track)
    n_groups = first.size
    g_k, g_fid = row_k[first], fid[first]
    sources = group_or(msgs.sources[row_msg], group, n_groups)
    rule = FUSION_RULES[cfg.method]
    if rule.removes_common_information:
        fx, fp, sources = _information_fusion(msgs, row_k, row_msg, key, fid, group, n_groups, g_k, g_fid, x, p, bias, sources, t_grid_s, cfg)
    else:
        fx, fp = rule.fuse(x, p, group, n_groups)
    inputs = np.bincount(group, minlength=n_groups)
    hits = np.zeros(n_groups, np.int64)
    np.maximum.at(hits, group, msgs.hits[row_msg].astype(np.int64))
    last = np.full(n_groups, -np.inf)
    np.maximum.at(last, group, msgs.last_update_t_s[row_msg])
    table = _rows(t_grid_s, g_k, g_fid, fx, fp, hits, last, sources, inputs, cfg)
    return table, stats


def _information_fusion(msgs, row_k, row_msg, key, fid, group, n_groups, g_k, g_fid, x, p, bias, sources, t_grid_s, cfg):
    """Information-matrix fusion with common-information removal, fused track by fused
    track through time (vectorised over the fused tracks of each time). Returns the
    fused states, covariances and provenance: a fused track keeps the information, so
    the provenance, of members that have left it, until CI replaces its estimate."""
    y_row = information(p)
    inc_y = y_row.copy()
    inc_v = np.einsum("rij,rj->ri", y_row, x)
    # The previous row of the same input, when it was in the same fused track: only the
    # information its new report adds goes in; an unchanged report adds nothing.
    by_key = np.lexsort((row_k, key[row_msg]))
    same = np.r_[False, key[row_msg][by_key][1:] == key[row_msg][by_key][:-1]]
    prev = np.full(row_k.size, -1, np.int64)
    prev[by_key[same]] = by_key[np.nonzero(same)[0] - 1]
    known = prev >= 0
    known[known] = fid[prev[known]] == fid[known]
    unchanged = known & (row_msg == row_msg[np.maximum(prev, 0)])
    inc_y[unchanged] = 0.0
    inc_v[unchanged] = 0.0
    old = np.nonzero(known & ~unchanged)[0]
    if old.size:
        om = row_msg[prev[old]]
        ox, op = predict_tracks(msgs.x[om], msgs.p[om], t_grid_s[row_k[old]] - msgs.t_valid_s[om], cfg.q_m2_s3)
        op[:, [0, 1, 2], [0, 1, 2]] += bias[old, None]
        oy = information(op)
        inc_y[old] -= oy
        inc_v[old] -= np.einsum("rij,rj->ri", oy, ox)
    gy = np.zeros((n_groups, 6, 6))
    gv = np.zeros((n_groups, 6))
    np.add.at(gy, group, inc_y)
    np.add.at(gv, group, inc_v)
    shared = np.zeros(n_groups, np.int64)
    np.add.at(shared, group, popcount(msgs.sources[row_msg]))
    overlap = popcount(sources) < shared  # two members derive from the same sensor group
    ci_x, ci_p = sequential_ci(x, p, group, n_groups)
    fx = np.empty((n_groups, 6))
    fp = np.empty((n_groups, 6, 6))
    bounds = np.r_[0, np.nonzero(np.diff(g_k))[0] + 1, n_groups]
    prev_fid = np.zeros(0, np.int64)
    prev_x, prev_p, prev_src, prev_k = np.zeros((0, 6)), np.zeros((0, 6, 6)), np.zeros(0, np.uint64), -2
    sources = sources.copy()
    for s in range(bounds.size - 1):
        g = np.arange(bounds[s], bounds[s + 1])
        k = int(g_k[g[0]])
        y, v = gy[g], gv[g]
        carried = np.isin(g_fid[g], prev_fid) if prev_k == k - 1 else np.zeros(g.size, bool)
        if carried.any():
            src = np.searchsorted(prev_fid, g_fid[g][carried])
            px, pp = predict_tracks(prev_x[src], prev_p[src], np.full(src.size, t_grid_s[k] - t_grid_s[prev_k]), cfg.q_m2_s3)
            py = information(pp)
            y[carried] += py
            v[carried] += np.einsum("gij,gj->gi", py, px)
        use_ci = overlap[g] | (np.linalg.eigvalsh(symmetric(y))[:, 0] <= 0.0)
        if carried.any():
            inherit = np.nonzero(carried)[0][~use_ci[carried]]
            sources[g[inherit]] |= prev_src[np.searchsorted(prev_fid, g_fid[g][inherit])]
        out_x, out_p = ci_x[g], ci_p[g]
        ok = ~use_ci
        if ok.any():
            out_p[ok] = symmetric(np.linalg.inv(y[ok]))
            out_x[ok] = np.einsum("gij,gj->gi", out_p[ok], v[ok])
        fx[g], fp[g] = out_x, out_p
        order = np.argsort(g_fid[g])
        prev_k, prev_fid, prev_x, prev_p, prev_src = k, g_fid[g][order], out_x[order], out_p[order], sources[g][order]
    return fx, fp, sources


def _rows(t_grid_s, g_k, g_fid, fx, fp, hits, last, sources, inputs, cfg) -> Table:
    """Picture table: confirmed rows per (time, fused track), then one deleted row per
    fused track at the first grid time after its last (state predicted there)."""
    order = np.lexsort((g_k, g_fid))
    f_sorted = g_fid[order]
    is_last = np.r_[f_sorted[1:] != f_sorted[:-1], True]
    end = order[is_last]
    end = end[g_k[end] + 1 < t_grid_s.shape[0]]
    dx, dp = predict_tracks(fx[end], fp[end], t_grid_s[g_k[end] + 1] - t_grid_s[g_k[end]], cfg.q_m2_s3)
    t = np.r_[t_grid_s[g_k], t_grid_s[g_k[end] + 1]]
    cols = {
        "t_s": t,
        "track_id": np.r_[g_fid, g_fid[end]] + 1,
        "status": np.r_[np.full(g_k.size, CONFIRMED, np.int8), np.full(end.size, DELETED, np.int8)],
        "x": np.concatenate([fx, dx]),
        "P": np.concatenate([fp, dp]),
        "hits": np.r_[hits, hits[end]].astype(np.int32),
        "last_update_t_s": np.r_[last, last[end]],
        "sources": np.r_[sources, sources[end]].astype(np.uint64),
        "fused_inputs": np.r_[inputs, np.zeros(end.size, np.int64)].astype(np.int32),
    }
    order = np.lexsort((cols["track_id"], cols["t_s"]))
    return Table({k: v[order] for k, v in cols.items()})


def empty_picture() -> Table:
    """A picture without tracks."""
    return Table({
        "t_s": np.zeros(0), "track_id": np.zeros(0, np.int64), "status": np.zeros(0, np.int8), "x": np.zeros((0, 6)),
        "P": np.zeros((0, 6, 6)), "hits": np.zeros(0, np.int32), "last_update_t_s": np.zeros(0), "sources": np.zeros(0, np.uint64),
        "fused_inputs": np.zeros(0, np.int32),
    })
