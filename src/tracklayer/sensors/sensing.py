"""The sensing stage: every sensor against every threat over the whole grid.

Each registered sensor kind (`tracklayer.sensors.kinds.SENSOR_KINDS`) observes the
threats: geometry decides who could see what (`tracklayer.sensors.geometry`,
`tracklayer.sensors.radar.radar_access`); radiometry and the radar range equation
give each pair its SNR and Pd; noise, frames and false alarms make the detections
(docs/sensing.md). This module merges the kinds' catalogues and detections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.constellation import Satellites
from tracklayer.sensors import KINDS
from tracklayer.sensors.infrared import InfraredPairs, Pointings
from tracklayer.sensors.kinds import SENSOR_KINDS, KindSensing
from tracklayer.table import Table
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
                "kind": np.array(KINDS, dtype=object)[self.kind],
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
    access : kind name -> (T, S_kind, N) sensors of that kind able to detect each
        threat: geometric access (for infrared also not blinded by the Sun) and
        single-frame Pd >= ``coverage.pd_min`` (`tracklayer.sensors.kinds`)
    ir_pairs : radiometry (range, background, transmission, SNR, Pd, angle noise) of
        every satellite-threat pair with geometric access
    """

    catalogue: SensorCatalogue
    detections: Table
    access: dict[str, np.ndarray]
    ir_pairs: InfraredPairs | None = None

    @property
    def ir_access(self) -> np.ndarray:
        """(T, S, N) satellites able to detect each threat (``access["angles"]``)."""
        return self.access["angles"]

    @property
    def radar_access(self) -> np.ndarray:
        """(T, R, N) radars able to detect each threat (``access["radar"]``)."""
        return self.access["radar"]


def catalogue(scenario, sats: Satellites) -> SensorCatalogue:
    """Sensor names, kinds, nations and platforms, in sensor_id order (kind after kind,
    in `SENSOR_KINDS` order)."""
    names: list = []
    kinds: list = []
    nations: list = []
    platforms: list = []
    for kind in SENSOR_KINDS.values():
        n, nat, plat = kind.catalogue(scenario, sats)
        names += n
        kinds += [kind.code] * len(n)
        nations += nat
        platforms += plat
    return SensorCatalogue(
        np.array(names, dtype=object), np.array(kinds, dtype=np.int8), np.array(nations, dtype=object), np.array(platforms, dtype=object)
    )


def run_sensing(scenario, grid: TimeGrid, sats: Satellites, truth: Truth, seed: np.random.SeedSequence,
                pointings: Pointings | None = None) -> Sensing:
    """Access, detection model, frames and noisy detections of every sensor of every
    registered kind (`tracklayer.sensors.kinds.SENSOR_KINDS`), one random stream per kind;
    the track-cued sensors look where ``pointings`` says (`tracklayer.tasking`), else they
    are cued on the truth."""
    cat = catalogue(scenario, sats)
    first_id = 0
    observed: dict[str, KindSensing] = {}
    for (name, kind), kind_seed in zip(SENSOR_KINDS.items(), seed.spawn(len(SENSOR_KINDS))):
        observed[name] = kind.observe(scenario, grid, sats, truth, kind_seed, first_id, pointings)
        first_id += observed[name].access.shape[1]
    parts = [o.detections for o in observed.values() if o.detections]
    if parts:
        cols = {k: np.concatenate([p[k] for p in parts]) for k in DETECTION_COLUMNS}
        order = np.lexsort((cols["truth_id"], cols["sensor_id"], cols["t_s"]))
        cols = {k: v[order] for k, v in cols.items()}
    else:
        cols = _empty_detections()
    return Sensing(cat, Table(cols), {name: o.access for name, o in observed.items()}, observed["angles"].pairs)


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
