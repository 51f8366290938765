"""Track-cued sensing on the smoke scenario with a medium-field layer: the cued sensors
see only what lies inside fields of view centred on the cueing tracker's estimates,
the other sensors are untouched, and stale estimates miss."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.pipeline import simulate
from tracklayer.scenario.loader import load_scenario
from tracklayer.scenario.schema import Constellation
from tracklayer.sensors.infrared import InfraredParams
from tracklayer.sensors.measurements import unit
from tracklayer.tasking.cueing import Looks, cued_groups, cueing_tracks, pointings, schedule_looks, source_sensors

MFOV = {"name": "mfov-layer", "nation": "US", "walker": {"planes": 3, "sats_per_plane": 6, "phasing": 1, "altitude_km": 1000, "inclination_deg": 60}}


def _scenario(cueing):
    scn = load_scenario("smoke")
    layer = Constellation.model_validate({**MFOV, "sensor": {"preset": "mfov", **({"cueing": cueing} if cueing is not None else {})}})
    return scn.model_copy(update={"duration_s": 400.0, "constellations": [*scn.constellations, layer]})


def _run(cueing):
    scn = _scenario(cueing)
    return scn, simulate(scn, 3, lambda *a: None, {})


@pytest.fixture(scope="module")
def truth_cued():
    return _run(None)


@pytest.fixture(scope="module")
def track_cued():
    return _run({"from": "tracks", "latency_s": 1.0})


def _mfov_ids(ph):
    return np.nonzero(ph.sats.constellation == 1)[0]


def test_other_sensors_are_untouched(truth_cued, track_cued):
    (_, a), (_, b) = truth_cued, track_cued
    mfov = _mfov_ids(a)
    for ph in (a, b):
        assert np.isin(ph.sensing.detections["sensor_id"], mfov).any()
    keep_a = ~np.isin(a.sensing.detections["sensor_id"], mfov)
    keep_b = ~np.isin(b.sensing.detections["sensor_id"], mfov)
    for col in ("t_s", "sensor_id", "truth_id", "z", "snr"):
        np.testing.assert_array_equal(a.sensing.detections[col][keep_a], b.sensing.detections[col][keep_b])
    assert a.handover is None and b.handover is not None


def test_cued_detections_lie_inside_a_look_at_an_estimate(track_cued):
    scn, ph = track_cued
    groups = cued_groups(scn)
    (names, constellations), = groups.items()
    assert "mfov-layer" not in names and "tracking-layer" in names
    tracks = cueing_tracks(scn, ph.grid, ph.sats, ph.sensing, source_sensors(scn, ph.sats, names))
    looks = schedule_looks(scn, ph.grid, ph.sats, tracks, constellations)
    fov_half = InfraredParams.from_constellations(scn.constellations, ph.sats.constellation).fov_half_rad
    det = ph.sensing.detections
    true = np.isin(det["sensor_id"], _mfov_ids(ph)) & (det["truth_id"] >= 0)
    assert true.sum() > 20
    k = np.searchsorted(ph.grid.t_s, det["t_s"][true])
    s, n = det["sensor_id"][true], det["truth_id"][true]
    u = unit(ph.truth.r_eci_m[k, n] - ph.sats.r_eci_m[k, s])
    for i in range(true.sum()):
        mine = (looks.t == k[i]) & (looks.s == s[i])
        assert mine.sum() <= 4  # the mfov preset's capacity per frame
        assert np.max(looks.axis_eci[mine] @ u[i], initial=-1.0) >= np.cos(fov_half[s[i]]) - 1e-12
    # each look is at one of the cueing tracker's confirmed tracks
    assert np.isin(looks.track_id, tracks["track_id"]).all()


def test_handover_table(track_cued):
    _, ph = track_cued
    h = ph.handover
    assert set(h["constellation"]) == {"mfov-layer"}
    assert h["acquired"].any()
    np.testing.assert_array_equal(h["acquired"], np.isfinite(h["handover_s"]))
    ok = h["acquired"]
    assert np.all(h["handover_s"][ok] >= 0.0)
    np.testing.assert_allclose(h["acquired_t_s"][ok] - h["cue_t_s"][ok], h["handover_s"][ok])
    assert np.all(h["looks_in_view"][ok] > 0)


def test_stale_estimates_hold_their_threat_less_often(track_cued):
    """Extrapolating a minute-old estimate at constant velocity misses the curvature
    of the flight (g t^2 / 2 ~ 18 km) and any manoeuvre: fewer looks hold their threat."""
    _, fresh = track_cued
    _, stale = _run({"from": "tracks", "latency_s": 60.0})
    assert stale.handover["looks_in_view"].sum() < 0.9 * fresh.handover["looks_in_view"].sum()


@pytest.mark.parametrize(("offset", "seen"), [(0.9, True), (1.1, False)])
def test_a_look_sees_a_target_within_half_its_field_of_view(track_cued, offset, seen):
    scn, ph = track_cued
    pairs = ph.sensing.ir_pairs
    mfov = _mfov_ids(ph)
    fov_half = InfraredParams.from_constellations(scn.constellations, ph.sats.constellation).fov_half_rad
    p = np.nonzero(np.isin(pairs.s, mfov) & (pairs.n == 0))[0][:50]
    u = unit(ph.truth.r_eci_m[pairs.t[p], pairs.n[p]] - ph.sats.r_eci_m[pairs.t[p], pairs.s[p]])
    side = unit(np.cross(u, [0.0, 0.0, 1.0]))
    angle = offset * fov_half[pairs.s[p]][:, None]
    axis = np.cos(angle) * u + np.sin(angle) * side  # the estimate off by offset x half the field of view
    looks = Looks(pairs.t[p], pairs.s[p], np.arange(p.size), axis)
    point = pointings(ph.sensing, ph.sats, looks, fov_half, mfov, ph.truth.r_eci_m)
    assert np.all(point.in_view[p] == seen)
    assert point.sensors[mfov].all() and not point.sensors[~np.isin(np.arange(len(ph.sats)), mfov)].any()
