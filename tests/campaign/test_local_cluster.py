"""The local Dask cluster of `tracklayer sweep`: nothing listens on Dask's dashboard
port or off the loopback interface, and workers start with SIGINT ignored."""

from __future__ import annotations

import signal

import psutil

from tracklayer.campaign.executor import local_cluster


def _listening(pid: int) -> list:
    proc = psutil.Process(pid)
    conns = proc.net_connections(kind="tcp") if hasattr(proc, "net_connections") else proc.connections(kind="tcp")
    return [c.laddr for c in conns if c.status == psutil.CONN_LISTEN]


def test_no_dashboard_port_and_loopback_only():
    before = signal.getsignal(signal.SIGINT)
    cluster, client = local_cluster(1)
    try:
        assert signal.getsignal(signal.SIGINT) is before  # the driver's handler is back
        pids = [psutil.Process().pid] + [p.pid for p in psutil.Process().children(recursive=True)]
        addresses = [a for pid in pids for a in _listening(pid)]
        assert addresses, "the scheduler listens somewhere"
        assert all(a.port != 8787 for a in addresses), addresses
        assert all(a.ip in ("127.0.0.1", "::1") for a in addresses), addresses
        worker_sigint = client.run(lambda: signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
        assert list(worker_sigint.values()) == [True]
    finally:
        client.close(timeout=10)
        cluster.close(timeout=10)
