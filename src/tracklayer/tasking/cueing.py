"""Track-cued sensing: a cueing tracker's estimates point the track-cued sensors.

Two passes over the sensing stage (docs/sensing.md, "Track-cued tasking"):

1. every sensor observes as usual (a pointed sensor cued on the truth); the detections
   of each track-cued group's ``sources`` feed a cueing tracker
   (`tracklayer.tracking.tracker.Tracker`, the scenario's ``tracker``), whose confirmed
   tracks are the candidates;
2. frame by frame the scheduler (`tracklayer.tasking.scheduler`) points the group's
   sensors at those tracks' estimates, ``latency_s`` old and extrapolated at constant
   velocity; a target is in view of a look when it lies within half the field of view
   of the look's boresight. The sensing stage then runs again with these pointings:
   the other sensors' detections come out the same (one random stream per sensor), the
   track-cued sensors see what their looks contain.

`handover_table` scores the hand-over from the cueing sensors to the cued ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.constellation import Satellites
from tracklayer.sensors.geometry import infrared_access, look_down_numpy
from tracklayer.sensors.infrared import InfraredParams, Pointings, frame_mask
from tracklayer.sensors.measurements import unit
from tracklayer.sensors.radar import RadarParams, radar_enu_eci
from tracklayer.sensors.sensing import Sensing, run_sensing
from tracklayer.table import Table
from tracklayer.tasking.scheduler import schedule_frame, slew_reachable, slew_towards, track_priority
from tracklayer.threats.fly import Truth
from tracklayer.tracking import CONFIRMED
from tracklayer.tracking.config import TrackerConfig
from tracklayer.tracking.tracker import Tracker

TIE_BREAK = 1e-6
"""Relative priority bonus for the shorter slew (times the cosine of the slew angle):
between sensors that could make the same look, the one already pointing closest gets it."""


@dataclass(frozen=True)
class Looks:
    """Every look of the track-cued sensors, (L,) each: grid index ``t``, satellite
    ``s``, cueing ``track_id`` and boresight ``axis_eci`` (L, 3)."""

    t: np.ndarray
    s: np.ndarray
    track_id: np.ndarray
    axis_eci: np.ndarray


def cued_groups(scenario) -> dict[tuple[str, ...], list[int]]:
    """Track-cued constellations (indices) by the sorted names of the sensors that cue them."""
    cued = [k for k, c in enumerate(scenario.constellations) if c.sensor.cueing is not None]
    default = tuple(sorted([c.name for k, c in enumerate(scenario.constellations) if k not in cued] + [r.name for r in scenario.radars]))
    groups: dict[tuple[str, ...], list[int]] = {}
    for k in cued:
        sources = scenario.constellations[k].sensor.cueing.sources
        groups.setdefault(tuple(sorted(sources)) if sources else default, []).append(k)
    return groups


def source_sensors(scenario, sats: Satellites, names: tuple[str, ...]) -> np.ndarray:
    """(sensor_id,) of the satellites and radars named (by constellation or radar name)."""
    sat_ids = np.nonzero(np.isin([scenario.constellations[c].name for c in sats.constellation], names))[0]
    radar_ids = len(sats) + np.nonzero(np.isin([r.name for r in scenario.radars], names))[0]
    return np.r_[sat_ids, radar_ids].astype(np.int64)


def cueing_tracks(scenario, grid: TimeGrid, sats: Satellites, sensing: Sensing, sources: np.ndarray) -> Table:
    """The cueing tracker's tracks table over the detections of the ``sources`` sensors."""
    det = sensing.detections
    det = det.take(np.isin(det["sensor_id"], sources))
    enu = radar_enu_eci(RadarParams.from_specs(scenario.radars), grid.gmst_rad, len(sats)) if scenario.radars else None
    tracks, _ = Tracker(TrackerConfig.from_spec(scenario.tracker)).run(det, grid.t_s, enu)
    return tracks


def estimates_at(tracks: Table, t_s: float, latency_s: float, grid_t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Track ids (J,) and ECI positions (J, 3) the confirmed tracks give for time ``t_s``:
    their state at the last grid time <= t_s - latency_s, moved on at constant velocity."""
    k = np.searchsorted(grid_t_s, t_s - latency_s + 1e-9, side="right") - 1
    if k < 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 3))
    t_old = grid_t_s[k]
    rows = (tracks["t_s"] == t_old) & (tracks["status"] == CONFIRMED)
    x = tracks["x"][rows]
    return tracks["track_id"][rows].astype(np.int64), x[:, :3] + x[:, 3:6] * (t_s - t_old)


def schedule_looks(scenario, grid: TimeGrid, sats: Satellites, tracks: Table, constellations: list[int]) -> Looks:
    """Frame by frame, the looks of the satellites of ``constellations`` at the tracks'
    estimates (`tracklayer.tasking.scheduler.schedule_frame`).

    A sensor's line of sight starts at nadir and, after each frame, rests on its last
    look (looks are made in decreasing priority); a sensor with tracks in its field of
    regard but none within one frame's slew spends the frame slewing towards the
    first of them in priority. A track's age counts from its last look by any of these
    sensors, or from its first confirmed estimate."""
    ir = InfraredParams.from_constellations(scenario.constellations, sats.constellation)
    mine = np.nonzero(np.isin(sats.constellation, constellations))[0]
    cue = [scenario.constellations[c].sensor.cueing for c in sats.constellation[mine]]
    latency = np.array([c.latency_s for c in cue])
    rate = np.array([c.slew_rate_deg_s * DEG for c in cue])
    dwell = np.array([c.dwell_s for c in cue])
    new_weight = np.array([c.new_track_weight for c in cue])
    low_m = np.array([c.low_altitude_km * 1e3 for c in cue])
    frame_s = ir.revisit_s[mine]
    capacity = np.minimum(ir.max_targets[mine], np.floor(frame_s / dwell + 1e-9).astype(np.int64))
    frames = frame_mask(grid.t_s, frame_s)
    los = -unit(sats.r_eci_m[0, mine])
    first_seen: dict[int, float] = {}
    last_look: dict[int, float] = {}
    out_t, out_s, out_id, out_axis = [], [], [], []
    for k in np.nonzero(frames.any(axis=1))[0]:
        t = float(grid.t_s[k])
        on = np.nonzero(frames[k])[0]
        cand = [estimates_at(tracks, t, latency[i], grid.t_s) for i in on]
        ids = np.unique(np.concatenate([c[0] for c in cand]))
        if ids.size == 0:
            continue
        r_est = np.full((on.size, ids.size, 3), np.nan)
        for row, (tid, r) in enumerate(cand):
            r_est[row, np.searchsorted(ids, tid)] = r
        for tid in ids:
            first_seen.setdefault(int(tid), t)
        r_sat = sats.r_eci_m[k, mine[on]]
        los_to = unit(r_est - r_sat[:, None, :])
        seen = ~np.isnan(r_est[..., 0])
        geo = np.zeros_like(seen)
        for row, i in enumerate(on):  # the estimate inside the field of regard, in range, above the limb
            geo[row] = seen[row] & infrared_access(r_sat[row][None, None], np.nan_to_num(r_est[row])[None],
                                                     ir.half_angle_rad[mine[i]][None], ir.max_range_m[mine[i]][None], ir.grazing_m[mine[i]][None])[0, 0]
        reach = geo & slew_reachable(los[on], np.nan_to_num(los_to), rate[on], dwell[on], frame_s[on])
        age = np.array([t - last_look.get(int(j), first_seen[int(j)]) for j in ids])
        never = np.array([int(j) not in last_look for j in ids])
        _, _, alt = ecef_to_geodetic(np.nan_to_num(r_est))  # altitude is rotation-invariant
        weight = np.stack([track_priority(age, never, alt[row], frame_s[i], new_weight[i], low_m[i]) for row, i in enumerate(on)])
        cos = np.einsum("sk,sjk->sj", los[on], np.nan_to_num(los_to))
        sensor = schedule_frame(weight * (1.0 + TIE_BREAK * cos), reach, capacity[on])
        looked = np.nonzero(sensor >= 0)[0]
        looked = looked[np.argsort(-weight[sensor[looked], looked], kind="stable")]
        for j in looked:
            row = int(sensor[j])
            out_t.append(k)
            out_s.append(mine[on[row]])
            out_id.append(ids[j])
            out_axis.append(los_to[row, j])
            los[on[row]] = los_to[row, j]
            last_look[int(ids[j])] = t
        idle = np.nonzero(~np.isin(np.arange(on.size), sensor) & geo.any(axis=1))[0]
        for idle_row in idle.tolist():  # no track within one frame's slew: spend the frame slewing towards the first in priority
            first = int(np.argmax(np.where(geo[idle_row], weight[idle_row], -np.inf)))
            los[on[idle_row]] = slew_towards(los[on[idle_row]], los_to[idle_row, first], rate[on[idle_row]] * frame_s[on[idle_row]])
    return Looks(np.array(out_t, dtype=np.int64), np.array(out_s, dtype=np.int64), np.array(out_id, dtype=np.int64),
                 np.array(out_axis).reshape(-1, 3))


def pointings(sensing: Sensing, sats: Satellites, looks: Looks, fov_half_rad: np.ndarray, cued_sats: np.ndarray, r_tgt: np.ndarray) -> Pointings:
    """The `Pointings` of ``looks``: a pair (t, s, n) of ``sensing.ir_pairs`` is in view
    when threat n lies within ``fov_half_rad[s]`` of a boresight of sensor s at t."""
    pairs = sensing.ir_pairs
    assert pairs is not None  # a scenario with track-cued satellites has satellites
    n_s = len(sats)
    key_look = looks.t * n_s + looks.s
    order = np.argsort(key_look, kind="stable")
    key_sorted = key_look[order]
    key_pair = pairs.t * n_s + pairs.s
    lo = np.searchsorted(key_sorted, key_pair, side="left")
    hi = np.searchsorted(key_sorted, key_pair, side="right")
    u_true = unit(r_tgt[pairs.t, pairs.n] - sats.r_eci_m[pairs.t, pairs.s])
    cos_half = np.cos(fov_half_rad[pairs.s])
    in_view = np.zeros(pairs.t.size, dtype=bool)
    for m in range(int((hi - lo).max(initial=0))):
        has = lo + m < hi
        axis = looks.axis_eci[order[lo[has] + m]]
        in_view[has] |= np.einsum("pk,pk->p", axis, u_true[has]) >= cos_half[has]
    sensors = np.zeros(n_s, dtype=bool)
    sensors[cued_sats] = True
    behind = sats.r_eci_m[looks.t, looks.s] + looks.axis_eci * 1e3  # a point just along the boresight
    return Pointings(sensors, looks.t, looks.s, looks.axis_eci, look_down_numpy(sats.r_eci_m[looks.t, looks.s], behind), in_view)


def track_cued_sensing(scenario, grid: TimeGrid, sats: Satellites, truth: Truth, seed: np.random.SeedSequence) -> tuple[Sensing, Table | None]:
    """The sensing stage with track-cued sensors pointed by their cueing trackers, and
    the hand-over table (`handover_table`); without track-cued sensors, the plain
    sensing stage and None."""
    groups = cued_groups(scenario)
    if not groups or not len(sats):
        return run_sensing(scenario, grid, sats, truth, seed), None
    sensing = run_sensing(scenario, grid, sats, truth, _copy(seed))  # spawning advances a SeedSequence: both passes start alike
    parts = []
    for names, constellations in groups.items():
        tracks = cueing_tracks(scenario, grid, sats, sensing, source_sensors(scenario, sats, names))
        parts.append(schedule_looks(scenario, grid, sats, tracks, constellations))
    looks = Looks(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("t", "s", "track_id", "axis_eci")))
    ir = InfraredParams.from_constellations(scenario.constellations, sats.constellation)
    cued = np.nonzero(np.isin(sats.constellation, [c for group in groups.values() for c in group]))[0]
    point = pointings(sensing, sats, looks, ir.fov_half_rad, cued, truth.r_eci_m)
    cued_sensing = run_sensing(scenario, grid, sats, truth, seed, point)
    return cued_sensing, handover_table(scenario, grid, sats, truth, cued_sensing, point, groups)


def _copy(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size, n_children_spawned=seed.n_children_spawned)


HANDOVER_COLUMNS = {
    "constellation": "the track-cued constellation",
    "threat_id": "index of the threat",
    "threat": "its name",
    "cue_t_s": "first detection of the threat by the constellation's cueing sensors, s (NaN: never)",
    "acquired_t_s": "first detection by the track-cued constellation at or after cue_t_s, s (NaN: never)",
    "handover_s": "acquired_t_s - cue_t_s, s",
    "acquired": "whether the hand-over acquired (acquired_t_s is finite)",
    "looks_in_view": "looks of the constellation whose field of view held the threat",
}


def handover_table(scenario, grid: TimeGrid, sats: Satellites, truth: Truth, sensing: Sensing, point: Pointings,
                   groups: dict[tuple[str, ...], list[int]]) -> Table:
    """One row per track-cued constellation per threat the cueing sensors detected:
    columns `HANDOVER_COLUMNS`."""
    det = sensing.detections
    pairs = sensing.ir_pairs
    assert pairs is not None
    n_thr = len(truth)
    rows: dict[str, list] = {k: [] for k in HANDOVER_COLUMNS}
    for names, constellations in groups.items():
        src = np.isin(det["sensor_id"], source_sensors(scenario, sats, names)) & (det["truth_id"] >= 0)
        cue = np.full(n_thr, np.inf)
        np.minimum.at(cue, det["truth_id"][src], det["t_s"][src])
        for c in constellations:
            mine = np.isin(det["sensor_id"], np.nonzero(sats.constellation == c)[0]) & (det["truth_id"] >= 0)
            mine &= det["t_s"] >= cue[np.maximum(det["truth_id"], 0)]
            got = np.full(n_thr, np.inf)
            np.minimum.at(got, det["truth_id"][mine], det["t_s"][mine])
            in_view = point.in_view & (sats.constellation[pairs.s] == c)
            views = np.bincount(pairs.n[in_view], minlength=n_thr)
            for n in np.nonzero(np.isfinite(cue))[0]:
                rows["constellation"].append(scenario.constellations[c].name)
                rows["threat_id"].append(n)
                rows["threat"].append(truth.name[n])
                rows["cue_t_s"].append(cue[n])
                rows["acquired_t_s"].append(got[n] if np.isfinite(got[n]) else np.nan)
                rows["handover_s"].append(got[n] - cue[n] if np.isfinite(got[n]) else np.nan)
                rows["acquired"].append(bool(np.isfinite(got[n])))
                rows["looks_in_view"].append(views[n])
    return Table({
        "constellation": np.array(rows["constellation"], dtype=object),
        "threat_id": np.array(rows["threat_id"], dtype=np.int32),
        "threat": np.array(rows["threat"], dtype=object),
        "cue_t_s": np.array(rows["cue_t_s"], dtype=np.float64),
        "acquired_t_s": np.array(rows["acquired_t_s"], dtype=np.float64),
        "handover_s": np.array(rows["handover_s"], dtype=np.float64),
        "acquired": np.array(rows["acquired"], dtype=bool),
        "looks_in_view": np.array(rows["looks_in_view"], dtype=np.int64),
    })
