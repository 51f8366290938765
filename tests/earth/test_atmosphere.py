"""U.S. Standard Atmosphere 1976 against the `ambiance` package and the published tables
(NASA-TM-X-74335 / NOAA-S/T 76-1562, Table I, geometric altitude)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tracklayer.earth.atmosphere import density, ussa1976


def test_matches_ambiance_0_to_80_km():
    """Temperature, pressure, density and speed of sound vs ambiance.Atmosphere (an
    independent USSA-1976 implementation) every 100 m from 0 to 80 km: relative 1e-4
    (measured 1e-5; both evaluate the same closed-form layers)."""
    from ambiance import Atmosphere

    h = np.linspace(0.0, 80e3, 801)
    ref = Atmosphere(h)
    temp, pressure, rho, sound = ussa1976(h)
    np.testing.assert_allclose(temp, ref.temperature, rtol=1e-4)
    np.testing.assert_allclose(pressure, ref.pressure, rtol=1e-4)
    np.testing.assert_allclose(rho, ref.density, rtol=1e-4)
    np.testing.assert_allclose(sound, ref.speed_of_sound, rtol=1e-4)


# Geometric altitude (m), T (K), p (Pa), rho (kg/m^3): USSA-1976 Table I (NASA-TM-X-74335),
# five significant figures. 11,019.07 m geometric is the 11 km geopotential tropopause.
PUBLISHED = [
    (0.0, 288.15, 101325.0, 1.2250),
    (11019.07, 216.65, 22632.0, 0.36392),
    (20000.0, 216.65, 5529.3, 8.8910e-2),
    (30000.0, 226.51, 1197.0, 1.8410e-2),
    (50000.0, 270.65, 79.779, 1.0269e-3),
    (70000.0, 219.58, 5.2209, 8.2829e-5),
    (80000.0, 198.64, 1.0524, 1.8458e-5),
]


@pytest.mark.parametrize("alt_m, temp_k, p_pa, rho", PUBLISHED)
def test_published_table_below_86_km(alt_m, temp_k, p_pa, rho):
    """Published Table I values (5 significant figures): relative 1e-4, i.e. half a unit in
    the last printed digit or better."""
    t, p, r, _ = ussa1976(np.array([alt_m]))
    assert t[0] == pytest.approx(temp_k, rel=1e-4)
    assert p[0] == pytest.approx(p_pa, rel=1e-4)
    assert r[0] == pytest.approx(rho, rel=1e-4)


def test_sea_level_speed_of_sound():
    """Sea-level speed of sound 340.294 m/s (USSA-1976 Table I), to 1 mm/s."""
    assert ussa1976(np.array([0.0]))[3][0] == pytest.approx(340.294, abs=1e-3)


@pytest.mark.parametrize(
    "alt_m, rho",
    [(100e3, 5.604e-7), (150e3, 2.076e-9), (300e3, 1.916e-11), (500e3, 5.215e-13), (1000e3, 3.561e-15)],
)
def test_published_density_above_86_km(alt_m, rho):
    """Upper-atmosphere density at the standard's tabulated altitudes (Table I), 4 significant
    figures: relative 1e-3."""
    assert density(np.array([alt_m]))[0] == pytest.approx(rho, rel=1e-3)


def test_continuity_at_86_km():
    """The switch from the closed-form layers to the upper table at 86 km is continuous:
    T, p and rho just below and just above 86 km agree to 1e-4 relative."""
    below = ussa1976(np.array([86e3 - 0.01]))
    above = ussa1976(np.array([86e3 + 0.01]))
    for b, a in zip(below, above):
        assert a[0] == pytest.approx(b[0], rel=1e-4)


def test_density_monotone_zero_above_1000_km_and_clipped_below_0():
    """Density decreases strictly from 0 to 1,000 km, is 0 above 1,000 km, and negative
    altitudes are evaluated at 0 m (documented clip)."""
    h = np.linspace(0.0, 999e3, 5000)
    rho = density(h)
    assert np.all(np.diff(rho) < 0)
    assert density(np.array([1001e3, 5000e3])).tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(density(np.array([-500.0])), density(np.array([0.0])))


def test_shapes_follow_input():
    """(T, N) altitudes give (T, N) outputs."""
    out = ussa1976(np.full((3, 4), 10e3))
    assert all(o.shape == (3, 4) for o in out)


def test_no_floating_point_warnings_up_to_1000_km():
    """Evaluating the model anywhere in 0-1,000 km emits no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ussa1976(np.array([200e3, 500e3, 900e3]))


@pytest.mark.parametrize("alt_m, p_pa", [(100e3, 3.2011e-2), (300e3, 8.7704e-6)])
def test_published_pressure_above_86_km(alt_m, p_pa):
    """USSA-1976 Table I pressure at 100 km (3.2011e-2 Pa) and 300 km (8.7704e-6 Pa), 1 %."""
    p = ussa1976(np.array([alt_m]))[1][0]
    assert p == pytest.approx(p_pa, rel=1e-2)


def test_scalar_altitude_below_86_km():
    """A 0-d altitude below 86 km gives the same value as the 1-element array (Skyfield-style
    'scalars and arrays share one code path', STYLE.md)."""
    assert float(density(np.array(10e3))) == density(np.array([10e3]))[0]


def test_scalar_altitude_above_86_km():
    """A 0-d altitude above 86 km (100 km) gives the table density 5.604e-7 kg/m^3."""
    assert float(density(np.array(100e3))) == pytest.approx(5.604e-7, rel=1e-3)
