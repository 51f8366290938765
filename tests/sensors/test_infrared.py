"""Space infrared sensors: radiometric SNR against hand calculation, detection and
false-alarm rates against the model's closed forms (binomial / Poisson bounds over
seeded trials), angle noise, cueing of pointed sensors, frames and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.sensors import ANGLES
from tracklayer.sensors.detection import pd_gaussian, q_inverse
from tracklayer.sensors.geometry import earth_angular_radius_rad
from tracklayer.sensors.infrared import (
    LIMB,
    LOOK_DOWN,
    InfraredPairs,
    InfraredParams,
    able_to_detect,
    assess_infrared,
    centroid_sigma_rad,
    frame_mask,
    observe_infrared,
    sensor_intensities,
)
from tracklayer.sensors.measurements import angles_covariance, perturb_direction, tangent_basis, unit


def test_frame_mask_periods():
    """A sensor with revisit P frames at the first grid time of each [kP, (k+1)P): with a
    1 s grid, P = 1 and P = 0.5 frame every step, P = 3 at 0, 3, 6, 9 and P = 2.5 at
    0, 3, 5, 8, 10 (the first sample at or after 0, 2.5, 5, 7.5, 10)."""
    t = np.arange(11.0)
    m = frame_mask(t, np.array([1.0, 0.5, 3.0, 2.5]))
    assert m.shape == (11, 4) and m.dtype == bool
    assert m[:, 0].all() and m[:, 1].all()
    assert np.nonzero(m[:, 2])[0].tolist() == [0, 3, 6, 9]
    assert np.nonzero(m[:, 3])[0].tolist() == [0, 3, 5, 8, 10]


def test_frame_mask_irregular_grid_and_float_steps():
    """Grid times with float steps (0.1 s) and gaps: one frame per period present in the
    grid, exactly at period boundaries despite rounding (0.3 = 3 x 0.1)."""
    t = np.round(np.arange(0.0, 1.0, 0.1), 10)
    assert np.nonzero(frame_mask(t, np.array([0.3]))[:, 0])[0].tolist() == [0, 3, 6, 9]
    t = np.array([0.0, 1.0, 7.0, 8.0, 25.0])
    assert frame_mask(t, np.array([5.0]))[:, 0].tolist() == [True, False, True, False, True]


def _params(s: int = 1, **kw) -> InfraredParams:
    """Staring 120 deg sensors with round numbers; keyword arguments override fields."""
    base = dict(
        half_angle_rad=np.radians(60.0), fov_half_rad=np.radians(60.0), ifov_rad=1e-3, max_range_m=5000e3,
        grazing_m=20e3, min_target_alt_m=0.0, revisit_s=1.0, nei_w_m2=np.array([1e-9, 5e-10]),
        band_m=np.array([1.4e-6, 3.0e-6]), pfa=np.array([1e-8, 1e-6]), sun_exclusion_rad=np.radians(30.0), zenith_optical_depth=1.0,
        scale_height_m=3e3, band_ratio=1.0, centroid_floor_px=0.2, max_targets=1, pd=np.nan, sigma_rad=np.nan,
        false_alarms_per_frame=np.nan, scan_period_s=np.nan, scan_dwell_s=np.nan,
    )
    base.update(kw)
    return InfraredParams(**{k: np.array([np.asarray(v)] * s, dtype=np.int64 if k == "max_targets" else np.float64) for k, v in base.items()})


def _assess(access, r_sat, r_tgt, alt, intensity_w_sr, sun, p):
    """`assess_infrared` with one intensity (T, N) read through each sensor's band ratio."""
    return assess_infrared(access, r_sat, r_tgt, alt, intensity_w_sr[None], np.zeros(p.band_m.shape[0], dtype=np.int64), p.band_ratio, sun, p)


SAT = np.array([WGS84_A_M + 1000e3, 0.0, 0.0])
SUN_AWAY = np.array([[-1.0, 0.0, 0.0]])  # behind the Earth as seen from SAT


def _on_equator(angle_rad, alt_m):
    a = np.atleast_1d(angle_rad)
    return np.stack([(WGS84_A_M + alt_m) * np.cos(a), (WGS84_A_M + alt_m) * np.sin(a), np.zeros_like(a)], axis=-1)


def test_snr_is_inverse_square_with_transmission_and_band_ratio():
    """Targets straight below the satellite at 40 km and at 10 km (look-down, zenith
    path): SNR = I b tau / (R^2 NEI) with tau = exp(-tau_z e^(-h/H)) for a vertical
    path (Ch(x, 0) = 1 to 1e-3), checked to 0.1 %; a target above the limb is 'limb' and
    uses the limb NEI."""
    r_tgt = np.concatenate([_on_equator(0.0, 40e3), _on_equator(0.0, 10e3), _on_equator(np.radians(31.0), 40e3)])[None]
    _, _, alt = ecef_to_geodetic(r_tgt)
    p = _params(band_ratio=0.5)
    access = np.ones((1, 1, 3), dtype=bool)
    pairs = _assess(access, SAT[None, None], r_tgt, alt, np.full((1, 3), 25e3), SUN_AWAY, p)
    assert pairs.background.tolist() == [LOOK_DOWN, LOOK_DOWN, LIMB]
    for i, h in enumerate((40e3, 10e3)):
        rng = 1000e3 - h
        tau = np.exp(-1.0 * np.exp(-h / 3e3))
        assert pairs.range_m[i] == pytest.approx(rng, abs=1e-6)
        assert pairs.transmission[i] == pytest.approx(tau, rel=1e-3)
        assert pairs.snr[i] == pytest.approx(25e3 * 0.5 * tau / rng**2 / 1e-9, rel=1e-3)
        assert pairs.pd[i] == pytest.approx(float(pd_gaussian(pairs.snr[i], 1e-8)), rel=1e-12)
    assert pairs.snr[2] == pytest.approx(25e3 * 0.5 * pairs.transmission[2] / pairs.range_m[2] ** 2 / 5e-10, rel=1e-12)


def test_sensor_band_intensity_comes_from_the_truth_when_it_has_the_band():
    """A DSP-band sensor (2.69-2.95 um) reads the truth's own 'dsp' intensity (ratio 1); a
    3.0-4.0 um sensor, a band the truth does not carry, reads the signature band times its
    graybody ratio; a SWIR sensor reads the SWIR intensity."""
    p = _params(3, band_m=np.array([2.69e-6, 2.95e-6]))
    p = InfraredParams(**{**p.__dict__, "band_m": np.array([[2.69e-6, 2.95e-6], [3.0e-6, 4.0e-6], [1.4e-6, 3.0e-6]]),
                          "band_ratio": np.array([0.12, 0.3, 1.0])})
    swir, dsp = np.full((2, 1), 100.0), np.full((2, 1), 11.0)
    stack, row, ratio = sensor_intensities(p, swir, {"swir": swir, "dsp": dsp, "mwir": np.full((2, 1), 50.0)})
    assert stack[row[0]][0, 0] == 11.0 and ratio[0] == 1.0
    assert row[1] == 0 and ratio[1] == 0.3
    assert stack[row[2]][0, 0] == 100.0 and ratio[2] == 1.0


def test_sun_exclusion_blinds_only_near_a_visible_sun():
    """A limb target whose line of sight is 29 deg from the Sun is blinded (Pd = 0) with a
    30 deg exclusion, at 31 deg it is not; with the Sun hidden behind the Earth nothing is
    blinded."""
    tgt = _on_equator(np.radians(31.0), 40e3)[0]
    los = unit(tgt - SAT)
    e1, _ = tangent_basis(los[None])
    perp = np.cross(los, np.array([0.0, 0.0, 1.0]))
    perp /= np.linalg.norm(perp)
    _, _, alt = ecef_to_geodetic(tgt[None, None])
    pds = []
    for off in (29.0, 31.0):
        sun = np.cos(np.radians(off)) * los + np.sin(np.radians(off)) * perp
        pairs = _assess(np.ones((1, 1, 1), bool), SAT[None, None], tgt[None, None], alt, np.full((1, 1), 1e9), sun[None], _params())
        pds.append(float(pairs.pd[0]))
    assert pds[0] == 0.0 and pds[1] > 0.99
    hidden = _assess(np.ones((1, 1, 1), bool), SAT[None, None], tgt[None, None], alt, np.full((1, 1), 1e9), SUN_AWAY, _params())
    assert hidden.pd[0] > 0.99


def _pairs(snr: np.ndarray, n_t: int, background=LOOK_DOWN, sigma=1e-4) -> tuple[InfraredPairs, np.ndarray, np.ndarray]:
    """One satellite over the equator, len(snr) targets below it, every pair at every step."""
    n_n = snr.size
    t, n = np.meshgrid(np.arange(n_t), np.arange(n_n), indexing="ij")
    t, n = t.ravel(), n.ravel()
    k = len(t)
    pairs = InfraredPairs(t, np.zeros(k, int), n, np.full(k, 1e6), np.full(k, background, np.int8), np.ones(k),
                          snr[n], pd_gaussian(snr[n], 1e-8 if background == LOOK_DOWN else 1e-6), np.full(k, sigma))
    r_sat = np.broadcast_to(SAT, (n_t, 1, 3)).copy()
    r_tgt = np.broadcast_to(_on_equator(np.linspace(-0.01, 0.01, n_n), 40e3), (n_t, n_n, 3)).copy()
    return pairs, r_sat, r_tgt


def test_detection_rate_matches_closed_form_pd():
    """Per-frame detection rates of targets at SNR 3, 5.6 and 7 (look-down, Pfa 1e-8,
    k = 5.61): within 4 binomial sigma of Pd = Q(k - SNR) over 4,000 frames; every
    detection's measured SNR is at or above the threshold; no false alarms at
    Pfa x pixels = 0 (false alarms off)."""
    snr = np.array([3.0, 5.6, 7.0])
    pairs, r_sat, r_tgt = _pairs(snr, 4000)
    p = _params(false_alarms_per_frame=0.0)
    det = observe_infrared(pairs, np.ones((4000, 1), bool), r_sat, r_tgt, np.arange(4000.0), p, [np.random.default_rng(1)])
    assert np.all(det["truth_id"] >= 0)
    for i, pd in enumerate(pd_gaussian(snr, 1e-8)):
        hits = int(np.sum(det["truth_id"] == i))
        assert abs(hits - 4000 * pd) <= 4 * np.sqrt(4000 * pd * (1 - pd)) + 1
    assert det["snr"].min() >= q_inverse(1e-8)


def test_angle_noise_scales_with_the_measured_snr():
    """Detections' lines of sight deviate from the truth by an isotropic Gaussian angle of
    sigma = IFOV sqrt(f^2 + 1/SNR^2) at the detection's measured SNR: tangent-plane
    components divided by it have unit std within 4 % (4,000 draws) and zero mean, and
    R = sigma^2 (I - z z^T). A constant angle_noise_urad replaces it exactly."""
    pairs, r_sat, r_tgt = _pairs(np.array([8.0]), 4000)
    det = observe_infrared(pairs, np.ones((4000, 1), bool), r_sat, r_tgt, np.arange(4000.0), _params(false_alarms_per_frame=0.0), [np.random.default_rng(2)])
    sigma = centroid_sigma_rad(1e-3, det["snr"], 0.2)
    u_true = unit(r_tgt[det["t_s"].astype(int), 0] - SAT)
    e1, e2 = tangent_basis(u_true)
    a, b = np.sum(det["z"] * e1, axis=1) / sigma, np.sum(det["z"] * e2, axis=1) / sigma
    assert a.size > 3000 and a.std() == pytest.approx(1.0, rel=0.04) and b.std() == pytest.approx(1.0, rel=0.04)
    assert abs(a.mean()) < 4 / np.sqrt(a.size)
    np.testing.assert_allclose(det["R"], angles_covariance(det["z"], sigma), atol=1e-20)
    const, _, _ = _pairs(np.array([8.0]), 4000, sigma=5e-5)  # as assess_infrared sets it for a constant
    fixed = observe_infrared(const, np.ones((4000, 1), bool), r_sat, r_tgt, np.arange(4000.0),
                             _params(false_alarms_per_frame=0.0, sigma_rad=5e-5), [np.random.default_rng(2)])
    np.testing.assert_allclose(np.trace(fixed["R"], axis1=1, axis2=2), 2 * (5e-5) ** 2, rtol=1e-12)


def test_centroid_sigma_scaling():
    """sigma = IFOV sqrt(f^2 + 1/SNR^2): IFOV/SNR-limited when dim, floored at f IFOV when bright."""
    s = centroid_sigma_rad(1e-3, np.array([2.0, 5.0, 1e6]), 0.2)
    np.testing.assert_allclose(s, 1e-3 * np.sqrt(0.04 + np.array([0.25, 0.04, 1e-12])))


def test_staring_false_alarms_poisson_per_background():
    """A staring sensor with no target: per frame, Poisson(Pfa x pixels) false alarms in the
    Earth's disk (look-down, Pfa 1e-5) and in the ring between the disk and the edge of
    a 130 deg field of view (limb, Pfa 1e-4), pixel count = solid angle / IFOV^2; counts
    within 4 Poisson sigma over 200 frames; every look-down false alarm lies inside the
    disk and every limb one outside it; truth_id -1 and measured SNR above threshold."""
    n_t = 200
    p = _params(half_angle_rad=np.radians(65.0), fov_half_rad=np.radians(65.0), pfa=np.array([1e-5, 1e-4]))
    empty = InfraredPairs(*(np.zeros(0, dtype=int),) * 3, np.zeros(0), np.zeros(0, np.int8), *(np.zeros(0),) * 4)
    r_sat = np.broadcast_to(SAT, (n_t, 1, 3)).copy()
    det = observe_infrared(empty, np.ones((n_t, 1), bool), r_sat, np.zeros((n_t, 0, 3)), np.arange(float(n_t)), p, [np.random.default_rng(3)])
    rho = float(earth_angular_radius_rad(SAT))
    cos_off = np.sum(det["z"] * -unit(det["sensor_r_eci_m"]), axis=1)
    in_disk = cos_off >= np.cos(rho)
    for mask, lo, hi, pfa in ((in_disk, np.cos(rho), 1.0, 1e-5), (~in_disk, np.cos(np.radians(65.0)), np.cos(rho), 1e-4)):
        mean = n_t * pfa * 2 * np.pi * (hi - lo) / 1e-6
        assert abs(mask.sum() - mean) < 4 * np.sqrt(mean)
    assert cos_off.min() >= np.cos(np.radians(65.0)) - 1e-12
    assert np.all(det["truth_id"] == -1) and np.all(det["kind"] == ANGLES)
    assert np.all(det["snr"][in_disk] >= q_inverse(1e-5)) and np.all(det["snr"][~in_disk] >= q_inverse(1e-4))


def test_pointed_sensor_is_cued_to_the_brightest_targets():
    """A 4 deg medium-field sensor cued to 2 targets per frame among 4 (SNR 40, 30, 20, 10)
    detects only the two brightest; its false alarms (Pfa 1e-4) lie within 2 deg of the
    line of sight to a cued target."""
    snr = np.array([20.0, 40.0, 10.0, 30.0])
    pairs, r_sat, r_tgt = _pairs(snr, 300)
    p = _params(fov_half_rad=np.radians(2.0), max_targets=2, pfa=np.array([1e-4, 1e-4]))
    det = observe_infrared(pairs, np.ones((300, 1), bool), r_sat, r_tgt, np.arange(300.0), p, [np.random.default_rng(4)])
    assert set(det["truth_id"][det["truth_id"] >= 0].tolist()) == {1, 3}
    fa = det["truth_id"] < 0
    assert fa.sum() > 100
    to_cued = np.stack([unit(r_tgt[0, i] - SAT) for i in (1, 3)])
    cos_best = np.max(det["z"][fa] @ to_cued.T, axis=1)
    assert cos_best.min() >= np.cos(np.radians(2.0)) - 1e-12


def test_constant_overrides_and_frames():
    """The legacy constants replace the model: pd 0.7 gives a 0.7 detection rate whatever
    the SNR (4 binomial sigma, 3,000 trials); frames every 3rd step only; a constant
    false-alarm rate of 1.5 per frame gives 1.5 x frames within 4 Poisson sigma."""
    pairs, r_sat, r_tgt = _pairs(np.array([1.0]), 3000)
    frames = np.zeros((3000, 1), bool)
    frames[::3] = True
    p = _params(pd=0.7, false_alarms_per_frame=1.5)
    pairs = InfraredPairs(pairs.t, pairs.s, pairs.n, pairs.range_m, pairs.background, pairs.transmission, pairs.snr, np.full(3000, 0.7), pairs.sigma_rad)
    det = observe_infrared(pairs, frames, r_sat, r_tgt, np.arange(3000.0), p, [np.random.default_rng(5)])
    hits = int(np.sum(det["truth_id"] == 0))
    assert abs(hits - 700) < 4 * np.sqrt(1000 * 0.21)
    assert np.all(det["t_s"] % 3 == 0)
    n_fa = int(np.sum(det["truth_id"] < 0))
    assert abs(n_fa - 1500) < 4 * np.sqrt(1500)


def test_able_to_detect_uses_pd_min():
    """`able_to_detect` marks exactly the pairs whose Pd reaches the threshold."""
    pairs, _, _ = _pairs(np.array([3.0, 5.62, 9.0]), 2)
    able = able_to_detect(pairs, (2, 1, 3), 0.5)
    assert able[:, 0].tolist() == [[False, True, True]] * 2


def test_same_seeds_same_detections():
    """observe_infrared is a pure function of its inputs and generators."""
    pairs, r_sat, r_tgt = _pairs(np.array([6.0, 8.0]), 500)
    p = _params(pfa=np.array([1e-6, 1e-6]))
    a = observe_infrared(pairs, np.ones((500, 1), bool), r_sat, r_tgt, np.arange(500.0), p, [np.random.default_rng(6)])
    b = observe_infrared(pairs, np.ones((500, 1), bool), r_sat, r_tgt, np.arange(500.0), p, [np.random.default_rng(6)])
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = observe_infrared(pairs, np.ones((500, 1), bool), r_sat, r_tgt, np.arange(500.0), p, [np.random.default_rng(7)])
    assert not np.array_equal(a["z"][:20], c["z"][:20])


def test_perturb_direction_small_angle():
    """perturb_direction tilts u by sigma * |n| (for small angles, to 1e-6 relative) in the
    tangent plane, and leaves u unchanged for zero noise."""
    rng = np.random.default_rng(3)
    u = unit(rng.normal(size=(500, 3)))
    n = rng.normal(size=(500, 2))
    out = perturb_direction(u, np.full(500, 1e-6), n)
    tilt = np.linalg.norm(np.cross(u, out), axis=1)
    np.testing.assert_allclose(tilt, 1e-6 * np.linalg.norm(n, axis=1), rtol=1e-6)
    np.testing.assert_allclose(perturb_direction(u, np.zeros(500), n), u, atol=1e-15)
    e1, e2 = tangent_basis(u)
    np.testing.assert_allclose(np.cross(e1, e2), u, atol=1e-12)


def test_angles_covariance_shape_and_rank():
    """R = sigma^2 (I - u u^T) is symmetric, rank 2, with eigenvalues (0, sigma^2, sigma^2)."""
    u = unit(np.random.default_rng(5).normal(size=(10, 3)))
    r = angles_covariance(u, np.full(10, 3e-5))
    w = np.linalg.eigvalsh(r)
    np.testing.assert_allclose(w[:, 0], 0.0, atol=1e-24)
    np.testing.assert_allclose(w[:, 1:], 9e-10, rtol=1e-10)
