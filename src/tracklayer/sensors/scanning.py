"""Scanning infrared sensors: when the scan passes over each target.

Scan-pattern model (a DSP/SBIRS-scanner-like rotating line array, docs/sensing.md):
the sensor points at nadir and a radial strip of its field of regard, a wedge of
azimuth width w = 2 pi dwell / P about the boresight, rotates about nadir once per
scan period P. Azimuth is measured in the satellite's orbit frame (e1 = orbit
normal r x v, e2 = nadir x e1), from e1 at t = 0 (t_s = 0 of the grid):

    scan azimuth  phi(t) = 2 pi t / P

During the grid step [t_k, t_k + dt_k) the wedge sweeps the azimuths
[phi(t_k) - w/2, phi(t_k) + 2 pi dt_k / P + w/2), a fraction (dt_k + dwell) / P
of the field of regard (capped at 1). A target whose azimuth alpha about nadir lies
in that sweep is *looked at* in step k and gets one detection draw with the same
radiometric Pd as a staring frame (the NEI is that of one look); otherwise it is not
seen in that step. For a fixed target and dwell << dt <= P this is one look per scan
period, the interval between looks is P (to the grid step), and the fraction of
steps with a look is (dt + dwell) / P; with dwell = P the strip is the whole field of
regard and the sensor stares.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.constants import TWO_PI
from tracklayer.sensors.measurements import unit


def scan_basis(r_sat: np.ndarray, v_sat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nadir and the two azimuth axes (e1 = orbit normal, e2 = nadir x e1), (..., 3) each."""
    nadir = -unit(r_sat)
    e1 = unit(np.cross(r_sat, v_sat))
    return nadir, e1, np.cross(nadir, e1)


def step_lengths_s(t_s: np.ndarray) -> np.ndarray:
    """(T,) length of each grid step; the last repeats the one before (0 on a one-point grid)."""
    dt = np.diff(t_s)
    return np.append(dt, dt[-1] if dt.size else 0.0)


def swept_wedge(t_s: np.ndarray, period_s: np.ndarray, dwell_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start azimuth and angular span (rad) of the wedge each scanner sweeps in each grid step.

    Parameters
    ----------
    t_s : (T,) grid times, s
    period_s, dwell_s : (S,) scan period and dwell, s

    Returns
    -------
    start, span : (T, S); span / 2 pi is the fraction of the field of regard looked at
    """
    width = TWO_PI * dwell_s / period_s
    start = TWO_PI * t_s[:, None] / period_s[None, :] - width[None, :] / 2.0
    span = np.minimum(TWO_PI * step_lengths_s(t_s)[:, None] / period_s[None, :] + width[None, :], TWO_PI)
    return np.mod(start, TWO_PI), span


def scan_looks(
    t: np.ndarray,
    s: np.ndarray,
    n: np.ndarray,
    r_sat: np.ndarray,
    v_sat: np.ndarray,
    r_tgt: np.ndarray,
    t_s: np.ndarray,
    period_s: np.ndarray,
    dwell_s: np.ndarray,
) -> np.ndarray:
    """(P,) bool: whether the scan looks at target ``n`` from sensor ``s`` in step ``t``.

    Parameters
    ----------
    t, s, n : (P,) indices of grid time, sensor and target of each pair
    r_sat, v_sat : (T, S, 3) ECI sensor positions (m) and velocities (m/s)
    r_tgt : (T, N, 3) ECI target positions, m
    t_s : (T,) grid times, s
    period_s, dwell_s : (S,) scan period and dwell, s (NaN period: not a scanner, always True)
    """
    out = np.ones(t.shape, dtype=bool)
    scanner = ~np.isnan(period_s[s])
    if not scanner.any():
        return out
    t, s, n = t[scanner], s[scanner], n[scanner]
    _, e1, e2 = scan_basis(r_sat[t, s], v_sat[t, s])
    d = r_tgt[t, n] - r_sat[t, s]
    alpha = np.arctan2(np.sum(d * e2, axis=1), np.sum(d * e1, axis=1))
    start, span = swept_wedge(t_s, np.where(np.isnan(period_s), 1.0, period_s), np.where(np.isnan(period_s), 0.0, dwell_s))
    out[scanner] = np.mod(alpha - start[t, s], TWO_PI) < span[t, s]
    return out
