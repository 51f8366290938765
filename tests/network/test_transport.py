"""Link transport (outages, FIFO bandwidth queue, loss, latency, jitter), late and
out-of-order reports at the receiver, and the prediction of received tracks."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.network.links import LOST_IN_TRANSIT, LOST_OUTAGE, SENT, fifo_departures, in_outage, transmit
from tracklayer.network.messages import Messages
from tracklayer.network.picture import current_reports
from tracklayer.network.predict import predict_tracks, white_acceleration_q
from tracklayer.tracking.motion_models import Ballistic


def test_fifo_departures_follow_lindleys_recursion():
    """The closed form equals the recursion d_i = max(s_i, d_{i-1}) + tau_i."""
    rng = np.random.default_rng(0)
    send = np.sort(rng.uniform(0, 100, 500))
    service = rng.exponential(0.2, 500)
    expected, d = np.empty(500), -np.inf
    for i in range(500):
        d = max(send[i], d) + service[i]
        expected[i] = d
    np.testing.assert_allclose(fifo_departures(send, service), expected, rtol=0, atol=1e-9)


def test_overloaded_link_queues_linearly():
    """20 messages/s offered for 10 s to a 10 messages/s link: the last one leaves at
    about 20 s, having waited 10 s (closed form for a deterministic queue)."""
    send = np.arange(200) / 20.0
    out = transmit(send, 0.1, 0.5, 0.0, 0.0, np.zeros((0, 2)), np.random.default_rng(1))
    assert out.arrival_t_s[-1] == pytest.approx(200 * 0.1 + 0.5, abs=1e-9)
    assert out.queue_s[-1] == pytest.approx(200 * 0.1 - 0.1 - send[-1], abs=1e-9)
    assert np.all(np.diff(out.arrival_t_s) > 0)  # a FIFO without jitter keeps the order


def test_latency_loss_jitter_and_outages():
    rng = np.random.default_rng(2)
    n = 20_000
    send = np.sort(rng.uniform(0, 1000, n))
    outages = np.array([[100.0, 200.0], [500.0, 510.0]])
    out = transmit(send, 0.0, 2.0, 1.5, 0.1, outages, np.random.default_rng(3))
    down = in_outage(send, outages)
    assert np.all(out.fate[down] == LOST_OUTAGE) and not np.any(out.fate[~down] == LOST_OUTAGE)
    lost = np.mean(out.fate[~down] == LOST_IN_TRANSIT)
    assert abs(lost - 0.1) < 4 * np.sqrt(0.1 * 0.9 / (~down).sum())  # binomial, 4 sigma
    ok = out.fate == SENT
    extra = out.arrival_t_s[ok] - send[ok] - 2.0
    assert extra.min() >= 0.0 and abs(extra.mean() - 1.5) < 4 * 1.5 / np.sqrt(ok.sum())  # exponential jitter, mean 1.5 s
    assert np.any(np.diff(out.arrival_t_s[ok]) < 0)  # jitter reorders messages
    again = transmit(send, 0.0, 2.0, 1.5, 0.1, outages, np.random.default_rng(3))
    np.testing.assert_array_equal(again.arrival_t_s, out.arrival_t_s)


def _msgs(t_valid, arrival, track=1, stream=0, drop=None):
    n = len(t_valid)
    return Messages(np.full(n, stream, np.int64), np.full(n, track, np.int64), np.asarray(t_valid, float), np.asarray(arrival, float),
                    np.zeros(n, bool) if drop is None else np.asarray(drop), np.zeros((n, 6)), np.broadcast_to(np.eye(6), (n, 6, 6)).copy(),
                    np.ones(n, np.uint64), np.ones(n, np.int32), np.asarray(t_valid, float))


def test_late_and_out_of_order_reports():
    """The receiver holds the newest report that has arrived: a report overtaken by a newer
    one is discarded (counted); a report is current from its arrival until the next
    one's or for stale_s; a deletion notice ends the track."""
    grid = np.arange(0.0, 30.0)
    m = _msgs([1, 2, 3, 4, 10], [2.5, 6.0, 4.0, 5.0, 11.0])  # the report of t=2 arrives after those of 3 and 4
    row_k, row_msg, _, discarded = current_reports(m, grid, stale_s=3.0)
    held = dict(zip(row_k.tolist(), m.t_valid_s[row_msg].tolist()))
    assert discarded.tolist() == [1]
    assert held == {3: 1.0, 4: 3.0, 5: 4.0, 6: 4.0, 7: 4.0, 8: 4.0, 11: 10.0, 12: 10.0, 13: 10.0, 14: 10.0}
    m = _msgs([1, 2, 5], [1, 2, 5], drop=[False, False, True])
    row_k, row_msg, _, _ = current_reports(m, grid, stale_s=10.0)
    assert row_k.tolist() == [1, 2, 3, 4]


def test_prediction_matches_the_trackers_ballistic_model():
    """With one interval for all rows the per-row prediction is the tracker's EKF
    prediction with `Ballistic` (F P F^T + Q); with mixed intervals each row is what it
    would be alone; a zero interval changes nothing."""
    rng = np.random.default_rng(4)
    r = rng.normal(size=(5, 3))
    r = 7.0e6 * r / np.linalg.norm(r, axis=1, keepdims=True)
    x = np.hstack([r, rng.normal(0, 5e3, (5, 3))])
    a = rng.normal(size=(5, 6, 6))
    p = a @ np.swapaxes(a, 1, 2) * 1e4 + np.eye(6)
    model = Ballistic(400.0)
    for dt in (3.0, 25.0):
        fx, phi = model.propagate_and_transition(x, dt)
        fp = phi @ p @ np.swapaxes(phi, 1, 2) + model.noise(x, dt)
        gx, gp = predict_tracks(x, p, np.full(5, dt), 400.0)
        np.testing.assert_array_equal(gx, fx)
        np.testing.assert_array_equal(gp, 0.5 * (fp + np.swapaxes(fp, 1, 2)))
    dt = np.array([0.0, 3.0, 3.0, 12.0, 0.0])
    gx, gp = predict_tracks(x, p, dt, 400.0)
    np.testing.assert_array_equal(gx[[0, 4]], x[[0, 4]])
    for i in (1, 3):
        ox, op = predict_tracks(x[[i]], p[[i]], dt[[i]], 400.0)
        np.testing.assert_array_equal(gx[i], ox[0])
        np.testing.assert_array_equal(gp[i], op[0])
    q = white_acceleration_q(np.array([2.0]), 3.0)[0]
    assert q[0, 0] == pytest.approx(3.0 * 8 / 3) and q[0, 3] == pytest.approx(3.0 * 2) and q[3, 3] == pytest.approx(6.0)


def test_grouped_prediction_is_the_one_batch_prediction(monkeypatch):
    """Grouping rows by sub-step count and chunking them gives the same bits as one pass
    of the whole batch through the longest row's sub-steps (zero-length sub-steps leave a
    row as it is), whatever the chunk size."""
    from tracklayer.network import predict

    rng = np.random.default_rng(7)
    n = 40
    r = rng.normal(size=(n, 3))
    x = np.hstack([7.0e6 * r / np.linalg.norm(r, axis=1, keepdims=True), rng.normal(0, 5e3, (n, 3))])
    a = rng.normal(size=(n, 6, 6))
    p = a @ np.swapaxes(a, 1, 2) * 1e4 + np.eye(6)
    dt = rng.choice([0.0, 4.0, 9.5, 10.0, 17.0, 55.0, -23.0], n)
    one_x, one_phi = predict.rk4_frozen_stm(predict._deriv, predict._jac, x, dt, predict.MAX_STEP_S)
    one_p = one_phi @ p @ np.swapaxes(one_phi, 1, 2) + white_acceleration_q(dt, 400.0)
    one_p = 0.5 * (one_p + np.swapaxes(one_p, 1, 2))
    q_rows = rng.uniform(10.0, 5000.0, n)  # per-row densities follow their rows into the groups
    one_pq = one_phi @ p @ np.swapaxes(one_phi, 1, 2) + white_acceleration_q(dt, q_rows)
    one_pq = 0.5 * (one_pq + np.swapaxes(one_pq, 1, 2))
    for chunk in (3, 16384):
        monkeypatch.setattr(predict, "CHUNK_ROWS", chunk)
        gx, gp = predict_tracks(x, p, dt, 400.0)
        np.testing.assert_array_equal(gx, one_x)
        np.testing.assert_array_equal(gp, one_p)
        np.testing.assert_array_equal(predict_tracks(x, p, dt, q_rows)[1], one_pq)


def test_peak_load_counts_the_busiest_window():
    """Peak load = most messages in any window starting at a send x service / window; a
    channel offered more than its bandwidth in a minute builds a queue (Lindley) that the
    same figure predicts: the last message of n back-to-back sends waits (n - 1) x tau."""
    from tracklayer.network.links import peak_load

    send = np.concatenate([np.linspace(0.0, 59.0, 120), [500.0]])
    assert peak_load(send, 0.5) == pytest.approx(120 * 0.5 / 60.0)
    assert peak_load(send, 0.0) == 0.0 and peak_load(np.zeros(0), 1.0) == 0.0
    assert peak_load(np.array([0.0, 60.0]), 30.0) == pytest.approx(0.5)  # [t, t + 60) excludes the second
    wait = fifo_departures(send, np.full(send.size, 0.5)) - 0.5 - send
    assert wait[:120].max() > 0.0 and wait[-1] == 0.0  # over capacity in the first minute, clear at 500 s


def test_saturated_links_name_each_saturated_channel():
    from tracklayer.network.run import saturated_links
    from tracklayer.table import Table

    links = Table({
        "link": np.array(["US->joint", "JP->joint"], dtype=object), "channel": np.array(["tracks", "measurements"], dtype=object),
        "peak_load": np.array([0.4, 2.5]), "queue_max_s": np.array([0.0, 75.0]),
    })
    lines = saturated_links(links)
    assert len(lines) == 1 and "JP->joint (measurements)" in lines[0] and "2.5x" in lines[0] and "75 s" in lines[0]
