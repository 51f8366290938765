"""The live-track table the tracker carries from step to step (parallel arrays)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Tracks:
    """Live tracks, M rows.

    Attributes
    ----------
    track_id : (M,) int64, unique and stable within a tracker
    status : (M,) int8, `tracklayer.tracking.TENTATIVE` or ``CONFIRMED``
    x : (M, r, n) state of each of the r motion models (see `tracking.imm`)
    p : (M, r, n, n) covariances
    mu : (M, r) model probabilities
    score : (M,) track score, the sequential log-likelihood ratio
    score_peak : (M,) highest score so far
    born_t_s, last_hit_t_s : (M,) s since epoch
    hits : (M,) int32, steps with at least one associated detection
    hit_times_s : (M, K) times of the last K hits, NaN-padded (M-of-N confirmation)
    sources : (M,) uint64 provenance: bit i is set when a detection carrying bit i
        (``source_bit`` of the detections table) initiated or updated the track
    """

    track_id: np.ndarray
    status: np.ndarray
    x: np.ndarray
    p: np.ndarray
    mu: np.ndarray
    score: np.ndarray
    score_peak: np.ndarray
    born_t_s: np.ndarray
    last_hit_t_s: np.ndarray
    hits: np.ndarray
    hit_times_s: np.ndarray
    sources: np.ndarray

    @classmethod
    def empty(cls, r: int, n: int, k: int) -> Tracks:
        """No tracks (read-only arrays, shared between calls)."""
        return _empty(r, n, k)

    def __len__(self) -> int:
        return self.track_id.shape[0]

    def take(self, index: np.ndarray) -> Tracks:
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)  # one nonzero for all columns
        elif index.dtype.kind != "i":
            index = index.astype(np.intp)  # an empty list
        return Tracks(*(getattr(self, f).take(index, axis=0) for f in _FIELDS))  # ndarray.take: a third of x[index]'s overhead

    def split(self, mask: np.ndarray) -> tuple[Tracks, Tracks]:
        """``(self.take(~mask), self.take(mask))`` with one gather per column (a stable
        partition, then two slices)."""
        order = np.argsort(mask, kind="stable")
        k = mask.shape[0] - int(np.count_nonzero(mask))
        cols = [getattr(self, f).take(order, axis=0) for f in _FIELDS]
        return Tracks(*(c[:k] for c in cols)), Tracks(*(c[k:] for c in cols))

    def append(self, other: Tracks) -> Tracks:
        if len(other) == 0:
            return self
        if len(self) == 0:
            return other
        return Tracks(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _FIELDS))

    def with_columns(self, **columns: np.ndarray) -> Tracks:
        """These tracks with some columns replaced (`dataclasses.replace`, without its
        per-call field introspection)."""
        return Tracks(**(self.__dict__ | columns))

    def record_hits(self, hit_rows: np.ndarray, t_s: float, rows: np.ndarray | None = None, **columns: np.ndarray) -> Tracks:
        """Count a hit at ``t_s`` for ``hit_rows`` (once per time step), and replace the
        given ``columns`` at ``rows`` (values for those rows only)."""
        hit_rows = hit_rows[self.last_hit_t_s[hit_rows] < t_s]
        new = {}
        for name, values in columns.items():
            col = getattr(self, name).copy()
            col[rows] = values
            new[name] = col
        hits = self.hits.copy()
        hits[hit_rows] += 1
        times = self.hit_times_s.copy()
        times[hit_rows, :-1] = times[hit_rows, 1:]
        times[hit_rows, -1] = t_s
        last = self.last_hit_t_s.copy()
        last[hit_rows] = t_s
        return self.with_columns(hits=hits, hit_times_s=times, last_hit_t_s=last, **new)


_FIELDS = tuple(f.name for f in fields(Tracks))


@lru_cache(maxsize=16)
def _empty(r: int, n: int, k: int) -> Tracks:
    cols = (np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros((0, r, n)), np.zeros((0, r, n, n)), np.zeros((0, r)),
            np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int32), np.zeros((0, k)), np.zeros(0, np.uint64))
    for c in cols:
        c.setflags(write=False)
    return Tracks(*cols)
