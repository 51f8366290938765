"""Run keys and seeds: the documented derivation, reproduced here independently,
and the properties resuming and parallel execution rely on."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from tracklayer.campaign.seeds import canonical_json, point_key, run_key, run_seed


def test_point_key_is_the_documented_hash():
    edits = [("constellations[0].walker.planes", 8), ("partners", ["US", "JP"])]
    text = json.dumps(sorted([list(e) for e in edits]), sort_keys=True, separators=(",", ":"))
    assert point_key(edits) == hashlib.sha256(text.encode()).hexdigest()[:16]
    assert point_key(list(reversed(edits))) == point_key(edits)  # order of edits does not matter
    assert point_key([("a", 1.0)]) != point_key([("a", 1.5)])
    assert canonical_json(0.1 + 0.2) == "0.30000000000000004"  # shortest round-trip repr


def test_run_seed_is_the_documented_seed_sequence_child():
    key = "0123456789abcdef"
    expected = np.random.SeedSequence(42, spawn_key=(0x01234567, 0x89ABCDEF, 3)).generate_state(1, np.uint64)[0] >> np.uint64(1)
    assert run_seed(42, key, 3) == int(expected)
    assert run_key(key, 3) == "0123456789abcdef-r3"


def test_seeds_are_distinct_and_in_range():
    keys = [point_key([("x", i)]) for i in range(200)]
    seeds = [run_seed(7, k, r) for k in keys for r in range(5)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(8, keys[0], 0) != run_seed(7, keys[0], 0)
