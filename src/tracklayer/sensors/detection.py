"""Detection statistics: thresholds from false-alarm probabilities, probability of
detection from signal-to-noise ratio, and the noise draws that realise them.

Infrared (amplitude SNR = signal irradiance / noise-equivalent irradiance):
a known-amplitude point target in additive white Gaussian noise of unit variance,
compared with a fixed threshold k per pixel and frame (the "Swerling 0" /
non-fluctuating case of a linear detector; Van Trees 1968, *Detection, Estimation
and Modulation Theory* I, Sec. 2.2; Hudson 1969, *Infrared System Engineering*,
Ch. 11):

    Pfa = Q(k),   Pd = Q(k - SNR),   Q(x) = 1/2 erfc(x / sqrt 2).

Radar (power SNR, single look, square-law detection of a complex echo in complex
white Gaussian noise; threshold T = -ln Pfa in units of the noise power):

* Swerling 0 (non-fluctuating): Pd = Q_1(sqrt(2 SNR), sqrt(2 T)), Marcum's Q
  function, i.e. the survival function of a non-central chi-square with 2 degrees
  of freedom and non-centrality 2 SNR at 2 T (Marcum 1960; Skolnik 2001, Sec. 2.5).
* Swerling 1 (slowly fluctuating, Rayleigh amplitude, exponential RCS from scan to
  scan, the usual model of a complex target): Pd = Pfa^(1 / (1 + SNR)) (Swerling
  1960; Skolnik 2001, Eq. 2.33 for n = 1).

Both closed forms are checked in tests against Monte Carlo trials of the detector
itself; the sensing stage draws detections with exactly these noise models.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def q_function(x: np.ndarray) -> np.ndarray:
    """Gaussian tail probability Q(x) = P(N(0, 1) > x)."""
    from scipy.special import ndtr

    return ndtr(-np.asarray(x, dtype=np.float64))


def q_inverse(p: np.ndarray) -> np.ndarray:
    """Inverse of `q_function`: x with Q(x) = p."""
    from scipy.special import ndtri

    return -ndtri(np.asarray(p, dtype=np.float64))


def pd_gaussian(snr: np.ndarray, pfa: np.ndarray) -> np.ndarray:
    """Pd = Q(Q^-1(Pfa) - SNR) of a known-amplitude target in Gaussian noise (amplitude SNR)."""
    return q_function(q_inverse(pfa) - np.asarray(snr, dtype=np.float64))


def snr_required_gaussian(pd: np.ndarray, pfa: np.ndarray) -> np.ndarray:
    """Amplitude SNR at which `pd_gaussian` reaches ``pd``: Q^-1(Pfa) - Q^-1(Pd)."""
    return q_inverse(pfa) - q_inverse(pd)


def pd_swerling(snr: ArrayLike, pfa: ArrayLike, case: ArrayLike) -> np.ndarray:
    """Single-look Pd of a square-law detector for Swerling case 0 or 1 (power SNR, linear)."""
    from scipy.special import chndtr

    snr = np.asarray(snr, dtype=np.float64)
    pfa = np.asarray(pfa, dtype=np.float64)
    case = np.asarray(case)
    thresh = -np.log(pfa)
    with np.errstate(divide="ignore"):
        sw1 = np.exp(-thresh / (1.0 + np.maximum(snr, 0.0)))
    sw0 = 1.0 - chndtr(2.0 * thresh, 2.0, 2.0 * np.maximum(snr, 0.0))
    return np.where(case == 0, sw0, sw1)


def snr_required_swerling(pd: float, pfa: float, case: int) -> float:
    """Power SNR (linear) at which `pd_swerling` reaches ``pd`` (pd > pfa)."""
    if case == 1:
        return float(np.log(pfa) / np.log(pd) - 1.0)
    from scipy.optimize import brentq

    return float(brentq(lambda s: float(pd_swerling(s, pfa, 0)) - pd, 0.0, 1e6, xtol=1e-10))


def draw_gaussian_detections(snr: np.ndarray, threshold: np.ndarray, normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Realise the Gaussian detector: measured amplitude SNR + n and whether it crosses.

    Parameters
    ----------
    snr : (n,) expected amplitude SNR
    threshold : (n,) threshold k = Q^-1(Pfa) in noise units
    normal : (n,) standard normal deviates (the noise n)

    Returns
    -------
    detected : (n,) bool, SNR + n >= k (probability exactly `pd_gaussian`)
    measured : (n,) SNR + n
    """
    measured = np.asarray(snr) + np.asarray(normal)
    return measured >= threshold, measured


def draw_square_law_detections(snr: np.ndarray, pfa: np.ndarray, case: np.ndarray, noise: np.ndarray, fluct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Realise the square-law detector for Swerling 0/1 targets.

    Parameters
    ----------
    snr : (n,) mean power SNR (linear)
    pfa : (n,) false-alarm probability per look (threshold T = -ln Pfa)
    case : (n,) Swerling case, 0 or 1
    noise : (n, 2) standard normal deviates (in-phase and quadrature noise, each of
        variance 1/2 after scaling, so the noise power is 1)
    fluct : (n,) standard exponential deviates (Swerling 1 RCS fluctuation)

    Returns
    -------
    detected : (n,) bool, |echo|^2 >= T (probability exactly `pd_swerling`)
    measured : (n,) |echo|^2, the measured power SNR
    """
    snr = np.asarray(snr, dtype=np.float64)
    power = np.where(np.asarray(case) == 0, snr, snr * fluct)
    i = np.sqrt(power) + noise[:, 0] * np.sqrt(0.5)
    q = noise[:, 1] * np.sqrt(0.5)
    measured = i * i + q * q
    return measured >= -np.log(pfa), measured
