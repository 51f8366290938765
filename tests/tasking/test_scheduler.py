"""The tasking scheduler against a brute-force enumeration of every assignment, frame
by frame and over several frames; slew and priority arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.tasking.scheduler import (
    schedule_frame,
    schedule_frame_brute_force,
    slew_reachable,
    slew_towards,
    track_priority,
)


def _total(weight, sensor):
    j = np.nonzero(sensor >= 0)[0]
    return float(weight[sensor[j], j].sum())


def _feasible(sensor, reachable, capacity):
    j = np.nonzero(sensor >= 0)[0]
    return bool(np.all(reachable[sensor[j], j])) and bool(np.all(np.bincount(sensor[j], minlength=len(capacity)) <= capacity))


@pytest.mark.parametrize("case", range(200))
def test_one_frame_matches_brute_force(case):
    rng = np.random.default_rng(case)
    n_s, n_j = rng.integers(1, 3), rng.integers(0, 5)
    weight = rng.uniform(0.1, 10.0, (n_s, n_j))
    reachable = rng.random((n_s, n_j)) < 0.7
    capacity = rng.integers(0, 3, n_s)
    fast = schedule_frame(weight, reachable, capacity)
    brute = schedule_frame_brute_force(weight, reachable, capacity)
    assert _feasible(fast, reachable, capacity)
    assert _total(weight, fast) == pytest.approx(_total(weight, brute), rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(fast, brute)  # continuous random weights: one optimum


def test_a_low_priority_track_gives_way_to_two_that_only_one_sensor_reaches():
    # Sensor 0 reaches all three tracks with one look, sensor 1 only track 0; greedy by
    # priority would give track 0 to sensor 0 and leave sensor 1 idle.
    weight = np.array([[5.0, 4.0, 1.0], [5.0, 4.0, 1.0]])
    reachable = np.array([[True, True, True], [True, False, False]])
    sensor = schedule_frame(weight, reachable, np.array([1, 1]))
    np.testing.assert_array_equal(sensor, [1, 0, -1])
    np.testing.assert_array_equal(sensor, schedule_frame_brute_force(weight, reachable, np.array([1, 1])))


def _simulate(solve, rng, n_frames=5, n_s=2, n_j=4):
    """A few frames of the cueing loop on random geometry: tracks drift, sensors slew,
    priorities age; returns the looks (frame, sensor, track)."""
    los = np.tile([0.0, 0.0, 1.0], (n_s, 1))
    direction = rng.normal(size=(n_j, 3)) * 0.05 + [0.0, 0.0, 1.0]
    drift = rng.normal(size=(n_j, 3)) * 0.01
    rate, dwell, frame = np.full(n_s, 0.06), np.full(n_s, 0.2), np.full(n_s, 1.0)
    capacity = rng.integers(1, 3, n_s)
    last = np.full(n_j, np.nan)
    alt = rng.uniform(50e3, 500e3, n_j)
    looks = []
    for k in range(n_frames):
        u = direction + k * drift
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        los_to = np.broadcast_to(u, (n_s, n_j, 3))
        reach = slew_reachable(los, los_to, rate, dwell, frame)
        never = np.isnan(last)
        age = np.where(never, 0.0, k - last)
        # a small random tie-break, as the slew cosine in the run: one optimum per frame
        weight = track_priority(age, never, alt, 1.0, 4.0, 100e3)[None] * (1.0 + 1e-3 * rng.random((n_s, n_j)))
        sensor = solve(weight, reach, capacity)
        for j in np.nonzero(sensor >= 0)[0]:
            looks.append((k, int(sensor[j]), int(j)))
            los[sensor[j]] = u[j]
            last[j] = k
    return looks


@pytest.mark.parametrize("case", range(30))
def test_acquisitions_over_several_frames_match_brute_force(case):
    fast = _simulate(schedule_frame, np.random.default_rng(case))
    brute = _simulate(schedule_frame_brute_force, np.random.default_rng(case))
    assert fast == brute


def test_the_several_frame_cases_do_look():
    looks = [len(_simulate(schedule_frame, np.random.default_rng(case))) for case in range(30)]
    assert sum(n > 0 for n in looks) >= 20 and max(looks) >= 8


def test_slew_reachable_is_angle_over_rate_plus_dwell():
    los = np.array([[0.0, 0.0, 1.0]])
    angle = np.deg2rad([1.0, 3.9, 4.1])
    to = np.stack([np.sin(angle), np.zeros(3), np.cos(angle)], axis=1)[None]
    # 4 deg reachable at 5 deg/s in a 1 s frame with 0.2 s dwell
    got = slew_reachable(los, to, np.array([np.deg2rad(5.0)]), np.array([0.2]), np.array([1.0]))
    np.testing.assert_array_equal(got, [[True, True, False]])


def test_slew_towards_turns_by_at_most_the_angle_given():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    mid = slew_towards(a, b, np.deg2rad(30.0))
    assert np.degrees(np.arccos(mid @ a)) == pytest.approx(30.0)
    assert np.degrees(np.arccos(mid @ b)) == pytest.approx(60.0)
    np.testing.assert_allclose(slew_towards(a, b, np.deg2rad(120.0)), b)


def test_priority_ages_and_favours_new_and_low_tracks():
    p = track_priority(np.array([0.0, 4.0, 4.0, 4.0]), np.array([False, False, True, False]), np.array([200e3, 200e3, 200e3, 50e3]), 1.0, 4.0, 100e3)
    np.testing.assert_allclose(p, [1.0, 5.0, 20.0, 10.0])
