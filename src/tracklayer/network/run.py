"""Run a network: raw-data sharing, one tracker per node, track exchange and fused pictures.

1. **Raw data.** Each node's tracker gets the detections of the sensors it owns, plus
   the raw detections other nodes release to it at measurement level, sent over the
   link between them (measurement channel), with the arrival time the link gives
   them; the tracker drops those arriving later than its reorder buffer.
2. **Trackers.** One `tracklayer.tracking.tracker.Tracker` per node with data: the same
   pure function of its detections as the single tracker, carrying provenance.
3. **Exchange and fusion**, node by node in picture order: each link sends its
   sender's confirmed tracks (``tracks``) or fused picture (``picture``) every report
   interval, and a deletion notice when a track ends. Only messages whose every source
   the receiver may have pass (release rules); they are coarsened and delayed as the
   strictest of those rules says, offset by the sender's registration bias, and sent
   over the link's track channel. The receiver fuses what arrives with its own
   tracks (`tracklayer.network.picture`). A node that receives no tracks shows its own
   tracker's picture.

The nodes' trackers are independent of one another, so with ``jobs`` > 1 they run in
that many forked worker processes (`track_nodes`); each tracker is the same pure
function of its inputs either way, so the tables are identical, serial or parallel.

Everything random (link loss and jitter, registration biases) comes from streams
keyed by link and node names under the run's network seed: deterministic, and the
same for a link whichever other nodes are left out.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S
from tracklayer.network.config import NetworkConfig, stream_seed
from tracklayer.network.links import LOST_IN_TRANSIT, LOST_OUTAGE, SENT, peak_load, transmit
from tracklayer.network.messages import Messages, reports
from tracklayer.network.picture import empty_picture, fuse_picture
from tracklayer.table import Table
from tracklayer.tracking.tracker import Tracker

LINK_COLUMNS = {
    "link": "sender->receiver",
    "source": "sending node",
    "target": "receiving node",
    "channel": "tracks (track reports) or measurements (raw detections)",
    "content": "tracks: the sender's own tracks; picture: its fused picture",
    "offered": "messages the sender had for the receiver",
    "withheld": "messages not releasable to the receiver (release rules)",
    "lost_outage": "messages sent while the link was down",
    "lost_in_transit": "messages lost on the link",
    "delivered": "messages that arrived",
    "discarded": "delivered but unused: older than a report already held (tracks) or later than the tracker's reorder buffer (measurements)",
    "latency_mean_s": "mean time from the data's time of validity to arrival, s",
    "latency_p95_s": "95th percentile of that time, s",
    "queue_max_s": "longest wait in the link's bandwidth queue, s",
    "peak_load": "largest share of the channel's bandwidth offered in any 60 s window (>= 1: saturated; 0: unlimited bandwidth)",
}


def source_bits(source_of_sensor: np.ndarray) -> np.ndarray:
    """Provenance bit (uint64) of each sensor from its source (sensor group) index.

    A networked scenario has at most 64 sources (validated); without a network, where
    provenance decides nothing, the groups beyond the 64th share the last bit."""
    return np.left_shift(np.uint64(1), np.minimum(np.asarray(source_of_sensor), 63).astype(np.uint64))


def run_trackers(
    net: NetworkConfig,
    detections: Table,
    t_grid_s: np.ndarray,
    enu_eci_of: Callable | None,
    seed: np.random.SeedSequence,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> tuple[list[Table | None], list[dict]]:
    """Every node's tracker over its own and its received raw detections.

    ``detections`` carries ``source_bit`` (uint64) per row. Returns the trackers'
    tables (None for a node without data) and the measurement-channel statistics.
    ``jobs``: processes for the trackers (`track_nodes`).
    """
    bits = detections["source_bit"]
    inputs: list[list[Table]] = [[detections.take((bits & np.uint64(node.own)) != 0)] for node in net.nodes]
    stats = []
    for link in net.links:
        sender = net.nodes[link.source]
        mine = (bits & np.uint64(sender.own)) != 0
        allowed, factor, _, delay = net.release.terms(bits[mine], link.target, "measurements")
        offered = detections.take(np.nonzero(mine)[0][allowed])
        send = offered["t_s"] + delay[allowed]
        order = np.argsort(send, kind="stable")
        offered, send, factor = offered.take(order), send[order], factor[allowed][order]
        rng = np.random.default_rng(stream_seed(seed, link.name).spawn(2)[0])
        sent = transmit(send, link.measurement_service_s, link.latency_s, link.jitter_s, link.loss, link.outages, rng)
        ok = sent.fate == SENT
        if ok.any():
            got = offered.take(ok)
            cols = dict(got)
            cols["R"] = got["R"] * factor[ok][:, None, None]
            cols["range_rate_sigma_m_s"] = got["range_rate_sigma_m_s"] * np.sqrt(factor[ok])
            cols["arrival_t_s"] = sent.arrival_t_s[ok]
            inputs[link.target].append(Table(cols))
        buffer = net.nodes[link.target].tracker.reorder_buffer_s
        late = int(np.sum(sent.arrival_t_s[ok] - offered["t_s"][ok] > buffer))
        if net.release.measurements[link.target] & np.uint64(sender.own):
            load = peak_load(send[sent.fate != LOST_OUTAGE], link.measurement_service_s)
            stats.append(_stats(link, net, "measurements", int(mine.sum()), int((~allowed).sum()), sent, offered["t_s"], late, load))
    feeds: list[Table | None] = []
    for parts in inputs:
        if sum(p.num_rows for p in parts) == 0:
            feeds.append(None)
        elif len(parts) > 1:
            parts[0] = Table({**parts[0], "arrival_t_s": parts[0]["t_s"]})
            feeds.append(Table({c: np.concatenate([p[c] for p in parts]) for c in parts[0].columns}))
        else:
            feeds.append(parts[0])
    steps = np.union1d(t_grid_s, detections["t_s"]).size
    return track_nodes([node.tracker for node in net.nodes], feeds, t_grid_s, enu_eci_of, steps, progress, jobs), stats


_SHARED: tuple | None = None
"""What forked tracker processes read: (configs, feeds, t_grid_s, enu_eci_of); set only
while a pool is open, inherited by fork (the closure ``enu_eci_of`` cannot be pickled)."""


def _track_one(k: int) -> Table:
    assert _SHARED is not None  # set by track_nodes before the pool forks
    configs, feeds, t_grid_s, enu_eci_of = _SHARED
    return Tracker(configs[k]).run(feeds[k], t_grid_s, enu_eci_of, None)[0]


def parallel_jobs(jobs: int, tasks: int) -> int:
    """Worker processes worth starting for ``tasks`` independent trackers: at most
    ``jobs`` and ``tasks``; 1 where processes cannot be forked cheaply and safely
    (only Linux here: macOS and Windows would spawn and re-import) or from inside a
    daemonic process (a campaign worker)."""
    if jobs <= 1 or tasks <= 1 or not sys.platform.startswith("linux") or multiprocessing.current_process().daemon:
        return 1
    return min(jobs, tasks)


def track_nodes(
    configs: list,
    feeds: list[Table | None],
    t_grid_s: np.ndarray,
    enu_eci_of: Callable | None,
    steps: int,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> list[Table | None]:
    """Each node's tracker over its detections (None for a node without any).

    ``jobs`` > 1 runs the trackers in forked processes, the largest inputs first; the
    result is the same list either way (each tracker is a pure function of its feed)."""
    global _SHARED
    work = [k for k, feed in enumerate(feeds) if feed is not None]
    local: list[Table | None] = [None] * len(feeds)
    workers = parallel_jobs(jobs, len(work))
    if workers == 1:
        for done, k in enumerate(work):
            tick = None if progress is None else (lambda d, n, done=done: progress(done * steps + d, len(work) * steps))
            feed = feeds[k]
            assert feed is not None  # in `work`
            local[k] = Tracker(configs[k]).run(feed, t_grid_s, enu_eci_of, tick)[0]
        return local
    biggest_first = sorted(work, key=lambda k: -len(feeds[k]))  # type: ignore[arg-type]
    _SHARED = (configs, feeds, t_grid_s, enu_eci_of)
    try:
        # Pool's exit terminates the workers: an interrupt or error here stops them too.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending = {k: pool.apply_async(_track_one, (k,)) for k in biggest_first}
            for done, k in enumerate(biggest_first, start=1):
                local[k] = pending[k].get()
                if progress is not None:
                    progress(done * steps, len(work) * steps)
    finally:
        _SHARED = None
    return local


def exchange(
    net: NetworkConfig,
    local: list[Table | None],
    t_grid_s: np.ndarray,
    gmst_of: Callable[[np.ndarray], np.ndarray],
    seed: np.random.SeedSequence,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Table], list[dict]]:
    """Track messages over the links and each node's picture, in picture order."""
    n = len(net.nodes)
    pictures: list[Table | None] = [None] * n
    stats: list[dict] = []
    bias = [_bias(node.registration_bias_m, stream_seed(seed, f"bias:{node.id}")) for node in net.nodes]
    for done, b in enumerate(net.order):
        node = net.nodes[b]
        incoming = [link for link in net.links if link.target == b]
        if not incoming:
            pictures[b] = _as_picture(local[b])
        else:
            parts = []
            own = local[b]
            if own is not None:
                parts.append(reports(own, t_grid_s, 1, node.tracker.reorder_buffer_s, stream=0))
            link_stats = []
            for s, link in enumerate(incoming, start=1):
                sender = net.nodes[link.source]
                table = local[link.source] if link.content == "tracks" else pictures[link.source]
                ready_after = sender.tracker.reorder_buffer_s if link.content == "tracks" else 0.0
                msgs = reports(table, t_grid_s, link.report_every, ready_after, stream=s) if table is not None else Messages.empty()
                delivered, row = _send(link, net, msgs, bias[link.source], gmst_of, stream_seed(seed, link.name).spawn(2)[1])
                parts.append(delivered)
                link_stats.append(row)
            bias_var = np.array([0.0] + [link.bias_var_m2 for link in incoming])
            picture, info = fuse_picture(Messages.concat(parts), bias_var, t_grid_s, node.fusion)
            for s, row in enumerate(link_stats, start=1):
                row["discarded"] = int(info["discarded_by_stream"][s]) if s < info["discarded_by_stream"].size else 0
            stats.extend(link_stats)
            pictures[b] = picture
        if progress is not None:
            progress(done + 1, n)
    made = [p for p in pictures if p is not None]
    assert len(made) == n  # every node's picture, in node order
    return made, stats


def _send(link, net: NetworkConfig, msgs: Messages, bias_ecef_m: np.ndarray, gmst_of, seed) -> tuple[Messages, dict]:
    """Releasability, coarsening, bias and transport of one link's track messages."""
    allowed, factor, quantum, delay = net.release.terms(msgs.sources, link.target)
    offered = len(msgs)
    m = msgs.take(allowed)
    factor, quantum, delay = factor[allowed], quantum[allowed], delay[allowed]
    x, p = m.x.copy(), m.p * factor[:, None, None]
    coarse = quantum > 0
    if coarse.any():
        q = quantum[coarse, None]
        x[coarse, :3] = np.round(x[coarse, :3] / q) * q
        p[np.ix_(np.nonzero(coarse)[0], np.arange(3), np.arange(3))] += (quantum[coarse] ** 2 / 12.0)[:, None, None] * np.eye(3)
    if np.any(bias_ecef_m):
        theta = gmst_of(m.t_valid_s)
        c, s = np.cos(theta), np.sin(theta)
        b_eci = np.stack([c * bias_ecef_m[0] - s * bias_ecef_m[1], s * bias_ecef_m[0] + c * bias_ecef_m[1], np.full_like(c, bias_ecef_m[2])], axis=1)
        x[:, :3] += b_eci
        x[:, 3:] += np.cross(np.array([0.0, 0.0, OMEGA_EARTH_RAD_S]), b_eci)
    send = m.arrival_t_s + delay
    order = np.lexsort((m.track_id, send))
    m = replace(m.take(order), x=x[order], p=p[order])
    sent = transmit(send[order], link.track_service_s, link.latency_s, link.jitter_s, link.loss, link.outages, np.random.default_rng(seed))
    ok = sent.fate == SENT
    delivered = replace(m.take(ok), arrival_t_s=sent.arrival_t_s[ok])
    load = peak_load(send[order][sent.fate != LOST_OUTAGE], link.track_service_s)
    return delivered, _stats(link, net, "tracks", offered, offered - len(m), sent, m.t_valid_s, 0, load)


def _stats(link, net: NetworkConfig, channel: str, offered: int, withheld: int, sent, t_valid_s: np.ndarray, discarded: int,
           load: float) -> dict:
    ok = sent.fate == SENT
    age = sent.arrival_t_s[ok] - t_valid_s[ok]
    queue = sent.queue_s[np.isfinite(sent.queue_s)]
    return {
        "link": link.name, "source": net.nodes[link.source].id, "target": net.nodes[link.target].id, "channel": channel,
        "content": link.content if channel == "tracks" else "measurements", "offered": offered, "withheld": withheld,
        "lost_outage": int(np.sum(sent.fate == LOST_OUTAGE)), "lost_in_transit": int(np.sum(sent.fate == LOST_IN_TRANSIT)),
        "delivered": int(ok.sum()), "discarded": discarded,
        "latency_mean_s": float(age.mean()) if age.size else np.nan,
        "latency_p95_s": float(np.percentile(age, 95)) if age.size else np.nan,
        "queue_max_s": float(queue.max()) if queue.size else 0.0,
        "peak_load": load,
    }


def link_table(rows: list[dict]) -> Table:
    """The link statistics rows as a table (columns `LINK_COLUMNS`)."""
    text = ("link", "source", "target", "channel", "content")
    floats = ("latency_mean_s", "latency_p95_s", "queue_max_s", "peak_load")
    return Table({
        k: np.array([r[k] for r in rows], dtype=object if k in text else np.float64 if k in floats else np.int64)
        for k in LINK_COLUMNS
    })


def saturated_links(links: Table) -> list[str]:
    """One line per link channel offered its whole bandwidth or more in some minute
    (``peak_load`` >= 1): its queue grew and its messages arrived late by that much."""
    if links is None or links.num_rows == 0 or "peak_load" not in links:
        return []
    return [
        f"link {links['link'][i]} ({links['channel'][i]}) is saturated: offered {links['peak_load'][i]:.1f}x its bandwidth "
        f"in its busiest minute; messages waited up to {links['queue_max_s'][i]:.0f} s in its queue"
        for i in np.flatnonzero(links["peak_load"] >= 1.0)
    ]


def _bias(sigma_m: float, seed: np.random.SeedSequence) -> np.ndarray:
    """A node's constant Earth-fixed registration bias, (3,) m."""
    if sigma_m <= 0.0:
        return np.zeros(3)
    return np.random.default_rng(seed).normal(0.0, sigma_m, 3)


def _as_picture(table: Table | None) -> Table:
    """A tracker's table as a picture (no fused inputs)."""
    if table is None:
        return empty_picture()
    return Table({**table, "fused_inputs": np.zeros(table.num_rows, np.int32)})
