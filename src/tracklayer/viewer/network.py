"""What each node of a run has: its sources, the raw detections it receives, the
provenance of its tracks, and a note that says so in words.

The network comes from ``run.json`` (``network``, `NetworkConfig.describe`); a run
folder written before that field existed falls back to ``sensors.parquet``
(``source``, ``owner_node``: each node's own sensors, no links). Provenance comes from
the tracks table's ``sources`` mask (bit i: data of sensor group i went into the track,
docs/network.md), so fused nodes name their contributors as well as trackers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracklayer.io.checked import DataFileError, json_field
from tracklayer.table import Table

NODE_LABELS = {"joint": "Joint", "US": "US", "JP": "Japan", "AU": "Australia"}


@dataclass(frozen=True)
class RunNetwork:
    """The run's network as the viewer uses it.

    sources, source_nations : sensor group names and nations in provenance-bit order
    nodes : per node id, (own, tracks_from, measurements_from) lists of source indices
    links : (from, to, content) of every link
    networked : more than one node or any link
    """

    sources: list[str]
    source_nations: list[str]
    nodes: dict[str, tuple[list[int], list[int], list[int]]]
    links: list[tuple[str, str, str]]
    networked: bool

    def receives(self, node: str) -> list[int]:
        """Sources whose raw detections ``node`` has: its own, and those released to it as measurements."""
        own, _, raw = self.nodes.get(node, ([], [], []))
        return sorted(set(own) | set(raw))

    def own_mask(self, node: str) -> int:
        out = 0
        for i in self.nodes.get(node, ([], [], []))[0]:
            out |= 1 << i
        return out


def read_network(path: Path, info: dict, sensors: Table) -> RunNetwork:
    """The network of run.json's ``network`` field (``path`` names run.json in errors), or,
    without it, each node's own sensors from ``sensors`` (owner_node, source)."""
    net = info.get("network")
    if net is None:
        return _from_sensors(sensors)
    json_field(path, info, "network", dict)
    names = json_field(path, net, "sources", list, "network")
    nations = json_field(path, net, "source_nations", list, "network")
    nodes = {}
    for k, node in enumerate(json_field(path, net, "nodes", list, "network")):
        where = f"network.nodes[{k}]"
        own, tracks_from, raw = (_indices(path, json_field(path, node, key, list, where), len(names), f"{where}.{key}")
                                 for key in ("own", "tracks_from", "measurements_from"))
        nodes[str(json_field(path, node, "id", str, where))] = (own, tracks_from, raw)
    links = []
    for k, link in enumerate(json_field(path, net, "links", list, "network")):
        where = f"network.links[{k}]"
        a, b, c = (str(json_field(path, link, key, str, where)) for key in ("from", "to", "content"))
        links.append((a, b, c))
    networked = bool(json_field(path, net, "networked", bool, "network"))
    if len(nations) != len(names):
        raise DataFileError(f"{path}: field network.source_nations should have one entry per source ({len(names)})")
    return RunNetwork([str(x) for x in names], [str(x) for x in nations], nodes, links, networked)


def _indices(path: Path, values: list, n: int, where: str) -> list[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < n for v in values):
        raise DataFileError(f"{path}: field {where} should list source indices below {n}")
    return [int(v) for v in values]


def _from_sensors(sensors: Table) -> RunNetwork:
    src = sensors["source"].astype(np.int64)
    n = int(src.max()) + 1 if src.size else 0
    names, nations = [""] * n, [""] * n
    for i in range(sensors.num_rows):
        s = int(src[i])
        platform = str(sensors["platform"][i])
        names[s] = platform if platform and platform != "ground/sea" else str(sensors["sensor"][i])
        nations[s] = str(sensors["nation"][i])
    nodes: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for owner in dict.fromkeys(sensors["owner_node"].tolist()):
        if owner:
            own = sorted({int(s) for s in src[sensors["owner_node"] == owner]})
            nodes[str(owner)] = (own, list(range(n)), [])
    return RunNetwork(names, nations, nodes, [], len(nodes) > 1)


def receiving_nodes(net: RunNetwork, det_source: np.ndarray, layer_nodes: list[str]) -> np.ndarray:
    """(N,) int64 bit mask per detection: bit k set when ``layer_nodes[k]`` receives it."""
    out = np.zeros(det_source.shape, dtype=np.int64)
    for k, node in enumerate(layer_nodes):
        out |= np.isin(det_source, net.receives(node)).astype(np.int64) << k
    return out


def source_bits(sources: np.ndarray, n_sources: int) -> np.ndarray:
    """(N, S) bool: bit s of each uint64 provenance mask."""
    s = np.asarray(sources, dtype=np.uint64)
    return ((s[:, None] >> np.arange(n_sources, dtype=np.uint64)[None, :]) & np.uint64(1)).astype(bool)


def contributors(track_index: np.ndarray, t_s: np.ndarray, sources: np.ndarray, n_tracks: int, n_sources: int) -> list[list[list]]:
    """Per track: [[source, first time its data is in the track, rows carrying it], ...] by first time.

    Parameters
    ----------
    track_index : (N,) track number (0 .. n_tracks-1) of each tracks-table row
    t_s : (N,) row times, s
    sources : (N,) uint64 provenance masks of the rows
    """
    rows, cols = np.nonzero(source_bits(sources, n_sources))
    key = track_index[rows].astype(np.int64) * max(n_sources, 1) + cols
    first = np.full(n_tracks * max(n_sources, 1), np.inf)
    np.minimum.at(first, key, t_s[rows])
    count = np.bincount(key, minlength=first.size)
    out: list[list[list]] = [[] for _ in range(n_tracks)]
    for k in np.nonzero(count)[0]:
        g, s = divmod(int(k), max(n_sources, 1))
        out[g].append([s, round(float(first[k]), 3), int(count[k])])
    for lst in out:
        lst.sort(key=lambda x: (x[1], x[0]))
    return out


def _names(items) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else (items[0] if items else "")


def node_notes(net: RunNetwork, nodes: list[str], tracks: Table, metrics: Table, threat_names: dict[int, str],
               received: dict[str, int]) -> dict[str, list[str]]:
    """Sentences that say what each node's picture is made of, from the network and its tracks.

    ``received``: raw detections each node has. Per threat, custody held on tracks that
    carry partners' data is named with the nations it came from and the links it can
    have come over."""
    out: dict[str, list[str]] = {}
    conf = tracks["status"] == "confirmed"
    bits = source_bits(tracks["sources"], len(net.sources))
    for node in nodes:
        label = NODE_LABELS.get(node, node)
        own, tracks_from, raw = net.nodes.get(node, ([], [], []))
        text: list[str] = []
        if not net.networked:
            text.append(f"{label} picture: one tracker on the raw detections of every sensor ({_names(net.sources)}); no network.")
        else:
            if own:
                line = f"{label} picture: its own tracker on its own sensors ({_names(net.sources[i] for i in own)})"
                if raw:
                    senders = sorted({o for o, (mine, _, _) in net.nodes.items() if set(mine) & set(raw)})
                    line += f" and raw detections of {_names(net.sources[i] for i in raw)} received from {_names(senders)}"
                text.append(line + ".")
            else:
                text.append(f"{label} picture: no sensors of its own.")
            inputs = [f"the tracks of {a} ({a}->{node})" if c == "tracks" else f"the {a} picture fed back ({a}->{node})"
                      for a, b, c in net.links if b == node]
            if inputs:
                text.append(f"It fuses {_names(inputs)}.")
            withheld = sorted({net.source_nations[i] + ":" + net.sources[i] for i in range(len(net.sources)) if i not in tracks_from})
            if withheld:
                text.append(f"Not releasable to it: {_names(w.split(':', 1)[1] for w in withheld)}.")
        n = received.get(node, 0)
        if n:
            text.append(f"Detection lines: the {n:,} raw detections it receives.")
        elif net.receives(node):
            text.append("Its sensors made no detection in this run, so none are drawn (Truth shows every sensor's).")
        else:
            text.append("It receives no raw detections, so none are drawn (Truth shows every sensor's).")
        in_node = (tracks["node"] == node) & conf
        own_bits = np.zeros(len(net.sources), dtype=bool)
        own_bits[own] = True
        for i, name in threat_names.items():
            rows = in_node & (tracks["truth_id"] == i)
            if not rows.any() or not net.networked:
                continue
            foreign = bits[rows] & ~own_bits
            share = float(foreign.any(axis=1).mean())
            if share == 0.0:
                continue
            nations = sorted({net.source_nations[s] for s in np.nonzero(foreign.any(axis=0))[0]})
            m = (metrics["node"] == node) & (metrics["threat"] == name)
            held = f" (held {100 * float(metrics['custody_fraction'][m][0]):.0f} % of its flight)" if m.any() and "custody_fraction" in metrics else ""
            if own:
                text.append(f"Custody of {name}{held}: {100 * share:.0f} % on tracks carrying {_names(nations)} data, received from partners.")
            else:
                text.append(f"Custody of {name}{held} rests on {_names(nations)} data.")
        out[node] = text
    return out
