"""The tasking scheduler: which sensor looks at which track, frame by frame.

At each frame every framing sensor s can make up to ``capacity[s]`` looks; track j is
``reachable[s, j]`` when its estimate lies in the sensor's field of regard and the
line of sight can slew there and dwell within the frame. Each track is looked at by
at most one sensor per frame. Among all such assignments the scheduler takes the one
with the largest total priority sum(weight[s, j]) over the looks made: a maximum-weight
bipartite matching between tracks and the sensors' look slots, solved exactly by
`scipy.optimize.linear_sum_assignment`. `schedule_frame_brute_force` enumerates
every assignment instead; tests check that the two agree.

`track_priority` gives the weights (docs/sensing.md, "Track-cued tasking"): time since
the track was last looked at (by any of the cued sensors) plus one frame, times
``new_track_weight`` for a track never looked at, times two for a track estimated
below ``low_altitude_m`` (boost or glide: the phases where warning is made).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linear_sum_assignment


def schedule_frame(weight: np.ndarray, reachable: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The sensor (or -1) looking at each track in one frame.

    Parameters
    ----------
    weight : (S, J) priority of sensor s looking at track j, > 0
    reachable : (S, J) bool, whether sensor s can look at track j this frame
    capacity : (S,) int, looks each sensor can make this frame

    Returns
    -------
    (J,) int: the sensor looking at each track, -1 for none; the assignment maximises
    the total weight of the looks made.
    """
    n_s, n_j = reachable.shape
    slots = np.repeat(np.arange(n_s), np.asarray(capacity, dtype=np.int64))
    out = np.full(n_j, -1, dtype=np.int64)
    if slots.size == 0 or n_j == 0:
        return out
    gain = np.where(reachable, weight, 0.0)[slots].T  # (J, slots)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    made = reachable[slots[cols], rows]
    out[rows[made]] = slots[cols[made]]
    return out


def schedule_frame_brute_force(weight: np.ndarray, reachable: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """`schedule_frame` by enumerating every assignment of tracks to sensors (or none):
    (S + 1)^J of them, for tests on small cases."""
    n_s, n_j = reachable.shape
    best, best_total = np.full(n_j, -1, dtype=np.int64), 0.0
    for choice in itertools.product(range(-1, n_s), repeat=n_j):
        c = np.array(choice, dtype=np.int64)
        looked = c >= 0
        if not np.all(reachable[c[looked], np.nonzero(looked)[0]]):
            continue
        if np.any(np.bincount(c[looked], minlength=n_s) > capacity):
            continue
        total = float(weight[c[looked], np.nonzero(looked)[0]].sum())
        if total > best_total:
            best, best_total = c, total
    return best


def track_priority(age_s: np.ndarray, never_looked: np.ndarray, alt_m: np.ndarray, frame_s: float,
                   new_track_weight: float, low_altitude_m: float) -> np.ndarray:
    """(J,) priority of each track: (age since its last look + one frame) x
    ``new_track_weight`` if never looked at x 2 if estimated below ``low_altitude_m``."""
    return (np.asarray(age_s) + frame_s) * np.where(never_looked, new_track_weight, 1.0) * np.where(alt_m < low_altitude_m, 2.0, 1.0)


def slew_reachable(los_from: np.ndarray, los_to: np.ndarray, slew_rate_rad_s: np.ndarray, dwell_s: np.ndarray, frame_s: np.ndarray) -> np.ndarray:
    """(S, J) bool: the line of sight can slew from ``los_from`` (S, 3) unit to ``los_to``
    (S, J, 3) unit and dwell within the frame: angle / rate + dwell <= frame."""
    cos = np.clip(np.einsum("sk,sjk->sj", los_from, los_to), -1.0, 1.0)
    return np.arccos(cos) / slew_rate_rad_s[:, None] + dwell_s[:, None] <= frame_s[:, None] * (1.0 + 1e-12)


def slew_towards(los_from: np.ndarray, los_to: np.ndarray, max_angle_rad: float) -> np.ndarray:
    """Unit line of sight (3,) turned from ``los_from`` towards ``los_to`` by at most
    ``max_angle_rad`` along the great circle between them."""
    angle = float(np.arccos(np.clip(los_from @ los_to, -1.0, 1.0)))
    if angle <= max_angle_rad or angle == 0.0:
        return los_to.copy()
    ortho = los_to - (los_from @ los_to) * los_from
    ortho /= np.linalg.norm(ortho)
    return np.cos(max_angle_rad) * los_from + np.sin(max_angle_rad) * ortho
