"""Frames of the written tables: metadata naming each column's frame and unit, and the
optional rotation of the inertial columns from TEME of date to GCRS.

Inside tracklayer ECI is TEME of date (SGP4's frame). Tools such as STK, GMAT and
Orekit usually assume GCRS/J2000, which differs by precession and nutation since
J2000 (0.35 deg in 2025, a 40 km offset at LEO radius). ``run --frame gcrs`` writes the
inertial columns in GCRS instead; the in-memory tables stay TEME.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from tracklayer.earth.frames import teme_to_gcrs_matrix
from tracklayer.table import Table

FRAMES = ("teme", "gcrs")
"""Inertial frames a run can write: ``teme`` (the default, as computed) or ``gcrs``."""

_FRAME_NAMES = {
    "teme": "TEME (true equator, mean equinox of date; SGP4's frame)",
    "gcrs": "GCRS (IAU 2006/2000A precession-nutation from TEME of date; J2000/EME2000 axes to within 0.03 arcsec, the frame bias)",
}
_ECEF = "ECEF (TEME rotated by GMST82 about z; polar motion neglected, within 20 m of ITRS)"
_GEODETIC = "WGS 84 geodetic"
_ENU = "site east-north-up"

_VECTORS = ("r_eci_m", "v_eci_m_s", "sensor_r_eci_m", "sensor_v_eci_m_s")
"""Inertial (N, 3) columns rotated as vectors."""
_STATE, _STATE_COV = "x", "P"
"""Tracks: the [r, v] state (N, 6) and its covariance (N, 6, 6), inertial."""
_LOS, _LOS_COV = "z", "R"
"""Detections: for ``angles`` rows an inertial line-of-sight unit vector and its
covariance; for ``radar`` rows range/azimuth/elevation in the site's ENU frame."""

_UNITS = (("_m_s", "m/s"), ("_m2", "m^2"), ("_km2", "km^2"), ("_m", "m"), ("_s", "s"), ("_deg", "deg"), ("_rad", "rad"),
          ("_w_sr", "W/sr"), ("_pa", "Pa"), ("_k", "K"))


def column_frames(table: Table, frame: str = "teme") -> dict[str, str]:
    """Frame of each frame-dependent column of ``table`` (by name; others are left out)."""
    inertial = _FRAME_NAMES[frame]
    out: dict[str, str] = {}
    for name in table.columns:
        if "_eci_" in name or name in (_STATE, _STATE_COV):
            out[name] = inertial
        elif "_ecef_" in name:
            out[name] = _ECEF
        elif name.endswith(("lat_deg", "lon_deg")) or name == "alt_m":
            out[name] = _GEODETIC
    if _LOS in table.columns and "kind" in table.columns:
        out[_LOS] = out[_LOS_COV] = f"angles rows: {inertial}; radar rows: range m, azimuth rad, elevation rad in the {_ENU} frame"
    return out


def column_units(table: Table) -> dict[str, str]:
    """Unit of each column whose name ends in a unit suffix (``_m``, ``_m_s``, ``_s``, ...)."""
    out: dict[str, str] = {}
    for name in table.columns:
        unit = next((unit for suffix, unit in _UNITS if name.endswith(suffix)), None)  # _m_s before _s
        if unit is not None:
            out[name] = unit
    return out


def frame_metadata(table: Table, epoch: dt.datetime, frame: str = "teme") -> dict[str, str]:
    """Parquet key/value metadata: ``eci_frame``, ``time_scale`` and ``t_s`` reference,
    and JSON maps ``frames`` (column -> frame) and ``units`` (column -> unit)."""
    return {
        "eci_frame": frame.upper(),
        "time_scale": "UTC",
        "t_s": f"SI seconds since epoch {epoch.isoformat()} (UTC)",
        "frames": json.dumps(column_frames(table, frame)),
        "units": json.dumps(column_units(table)),
    }


def to_gcrs(table: Table, epoch: dt.datetime, dut1_s: float = 0.0) -> Table:
    """``table`` with its inertial columns rotated from TEME of date to GCRS at each
    row's ``t_s`` (seconds since ``epoch``); tables without ``t_s`` or inertial
    columns come back unchanged.

    Positions and velocities rotate as vectors; a track's [r, v] state by blocks and
    its covariance as M P Mᵀ; a detection's line of sight and its covariance only on
    ``angles`` rows (``radar`` rows are in the site's ENU frame)."""
    cols = table.columns
    if "t_s" not in cols or not any(n in cols for n in (*_VECTORS, _STATE, _LOS)):
        return table
    m = teme_to_gcrs_matrix(epoch, cols["t_s"], dut1_s)
    out = dict(cols)
    for name in _VECTORS:
        if name in cols:
            out[name] = _rotate(m, cols[name])
    if _STATE in cols and cols[_STATE].shape[1:] == (6,):
        out[_STATE] = np.concatenate([_rotate(m, cols[_STATE][:, :3]), _rotate(m, cols[_STATE][:, 3:])], axis=1)
        if _STATE_COV in cols:
            block = np.zeros((len(m), 6, 6))
            block[:, :3, :3] = block[:, 3:, 3:] = m
            out[_STATE_COV] = block @ cols[_STATE_COV] @ np.swapaxes(block, 1, 2)
    if _LOS in cols and "kind" in cols:
        angles = cols["kind"] == "angles"
        z, r = cols[_LOS].copy(), cols[_LOS_COV].copy()
        z[angles] = _rotate(m[angles], z[angles])
        r[angles] = m[angles] @ r[angles] @ np.swapaxes(m[angles], 1, 2)
        out[_LOS], out[_LOS_COV] = z, r
    return Table(out)


def _rotate(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(N, 3) vectors each rotated by its (N, 3, 3) matrix."""
    return np.einsum("nij,nj->ni", m, v)
