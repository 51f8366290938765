"""Figures of merit per flight phase: custody, custody at named accuracy qualities,
space-layer detection, which sensor kinds fed the track, accuracy and covariance
consistency (NEES), one row per threat x node x phase plus a whole-flight row ``all``
(docs/outputs.md, docs/models.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from tracklayer.sensors import ANGLES, RADAR
from tracklayer.table import Table
from tracklayer.threats import PHASES
from tracklayer.threats.fly import Truth
from tracklayer.tracking import CONFIRMED

ALL = "all"
"""Phase label of the whole-flight row."""

NEES_DOF = 3
NEES_BOUND_95 = float(chi2.ppf(0.95, NEES_DOF))
"""95 % quantile of chi-square with 3 degrees of freedom (7.81): a consistent filter's
position NEES stays below it 95 % of the time."""

PHASE_COLUMNS = {
    "threat": "threat name",
    "kind": "ballistic or hgv",
    "node": "tracking node whose picture is scored",
    "phase": "flight phase (boost, coast, glide, terminal; the truth table's labels) or 'all' for the whole flight",
    "duration_s": "time the threat spent in this phase, s (grid steps x step)",
    "custody_s": "time held by a confirmed track in this phase, s; the phases add up to the 'all' row",
    "custody_fraction": "share of the phase held by a confirmed track (the 'all' row equals metrics.custody_fraction)",
    "custody_warning_quality": "share of the phase held by a confirmed track whose true 3-D position error is within metrics.warning_quality_km",
    "custody_fire_control_quality": "share of the phase held by a confirmed track whose true 3-D position error is within metrics.fire_control_quality_km",
    "ir_detecting_1": "share of the phase with >= 1 satellite detecting the threat (a detection in that time step, not only access)",
    "ir_detecting_2": "share of the phase with >= 2 satellites detecting the threat in the same time step (stereo)",
    "custody_radar_only": "share of the phase held by a confirmed track fed only by radar detections within metrics.feed_window_s",
    "custody_space_only": "share of the phase held by a confirmed track fed only by space IR detections within metrics.feed_window_s",
    "custody_both": "share of the phase held by a confirmed track fed by both radar and space IR within metrics.feed_window_s",
    "custody_coasting": "share of the phase held by a confirmed track fed by neither within metrics.feed_window_s (coasting on prediction)",
    "samples": "confirmed-track samples scored in the phase (one per held time step)",
    "position_rms_m": "RMS 3-D position error of the confirmed track in the phase, m (the 'all' row equals metrics.position_rms_m)",
    "nees_mean": "mean normalised estimation error squared of position, e' P^-1 e (3 for a consistent filter)",
    "nees_in_95": "share of samples whose position NEES is within the 95 % chi-square bound (3 dof, 7.81); 0.95 when consistent",
    "missed_aim": "the threat landed farther from its aim point than metrics.miss_tolerance_*_km (the same on every row of the threat)",
}

_INT = ("samples",)
_TEXT = ("threat", "kind", "node", "phase")


@dataclass(frozen=True)
class Quality:
    """Named accuracy thresholds and attribution settings of the phase metrics (SI).

    warning_m, fire_control_m : true 3-D position error a held track must be within
    feed_window_s : a sensor kind fed a track at t when a detection of its threat of
        that kind, from a source the track derives from, lies in (t - window, t]
    miss_tolerance_m : kind ('ballistic' / 'hgv') -> impact distance from the aim beyond
        which a threat missed its aim
    """

    warning_m: float = 5_000.0
    fire_control_m: float = 1_000.0
    feed_window_s: float = 10.0
    miss_tolerance_m: tuple[tuple[str, float], ...] = (("ballistic", 1_000.0), ("hgv", 1_000.0))

    @classmethod
    def from_scenario(cls, scn) -> Quality:
        q = scn.metrics
        return cls(q.warning_quality_km * 1e3, q.fire_control_quality_km * 1e3, q.feed_window_s,
                   (("ballistic", q.miss_tolerance_ballistic_km * 1e3), ("hgv", q.miss_tolerance_glide_km * 1e3)))

    def missed_aim(self, kind: np.ndarray, miss_m: np.ndarray) -> np.ndarray:
        """(N,) bool: the impact lies farther from the aim than the kind's tolerance."""
        tol = dict(self.miss_tolerance_m)
        limit = np.array([tol.get(str(k), np.inf) for k in kind], dtype=np.float64)
        return np.asarray(miss_m, dtype=np.float64) > limit

    def missed_aim_lines(self, metrics: Table) -> list[str]:
        """One warning line per threat of a whole-flight metrics table (one node's rows)
        that landed farther from its aim than its kind's tolerance."""
        tol = dict(self.miss_tolerance_m)
        missed = self.missed_aim(metrics["kind"], metrics["miss_m"])
        return [f"{metrics['threat'][i]} lands {metrics['miss_m'][i] / 1e3:,.1f} km from its aim point (tolerance "
                f"{tol[str(metrics['kind'][i])] / 1e3:g} km: metrics.miss_tolerance_{'glide' if metrics['kind'][i] == 'hgv' else 'ballistic'}_km)"
                for i in np.nonzero(missed)[0]]


def position_nees(err_m: np.ndarray, p_m2: np.ndarray) -> np.ndarray:
    """Normalised estimation error squared of positions.

    Parameters
    ----------
    err_m : (N, 3) estimate - truth, m
    p_m2 : (N, 3, 3) position covariances, m^2 (symmetric positive definite)

    Returns (N,) e' P^-1 e; chi-square with 3 dof when the covariance is honest.
    """
    if err_m.shape[0] == 0:
        return np.zeros(0)
    sol = np.linalg.solve(p_m2, err_m[..., None])[..., 0]
    return np.einsum("ni,ni->n", err_m, sol)


def satellites_detecting(detections: Table, t_grid_s: np.ndarray, n_threats: int) -> np.ndarray:
    """(T, N) number of distinct satellites with a detection of each threat in each step."""
    out = np.zeros((t_grid_s.shape[0], n_threats), dtype=np.int32)
    sel = (detections["kind"] == ANGLES) & (detections["truth_id"] >= 0)
    if not sel.any():
        return out
    k = np.clip(np.searchsorted(t_grid_s, detections["t_s"][sel]), 0, t_grid_s.shape[0] - 1)
    keys = np.unique(np.stack([k, detections["truth_id"][sel].astype(np.int64), detections["sensor_id"][sel].astype(np.int64)], axis=1), axis=0)
    np.add.at(out, (keys[:, 0], keys[:, 1]), 1)
    return out


def recent_source_bits(detections: Table, t_grid_s: np.ndarray, threat: int, kind: int, window_s: float) -> np.ndarray:
    """(T,) uint64: OR of the ``source_bit`` of the detections of ``threat`` of ``kind``
    in the steps (t - window_s, t]."""
    bits = np.zeros(t_grid_s.shape[0], dtype=np.uint64)
    sel = (detections["truth_id"] == threat) & (detections["kind"] == kind)
    if not sel.any():
        return bits
    k = np.clip(np.searchsorted(t_grid_s, detections["t_s"][sel]), 0, t_grid_s.shape[0] - 1)
    np.bitwise_or.at(bits, k, detections["source_bit"][sel].astype(np.uint64))
    step = float(t_grid_s[1] - t_grid_s[0]) if t_grid_s.shape[0] > 1 else 1.0
    out = bits.copy()
    for lag in range(1, max(int(np.ceil(window_s / step - 1e-9)), 1)):
        out[lag:] |= bits[:-lag]
    return out


def phase_metrics(
    truth: Truth,
    t_grid_s: np.ndarray,
    detections: Table,
    tracks: Table,
    node: str,
    quality: Quality = Quality(),
) -> Table:
    """One row per threat x phase (``PHASES`` in which it flew, then ``all``) for one
    node's picture.

    Parameters
    ----------
    detections : columns t_s, kind, truth_id, sensor_id, source_bit (the run's detections)
    tracks : the node's tracks scored with ``truth_id`` (`assign_truth`: at most one
        row per threat and step), with columns status, x, P, sources
    """
    n = len(truth)
    cols: dict[str, list] = {k: [] for k in PHASE_COLUMNS}
    conf = tracks["status"] == CONFIRMED
    k_rows = np.searchsorted(t_grid_s, tracks["t_s"])
    n_sat = satellites_detecting(detections, t_grid_s, n)
    missed = quality.missed_aim(truth.kind, truth.miss_m)
    labels = np.array(PHASES + (ALL,), dtype=object)
    step_s = float(t_grid_s[1] - t_grid_s[0]) if t_grid_s.shape[0] > 1 else 1.0
    for i in range(n):
        flying = truth.flying[:, i]
        phase = truth.phase[:, i]
        on = np.nonzero(conf & (tracks["truth_id"] == i))[0]
        k_on = k_rows[on]
        held = np.zeros(t_grid_s.shape[0], dtype=bool)
        held[k_on] = True
        held &= flying
        err = tracks["x"][on, :3] - truth.r_eci_m[k_on, i]
        err2 = np.sum(err**2, axis=1)
        dist = np.sqrt(err2)
        nees = position_nees(err, tracks["P"][on, :3, :3])
        fed = [(recent_source_bits(detections, t_grid_s, i, kind, quality.feed_window_s)[k_on] & tracks["sources"][on].astype(np.uint64)) != 0
               for kind in (RADAR, ANGLES)]
        step_of = {
            "custody_warning_quality": dist <= quality.warning_m,
            "custody_fire_control_quality": dist <= quality.fire_control_m,
            "custody_radar_only": fed[0] & ~fed[1],
            "custody_space_only": fed[1] & ~fed[0],
            "custody_both": fed[0] & fed[1],
            "custody_coasting": ~fed[0] & ~fed[1],
        }
        row_phase = phase[k_on]
        for p, label in enumerate(labels):
            in_phase = flying if label == ALL else phase == p
            if label != ALL and not in_phase.any():
                continue
            rows = row_phase >= 0 if label == ALL else row_phase == p
            steps = max(int(in_phase.sum()), 1)
            cols["threat"].append(truth.name[i])
            cols["kind"].append(truth.kind[i])
            cols["node"].append(node)
            cols["phase"].append(label)
            cols["duration_s"].append(int(in_phase.sum()) * step_s)
            cols["custody_s"].append(int((held & in_phase).sum()) * step_s)
            cols["custody_fraction"].append((held & in_phase).sum() / steps)
            for key, mask in step_of.items():
                cols[key].append(float(np.count_nonzero(mask & rows)) / steps)
            cols["ir_detecting_1"].append(float(np.count_nonzero(in_phase & (n_sat[:, i] >= 1))) / steps)
            cols["ir_detecting_2"].append(float(np.count_nonzero(in_phase & (n_sat[:, i] >= 2))) / steps)
            cols["samples"].append(int(rows.sum()))
            cols["position_rms_m"].append(float(np.sqrt(np.mean(err2[rows]))) if rows.any() else np.nan)
            cols["nees_mean"].append(float(np.mean(nees[rows])) if rows.any() else np.nan)
            cols["nees_in_95"].append(float(np.mean(nees[rows] <= NEES_BOUND_95)) if rows.any() else np.nan)
            cols["missed_aim"].append(bool(missed[i]))
    out = {}
    for k, v in cols.items():
        if k in _TEXT:
            out[k] = np.array(v, dtype=object)
        elif k in _INT:
            out[k] = np.array(v, dtype=np.int64)
        elif k == "missed_aim":
            out[k] = np.array(v, dtype=bool)
        else:
            out[k] = np.array(v, dtype=np.float64)
    return Table(out)
