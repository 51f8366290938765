"""The viewer's data: one JSON document built from a run folder, thinned for a browser.

Sources: the Parquet tables (truth, detections, tracks, metrics, sensors) and, for
what no table holds, ``scene.czml`` (satellite ephemerides sampled every 60 s, each
satellite's infrared parameters and orbit, each radar's coverage parameters) and
``run.json`` (epoch, seed). Positions go out in ECEF metres (Cesium's FIXED frame),
times in seconds since the scenario epoch.

Per node (`tracklayer.viewer.network`): the raw detections it receives (its own
sensors and measurements released to it), its tracks' contributing sensor groups from
the tracks table's ``sources`` provenance, and notes generated from the run's network
(``run.json``). The event log is `tracklayer.viewer.events`.

Thinning (`Budget`): satellites beyond ``max_satellites`` are dropped (those that
detected a threat are kept first), and time series are resampled on a coarser,
power-of-two multiple of their native step until each kind fits its sample budget
(status changes and both ends of every series are always kept). Detection lines keep
real detections first and fill what room is left with false alarms. Every reduction is
listed in ``thinning`` for the page to show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracklayer import palette
from tracklayer.earth.constants import DEG, TWO_PI, WGS84_A_M
from tracklayer.earth.frames import aer_to_enu, ecef_to_geodetic, enu_basis, geodetic_to_ecef
from tracklayer.earth.time import TimeGrid, parse_epoch
from tracklayer.io.checked import DataFileError, json_field, read_json, read_table
from tracklayer.io.czml import PHASE_COLOURS, STATUS_COLOURS
from tracklayer.io.scene_geometry import covariance_axes, footprint_central_angle_rad, ground_sector, radar_fan_angles_rad
from tracklayer.table import Table
from tracklayer.viewer.events import event_log
from tracklayer.viewer.network import contributors, node_notes, read_network, receiving_nodes

RUN_FILES = ("truth.parquet", "detections.parquet", "tracks.parquet", "metrics.parquet", "sensors.parquet", "scene.czml", "run.json")
"""Files a run folder must hold for the viewer."""
TRUTH_LAYER = "truth"
"""Name of the layer that shows ground truth only."""


class RunFolderError(DataFileError):
    """A run folder that the viewer cannot read; the message is one line naming the file."""


@dataclass(frozen=True)
class Budget:
    """Most of each kind of thing sent to the browser (a few thousand moving entities at most)."""

    max_satellites: int = 400
    max_satellite_samples: int = 150_000
    max_orbit_rings: int = 200
    max_threat_samples: int = 40_000
    max_tracks: int = 1_500
    max_track_samples: int = 60_000
    max_detections: int = 20_000


def check_run_folder(run_dir: Path) -> Path:
    """The resolved run folder; raises `RunFolderError` naming the first missing file."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: not a folder (give the --out folder of `tracklayer run`)")
    for name in RUN_FILES:
        if not (run_dir / name).is_file():
            raise RunFolderError(f"{run_dir / name}: missing; is {run_dir} the --out folder of `tracklayer run`?")
    return run_dir.resolve()


TABLE_COLUMNS = {
    "truth.parquet": {"t_s": "f", "threat_id": "i", "threat": "s", "kind": "s", "phase": "s", "r_eci_m": "f3",
                      "lat_deg": "f", "lon_deg": "f", "alt_m": "f", "speed_m_s": "f"},
    "detections.parquet": {"t_s": "f", "sensor_id": "i", "sensor": "s", "node": "s", "kind": "s", "z": "f3",
                           "sensor_r_eci_m": "f3", "truth_id": "i"},
    "tracks.parquet": {"t_s": "f", "node": "s", "track_id": "i", "status": "s", "P": "f6x6", "position_sigma_m": "f",
                       "lat_deg": "f", "lon_deg": "f", "alt_m": "f", "hits": "i", "last_update_t_s": "f", "truth_id": "i",
                       "sources": "i"},
    "metrics.parquet": {"threat": "s", "node": "s", "launch_t_s": "f", "impact_t_s": "f"},
    "sensors.parquet": {"sensor_id": "i", "sensor": "s", "kind": "s", "nation": "s", "platform": "s", "source": "i",
                        "owner_node": "s"},
}
"""Columns of the run's tables that the viewer reads, with their kinds and cell shapes (`tracklayer.io.checked`)."""


def _read_table(run_dir: Path, name: str) -> Table:
    try:
        return read_table(run_dir / name, TABLE_COLUMNS[name])
    except DataFileError as exc:
        raise RunFolderError(str(exc)) from None


def _epoch(path: Path, text: str, field: str):
    try:
        return parse_epoch(text)
    except (ValueError, TypeError) as exc:
        raise RunFolderError(f"{path}: field {field} is not a UTC time ({exc})") from None


def _read_run_info(run_dir: Path) -> tuple[dict, list[dict]]:
    """run.json and scene.czml, checked for what the viewer uses of them."""
    try:
        info = read_json(run_dir / "run.json", dict)
        json_field(run_dir / "run.json", info, "epoch", str)
        scene = read_json(run_dir / "scene.czml", list)
    except DataFileError as exc:
        raise RunFolderError(str(exc)) from None
    if info.get("eci_frame", "TEME") != "TEME":  # the viewer turns TEME into Earth-fixed positions
        raise RunFolderError(f"{run_dir / 'run.json'}: tables written in {info['eci_frame']}; the viewer shows runs written in TEME (run without --frame)")
    for i, packet in enumerate(scene):
        if not isinstance(packet, dict):
            raise RunFolderError(f"{run_dir / 'scene.czml'}: packet {i} should be an object, found {type(packet).__name__}")
    return info, scene


def _packet(path: Path, packet: dict, read):
    """``read(packet)``, naming the packet if it lacks what tracklayer writes into it."""
    try:
        return read(packet)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise RunFolderError(f"{path}: packet {str(packet.get('id', '?'))[:80]!r} is not as `tracklayer run` writes it "
                             f"({type(exc).__name__}: {str(exc)[:80]})") from None


def thin_groups(group: np.ndarray, t_s: np.ndarray, period_s: float, force: np.ndarray | None = None) -> np.ndarray:
    """Rows to keep so that each group has about one sample per ``period_s``.

    Keeps the first and last row of every group, the first row of every period
    bucket (counted from the group's first time) and the rows flagged in ``force``.

    Parameters
    ----------
    group : (N,) group label of each row
    t_s : (N,) time of each row, s
    period_s : bucket length, s
    force : (N,) bool, rows always kept

    Returns
    -------
    (K,) row indices, sorted by group then time.
    """
    if t_s.size == 0:
        return np.zeros(0, dtype=np.intp)
    order = np.lexsort((t_s, group))
    g, t = group[order], t_s[order]
    new = np.r_[True, g[1:] != g[:-1]]
    start = np.maximum.accumulate(np.where(new, np.arange(g.size), 0))
    bucket = np.floor((t - t[start]) / period_s + 1e-9)
    keep = new | np.r_[True, bucket[1:] != bucket[:-1]] | np.r_[g[1:] != g[:-1], True]
    if force is not None:
        keep |= force[order]
    return order[keep]


def changes(group: np.ndarray, t_s: np.ndarray, *labels: np.ndarray) -> np.ndarray:
    """(N,) bool: rows where, within their group in time order, any of ``labels`` differs from
    the previous row (a group's first row counts as a change)."""
    order = np.lexsort((t_s, group))
    flag = np.r_[True, group[order][1:] != group[order][:-1]]
    for label in labels:
        flag[1:] |= label[order][1:] != label[order][:-1]
    out = np.empty_like(flag)
    out[order] = flag
    return out


def _fit(group: np.ndarray, t_s: np.ndarray, step_s: float, budget: int, force: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """`thin_groups` with the smallest period (step x 2^k) that keeps at most ``budget`` rows."""
    period = step_s
    span = float(t_s.max() - t_s.min()) if t_s.size else 0.0
    while True:
        rows = thin_groups(group, t_s, period, force)
        if rows.size <= budget or period > span:
            return rows, period
        period *= 2.0


class _Frame:
    """Earth rotation of the run: theta(t) = GMST-82(t) + offset, offset taken from the truth table
    (it carries both ECI and geodetic positions, so the run's UT1 - UTC is recovered exactly)."""

    def __init__(self, epoch, truth: Table):
        self.grid = TimeGrid(epoch, np.zeros(1))
        offset = 0.0
        if truth.num_rows:
            r = truth["r_eci_m"]
            ecef = geodetic_to_ecef(truth["lat_deg"] * DEG, truth["lon_deg"] * DEG, truth["alt_m"])
            d = np.arctan2(r[:, 1], r[:, 0]) - np.arctan2(ecef[:, 1], ecef[:, 0]) - self.grid.gmst_rad(truth["t_s"])
            offset = float(np.median(np.angle(np.exp(1j * d))))
        self.offset = offset

    def theta(self, t_s: np.ndarray) -> np.ndarray:
        return self.grid.gmst_rad(t_s) + self.offset

    def rate_rad_s(self) -> float:
        day = self.theta(np.array([0.0, 86400.0]))
        return float((day[1] - day[0]) % TWO_PI + TWO_PI) / 86400.0

    def to_ecef(self, v: np.ndarray, t_s: np.ndarray) -> np.ndarray:
        """Rotate ECI vectors (N, 3) at times (N,) into ECEF."""
        th = self.theta(t_s)
        c, s = np.cos(th), np.sin(th)
        return np.stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1], v[:, 2]], axis=1)

    def rotation(self, t_s: np.ndarray) -> np.ndarray:
        """ECI -> ECEF rotation matrices (N, 3, 3)."""
        th = self.theta(t_s)
        m = np.zeros(th.shape + (3, 3))
        m[:, 0, 0] = m[:, 1, 1] = np.cos(th)
        m[:, 0, 1] = np.sin(th)
        m[:, 1, 0] = -np.sin(th)
        m[:, 2, 2] = 1.0
        return m


def _ints(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=np.float64)).astype(np.int64).ravel().tolist()


def _times(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=np.float64), 3).ravel().tolist()


def _clean(value):
    """JSON-safe scalars: NaN and infinities become None, NumPy scalars plain Python."""
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _intervals(t_s: np.ndarray, tolerance_s: float, width_s: float) -> list[list[float]]:
    """Merge sorted sample times into [start, end] intervals (gaps above ``tolerance_s`` split them;
    each sample stands for ``width_s`` seconds)."""
    t = np.unique(t_s)
    if t.size == 0:
        return []
    cut = np.nonzero(np.diff(t) > tolerance_s)[0]
    starts = t[np.r_[0, cut + 1]]
    ends = t[np.r_[cut, t.size - 1]] + width_s
    return np.round(np.stack([starts, ends], axis=1), 3).tolist()


_FOOTPRINT_KEYS = ("field_of_regard_deg", "max_range_km", "grazing_altitude_km", "min_target_altitude_km")


def _check_satellite(p: dict) -> None:
    """Raise (KeyError, TypeError, ValueError) unless ``p`` holds what `_satellites` reads."""
    if not isinstance(p["name"], str):
        raise TypeError("name is not text")
    np.asarray(p["position"]["cartesian"], dtype=np.float64).reshape(-1, 4)
    props = p.get("properties", {})
    if not isinstance(props, dict):
        raise TypeError("properties is not an object")
    if "field_of_regard_deg" in props:
        for key in _FOOTPRINT_KEYS:
            float(props[key])
    np.asarray(props.get("orbit_eci_m", []), dtype=np.float64).reshape(-1, 3)


def _satellites(scene: list[dict], budget: Budget, detected: set[str], notes: list[str], path: Path = Path("scene.czml")) -> dict:
    packets = [p for p in scene if str(p.get("id", "")).startswith("satellite/")]
    for p in packets:
        _packet(path, p, _check_satellite)
    total = len(packets)
    if total > budget.max_satellites:
        seen = [p for p in packets if p["name"] in detected][: budget.max_satellites]
        rest = [p for p in packets if p["name"] not in detected]
        room = budget.max_satellites - len(seen)
        pick = np.linspace(0, len(rest) - 1, room).round().astype(int) if room > 0 and rest else np.zeros(0, int)
        packets = seen + [rest[i] for i in np.unique(pick)]
        notes.append(f"satellites: {len(packets):,} of {total:,} shown (all that detected a threat first, the rest evenly spaced)")
    names: list[str] = []
    nations: list[str] = []
    constellations: list[str] = []
    t_list: list[list] = []
    r_list: list[list] = []
    fp_list: list[list | None] = []
    rings: list[list] = []
    ring_sats: list[list[int]] = []
    samples = sum(len(p["position"]["cartesian"]) // 4 for p in packets)
    stride = int(np.ceil(samples / budget.max_satellite_samples)) if samples else 1
    if stride > 1:
        notes.append(f"satellite positions: every {stride}th sample of scene.czml kept ({samples:,} samples in all)")
    ring_keys: dict[tuple, int] = {}
    for p in packets:
        cart = np.asarray(p["position"]["cartesian"], dtype=np.float64).reshape(-1, 4)
        cart = cart[np.unique(np.r_[np.arange(0, cart.shape[0], stride), cart.shape[0] - 1])]
        props = p.get("properties", {})
        names.append(p["name"])
        nations.append(props.get("nation", ""))
        constellations.append(props.get("constellation", ""))
        t_list.append(_times(cart[:, 0]))
        r_list.append(_ints(cart[:, 1:]))
        if "field_of_regard_deg" in props:
            lam = footprint_central_angle_rad(
                np.linalg.norm(cart[:, 1:], axis=1), props["field_of_regard_deg"] / 2 * DEG, props["max_range_km"] * 1e3,
                props["grazing_altitude_km"] * 1e3, props["min_target_altitude_km"] * 1e3,
            )
            fp_list.append(_ints(lam * WGS84_A_M))
        else:
            fp_list.append(None)
        ring = np.asarray(props.get("orbit_eci_m", []), dtype=np.float64).reshape(-1, 3)
        if ring.shape[0] >= 3:
            normal = np.cross(ring[0], ring[ring.shape[0] // 4])
            key = tuple(np.round(normal / np.linalg.norm(normal) / 0.005).astype(int)) + (round(float(np.linalg.norm(ring, axis=1).mean()) / 20e3),)
            if key not in ring_keys:
                ring_keys[key] = len(rings)
                rings.append(_ints(ring))
                ring_sats.append([])
            ring_sats[ring_keys[key]].append(len(names) - 1)
    if len(rings) > budget.max_orbit_rings:
        pick = np.unique(np.linspace(0, len(rings) - 1, budget.max_orbit_rings).round().astype(int))
        notes.append(f"orbits: {pick.size} of {len(rings)} distinct orbit planes drawn")
        rings, ring_sats = [rings[i] for i in pick], [ring_sats[i] for i in pick]
    return {
        "total": total, "name": names, "nation": nations, "constellation": constellations, "t_s": t_list,
        "r_ecef_m": r_list, "footprint_m": fp_list, "orbits": [{"satellites": s, "r_eci_m": r} for s, r in zip(ring_sats, rings)],
    }


def _radars(scene: list[dict], path: Path = Path("scene.czml")) -> list[dict]:
    return [_packet(path, p, _radar) for p in scene if str(p.get("id", "")).startswith("sensor/") and "properties" in p]


def _radar(p: dict) -> dict:
    q = p["properties"]
    lon, lat, alt = p["position"]["cartographicDegrees"]
    fan = radar_fan_angles_rad(
        np.array([q["azimuth_center_deg"] * DEG]), np.array([q["azimuth_width_deg"] * DEG]),
        np.array([q["min_elevation_deg"] * DEG]), np.array([q["max_elevation_deg"] * DEG]),
    )
    radar = {
        "name": p["name"], "nation": q["nation"], "lat_deg": lat, "lon_deg": lon, "alt_m": alt,
        "max_range_m": q["max_range_km"] * 1e3, "min_range_m": q["min_range_km"] * 1e3,
        "over_the_horizon": bool(q["over_the_horizon"]), "params": q,
        **{k: float(v[0]) for k, v in fan.items()},
    }
    if radar["over_the_horizon"]:
        la, lo = ground_sector(lat * DEG, lon * DEG, radar["min_range_m"], radar["max_range_m"], q["azimuth_center_deg"] * DEG, q["azimuth_width_deg"] * DEG)
        radar["outline_deg"] = np.round(np.stack([lo, la], axis=1) / DEG, 4).ravel().tolist()
    return radar


def _threats(truth: Table, step_s: float, budget: Budget, notes: list[str]) -> tuple[list[dict], dict[int, str]]:
    phases = list(PHASE_COLOURS)
    phase_code = np.array([phases.index(p) if p in phases else -1 for p in truth["phase"]], dtype=np.int64)
    change = changes(truth["threat_id"], truth["t_s"], phase_code)
    rows, period = _fit(truth["threat_id"], truth["t_s"], step_s, budget.max_threat_samples, change)
    if period > step_s:
        notes.append(f"threat paths: one sample per {period:g} s (native {step_s:g} s)")
    ecef = geodetic_to_ecef(truth["lat_deg"] * DEG, truth["lon_deg"] * DEG, truth["alt_m"])
    out, names = [], {}
    for i in np.unique(truth["threat_id"]):
        r = rows[truth["threat_id"][rows] == i]
        names[int(i)] = str(truth["threat"][r[0]])
        out.append(
            {
                "id": int(i), "name": names[int(i)], "kind": str(truth["kind"][r[0]]),
                "t_s": _times(truth["t_s"][r]), "r_ecef_m": _ints(ecef[r]), "phase": phase_code[r].tolist(),
                "alt_m": _ints(truth["alt_m"][r]), "speed_m_s": _ints(truth["speed_m_s"][r]),
            }
        )
    return out, names


def _thin_detections(det: Table, step_s: float, budget: Budget, notes: list[str]) -> tuple[np.ndarray, dict]:
    """Rows of the detection lines to draw: real detections first (one per sensor and threat
    per period, the smallest power-of-two multiple of the step that fits), then, only when
    every real one fits, false alarms in the room left (evenly in time). Returns (rows by
    time, {"real": [kept, total], "false_alarms": [kept, total]})."""
    real = np.nonzero(det["truth_id"] >= 0)[0]
    false = np.nonzero(det["truth_id"] < 0)[0]
    rows_r, period = np.zeros(0, np.intp), step_s
    if real.size:
        group = det["sensor_id"][real].astype(np.int64) * 100_003 + det["truth_id"][real].astype(np.int64)
        sub, period = _fit(group, det["t_s"][real], step_s, budget.max_detections)
        rows_r = real[sub]
    room = max(budget.max_detections - rows_r.size, 0) if rows_r.size == real.size else 0  # no false alarm before every real one
    if false.size > room:
        false = false[np.argsort(det["t_s"][false], kind="stable")]
        false = false[np.unique(np.linspace(0, false.size - 1, room).round().astype(np.intp))] if room else false[:0]
    rows = np.r_[rows_r, false].astype(np.intp)
    rows = rows[np.lexsort((rows, det["t_s"][rows]))]  # by time, then in table order
    n_real, n_false = int((det["truth_id"] >= 0).sum()), int((det["truth_id"] < 0).sum())
    if rows_r.size < n_real:
        notes.append(f"detection lines: {rows_r.size:,} of {n_real:,} real detections drawn (one per sensor and threat every {period:g} s)")
    if false.size < n_false:
        notes.append(f"false alarms: {false.size:,} of {n_false:,} drawn (evenly in time, in the room left after real detections)")
    return rows, {"real": [int(rows_r.size), n_real], "false_alarms": [int(false.size), n_false]}


def _detections(det: Table, truth: Table, frame: _Frame, rows: np.ndarray, receivers: np.ndarray) -> dict:
    """Lines of sight of detection ``rows``: sensor -> measured point (radar) or sensor -> along the
    measured direction to the range of the detected threat (space IR; false alarms: to the Earth's
    surface). ``receivers``: (N,) bit mask of the pictures (layer nodes) that receive each detection."""
    d = det.take(rows)
    t = d["t_s"]
    start = frame.to_ecef(d["sensor_r_eci_m"], t)
    end = np.empty_like(start)
    radar = d["kind"] == "radar"
    if radar.any():
        lat, lon, _ = ecef_to_geodetic(start[radar])
        enu = enu_basis(lat, lon)
        z = d["z"][radar]
        end[radar] = start[radar] + np.einsum("nij,ni->nj", enu, aer_to_enu(z[:, 1], z[:, 2], z[:, 0]))
    ang = ~radar
    if ang.any():
        u = frame.to_ecef(d["z"][ang], t[ang])
        s = start[ang]
        rng = np.full(u.shape[0], 2.0e6)
        b = np.sum(s * u, axis=1)
        disc = b**2 - (np.sum(s * s, axis=1) - WGS84_A_M**2)
        hits = (disc > 0) & (b < 0)
        rng[hits] = -b[hits] - np.sqrt(disc[hits])
        tid = d["truth_id"][ang]
        key_truth = truth["threat_id"].astype(np.float64) * 1e7 + truth["t_s"]
        order = np.argsort(key_truth)
        key = tid.astype(np.float64) * 1e7 + t[ang]
        pos = np.clip(np.searchsorted(key_truth[order], key), 0, max(truth.num_rows - 1, 0))
        found = (tid >= 0) & (truth.num_rows > 0)
        if truth.num_rows:
            found &= key_truth[order][pos] == key
            rng[found] = np.linalg.norm(truth["r_eci_m"][order][pos[found]] - d["sensor_r_eci_m"][ang][found], axis=1)
        end[ang] = s + u * rng[:, None]
    return {
        "t_s": _times(t), "sensor": d["sensor_id"].astype(int).tolist(), "truth_id": d["truth_id"].astype(int).tolist(),
        "receivers": receivers[rows].astype(int).tolist(), "from_ecef_m": _ints(start), "to_ecef_m": _ints(end),
        "total": det.num_rows,
    }


def _tracks(tracks: Table, frame: _Frame, step_s: float, budget: Budget, notes: list[str], n_sources: int) -> list[dict]:
    nodes = tracks["node"].astype(str)
    key = np.char.add(np.char.add(nodes, "/"), tracks["track_id"].astype(str))
    uniq, inv = np.unique(key, return_inverse=True)
    confirmed = np.zeros(uniq.size, bool)
    np.logical_or.at(confirmed, inv, tracks["status"] == "confirmed")
    span = np.zeros(uniq.size)
    np.maximum.at(span, inv, tracks["t_s"])
    first = np.full(uniq.size, np.inf)
    np.minimum.at(first, inv, tracks["t_s"])
    span -= first
    rank = np.lexsort((-span, ~confirmed))  # confirmed first, then the longest
    chosen = rank[: budget.max_tracks]
    if uniq.size > chosen.size:
        notes.append(f"tracks: {chosen.size:,} of {uniq.size:,} shown (confirmed first, then the longest lived)")
    mask = np.isin(inv, chosen)
    idx = np.nonzero(mask)[0]
    status = tracks["status"]
    change = changes(inv, tracks["t_s"], status, tracks["truth_id"])
    sub, period = _fit(inv[idx], tracks["t_s"][idx], step_s, budget.max_track_samples, change[idx] if idx.size else None)
    rows = idx[sub]
    if period > step_s:
        notes.append(f"track states: one sample per {period:g} s (native {step_s:g} s)")
    ecef = geodetic_to_ecef(tracks["lat_deg"][rows] * DEG, tracks["lon_deg"][rows] * DEG, tracks["alt_m"][rows])
    rot = frame.rotation(tracks["t_s"][rows])
    p_ecef = rot @ tracks["P"][rows, :3, :3] @ np.transpose(rot, (0, 2, 1))
    sigma, quat = covariance_axes(p_ecef)
    statuses = list(STATUS_COLOURS)
    code = np.array([statuses.index(s) for s in status[rows]], dtype=np.int64)
    who = contributors(inv, tracks["t_s"], tracks["sources"], uniq.size, n_sources)
    out = []
    group = inv[rows]
    for g in chosen:
        r = np.nonzero(group == g)[0]
        rr = rows[r]
        out.append(
            {
                "node": str(tracks["node"][rr[0]]), "track_id": int(tracks["track_id"][rr[0]]),
                "t_s": _times(tracks["t_s"][rr]), "r_ecef_m": _ints(ecef[r]), "status": code[r].tolist(),
                "truth_id": tracks["truth_id"][rr].astype(int).tolist(), "hits": tracks["hits"][rr].astype(int).tolist(),
                "last_update_t_s": _times(tracks["last_update_t_s"][rr]), "sigma_m": _ints(tracks["position_sigma_m"][rr]),
                "axes_m": _ints(sigma[r]), "quat": np.round(quat[r], 4).ravel().tolist(), "contributors": who[g],
            }
        )
    return out


def _sensor_summary(sensor_id: np.ndarray, t_s: np.ndarray) -> list[list]:
    out = []
    for s in np.unique(sensor_id):
        t = t_s[sensor_id == s]
        out.append([int(s), round(float(t.min()), 3), int(t.size)])
    return sorted(out, key=lambda x: x[1])


def build_view(run_dir: Path, budget: Budget = Budget()) -> dict:
    """The viewer's JSON document for a run folder (see the module docstring)."""
    run_dir = check_run_folder(run_dir)
    info, scene = _read_run_info(run_dir)
    truth, det, tracks, metrics, sensors = (_read_table(run_dir, name) for name in TABLE_COLUMNS)
    epoch = _epoch(run_dir / "run.json", info["epoch"], "epoch")
    frame = _Frame(epoch, truth)
    doc_clock = scene[0].get("clock", {}) if scene else {}
    if not isinstance(doc_clock, dict):
        raise RunFolderError(f"{run_dir / 'scene.czml'}: field clock of the document packet should be an object")
    t_all = np.concatenate([truth["t_s"], tracks["t_s"], det["t_s"]])
    steps = np.diff(np.unique(truth["t_s"]))
    step_s = float(np.min(steps)) if steps.size else 1.0
    interval = str(doc_clock.get("interval", "")).split("/")
    t_end = ((_epoch(run_dir / "scene.czml", interval[1], "clock.interval") - epoch).total_seconds() if len(interval) == 2
             else float(t_all.max(initial=0.0)))
    notes: list[str] = []
    detected = set(det["sensor"][det["truth_id"] >= 0].tolist())
    threats, threat_names = _threats(truth, step_s, budget, notes)
    try:
        net = read_network(run_dir / "run.json", info, sensors)
    except DataFileError as exc:
        raise RunFolderError(str(exc)) from None
    nodes = sorted(set(tracks["node"].tolist()) | set(metrics["node"].tolist()))
    source_of = np.zeros(int(sensors["sensor_id"].max(initial=-1)) + 1, dtype=np.int64)
    source_of[sensors["sensor_id"].astype(np.int64)] = sensors["source"]
    sensor_names = [""] * source_of.size
    for i, name in zip(sensors["sensor_id"].tolist(), sensors["sensor"].tolist()):
        sensor_names[int(i)] = str(name)
    det_source = source_of[det["sensor_id"].astype(np.int64)] if det.num_rows else np.zeros(0, np.int64)
    receivers = receiving_nodes(net, det_source, nodes)
    det_rows, shown = _thin_detections(det, step_s, budget, notes)
    detections = _detections(det, truth, frame, det_rows, receivers)
    track_list = _tracks(tracks, frame, step_s, budget, notes, len(net.sources))
    custody: dict[str, dict] = {}
    received: dict[str, int] = {}
    for k, node in enumerate(nodes):
        in_node = tracks["node"] == node
        node_det = det.take((receivers >> k) & 1 == 1)
        received[node] = node_det.num_rows
        per_threat = {}
        for i, name in threat_names.items():
            held = in_node & (tracks["truth_id"] == i)
            d_i = node_det["truth_id"] == i
            per_threat[name] = {
                "held": _intervals(tracks["t_s"][held & (tracks["status"] == "confirmed")], 1.5 * step_s, step_s),
                "tentative": _intervals(tracks["t_s"][held & (tracks["status"] == "tentative")], 1.5 * step_s, step_s),
                "ir": _intervals(node_det["t_s"][d_i & (node_det["kind"] == "angles")], 3.0 * step_s, step_s),
                "radar": _intervals(node_det["t_s"][d_i & (node_det["kind"] == "radar")], 3.0 * step_s, step_s),
            }
        custody[node] = per_threat
    for th in threats:
        hit = det["truth_id"] == th["id"]
        th["seen_by"] = _sensor_summary(det["sensor_id"][hit], det["t_s"][hit])
    radars = _radars(scene, run_dir / "scene.czml")
    return {
        "format": 1,
        "run": {
            "folder": run_dir.name, "scenario": info.get("scenario", ""), "seed": info.get("seed", ""),
            "version": info.get("tracklayer_version", ""), "epoch": epoch.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "t_start_s": 0.0, "t_end_s": t_end, "step_s": step_s, "timings_s": info.get("timings_s", {}),
            "has_report": (run_dir / "report.html").is_file(),
        },
        "earth": {"theta0_rad": float(frame.theta(np.array([0.0]))[0]), "theta_rate_rad_s": frame.rate_rad_s()},
        "layers": {"nodes": nodes, "truth": TRUTH_LAYER, "default": "joint" if "joint" in nodes else (nodes[0] if nodes else TRUTH_LAYER),
                   "notes": node_notes(net, nodes, tracks, metrics, threat_names, received)},
        "sources": {"name": net.sources, "nation": net.source_nations},
        "palette": {"phases": PHASE_COLOURS, "statuses": STATUS_COLOURS, "nations": _nation_colours(sensors["nation"])},
        "sensors": {k: [_clean(v) for v in sensors[k].tolist()] for k in ("sensor_id", "sensor", "kind", "nation", "platform")},
        "satellites": _satellites(scene, budget, detected, notes, run_dir / "scene.czml"),
        "radars": radars,
        "threats": threats,
        "detections": detections,
        "tracks": track_list,
        "metrics": [{k: _clean(metrics[k][i]) for k in metrics.columns} for i in range(metrics.num_rows)],
        "custody": custody,
        "events": event_log(truth, det, tracks, metrics, sensor_names, nodes, threat_names),
        "thinning": {"applied": bool(notes), "notes": notes, "budget": budget.__dict__, "detections": shown},
    }


def view_json(run_dir: Path, budget: Budget = Budget()) -> bytes:
    """`build_view` serialised (UTF-8 JSON, no NaN)."""
    return json.dumps(build_view(run_dir, budget), separators=(",", ":"), allow_nan=False).encode("utf-8")


def _nation_colours(nations: np.ndarray) -> dict[str, list[int]]:
    """RGBA of every nation with a sensor, as the report colours them (`tracklayer.palette`)."""
    ids = [str(n) for n in dict.fromkeys(nations.tolist())]
    return {n: palette.rgba(palette.nation_color(n, ids)) for n in ids}
