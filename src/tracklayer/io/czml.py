"""CZML scene of a run for CesiumJS: satellites, sensors, threat paths and tracks.

Positions are written in Cesium's FIXED frame (ECEF, metres) as time-tagged samples
with Lagrange interpolation; times are seconds after the document epoch.
Reference: CZML Guide and Packet specification (github.com/AnalyticalGraphicsInc/czml-writer/wiki).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from tracklayer.earth.frames import eci_to_ecef

_NATION_COLOURS = {"US": [60, 130, 255, 255], "JP": [230, 60, 60, 255], "AU": [40, 180, 90, 255]}
_THREAT_COLOURS = [[255, 140, 0, 255], [255, 60, 200, 255], [255, 220, 0, 255], [0, 220, 220, 255], [180, 120, 255, 255]]
_STATUS_COLOUR = [255, 255, 255, 255]


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


def build_scene(result, sat_period_s: float = 60.0, threat_period_s: float = 5.0, track_period_s: float = 5.0) -> list[dict]:
    """CZML packets (a list of dicts) for a `tracklayer.api.RunResult`."""
    grid = result.state["grid"]
    sats = result.state["sats"]
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
    # Satellites.
    k_sat = _every(grid.t_s, sat_period_s)
    if len(sats):
        r_ecef = eci_to_ecef(sats.r_eci_m[k_sat], theta[k_sat, None])
        for s in range(len(sats)):
            nation = scn.constellations[int(sats.constellation[s])].nation
            colour = _NATION_COLOURS.get(nation, [200, 200, 200, 255])
            packets.append(
                {
                    "id": f"satellite/{sats.name[s]}",
                    "name": str(sats.name[s]),
                    "description": f"{scn.constellations[int(sats.constellation[s])].name} ({nation})",
                    "availability": _interval(grid, 0.0, t_end),
                    "position": _position(grid, grid.t_s[k_sat], r_ecef[:, s], 5),
                    "point": {"pixelSize": 5, "color": {"rgba": colour}},
                    "path": {"width": 1, "leadTime": 0, "trailTime": 1200, "resolution": 60, "material": {"solidColor": {"color": {"rgba": colour[:3] + [90]}}}},
                }
            )
    # Radars.
    for radar in scn.radars:
        colour = _NATION_COLOURS.get(radar.nation, [200, 200, 200, 255])
        packets.append(
            {
                "id": f"sensor/{radar.name}",
                "name": radar.name,
                "description": f"radar ({radar.nation}), max range {radar.max_range_km:.0f} km",
                "position": {"cartographicDegrees": [radar.site.lon_deg, radar.site.lat_deg, radar.site.alt_m]},
                "point": {"pixelSize": 8, "color": {"rgba": colour}, "outlineColor": {"rgba": [0, 0, 0, 255]}, "outlineWidth": 1},
                "label": {"text": radar.name, "font": "11px sans-serif", "pixelOffset": {"cartesian2": [8, -8]}, "fillColor": {"rgba": colour}},
            }
        )
    # Threat truth.
    truth = result.truth
    for i, name in enumerate(result.state["truth"].name):
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
                "point": {"pixelSize": 7, "color": {"rgba": colour}},
                "path": {"width": 2, "leadTime": 0, "trailTime": 3600, "resolution": 5, "material": {"solidColor": {"color": {"rgba": colour}}}},
            }
        )
    # Confirmed tracks.
    tracks = result.tracks
    conf = np.nonzero(tracks["status"] == "confirmed")[0]
    for tid in np.unique(tracks["track_id"][conf]):
        rows = conf[tracks["track_id"][conf] == tid]
        if rows.size < 2:
            continue
        t = tracks["t_s"][rows]
        keep = rows[_every(t, track_period_s)]
        r_ecef = eci_to_ecef(tracks["x"][keep, :3], theta[np.searchsorted(grid.t_s, tracks["t_s"][keep])])
        node = tracks["node"][rows[0]]
        packets.append(
            {
                "id": f"track/{node}/{int(tid)}",
                "name": f"track {int(tid)} ({node})",
                "description": f"confirmed track {int(tid)} of node {node}",
                "availability": _interval(grid, float(t[0]), float(t[-1])),
                "position": _position(grid, tracks["t_s"][keep], r_ecef, 1),
                "point": {"pixelSize": 4, "color": {"rgba": _STATUS_COLOUR}},
                "path": {"width": 1, "leadTime": 0, "trailTime": 120, "resolution": 5, "material": {"solidColor": {"color": {"rgba": [255, 255, 255, 160]}}}},
            }
        )
    return packets


def write_czml(packets: list[dict], path: Path) -> None:
    """Write packets as a CZML document (JSON array), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(packets, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)
