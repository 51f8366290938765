"""Message transport over one link channel: outages, a FIFO bandwidth queue, loss,
latency and jitter.

A channel (a link's track channel or its measurement channel) sends messages in
order of their send times:

1. a message sent while the link is down (inside an outage window) is lost;
2. the others queue for the channel, one at a time, each taking its service time
   (message size / bandwidth): departure d_i = max(s_i, d_{i-1}) + tau_i, Lindley's
   recursion (Lindley 1952, Proc. Cambridge Phil. Soc. 48), in closed form
   d_i = C_i + max_{j <= i} (s_j - C_{j-1}) with C the cumulative service time, so
   it is one vectorised pass;
3. a transmitted message is lost with the link's probability (independently);
4. it arrives after the fixed latency plus an exponential jitter of the given mean,
   so messages overtake each other: receivers see them late and out of order.

Randomness comes from the channel's own generator (`tracklayer.network.config.stream_seed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SENT, LOST_OUTAGE, LOST_IN_TRANSIT = 0, 1, 2
"""Fate of a message (``Delivery.fate``)."""


@dataclass(frozen=True)
class Delivery:
    """Per message (in the order given): arrival time (NaN if lost), s since epoch;
    queueing delay, s; fate (`SENT`, `LOST_OUTAGE`, `LOST_IN_TRANSIT`)."""

    arrival_t_s: np.ndarray
    queue_s: np.ndarray
    fate: np.ndarray


def in_outage(t_s: np.ndarray, outages: np.ndarray) -> np.ndarray:
    """(n,) True where a time falls inside one of the (K, 2) [start, end) windows."""
    t_s = np.asarray(t_s, dtype=np.float64)
    if outages.shape[0] == 0:
        return np.zeros(t_s.shape, dtype=bool)
    return np.any((t_s[:, None] >= outages[None, :, 0]) & (t_s[:, None] < outages[None, :, 1]), axis=1)


def fifo_departures(send_t_s: np.ndarray, service_s: np.ndarray) -> np.ndarray:
    """Departure times of a FIFO single-server queue (Lindley's recursion, closed form).

    Parameters
    ----------
    send_t_s : (n,) arrival times at the queue, sorted ascending, s
    service_s : (n,) service times, s (>= 0)
    """
    if send_t_s.shape[0] == 0:
        return np.zeros(0)
    c = np.cumsum(service_s)
    return c + np.maximum.accumulate(send_t_s - (c - service_s))


LOAD_WINDOW_S = 60.0
"""Window over which a channel's offered load is measured (`peak_load`)."""


def peak_load(send_t_s: np.ndarray, service_s: float, window_s: float = LOAD_WINDOW_S) -> float:
    """The largest share of a channel's capacity offered in any window of ``window_s``
    seconds that starts at a send time: (messages sent in [t, t + window)) x service
    time / window. At 1 or above the channel cannot carry what it is offered at the rate
    it is offered (the queue grows for as long as that lasts): the link is saturated.
    0 for unlimited bandwidth.

    >>> peak_load(np.array([0.0, 1.0, 2.0, 100.0]), 10.0)
    0.5
    """
    t = np.sort(np.asarray(send_t_s, dtype=np.float64))
    if t.size == 0 or service_s <= 0.0:
        return 0.0
    in_window = np.searchsorted(t, t + window_s, side="left") - np.arange(t.size)
    return float(in_window.max() * service_s / window_s)


def transmit(send_t_s: np.ndarray, service_s: float, latency_s: float, jitter_s: float, loss: float,
             outages: np.ndarray, rng: np.random.Generator) -> Delivery:
    """Send messages over one channel.

    Parameters
    ----------
    send_t_s : (n,) send times, s since epoch, sorted ascending (ties keep their order)
    service_s : transmission time of one message, s (0: unlimited bandwidth)
    latency_s, jitter_s : fixed delay and mean of the exponential extra delay, s
    loss : probability that a transmitted message is lost
    outages : (K, 2) windows [start, end) during which nothing is sent, s since epoch
    rng : the channel's generator; exactly two draws of n values are taken from it
    """
    n = send_t_s.shape[0]
    up = ~in_outage(send_t_s, outages)
    depart = np.full(n, np.nan)
    service = np.full(int(up.sum()), float(service_s))
    depart[up] = fifo_departures(send_t_s[up], service)
    queue = np.where(up, depart - service_s - send_t_s, np.nan)
    lost = rng.random(n) < loss
    extra = rng.exponential(1.0, n) * jitter_s
    arrival = np.where(up & ~lost, depart + latency_s + extra, np.nan)
    fate = np.where(~up, LOST_OUTAGE, np.where(lost, LOST_IN_TRANSIT, SENT)).astype(np.int8)
    return Delivery(arrival, queue, fate)
