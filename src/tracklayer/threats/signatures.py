"""Infrared radiant intensity and radar cross-section along a trajectory.

* Boost: the plume's radiant intensity per band is a parameter (no citable public
  curve, DOMAIN.md Sec. 3).
* After the boost, the aero-heated body: the convective heating rate at an
  effective radius R (Sutton & Graves 1971, NASA TR R-376)

      q = k sqrt(rho / R) v^3,   k = 1.7415e-4 kg^0.5/m (air)

  balanced by grey re-radiation (radiative equilibrium) gives the surface
  temperature T = (q / (eps sigma))^(1/4); the body then radiates
  I_band = eps A L_band(T) (W/sr), with L_band the Planck radiance integrated over
  the band (W m^-2 sr^-1) and A the emitting area presented to the sensor. The two
  parameters (R, A) of a vehicle are fitted to a published pair of band
  intensities at one flight condition (`fit_body`): Tracy & Wright 2020 and
  Candler & Leyva 2022 are the two presets (`tracklayer.threats.presets.SIGNATURES`).
  A floor (cold body lit by the Sun and Earth, notional) is added in every band.
* Radar cross-section: a value per flight phase.
"""

from __future__ import annotations

import numpy as np

from tracklayer.threats import BOOST, PHASES

SUTTON_GRAVES_K = 1.7415e-4
"""Sutton-Graves constant for air, kg^0.5 / m (SI: q in W/m^2)."""
STEFAN_BOLTZMANN = 5.670374419e-8
"""W m^-2 K^-4 (CODATA 2018)."""
_H = 6.62607015e-34  # Planck constant, J s (exact, SI 2019)
_C = 299792458.0  # speed of light, m/s
_KB = 1.380649e-23  # Boltzmann constant, J/K

BANDS: dict[str, tuple[float, float]] = {
    "swir": (1.4e-6, 3.0e-6),
    "dsp": (2.69e-6, 2.95e-6),
    "mwir": (3.0e-6, 5.0e-6),
}
"""Infrared bands (m): SBIRS-like SWIR (the default sensor band), DSP-like, and MWIR."""
DEFAULT_BAND = "swir"


def band_radiance_w_m2_sr(temp_k: np.ndarray, band: tuple[float, float], terms: int = 40) -> np.ndarray:
    """Planck radiance of a black body integrated over a band, W m^-2 sr^-1.

    Series of Widger & Woodall (1976): with x = h c / (lambda k T),
    int_x^inf x^3/(e^x - 1) dx = sum_n e^(-n x) (x^3/n + 3 x^2/n^2 + 6 x/n^3 + 6/n^4),
    and L = 2 k^4 T^4 / (h^3 c^2) [F(x_2) - F(x_1)] between the band edges. Exact to
    double precision for x > 0.5 with 40 terms (every band here at T < 5,000 K).

    Parameters
    ----------
    temp_k : (...) temperature, K (0 gives 0)
    band : (lambda_min, lambda_max), m
    """
    t = np.asarray(temp_k, dtype=np.float64)
    safe = np.where(t > 0.0, t, 1.0)
    out = np.zeros(t.shape)
    for lam, sign in ((band[1], 1.0), (band[0], -1.0)):
        x = _H * _C / (lam * _KB * safe)
        acc = np.zeros(t.shape)
        for n in range(1, terms + 1):
            e = np.exp(-n * x)
            acc += e * (x**3 / n + 3 * x**2 / n**2 + 6 * x / n**3 + 6 / n**4)
        out += sign * acc
    return np.where(t > 0.0, 2.0 * _KB**4 * safe**4 / (_H**3 * _C**2) * out, 0.0)


def surface_temperature_k(rho_kg_m3: np.ndarray, speed_m_s: np.ndarray, heating_radius_m: float, emissivity: float) -> np.ndarray:
    """Radiative-equilibrium surface temperature (K) for Sutton-Graves heating at radius R."""
    q = SUTTON_GRAVES_K * np.sqrt(np.asarray(rho_kg_m3) / heating_radius_m) * np.asarray(speed_m_s) ** 3
    return (q / (emissivity * STEFAN_BOLTZMANN)) ** 0.25


def body_intensity_w_sr(temp_k: np.ndarray, band: tuple[float, float], emitting_area_m2: float, emissivity: float) -> np.ndarray:
    """Grey-body radiant intensity (W/sr) of an emitting area at temperature ``temp_k``."""
    return emissivity * emitting_area_m2 * band_radiance_w_m2_sr(temp_k, band)


def fit_body(
    intensity_w_sr: tuple[float, float],
    bands: tuple[tuple[float, float], tuple[float, float]],
    speed_m_s: float,
    rho_kg_m3: float,
    emissivity: float = 0.85,
) -> tuple[float, float, float]:
    """Emitting area (m^2), heating radius (m) and temperature (K) that reproduce two band
    intensities at one flight condition.

    The ratio of the two intensities fixes the temperature (a colour temperature), the
    temperature the heating radius, and either intensity the area.
    """
    from scipy.optimize import brentq

    target = intensity_w_sr[0] / intensity_w_sr[1]

    def ratio(t: float) -> float:
        return float(band_radiance_w_m2_sr(np.array(t), bands[0]) / band_radiance_w_m2_sr(np.array(t), bands[1])) - target

    temp = brentq(ratio, 300.0, 5000.0, xtol=1e-10)
    area = intensity_w_sr[1] / (emissivity * float(band_radiance_w_m2_sr(np.array(temp), bands[1])))
    q = emissivity * STEFAN_BOLTZMANN * temp**4
    radius = rho_kg_m3 / (q / (SUTTON_GRAVES_K * speed_m_s**3)) ** 2
    return area, radius, temp


def intensities_w_sr(
    phase: np.ndarray,
    rho_kg_m3: np.ndarray,
    speed_m_s: np.ndarray,
    plume_w_sr: dict[str, float],
    floor_w_sr: float,
    emitting_area_m2: float,
    heating_radius_m: float,
    emissivity: float,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Radiant intensity per band (W/sr) and surface temperature (K) for one threat.

    Parameters
    ----------
    phase : (K,) int8 phase index (`tracklayer.threats.PHASES`)
    rho_kg_m3, speed_m_s : (K,) air density and air-relative speed along the trajectory
    plume_w_sr : band name -> plume intensity during the boost
    floor_w_sr : added in every band and phase after the boost (cold, lit body)
    """
    temp = surface_temperature_k(rho_kg_m3, speed_m_s, heating_radius_m, emissivity)
    boost = phase == BOOST
    temp = np.where(boost, np.nan, temp)
    out = {}
    for name, band in BANDS.items():
        body = body_intensity_w_sr(np.where(boost, 0.0, temp), band, emitting_area_m2, emissivity) + floor_w_sr
        out[name] = np.where(boost, plume_w_sr[name], body)
    return out, temp


def rcs_m2(phase: np.ndarray, per_phase: dict[str, float]) -> np.ndarray:
    """Radar cross-section (m^2) for each sample from a value per phase name."""
    table = np.array([per_phase[p] for p in PHASES])
    return table[np.asarray(phase, dtype=np.int64)]
