"""Infrared radiant intensity and radar cross-section along a trajectory (first model).

Notional, per flight phase (DOMAIN.md Sec. 3):
* boost: a plume intensity parameter (no citable public curve; DSP saw Scud-class
  plumes, so well above 20 kW/sr in 2.69-2.95 um);
* exo-atmospheric coast: a cold body, a small parameter;
* glide and terminal (aero-heated body): intensity at 6 km/s from the preset,
  scaled linearly with speed, the trend reported for 3-6 km/s by Tracy & Wright
  (2020) and Candler & Leyva (2022). Presets: ``tw2020`` 370 kW/sr and ``cl2022``
  25 kW/sr in the SWIR 1.4-3.0 um band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.threats import BOOST, COAST


@dataclass(frozen=True)
class Signature:
    """Per-threat signature parameters (W/sr, m^2)."""

    plume_w_sr: float
    coast_w_sr: float
    body_at_6kms_w_sr: float
    rcs_boost_m2: float = 10.0
    rcs_body_m2: float = 0.1


def radiant_intensity_w_sr(sig: Signature, phase: np.ndarray, speed_m_s: np.ndarray) -> np.ndarray:
    """Radiant intensity (W/sr) in the sensor band for each sample."""
    hot = sig.body_at_6kms_w_sr * np.asarray(speed_m_s) / 6000.0
    return np.where(phase == BOOST, sig.plume_w_sr, np.where(phase == COAST, sig.coast_w_sr, hot))


def rcs_m2(sig: Signature, phase: np.ndarray) -> np.ndarray:
    """Radar cross-section (m^2) for each sample: booster stack in boost, body after."""
    return np.where(phase == BOOST, sig.rcs_boost_m2, sig.rcs_body_m2)
