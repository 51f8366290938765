"""Contract tests over every registered motion model, filter and associator
(`tracklayer.tracking.registry`): a new entry is tested here without a new test."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pydantic import TypeAdapter

from tracklayer.scenario.schema import Motion, Tracker
from tracklayer.tracking.motion_models import propagate_and_transition
from tracklayer.tracking.registry import ASSOCIATORS, FILTERS, MOTION_MODELS

MOTION_SPECS = [{"model": name} for name in MOTION_MODELS] + [{"model": "ballistic", "drag": True}]


@pytest.fixture(params=MOTION_SPECS, ids=lambda spec: "-".join(map(str, spec.values())))
def motion(request):
    """Every registered motion model, built from its scenario spec's defaults."""
    spec = TypeAdapter(Motion).validate_python(request.param)
    return MOTION_MODELS[spec.model](spec)


def _states(model, n: int = 4) -> np.ndarray:
    """Glide-like states at 40-80 km altitude, 2-3 km/s, plus the model's prior extras."""
    rng = np.random.default_rng(7)
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = u * (6.378e6 + rng.uniform(40e3, 80e3, (n, 1)))
    v = np.cross(u, rng.normal(size=(n, 3)))
    v *= rng.uniform(2e3, 3e3, (n, 1)) / np.linalg.norm(v, axis=1, keepdims=True)
    mean, var = model.initial_extra()
    extra = mean + np.sqrt(var) * 0.1 * rng.normal(size=(n, mean.size))
    return np.concatenate([r, v, extra], axis=1)


def test_shapes_of_transition_and_noise(motion):
    x = _states(motion)
    n = motion.ndim
    assert x.shape[1] == n
    assert motion.propagate(x, 5.0).shape == x.shape
    assert motion.transition(x, 5.0).shape == (x.shape[0], n, n)
    q = motion.noise(x, 5.0)
    assert q.shape == (n, n)
    np.testing.assert_allclose(q, q.T, rtol=0, atol=1e-12 * np.abs(q).max())
    assert np.linalg.eigvalsh(q).min() >= -1e-9 * np.abs(q).max()


def test_transition_is_the_jacobian_of_propagate(motion):
    """F from the model against central differences of its own propagation."""
    x = _states(motion, 2)
    dt = 5.0
    f = motion.transition(x, dt)
    scale = np.r_[np.full(3, 1.0), np.full(3, 1e-2), np.full(motion.ndim - 6, 1e-4 if motion.ndim == 7 else 1e-3)]
    numeric = np.empty_like(f)
    for k in range(motion.ndim):
        step = np.zeros(motion.ndim)
        step[k] = scale[k]
        numeric[:, :, k] = (motion.propagate(x + step, dt) - motion.propagate(x - step, dt)) / (2 * scale[k])
    np.testing.assert_allclose(f, numeric, rtol=1e-4, atol=1e-6 * np.abs(numeric).max())
    x_both, f_both = propagate_and_transition(motion, x, dt)
    np.testing.assert_allclose(x_both, motion.propagate(x, dt), rtol=1e-12, atol=1e-6)


@pytest.fixture(params=list(FILTERS))
def filt(request):
    return FILTERS[request.param](Tracker().ukf)


def test_predict_keeps_the_covariance_symmetric_psd(motion, filt):
    x = _states(motion)
    n = motion.ndim
    rng = np.random.default_rng(3)
    sigma = np.r_[np.full(3, 100.0), np.full(3, 10.0), 0.1 * np.sqrt(motion.initial_extra()[1])]
    a = rng.normal(size=(x.shape[0], n, n)) * sigma[:, None] / np.sqrt(n)
    p = a @ np.swapaxes(a, 1, 2) + np.diag(sigma**2) * 1e-3
    x1, p1 = filt.predict(motion, x, p, 10.0)
    assert x1.shape == x.shape and p1.shape == p.shape
    np.testing.assert_array_equal(p1, np.swapaxes(p1, 1, 2))
    assert (np.linalg.eigvalsh(p1).min(axis=1) > 0).all()
    # the mean moves as the model propagates it (to second order for sigma-point filters)
    np.testing.assert_allclose(x1[:, :3], motion.propagate(x, 10.0)[:, :3], rtol=0, atol=5.0)


# --------------------------------------------------------------------------- associators


@pytest.fixture(params=list(ASSOCIATORS))
def associator(request):
    return ASSOCIATORS[request.param]


def _small_case(seed: int):
    """3 tracks, 4 detections, a random gate graph (sorted by track) and weights."""
    rng = np.random.default_rng(seed)
    gated = rng.random((3, 4)) < 0.6
    pi, pj = np.nonzero(gated)
    w = rng.uniform(0.05, 5.0, pi.size)
    w0 = rng.uniform(0.05, 1.0, 3)
    return pi.astype(np.int64), pj.astype(np.int64), w, w0


def _events(pi, pj, n_tracks):
    """Every feasible joint event: per track a pair index or -1, detections used once."""
    options = [[-1] + list(np.nonzero(pi == t)[0]) for t in range(n_tracks)]
    for event in itertools.product(*options):
        used = [pj[k] for k in event if k >= 0]
        if len(used) == len(set(used)):
            yield event


def _brute_force(pi, pj, w, w0, n_tracks):
    beta, beta0 = np.zeros(pi.size), np.zeros(n_tracks)
    best, best_weight = None, -1.0
    for event in _events(pi, pj, n_tracks):
        weight = np.prod([w[k] if k >= 0 else w0[t] for t, k in enumerate(event)])
        for t, k in enumerate(event):
            if k >= 0:
                beta[k] += weight
            else:
                beta0[t] += weight
        if weight > best_weight:
            best, best_weight = event, weight
    total = beta0 + np.bincount(pi, beta, minlength=n_tracks)
    return beta / total[pi], beta0 / total, best


@pytest.mark.parametrize("seed", range(6))
def test_associator_gives_valid_weights_and_agrees_with_brute_force(associator, seed):
    pi, pj, w, w0 = _small_case(seed)
    beta, beta0 = associator.weights(3, 4, pi, pj, w, w0)
    assert beta.shape == pi.shape and beta0.shape == (3,)
    assert ((beta >= -1e-12) & (beta <= 1 + 1e-12)).all()
    np.testing.assert_allclose(beta0 + np.bincount(pi, beta, minlength=3), 1.0, atol=1e-9)
    assert (np.bincount(pj, beta, minlength=4) <= 1 + 1e-9).all()
    marginals, marginals0, best = _brute_force(pi, pj, w, w0, 3)
    if associator.hard:
        chosen = np.zeros(pi.size)
        chosen[[k for k in best if k >= 0]] = 1.0
        np.testing.assert_array_equal(beta, chosen)
    else:
        np.testing.assert_allclose(beta, marginals, atol=1e-9)
        np.testing.assert_allclose(beta0, marginals0, atol=1e-9)
