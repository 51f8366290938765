"""Detection statistics: the closed forms (Gaussian, Swerling 0 and 1) against Monte Carlo
trials of the detectors built independently here, false-alarm counts against Pfa, and
the draw functions the sensing stage uses against the same closed forms.

Tolerances: 4.5 binomial standard deviations of the simulated rate (seeded, so fixed)."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.sensors.detection import (
    draw_gaussian_detections,
    draw_square_law_detections,
    pd_gaussian,
    pd_swerling,
    q_function,
    q_inverse,
    snr_required_gaussian,
    snr_required_swerling,
)

N = 200_000


def _within(hits: int, p: float, n: int = N) -> bool:
    return abs(hits - n * p) <= 4.5 * np.sqrt(n * p * (1.0 - p)) + 1.0


def test_q_function_and_inverse():
    """Q(0) = 1/2, Q(1.6449) = 0.05, Q(4.7534) = 1e-6 (standard normal tables), and the
    inverse round-trips."""
    assert float(q_function(0.0)) == 0.5
    assert float(q_function(1.6448536)) == pytest.approx(0.05, rel=1e-6)
    assert float(q_function(4.7534243)) == pytest.approx(1e-6, rel=1e-6)
    p = np.array([0.3, 1e-3, 1e-8])
    np.testing.assert_allclose(q_function(q_inverse(p)), p, rtol=1e-10)


@pytest.mark.parametrize("snr", [0.0, 3.0, 5.0, 6.5])
def test_gaussian_detector_monte_carlo(snr):
    """A known amplitude SNR in N(0, 1) noise against k = Q^-1(1e-3): the crossing rate is
    Pd = Q(k - SNR) (Pfa when SNR = 0); the sensing stage's draw function gives the same."""
    rng = np.random.default_rng(int(snr * 10) + 1)
    k = float(q_inverse(1e-3))
    pd = float(pd_gaussian(snr, 1e-3))
    assert _within(int(np.sum(snr + rng.standard_normal(N) > k)), pd)
    detected, measured = draw_gaussian_detections(np.full(N, snr), np.full(N, k), rng.standard_normal(N))
    assert _within(int(detected.sum()), pd) and np.all(measured[detected] >= k)
    if snr == 0.0:
        assert pd == pytest.approx(1e-3, rel=1e-9)


def _complex_trials(rng, snr, case, n=N):
    """Square-law detector: |s + n|^2 / noise power with complex Gaussian noise of unit
    power; Swerling 1 amplitude drawn as a complex Gaussian (Rayleigh envelope) of mean
    power SNR, Swerling 0 a constant amplitude sqrt(SNR) with random phase."""
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2.0)
    if case == 0:
        echo = np.sqrt(snr) * np.exp(1j * rng.uniform(0, 2 * np.pi, n))
    else:
        echo = np.sqrt(snr / 2.0) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    return np.abs(echo + noise) ** 2


@pytest.mark.parametrize("case", [0, 1])
@pytest.mark.parametrize("snr_db", [-np.inf, 8.0, 13.0, 16.0])
def test_swerling_closed_forms_against_monte_carlo(case, snr_db):
    """Swerling 0 (Marcum Q) and 1 (Pfa^(1/(1+SNR))) Pd at Pfa = 1e-3 against square-law
    trials; with no target the crossing rate is Pfa. The draw function used for
    detections matches too."""
    pfa = 1e-3
    snr = 0.0 if np.isinf(snr_db) else 10 ** (snr_db / 10)
    rng = np.random.default_rng(100 + case * 10 + int(max(snr_db, 0)))
    pd = float(pd_swerling(snr, pfa, case))
    assert _within(int(np.sum(_complex_trials(rng, snr, case) >= -np.log(pfa))), pd)
    det, measured = draw_square_law_detections(np.full(N, snr), np.full(N, pfa), np.full(N, case),
                                               rng.standard_normal((N, 2)), rng.standard_exponential(N))
    assert _within(int(det.sum()), pd) and np.all(measured[det] >= -np.log(pfa))
    if snr == 0.0:
        assert pd == pytest.approx(pfa, rel=1e-9)


def test_swerling_1_needs_more_snr_than_swerling_0():
    """Skolnik's classic numbers: Pd = 0.9 at Pfa = 1e-6 needs about 13.2 dB for a steady
    target (Albersheim: 13.2 dB) and 21.1 dB for Swerling 1 (Skolnik Fig. 2.23: ~8 dB more);
    the inverse functions round-trip."""
    s0 = snr_required_swerling(0.9, 1e-6, 0)
    s1 = snr_required_swerling(0.9, 1e-6, 1)
    assert 10 * np.log10(s0) == pytest.approx(13.2, abs=0.2)
    assert 10 * np.log10(s1) == pytest.approx(21.1, abs=0.1)
    for case, s in ((0, s0), (1, s1)):
        assert float(pd_swerling(s, 1e-6, case)) == pytest.approx(0.9, abs=1e-8)
    s = snr_required_gaussian(0.9, 1e-8)
    assert float(pd_gaussian(s, 1e-8)) == pytest.approx(0.9, abs=1e-12)
