"""Satellite propagators returning ECI (TEME) ephemerides of shape (T, N, 3).

* `propagate_j2_mean`: secular J2 drift of mean elements (RAAN, argument of
  perigee, mean anomaly; Vallado 2013 Eqs. 9-41..9-43), two-body positions from the
  drifted elements. Short-period J2 terms (about 10-20 km at 1,000 km) are not
  modelled: positions are mean-orbit positions, adequate for coverage and sensing
  geometry over hours.
* `propagate_tle`, `propagate_satrecs`: official SGP4 via the `sgp4` package's
  vectorised SatrecArray, from TLE lines or from satellites initialised from OMM records
  (`tracklayer.orbits.catalog`).
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, WGS84_A_M
from tracklayer.earth.time import TimeGrid
from tracklayer.orbits.kepler import elements_to_rv


def j2_secular_rates(a_m: np.ndarray, ecc: np.ndarray, inc_rad: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Secular rates (rad/s) of RAAN, argument of perigee and mean anomaly under J2."""
    n = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    p = a_m * (1.0 - ecc**2)
    k = 1.5 * n * J2_EARTH * (WGS84_A_M / p) ** 2
    ci = np.cos(inc_rad)
    raan_dot = -k * ci
    argp_dot = 0.5 * k * (5.0 * ci**2 - 1.0)
    m_dot = n + 0.5 * k * np.sqrt(1.0 - ecc**2) * (3.0 * ci**2 - 1.0)
    return raan_dot, argp_dot, m_dot


def propagate_j2_mean(elements: dict[str, np.ndarray], t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Propagate mean elements at t = 0 to times ``t_s`` (T,).

    Returns ECI position (T, N, 3) m and velocity (T, N, 3) m/s. The velocity is the
    exact time derivative of the returned positions: the in-plane two-body velocity
    scaled by Mdot/n plus the rotation of the orbit by the RAAN and perigee drifts.
    """
    a = elements["a_m"][None, :]
    e = elements["ecc"][None, :]
    i = elements["inc_rad"][None, :]
    raan_dot, argp_dot, m_dot = j2_secular_rates(a, e, i)
    t = np.asarray(t_s, dtype=np.float64)[:, None]
    raan = elements["raan_rad"][None, :] + raan_dot * t
    r, v2 = elements_to_rv(
        a, e, i, raan, elements["argp_rad"][None, :] + argp_dot * t, elements["mean_anomaly_rad"][None, :] + m_dot * t
    )
    n = np.sqrt(MU_EARTH_M3_S2 / a**3)
    normal = np.stack(np.broadcast_arrays(np.sin(raan) * np.sin(i), -np.cos(raan) * np.sin(i), np.cos(i)), axis=-1)
    z_hat = np.array([0.0, 0.0, 1.0])
    v = v2 * (m_dot / n)[..., None] + raan_dot[..., None] * np.cross(z_hat, r) + argp_dot[..., None] * np.cross(normal, r)
    return r, v


def _tle_checksum(line: str) -> int:
    """Modulo-10 checksum of a TLE line's first 68 columns (digits count, '-' counts 1)."""
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def parse_tle_lines(lines: list[str]) -> list[tuple[str, str, str]]:
    """Split TLE text lines (2- or 3-line format) into (name, line1, line2) tuples.

    Names may carry CelesTrak's leading ``0 ``, which is dropped. Lines must be 69
    columns long with a valid modulo-10 checksum. Raises ValueError naming the entry
    when the layout is wrong.
    """
    cleaned = [ln.rstrip() for ln in lines if ln.strip()]
    out: list[tuple[str, str, str]] = []
    i = 0
    while i < len(cleaned):
        name = ""
        if not cleaned[i].startswith("1 "):
            name = cleaned[i].strip()
            name = name[2:].strip() if name.startswith("0 ") else name
            i += 1
        entry = len(out) + 1
        if i + 1 >= len(cleaned) or not cleaned[i].startswith("1 ") or not cleaned[i + 1].startswith("2 "):
            raise ValueError(f"TLE entry {entry}: expected a line starting '1 ' followed by one starting '2 '")
        for number, line in ((1, cleaned[i]), (2, cleaned[i + 1])):
            if len(line) != 69:
                raise ValueError(f"TLE entry {entry} line {number}: {len(line)} columns, expected 69")
            if not line[68].isdigit() or int(line[68]) != _tle_checksum(line):
                raise ValueError(f"TLE entry {entry} line {number}: checksum mismatch")
        out.append((name or cleaned[i][2:7].strip(), cleaned[i], cleaned[i + 1]))
        i += 2
    return out


def propagate_tle(tles: list[tuple[str, str, str]], grid: TimeGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SGP4 positions and velocities in TEME (T, N, 3) (m, m/s) and error codes (T, N).

    Rows with a non-zero SGP4 error code are NaN (see `sgp4.api.SGP4_ERRORS`).
    """
    from sgp4.api import Satrec

    return propagate_satrecs([Satrec.twoline2rv(l1, l2) for _, l1, l2 in tles], grid)


def propagate_satrecs(satrecs: list, grid: TimeGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`propagate_tle` for initialised ``sgp4.api.Satrec`` objects (from TLEs or OMM records)."""
    from sgp4.api import SatrecArray

    sats = SatrecArray(satrecs)
    jd, fr = grid.jd_utc()
    err, r_km, v_km_s = sats.sgp4(jd, fr)
    r = np.transpose(r_km, (1, 0, 2)) * 1e3
    v = np.transpose(v_km_s, (1, 0, 2)) * 1e3
    bad = np.transpose(err, (1, 0)) != 0
    r[bad] = np.nan
    v[bad] = np.nan
    return r, v, np.transpose(err, (1, 0))
