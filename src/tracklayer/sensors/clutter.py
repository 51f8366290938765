"""Structured Earth-background clutter: a look-down false-alarm density that follows the Sun.

Against the Earth a SWIR sensor's residual clutter (what background suppression leaves
above the threshold) comes mostly from sunlit clouds: reflected sunlight, strongest
where cloud edges and their shadows make steep spatial gradients, which the low Sun
near the terminator lengthens; the night side leaves mostly sensor noise. Open sources
describe this only qualitatively [?], so the shape below is notional and its three
numbers are parameters (docs/sensing.md, "Structured look-down clutter").

Relative false-alarm density at a ground point with solar zenith angle chi
(mu = cos chi), per steradian of the sensor's view, in units of the configured mean:

    w(chi) = [ night + max(mu, 0) + peak * exp(-(chi - 90 deg)^2 / (2 width^2)) ] / Z

* ``night``: the dark side's floor relative to the overhead Sun (w(0) - w(180) scale);
* ``max(mu, 0)``: sunlit cloud tops, Lambertian;
* the Gaussian in chi: the terminator band of cloud edges and shadows, ``peak`` high
  and ``width`` wide.

Z normalises the density so that its mean over a uniformly lit sphere (mu uniform on
[-1, 1]: the average over all Sun positions) is 1: the sensor's ``pfa_look_down``
stays the *mean* per-pixel false-alarm probability, and the clutter only moves false
alarms from the night side to the day side and the terminator:

    Z = night + 1/4 + (peak / 2) * integral_0^pi exp(-(chi - pi/2)^2 / (2 width^2)) sin chi dchi

False alarms are drawn by thinning: Poisson with the mean raised by the density's
maximum, placed uniformly in the look-down cone, each kept with probability
w(chi) / max w at the ground point its line of sight meets (a sphere of the Earth's
mean radius). Thinning a Poisson process gives exactly a Poisson process of the
modulated density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import R_EARTH_MEAN_M

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(400)
_CHI = 0.5 * np.pi * (_NODES + 1.0)  # Gauss-Legendre on [0, pi]


@dataclass(frozen=True)
class SolarClutter:
    """Parameters of the look-down density (dimensionless; ``width_rad`` in rad)."""

    night: float
    peak: float
    width_rad: float

    def _raw(self, chi_rad: np.ndarray) -> np.ndarray:
        chi = np.asarray(chi_rad, dtype=np.float64)
        band = np.exp(-0.5 * ((chi - 0.5 * np.pi) / self.width_rad) ** 2)
        return self.night + np.maximum(np.cos(chi), 0.0) + self.peak * band

    @property
    def norm(self) -> float:
        """Z: the raw density's mean over a uniformly lit sphere."""
        band = np.exp(-0.5 * ((_CHI - 0.5 * np.pi) / self.width_rad) ** 2)
        integral = 0.5 * np.pi * float(np.sum(_WEIGHTS * band * np.sin(_CHI)))
        return self.night + 0.25 + 0.5 * self.peak * integral

    def weight(self, cos_sza: np.ndarray) -> np.ndarray:
        """Relative density w (mean 1 over a uniformly lit sphere) at ground points
        with these cosines of the solar zenith angle (any shape)."""
        return self._raw(np.arccos(np.clip(cos_sza, -1.0, 1.0))) / self.norm

    @property
    def max_weight(self) -> float:
        """An upper bound of w (the thinning envelope): its maximum on a 0.01 deg grid,
        raised by 0.1 % for what lies between grid points."""
        return float(np.max(self._raw(np.linspace(0.0, np.pi, 18_001)))) / self.norm * 1.001


def ground_cos_sza(r_sat_m: np.ndarray, u: np.ndarray, sun_unit: np.ndarray) -> np.ndarray:
    """Cosine of the solar zenith angle where each line of sight meets the Earth.

    r_sat_m : (n, 3) sensor positions, m; u : (n, 3) unit lines of sight; sun_unit :
    (n, 3) unit vectors to the Sun; all in the same frame (ECI). The Earth is a sphere
    of mean radius; a line of sight that misses it (numerically, at the limb) is taken
    at its closest approach.
    """
    along = -np.sum(r_sat_m * u, axis=1)
    miss2 = np.sum(r_sat_m**2, axis=1) - along**2
    depth = np.sqrt(np.maximum(R_EARTH_MEAN_M**2 - miss2, 0.0))
    ground = r_sat_m + (along - depth)[:, None] * u
    return np.sum(ground * sun_unit, axis=1) / np.linalg.norm(ground, axis=1)
