"""Scanning infrared sensors: revisit statistics against the closed form of the
rotating-strip scan model (`tracklayer.sensors.scanning`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_infrared import _params

from tracklayer.earth.frames import ecef_to_eci, geodetic_to_ecef
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.constellation import build_satellites
from tracklayer.scenario.schema import Constellation
from tracklayer.sensors.infrared import LOOK_DOWN, InfraredPairs, observe_infrared
from tracklayer.sensors.scanning import scan_looks, swept_wedge

R_GEO = 42_164e3
V_GEO = 3_075.0


def _fixed_scene(n_t: int, n_targets: int, rng: np.random.Generator):
    """One sensor at rest at GEO radius (velocity along y) and targets near the sub-satellite
    point at random azimuths about nadir, all fixed in time."""
    r_sat = np.broadcast_to([R_GEO, 0.0, 0.0], (n_t, 1, 3)).copy()
    v_sat = np.broadcast_to([0.0, V_GEO, 0.0], (n_t, 1, 3)).copy()
    az = rng.uniform(0.0, 2 * np.pi, n_targets)
    off = 2.0e6 * np.stack([np.zeros(n_targets), np.sin(az), np.cos(az)], axis=1)
    r_tgt = np.broadcast_to(np.array([6.4e6, 0.0, 0.0]) + off, (n_t, n_targets, 3)).copy()
    return r_sat, v_sat, r_tgt


def _looks(t_s, r_sat, v_sat, r_tgt, period, dwell):
    n_t, n_n = t_s.size, r_tgt.shape[1]
    t, n = np.meshgrid(np.arange(n_t), np.arange(n_n), indexing="ij")
    t, n = t.ravel(), n.ravel()
    out = scan_looks(t, np.zeros_like(t), n, r_sat, v_sat, r_tgt, t_s, np.array([period]), np.array([dwell]))
    return out.reshape(n_t, n_n)


@pytest.mark.parametrize("step, period", [(1.0, 10.0), (1.0, 3.0), (0.5, 6.0), (2.0, 2.0)])
def test_one_look_per_scan_period_at_a_fixed_target(step, period):
    """A short dwell (<< step <= period): every fixed target is looked at exactly once per
    scan period, at intervals of exactly period / step grid steps, and at no other step."""
    rng = np.random.default_rng(1)
    t_s = np.arange(0.0, 20 * period, step)
    looks = _looks(t_s, *_fixed_scene(t_s.size, 200, rng), period, 1e-6)
    for n in range(looks.shape[1]):
        idx = np.nonzero(looks[:, n])[0]
        assert idx.size == 20
        assert np.all(np.diff(idx) == round(period / step))


@pytest.mark.parametrize("step, period, dwell", [(1.0, 10.0, 2.5), (0.1, 10.0, 2.0), (1.0, 7.5, 0.01), (0.2, 5.0, 5.0)])
def test_fraction_of_steps_with_a_look_is_step_plus_dwell_over_period(step, period, dwell):
    """Averaged over target azimuths, the fraction of steps in which a target is looked at
    is min(1, (step + dwell) / period) (the closed form of the sweep), within 4 standard
    errors of the mean over 400 random azimuths; dwell = period stares (always looked)."""
    rng = np.random.default_rng(2)
    t_s = np.arange(0.0, 30.0 * period, step)
    looks = _looks(t_s, *_fixed_scene(t_s.size, 400, rng), period, dwell)
    per_target = looks.mean(axis=0)
    expected = min(1.0, (step + dwell) / period)
    assert abs(per_target.mean() - expected) < 4 * max(per_target.std(), 1e-3 * expected) / np.sqrt(per_target.size) + 1e-3
    if dwell >= period:
        assert looks.all()


def test_swept_wedges_tile_the_circle_once_per_period():
    """The wedges swept in consecutive steps (dwell 0) are contiguous and one period of
    them covers 2 pi exactly."""
    t_s = np.arange(0.0, 40.0, 1.0)
    start, span = swept_wedge(t_s, np.array([8.0]), np.array([0.0]))
    np.testing.assert_allclose(np.mod(start[1:, 0] - start[:-1, 0], 2 * np.pi), span[:-1, 0], atol=1e-12)
    np.testing.assert_allclose(span[:8, 0].sum(), 2 * np.pi, rtol=1e-12)


def test_geostationary_scanner_revisits_a_ground_point_every_period():
    """A geostationary scanner (period 7.5 s on a 1 s grid) and a point fixed on the Earth:
    looks 7 or 8 steps apart, 7.5 s on average (the azimuth about nadir is fixed in the
    co-rotating orbit frame)."""
    grid = TimeGrid(dt.datetime(2026, 3, 15, tzinfo=dt.UTC), np.arange(0.0, 3000.0, 1.0))
    sats = build_satellites([Constellation(name="g", nation="US", geostationary={"longitudes_deg": [120.0]})], grid)
    site = geodetic_to_ecef(np.radians(np.array([30.0, -20.0])), np.radians(np.array([125.0, 110.0])), np.zeros(2))
    r_tgt = ecef_to_eci(np.broadcast_to(site, (len(grid), 2, 3)), grid.gmst_rad()[:, None])
    looks = _looks(grid.t_s, sats.r_eci_m, sats.v_eci_m_s, r_tgt, 7.5, 1e-3)
    for n in range(2):
        gaps = np.diff(np.nonzero(looks[:, n])[0])
        assert set(gaps.tolist()) <= {7, 8}
        assert abs(gaps.mean() - 7.5) < 0.01


def test_scanner_detects_only_at_its_looks_with_the_per_look_pd():
    """observe_infrared with a scanner (period 5 s, frames every step): detections of a fixed
    target fall only on its look steps, one draw per look with Pd 0.7 (binomial, 4 sigma),
    and no false alarms when their rate is zero."""
    rng = np.random.default_rng(3)
    t_s = np.arange(0.0, 5000.0, 1.0)
    r_sat, v_sat, r_tgt = _fixed_scene(t_s.size, 1, rng)
    params = _params(pd=0.7, false_alarms_per_frame=0.0, scan_period_s=5.0, scan_dwell_s=1e-3)
    t = np.arange(t_s.size)
    zeros = np.zeros(t.size)
    pairs = InfraredPairs(t, np.zeros_like(t), np.zeros_like(t), np.full(t.size, 3.6e7), np.full(t.size, LOOK_DOWN, dtype=np.int8),
                          np.ones(t.size), np.full(t.size, 10.0), np.full(t.size, 0.7), zeros + 1e-5)
    looks = scan_looks(pairs.t, pairs.s, pairs.n, r_sat, v_sat, r_tgt, t_s, params.scan_period_s, params.scan_dwell_s)
    det = observe_infrared(pairs, np.ones((t_s.size, 1), dtype=bool), r_sat, r_tgt, t_s, params, [np.random.default_rng(4)],
                           v_sat=v_sat, looks=looks)
    assert np.all(det["truth_id"] == 0)
    look_times = t_s[looks]
    assert look_times.size == 1000
    assert np.isin(det["t_s"], look_times).all()
    k = det["t_s"].size
    assert abs(k - 700) < 4 * np.sqrt(1000 * 0.7 * 0.3)
