"""Contract tests over every registered sensor kind (`tracklayer.sensors.kinds.SENSOR_KINDS`):
catalogue and access shapes, detection columns, sensor ids, and that the sensing stage
is the concatenation of the kinds."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.pipeline import simulate
from tracklayer.scenario.loader import load_scenario
from tracklayer.sensors import KINDS
from tracklayer.sensors.kinds import SENSOR_KINDS
from tracklayer.sensors.sensing import DETECTION_COLUMNS


@pytest.fixture(scope="module")
def physics():
    """The smoke scenario's first 300 s (both threats flying, both kinds detecting)."""
    scn = load_scenario("smoke").model_copy(update={"duration_s": 300.0})
    return scn, simulate(scn, 0, lambda *a: None, {})


@pytest.fixture(params=list(SENSOR_KINDS))
def kind(request):
    return request.param, SENSOR_KINDS[request.param]


def test_names_and_codes_agree_with_the_detection_kinds(kind):
    name, k = kind
    assert KINDS[k.code] == name and k.label


def test_kind_contract(physics, kind):
    scn, ph = physics
    name, k = kind
    names, nations, platforms = k.catalogue(scn, ph.sats)
    assert len(names) == len(nations) == len(platforms) > 0
    first_id = 7
    seen = k.observe(scn, ph.grid, ph.sats, ph.truth, np.random.SeedSequence(1), first_id)
    assert seen.access.dtype == bool
    assert seen.access.shape == (len(ph.grid), len(names), len(ph.truth))
    det = seen.detections
    assert set(det) == set(DETECTION_COLUMNS)
    rows = det["t_s"].shape[0]
    assert rows > 0 and all(v.shape[0] == rows for v in det.values())
    assert (det["kind"] == k.code).all()
    assert ((det["sensor_id"] >= first_id) & (det["sensor_id"] < first_id + len(names))).all()
    assert det["z"].shape == (rows, 3) and det["R"].shape == (rows, 3, 3)
    # detections of threats (not false alarms) name one of the threats
    true = det["truth_id"] >= 0
    assert np.isin(det["truth_id"][true], np.arange(len(ph.truth))).all()


def test_sensing_is_every_kind_in_order(physics):
    scn, ph = physics
    sensing = ph.sensing
    assert list(sensing.access) == list(SENSOR_KINDS)
    kinds = np.concatenate([[k.code] * sensing.access[name].shape[1] for name, k in SENSOR_KINDS.items()])
    np.testing.assert_array_equal(sensing.catalogue.kind, kinds)
    table = sensing.catalogue.table()
    np.testing.assert_array_equal(table["kind"], np.array(KINDS, dtype=object)[kinds])
    ids = sensing.detections["sensor_id"]
    np.testing.assert_array_equal(sensing.catalogue.kind[ids], sensing.detections["kind"])
