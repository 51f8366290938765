"""The multi-target tracker: one short step function over tables.

Each time step t, in Stone Soup's vocabulary:

1. **predictor**: every live track (each of its IMM models) is predicted to t;
2. for each sensor's scan at t (one sensor, one time), **hypothesiser/gater**: a coarse
   gate then the chi-square gate give a sparse table of (track, detection) pairs;
   **associator**: confirmed tracks take detections by GNN or JPDA, then tentative
   tracks by GNN from what is left; **updater**: the filter updates them;
3. **initiator**: tentative tracks start from the detections still unused
   (triangulated lines of sight from two or more satellites, single radar plots,
   Cartesian plots, and range-parameterised hypotheses from a single satellite);
4. **deleter**: confirm, delete and de-duplicate (`tracking.management`).

Time order: detections are processed in measurement-time order, sensor by sensor
within a time. A detection table may carry ``arrival_t_s``; then the tracker behaves
as if it waited ``reorder_buffer_s`` before processing each time, and drops (counts)
the detections that arrive later than that: out-of-sequence measurements are
explicitly buffered, never retrodicted.

One `Tracker` holds one configuration; it is a pure function of the detections it is
given, so a node tracker is the same tracker run on the detections of the node's
sensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from tracklayer.sensors import ANGLES, RADAR
from tracklayer.table import Table
from tracklayer.tracking import CONFIRMED, TENTATIVE
from tracklayer.tracking.association import gnn_pairs, jpda_pairs
from tracklayer.tracking.config import TrackerConfig
from tracklayer.tracking.gating import coarse_pairs, coarse_space, gate_threshold
from tracklayer.tracking.imm import LOG_2PI
from tracklayer.tracking.initiation import initial_states, radar_position, triangulate
from tracklayer.tracking.linear import is_linear, linear_gate, linear_hits, linear_predict, linear_update
from tracklayer.tracking.management import manage, mark_deleted
from tracklayer.tracking.measurement_models import POSITION, SensorView, model_for
from tracklayer.tracking.single_sensor import Candidates, hold_and_promote
from tracklayer.tracking.tracks import Tracks

__all__ = ["Scan", "Stepper", "LinearStepper", "TrackerConfig", "Tracker", "run_tracker", "step", "stepper_for"]


_EYE3 = np.eye(3)
_EYE3.setflags(write=False)


@dataclass(frozen=True)
class Scan:
    """The detections of one sensor at one time (rows of the detections table)."""

    kind: int
    view: SensorView
    z: np.ndarray  # (D, m) measured values
    r: np.ndarray  # (D, m, m) noise covariances
    sensor_id: int
    range_rate: bool = False
    source_bit: np.uint64 = np.uint64(0)

    @property
    def model(self):
        return model_for(self.kind, self.range_rate)


@dataclass(frozen=True)
class State:
    """What the tracker carries between steps."""

    tracks: Tracks
    candidates: Candidates
    next_id: int
    t_s: float


def _gain(cfg: TrackerConfig, d2, log_lik, gamma: float, kind: int) -> np.ndarray:
    """GNN benefit of a pair over leaving the track and the detection unassigned."""
    if cfg.gnn_cost == "distance":
        return np.sqrt(gamma) - np.sqrt(d2)
    if cfg.gnn_cost == "likelihood":
        return np.log(cfg.pd / cfg.clutter_density[kind]) + log_lik - cfg.log_miss
    return gamma - d2


def associate_and_update(tracks: Tracks, status: int, method: str, scan: Scan, free: np.ndarray, t_s: float,
                         cfg: TrackerConfig) -> tuple[Tracks, np.ndarray]:
    """Gate, associate and update the tracks of one ``status`` with the ``free``
    detections of a scan. Returns the tracks and a mask of the detections used.

    The predicted measurement is computed for this status's tracks only: predicting all
    tracks once per scan and taking rows changes results in the last bits (the batched
    products round differently for other batch shapes)."""
    used = np.zeros(free.shape[0], dtype=bool)
    rows = np.nonzero(tracks.status == status)[0]
    dets = np.nonzero(free)[0]
    if rows.size == 0 or dets.size == 0:
        return tracks, used
    est, mm = cfg.estimator, scan.model
    x, p, mu = tracks.x[rows], tracks.p[rows], tracks.mu[rows]
    preds = est.predict_measurement(mm, x, p, scan.view, mu)
    x6, p6 = est.combine(x, p, mu)
    z, r = scan.z[dets], scan.r[dets]
    gamma = gate_threshold(cfg.gate_probability, mm.dim)
    s0_trace = np.max([np.trace(pr.s0, axis1=1, axis2=2) for pr in preds], axis=0)
    ci, cj = coarse_pairs(*coarse_space(scan.kind, x6, p6, s0_trace, scan.view, z, r, gamma))
    if ci.size:
        terms = est.pair_terms(mm, preds, z, r, ci, cj)
        d2 = terms.d2.min(axis=1)
        gated = np.nonzero(d2 <= gamma)[0]
    if ci.size == 0 or gated.size == 0:  # every track of this status misses: only the scores change
        score = tracks.score[rows] + cfg.log_miss
        return tracks.with_columns(score=_put(tracks.score, rows, score),
                                   score_peak=_put(tracks.score_peak, rows, np.maximum(tracks.score_peak[rows], score))), used
    ci, cj, terms, d2 = ci[gated], cj[gated], terms.take(gated), d2[gated]
    log_lik = terms.mixture_log_lik(mu[ci])
    lam = cfg.clutter_density[scan.kind]
    score = tracks.score[rows] + cfg.log_miss  # a miss, unless updated below
    if method == "gnn":
        det_of = gnn_pairs(rows.size, dets.size, ci, cj, _gain(cfg, d2, log_lik, gamma, scan.kind))
        e = np.nonzero(det_of[ci] == cj)[0]
        hit = ci[e]
        x, p, mu = est.update(x, p, mu, preds, terms.take(e), r, mm, hit, cj[e])
        score[hit] = tracks.score[rows[hit]] + np.log(cfg.pd / lam) + log_lik[e]
        used[dets[cj[e]]] = True
    else:
        w = cfg.pd / lam * np.exp(log_lik)
        w0 = np.full(rows.size, 1.0 - cfg.pd * cfg.gate_probability)
        beta, beta0, _ = jpda_pairs(rows.size, dets.size, ci, cj, w, w0, cfg.jpda_max_events)
        hit = np.unique(ci)
        model_lik = None
        if est.r > 1:  # IMM-PDA mode likelihoods: w0 + sum_j Pd N_k(nu_j) / lambda
            wk = cfg.pd / lam * np.exp(terms.log_lik)
            model_lik = w0[hit, None] + np.add.reduceat(wk, np.searchsorted(ci, hit), axis=0)
        x, p, mu = est.update(x, p, mu, preds, terms, r, mm, ci, cj, beta, beta0, model_lik)
        score[hit] = tracks.score[rows[hit]] + np.log(w0[hit] + np.add.reduceat(w, np.searchsorted(ci, hit)))
        used[dets[cj]] = True
    peak = np.maximum(tracks.score_peak[rows], score)
    sources = tracks.sources[rows].copy()
    sources[hit] |= scan.source_bit
    return tracks.record_hits(rows[hit], t_s, rows, x=x, p=p, mu=mu, score=score, score_peak=peak, sources=sources), used


def _put(col: np.ndarray, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = col.copy()
    out[rows] = values
    return out


def linear_scan(tracks: Tracks, scan: Scan, t_s: float, cfg: TrackerConfig) -> tuple[Tracks, np.ndarray]:
    """`associate_and_update` of confirmed then tentative tracks for a position scan and
    a linear estimator (`tracking.linear`), in two fused kernels. Returns the tracks and
    a mask of the detections used."""
    used = np.zeros(scan.z.shape[0], dtype=bool)
    if len(tracks) == 0 or used.size == 0:
        return tracks, used
    x, p = tracks.x[:, 0].copy(), tracks.p[:, 0].copy()
    z, r = np.ascontiguousarray(scan.z, dtype=np.float64), np.ascontiguousarray(scan.r, dtype=np.float64)
    gamma = gate_threshold(cfg.gate_probability, 3)
    ci, cj, d2, diag = linear_gate(x, p, z, r, gamma)
    ln = np.log(diag)
    log_lik = -0.5 * (d2 + 2.0 * (ln[:, 0] + ln[:, 1] + ln[:, 2]) + 3 * LOG_2PI)  # = np.sum(ln, axis=1), term by term
    lam = cfg.clutter_density[scan.kind]
    jpda = cfg.association == "jpda"
    w = cfg.pd / lam * np.exp(log_lik) if jpda else d2
    score = tracks.score.copy()
    hit = np.zeros(len(tracks), dtype=bool)
    lik_sum = np.ones(len(tracks))
    linear_update(x, p, tracks.status, score, ci, cj, log_lik, _gain(cfg, d2, log_lik, gamma, scan.kind), w, z, r, jpda,
                  1.0 - cfg.pd * cfg.gate_probability, float(cfg.jpda_max_events), 1e-10, 200, math.log(cfg.pd / lam),
                  cfg.log_miss, hit, used, lik_sum)
    if jpda:
        score += np.log(lik_sum)  # JPDA-updated tracks: + ln(w0 + sum w); 0 elsewhere
    sources = tracks.sources
    if scan.source_bit:
        sources = sources | np.where(hit, scan.source_bit, np.uint64(0))
    peak, last, hits, times = linear_hits(hit, t_s, score, tracks.score_peak, tracks.last_hit_t_s, tracks.hits, tracks.hit_times_s)
    return Tracks(tracks.track_id, tracks.status, x[:, None], p[:, None], tracks.mu, score, peak, tracks.born_t_s, last, hits, times,
                  sources), used


def new_tracks(pos: np.ndarray, cov: np.ndarray, earth_fixed: bool, hits: int, t_s: float, cfg: TrackerConfig, next_id: int,
               sources: np.ndarray) -> Tracks:
    """Tentative tracks at positions (n, 3) with covariances (n, 3, 3) and provenance (n,)."""
    n = pos.shape[0]
    x6, p6 = initial_states(pos, cov, cfg.init_velocity_sigma_m_s, earth_fixed)
    x, p, mu = cfg.estimator.initial(x6, p6)
    times = np.full((n, cfg.management.confirm_hits), np.nan)
    times[:, max(0, times.shape[1] - hits):] = t_s
    return Tracks(
        np.arange(next_id, next_id + n, dtype=np.int64), np.full(n, TENTATIVE, np.int8), x, p, mu,
        np.full(n, cfg.initial_score), np.full(n, cfg.initial_score), np.full(n, t_s), np.full(n, t_s),
        np.full(n, hits, np.int32), times, np.asarray(sources, np.uint64),
    )


def initiate(scans: list[Scan], leftovers: list[np.ndarray], t_s: float, cfg: TrackerConfig, next_id: int) -> tuple[Tracks, list[np.ndarray]]:
    """Tentative tracks from unused detections: triangulated lines of sight from two or
    more satellites, single radar and Cartesian plots. Returns them and the angles
    detections still unused (for the single-sensor initiator)."""
    parts = []
    angle_scans = [k for k, sc in enumerate(scans) if sc.kind == ANGLES and leftovers[k].any()]
    left = [m.copy() for m in leftovers]
    if len(angle_scans) > 1:
        idx = [np.nonzero(leftovers[k])[0] for k in angle_scans]
        u = np.concatenate([scans[k].z[i] for k, i in zip(angle_scans, idx)])
        s = np.concatenate([np.broadcast_to(scans[k].view.r_eci_m, (i.size, 3)) for k, i in zip(angle_scans, idx)])
        sigma = np.sqrt(0.5 * np.concatenate([np.trace(scans[k].r[i], axis1=1, axis2=2) for k, i in zip(angle_scans, idx)]))
        sensor = np.concatenate([np.full(i.size, scans[k].sensor_id) for k, i in zip(angle_scans, idx)])
        pts, pcov, members = triangulate(u, s, sigma, sensor, cfg.triangulation_gate_sigma, cfg.min_convergence_rad)
        owner = np.concatenate([np.full(i.size, k) for k, i in zip(angle_scans, idx)])
        bits = np.concatenate([np.full(i.size, scans[k].source_bit, np.uint64) for k, i in zip(angle_scans, idx)])
        parts.append((pts, pcov, True, np.array([np.bitwise_or.reduce(bits[mem]) for mem in members], dtype=np.uint64)))
        local = np.concatenate(idx)
        for mem in members:
            for ray in mem:
                left[owner[ray]][local[ray]] = False
    for k, sc in enumerate(scans):
        m = leftovers[k]
        if sc.kind == RADAR and m.any():
            n = int(m.sum())
            pos, cov = radar_position(sc.z[m, :3], np.broadcast_to(sc.view.r_eci_m, (n, 3)), np.broadcast_to(sc.view.enu_eci, (n, 3, 3)), sc.r[m, :3, :3])
            parts.append((pos, cov, True, np.full(n, sc.source_bit, np.uint64)))
        elif sc.kind == POSITION and m.any():
            parts.append((sc.z[m, :3], sc.r[m, :3, :3], False, np.full(int(m.sum()), sc.source_bit, np.uint64)))
    born = Tracks.empty(cfg.estimator.r, cfg.estimator.n, cfg.management.confirm_hits)
    for pos, cov, earth_fixed, sources in parts:
        if pos.shape[0]:
            born = born.append(new_tracks(pos, cov, earth_fixed, 1, t_s, cfg, next_id + len(born), sources))
    unused_angles = [left[k] if sc.kind == ANGLES else np.zeros_like(left[k]) for k, sc in enumerate(scans)]
    return born, unused_angles


class Stepper:
    """One tracker step, the general way: any estimator (IMM, nonlinear models, EKF or
    UKF), any scans. `LinearStepper` replaces the pieces the linear-Gaussian fast path
    computes differently; `stepper_for` picks one when the tracker is built."""

    def __init__(self, cfg: TrackerConfig):
        self.cfg = cfg

    def step(self, state: State, scans: list[Scan], t_s: float) -> tuple[State, Tracks]:
        """One step at ``t_s``; returns the new state and the tracks deleted now."""
        dt = t_s - state.t_s
        tracks = self.predict(state.tracks, dt)                                 # predictor
        unused = []
        for scan in scans:                                                       # one sensor, one time
            tracks, used = self.scan(tracks, scan, t_s)                          # gater, associator, updater
            unused.append(~used)
        tracks, candidates, next_id = self.initiate(tracks, state, scans, unused, t_s, dt)  # initiator
        return _manage(tracks, candidates, next_id, t_s, self.cfg)               # confirmer, deleter

    def predict(self, tracks: Tracks, dt: float) -> Tracks:
        x, p, mu = self.cfg.estimator.predict(tracks.x, tracks.p, tracks.mu, dt)
        return tracks.with_columns(x=x, p=p, mu=mu)

    def scan(self, tracks: Tracks, scan: Scan, t_s: float) -> tuple[Tracks, np.ndarray]:
        """Confirmed tracks take the scan's detections (GNN or JPDA), then tentative tracks
        by GNN from what is left; returns the tracks and a mask of the detections used."""
        cfg = self.cfg
        free = np.ones(scan.z.shape[0], dtype=bool)
        if not len(tracks) or not free.size:
            return tracks, ~free
        for status, method in ((CONFIRMED, cfg.association), (TENTATIVE, "gnn")):
            tracks, used = associate_and_update(tracks, status, method, scan, free, t_s, cfg)
            free &= ~used
        return tracks, ~free

    def initiate(self, tracks: Tracks, state: State, scans: list[Scan], unused: list[np.ndarray], t_s: float,
                 dt: float) -> tuple[Tracks, Candidates, int]:
        """Start tentative tracks from the unused detections (and promote single-sensor
        candidates); returns all tracks, the held candidates and the next free id."""
        cfg = self.cfg
        born, unused_angles = initiate(scans, unused, t_s, cfg, state.next_id)
        next_id = state.next_id + len(born)
        candidates, promoted = hold_and_promote(state.candidates, scans, unused_angles, dt, t_s, cfg, next_id)
        return tracks.append(born).append(promoted), candidates, next_id + len(promoted)


class LinearStepper(Stepper):
    """The linear-Gaussian fast path (`tracking.linear`): one linear motion model and the
    EKF (then the Kalman filter). Prediction and position scans run the fused kernels;
    when every scan of a step is a position scan and no single-sensor candidates are
    held, the one-point tracks of all unused detections are written straight into the
    grown track columns (`_append_one_point`). The same results as `Stepper`'s sequence."""

    def predict(self, tracks: Tracks, dt: float) -> Tracks:
        x, p = linear_predict(self.cfg.estimator.models[0], tracks.x, tracks.p, dt)
        return tracks.with_columns(x=x, p=p)

    def scan(self, tracks: Tracks, scan: Scan, t_s: float) -> tuple[Tracks, np.ndarray]:
        if scan.kind == POSITION:
            return linear_scan(tracks, scan, t_s, self.cfg)
        return super().scan(tracks, scan, t_s)

    def initiate(self, tracks, state, scans, unused, t_s, dt):
        if len(state.candidates) or not all(scan.kind == POSITION for scan in scans):
            return super().initiate(tracks, state, scans, unused, t_s, dt)
        left = [(sc, m) for sc, m in zip(scans, unused) if m.any()]
        next_id = state.next_id
        if left:
            if len(left) == 1:
                sc, m = left[0]
                pos, cov, sources = sc.z[m, :3], sc.r[m, :3, :3], np.full(int(m.sum()), sc.source_bit, np.uint64)
            else:
                pos = np.concatenate([sc.z[m, :3] for sc, m in left])
                cov = np.concatenate([sc.r[m, :3, :3] for sc, m in left])
                sources = np.concatenate([np.full(int(m.sum()), sc.source_bit, np.uint64) for sc, m in left])
            tracks = _append_one_point(tracks, pos, cov, sources, t_s, self.cfg, next_id)
            next_id += pos.shape[0]
        return tracks, state.candidates, next_id


def stepper_for(cfg: TrackerConfig) -> Stepper:
    """The step strategy of a configuration: the linear fast path when it applies."""
    return LinearStepper(cfg) if is_linear(cfg.estimator) else Stepper(cfg)


def step(state: State, scans: list[Scan], t_s: float, cfg: TrackerConfig) -> tuple[State, Tracks]:
    """One tracker step at ``t_s``; returns the new state and the tracks deleted now."""
    return stepper_for(cfg).step(state, scans, t_s)


def _append_one_point(tracks: Tracks, pos: np.ndarray, cov: np.ndarray, sources: np.ndarray, t_s: float, cfg: TrackerConfig,
                      next_id: int) -> Tracks:
    """``tracks.append(new_tracks(pos, cov, False, 1, t_s, cfg, next_id, sources))``
    with one allocation per column: the new rows are written straight into the grown
    columns (same values: zero velocity, [P_pos 0; 0 sigma_v^2 I], one hit now)."""
    m, n = len(tracks), pos.shape[0]
    if m == 0 or cfg.estimator.r != 1 or cfg.estimator.n != 6:
        return tracks.append(new_tracks(pos, cov, False, 1, t_s, cfg, next_id, sources))

    def grown(col: np.ndarray, value) -> np.ndarray:
        out = np.empty((m + n,) + col.shape[1:], col.dtype)
        out[:m] = col
        out[m:] = value
        return out

    x = grown(tracks.x, 0.0)
    x[m:, 0, :3] = pos
    p = grown(tracks.p, 0.0)
    p[m:, 0, :3, :3] = cov
    p[m:, 0, 3:, 3:] = np.eye(3) * cfg.init_velocity_sigma_m_s**2
    times = grown(tracks.hit_times_s, np.nan)
    times[m:, -1] = t_s
    return Tracks(grown(tracks.track_id, np.arange(next_id, next_id + n)), grown(tracks.status, TENTATIVE), x, p, grown(tracks.mu, 1.0),
                  grown(tracks.score, cfg.initial_score), grown(tracks.score_peak, cfg.initial_score), grown(tracks.born_t_s, t_s),
                  grown(tracks.last_hit_t_s, t_s), grown(tracks.hits, 1), times, grown(tracks.sources, sources))


def _manage(tracks: Tracks, candidates: Candidates, next_id: int, t_s: float, cfg: TrackerConfig) -> tuple[State, Tracks]:
    """Confirm, delete and split off the deleted tracks: the new state and the tracks deleted now."""
    x6, p6 = cfg.estimator.combine(tracks.x, tracks.p, tracks.mu)
    tracks, dead = manage(tracks, x6, p6, t_s, cfg.management)
    if not dead.any():
        return State(tracks, candidates, next_id, t_s), tracks.take(dead)
    kept, gone = tracks.split(dead)
    return State(kept, candidates, next_id, t_s), mark_deleted(gone)


def _record(tracks: Tracks, t_s: float, cfg: TrackerConfig) -> dict[str, np.ndarray]:
    x6, p6 = cfg.estimator.combine(tracks.x, tracks.p, tracks.mu)
    return {
        "t_s": np.full(len(tracks), t_s),
        "track_id": tracks.track_id,
        "status": tracks.status,
        "x": np.ascontiguousarray(x6),
        "P": np.ascontiguousarray(p6),
        "hits": tracks.hits,
        "last_update_t_s": tracks.last_hit_t_s,
        "sources": tracks.sources,
    }


@dataclass(frozen=True)
class Tracker:
    """A tracker: a configuration and the function that runs it over a detection table."""

    config: TrackerConfig = TrackerConfig()

    def start(self, t_s: float, first_id: int = 1) -> State:
        est = self.config.estimator
        k = self.config.management.confirm_hits
        return State(Tracks.empty(est.r, est.n, k), Candidates.empty(est.r, est.n), first_id, float(t_s))

    def run(
        self,
        detections: Table,
        t_grid_s: np.ndarray,
        enu_eci_of: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[Table, dict]:
        """Run over a detection table; returns the tracks table and run statistics.

        Parameters
        ----------
        detections : columns t_s, sensor_id, kind, z (D, 3), R (D, 3, 3),
            sensor_r_eci_m (D, 3); optional arrival_t_s, range_rate_m_s and
            range_rate_sigma_m_s; any order
        t_grid_s : (T,) times at which the track table is written (every detection
            time is processed too)
        enu_eci_of : maps (sensor_id (n,), t_s (n,)) to radar east/north/up rows in ECI
            (n, 3, 3); needed only for radar detections
        progress : called after every step with (steps done, steps total)

        Returns
        -------
        The tracks table (one row per live track per grid time, plus one row at
        deletion; columns in docs/outputs.md) and {"dropped_late": n}.
        """
        cfg = self.config
        det, dropped = _in_time_order(detections, cfg.reorder_buffer_s)
        times = np.union1d(t_grid_s, det["t_s"])
        on_grid = np.isin(times, t_grid_s)
        starts = np.searchsorted(det["t_s"], times, side="left")
        ends = np.searchsorted(det["t_s"], times, side="right")
        state = self.start(times[0] if times.size else 0.0)
        stepper = stepper_for(cfg)
        enu = _radar_frames(det, enu_eci_of)
        rows: list[dict[str, np.ndarray]] = []
        n_t = times.shape[0]
        for k in range(n_t):
            t = float(times[k])
            if starts[k] == ends[k] and not len(state.tracks) and not len(state.candidates):
                state = replace(state, t_s=t)  # nothing to predict, update or start: step() would change only the time
                if progress is not None:
                    progress(k + 1, n_t)
                continue
            scans = _scans(det, starts[k], ends[k], enu)
            state, gone = stepper.step(state, scans, t)
            if len(gone):
                rows.append(_record(gone, t, cfg))
            if on_grid[k]:
                rows.append(_record(state.tracks, t, cfg))
            if progress is not None:
                progress(k + 1, n_t)
        empty = _record(Tracks.empty(cfg.estimator.r, cfg.estimator.n, 1), 0.0, cfg)
        cols = {key: np.concatenate([r[key] for r in rows]) if rows else empty[key] for key in empty}
        return Table(cols), {"dropped_late": dropped}


def _in_time_order(det: Table, buffer_s: float) -> tuple[dict[str, np.ndarray], int]:
    """Columns sorted by (t_s, sensor_id), without the detections arriving too late."""
    cols = {k: np.asarray(v) for k, v in det.items()}
    dropped = 0
    if "arrival_t_s" in det:
        keep = det["arrival_t_s"] - det["t_s"] <= buffer_s
        cols = {k: v[keep] for k, v in cols.items()}
        dropped = int((~keep).sum())
    order = np.lexsort((cols["sensor_id"], cols["t_s"]))
    return {k: v.take(order, axis=0) for k, v in cols.items()}, dropped


def _radar_frames(det: dict[str, np.ndarray], enu_eci_of) -> np.ndarray | None:
    """East/north/up rows in ECI (D, 3, 3) of every radar detection's site at its time
    (identity rows elsewhere), in one call for the whole run; None without radar."""
    radar = np.nonzero(det["kind"] == RADAR)[0]
    if radar.size == 0:
        return None
    out = np.broadcast_to(np.eye(3), (det["kind"].shape[0], 3, 3)).copy()
    out[radar] = enu_eci_of(det["sensor_id"][radar], det["t_s"][radar])
    return out


def _scans(det: dict[str, np.ndarray], lo: int, hi: int, enu: np.ndarray | None) -> list[Scan]:
    """The scans (one per sensor) among detection rows lo:hi (all at one time); ``enu``
    from `_radar_frames`."""
    if hi <= lo:
        return []
    sid = det["sensor_id"][lo:hi]
    bounds: tuple[int, int] | np.ndarray
    if sid[0] == sid[-1]:  # one sensor (sorted by sensor within a time)
        bounds = (0, hi - lo)
    else:
        bounds = np.concatenate([[0], np.nonzero(np.diff(sid))[0] + 1, [hi - lo]])
    scans = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        sl = slice(lo + a, lo + b)
        kind = int(det["kind"][lo + a])
        z, r = det["z"][sl], det["R"][sl]
        rr = kind == RADAR and "range_rate_m_s" in det and bool(np.all(np.isfinite(det["range_rate_m_s"][sl])))
        if rr:
            z = np.concatenate([z, det["range_rate_m_s"][sl, None]], axis=1)
            r4 = np.zeros((z.shape[0], 4, 4))
            r4[:, :3, :3] = r
            r4[:, 3, 3] = det["range_rate_sigma_m_s"][sl] ** 2
            r = r4
        v_site = det["sensor_v_eci_m_s"][lo + a] if "sensor_v_eci_m_s" in det else None
        if kind == RADAR:
            assert enu is not None  # built whenever there are radar rows
            site_frame = enu[lo + a]
        else:
            site_frame = _EYE3
        view = SensorView(kind, det["sensor_r_eci_m"][lo + a], site_frame, v_site if v_site is not None and np.all(np.isfinite(v_site)) else None)
        bit = np.uint64(det["source_bit"][lo + a]) if "source_bit" in det else np.uint64(0)
        scans.append(Scan(kind, view, z, r, int(sid[a]), rr, bit))
    return scans


def run_tracker(
    detections: Table,
    t_grid_s: np.ndarray,
    enu_eci_of: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    cfg: TrackerConfig,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """Run one tracker over a detection table; the tracks table (see `Tracker.run`)."""
    return Tracker(cfg).run(detections, t_grid_s, enu_eci_of, progress)[0]
