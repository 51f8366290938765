"""Build the scenario's satellites: names, owners and ECI ephemerides on the time grid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, WGS84_A_M
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.catalog import record_name, satrec_from_omm
from tracklayer.orbits.highorbits import geostationary_elements, molniya_elements
from tracklayer.orbits.propagators import parse_tle_lines, propagate_j2_mean, propagate_satrecs, propagate_tle
from tracklayer.orbits.walker import walker_elements


@dataclass(frozen=True)
class Satellites:
    """All satellites of a scenario.

    Attributes
    ----------
    name : (S,) str
    constellation : (S,) int index into the scenario's constellations
    r_eci_m, v_eci_m_s : (T, S, 3) ECI (TEME) ephemerides on the scenario grid
    """

    name: np.ndarray
    constellation: np.ndarray
    r_eci_m: np.ndarray
    v_eci_m_s: np.ndarray

    def __len__(self) -> int:
        return self.name.shape[0]


def _elements_from_spec(spec, gmst_epoch_rad: float) -> dict[str, np.ndarray]:  # spec: schema.Constellation
    """Mean elements at the element epoch, whose GMST (geostationary longitudes) is given."""
    if spec.geostationary is not None:
        return geostationary_elements(np.array(spec.geostationary.longitudes_deg) * DEG, gmst_epoch_rad)
    if spec.molniya is not None:
        m = spec.molniya
        return molniya_elements(
            m.a_km * 1e3, m.eccentricity, m.inclination_deg * DEG, m.arg_perigee_deg * DEG,
            np.array(m.raan_deg) * DEG, np.array(m.mean_anomaly_deg) * DEG,
        )
    if spec.walker is not None:
        w = spec.walker
        return walker_elements(
            w.planes,
            w.sats_per_plane,
            w.phasing,
            w.inclination_deg * DEG,
            WGS84_A_M + w.altitude_km * 1e3,
            w.eccentricity,
            w.raan0_deg * DEG,
            w.pattern,
        )
    rows = spec.elements
    a = np.array([WGS84_A_M + e.altitude_km * 1e3 if e.altitude_km is not None else e.semi_major_axis_km * 1e3 for e in rows])
    return {
        "a_m": a,
        "ecc": np.array([e.eccentricity for e in rows]),
        "inc_rad": np.array([e.inclination_deg for e in rows]) * DEG,
        "raan_rad": np.array([e.raan_deg for e in rows]) * DEG,
        "argp_rad": np.array([e.arg_perigee_deg for e in rows]) * DEG,
        "mean_anomaly_rad": np.array([e.mean_anomaly_deg for e in rows]) * DEG,
    }


def build_satellites(constellations: list, grid: TimeGrid, element_epoch: dt.datetime | None = None) -> Satellites:
    """Propagate every constellation of the scenario over the grid.

    Walker, geostationary, Molniya and explicit elements are mean elements at ``element_epoch`` (default: the
    grid's epoch); when the grid starts later (an attack offset), they are propagated
    by the difference. TLEs and OMM records carry their own epochs and are propagated to
    the grid's absolute times either way.
    """
    offset_s = 0.0 if element_epoch is None else (grid.epoch - element_epoch).total_seconds()
    t_elements = grid.t_s if offset_s == 0.0 else grid.t_s + offset_s
    names: list[str] = []
    owner: list[int] = []
    rs: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    for ci, spec in enumerate(constellations):
        if spec.tle is not None:
            tles = parse_tle_lines(spec.tle)
            r, v, _ = propagate_tle(tles, grid)
            labels = [name for name, _, _ in tles]
        elif spec.omm is not None:
            r, v, _ = propagate_satrecs([satrec_from_omm(rec, k) for k, rec in enumerate(spec.omm)], grid)
            labels = [record_name(rec, k) for k, rec in enumerate(spec.omm)]
        else:
            el = _elements_from_spec(spec, float(grid.gmst_rad(np.array([-offset_s]))[0]))
            r, v = propagate_j2_mean(el, t_elements)
            if spec.walker is not None:
                labels = [f"{spec.name}-P{p + 1}S{s + 1}" for p, s in zip(el["plane"], el["slot"])]
            else:
                labels = [f"{spec.name}-{k + 1}" for k in range(r.shape[1])]
        names += labels
        owner += [ci] * len(labels)
        rs.append(r)
        vs.append(v)
    n_t = len(grid)
    r_all = np.concatenate(rs, axis=1) if rs else np.zeros((n_t, 0, 3))
    v_all = np.concatenate(vs, axis=1) if vs else np.zeros((n_t, 0, 3))
    return Satellites(np.array(names, dtype=object), np.array(owner, dtype=np.int32), r_all, v_all)
