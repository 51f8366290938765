"""Track-to-track fusion rules, batched over many fusions at once.

Two estimates of one state, (x1, P1) and (x2, P2), with an unknown cross-covariance
(tracks that share a prior, process noise or measurements):

* **Covariance intersection** (Julier & Uhlmann 1997, Proc. American Control
  Conference, "A non-divergent estimation algorithm in the presence of unknown
  correlations"): P^-1 = w P1^-1 + (1 - w) P2^-1, x = P (w P1^-1 x1 + (1 - w) P2^-1 x2).
  For every w in [0, 1] and every cross-covariance the result is consistent
  (P >= E[e e^T]). w minimises det P (Hurley 2002, "An information theoretic
  justification for covariance intersection", ACC). With lambda_k the generalised
  eigenvalues of (P2, P1) (eigenvalues of P1^-1 P2),
  det(w Y1 + (1 - w) Y2) = det Y2 prod_k (1 + w (lambda_k - 1)), whose logarithm is
  concave in w: its derivative sum_k (lambda_k - 1) / (1 + w (lambda_k - 1)) decreases,
  and its root is found by bisection, vectorised over the batch.
  More than two estimates are fused pairwise, most precise first (sequential CI, Deng,
  Zhang, Gao & Qi 2012, Information Sciences 189), which stays consistent.
* **Fast CI** (improved fast CI, Franken & Hupper 2005, FUSION, after Niehsen 2002,
  FUSION, "Information fusion based on fast covariance intersection filtering"):
  closed-form weights for N estimates with information matrices Y_i and Y = sum Y_i,
  w_i = (det Y - det(Y - Y_i) + det Y_i) / (N det Y + sum_j (det Y_j - det(Y - Y_j))),
  non-negative and summing to one, so the result is a CI result (consistent) without
  an optimisation.
* **Information fusion** with common-information removal lives in
  `tracklayer.network.picture` (it needs each track's previous report).

Naive fusion that assumes independent errors, P^-1 = P1^-1 + P2^-1, is what CI
guards against: with correlated errors it is over-confident (tests show both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np


def symmetric(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def information(p: np.ndarray) -> np.ndarray:
    """Information matrices P^-1 (..., n, n), symmetrised."""
    return symmetric(np.linalg.inv(p))


def ci_weight(p1: np.ndarray, p2: np.ndarray, iterations: int = 60) -> np.ndarray:
    """The weight w of the first estimate that minimises det of the CI covariance.

    Parameters
    ----------
    p1, p2 : (B, n, n) positive definite covariances

    Returns
    -------
    (B,) weights in [0, 1]; 0.5 where P1 = P2 (every w gives the same covariance).
    """
    chol = np.linalg.cholesky(p1)
    a = np.linalg.solve(chol, p2)
    m = np.swapaxes(np.linalg.solve(chol, np.swapaxes(a, 1, 2)), 1, 2)
    c = np.linalg.eigvalsh(symmetric(m)) - 1.0  # lambda_k - 1, (B, n)
    slope = lambda w: np.sum(c / (1.0 + w[:, None] * c), axis=1)  # noqa: E731
    b = c.shape[0]
    lo, hi = np.zeros(b), np.ones(b)
    d0, d1 = slope(lo), slope(hi)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        up = slope(mid) > 0.0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    w = 0.5 * (lo + hi)
    w = np.where(d0 <= 0.0, 0.0, np.where(d1 >= 0.0, 1.0, w))
    return np.where((d0 <= 0.0) & (d1 >= 0.0), 0.5, w)


def covariance_intersection(x1: np.ndarray, p1: np.ndarray, x2: np.ndarray, p2: np.ndarray, w: np.ndarray | None = None):
    """CI of (x1, P1) and (x2, P2), batched: (B, n), (B, n, n) each.

    ``w`` (B,): weight of the first estimate; default the determinant-minimising one.
    Returns x (B, n), P (B, n, n), w (B,).
    """
    if w is None:
        w = ci_weight(p1, p2)
    y1, y2 = information(p1), information(p2)
    y = w[:, None, None] * y1 + (1.0 - w)[:, None, None] * y2
    p = symmetric(np.linalg.inv(y))
    v = w[:, None] * np.einsum("bij,bj->bi", y1, x1) + (1.0 - w)[:, None] * np.einsum("bij,bj->bi", y2, x2)
    return np.einsum("bij,bj->bi", p, v), p, w


def sequential_ci(x: np.ndarray, p: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """CI of every group's members, pairwise, most precise (smallest trace) first.

    Parameters
    ----------
    x, p : (M, n), (M, n, n) member estimates
    group : (M,) group index in [0, n_groups) of each member

    Returns
    -------
    x, p : (G, n), (G, n, n) per group (groups without members: NaN)
    """
    order = np.lexsort((np.trace(p, axis1=1, axis2=2), group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    rank = np.arange(g.size) - np.maximum.accumulate(np.where(first, np.arange(g.size), 0))
    out_x = np.full((n_groups, x.shape[1]), np.nan)
    out_p = np.full((n_groups,) + p.shape[1:], np.nan)
    out_x[g[first]] = x[order[first]]
    out_p[g[first]] = p[order[first]]
    for r in range(1, int(rank.max(initial=0)) + 1):
        sel = rank == r
        gg = g[sel]
        fx, fp, _ = covariance_intersection(out_x[gg], out_p[gg], x[order[sel]], p[order[sel]])
        out_x[gg], out_p[gg] = fx, fp
    return out_x, out_p


def fast_ci_weights(y: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Improved fast-CI weights (Franken & Hupper 2005) of every member of its group.

    Parameters
    ----------
    y : (M, n, n) information matrices of the members
    group : (M,) group index of each member

    Returns
    -------
    (M,) weights, summing to one within each group (1 for a lone member).
    """
    total = np.zeros((n_groups,) + y.shape[1:])
    np.add.at(total, group, y)
    sign_t, log_t = np.linalg.slogdet(total[group])
    sign_o, log_o = np.linalg.slogdet(total[group] - y)  # the other members' information
    sign_i, log_i = np.linalg.slogdet(y)
    r = np.where(sign_o > 0, np.exp(log_o - log_t), 0.0)  # det(Y - Y_i) / det Y
    s = np.where(sign_i > 0, np.exp(log_i - log_t), 0.0)  # det Y_i / det Y
    count = np.bincount(group, minlength=n_groups)[group]
    denom = np.zeros(n_groups)
    np.add.at(denom, group, s - r)
    return (1.0 - r + s) / (count + denom[group])


def weighted_fusion(x: np.ndarray, y: np.ndarray, w: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """P_g = (sum w_i Y_i)^-1, x_g = P_g sum w_i Y_i x_i over each group's members."""
    info = np.zeros((n_groups,) + y.shape[1:])
    vec = np.zeros((n_groups, x.shape[1]))
    np.add.at(info, group, w[:, None, None] * y)
    np.add.at(vec, group, w[:, None] * np.einsum("mij,mj->mi", y, x))
    p = symmetric(np.linalg.inv(info))
    return np.einsum("gij,gj->gi", p, vec), p


def fast_ci(x: np.ndarray, p: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Fast CI of every group's members at once (weights by `fast_ci_weights`)."""
    y = information(p)
    return weighted_fusion(x, y, fast_ci_weights(y, group, n_groups), group, n_groups)


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint64 (SWAR; NumPy >= 1.26 has no bit count)."""
    v = np.asarray(masks, dtype=np.uint64)
    v = v - ((v >> np.uint64(1)) & np.uint64(0x5555555555555555))
    v = (v & np.uint64(0x3333333333333333)) + ((v >> np.uint64(2)) & np.uint64(0x3333333333333333))
    v = (v + (v >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((v * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


def group_or(masks: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Bitwise OR of the uint64 masks of each group's members (G,)."""
    out = np.zeros(n_groups, dtype=np.uint64)
    np.bitwise_or.at(out, group, np.asarray(masks, dtype=np.uint64))
    return out


def information_sum(x: np.ndarray, p: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Information fusion of independent estimates, P_g^-1 = sum P_i^-1, of every group
    at once: the memoryless core of the ``information`` rule, whose picture removes the
    common information of each input's previous report (`tracklayer.network.picture`)."""
    return weighted_fusion(x, information(p), np.ones(group.size), group, n_groups)


@dataclass(frozen=True)
class FusionRule:
    """A track-to-track fusion rule.

    ``fuse(x, p, group, n_groups) -> (x, p)``: every group's member estimates (M, n),
    (M, n, n) fused into one per group (G, n), (G, n, n), as `sequential_ci`.
    ``unknown_correlation``: consistent whatever the members' cross-covariance (a CI
    rule); otherwise the rule assumes independent inputs and
    ``removes_common_information`` says that the picture subtracts what an input
    already contributed (its previous report) before fusing.
    """

    fuse: Callable[[np.ndarray, np.ndarray, np.ndarray, int], tuple[np.ndarray, np.ndarray]]
    unknown_correlation: bool
    removes_common_information: bool = False


FUSION_RULES: Mapping[str, FusionRule] = MappingProxyType({
    "ci": FusionRule(sequential_ci, unknown_correlation=True),
    "fast_ci": FusionRule(fast_ci, unknown_correlation=True),
    "information": FusionRule(information_sum, unknown_correlation=False, removes_common_information=True),
})
"""Fusion rule name (a node's ``fusion.method``; descriptions in
`tracklayer.scenario.choices.FUSION_RULES`) -> `FusionRule`:

``ci``           `sequential_ci`: covariance intersection, pairwise, most precise first
``fast_ci``      `fast_ci`: improved fast CI weights, all members at once
``information``  `information_sum` with common-information removal in the picture
                 (falls back to CI for a fused track whose members share a sensor)
"""
