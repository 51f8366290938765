"""Contract tests over every registered fusion rule (`tracklayer.network.fusion.FUSION_RULES`)."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.network.fusion import FUSION_RULES


@pytest.fixture(params=list(FUSION_RULES))
def rule(request):
    return FUSION_RULES[request.param]


def _estimates(m: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """m random 6-D estimates with well-conditioned, differently shaped covariances."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, 6, 6)) * np.r_[np.full(3, 300.0), np.full(3, 20.0)][:, None]
    p = a @ np.swapaxes(a, 1, 2) / 6 + np.diag(np.r_[np.full(3, 100.0), np.full(3, 1.0)])
    x = rng.normal(size=(m, 6)) * np.r_[np.full(3, 100.0), np.full(3, 5.0)]
    return x, p


def test_fused_covariance_is_symmetric_positive_definite(rule):
    x, p = _estimates(9)
    group = np.array([0, 0, 1, 1, 1, 2, 3, 3, 3])
    fx, fp = rule.fuse(x, p, group, 4)
    assert fx.shape == (4, 6) and fp.shape == (4, 6, 6)
    np.testing.assert_allclose(fp, np.swapaxes(fp, 1, 2), rtol=1e-12, atol=0)
    assert (np.linalg.eigvalsh(fp).min(axis=1) > 0).all()
    # a lone member comes back as it was
    np.testing.assert_allclose(fx[2], x[5], rtol=1e-9)
    np.testing.assert_allclose(fp[2], p[5], rtol=1e-9)


def test_fusing_a_track_with_itself(rule):
    """A CI rule returns the track unchanged (consistent whatever the correlation); a
    rule that assumes independent inputs keeps the mean and halves the covariance,
    which is why the picture removes the common information before it fuses."""
    x, p = _estimates(3)
    xx, pp = np.repeat(x, 2, axis=0), np.repeat(p, 2, axis=0)
    fx, fp = rule.fuse(xx, pp, np.repeat(np.arange(3), 2), 3)
    np.testing.assert_allclose(fx, x, rtol=1e-8, atol=1e-8)
    if rule.unknown_correlation:
        np.testing.assert_allclose(fp, p, rtol=1e-8)
    else:
        assert rule.removes_common_information
        np.testing.assert_allclose(fp, p / 2, rtol=1e-8)


def _gains(rule, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K1, K2 of a rule linear in the means, x = K1 x1 + K2 x2, read off by fusing unit vectors."""
    group = np.zeros(2, np.int64)
    k1 = np.stack([rule.fuse(np.stack([e, np.zeros(6)]), p, group, 1)[0][0] for e in np.eye(6)], axis=1)
    k2 = np.stack([rule.fuse(np.stack([np.zeros(6), e]), p, group, 1)[0][0] for e in np.eye(6)], axis=1)
    return k1, k2


@pytest.mark.parametrize("seed", range(3))
def test_consistency_with_a_shared_error(rule, seed):
    """Errors e1 = e + d1, e2 = e + d2 with e common (covariance P_e) and d1, d2
    independent: the fused error e + K1 d1 + K2 d2 has covariance
    P_e + K1 D1 K1^T + K2 D2 K2^T. A CI rule's P covers it; the information sum,
    which assumes independence, claims less (it needs the common information removed)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(3, 6, 6)) * 10.0
    p_e, d1, d2 = a @ np.swapaxes(a, 1, 2)
    p = np.stack([p_e + d1, p_e + d2])
    fx, fp = rule.fuse(np.zeros((2, 6)), p, np.zeros(2, np.int64), 1)
    k1, k2 = _gains(rule, p)
    np.testing.assert_allclose(k1 + k2, np.eye(6), atol=1e-8)
    actual = p_e + k1 @ d1 @ k1.T + k2 @ d2 @ k2.T
    margin = np.linalg.eigvalsh(fp[0] - actual).min() / np.linalg.eigvalsh(actual).max()
    if rule.unknown_correlation:
        assert margin >= -1e-9
    else:
        assert margin < 0


@pytest.mark.parametrize("seed", range(3))
def test_member_order_does_not_matter(rule, seed):
    x, p = _estimates(7, seed)
    group = np.array([0, 1, 0, 1, 0, 1, 1])
    fx, fp = rule.fuse(x, p, group, 2)
    perm = np.random.default_rng(seed).permutation(7)
    gx, gp = rule.fuse(x[perm], p[perm], group[perm], 2)
    np.testing.assert_allclose(gx, fx, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(gp, fp, rtol=1e-9)


def test_ci_rules_are_never_tighter_than_the_information_sum():
    """Independence gives the smallest covariance any rule may claim; CI rules, which
    allow for any correlation, are at least as wide."""
    x, p = _estimates(4, seed=9)
    group = np.zeros(4, np.int64)
    _, tight = FUSION_RULES["information"].fuse(x, p, group, 1)
    for name, rule in FUSION_RULES.items():
        if rule.unknown_correlation:
            _, fp = rule.fuse(x, p, group, 1)
            assert np.linalg.eigvalsh(fp[0] - tight[0]).min() >= -1e-9, name
