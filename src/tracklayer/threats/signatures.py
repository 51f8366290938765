"""Infrared radiant intensity and radar cross-section along a trajectory.

* Boost: the plume's radiant intensity per band is a parameter (no citable public
  curve, DOMAIN.md Sec. 3).
* After the boost, the aero-heated body: the convective heating rate at an
  effective radius R (Sutton & Graves 1971, NASA TR R-376)

      q = k sqrt(rho / R) v^3,   k = 1.7415e-4 kg^0.5/m (air)

  balanced by grey re-radiation (radiative equilibrium) gives the surface
  temperature T = (q / (eps sigma))^(1/4); the body then radiates
  I_band = eps A L_band(T) (W/sr), with L_band the Planck radiance integrated over
  the band (W m^-2 sr^-1) and A the emitting area presented to the sensor.
  Other correlations scale as rho^N v^M (Tauber 1989, NASA TP-2914: laminar
  N = 0.5, M = 3.2; turbulent flat plate N = 0.8, M = 3.37-3.7); the heating
  here is Sutton-Graves times (rho/RHO_REF)^(N - 1/2) (v/V_REF)^(M - 3), exactly
  Sutton-Graves for N = 1/2, M = 3 (the re-entry vehicle).
  The parameters (R, A) of a vehicle are fitted to a published pair of band
  intensities at one flight condition (`fit_body`), and the speed exponent M of a
  glide body (at the turbulent N = 0.8) to the published fall of the intensity
  with speed along the glide (`fit_speed_exponent`): Tracy & Wright 2020 and
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

RHO_REF_KG_M3 = 1e-3
"""Density at which a heating law with other exponents equals Sutton-Graves, kg/m^3."""
V_REF_M_S = 6000.0
"""Speed at which a heating law with other exponents equals Sutton-Graves, m/s."""


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


def heating_w_m2(rho_kg_m3: np.ndarray, speed_m_s: np.ndarray, heating_radius_m: float,
                 density_exponent: float = 0.5, speed_exponent: float = 3.0) -> np.ndarray:
    """Convective heating rate (W/m^2): Sutton-Graves at radius R scaled to the exponents,
    k sqrt(rho/R) v^3 (rho/RHO_REF)^(N - 1/2) (v/V_REF)^(M - 3)."""
    rho, v = np.asarray(rho_kg_m3), np.asarray(speed_m_s)
    q = SUTTON_GRAVES_K * np.sqrt(rho / heating_radius_m) * v**3
    return q * (rho / RHO_REF_KG_M3) ** (density_exponent - 0.5) * (v / V_REF_M_S) ** (speed_exponent - 3.0)


def surface_temperature_k(rho_kg_m3: np.ndarray, speed_m_s: np.ndarray, heating_radius_m: float, emissivity: float,
                          density_exponent: float = 0.5, speed_exponent: float = 3.0) -> np.ndarray:
    """Radiative-equilibrium surface temperature (K) for the heating of `heating_w_m2`."""
    q = heating_w_m2(rho_kg_m3, speed_m_s, heating_radius_m, density_exponent, speed_exponent)
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
    density_exponent: float = 0.5,
    speed_exponent: float = 3.0,
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
    at_unit_radius = float(heating_w_m2(np.array(rho_kg_m3), np.array(speed_m_s), 1.0, density_exponent, speed_exponent))
    radius = (at_unit_radius / q) ** 2
    return area, radius, temp


def fit_speed_exponent(
    ratio: float,
    bands: tuple[tuple[float, float], ...],
    slow: tuple[float, float],
    fast: tuple[float, float],
    temp_fast_k: float,
    density_exponent: float,
) -> float:
    """Speed exponent M of the heating law with which the band intensity at the slow flight
    condition is ``ratio`` times that at the fast one (geometric mean over ``bands``).

    ``slow`` and ``fast`` are (speed m/s, density kg/m^3); ``temp_fast_k`` is the surface
    temperature at the fast condition (from `fit_body`). Radiative equilibrium gives
    T_slow = T_fast ((rho_s/rho_f)^N (v_s/v_f)^M)^(1/4).
    """
    from scipy.optimize import brentq

    def log_ratio(m: float) -> float:
        t_slow = temp_fast_k * ((slow[1] / fast[1]) ** density_exponent * (slow[0] / fast[0]) ** m) ** 0.25
        got = [float(band_radiance_w_m2_sr(np.array(t_slow), b) / band_radiance_w_m2_sr(np.array(temp_fast_k), b)) for b in bands]
        return float(np.mean(np.log(got))) - np.log(ratio)

    return brentq(log_ratio, 0.0, 8.0, xtol=1e-12)


def intensities_w_sr(
    phase: np.ndarray,
    rho_kg_m3: np.ndarray,
    speed_m_s: np.ndarray,
    plume_w_sr: dict[str, float],
    floor_w_sr: float,
    emitting_area_m2: float,
    heating_radius_m: float,
    emissivity: float,
    density_exponent: float = 0.5,
    speed_exponent: float = 3.0,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Radiant intensity per band (W/sr) and surface temperature (K) for one threat.

    Parameters
    ----------
    phase : (K,) int8 phase index (`tracklayer.threats.PHASES`)
    rho_kg_m3, speed_m_s : (K,) air density and air-relative speed along the trajectory
    plume_w_sr : band name -> plume intensity during the boost
    floor_w_sr : added in every band and phase after the boost (cold, lit body)
    density_exponent, speed_exponent : N and M of the heating law (`heating_w_m2`)
    """
    temp = surface_temperature_k(rho_kg_m3, speed_m_s, heating_radius_m, emissivity, density_exponent, speed_exponent)
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
