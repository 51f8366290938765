"""Signatures: Planck band integrals against quadrature and Stefan-Boltzmann, the aero-heating
presets against the published intensities (Tracy & Wright 2020; Candler & Leyva 2022), RCS."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from tracklayer.threats import BOOST, COAST, GLIDE, TERMINAL
from tracklayer.threats.glide import equilibrium_density
from tracklayer.threats.presets import SIGNATURES
from tracklayer.threats.signatures import (
    BANDS,
    STEFAN_BOLTZMANN,
    SUTTON_GRAVES_K,
    band_radiance_w_m2_sr,
    body_intensity_w_sr,
    fit_body,
    intensities_w_sr,
    rcs_m2,
    surface_temperature_k,
)

H, C, KB = 6.62607015e-34, 299792458.0, 1.380649e-23


def planck(lam, t):
    return 2 * H * C**2 / lam**5 / np.expm1(H * C / (lam * KB * t))


@pytest.mark.parametrize("temp", [500.0, 1000.0, 1500.0, 2000.0, 3000.0])
@pytest.mark.parametrize("band", list(BANDS.values()))
def test_band_radiance_matches_quadrature(temp, band):
    """The series band integral equals adaptive quadrature of Planck's law to 1e-9 relative."""
    ref = quad(planck, band[0], band[1], args=(temp,), epsabs=0, epsrel=1e-12)[0]
    assert float(band_radiance_w_m2_sr(np.array(temp), band)) == pytest.approx(ref, rel=1e-9)


def test_whole_spectrum_is_stefan_boltzmann():
    """Over 0.1 um - 1 mm the band radiance is sigma T^4 / pi (Stefan-Boltzmann) to 1e-5 (the
    40-term series loses ~5e-6 at the long-wave edge; the tail beyond 1 mm is ~1e-7)."""
    t = np.array([1200.0, 2500.0])
    total = band_radiance_w_m2_sr(t, (1e-7, 1e-3))
    np.testing.assert_allclose(total, STEFAN_BOLTZMANN * t**4 / np.pi, rtol=1e-5)


def test_radiative_equilibrium_temperature():
    """eps sigma T^4 equals the Sutton-Graves heating k sqrt(rho/R) v^3 (k = 1.7415e-4)."""
    t = surface_temperature_k(1e-3, 6000.0, 0.5, 0.85)
    assert 0.85 * STEFAN_BOLTZMANN * t**4 == pytest.approx(1.7415e-4 * np.sqrt(1e-3 / 0.5) * 6000.0**3, rel=1e-12)
    assert SUTTON_GRAVES_K == 1.7415e-4


@pytest.mark.parametrize("name, beta, dsp, swir", [
    ("tw2020", 13000.0, (42.0e3, 44.0e3), (365e3, 375e3)),  # Tracy & Wright 2020: ~43 and ~370 kW/sr
    ("cl2022", 4680.0, (2.95e3, 4.9e3), (22e3, 29e3)),  # Candler & Leyva 2022: 2.95-4.9 and 22-29 kW/sr
])
def test_presets_reproduce_published_intensities(name, beta, dsp, swir):
    """At 6 km/s at the preset vehicle's equilibrium-glide density (L/D 2.6) the preset's
    radiant intensity lies in the published interval in the DSP-like 2.69-2.95 um band and the
    SBIRS-like 1.4-3.0 um band."""
    sig = SIGNATURES[name]
    t = surface_temperature_k(equilibrium_density(6000.0, beta, 2.6), 6000.0, sig["heating_radius_m"], sig["emissivity"])
    i_dsp = float(body_intensity_w_sr(t, BANDS["dsp"], sig["emitting_area_m2"], sig["emissivity"]))
    i_swir = float(body_intensity_w_sr(t, BANDS["swir"], sig["emitting_area_m2"], sig["emissivity"]))
    assert dsp[0] <= i_dsp <= dsp[1] and swir[0] <= i_swir <= swir[1]


def test_fit_body_round_trip():
    """fit_body recovers the area, heating radius and temperature that produced two intensities."""
    rho, v = 8e-4, 5500.0
    t = surface_temperature_k(rho, v, 3.0, 0.85)
    pair = tuple(float(body_intensity_w_sr(t, BANDS[b], 2.0, 0.85)) for b in ("dsp", "swir"))
    area, radius, temp = fit_body(pair, (BANDS["dsp"], BANDS["swir"]), v, rho)
    assert area == pytest.approx(2.0, rel=1e-8) and radius == pytest.approx(3.0, rel=1e-6) and temp == pytest.approx(t, rel=1e-9)


def test_phases_pick_plume_body_and_rcs():
    """Boost shows the plume per band (no temperature); afterwards the heated body plus the floor;
    in vacuum only the floor. RCS follows the phase table."""
    phase = np.array([BOOST, COAST, GLIDE, TERMINAL], dtype=np.int8)
    rho = np.array([1e-3, 0.0, 1e-3, 1e-2])
    out, temp = intensities_w_sr(phase, rho, np.full(4, 5000.0), {"swir": 5e5, "dsp": 3e5, "mwir": 1e6}, 100.0, 1.0, 2.0, 0.85)
    assert out["swir"][0] == 5e5 and out["dsp"][0] == 3e5 and np.isnan(temp[0])
    assert out["swir"][1] == 100.0 and temp[1] == 0.0
    assert 100.0 < out["swir"][2] < out["swir"][3]
    np.testing.assert_array_equal(rcs_m2(phase, {"boost": 10.0, "coast": 0.2, "glide": 0.1, "terminal": 0.05}), [10.0, 0.2, 0.1, 0.05])
