"""What the CZML scene carries for the viewer and for any Cesium application."""

from __future__ import annotations

import json

import numpy as np

from tracklayer.earth.constants import MU_EARTH_M3_S2, WGS84_A_M
from tracklayer.io.czml import PHASE_COLOURS, STATUS_COLOURS


def test_scene_carries_sensors_orbits_and_coloured_states(smoke_run):
    result, folder = smoke_run
    scene = {p["id"]: p for p in json.loads((folder / "scene.czml").read_text())}
    sats = result.state.sats
    for s, name in enumerate(sats.name):
        props = scene[f"satellite/{name}"]["properties"]
        ring = np.reshape(props["orbit_eci_m"], (-1, 3))
        assert np.linalg.norm(ring[0] - sats.r_eci_m[0, s]) < 1.0 and np.linalg.norm(ring[-1] - ring[0]) < 1.0
        # Walker 1000 km circular orbits: Kepler's third law, to the J2 mean-element difference (< 0.5 %)
        assert abs(props["orbit_period_s"] / (2 * np.pi * np.sqrt((WGS84_A_M + 1e6) ** 3 / MU_EARTH_M3_S2)) - 1) < 5e-3
        assert props["field_of_regard_deg"] == 120.0 and props["nation"] == "US"
    shariki = scene["sensor/AN/TPY-2 Shariki"]
    assert shariki["ellipsoid"]["radii"]["cartesian"] == [1.2e6] * 3
    width = shariki["ellipsoid"]["maximumClock"] - shariki["ellipsoid"]["minimumClock"]
    assert np.isclose(width, np.deg2rad(120.0)) and shariki["properties"]["azimuth_center_deg"] == 285.0
    colours = [c["rgba"] for c in scene["threat/HGV-1"]["point"]["color"]]
    assert colours[0] == PHASE_COLOURS["boost"] and PHASE_COLOURS["glide"] in colours and len(colours) >= 3
    track = next(p for i, p in scene.items() if i.startswith("track/joint/"))
    assert STATUS_COLOURS["confirmed"] in [c["rgba"] for c in track["point"]["color"]]
