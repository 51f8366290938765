"""Track messages: the reports a node sends about its tracks, as one table of columns.

A message carries one track's state at its time of validity (the sender's grid
time), its provenance (the bit mask of the sensor groups whose data it derives from),
and whether it announces the track's deletion (``drop``). Messages of several senders
are told apart by ``stream`` (the receiver's numbering of its inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from tracklayer.table import Table
from tracklayer.tracking import CONFIRMED, DELETED


@dataclass(frozen=True)
class Messages:
    """n track messages.

    stream : (n,) int64 input stream at the receiver; track_id : (n,) int64 sender's id;
    t_valid_s, arrival_t_s : (n,) time of validity and of arrival, s since epoch;
    drop : (n,) bool, deletion notice; x : (n, 6) ECI [r, v]; p : (n, 6, 6);
    sources : (n,) uint64 provenance; hits : (n,) int32; last_update_t_s : (n,).
    """

    stream: np.ndarray
    track_id: np.ndarray
    t_valid_s: np.ndarray
    arrival_t_s: np.ndarray
    drop: np.ndarray
    x: np.ndarray
    p: np.ndarray
    sources: np.ndarray
    hits: np.ndarray
    last_update_t_s: np.ndarray

    def __len__(self) -> int:
        return self.track_id.shape[0]

    def take(self, index) -> Messages:
        return Messages(*(getattr(self, f.name)[index] for f in fields(self)))

    @classmethod
    def empty(cls) -> Messages:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool), np.zeros((0, 6)),
                   np.zeros((0, 6, 6)), np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0))

    @classmethod
    def concat(cls, parts: list[Messages]) -> Messages:
        parts = [m for m in parts if len(m)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(m, f.name) for m in parts]) for f in fields(cls)))


def reports(tracks: Table, t_grid_s: np.ndarray, every: int, available_after_s: float, stream: int = 0) -> Messages:
    """The messages a node sends about its tracks table: each confirmed track's state every
    ``every``-th grid step, and a deletion notice for every track it ever reported.

    Parameters
    ----------
    tracks : a node's tracks table (columns t_s, track_id, status, x, P, hits,
        last_update_t_s, sources)
    t_grid_s : (T,) grid times, s since epoch
    every : report period in grid steps (>= 1)
    available_after_s : delay between a row's time and the node having it (the
        tracker's reorder buffer); messages carry it in ``arrival_t_s``, the time they
        are ready to send
    """
    status = tracks["status"]
    k = np.searchsorted(t_grid_s, tracks["t_s"])
    on_grid = (k < t_grid_s.shape[0]) & (t_grid_s[np.minimum(k, t_grid_s.shape[0] - 1)] == tracks["t_s"])
    confirmed = status == CONFIRMED
    report = confirmed & on_grid & (k % every == 0)
    drop = (status == DELETED) & np.isin(tracks["track_id"], tracks["track_id"][report])
    sel = np.nonzero(report | drop)[0]
    t = tracks["t_s"][sel]
    return Messages(
        np.full(sel.size, stream, np.int64), tracks["track_id"][sel].astype(np.int64), t, t + available_after_s, drop[sel],
        tracks["x"][sel], tracks["P"][sel], tracks["sources"][sel].astype(np.uint64), tracks["hits"][sel].astype(np.int32),
        tracks["last_update_t_s"][sel],
    )
