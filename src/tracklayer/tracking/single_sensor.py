"""Single-sensor initiation for angles-only sensors: range-parameterised hypotheses.

A line of sight from one satellite fixes a target's direction but not its range. A
detection that neither an existing track nor a triangulation used starts a
*candidate*: a bank of hypotheses spread along the line of sight over the ranges at
which the target's altitude lies in [min_altitude, max_altitude] (and the range is
below max_range), each an ordinary filter state whose range spread is a fixed
fraction ``range_cv`` of its range (the range-parameterised EKF of Peach 1995, IEE
Proc. Radar Sonar Navig. 142(2), after Kronhamn's bank of bearings-only filters).
Sub-interval k of [rho_near, rho_far] is [rho_near q^k, rho_near q^(k+1)] with
q = (rho_far / rho_near)^(1/K), K = ceil(ln(rho_far / rho_near) / ln(1 + sqrt(12)
range_cv)); its hypothesis sits at the middle with a standard deviation of width /
sqrt(12) along the line of sight and rho sigma_angle across, and a prior weight
proportional to the width (a uniform prior in range).

Every later frame, each candidate competes (GNN, with the likelihood ratio of the
mixture over its hypotheses) for the detections of any angles sensor that tracks and
triangulation left; an assigned detection updates every hypothesis it gates and
reweights them by their likelihoods (hypotheses it does not gate are dropped), so
the satellite's own motion (parallax), other satellites' lines of sight and the
target dynamics resolve the range. A candidate with ``hits`` hits whose moment-matched
position standard deviation is below the tracker's ``max_position_sigma`` is promoted
to a track; one that misses for ``tentative_coast_s`` or is held longer than
``max_hold_s`` is dropped. A target seen by one satellite therefore gets a track
where the geometry makes its range observable, and not otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S, R_EARTH_MEAN_M
from tracklayer.sensors import ANGLES
from tracklayer.tracking import TENTATIVE
from tracklayer.tracking.association import gnn_pairs
from tracklayer.tracking.filters import symmetrise
from tracklayer.tracking.gating import coarse_pairs, coarse_space, gate_threshold
from tracklayer.tracking.tracks import Tracks


@dataclass(frozen=True)
class Candidates:
    """Hypotheses of single-sensor track candidates, one row per hypothesis.

    group : (H,) candidate id; x, p, mu : filter bank rows as in `Tracks`;
    log_w : (H,) log weight within the candidate; born_t_s, last_hit_t_s : (H,);
    hit_times_s : (H, K) times of the candidate's last K hits (NaN-padded);
    sources : (H,) uint64 provenance bits of the detections it used.
    """

    group: np.ndarray
    x: np.ndarray
    p: np.ndarray
    mu: np.ndarray
    log_w: np.ndarray
    born_t_s: np.ndarray
    last_hit_t_s: np.ndarray
    hit_times_s: np.ndarray
    sources: np.ndarray

    @classmethod
    def empty(cls, r: int, n: int, k: int = 1) -> Candidates:
        return cls(np.zeros(0, np.int64), np.zeros((0, r, n)), np.zeros((0, r, n, n)), np.zeros((0, r)), np.zeros(0), np.zeros(0), np.zeros(0),
                   np.zeros((0, k)), np.zeros(0, np.uint64))

    def __len__(self) -> int:
        return self.group.shape[0]

    def take(self, index) -> Candidates:
        return Candidates(*(getattr(self, f.name)[index] for f in fields(self)))

    def append(self, other: Candidates) -> Candidates:
        if len(self) == 0:
            return other
        return Candidates(*(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)))


def range_interval(s: np.ndarray, u: np.ndarray, h_min: float, h_max: float, max_range: float) -> tuple[np.ndarray, np.ndarray]:
    """Ranges (n,) along lines of sight s + rho u (ECI, m) where the altitude above a
    sphere of the mean Earth radius is between h_min and h_max: the first entry into
    the h_max shell (or 1 km if the sensor is inside it) to the first entry into the
    h_min shell (or the exit from the h_max shell), capped at max_range. Empty
    intervals have rho_far <= rho_near."""
    su = np.sum(s * u, axis=1)
    ss = np.sum(s * s, axis=1)

    def roots(h):
        disc = su * su - ss + (R_EARTH_MEAN_M + h) ** 2
        sq = np.sqrt(np.maximum(disc, 0.0))
        return -su - sq, -su + sq, disc > 0

    near_max, far_max, hit_max = roots(h_max)
    near_min, _, hit_min = roots(h_min)
    inside = ss < (R_EARTH_MEAN_M + h_max) ** 2
    rho_near = np.where(inside, 1e3, near_max)
    rho_far = np.where(hit_min & (near_min > 0), near_min, far_max)
    rho_far = np.where(hit_max | inside, np.minimum(rho_far, max_range), 0.0)
    return np.maximum(rho_near, 1e3), rho_far


def range_hypotheses(u: np.ndarray, s: np.ndarray, sigma: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hypotheses for detections with lines of sight u (n, 3) from sensors at s (n, 3)
    with angular noise sigma (n,): positions (H, 3), covariances (H, 3, 3), detection
    index (H,) and log prior weight (H,)."""
    lo, hi = range_interval(s, u, cfg.min_altitude_m, cfg.max_altitude_m, cfg.max_range_m)
    ok = hi > lo * (1.0 + 1e-6)
    ratio = np.where(ok, hi / np.where(ok, lo, 1.0), 1.0)
    k = np.where(ok, np.clip(np.ceil(np.log(ratio) / np.log1p(np.sqrt(12.0) * cfg.range_cv)), 1, cfg.max_hypotheses), 0).astype(np.int64)
    det = np.repeat(np.arange(u.shape[0]), k)
    idx = np.arange(det.size) - np.repeat(np.cumsum(k) - k, k)
    q = ratio[det] ** (1.0 / k[det])
    a = lo[det] * q**idx
    b = a * q
    rho = 0.5 * (a + b)
    width = b - a
    uu = u[det]
    pos = s[det] + rho[:, None] * uu
    along = uu[:, :, None] * uu[:, None, :]
    cov = (width**2 / 12.0)[:, None, None] * along + ((rho * sigma[det]) ** 2)[:, None, None] * (np.eye(3) - along)
    return pos, cov, det, np.log(width)


def _logsumexp_groups(values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log sum exp of values (sorted by key) per distinct key: (keys, sums)."""
    uniq, first = np.unique(keys, return_index=True)
    top = np.maximum.reduceat(values, first)
    top_rep = np.repeat(top, np.diff(np.r_[first, keys.size]))
    return uniq, top + np.log(np.add.reduceat(np.exp(values - top_rep), first))


def _normalise(cands: Candidates) -> Candidates:
    order = np.argsort(cands.group, kind="stable")
    c = cands.take(order)
    groups, total = _logsumexp_groups(c.log_w, c.group)
    log_w = c.log_w - total[np.searchsorted(groups, c.group)]
    keep = log_w > np.log(1e-4) + np.maximum.reduceat(log_w, np.searchsorted(c.group, groups))[np.searchsorted(groups, c.group)]
    return Candidates(c.group, c.x, c.p, c.mu, log_w, c.born_t_s, c.last_hit_t_s, c.hit_times_s, c.sources).take(keep)


def _update_with_scan(cands: Candidates, scan, free: np.ndarray, t_s: float, cfg) -> tuple[Candidates, np.ndarray]:
    """Associate candidates (as wholes) with one angles scan's free detections."""
    used = np.zeros(free.shape[0], dtype=bool)
    dets = np.nonzero(free)[0]
    if len(cands) == 0 or dets.size == 0:
        return cands, used
    est, mm = cfg.estimator, scan.model
    preds = est.predict_measurement(mm, cands.x, cands.p, scan.view, cands.mu)
    x6, p6 = est.combine(cands.x, cands.p, cands.mu)
    z, r = scan.z[dets], scan.r[dets]
    gamma = gate_threshold(cfg.gate_probability, mm.dim)
    s0_trace = np.max([np.trace(pr.s0, axis1=1, axis2=2) for pr in preds], axis=0)
    hi, hj = coarse_pairs(*coarse_space(ANGLES, x6, p6, s0_trace, scan.view, z, r, gamma))
    terms = est.pair_terms(mm, preds, z, r, hi, hj)
    gated = np.nonzero(terms.d2.min(axis=1) <= gamma)[0]
    if gated.size == 0:
        return cands, used
    hi, hj, terms = hi[gated], hj[gated], terms.take(gated)
    ll = terms.mixture_log_lik(cands.mu[hi])
    n_det = dets.size
    key = cands.group[hi] * n_det + hj
    order = np.argsort(key, kind="stable")
    keys, group_ll = _logsumexp_groups((cands.log_w[hi] + ll)[order], key[order])
    groups, g_idx = np.unique(keys // n_det, return_inverse=True)
    gain = np.log(cfg.pd / cfg.clutter_density[ANGLES]) + group_ll - cfg.log_miss
    det_of = gnn_pairs(groups.size, n_det, g_idx, keys % n_det, gain)
    e = np.nonzero(det_of[np.searchsorted(groups, cands.group[hi])] == hj)[0]  # hypotheses gated by their group's detection
    if e.size == 0:
        return cands, used
    rows = hi[e]
    x, p, mu = est.update(cands.x[rows], cands.p[rows], cands.mu[rows], [pr._replace(c=pr.c[rows], h=pr.h[rows]) for pr in preds], terms.take(e), r, mm, np.arange(rows.size), hj[e])
    assigned_groups = np.unique(cands.group[rows])
    in_assigned = np.isin(cands.group, assigned_groups)
    updated = cands.take(rows)
    times = updated.hit_times_s.copy()
    times[:, :-1] = times[:, 1:]
    times[:, -1] = t_s
    updated = Candidates(updated.group, x, p, mu, updated.log_w + ll[e], updated.born_t_s, np.full(rows.size, t_s), times,
                         updated.sources | scan.source_bit)
    used[dets[np.unique(hj[e])]] = True
    return _normalise(cands.take(~in_assigned).append(updated)), used


def _merge(c: Candidates, est) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Moment-matched bank per candidate: groups (G,), x (G, r, n), p, mu."""
    groups, first = np.unique(c.group, return_index=True)
    w = np.exp(c.log_w)
    x = np.add.reduceat(w[:, None, None] * c.x, first, axis=0)
    dev = c.x - x[np.searchsorted(groups, c.group)]
    p = np.add.reduceat(w[:, None, None, None] * (c.p + dev[..., :, None] * dev[..., None, :]), first, axis=0)
    mu = np.add.reduceat(w[:, None] * c.mu, first, axis=0)
    return groups, x, symmetrise(p), mu / mu.sum(axis=1, keepdims=True)


def hold_and_promote(cands: Candidates, scans, unused: list[np.ndarray], dt: float, t_s: float, cfg, next_id: int) -> tuple[Candidates, Tracks]:
    """Predict the candidates, let them take unused angles detections, promote the
    resolved ones to tentative tracks, drop the stale ones and start new candidates."""
    est, ss = cfg.estimator, cfg.single_sensor
    k_hits = cfg.management.confirm_hits
    none = Tracks.empty(est.r, est.n, k_hits)
    if ss is None:
        return cands, none
    if len(cands):
        x, p, mu = est.predict(cands.x, cands.p, cands.mu, dt)
        cands = Candidates(cands.group, x, p, mu, cands.log_w, cands.born_t_s, cands.last_hit_t_s, cands.hit_times_s, cands.sources)
    free = [m.copy() for m in unused]
    for k, scan in enumerate(scans):
        if scan.kind == ANGLES and free[k].any():
            cands, used = _update_with_scan(cands, scan, free[k], t_s, cfg)
            free[k] &= ~used
    promoted = none
    if len(cands):
        cands = cands.take(np.argsort(cands.group, kind="stable"))
        groups, x, p, mu = _merge(cands, est)
        first = np.searchsorted(cands.group, groups)
        hits = np.sum(np.isfinite(cands.hit_times_s[first]), axis=1)
        x6, p6 = est.combine(x, p, mu)
        sigma2 = np.trace(p6[:, :3, :3], axis1=1, axis2=2)
        ready = (hits >= ss.hits) & (sigma2 <= cfg.management.max_position_sigma_m**2)
        stale = (t_s - cands.last_hit_t_s[first] >= cfg.management.tentative_coast_s) | (t_s - cands.born_t_s[first] > ss.max_hold_s)
        if ready.any():
            n = int(ready.sum())
            times = cands.hit_times_s[first[ready], -k_hits:]
            promoted = Tracks(
                np.arange(next_id, next_id + n, dtype=np.int64), np.full(n, TENTATIVE, np.int8), x[ready], p[ready], mu[ready],
                np.full(n, cfg.initial_score), np.full(n, cfg.initial_score), cands.born_t_s[first[ready]],
                cands.last_hit_t_s[first[ready]], hits[ready].astype(np.int32), times,
                np.bitwise_or.reduceat(cands.sources, first)[ready],
            )
        cands = cands.take(~np.isin(cands.group, groups[ready | stale]))
    new = _start(scans, free, t_s, cfg, int(cands.group.max()) + 1 if len(cands) else 0)
    return cands.append(new), promoted


def _start(scans, free: list[np.ndarray], t_s: float, cfg, first_group: int) -> Candidates:
    """New candidates from the angles detections nobody used."""
    est, ss = cfg.estimator, cfg.single_sensor
    k_hits = max(cfg.management.confirm_hits, ss.hits)
    parts = [(sc, np.nonzero(m)[0]) for sc, m in zip(scans, free) if sc.kind == ANGLES and m.any()]
    if not parts:
        return Candidates.empty(est.r, est.n, k_hits)
    u = np.concatenate([sc.z[i, :3] for sc, i in parts])
    s = np.concatenate([np.broadcast_to(sc.view.r_eci_m, (i.size, 3)) for sc, i in parts])
    sigma = np.sqrt(0.5 * np.concatenate([np.trace(sc.r[i], axis1=1, axis2=2) for sc, i in parts]))
    bits = np.concatenate([np.full(i.size, sc.source_bit, np.uint64) for sc, i in parts])
    pos, cov, det, log_w = range_hypotheses(u, s, sigma, ss)
    h = pos.shape[0]
    x6 = np.zeros((h, 6))
    p6 = np.zeros((h, 6, 6))
    x6[:, :3] = pos
    x6[:, 3:] = np.cross(np.array([0.0, 0.0, OMEGA_EARTH_RAD_S]), pos)
    p6[:, :3, :3] = cov
    p6[:, 3:, 3:] = np.eye(3) * cfg.init_velocity_sigma_m_s**2
    x, p, mu = est.initial(x6, p6)
    times = np.full((h, k_hits), np.nan)
    times[:, -1] = t_s
    c = Candidates(first_group + det, x, p, mu, log_w, np.full(h, t_s), np.full(h, t_s), times, bits[det])
    return _normalise(c)
