"""Scenario time: one UTC epoch plus float64 seconds since it.

Earth orientation uses the IAU-82 Greenwich Mean Sidereal Time (the same
rotation that relates SGP4's TEME frame to the pseudo-Earth-fixed frame) with
UT1 = UTC + dut1_s (dut1_s defaults to 0; |UT1 - UTC| < 0.9 s, i.e. at most about
400 m of rotation at the equator and typically a few tens of metres).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tracklayer.earth.constants import TWO_PI

_J2000_JD = 2451545.0
_UNIX_EPOCH_JD = 2440587.5


def parse_epoch(value: str | dt.datetime) -> dt.datetime:
    """Return a timezone-aware UTC datetime from an ISO-8601 string or datetime."""
    if isinstance(value, dt.datetime):
        epoch = value
    else:
        text = value.strip().replace("Z", "+00:00")
        epoch = dt.datetime.fromisoformat(text)
    if epoch.tzinfo is None:
        epoch = epoch.replace(tzinfo=dt.UTC)
    return epoch.astimezone(dt.UTC)


def epoch_jd(epoch: dt.datetime) -> tuple[float, float]:
    """Julian date of a UTC epoch as (whole, fraction), the split SGP4 expects."""
    seconds = epoch.timestamp()
    days, rem = divmod(seconds, 86400.0)
    jd_whole = _UNIX_EPOCH_JD + days
    return jd_whole, rem / 86400.0


def gmst82_rad(jd_whole: float, jd_fraction: np.ndarray) -> np.ndarray:
    """IAU-82 Greenwich Mean Sidereal Time, radians, for UT1 Julian dates.

    Parameters
    ----------
    jd_whole : float
        Whole part of the UT1 Julian date (may end in .5).
    jd_fraction : (T,) float64
        Fractional days added to ``jd_whole``.

    Notes
    -----
    Vallado (2013) Eq. 3-45, as used by SGP4's ``gstime``.
    """
    tut1 = ((jd_whole - _J2000_JD) + np.asarray(jd_fraction, dtype=np.float64)) / 36525.0
    seconds = (
        -6.2e-6 * tut1**3
        + 0.093104 * tut1**2
        + (876600.0 * 3600.0 + 8640184.812866) * tut1
        + 67310.54841
    )
    return np.mod(seconds * (TWO_PI / 86400.0), TWO_PI)


class TimeGrid:
    """The scenario's time axis: a UTC epoch and seconds since it.

    Holds parameters only; derived angles are computed on demand.

    Parameters
    ----------
    epoch : datetime
        Scenario epoch, timezone-aware UTC.
    t_s : (T,) float64
        Seconds since the epoch, increasing.
    dut1_s : float
        UT1 - UTC in seconds used for Earth rotation.
    """

    __slots__ = ("epoch", "t_s", "dut1_s")

    def __init__(self, epoch: dt.datetime, t_s: np.ndarray, dut1_s: float = 0.0) -> None:
        self.epoch = epoch
        self.t_s = np.ascontiguousarray(t_s, dtype=np.float64)
        self.dut1_s = float(dut1_s)

    @classmethod
    def uniform(cls, epoch: dt.datetime, duration_s: float, step_s: float, dut1_s: float = 0.0) -> TimeGrid:
        n = int(np.floor(duration_s / step_s + 1e-9)) + 1
        return cls(epoch, np.arange(n, dtype=np.float64) * step_s, dut1_s)

    def __len__(self) -> int:
        return self.t_s.shape[0]

    def gmst_rad(self, t_s: np.ndarray | None = None) -> np.ndarray:
        """GMST (radians) at ``t_s`` seconds since the epoch (default: the grid)."""
        t = self.t_s if t_s is None else np.asarray(t_s, dtype=np.float64)
        whole, frac = epoch_jd(self.epoch)
        return gmst82_rad(whole, frac + (t + self.dut1_s) / 86400.0)

    def jd_utc(self, t_s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """UTC Julian dates (whole, fraction) at ``t_s``, split as SGP4 expects."""
        t = self.t_s if t_s is None else np.asarray(t_s, dtype=np.float64)
        whole, frac = epoch_jd(self.epoch)
        frac_all = frac + t / 86400.0
        extra = np.floor(frac_all)
        return whole + extra, frac_all - extra

    def iso(self, t_s: float) -> str:
        """ISO-8601 UTC string of ``t_s`` seconds after the epoch."""
        moment = self.epoch + dt.timedelta(seconds=float(t_s))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
