"""The compiled network: nodes, links and release rules in SI units and index form.

Built once per run from a validated scenario (`NetworkConfig.from_scenario`). Nodes
are numbered in scenario order, sources (sensor groups: constellations, then radars)
by `tracklayer.scenario.network_rules.source_names`; a source's provenance bit is
``1 << index``.

Without a ``network`` section the scenario runs as one node, ``joint``, that owns
every sensor and tracks with all their raw data: a centralised tracker, the
architecture every networked variant is compared against.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from tracklayer.scenario.network_rules import owners, picture_order, resolve_sources, source_names, source_nations
from tracklayer.tracking.config import TrackerConfig
from tracklayer.tracking.gating import gate_threshold

JOINT = "joint"
"""Id of the combined node (and of the single node of a scenario without a network)."""

ALL_SOURCES = (1 << 64) - 1
"""Provenance mask of every source."""


@dataclass(frozen=True)
class FusionConfig:
    """Track-to-track association and fusion at one node (SI units)."""

    method: str = "ci"
    gate: float = gate_threshold(0.9999, 6)
    merge_gate: float = gate_threshold(0.99, 6)
    stale_s: float = 10.0
    unmap_after: int = 3
    q_m2_s3: float = 2000.0
    q_floor_m2_s3: float = 10.0


@dataclass(frozen=True)
class NodeConfig:
    """One tracking node: the sources it owns (bit mask), its tracker and its fusion."""

    id: str
    nation: str | None
    own: int
    tracker: TrackerConfig
    fusion: FusionConfig = FusionConfig()
    registration_bias_m: float = 0.0


@dataclass(frozen=True)
class LinkConfig:
    """A one-way link between node indices ``source`` and ``target``.

    ``track_service_s``/``measurement_service_s``: transmission time of one message on
    the track and measurement channels (0: unlimited bandwidth); ``outages`` (K, 2)
    start and end times, s since epoch; ``bias_var_m2``: variance per axis of the
    registration bias the receiver assumes for the tracks arriving on the link.
    """

    source: int
    target: int
    name: str
    content: str = "tracks"
    report_every: int = 1
    latency_s: float = 0.0
    jitter_s: float = 0.0
    loss: float = 0.0
    track_service_s: float = 0.0
    measurement_service_s: float = 0.0
    bias_var_m2: float = 0.0
    outages: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


@dataclass(frozen=True)
class Release:
    """What each recipient node may receive, per source.

    tracks, measurements : (n_nodes,) uint64 masks of the sources whose tracks (or raw
        measurements) the node may receive
    factor : (n_nodes, S) covariance multiplier of released data (>= 1)
    quantum_m : (n_nodes, S) grid the released track positions are rounded to (0: none)
    delay_s : (n_nodes, S) release delay, s
    """

    tracks: np.ndarray
    measurements: np.ndarray
    factor: np.ndarray
    quantum_m: np.ndarray
    delay_s: np.ndarray

    def terms(self, masks: np.ndarray, recipient: int, level: str = "tracks") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per item with provenance ``masks`` (n,) uint64: (may be released, covariance
        factor, position quantum m, delay s), each the strictest over its sources."""
        allowed_bits = (self.tracks if level == "tracks" else self.measurements)[recipient]
        masks = np.asarray(masks, dtype=np.uint64)
        allowed = (masks & ~allowed_bits) == 0
        uniq, inv = np.unique(masks, return_inverse=True)
        bits = ((uniq[:, None] >> np.arange(self.factor.shape[1], dtype=np.uint64)[None, :]) & np.uint64(1)).astype(bool)
        pick = lambda table: np.max(np.where(bits, table[recipient][None, :], 0.0), axis=1, initial=0.0)[inv]  # noqa: E731
        factor = np.maximum(pick(self.factor), 1.0)
        return allowed, factor, pick(self.quantum_m), pick(self.delay_s)


@dataclass(frozen=True)
class NetworkConfig:
    """Nodes, links, release rules and source names of one run."""

    nodes: tuple[NodeConfig, ...]
    links: tuple[LinkConfig, ...]
    release: Release
    order: tuple[int, ...]
    picture: int
    sources: tuple[str, ...]
    source_nations: tuple[str, ...]

    @property
    def networked(self) -> bool:
        """More than one node or any link: pictures are exchanged and fused."""
        return len(self.nodes) > 1 or bool(self.links)

    def owner_of(self, source: int) -> str:
        """Id of the node owning a source ('' when its nation was left out)."""
        if not self.networked:
            return self.nodes[0].id
        return next((n.id for n in self.nodes if n.own >> source & 1), "")

    def describe(self) -> dict:
        """The network as plain data (for run.json and the viewer): sources with their
        nations; per node its own sources and the sources it may receive as tracks and
        as raw measurements (over a link from their owner: raw data go one hop); the links
        with their content; the lead picture's node."""
        n_src = len(self.sources)
        bits = lambda mask: [i for i in range(n_src) if int(mask) >> i & 1]  # noqa: E731
        ids = [n.id for n in self.nodes]
        nodes = []
        for k, node in enumerate(self.nodes):
            senders = {lk.source for lk in self.links if lk.target == k}
            raw = [i for i in bits(self.release.measurements[k]) if not node.own >> i & 1
                   and any(self.nodes[s].own >> i & 1 for s in senders)]
            nodes.append({"id": node.id, "nation": node.nation, "own": bits(node.own), "tracks_from": bits(self.release.tracks[k]),
                          "measurements_from": raw})
        return {
            "networked": self.networked, "sources": list(self.sources), "source_nations": list(self.source_nations), "nodes": nodes,
            "links": [{"from": ids[lk.source], "to": ids[lk.target], "content": lk.content} for lk in self.links],
            "picture": ids[self.picture],
        }

    @classmethod
    def from_scenario(cls, scn, without: tuple[str, ...] = ()) -> NetworkConfig:
        """Compile ``scn.network`` (or the single joint node), leaving out the nodes and
        sensors of the nations in ``without``."""
        names = tuple(source_names(scn))
        nations = tuple(source_nations(scn))
        n_src = len(names)
        kept = np.array([n not in without for n in nations], dtype=bool)
        if scn.network is None:  # every bit: the caller leaves out the detections of nations in ``without``
            node = NodeConfig(JOINT, None, ALL_SOURCES, TrackerConfig.from_spec(scn.tracker))
            everything = np.array([np.uint64(0xFFFFFFFFFFFFFFFF)], dtype=np.uint64)
            release = Release(everything, everything, np.ones((1, n_src)), np.zeros((1, n_src)), np.zeros((1, n_src)))
            return cls((node,), (), release, (0,), 0, names, nations)

        net = scn.network
        owner = owners(scn)
        keep_node = [n.nation is None or n.nation not in without for n in net.nodes]
        old_to_new = np.cumsum(keep_node) - 1
        nodes = []
        for k, spec in enumerate(net.nodes):
            if not keep_node[k]:
                continue
            mine = [i for i in range(n_src) if owner[i] == k and kept[i]]
            tracker = TrackerConfig.from_spec(spec.tracker or scn.tracker)
            if spec.reorder_buffer_s is not None:
                tracker = replace(tracker, reorder_buffer_s=spec.reorder_buffer_s)
            f = spec.fusion
            fusion = FusionConfig(
                f.method, gate_threshold(f.gate_probability, 6), gate_threshold(f.merge_probability, 6), f.stale_s, f.unmap_after,
                f.process_noise_m2_s3,
            )
            nodes.append(NodeConfig(spec.id, spec.nation, _mask(mine), tracker, fusion, spec.registration_bias_m))
        if not nodes:
            raise ValueError(f"leaving out {sorted(without)} leaves no tracking node")
        ids = [n.id for n in nodes]
        links = []
        for spec in net.links:
            if spec.source not in ids or spec.target not in ids:
                continue
            rate = spec.bandwidth_tracks_s
            track_service = 1.0 / rate if rate else (spec.track_message_bytes / spec.bandwidth_bytes_s if spec.bandwidth_bytes_s else 0.0)
            meas_service = spec.measurement_message_bytes / spec.measurement_bandwidth_bytes_s if spec.measurement_bandwidth_bytes_s else 0.0
            links.append(LinkConfig(
                ids.index(spec.source), ids.index(spec.target), f"{spec.source}->{spec.target}", spec.content,
                max(1, int(round((spec.report_interval_s or scn.step_s) / scn.step_s))), spec.latency_s, spec.jitter_s, spec.loss,
                track_service, meas_service, spec.assumed_bias_m**2, np.array([[o.start_s, o.end_s] for o in spec.outages]).reshape(-1, 2),
            ))
        release = _release(scn, ids, [int(old_to_new[o]) if o >= 0 and keep_node[o] else -1 for o in owner])
        order = [int(old_to_new[k]) for k in picture_order([n.id for n in net.nodes], [(lk.source, lk.target) for lk in net.links if lk.content == "picture"]) if keep_node[k]]
        wanted = net.picture or (JOINT if JOINT in ids else ids[0])
        picture = ids.index(wanted) if wanted in ids else (ids.index(JOINT) if JOINT in ids else 0)
        return cls(tuple(nodes), tuple(links), release, tuple(order), picture, names, nations)


def _mask(indices) -> int:
    out = 0
    for i in indices:
        out |= 1 << int(i)
    return out


def _release(scn, ids: list[str], owner: list[int]) -> Release:
    """Per-recipient release tables from the rules, the default and ownership (a node
    always receives what derives from its own sources)."""
    net = scn.network
    n_src = len(owner)
    n = len(ids)
    tracks = np.zeros((n, n_src), dtype=bool)
    meas = np.zeros((n, n_src), dtype=bool)
    factor = np.ones((n, n_src))
    quantum = np.zeros((n, n_src))
    delay = np.zeros((n, n_src))
    ruled = np.zeros(n_src, dtype=bool)
    for k, rule in enumerate(net.release):
        src = resolve_sources(scn, rule.sources, f"network.release[{k}].sources")
        ruled[src] = True
        for name in rule.to:
            if name not in ids:
                continue
            j = ids.index(name)
            tracks[j, src] = True
            meas[j, src] = rule.level == "measurements"
            factor[j, src] = rule.covariance_factor
            quantum[j, src] = rule.position_quantum_m
            delay[j, src] = rule.delay_s
    if net.release_default == "tracks":
        tracks[:, ~ruled] = True
    for i, o in enumerate(owner):
        if o >= 0:
            tracks[o, i] = meas[o, i] = True
            factor[o, i], quantum[o, i], delay[o, i] = 1.0, 0.0, 0.0
    as_mask = lambda m: np.array([_mask(np.nonzero(row)[0]) for row in m], dtype=np.uint64)  # noqa: E731
    return Release(as_mask(tracks), as_mask(meas), factor, quantum, delay)


def stream_seed(seed: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """A child of ``seed`` keyed by a name (a link or node), so each link's randomness
    stays the same when other links or nodes are added or removed."""
    return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (zlib.crc32(name.encode("utf-8")),))
