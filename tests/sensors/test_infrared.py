"""Space infrared sensors: frame timing, detection probability, angular noise, false alarms
(rates against binomial / Poisson bounds) and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.sensors import ANGLES
from tracklayer.sensors.infrared import InfraredParams, frame_mask, observe_infrared
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


def _setup(n_t=3000, n_n=2, pd=(0.7, 0.95), sigma=(50e-6, 200e-6), fa=(0.0, 0.0), half_deg=60.0):
    """Two satellites at 1,000 km above the equator looking at targets below them."""
    s = len(pd)
    sat = np.array([[WGS84_A_M + 1000e3, 0.0, 0.0], [0.0, WGS84_A_M + 1000e3, 0.0]])[:s]
    r_sat = np.broadcast_to(sat, (n_t, s, 3)).copy()
    tgt = np.array([[WGS84_A_M + 40e3, 300e3, 200e3], [200e3, WGS84_A_M + 30e3, -100e3]])[:n_n]
    r_tgt = np.broadcast_to(tgt, (n_t, n_n, 3)).copy()
    params = InfraredParams(
        half_angle_rad=np.full(s, np.radians(half_deg)),
        max_range_m=np.full(s, 5000e3),
        grazing_m=np.zeros(s),
        min_target_alt_m=np.zeros(s),
        sigma_rad=np.array(sigma[:s]),
        pd=np.array(pd),
        revisit_s=np.ones(s),
        false_alarms_per_frame=np.array(fa[:s]),
    )
    access = np.ones((n_t, s, n_n), dtype=bool)
    frames = np.ones((n_t, s), dtype=bool)
    return access, frames, r_sat, r_tgt, np.arange(n_t, dtype=float), params


def _observe(setup, seeds=(1, 2)):
    access, frames, r_sat, r_tgt, t_s, params = setup
    return observe_infrared(access, frames, r_sat, r_tgt, t_s, params, [np.random.default_rng(s) for s in seeds])


def test_detection_rate_matches_pd():
    """Detections per (frame, target) pair with access: 0.7 and 0.95 within 4 binomial sigma
    (6,000 trials each)."""
    setup = _setup()
    det = _observe(setup)
    for s, pd in enumerate((0.7, 0.95)):
        n = 3000 * 2
        k = np.sum((det["sensor_id"] == s) & (det["truth_id"] >= 0))
        assert abs(k - pd * n) < 4 * np.sqrt(n * pd * (1 - pd))


def test_no_detection_without_access_or_frame():
    """Pairs without access, and steps without a frame, never produce a detection."""
    access, frames, r_sat, r_tgt, t_s, params = _setup(pd=(1.0, 1.0))
    access[:, 0, 1] = False
    frames[::2, 1] = False
    det = observe_infrared(access, frames, r_sat, r_tgt, t_s, params, [np.random.default_rng(1), np.random.default_rng(2)])
    s0 = det["sensor_id"] == 0
    assert np.all(det["truth_id"][s0] == 0) and s0.sum() == 3000
    s1 = det["sensor_id"] == 1
    assert np.all(det["t_s"][s1] % 2 == 1) and s1.sum() == 2 * 1500


def test_angle_noise_has_configured_sigma():
    """The measured line of sight deviates from the true one by an isotropic Gaussian angle:
    each tangent-plane component has std sigma (to 4 %, ~4 sigma of a sample std over
    ~4,000 draws), the components are uncorrelated (|r| < 0.07), and the measurement is a
    unit vector whose covariance R = sigma^2 (I - u u^T) is annihilated by u."""
    setup = _setup(pd=(1.0, 1.0))
    _, _, r_sat, r_tgt, _, params = setup
    det = _observe(setup)
    for s, sigma in enumerate((50e-6, 200e-6)):
        sel = det["sensor_id"] == s
        ti = (det["t_s"][sel]).astype(int)
        ni = det["truth_id"][sel]
        u_true = unit(r_tgt[ti, ni] - r_sat[ti, s])
        u = det["z"][sel]
        np.testing.assert_allclose(np.linalg.norm(u, axis=1), 1.0, atol=1e-12)
        e1, e2 = tangent_basis(u_true)
        a, b = np.sum(u * e1, axis=1), np.sum(u * e2, axis=1)
        assert a.std() == pytest.approx(sigma, rel=0.04) and b.std() == pytest.approx(sigma, rel=0.04)
        assert abs(np.corrcoef(a, b)[0, 1]) < 0.07
        assert abs(a.mean()) < 4 * sigma / np.sqrt(a.size)
        r = det["R"][sel]
        np.testing.assert_allclose(np.einsum("nij,nj->ni", r, u), 0.0, atol=1e-20)
        np.testing.assert_allclose(np.trace(r, axis1=1, axis2=2), 2 * sigma**2, rtol=1e-12)


def test_perturb_direction_small_angle():
    """perturb_direction tilts u by sigma * |n| (for small angles, to 1e-9 relative) in the
    tangent plane, and leaves u unchanged for zero noise."""
    rng = np.random.default_rng(3)
    u = unit(rng.normal(size=(500, 3)))
    n = rng.normal(size=(500, 2))
    out = perturb_direction(u, np.full(500, 1e-6), n)
    angle = np.arccos(np.clip(np.sum(out * u, axis=1), -1, 1))
    tilt = np.linalg.norm(np.cross(u, out), axis=1)  # sin(angle), accurate for tiny angles
    np.testing.assert_allclose(tilt, 1e-6 * np.linalg.norm(n, axis=1), rtol=1e-6)
    assert angle.max() < 1e-5
    np.testing.assert_allclose(perturb_direction(u, np.zeros(500), n), u, atol=1e-15)
    e1, e2 = tangent_basis(u)
    np.testing.assert_allclose(np.cross(e1, e2), u, atol=1e-12)


def test_false_alarms_poisson_and_inside_field_of_regard():
    """With no access and lambda = 2.5 false alarms per frame over 3,000 frames: the count is
    within 4 Poisson sigma of 7,500; every false alarm has truth_id -1, kind 'angles', lies
    inside the 60 deg half-angle field of regard about nadir, and the directions are
    uniform in solid angle over it (mean cos(off-nadir) = (1 + cos 60)/2 = 0.75 within 4
    sigma)."""
    access, frames, r_sat, r_tgt, t_s, params = _setup(pd=(0.0,), sigma=(1e-4,), fa=(2.5,))
    access[:] = False
    det = observe_infrared(access, frames, r_sat, r_tgt, t_s, params, [np.random.default_rng(9)])
    n = det["t_s"].size
    assert abs(n - 7500) < 4 * np.sqrt(7500)
    assert np.all(det["truth_id"] == -1) and np.all(det["kind"] == ANGLES)
    nadir = -unit(det["sensor_r_eci_m"])
    cos_off = np.sum(det["z"] * nadir, axis=1)
    assert cos_off.min() >= np.cos(np.radians(60.0)) - 1e-12
    var = (1 - 0.5) ** 2 / 12  # cos(off) ~ U(0.5, 1)
    assert abs(cos_off.mean() - 0.75) < 4 * np.sqrt(var / n)


def test_false_alarms_only_on_frames():
    """False alarms appear only at frame times (every 4th step here)."""
    access, frames, r_sat, r_tgt, t_s, params = _setup(n_t=400, pd=(0.0,), sigma=(1e-4,), fa=(3.0,))
    frames[:] = False
    frames[::4] = True
    det = observe_infrared(access, frames, r_sat, r_tgt, t_s, params, [np.random.default_rng(4)])
    assert det["t_s"].size > 0 and np.all(det["t_s"] % 4 == 0)


def test_same_seeds_same_detections_different_seeds_differ():
    """observe_infrared is a pure function of its inputs and generators: equal seeds give
    bit-identical columns, another seed for one sensor changes only that sensor's rows."""
    setup = _setup(fa=(0.5, 0.5))
    a = _observe(setup, (1, 2))
    b = _observe(setup, (1, 2))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = _observe(setup, (1, 3))
    s0a, s0c = a["sensor_id"] == 0, c["sensor_id"] == 0
    np.testing.assert_array_equal(a["z"][s0a], c["z"][s0c])
    assert not np.array_equal(a["t_s"][~s0a], c["t_s"][~s0c]) or not np.array_equal(a["z"][~s0a], c["z"][~s0c])


def test_angles_covariance_shape_and_rank():
    """R = sigma^2 (I - u u^T) is symmetric, rank 2, with eigenvalues (0, sigma^2, sigma^2)."""
    u = unit(np.random.default_rng(5).normal(size=(10, 3)))
    r = angles_covariance(u, np.full(10, 3e-5))
    w = np.linalg.eigvalsh(r)
    np.testing.assert_allclose(w[:, 0], 0.0, atol=1e-24)
    np.testing.assert_allclose(w[:, 1:], 9e-10, rtol=1e-10)
