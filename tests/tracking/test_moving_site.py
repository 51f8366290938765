"""A radar on a moving ship: the tracker's range-rate prediction uses the ship's own
inertial velocity (the detections' ``sensor_v_eci_m_s``), not only the Earth's rotation."""

from __future__ import annotations

import numpy as np

from tracklayer import api
from tracklayer.scenario.loader import builtin_path, parse_scenario, read_yaml
from tracklayer.tracking.measurement_models import RadarModel, SensorView


def test_range_rate_of_a_moving_ship_is_unbiased():
    """Normalised range-rate residuals of a 30 kn ship's detections, predicted at the truth
    state with the tracker's model, have |mean| < 0.2 and std within 20 % of 1 (hundreds of
    detections); ignoring the ship's motion (site velocity omega x s) biases them by more
    than 0.5 sigma on this geometry."""
    data = read_yaml(builtin_path("smoke"))
    data["duration_s"] = 600
    data["radars"][0]["motion"] = {"course_deg": 270.0, "speed_kn": 30.0}
    scn = parse_scenario(data, "smoke-ship.yaml")
    result = api.run(scn)
    det = result.detections
    rows = np.nonzero((det["sensor_id"] == result.sensors["sensor_id"][result.sensors["sensor"] == scn.radars[0].name][0])
                      & (det["truth_id"] >= 0))[0]
    assert rows.size > 100
    grid_t = result.state.grid.t_s
    truth = result.state.truth
    k = np.searchsorted(grid_t, det["t_s"][rows])
    x = np.concatenate([truth.r_eci_m[k, det["truth_id"][rows]], truth.v_eci_m_s[k, det["truth_id"][rows]]], axis=1)
    model = RadarModel(range_rate=True)
    moving, fixed = [], []
    for row, state in zip(rows, x):
        view = SensorView(1, det["sensor_r_eci_m"][row], np.eye(3), det["sensor_v_eci_m_s"][row])
        still = SensorView(1, det["sensor_r_eci_m"][row], np.eye(3))
        sigma = det["range_rate_sigma_m_s"][row]
        moving.append((det["range_rate_m_s"][row] - model.h(state[None], view, None)[0, 3]) / sigma)
        fixed.append((det["range_rate_m_s"][row] - model.h(state[None], still, None)[0, 3]) / sigma)
    moving, fixed = np.array(moving), np.array(fixed)
    assert abs(moving.mean()) < 0.2
    assert abs(moving.std() - 1.0) < 0.2
    assert abs(fixed.mean()) > 0.5
