"""Infrared radiometry: band radiance, band conversion, atmospheric path transmission,
irradiance at the aperture.

* **Planck band radiance** of a blackbody (W m^-2 sr^-1) between two wavelengths:
  the Widger & Woodall (1976) series of `tracklayer.threats.signatures`, with enough
  terms for any band and temperature (the series converges as e^(-n x),
  x = hc/(lambda k T)). Tested against `scipy.integrate.quad` of Planck's law.
* **Band conversion** of a signature: when the truth carries no intensity in the
  sensor's band (`Truth.intensity_band_w_sr`), the intensity given in the signature
  band is moved to it by the ratio of graybody band radiances at a source colour
  temperature. The glide-body figures of Tracy & Wright (2020: 43 kW/sr in
  2.69-2.95 um, 370 kW/sr in 1.4-3.0 um, ratio 0.116) and Candler & Leyva (2022:
  ratio 0.13-0.17) correspond to colour temperatures of about 1,750 K and
  1,250-1,550 K (docs/sensing.md); 1,500 K is the default.
* **Atmospheric transmission** of a line of sight from a target at altitude h:
  a single band-averaged absorber, exponentially distributed with scale height H, of
  zenith optical depth tau_z from sea level (both notional parameters of the
  sensor's band). The slant column, relative to the vertical column from sea level,
  follows from Chapman's grazing-incidence function on a spherical Earth:
  Ch(x, z) ~ sqrt(pi x / 2) erfcx(sqrt(x/2) cos z), x = (R + h)/H, z <= 90 deg
  (Chapman 1931; the asymptotic form of e.g. Smith & Smith 1972, J. Geophys. Res.
  77, 3592, relative error O(1/x) ~ 1e-3 here). A line of sight that descends from
  the target (z > 90 deg) passes a tangent point at altitude h_t:
  column = 2 e^(-h_t/H) Ch(x_t, 90 deg) - e^(-h/H) Ch(x, 180 deg - z).
  Transmission = exp(-tau_z * column). Tested against direct quadrature.
* **Irradiance** at the aperture: E = I tau / R^2 (W/m^2).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

H_PLANCK_J_S = 6.62607015e-34
"""Planck constant (exact, SI 2019)."""
C_LIGHT_M_S = 299_792_458.0
"""Speed of light (exact)."""
K_BOLTZMANN_J_K = 1.380649e-23
"""Boltzmann constant (exact, SI 2019)."""
SIGNATURE_BAND_M = (1.4e-6, 3.0e-6)
"""Band of the threat signatures' radiant intensity (`tracklayer.threats.signatures`:
SWIR 1.4-3.0 um, the band of the Tracy & Wright and Candler & Leyva presets)."""


def planck_band_radiance_w_m2_sr(temperature_k: ArrayLike, lo_m: float, hi_m: float) -> np.ndarray:
    """Blackbody radiance between wavelengths ``lo_m`` and ``hi_m`` (W m^-2 sr^-1).

    Parameters
    ----------
    temperature_k : (...) temperature, K (> 0)
    lo_m, hi_m : band edges, m (0 < lo < hi)
    """
    from tracklayer.threats.signatures import band_radiance_w_m2_sr

    t = np.asarray(temperature_k, dtype=np.float64)
    x_min = H_PLANCK_J_S * C_LIGHT_M_S / (K_BOLTZMANN_J_K * hi_m * float(np.max(t)))
    terms = int(np.clip(np.ceil(40.0 / x_min), 40, 100_000))  # e^(-terms x) < 4e-18
    return band_radiance_w_m2_sr(t, (lo_m, hi_m), terms=terms)


def band_ratio(temperature_k: float, band_m: tuple[float, float], reference_m: tuple[float, float] = SIGNATURE_BAND_M) -> float:
    """Graybody radiance in ``band_m`` over that in ``reference_m`` at ``temperature_k``
    (exactly 1 when the bands are equal)."""
    if tuple(band_m) == tuple(reference_m):
        return 1.0
    num = planck_band_radiance_w_m2_sr(temperature_k, *band_m)
    den = planck_band_radiance_w_m2_sr(temperature_k, *reference_m)
    return float(num / den)


def chapman_grazing(x: np.ndarray, cos_z: np.ndarray) -> np.ndarray:
    """Chapman's function Ch(x, z) for 0 <= z <= 90 deg (asymptotic form).

    The slant column from radius r = x H to infinity along zenith angle z, divided
    by the vertical column from the same point, for an exponential atmosphere of
    scale height H: sqrt(pi x / 2) erfcx(sqrt(x / 2) cos z).
    """
    from scipy.special import erfcx

    x = np.asarray(x, dtype=np.float64)
    return np.sqrt(0.5 * np.pi * x) * erfcx(np.sqrt(0.5 * x) * np.asarray(cos_z, dtype=np.float64))


def relative_column(alt_m: np.ndarray, cos_zenith: np.ndarray, surface_radius_m: np.ndarray, scale_height_m: np.ndarray) -> np.ndarray:
    """Absorber column from a point along a ray to space, over the vertical column from sea level.

    Parameters
    ----------
    alt_m : (...) altitude of the start point (the target), m
    cos_zenith : (...) cosine of the ray's zenith angle at the start point
    surface_radius_m : (...) radius of the spherical Earth below the point, m
    scale_height_m : (...) absorber scale height, m

    A ray that dips below the start altitude is integrated through its tangent
    point (altitude h_t = (R + h) sin z - R). Rays that hit the ground (h_t < 0)
    return inf.
    """
    h = np.asarray(alt_m, dtype=np.float64)
    cz = np.asarray(cos_zenith, dtype=np.float64)
    big_r = np.asarray(surface_radius_m, dtype=np.float64)
    sh = np.asarray(scale_height_m, dtype=np.float64)
    x = (big_r + h) / sh
    up = np.exp(-h / sh) * chapman_grazing(x, np.abs(cz))
    sin_z = np.sqrt(np.maximum(1.0 - cz * cz, 0.0))
    h_t = (big_r + h) * sin_z - big_r
    with np.errstate(over="ignore", invalid="ignore"):
        through = 2.0 * np.exp(-h_t / sh) * np.sqrt(0.5 * np.pi * (big_r + h_t) / sh) - up
    return np.where(cz >= 0.0, up, np.where(h_t >= 0.0, through, np.inf))


def transmission(alt_m: np.ndarray, cos_zenith: np.ndarray, surface_radius_m: np.ndarray, zenith_optical_depth: np.ndarray, scale_height_m: np.ndarray) -> np.ndarray:
    """Band-averaged transmission of the path from a target to a sensor above the atmosphere
    (1 without an absorber, tau_z = 0; 0 for a ray into the ground)."""
    col = relative_column(alt_m, cos_zenith, surface_radius_m, scale_height_m)
    tau_z = np.asarray(zenith_optical_depth, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(tau_z == 0.0, 1.0, np.exp(-tau_z * col))


def irradiance_w_m2(intensity_w_sr: np.ndarray, range_m: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Irradiance at the aperture of a point source: E = I tau / R^2 (W/m^2)."""
    return np.asarray(intensity_w_sr) * np.asarray(tau) / np.asarray(range_m) ** 2
