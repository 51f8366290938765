"""The fast path's table bookkeeping: the hit-count kernel against its NumPy reference
(bit for bit) and against `Tracks.record_hits` (the general path's bookkeeping), and
`Tracks.split` / `Tracks.take` against plain boolean indexing."""

from __future__ import annotations

import numpy as np

from tracklayer.tracking.linear import linear_hits_numpy
from tracklayer.tracking.tracks import _FIELDS, Tracks


def _tracks(rng, m: int, k: int = 3) -> Tracks:
    times = np.where(rng.random((m, k)) < 0.3, np.nan, rng.integers(0, 10, (m, k)).astype(float))
    score = rng.normal(size=m)
    score[rng.random(m) < 0.1] = np.nan
    return Tracks(np.arange(m, dtype=np.int64), rng.integers(0, 2, m).astype(np.int8), rng.normal(size=(m, 1, 6)),
                  rng.normal(size=(m, 1, 6, 6)), np.ones((m, 1)), score, rng.normal(size=m), rng.integers(0, 5, m).astype(float),
                  rng.integers(0, 11, m).astype(float), rng.integers(0, 9, m).astype(np.int32), times,
                  rng.integers(0, 4, m).astype(np.uint64))


def test_hits_kernel_matches_reference_and_record_hits(rng):
    """Random hit masks, with last-hit times before, at and after the scan time (a
    second scan at the same time must not count a second hit) and NaN scores."""
    from tracklayer.kernels.tracking import linear_hits_kernel

    for _ in range(30):
        m = int(rng.integers(0, 40))
        tr = _tracks(rng, m, k=int(rng.integers(1, 5)))
        hit = rng.random(m) < 0.5
        t_s = 10.0
        score = np.where(rng.random(m) < 0.1, np.nan, rng.normal(size=m))
        args = (hit, t_s, score, tr.score_peak, tr.last_hit_t_s, tr.hits, tr.hit_times_s)
        got, ref = linear_hits_kernel(*args), linear_hits_numpy(*args)
        for u, v in zip(got, ref):
            assert u.dtype == v.dtype
            np.testing.assert_array_equal(u, v)
        rec = tr.record_hits(np.flatnonzero(hit), t_s)
        np.testing.assert_array_equal(got[1], rec.last_hit_t_s)
        np.testing.assert_array_equal(got[2], rec.hits)
        np.testing.assert_array_equal(got[3], rec.hit_times_s)
        np.testing.assert_array_equal(got[0], np.maximum(tr.score_peak, score))


def test_split_and_take_equal_boolean_indexing(rng):
    for m in (0, 1, 7, 50):
        tr = _tracks(rng, m)
        mask = rng.random(m) < 0.3
        kept, gone = tr.split(mask)
        for f in _FIELDS:
            np.testing.assert_array_equal(getattr(kept, f), getattr(tr, f)[~mask])
            np.testing.assert_array_equal(getattr(gone, f), getattr(tr, f)[mask])
            np.testing.assert_array_equal(getattr(tr.take(mask), f), getattr(tr, f)[mask])
            np.testing.assert_array_equal(getattr(tr.take(np.flatnonzero(mask)[::-1]), f), getattr(tr, f)[np.flatnonzero(mask)[::-1]])
            assert getattr(tr.take([]), f).shape[0] == 0
