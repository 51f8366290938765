"""Releasability: nothing derived from a source reaches a node the rules do not allow,
raw or as tracks, directly or through fused pictures, over random networks and rules
(property-based, hypothesis).

The oracle is written from the rules as a user states them, independently of the
compiled release tables: node B may hold data derived from source s when B owns s, or
a rule names s (by sensor or nation) and B; or no rule names s and the default
releases tracks. Raw measurements need a rule with ``level: measurements``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tracklayer.network.config import NetworkConfig
from tracklayer.network.messages import Messages
from tracklayer.network.run import _send, exchange, run_trackers, source_bits
from tracklayer.scenario.loader import parse_scenario
from tracklayer.table import Table
from tracklayer.tracking import CONFIRMED
from tracklayer.tracking.measurement_models import POSITION


@st.composite
def networks(draw):
    """A scenario dict with radars as sources, national and combined nodes, random links
    (fused pictures only along a random order, so they form no cycle) and random rules."""
    n_nations = draw(st.integers(1, 3))
    nations = [f"N{i}" for i in range(n_nations)]
    n_src = draw(st.integers(1, 6))
    src_nation = [draw(st.sampled_from(nations)) for _ in range(n_src)]
    radars = [{"name": f"R{i}", "nation": src_nation[i], "site": {"lat_deg": 0.0, "lon_deg": 0.0}, "max_range_km": 1000.0} for i in range(n_src)]
    nodes = [{"id": n, "nation": n} for n in nations] + [{"id": f"C{i}"} for i in range(draw(st.integers(0, 2)))]
    ids = [n["id"] for n in nodes]
    order = draw(st.permutations(ids))
    links = []
    for a in ids:
        for b in ids:
            if a != b and draw(st.booleans()):
                picture = order.index(a) < order.index(b) and draw(st.booleans())
                links.append({"from": a, "to": b, "content": "picture" if picture else "tracks", "latency_s": draw(st.sampled_from([0.0, 1.0, 2.5])),
                              "jitter_s": draw(st.sampled_from([0.0, 1.0]))})
    names = [r["name"] for r in radars] + nations
    rules, ruled = [], set()
    for _ in range(draw(st.integers(0, 4))):
        sources = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        to = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        pairs = {(s, b) for name in sources for s in _resolve(name, src_nation) for b in to}
        if pairs & ruled:
            continue  # the schema rejects a (source, node) pair ruled twice
        ruled |= pairs
        rules.append({"sources": sources, "to": to, "level": draw(st.sampled_from(["tracks", "measurements"])),
                      "covariance_factor": draw(st.sampled_from([1.0, 4.0])), "position_quantum_m": draw(st.sampled_from([0.0, 500.0]))})
    data = {
        "name": "property", "epoch": "2026-03-15T00:00:00Z", "duration_s": 30, "step_s": 1.0, "nations": [{"id": n, "name": n} for n in nations],
        "radars": radars, "threats": [{"name": "T", "kind": "ballistic", "launch": {"lat_deg": 0, "lon_deg": 0}, "aim": {"lat_deg": 5, "lon_deg": 5}}],
        "tracker": {"motion": {"model": "cv", "process_noise_m2_s3": 1.0}, "confirm_hits": 2},
        "network": {"nodes": nodes, "links": links, "release": rules, "release_default": draw(st.sampled_from(["tracks", "none"]))},
    }
    return data, src_nation


def _resolve(name: str, src_nation: list[str]) -> list[int]:
    return [int(name[1:])] if name.startswith("R") else [i for i, n in enumerate(src_nation) if n == name]


def allowed(data: dict, src_nation: list[str], node: dict, level: str) -> set[int]:
    """Sources whose data ``node`` may hold (the oracle)."""
    net = data["network"]
    own = {i for i, n in enumerate(src_nation) if node.get("nation") == n}
    ok = set(own)
    mentioned = set()
    for rule in net["release"]:
        srcs = {i for name in rule["sources"] for i in _resolve(name, src_nation)}
        mentioned |= srcs
        if node["id"] in rule["to"] and (level == "tracks" or rule["level"] == "measurements"):
            ok |= srcs
    if level == "tracks" and net["release_default"] == "tracks":
        ok |= set(range(len(src_nation))) - mentioned
    return ok


def _plots(n_src: int) -> Table:
    """Cartesian plots (kind POSITION) of two targets from every source, every second."""
    rng = np.random.default_rng(0)
    t = np.repeat(np.arange(30.0), 2 * n_src)
    src = np.tile(np.repeat(np.arange(n_src), 2), 30)
    target = np.tile([0, 1], 30 * n_src)
    start = np.array([[7.0e6, 0.0, 0.0], [7.0e6, 0.0, 3.0e5]])
    z = start[target] + np.outer(t, [0.0, 7.5e3, 0.0]) + rng.normal(0, 50.0, (t.size, 3))
    n = t.size
    return Table({
        "t_s": t, "sensor_id": src.astype(np.int32), "kind": np.full(n, POSITION, np.int8), "truth_id": target.astype(np.int32), "z": z,
        "R": np.broadcast_to(np.eye(3) * 2500.0, (n, 3, 3)).copy(), "sensor_r_eci_m": np.zeros((n, 3)), "snr": np.full(n, 30.0),
        "range_rate_m_s": np.full(n, np.nan), "range_rate_sigma_m_s": np.full(n, np.nan), "source_bit": source_bits(src),
    })


def _sources(masks: np.ndarray) -> set[int]:
    out = set()
    for m in np.unique(masks):
        out |= {i for i in range(64) if int(m) >> i & 1}
    return out


@settings(max_examples=30)
@given(networks())
def test_nothing_reaches_a_node_the_rules_do_not_allow(case):
    data, src_nation = case
    scn = parse_scenario(data, "property.yaml")
    net = NetworkConfig.from_scenario(scn)
    grid = np.arange(30.0)
    seed = np.random.SeedSequence(1)
    local, _ = run_trackers(net, _plots(len(src_nation)), grid, None, seed)
    pictures, _ = exchange(net, local, grid, lambda t: np.zeros_like(t), seed)
    for k, node in enumerate(data["network"]["nodes"]):
        raw_ok, tracks_ok = allowed(data, src_nation, node, "measurements"), allowed(data, src_nation, node, "tracks")
        if local[k] is not None:
            assert _sources(local[k]["sources"]) <= raw_ok, (node["id"], "raw")
        assert _sources(pictures[k]["sources"]) <= tracks_ok, (node["id"], "tracks")
        if local[k] is not None and len(data["network"]["links"]) == 0:
            assert _sources(local[k]["sources"][local[k]["status"] == CONFIRMED]) == {i for i, n in enumerate(src_nation) if n == node.get("nation")}


def test_release_coarsens_and_delays():
    """A released track carries the strictest rule of its sources: covariance x factor,
    positions rounded to the quantum with q^2/12 added per axis, sent after the delay;
    tracks derived from a withheld source do not go at all."""
    data = {
        "name": "p", "epoch": "2026-03-15T00:00:00Z", "duration_s": 30, "nations": [{"id": "A", "name": "A"}, {"id": "B", "name": "B"}],
        "radars": [{"name": f"R{i}", "nation": "A", "site": {"lat_deg": 0, "lon_deg": 0}, "max_range_km": 100} for i in range(3)],
        "threats": [{"name": "T", "kind": "ballistic", "launch": {"lat_deg": 0, "lon_deg": 0}, "aim": {"lat_deg": 5, "lon_deg": 5}}],
        "network": {"nodes": [{"id": "A", "nation": "A"}, {"id": "B", "nation": "B"}], "links": [{"from": "A", "to": "B", "latency_s": 1.0}],
                    "release": [{"sources": ["R0"], "to": ["B"], "covariance_factor": 2.0, "delay_s": 5.0},
                                {"sources": ["R1"], "to": ["B"], "covariance_factor": 3.0, "position_quantum_m": 1000.0}],
                    "release_default": "none"},
    }
    net = NetworkConfig.from_scenario(parse_scenario(data, "p.yaml"))
    p = np.broadcast_to(np.diag([1e4, 1e4, 1e4, 1.0, 1.0, 1.0]), (3, 6, 6)).copy()
    x = np.tile([7.0e6 + 123.4, 456.7, -789.1, 1.0, 2.0, 3.0], (3, 1))
    msgs = Messages(np.zeros(3, np.int64), np.arange(3), np.zeros(3), np.zeros(3), np.zeros(3, bool), x, p,
                    np.array([0b001, 0b011, 0b101], np.uint64), np.ones(3, np.int32), np.zeros(3))
    got, stats = _send(net.links[0], net, msgs, np.zeros(3), lambda t: np.zeros_like(t), np.random.SeedSequence(0))
    assert stats["withheld"] == 1 and got.track_id.tolist() == [0, 1]  # R2: no rule, and the default releases nothing
    np.testing.assert_allclose(got.p[0], 2.0 * p[0])
    np.testing.assert_allclose(got.arrival_t_s, [5.0 + 1.0, 5.0 + 1.0])  # the strictest delay of R0 and R1
    np.testing.assert_allclose(got.x[1, :3], [7.0e6, 0.0, -1000.0])
    np.testing.assert_allclose(got.p[1, :3, :3], 3.0 * p[1, :3, :3] + np.eye(3) * 1000.0**2 / 12.0)
