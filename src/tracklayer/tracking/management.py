"""Track management (Stone Soup's confirmer/deleter): tentative -> confirmed -> deleted
by M-of-N logic or by the track score, plus de-duplication.

* M-of-N: a tentative track is confirmed once it has ``confirm_hits`` hits within
  ``confirm_window_s`` (M hits in the last N s; with one scan a second this is M of N
  scans). It dies when ``tentative_coast_s`` pass without a hit, or when it is older
  than the window without being confirmed. A confirmed track dies after
  ``coast_limit_s`` without a hit.
* Track score: the sequential log-likelihood ratio of "target" against "false
  alarms" (Blackman & Popoli 1999, Sec. 6.2; Wald's sequential probability ratio
  test). It starts at ln(beta_NT / beta_FT) and changes per scan by
  ln(Pd N(nu; 0, S) / lambda) for an update and ln(1 - Pd) for a miss. A tentative
  track is confirmed when the score reaches ln((1 - beta) / alpha) and deleted
  below ln(beta / (1 - alpha)), alpha being the probability of confirming a false
  track and beta that of deleting a true one; a confirmed track is deleted when its
  score falls ``score_drop`` below its peak. Misses are charged for every scan of a
  sensor, so the score suits sensors that cover all tracks (one surveillance sensor);
  with a constellation the M-of-N logic is the default.
* Always: tracks whose position standard deviation exceeds ``max_position_sigma_m``,
  tracks below ``min_altitude_m`` (impacted), and duplicates (two tracks within a
  chi-square distance of each other in position; the lower-ranked goes: confirmed
  before tentative, then more hits, then older).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tracklayer.tracking import CONFIRMED, DELETED, TENTATIVE
from tracklayer.tracking.filters import mahalanobis2
from tracklayer.tracking.gating import coarse_pairs
from tracklayer.tracking.motion_models import ellipsoid_height_m
from tracklayer.tracking.tracks import Tracks


@dataclass(frozen=True)
class Management:
    """Confirmation and deletion parameters (SI units)."""

    confirmation: str = "m_of_n"
    confirm_hits: int = 3
    confirm_window_s: float = 10.0
    tentative_coast_s: float = 6.0
    coast_limit_s: float = 60.0
    false_track_probability: float = 1e-5
    true_track_deletion_probability: float = 0.05
    score_drop: float = 10.0
    max_position_sigma_m: float = 100e3
    min_altitude_m: float | None = -5e3
    duplicate_gate: float | None = 11.34

    @property
    def score_confirm(self) -> float:
        a, b = self.false_track_probability, self.true_track_deletion_probability
        return math.log((1.0 - b) / a)

    @property
    def score_reject(self) -> float:
        a, b = self.false_track_probability, self.true_track_deletion_probability
        return math.log(b / (1.0 - a))


def manage(tracks: Tracks, x6: np.ndarray, p6: np.ndarray, t_s: float, cfg: Management) -> tuple[Tracks, np.ndarray]:
    """Confirm and delete; returns the tracks with updated status and a (M,) mask of
    the tracks to delete now. ``x6``, ``p6``: the tracks' [r, v] estimates."""
    status = tracks.status.copy()
    tent = status == TENTATIVE
    silent = t_s - tracks.last_hit_t_s
    if cfg.confirmation == "score":
        status[tent & (tracks.score >= cfg.score_confirm)] = CONFIRMED
        dead = (tent & (tracks.score <= cfg.score_reject) & (t_s > tracks.born_t_s)) | (
            (status == CONFIRMED) & (tracks.score < tracks.score_peak - cfg.score_drop)
        )
        tent = status == TENTATIVE
    else:
        span = t_s - tracks.hit_times_s[:, 0]  # NaN until confirm_hits hits
        status[tent & (span <= cfg.confirm_window_s)] = CONFIRMED
        tent = status == TENTATIVE
        if cfg.confirm_window_s == math.inf:  # no age limit: t - born > inf never holds
            dead = np.zeros(status.shape[0], dtype=bool)
        else:
            dead = tent & (t_s - tracks.born_t_s > cfg.confirm_window_s)
    dead |= tent & (silent >= cfg.tentative_coast_s)
    dead |= (status == CONFIRMED) & (silent >= cfg.coast_limit_s)
    if math.isfinite(cfg.max_position_sigma_m):
        dead |= np.trace(p6[:, :3, :3], axis1=1, axis2=2) > cfg.max_position_sigma_m**2
    if cfg.min_altitude_m is not None and len(tracks):
        dead |= ellipsoid_height_m(x6[:, :3]) < cfg.min_altitude_m  # rotation-invariant
    if cfg.duplicate_gate is not None:
        dead |= duplicates(x6, p6, status, tracks.hits, tracks.track_id, dead, cfg.duplicate_gate)
    return tracks.with_columns(status=status), dead


def duplicates(x6, p6, status, hits, track_id, dead, gate: float) -> np.ndarray:
    """Tracks that duplicate a better one: position difference within the chi-square
    ``gate`` of the summed position covariances. Candidate pairs come from the coarse
    gate (radius sqrt(gate trace(P_a + P_max))), so the cost stays near-linear."""
    alive = np.nonzero(~dead)[0]
    out = np.zeros(status.shape[0], dtype=bool)
    if alive.size < 2:
        return out
    pos = x6[alive, :3]
    var = np.trace(p6[alive, :3, :3], axis1=1, axis2=2)
    ia, ib = coarse_pairs(pos, np.sqrt(gate * (var + var.max())), pos)
    keep = ia < ib
    a, b = alive[ia[keep]], alive[ib[keep]]
    if a.size == 0:
        return out
    close = mahalanobis2(x6[a, :3] - x6[b, :3], p6[a, :3, :3] + p6[b, :3, :3]) < gate
    rank = np.lexsort((-track_id, hits, status))  # ascending: worst first
    score = np.empty(status.shape[0], dtype=np.int64)
    score[rank] = np.arange(status.shape[0])
    for ia_, ib_ in zip(a[close], b[close]):
        if not (out[ia_] or out[ib_]):
            out[ia_ if score[ia_] < score[ib_] else ib_] = True
    return out


def mark_deleted(tracks: Tracks) -> Tracks:
    return tracks.with_columns(status=np.full(len(tracks), DELETED, np.int8))
