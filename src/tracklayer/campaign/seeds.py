"""Deterministic keys and seeds for campaign runs.

Every run of a campaign is named by a key derived from what it computes, never from
when or where it ran, so that a re-run of the same campaign finds the runs it has
already stored, and so that its random numbers are the same on any executor.

* **point key**: the first 16 hex digits of the SHA-256 of the point's canonical
  JSON: the sorted list of ``[field path, value]`` scenario edits of the design
  point (`canonical_json`). Extending a grid or adding a parameter value keeps the
  keys, and so the stored results, of the points that were already there.
* **run key**: ``"<point key>-r<repetition>"``, the repetition numbered from 0.
* **seed** of a run::

      words = (int(point_key[:8], 16), int(point_key[8:16], 16))
      ss = numpy.random.SeedSequence(campaign_seed, spawn_key=(*words, repetition))
      seed = int(ss.generate_state(1, numpy.uint64)[0] >> 1)

  i.e. the run's own child of the campaign's SeedSequence, addressed by its key
  rather than by a spawn counter, reduced to a 63-bit integer that the pipeline
  expands again with its own SeedSequence. SeedSequence hashes entropy and spawn key
  together, so distinct keys give independent streams, and the seed depends on
  nothing but (campaign seed, point key, repetition).
* **geometry draws** of repetition ``r`` (the campaign's ``geometry`` section)::

      ss = numpy.random.SeedSequence(campaign_seed, spawn_key=(GEOMETRY_STREAM, r, int(sha256(name)[:8], 16)))

  one stream per repetition and drawn quantity (``attack_time``, ``preset/HGV-1``,
  ``launch/HGV-1``, ``aim/HGV-1``), independent of the design point: every point's
  repetition ``r`` meets the same attack (common random numbers).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

__all__ = ["canonical_json", "point_key", "run_key", "run_seed", "sampling_seed_sequence", "geometry_rng", "sample_seed"]

SAMPLING_STREAM = 0x5A4D_504C  # spawn key of the design-sampling stream ("ZMPL")
GEOMETRY_STREAM = 0x47454F4D  # spawn key of the geometry draws ("GEOM")
SAMPLES_STREAM = 0x534D504C  # spawn key of the run seeds of `tracklayer.api.sample` ("SMPL")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and shortest round-trip floats (Python's
    ``repr``), so equal values always give the same text on every platform."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def point_key(edits: list[tuple[str, Any]]) -> str:
    """Key of a design point from its scenario edits ``[(path, value), ...]``."""
    text = canonical_json(sorted([path, value] for path, value in edits))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def run_key(point: str, repetition: int) -> str:
    """Key of one Monte Carlo repetition of a design point."""
    return f"{point}-r{repetition}"


def run_seed(campaign_seed: int, point: str, repetition: int) -> int:
    """The seed of a run (see the module docstring), a non-negative 63-bit integer."""
    words = (int(point[:8], 16), int(point[8:16], 16))
    ss = np.random.SeedSequence(int(campaign_seed), spawn_key=(*words, int(repetition)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def sampling_seed_sequence(campaign_seed: int) -> np.random.SeedSequence:
    """The stream that draws random and Latin-hypercube design points."""
    return np.random.SeedSequence(int(campaign_seed), spawn_key=(SAMPLING_STREAM,))


def geometry_rng(campaign_seed: int, repetition: int, name: str) -> np.random.Generator:
    """The generator of one geometry quantity ``name`` of a repetition (module docstring)."""
    word = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16)
    return np.random.default_rng(np.random.SeedSequence(int(campaign_seed), spawn_key=(GEOMETRY_STREAM, int(repetition), word)))


def sample_seed(seed: int, sample: int) -> int:
    """The run seed of sample ``sample`` of `tracklayer.api.sample` (63-bit, as `run_seed`)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(SAMPLES_STREAM, int(sample)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
