"""Sensor kinds as components: one record per kind, registered in `SENSOR_KINDS`.

A kind knows which of a scenario's sensors are its own (names, nations, platforms, in
sensor_id order) and how they observe the threats: access (who could detect what) and
the noisy detections. `tracklayer.sensors.sensing.run_sensing` runs every registered
kind in order; sensor ids run through the kinds in that order.

``angles``  space infrared: one sensor per satellite of the scenario's constellations
            (`observe_infrared_kind`; detections are line-of-sight angles), staring,
            pointed or scanning (`tracklayer.sensors.scanning`)
``radar``   ground and sea radars of the scenario's ``radars`` (`observe_radar_kind`;
            detections are range, azimuth, elevation and range rate)

A new kind: a module with its detection model (like `infrared.py`, `radar.py`), an
``observe`` function and a catalogue function here, one `SensorKind` entry, its
measurement model in `tracklayer.tracking.measurement_models` and its scenario section
in `tracklayer.scenario.schema`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.earth.sun import sun_direction_eci
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.sensors.geometry import infrared_access
from tracklayer.sensors.infrared import (
    InfraredPairs,
    InfraredParams,
    Pointings,
    able_to_detect,
    assess_infrared,
    frame_mask,
    observe_infrared,
    sensor_intensities,
)
from tracklayer.sensors.radar import RadarParams, observe_radar, radar_access, radar_pd, radar_snr
from tracklayer.sensors.scanning import scan_looks


@dataclass(frozen=True)
class KindSensing:
    """What one kind's sensors observed.

    access : (T, S, N) sensors able to detect each threat (geometric access and
        single-frame Pd >= ``coverage.pd_min``), S the kind's sensors
    detections : detection columns (`tracklayer.sensors.sensing.DETECTION_COLUMNS`),
        empty dict when there are none
    pairs : the per-pair radiometry, kept by the infrared kind only
    """

    access: np.ndarray
    detections: dict[str, np.ndarray]
    pairs: InfraredPairs | None = None


@dataclass(frozen=True)
class SensorKind:
    """One kind of sensor.

    ``code``: the value of the detections' ``kind`` column (`tracklayer.sensors.ANGLES`,
    ``RADAR``); ``label``: its word in reports and metric names (``"IR"``, ``"radar"``);
    ``catalogue(scenario, sats) -> (names, nations, platforms)`` of its sensors;
    ``observe(scenario, grid, sats, truth, seed, first_id, pointings) -> KindSensing``, with
    ``first_id`` the sensor_id of its first sensor and ``pointings`` the looks of the
    track-cued sensors (`tracklayer.sensors.infrared.Pointings`, or None).
    """

    code: int
    label: str
    catalogue: Callable[..., tuple[list, list, list]]
    observe: Callable[..., KindSensing]


def _none(n_t: int, n_n: int) -> KindSensing:
    return KindSensing(np.zeros((n_t, 0, n_n), dtype=bool), {})


def infrared_catalogue(scenario, sats) -> tuple[list, list, list]:
    """One sensor per satellite: its name, its constellation's nation and name."""
    owner = [scenario.constellations[c] for c in sats.constellation]
    return list(sats.name), [c.nation for c in owner], [c.name for c in owner]


def observe_infrared_kind(scenario, grid, sats, truth, seed: np.random.SeedSequence, first_id: int,
                          pointings: Pointings | None = None) -> KindSensing:
    """Access, radiometry, frames and noisy angle detections of every satellite; the
    track-cued ones look where ``pointings`` says (`tracklayer.tasking`)."""
    if not len(sats):
        return _none(len(grid), len(truth))
    ir = InfraredParams.from_constellations(scenario.constellations, sats.constellation)
    geo = infrared_access(sats.r_eci_m, truth.r_eci_m, ir.half_angle_rad, ir.max_range_m, ir.grazing_m)
    with np.errstate(invalid="ignore"):
        _, _, alt = ecef_to_geodetic(truth.r_eci_m)  # altitude is rotation-invariant
        geo &= alt[:, None, :] >= ir.min_target_alt_m[None, :, None]
    stack, row, ratio = sensor_intensities(ir, truth.intensity_w_sr, truth.intensity_band_w_sr)
    sun = sun_direction_eci(grid)
    pairs = assess_infrared(geo, sats.r_eci_m, truth.r_eci_m, alt, stack, row, ratio, sun, ir)
    access = able_to_detect(pairs, geo.shape, scenario.coverage.pd_min)
    frames = frame_mask(grid.t_s, ir.revisit_s)
    frames[:, ir.scanning] = True  # a scanner looks somewhere every step
    looks = scan_looks(pairs.t, pairs.s, pairs.n, sats.r_eci_m, sats.v_eci_m_s, truth.r_eci_m, grid.t_s, ir.scan_period_s, ir.scan_dwell_s)
    det = observe_infrared(
        pairs, frames, sats.r_eci_m, truth.r_eci_m, grid.t_s, ir,
        [np.random.default_rng(s) for s in seed.spawn(len(sats))], v_sat=sats.v_eci_m_s, sensor_offset=first_id, looks=looks, sun_unit=sun,
        pointings=pointings,
    )
    return KindSensing(access, det, pairs)


def radar_catalogue(scenario, sats) -> tuple[list, list, list]:
    """The scenario's radars: name, nation, platform ``ground/sea``."""
    return [r.name for r in scenario.radars], [r.nation for r in scenario.radars], ["ground/sea"] * len(scenario.radars)


def observe_radar_kind(scenario, grid, sats, truth, seed: np.random.SeedSequence, first_id: int,
                       pointings: Pointings | None = None) -> KindSensing:
    """Access, the radar range equation and noisy detections of every radar (radars are
    not pointed: ``pointings`` is for the infrared kind only)."""
    if not scenario.radars:
        return _none(len(grid), len(truth))
    rp = RadarParams.from_specs(scenario.radars)
    theta = grid.gmst_rad()
    geo, _, _, rng = radar_access(truth.r_eci_m, theta, rp, grid.t_s)
    snr = radar_snr(rng, truth.rcs_m2[:, None, :], rp.reference_snr[None, :, None], rp.reference_rcs_m2[None, :, None], rp.reference_range_m[None, :, None])
    access = geo & (radar_pd(snr, rp) >= scenario.coverage.pd_min)
    det = observe_radar(
        geo, frame_mask(grid.t_s, rp.revisit_s), truth.r_eci_m, truth.v_eci_m_s, truth.rcs_m2, theta, grid.t_s, rp,
        [np.random.default_rng(s) for s in seed.spawn(len(scenario.radars))], first_id,
    )
    return KindSensing(access, det)


SENSOR_KINDS: Mapping[str, SensorKind] = MappingProxyType({
    "angles": SensorKind(ANGLES, "IR", infrared_catalogue, observe_infrared_kind),
    "radar": SensorKind(RADAR, "radar", radar_catalogue, observe_radar_kind),
})
"""Sensor kind name (the ``kind`` column of the sensors and detections tables) ->
`SensorKind`, in sensor_id order. Names and codes agree with `tracklayer.sensors.KINDS`
(``KINDS[code] == name``)."""
