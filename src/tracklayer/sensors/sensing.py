"""The sensing stage: every sensor against every threat over the whole grid.

Geometry decides who could see what (`tracklayer.sensors.geometry`,
`tracklayer.sensors.radar.radar_access`); radiometry and the radar range equation
give each pair its SNR and Pd; noise, frames and false alarms make the detections
(docs/sensing.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.earth.sun import sun_direction_eci
from tracklayer.earth.time import TimeGrid
from tracklayer.table import Table
from tracklayer.orbits.constellation import Satellites
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.sensors.geometry import infrared_access
from tracklayer.sensors.infrared import (
    InfraredPairs,
    InfraredParams,
    able_to_detect,
    assess_infrared,
    frame_mask,
    observe_infrared,
    sensor_intensities,
)
from tracklayer.sensors.radar import RadarParams, observe_radar, radar_access, radar_pd, radar_snr
from tracklayer.threats.fly import Truth

DETECTION_COLUMNS = (
    "t_s", "sensor_id", "kind", "truth_id", "z", "R", "sensor_r_eci_m", "sensor_v_eci_m_s", "snr", "range_rate_m_s",
    "range_rate_sigma_m_s",
)


@dataclass(frozen=True)
class SensorCatalogue:
    """Every sensor of a scenario: space IR sensors first (one per satellite), then radars."""

    name: np.ndarray
    kind: np.ndarray
    nation: np.ndarray
    platform: np.ndarray

    def table(self) -> Table:
        return Table(
            {
                "sensor_id": np.arange(self.name.shape[0], dtype=np.int32),
                "sensor": self.name,
                "kind": np.array(["angles" if k == ANGLES else "radar" for k in self.kind], dtype=object),
                "nation": self.nation,
                "platform": self.platform,
            }
        )


@dataclass(frozen=True)
class Sensing:
    """Output of the sensing stage.

    Attributes
    ----------
    detections : Table sorted by (t_s, sensor_id, truth_id); columns in docs/outputs.md
    ir_access : (T, S, N) satellites able to detect each threat: geometric access, not
        blinded by the Sun, and single-frame Pd >= ``coverage.pd_min``
    radar_access : (T, R, N) radars able to detect each threat (same rule)
    ir_pairs : radiometry (range, background, transmission, SNR, Pd, angle noise) of
        every satellite-threat pair with geometric access
    """

    catalogue: SensorCatalogue
    detections: Table
    ir_access: np.ndarray
    radar_access: np.ndarray
    ir_pairs: InfraredPairs | None = None


def catalogue(scenario, sats: Satellites) -> SensorCatalogue:
    """Sensor names, kinds, nations and platforms, in sensor_id order."""
    names = list(sats.name) + [r.name for r in scenario.radars]
    kinds = [ANGLES] * len(sats) + [RADAR] * len(scenario.radars)
    nations = [scenario.constellations[c].nation for c in sats.constellation] + [r.nation for r in scenario.radars]
    platforms = [scenario.constellations[c].name for c in sats.constellation] + ["ground/sea"] * len(scenario.radars)
    return SensorCatalogue(
        np.array(names, dtype=object), np.array(kinds, dtype=np.int8), np.array(nations, dtype=object), np.array(platforms, dtype=object)
    )


def run_sensing(scenario, grid: TimeGrid, sats: Satellites, truth: Truth, seed: np.random.SeedSequence) -> Sensing:
    """Access, radiometry, frames and noisy detections of every sensor."""
    ir_seed, radar_seed = seed.spawn(2)
    n_t, n_n = len(grid), len(truth)
    pd_min = scenario.coverage.pd_min
    ir = InfraredParams.from_constellations(scenario.constellations, sats.constellation)
    pairs = None
    if len(sats):
        geo = infrared_access(sats.r_eci_m, truth.r_eci_m, ir.half_angle_rad, ir.max_range_m, ir.grazing_m)
        with np.errstate(invalid="ignore"):
            _, _, alt = ecef_to_geodetic(truth.r_eci_m)  # altitude is rotation-invariant
            geo &= alt[:, None, :] >= ir.min_target_alt_m[None, :, None]
        stack, row, ratio = sensor_intensities(ir, truth.intensity_w_sr, truth.intensity_band_w_sr)
        pairs = assess_infrared(geo, sats.r_eci_m, truth.r_eci_m, alt, stack, row, ratio, sun_direction_eci(grid), ir)
        ir_acc = able_to_detect(pairs, geo.shape, pd_min)
        ir_det = observe_infrared(
            pairs, frame_mask(grid.t_s, ir.revisit_s), sats.r_eci_m, truth.r_eci_m, grid.t_s, ir,
            [np.random.default_rng(s) for s in ir_seed.spawn(len(sats))], v_sat=sats.v_eci_m_s,
        )
    else:
        ir_acc, ir_det = np.zeros((n_t, 0, n_n), dtype=bool), {}

    if scenario.radars:
        rp = RadarParams.from_specs(scenario.radars)
        theta = grid.gmst_rad()
        geo_r, _, _, rng = radar_access(truth.r_eci_m, theta, rp, grid.t_s)
        snr = radar_snr(rng, truth.rcs_m2[:, None, :], rp.reference_snr[None, :, None], rp.reference_rcs_m2[None, :, None], rp.reference_range_m[None, :, None])
        rad_acc = geo_r & (radar_pd(snr, rp) >= pd_min)
        rad_det = observe_radar(
            geo_r, frame_mask(grid.t_s, rp.revisit_s), truth.r_eci_m, truth.v_eci_m_s, truth.rcs_m2, theta, grid.t_s, rp,
            [np.random.default_rng(s) for s in radar_seed.spawn(len(scenario.radars))], len(sats),
        )
    else:
        rad_acc, rad_det = np.zeros((n_t, 0, n_n), dtype=bool), {}

    parts = [p for p in (ir_det, rad_det) if p]
    if parts:
        cols = {k: np.concatenate([p[k] for p in parts]) for k in DETECTION_COLUMNS}
        order = np.lexsort((cols["truth_id"], cols["sensor_id"], cols["t_s"]))
        cols = {k: v[order] for k, v in cols.items()}
    else:
        cols = _empty_detections()
    return Sensing(catalogue(scenario, sats), Table(cols), ir_acc, rad_acc, pairs)


def _empty_detections() -> dict[str, np.ndarray]:
    return {
        "t_s": np.zeros(0),
        "sensor_id": np.zeros(0, dtype=np.int32),
        "kind": np.zeros(0, dtype=np.int8),
        "truth_id": np.zeros(0, dtype=np.int32),
        "z": np.zeros((0, 3)),
        "R": np.zeros((0, 3, 3)),
        "sensor_r_eci_m": np.zeros((0, 3)),
        "sensor_v_eci_m_s": np.zeros((0, 3)),
        "snr": np.zeros(0),
        "range_rate_m_s": np.zeros(0),
        "range_rate_sigma_m_s": np.zeros(0),
    }
