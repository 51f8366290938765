"""CZML scene of a run for CesiumJS: satellites, sensors, threat paths and tracks.

Positions are written in Cesium's FIXED frame (ECEF, metres) as time-tagged samples
with Lagrange interpolation; times are seconds after the document epoch. Radars carry
their coverage as a partial ellipsoid (azimuth sector x elevation limits x maximum
range); threat points are coloured by flight phase and track points by status, both
as time-interval colours. Each satellite and radar packet carries its sensor
parameters under ``properties`` (satellites also ``orbit_eci_m``, one two-body orbit
from the epoch state, ECI, for drawing the orbit in an inertial frame); the viewer
(`tracklayer.viewer`) reads them.
Reference: CZML Guide and Packet specification (github.com/AnalyticalGraphicsInc/czml-writer/wiki).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tracklayer import palette
from tracklayer.earth.constants import DEG, MU_EARTH_M3_S2
from tracklayer.earth.frames import eci_to_ecef
from tracklayer.io.scene_geometry import radar_fan_angles_rad
from tracklayer.orbits.kepler import kepler_propagate, rv_to_elements

NATION_COLOURS = {k: palette.rgba(v) for k, v in palette.NATIONS.items()}
"""Nation colours (RGBA) shared with the viewer and the report (`tracklayer.palette`)."""
_THREAT_COLOURS = [palette.rgba(c) for c in palette.THREATS]
PHASE_COLOURS = {k: palette.rgba(v) for k, v in palette.PHASES.items()}
"""Flight-phase colours (RGBA) shared with the viewer and the report."""
STATUS_COLOURS = {k: palette.rgba(v) for k, v in palette.STATUSES.items()}
"""Track-status colours (RGBA) shared with the viewer."""
_UNKNOWN = palette.rgba(palette.UNKNOWN)
ORBIT_POINTS = 90
"""Points of the one-period orbit ring stored with each satellite."""


def _interval(grid, t0: float, t1: float) -> str:
    return f"{grid.iso(t0)}/{grid.iso(t1)}"


def _samples(t_s: np.ndarray, r_ecef: np.ndarray, t_ref: float) -> list[float]:
    cols = np.column_stack([t_s - t_ref, np.round(r_ecef, 1)])
    return cols.ravel().tolist()


def _position(grid, t_s: np.ndarray, r_ecef: np.ndarray, degree: int) -> dict:
    return {
        "epoch": grid.iso(0.0),
        "referenceFrame": "FIXED",
        "interpolationAlgorithm": "LAGRANGE",
        "interpolationDegree": degree,
        "cartesian": _samples(t_s, r_ecef, 0.0),
    }


def _every(t_s: np.ndarray, period_s: float) -> np.ndarray:
    """Indices thinning a sorted time series to about one sample per ``period_s`` (keeps the last)."""
    if t_s.size == 0:
        return np.zeros(0, dtype=np.intp)
    bucket = np.floor((t_s - t_s[0]) / period_s)
    keep = np.r_[True, bucket[1:] != bucket[:-1]]
    keep[-1] = True
    return np.nonzero(keep)[0]


def _interval_colours(grid, t_s: np.ndarray, labels: np.ndarray, colours: dict, t_end: float) -> list[dict]:
    """Time-interval colours: one interval per run of equal ``labels`` over sorted ``t_s``."""
    change = np.r_[0, np.nonzero(labels[1:] != labels[:-1])[0] + 1]
    bounds = np.r_[t_s[change], t_end]
    return [
        {"interval": _interval(grid, float(bounds[k]), float(bounds[k + 1])), "rgba": colours.get(str(labels[i]), _UNKNOWN)}
        for k, i in enumerate(change)
    ]


def orbit_ring_eci(r0_eci_m: np.ndarray, v0_eci_m_s: np.ndarray, n: int = ORBIT_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """One two-body orbit from each epoch state: (n, S, 3) ECI points, m, and the periods (S,), s."""
    el = rv_to_elements(r0_eci_m, v0_eci_m_s)
    period = 2.0 * np.pi * np.sqrt(el["a_m"] ** 3 / MU_EARTH_M3_S2)
    frac = np.arange(n + 1)[:, None] / n
    r, _ = kepler_propagate(r0_eci_m, v0_eci_m_s, frac * period[None, :])
    return r, period


def _satellite_packets(result, grid, t_end: float, period_s: float) -> list[dict]:
    sats = result.state.sats
    if not len(sats):
        return []
    scn = result.scenario
    k = _every(grid.t_s, period_s)
    r_ecef = eci_to_ecef(sats.r_eci_m[k], grid.gmst_rad()[k, None])
    ring, period = orbit_ring_eci(sats.r_eci_m[0], sats.v_eci_m_s[0])
    packets = []
    for s in range(len(sats)):
        spec = scn.constellations[int(sats.constellation[s])]
        colour = NATION_COLOURS.get(spec.nation, _UNKNOWN)
        sensor = spec.sensor
        packets.append(
            {
                "id": f"satellite/{sats.name[s]}",
                "name": str(sats.name[s]),
                "description": f"{spec.name} ({spec.nation}): infrared field of regard {sensor.value('field_of_regard_deg'):g} deg",
                "availability": _interval(grid, 0.0, t_end),
                "position": _position(grid, grid.t_s[k], r_ecef[:, s], 5),
                "point": {"pixelSize": 5, "color": {"rgba": colour}},
                "path": {"width": 1, "leadTime": 0, "trailTime": 1200, "resolution": 60, "material": {"solidColor": {"color": {"rgba": colour[:3] + [90]}}}},
                "properties": {
                    "nation": spec.nation,
                    "constellation": spec.name,
                    "field_of_regard_deg": sensor.value("field_of_regard_deg"),
                    "max_range_km": sensor.value("max_range_km"),
                    "grazing_altitude_km": sensor.value("grazing_altitude_km"),
                    "min_target_altitude_km": sensor.value("min_target_altitude_km"),
                    "orbit_period_s": round(float(period[s]), 3),
                    "orbit_eci_m": np.round(ring[:, s], 0).ravel().tolist(),
                },
            }
        )
    return packets


def _radar_packet(radar) -> dict:
    colour = NATION_COLOURS.get(radar.nation, _UNKNOWN)
    fan = radar_fan_angles_rad(
        np.array([radar.azimuth_center_deg * DEG]), np.array([radar.azimuth_width_deg * DEG]),
        np.array([radar.min_elevation_deg * DEG]), np.array([radar.max_elevation_deg * DEG]),
    )
    packet = {
        "id": f"sensor/{radar.name}",
        "name": radar.name,
        "description": f"radar ({radar.nation}), max range {radar.max_range_km:.0f} km",
        "position": {"cartographicDegrees": [radar.site.lon_deg, radar.site.lat_deg, radar.site.alt_m]},
        "point": {"pixelSize": 8, "color": {"rgba": colour}, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
        "label": {"text": radar.name, "font": "11px sans-serif", "pixelOffset": {"cartesian2": [8, -8]}, "fillColor": {"rgba": colour}},
        "properties": {"nation": radar.nation, **radar.model_dump(exclude={"name", "nation", "site"})},
    }
    if not radar.over_the_horizon:  # line-of-sight coverage: azimuth sector x elevation band x range shell
        packet["ellipsoid"] = {
            "radii": {"cartesian": [radar.max_range_km * 1e3] * 3},
            "innerRadii": {"cartesian": [max(radar.min_range_km * 1e3, 1.0)] * 3},
            "minimumClock": float(fan["minimum_clock"][0]),
            "maximumClock": float(fan["maximum_clock"][0]),
            "minimumCone": float(fan["minimum_cone"][0]),
            "maximumCone": float(fan["maximum_cone"][0]),
            "material": {"solidColor": {"color": {"rgba": colour[:3] + [40]}}},
            "outline": True,
            "outlineColor": {"rgba": colour[:3] + [110]},
            "slicePartitions": 24,
            "stackPartitions": 24,
        }
    return packet


def build_scene(result, sat_period_s: float = 60.0, threat_period_s: float = 5.0, track_period_s: float = 5.0) -> list[dict]:
    """CZML packets (a list of dicts) for a `tracklayer.results.RunResult`."""
    grid = result.state.grid
    scn = result.scenario
    t_end = float(grid.t_s[-1])
    packets: list[dict] = [
        {
            "id": "document",
            "name": f"tracklayer: {scn.name}",
            "version": "1.0",
            "clock": {"interval": _interval(grid, 0.0, t_end), "currentTime": grid.iso(0.0), "multiplier": 30, "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"},
        }
    ]
    theta = grid.gmst_rad()
    packets += _satellite_packets(result, grid, t_end, sat_period_s)
    packets += [_radar_packet(radar) for radar in scn.radars]
    # Threat truth: point coloured by flight phase, path in the threat's colour.
    truth = result.truth
    for i, name in enumerate(result.state.truth.name):
        rows = np.nonzero(truth["threat_id"] == i)[0]
        if rows.size < 2:
            continue
        t = truth["t_s"][rows]
        keep = rows[_every(t, threat_period_s)]
        r_ecef = eci_to_ecef(truth["r_eci_m"][keep], theta[np.searchsorted(grid.t_s, truth["t_s"][keep])])
        colour = _THREAT_COLOURS[i % len(_THREAT_COLOURS)]
        packets.append(
            {
                "id": f"threat/{name}",
                "name": str(name),
                "description": f"{truth['kind'][rows[0]]} threat (truth)",
                "availability": _interval(grid, float(t[0]), float(t[-1])),
                "position": _position(grid, truth["t_s"][keep], r_ecef, 3),
                "point": {"pixelSize": 7, "color": _interval_colours(grid, t, truth["phase"][rows], PHASE_COLOURS, float(t[-1])), "outlineColor": {"rgba": colour}, "outlineWidth": 2},
                "path": {"width": 2, "leadTime": 0, "trailTime": 3600, "resolution": 5, "material": {"solidColor": {"color": {"rgba": colour}}}},
            }
        )
    # Tracks of every node: point coloured by status (tentative, confirmed, deleted).
    tracks = result.tracks
    key = np.char.add(tracks["node"].astype(str), np.char.add("/", tracks["track_id"].astype(str)))
    for k in np.unique(key):
        rows = np.nonzero(key == k)[0]
        if rows.size < 2 or not np.any(tracks["status"][rows] == "confirmed"):
            continue
        t = tracks["t_s"][rows]
        keep = rows[_every(t, track_period_s)]
        r_ecef = eci_to_ecef(tracks["x"][keep, :3], theta[np.searchsorted(grid.t_s, tracks["t_s"][keep])])
        node, tid = str(tracks["node"][rows[0]]), int(tracks["track_id"][rows[0]])
        packets.append(
            {
                "id": f"track/{node}/{tid}",
                "name": f"track {tid} ({node})",
                "description": f"track {tid} of node {node}",
                "availability": _interval(grid, float(t[0]), float(t[-1])),
                "position": _position(grid, tracks["t_s"][keep], r_ecef, 1),
                "point": {"pixelSize": 5, "color": _interval_colours(grid, t, tracks["status"][rows], STATUS_COLOURS, float(t[-1]))},
                "path": {"width": 1, "leadTime": 0, "trailTime": 120, "resolution": 5, "material": {"solidColor": {"color": {"rgba": [255, 255, 255, 160]}}}},
                "properties": {"node": node, "track_id": tid},
            }
        )
    return packets


def write_czml(packets: list[dict], path: Path) -> None:
    """Write packets as a CZML document (JSON array), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(packets, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
