"""Aerodynamic models of re-entry and glide vehicles, as parabolic drag polars.

The flight kernel sees every vehicle as C_D = C_D0(M) + K(M) C_L^2 with
0 <= C_L <= C_L,max(M) and a reference area S, rows ``(M, C_D0, K, C_L,max, C_L*)``
where C_L* = sqrt(C_D0/K) is the lift coefficient of maximum L/D,
(L/D)max = 1/(2 sqrt(C_D0 K)).

* `polar_from_beta`: a vehicle given by its ballistic coefficient at maximum L/D,
  beta = m/(C_D* S), and (L/D)max, the description used by Tracy & Wright 2020 and
  Candler & Leyva 2022. With C_L* = 1: C_D0 = K = 1/(2 L/D), S = m L/D / beta, so
  at maximum L/D, D/m = q/beta and L = (L/D) D exactly; other lift coefficients
  follow the parabolic polar (more lift costs drag). ``max_lift_ratio`` caps
  C_L/C_L*.
* `polar_from_table`: C_L and C_D tabulated against angle of attack and Mach
  (e.g. CAV-H); at each Mach number C_D is fitted by least squares as
  C_D0 + K C_L^2 over the tabulated angles, and C_L,max is the lift at the
  largest tabulated angle.
* `drag_only`: a non-lifting re-entry vehicle, D/m = q/beta.
"""

from __future__ import annotations

import numpy as np

from tracklayer.threats.batch import A_CD0, A_CLMAX, A_CLSTAR, A_K, A_MACH, MAX_MACH


def polar_from_beta(mass_kg: float, beta_kg_m2: float, lift_to_drag: float, max_lift_ratio: float = 1.5) -> tuple[np.ndarray, float]:
    """Polar rows (1, 5) and reference area (m^2) of a vehicle given by beta and (L/D)max."""
    k = 1.0 / (2.0 * lift_to_drag)
    rows = np.array([[0.0, k, k, max_lift_ratio, 1.0]])
    return rows, mass_kg * lift_to_drag / beta_kg_m2


def drag_only(mass_kg: float, beta_kg_m2: float) -> tuple[np.ndarray, float]:
    """Polar rows (1, 5) and reference area (m^2) of a non-lifting body, beta = m/(C_D S)."""
    return np.array([[0.0, 1.0, 0.0, 0.0, 0.0]]), mass_kg / beta_kg_m2


def polar_from_table(table: dict) -> np.ndarray:
    """Polar rows (n_mach, 5) fitted to a table with keys mach (n_mach,), alpha_deg (n_alpha,),
    cl and cd (n_alpha, n_mach)."""
    mach = np.asarray(table["mach"], dtype=np.float64)
    cl = np.asarray(table["cl"], dtype=np.float64)
    cd = np.asarray(table["cd"], dtype=np.float64)
    if mach.size > MAX_MACH:
        raise ValueError(f"at most {MAX_MACH} Mach numbers in an aerodynamic table")
    rows = np.empty((mach.size, 5))
    for j in range(mach.size):
        design = np.stack([np.ones(cl.shape[0]), cl[:, j] ** 2], axis=1)
        (cd0, k), *_ = np.linalg.lstsq(design, cd[:, j], rcond=None)
        rows[j] = (mach[j], cd0, k, cl[:, j].max(), np.sqrt(cd0 / k))
    return rows


def max_lift_to_drag(rows: np.ndarray) -> np.ndarray:
    """(L/D)max of each polar row: 1 / (2 sqrt(C_D0 K))."""
    return 1.0 / (2.0 * np.sqrt(rows[:, A_CD0] * rows[:, A_K]))


def pad(rows: np.ndarray) -> np.ndarray:
    """Rows padded to (MAX_MACH, 5) for the batch arrays (extra rows repeat the last Mach)."""
    out = np.repeat(rows[-1:], MAX_MACH, axis=0)
    out[: rows.shape[0]] = rows
    out[rows.shape[0]:, A_MACH] = rows[-1, A_MACH] + np.arange(1, MAX_MACH - rows.shape[0] + 1)
    return out


__all__ = ["polar_from_beta", "polar_from_table", "drag_only", "max_lift_to_drag", "pad", "A_CLMAX", "A_CLSTAR"]
