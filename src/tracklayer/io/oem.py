"""CCSDS Orbit Ephemeris Messages (OEM, CCSDS 502.0-B-3), key-value notation (KVN).

One message per object: a header, one metadata block, the states (epoch, position in
km, velocity in km/s) and, optionally, covariance blocks (lower triangle of the 6x6
position-velocity covariance in km², km²/s, km²/s²). The frame is the one tracklayer's
``r_eci_m`` columns are in: TEME of date (``REF_FRAME = TEME``), centred on the Earth,
epochs in UTC.

Numbers are written in fixed point: positions to 1 mm (6 decimals of km), velocities
to 1 µm/s (9 decimals of km/s), covariances with 9 significant digits; epochs to 1 µs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["Ephemeris", "oem_text", "VERSION", "REF_FRAME"]

VERSION = "3.0"
"""CCSDS_OEM_VERS written: 502.0-B-3."""
REF_FRAME = "TEME"
"""Frame of the states: tracklayer's ECI frame, True Equator Mean Equinox of date."""
_POS_DECIMALS = 6
_VEL_DECIMALS = 9


@dataclass(frozen=True)
class Ephemeris:
    """One object's states.

    Parameters
    ----------
    name, object_id : OBJECT_NAME and OBJECT_ID
    t_s : (T,) seconds since ``epoch``, strictly increasing
    r_m : (T, 3) position, m, TEME
    v_m_s : (T, 3) velocity, m/s, TEME
    cov : (T, 6, 6) position-velocity covariance, m² / m²/s / m²/s², or None
    comments : lines written as COMMENT after the metadata
    """

    name: str
    object_id: str
    t_s: np.ndarray
    r_m: np.ndarray
    v_m_s: np.ndarray
    cov: np.ndarray | None = None
    comments: tuple[str, ...] = ()


def _epochs(epoch: dt.datetime, t_s: np.ndarray) -> list[str]:
    base = epoch.astimezone(dt.UTC).replace(tzinfo=None)
    micro = np.round(np.asarray(t_s, dtype=np.float64) * 1e6).astype(np.int64)
    return [(base + dt.timedelta(microseconds=int(us))).strftime("%Y-%m-%dT%H:%M:%S.%f") for us in micro]


def _clean(text: str) -> str:
    """A KVN value: one line, no leading/trailing blanks."""
    return " ".join(str(text).split()) or "UNKNOWN"


def oem_text(eph: Ephemeris, epoch: dt.datetime, originator: str = "tracklayer", created: dt.datetime | None = None,
             header_comments: tuple[str, ...] = ()) -> str:
    """The OEM (KVN) of ``eph``, whose ``t_s`` count from the UTC ``epoch``."""
    when = _epochs(epoch, eph.t_s)
    created = created or dt.datetime.now(dt.UTC)
    lines = [f"CCSDS_OEM_VERS = {VERSION}"]
    lines += [f"COMMENT {_clean(c)}" for c in header_comments]
    lines += [f"CREATION_DATE = {created.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%S')}", f"ORIGINATOR = {_clean(originator)}", ""]
    lines += [
        "META_START",
        f"OBJECT_NAME = {_clean(eph.name)}",
        f"OBJECT_ID = {_clean(eph.object_id)}",
        "CENTER_NAME = EARTH",
        f"REF_FRAME = {REF_FRAME}",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {when[0]}",
        f"STOP_TIME = {when[-1]}",
        "META_STOP",
        "",
    ]
    lines += [f"COMMENT {_clean(c)}" for c in eph.comments]
    r_km = np.asarray(eph.r_m, dtype=np.float64) / 1e3
    v_km_s = np.asarray(eph.v_m_s, dtype=np.float64) / 1e3
    p, v = f"{{:.{_POS_DECIMALS}f}}", f"{{:.{_VEL_DECIMALS}f}}"
    fmt = " ".join([p] * 3 + [v] * 3)
    lines += [f"{w} " + fmt.format(*r, *vv) for w, r, vv in zip(when, r_km.tolist(), v_km_s.tolist())]
    if eph.cov is not None:
        lines += ["", "COVARIANCE_START"]
        rows = np.tril_indices(6)
        cov_km = np.asarray(eph.cov, dtype=np.float64) / 1e6
        for w, c in zip(when, cov_km):
            lines += [f"EPOCH = {w}", f"COV_REF_FRAME = {REF_FRAME}"]
            tri = c[rows]
            start = 0
            for i in range(6):
                lines.append(" ".join(f"{x:.9e}" for x in tri[start:start + i + 1]))
                start += i + 1
        lines.append("COVARIANCE_STOP")
    return "\n".join(lines) + "\n"
