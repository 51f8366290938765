"""The multi-target tracker: one readable step function over tables.

Every grid step: predict all live tracks; for each sensor reporting at this time,
gate and associate its detections to the tracks (GNN) and update the assigned
tracks (batched EKF); start tentative tracks from what is left (triangulated lines of
sight from two or more satellites, single radar detections); then confirm, delete
and de-duplicate. Detections are processed in time order (the scenario's sensors
report on the common grid, so there are no out-of-sequence measurements here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.io.tables import Table
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.tracking import CONFIRMED, DELETED, TENTATIVE
from tracklayer.tracking.association import gate_threshold, gnn
from tracklayer.tracking.filters import ekf_update, innovation_covariance, mahalanobis2
from tracklayer.tracking.initiation import initial_states, radar_position, triangulate
from tracklayer.tracking.measurement_models import angles_model, radar_model
from tracklayer.tracking.models import predict


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker parameters in SI units (from the scenario's ``tracker`` section)."""

    q_m2_s3: float = 400.0
    gate_probability: float = 0.9999
    confirm_hits: int = 3
    confirm_window_s: float = 10.0
    coast_limit_s: float = 60.0
    max_position_sigma_m: float = 30e3
    init_velocity_sigma_m_s: float = 4000.0
    min_convergence_rad: float = 3.0 * DEG
    triangulation_gate_sigma: float = 5.0
    duplicate_gate: float = 11.34  # chi-square(3 dof) at 0.99
    min_altitude_m: float = -5e3  # a track predicted this far underground has impacted

    @classmethod
    def from_spec(cls, spec) -> "TrackerConfig":
        return cls(
            q_m2_s3=spec.process_noise_m2_s3,
            gate_probability=spec.gate_probability,
            confirm_hits=spec.confirm_hits,
            confirm_window_s=spec.confirm_window_s,
            coast_limit_s=spec.coast_limit_s,
            max_position_sigma_m=spec.max_position_sigma_km * 1e3,
            init_velocity_sigma_m_s=spec.init_velocity_sigma_m_s,
            min_convergence_rad=spec.min_convergence_deg * DEG,
            triangulation_gate_sigma=spec.triangulation_gate_sigma,
        )


@dataclass(frozen=True)
class Tracks:
    """Live tracks as parallel arrays (M rows)."""

    track_id: np.ndarray  # (M,) int64
    x: np.ndarray  # (M, 6) ECI state, m and m/s
    p: np.ndarray  # (M, 6, 6)
    status: np.ndarray  # (M,) int8
    born_t_s: np.ndarray  # (M,)
    last_hit_t_s: np.ndarray  # (M,)
    hits: np.ndarray  # (M,) int32, scans with at least one update
    recent_hits_t_s: np.ndarray  # (M, K) times of the last K hits, NaN-padded

    @classmethod
    def empty(cls, k: int) -> "Tracks":
        return cls(
            np.zeros(0, np.int64), np.zeros((0, 6)), np.zeros((0, 6, 6)), np.zeros(0, np.int8),
            np.zeros(0), np.zeros(0), np.zeros(0, np.int32), np.zeros((0, k)),
        )

    def __len__(self) -> int:
        return self.track_id.shape[0]

    def take(self, index: np.ndarray) -> "Tracks":
        return Tracks(*(getattr(self, f)[index] for f in _FIELDS))

    def append(self, other: "Tracks") -> "Tracks":
        return Tracks(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _FIELDS))


_FIELDS = ("track_id", "x", "p", "status", "born_t_s", "last_hit_t_s", "hits", "recent_hits_t_s")


@dataclass(frozen=True)
class Scan:
    """The detections of one sensor at one time (rows of the detections table)."""

    kind: int
    z: np.ndarray  # (D, 3)
    r: np.ndarray  # (D, 3, 3)
    sensor_r_eci_m: np.ndarray  # (D, 3)
    enu_eci: np.ndarray  # (D, 3, 3), radar only
    sensor_id: np.ndarray  # (D,)


def _pair_model(tracks: Tracks, scan: Scan):
    """Innovations, Jacobians and R for every (track, detection) pair, shape (M, D, ...)."""
    r = tracks.x[:, None, :3]
    if scan.kind == ANGLES:
        sigma2 = 0.5 * np.trace(scan.r, axis1=1, axis2=2)
        return angles_model(r, scan.z[None], scan.sensor_r_eci_m[None], sigma2[None])
    return radar_model(r, scan.z[None], scan.sensor_r_eci_m[None], scan.enu_eci[None], scan.r[None])


def associate_and_update(tracks: Tracks, scan: Scan, t_s: float, cfg: TrackerConfig) -> tuple[Tracks, np.ndarray]:
    """GNN-associate one sensor's detections to the tracks and update them.

    Returns the updated tracks and a (D,) mask of the detections that were used.
    """
    used = np.zeros(scan.z.shape[0], dtype=bool)
    if len(tracks) == 0:
        return tracks, used
    nu, h, rm, valid = _pair_model(tracks, scan)
    s = innovation_covariance(tracks.p[:, None], h, rm)
    d2 = np.where(valid, mahalanobis2(nu, np.where(valid[..., None, None], s, np.eye(s.shape[-1]))), np.inf)
    gate = gate_threshold(cfg.gate_probability, nu.shape[-1])
    rows, cols = gnn(d2, d2 <= gate, miss_cost=gate / 2.0)
    if rows.size == 0:
        return tracks, used
    x, p = ekf_update(tracks.x[rows], tracks.p[rows], nu[rows, cols], h[rows, cols], rm[rows, cols])
    used[cols] = True
    new_x, new_p = tracks.x.copy(), tracks.p.copy()
    new_x[rows], new_p[rows] = x, p
    last = tracks.last_hit_t_s.copy()
    hits = tracks.hits.copy()
    recent = tracks.recent_hits_t_s.copy()
    first_this_scan = last[rows] < t_s
    hit_rows = rows[first_this_scan]
    hits[hit_rows] += 1
    recent[hit_rows] = np.concatenate([recent[hit_rows, 1:], np.full((hit_rows.size, 1), t_s)], axis=1)
    last[rows] = t_s
    return replace(tracks, x=new_x, p=new_p, last_hit_t_s=last, hits=hits, recent_hits_t_s=recent), used


def initiate(scans: list[Scan], leftovers: list[np.ndarray], t_s: float, cfg: TrackerConfig, next_id: int) -> Tracks:
    """Tentative tracks from unused detections: triangulated lines of sight, radar plots."""
    pos, cov = [np.zeros((0, 3))], [np.zeros((0, 3, 3))]
    angle_scans = [(sc, m) for sc, m in zip(scans, leftovers) if sc.kind == ANGLES and m.any()]
    if angle_scans:
        u = np.concatenate([sc.z[m] for sc, m in angle_scans])
        s = np.concatenate([sc.sensor_r_eci_m[m] for sc, m in angle_scans])
        sigma = np.sqrt(0.5 * np.concatenate([np.trace(sc.r[m], axis1=1, axis2=2) for sc, m in angle_scans]))
        sensor = np.concatenate([sc.sensor_id[m] for sc, m in angle_scans])
        pts, pcov, _ = triangulate(u, s, sigma, sensor, cfg.triangulation_gate_sigma, cfg.min_convergence_rad)
        pos.append(pts)
        cov.append(pcov)
    for sc, m in zip(scans, leftovers):
        if sc.kind == RADAR and m.any():
            p_r, c_r = radar_position(sc.z[m], sc.sensor_r_eci_m[m], sc.enu_eci[m], sc.r[m])
            pos.append(p_r)
            cov.append(c_r)
    pos_all, cov_all = np.concatenate(pos), np.concatenate(cov)
    n = pos_all.shape[0]
    x, p = initial_states(pos_all, cov_all, cfg.init_velocity_sigma_m_s)
    recent = np.full((n, cfg.confirm_hits), np.nan)
    recent[:, -1] = t_s
    return Tracks(
        np.arange(next_id, next_id + n, dtype=np.int64), x, p, np.full(n, TENTATIVE, np.int8),
        np.full(n, t_s), np.full(n, t_s), np.ones(n, np.int32), recent,
    )


def manage(tracks: Tracks, t_s: float, cfg: TrackerConfig) -> tuple[Tracks, Tracks]:
    """Confirm (M hits within the window), delete (coasted too long, too uncertain, or
    underground) and de-duplicate.

    Returns (live tracks, tracks deleted at this step).
    """
    if len(tracks) == 0:
        return tracks, tracks
    span = t_s - tracks.recent_hits_t_s[:, 0]
    status = tracks.status.copy()
    status[(status == TENTATIVE) & (span <= cfg.confirm_window_s)] = CONFIRMED
    pos_sigma = np.sqrt(np.trace(tracks.p[:, :3, :3], axis1=1, axis2=2))
    silent = t_s - tracks.last_hit_t_s
    _, _, alt = ecef_to_geodetic(tracks.x[:, :3])  # altitude does not depend on Earth rotation
    dead = (
        (alt < cfg.min_altitude_m)
        | ((status == TENTATIVE) & (silent > cfg.confirm_window_s / 2))
        | ((status == TENTATIVE) & (t_s - tracks.born_t_s > cfg.confirm_window_s))
        | ((status == CONFIRMED) & (silent > cfg.coast_limit_s))
        | (pos_sigma > cfg.max_position_sigma_m)
    )
    dead |= _duplicates(tracks, status, dead, cfg.duplicate_gate)
    tracks = replace(tracks, status=status)
    gone = tracks.take(dead)
    return tracks.take(~dead), replace(gone, status=np.full(len(gone), DELETED, np.int8))


def _duplicates(tracks: Tracks, status: np.ndarray, dead: np.ndarray, gate: float) -> np.ndarray:
    """Tracks that duplicate a better one (position within the chi-square gate):
    the lower-ranked of each pair goes (confirmed before tentative, then more hits,
    then older)."""
    alive = np.nonzero(~dead)[0]
    out = np.zeros(len(tracks), dtype=bool)
    if alive.size < 2:
        return out
    i, j = np.triu_indices(alive.size, k=1)
    a, b = alive[i], alive[j]
    diff = tracks.x[a, :3] - tracks.x[b, :3]
    s = tracks.p[a, :3, :3] + tracks.p[b, :3, :3]
    close = mahalanobis2(diff, s) < gate
    rank = np.lexsort((-tracks.track_id, tracks.hits, status))  # ascending: worst first
    score = np.empty(len(tracks), dtype=np.int64)
    score[rank] = np.arange(len(tracks))
    for ia, ib in zip(a[close], b[close]):
        if not (out[ia] or out[ib]):
            out[ia if score[ia] < score[ib] else ib] = True
    return out


def _record(tracks: Tracks, t_s: float) -> dict[str, np.ndarray]:
    return {
        "t_s": np.full(len(tracks), t_s),
        "track_id": tracks.track_id,
        "status": tracks.status,
        "x": tracks.x,
        "P": tracks.p,
        "hits": tracks.hits,
        "last_update_t_s": tracks.last_hit_t_s,
    }


def step(
    tracks: Tracks, scans: list[Scan], t_s: float, dt: float, cfg: TrackerConfig, next_id: int
) -> tuple[Tracks, Tracks]:
    """One tracker step; returns (live tracks, tracks deleted at this step)."""
    x, p = predict(tracks.x, tracks.p, dt, cfg.q_m2_s3)
    tracks = replace(tracks, x=x, p=p)
    leftovers = []
    for scan in scans:
        tracks, used = associate_and_update(tracks, scan, t_s, cfg)
        leftovers.append(~used)
    tracks = tracks.append(initiate(scans, leftovers, t_s, cfg, next_id))
    return manage(tracks, t_s, cfg)


def run_tracker(
    detections: Table,
    t_grid_s: np.ndarray,
    enu_eci_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    cfg: TrackerConfig,
    progress: Callable[[int, int], None] | None = None,
) -> Table:
    """Run the tracker over the whole grid.

    Parameters
    ----------
    detections : table sorted by (t_s, sensor_id)
    t_grid_s : (T,) the scenario's time grid
    enu_eci_of : maps (sensor_id (n,), t_s (n,)) to the radar east/north/up rows in
        ECI (n, 3, 3) (ignored for angle detections)
    progress : called with (steps done, steps total)

    Returns
    -------
    The tracks table: one row per live track per step, plus a row at deletion.
    """
    t_det = detections["t_s"]
    enu = np.zeros((t_det.shape[0], 3, 3))
    radar = detections["kind"] == RADAR
    if radar.any():
        enu[radar] = enu_eci_of(detections["sensor_id"][radar], t_det[radar])
    starts = np.searchsorted(t_det, t_grid_s, side="left")
    ends = np.searchsorted(t_det, t_grid_s, side="right")
    tracks = Tracks.empty(cfg.confirm_hits)
    next_id = 1
    rows: list[dict[str, np.ndarray]] = []
    t_prev = t_grid_s[0]
    n_t = t_grid_s.shape[0]
    for k in range(n_t):
        t = float(t_grid_s[k])
        lo, hi = starts[k], ends[k]
        scans = []
        if hi > lo:
            sid = detections["sensor_id"][lo:hi]
            bounds = np.nonzero(np.diff(sid))[0] + 1
            for a, b in zip(np.r_[0, bounds], np.r_[bounds, hi - lo]):
                sl = slice(lo + a, lo + b)
                scans.append(
                    Scan(int(detections["kind"][lo + a]), detections["z"][sl], detections["R"][sl],
                         detections["sensor_r_eci_m"][sl], enu[sl], detections["sensor_id"][sl])
                )
        tracks, gone = step(tracks, scans, t, t - t_prev, cfg, next_id)
        if len(tracks):
            next_id = max(next_id, int(tracks.track_id.max()) + 1)
        if len(gone):
            next_id = max(next_id, int(gone.track_id.max()) + 1)
            rows.append(_record(gone, t))
        rows.append(_record(tracks, t))
        t_prev = t
        if progress is not None and (k % 50 == 0 or k == n_t - 1):
            progress(k + 1, n_t)
    cols = {key: np.concatenate([r[key] for r in rows]) for key in rows[0]} if rows else _record(Tracks.empty(1), 0.0)
    return Table(cols)
