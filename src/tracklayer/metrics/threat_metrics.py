"""Per-threat figures of merit (DOMAIN.md Sec. 5): detection, custody, accuracy,
N-fold coverage and warning time."""

from __future__ import annotations

import numpy as np

from tracklayer.sensors import ANGLES, RADAR
from tracklayer.table import Table
from tracklayer.threats.fly import Truth
from tracklayer.tracking import CONFIRMED

METRIC_COLUMNS = {
    "threat": "threat name",
    "kind": "ballistic or hgv",
    "node": "tracking node whose picture is scored",
    "launch_t_s": "launch time, s since epoch",
    "impact_t_s": "impact time, s since epoch",
    "flight_s": "time of flight, s",
    "time_to_first_detection_s": "first detection by any sensor - launch, s (NaN: never detected)",
    "time_to_first_ir_detection_s": "first space-IR detection - launch, s",
    "time_to_first_radar_detection_s": "first radar detection - launch, s",
    "time_to_confirmed_track_s": "first confirmed track on this threat - launch, s",
    "warning_time_s": "impact - first confirmed track, s",
    "custody_fraction": "fraction of flight time held by a confirmed track",
    "custody_gaps": "number of custody gaps after the first confirmed track",
    "longest_gap_s": "longest custody gap after the first confirmed track, s",
    "track_ids": "number of distinct confirmed track ids on this threat",
    "position_rms_m": "RMS 3-D position error of the confirmed track, m",
    "velocity_rms_m_s": "RMS 3-D velocity error of the confirmed track, m/s",
    "ir_coverage_1": "fraction of flight time with >= 1 satellite able to detect (access, Sun, Pd >= coverage.pd_min)",
    "ir_coverage_2": "fraction of flight time with >= 2 satellites able to detect (stereo)",
    "ir_coverage_3": "fraction of flight time with >= 3 satellites able to detect",
    "radar_coverage": "fraction of flight time with >= 1 radar able to detect",
    "detections": "number of detections of this threat",
    "miss_m": "distance of the impact point from the aim point, m",
    "track_latency_s": "first confirmed track on this threat in this node's picture (when the node has it) - first detection by any sensor, s",
    "duplicate_fraction": "fraction of flight time with two or more confirmed tracks whose nearest threat within the truth gate is this one",
    "track_swaps": "times a confirmed track that had been assigned another threat was assigned this one",
    "false_tracks": "confirmed track ids of this node never within the truth gate of any threat (node-wide: the same on every row)",
}


def _first(times: np.ndarray) -> float:
    return float(times.min()) if times.size else np.nan


def _gaps(held: np.ndarray, step_s: float) -> tuple[int, float]:
    """Number and longest length (s) of False runs after the first True."""
    if not held.any():
        return 0, np.nan
    h = held[np.argmax(held):]
    edges = np.diff(np.r_[1, h.astype(np.int8), 1])
    starts = np.nonzero(edges == -1)[0]
    ends = np.nonzero(edges == 1)[0]
    lengths = ends - starts
    return int(lengths.size), float(lengths.max() * step_s) if lengths.size else 0.0


def _swaps(tracks: Table, conf: np.ndarray, n: int) -> np.ndarray:
    """Per threat: how often a confirmed track assigned to another threat before was
    assigned to it (its assigned threat changing from one to another)."""
    rows = np.nonzero(conf & (tracks["truth_id"] >= 0))[0]
    rows = rows[np.lexsort((tracks["t_s"][rows], tracks["track_id"][rows]))]
    tid, who = tracks["track_id"][rows], tracks["truth_id"][rows]
    change = np.zeros(rows.size, dtype=bool)
    change[1:] = (tid[1:] == tid[:-1]) & (who[1:] != who[:-1])
    return np.bincount(who[change], minlength=n)


def threat_metrics(
    truth: Truth,
    t_grid_s: np.ndarray,
    detections: Table,
    tracks: Table,
    ir_access: np.ndarray,
    radar_access: np.ndarray,
    node: str,
    nearest: np.ndarray | None = None,
    available_after_s: float = 0.0,
) -> Table:
    """One row per threat for one node's picture.

    Parameters
    ----------
    tracks : the node's tracks scored with ``truth_id`` (one-to-one, `assign_truth`)
    nearest : (rows,) nearest threat within the truth gate of every track row
        (`nearest_truth`; default: ``truth_id``), for duplicates and false tracks
    available_after_s : delay between a row's time and the node having it (a
        tracker's reorder buffer), added to the track latency
    """
    nearest = tracks["truth_id"] if nearest is None else nearest
    step = float(t_grid_s[1] - t_grid_s[0]) if t_grid_s.shape[0] > 1 else 1.0
    n = len(truth)
    cols: dict[str, list] = {k: [] for k in METRIC_COLUMNS}
    conf = tracks["status"] == CONFIRMED
    k_rows = np.searchsorted(t_grid_s, tracks["t_s"])
    swaps = _swaps(tracks, conf, n)
    near_ids = np.unique(tracks["track_id"][conf & (nearest >= 0)])
    false_tracks = int(np.setdiff1d(np.unique(tracks["track_id"][conf]), near_ids).size)
    for i in range(n):
        flying = truth.flying[:, i]
        launch = truth.launch_t_s[i]
        mine = detections["truth_id"] == i
        on = conf & (tracks["truth_id"] == i)
        held = np.zeros(t_grid_s.shape[0], dtype=bool)
        held[k_rows[on]] = True
        held &= flying
        t_track = _first(tracks["t_s"][on])
        err_r = tracks["x"][on, :3] - truth.r_eci_m[k_rows[on], i]
        err_v = tracks["x"][on, 3:] - truth.v_eci_m_s[k_rows[on], i]
        gaps, longest = _gaps(held[flying], step)
        n_sat = ir_access[:, :, i].sum(axis=1)[flying]
        fly_n = max(int(flying.sum()), 1)
        cols["threat"].append(truth.name[i])
        cols["kind"].append(truth.kind[i])
        cols["node"].append(node)
        cols["launch_t_s"].append(launch)
        cols["impact_t_s"].append(truth.impact_t_s[i])
        cols["flight_s"].append(truth.impact_t_s[i] - launch)
        cols["time_to_first_detection_s"].append(_first(detections["t_s"][mine]) - launch)
        cols["time_to_first_ir_detection_s"].append(_first(detections["t_s"][mine & (detections["kind"] == ANGLES)]) - launch)
        cols["time_to_first_radar_detection_s"].append(_first(detections["t_s"][mine & (detections["kind"] == RADAR)]) - launch)
        cols["time_to_confirmed_track_s"].append(t_track - launch)
        cols["warning_time_s"].append(truth.impact_t_s[i] - t_track)
        cols["custody_fraction"].append(held.sum() / fly_n)
        cols["custody_gaps"].append(gaps)
        cols["longest_gap_s"].append(longest)
        cols["track_ids"].append(np.unique(tracks["track_id"][on]).size)
        cols["position_rms_m"].append(float(np.sqrt(np.mean(np.sum(err_r**2, axis=1)))) if on.any() else np.nan)
        cols["velocity_rms_m_s"].append(float(np.sqrt(np.mean(np.sum(err_v**2, axis=1)))) if on.any() else np.nan)
        cols["ir_coverage_1"].append(float((n_sat >= 1).sum() / fly_n))
        cols["ir_coverage_2"].append(float((n_sat >= 2).sum() / fly_n))
        cols["ir_coverage_3"].append(float((n_sat >= 3).sum() / fly_n))
        cols["radar_coverage"].append(float(np.any(radar_access[:, :, i], axis=1)[flying].sum() / fly_n))
        cols["detections"].append(int(mine.sum()))
        cols["miss_m"].append(truth.miss_m[i])
        cols["track_latency_s"].append(t_track + available_after_s - _first(detections["t_s"][mine]))
        dup = np.bincount(k_rows[conf & (nearest == i)], minlength=t_grid_s.shape[0]) >= 2
        cols["duplicate_fraction"].append(float((dup & flying).sum() / fly_n))
        cols["track_swaps"].append(int(swaps[i]))
        cols["false_tracks"].append(false_tracks)
    out = {}
    for k, v in cols.items():
        if k in ("threat", "kind", "node"):
            out[k] = np.array(v, dtype=object)
        elif k in ("custody_gaps", "track_ids", "detections", "track_swaps", "false_tracks"):
            out[k] = np.array(v, dtype=np.int64)
        else:
            out[k] = np.array(v, dtype=np.float64)
    return Table(out)
