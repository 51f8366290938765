"""Global nearest neighbour: the augmented assignment against brute-force enumeration of
every partial one-to-one assignment, on small random problems."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import chi2

from tracklayer.tracking.association import gate_threshold, gnn


def _brute_force(cost, gated, miss):
    """Minimum over all partial matchings of gated pairs of
    sum(pair costs) + miss * (unassigned tracks + unassigned detections)."""
    m, d = cost.shape
    best = miss * (m + d)
    for k in range(1, min(m, d) + 1):
        for rows in itertools.combinations(range(m), k):
            for cols in itertools.permutations(range(d), k):
                if all(gated[i, j] for i, j in zip(rows, cols)):
                    total = sum(cost[i, j] for i, j in zip(rows, cols)) + miss * (m + d - 2 * k)
                    best = min(best, total)
    return best


@st.composite
def problems(draw):
    m = draw(st.integers(0, 4))
    d = draw(st.integers(0, 5))
    cost = draw(arrays(np.float64, (m, d), elements=st.floats(0.0, 30.0)))
    gated = draw(arrays(np.bool_, (m, d)))
    miss = draw(st.floats(0.5, 15.0))
    return cost, gated, miss


def _total(cost, gated, miss, rows, cols):
    m, d = cost.shape
    return cost[rows, cols].sum() + miss * (m + d - 2 * len(rows))


@given(problems())
def test_gnn_is_optimal_vs_brute_force(problem):
    """gnn's assignment is one-to-one, uses only gated pairs, and its total cost (pairs plus
    miss_cost per unassigned track and detection) equals the brute-force optimum to 1e-9."""
    cost, gated, miss = problem
    rows, cols = gnn(cost, gated, miss)
    assert len(set(rows.tolist())) == len(rows) and len(set(cols.tolist())) == len(cols)
    assert np.all(gated[rows, cols])
    assert abs(_total(cost, gated, miss, rows, cols) - _brute_force(cost, gated, miss)) < 1e-9


@given(problems())
def test_gnn_only_pairs_cheaper_than_two_misses(problem):
    """A chosen pair never costs more than leaving both its track and detection out
    (cost <= 2 * miss_cost)."""
    cost, gated, miss = problem
    rows, cols = gnn(cost, gated, miss)
    assert np.all(cost[rows, cols] <= 2 * miss + 1e-12)


def test_gnn_hand_case_prefers_global_optimum():
    """Two tracks competing for one close detection: the greedy choice (track 0 -> det 0,
    cost 1) forces track 1 onto det 1 (cost 9), total 10; the optimum swaps them
    (2 + 3 = 5)."""
    cost = np.array([[1.0, 3.0], [2.0, 9.0]])
    rows, cols = gnn(cost, np.ones((2, 2), bool), miss_cost=10.0)
    assert sorted(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 0)]


def test_gnn_empty_and_ungated():
    """No tracks, no detections or nothing gated: empty integer index arrays."""
    for cost, gated in [(np.zeros((0, 3)), np.zeros((0, 3), bool)), (np.zeros((2, 0)), np.zeros((2, 0), bool)), (np.ones((2, 2)), np.zeros((2, 2), bool))]:
        rows, cols = gnn(cost, gated, 1.0)
        assert rows.size == cols.size == 0 and rows.dtype.kind == "i"


@pytest.mark.parametrize("p, dim, value", [(0.99, 2, 9.2103), (0.99, 3, 11.3449), (0.95, 3, 7.8147)])
def test_gate_threshold_chi_square_table(p, dim, value):
    """Chi-square quantiles from the standard table (e.g. Bar-Shalom, Li & Kirubarajan 2001,
    Table 1.5.4-1 style values): 9.2103 (99 %, 2 dof), 11.3449 (99 %, 3 dof), 7.8147
    (95 %, 3 dof), to 1e-4."""
    assert gate_threshold(p, dim) == pytest.approx(value, abs=1e-4)
    assert gate_threshold(p, dim) == pytest.approx(chi2.ppf(p, dim))
