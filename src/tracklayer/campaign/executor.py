"""Run a campaign: serially, on local worker processes (a Dask LocalCluster) or on an
existing Dask cluster, storing every result in the output folder as it arrives.

The driver (the process that calls `sweep`) plans the runs, skips those already in
the store, submits the rest a few at a time, and commits each returned result in
its own transaction. Workers only compute: `execute` turns a `RunTask` (scenario
data and seed) into a `RunOutcome` (metrics in long format, timings, versions) and
never raises for a failing run; a run that fails is data, stored with its error.

Reliability:

* a worker process that dies mid-run (killed, out of memory) loses only its
  current task; Dask runs the task again on another worker. A run that kills
  ``distributed.scheduler.allowed-failures`` + 1 workers is stored as failed;
* a driver that dies loses only the runs in flight: committed runs are whole, and
  re-running the same command skips them;
* Ctrl-C (or SIGTERM in the CLI) cancels the runs in flight, closes the store and
  returns with ``interrupted=True``.

Every run's result depends only on its scenario and seed, so the store's contents
are the same whichever executor, worker count or completion order produced them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from tracklayer.campaign.outcome import RunOutcome, long_metrics
from tracklayer.campaign.spec import Campaign, RunSpec
from tracklayer.campaign.store import Store, is_interrupt
from tracklayer.errors import ScenarioError, TracklayerError

__all__ = ["RunTask", "RunOutcome", "SweepSummary", "SweepError", "execute", "plan", "sweep", "local_cluster", "PROGRESS_FILE"]

PROGRESS_FILE = "progress.json"


class SweepError(TracklayerError, RuntimeError):
    """The sweep cannot start (no scheduler at the address: ``exit_code`` 2) or its
    Dask cluster failed (1); ``lines`` as in ScenarioError."""

    def __init__(self, lines: list[str], exit_code: int = 2):
        super().__init__(lines)
        self.exit_code = exit_code


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run: the scenario's data, the seed, and names."""

    run_key: str
    point_key: str
    repetition: int
    seed: int
    scenario: dict
    source: str
    without: tuple[str, ...] = ()
    draws: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SweepSummary:
    """How a sweep went. ``skipped``: runs already in the store before it started."""

    out_dir: Path
    total: int
    skipped: int
    ok: int
    failed: int
    wall_s: float
    interrupted: bool
    backend: str

    @property
    def stored(self) -> int:
        return self.skipped + self.ok + self.failed


# ---------------------------------------------------------------------------
# the worker side


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Versions of the software that computes a run, recorded with every run."""
    import importlib.metadata as md
    import platform

    import tracklayer
    from tracklayer.kernels import engine

    out = {"tracklayer": tracklayer.__version__, "python": platform.python_version(), "engine": engine()}
    for pkg in ("numpy", "scipy", "numba", "sgp4"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[pkg] = "not installed"
    return out


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


def _worker_name() -> str:
    if "distributed" in sys.modules:
        try:
            from distributed import get_worker

            return get_worker().address
        except ValueError:
            pass
    return "local"


def execute(task: RunTask) -> RunOutcome:
    """Fly one run of a campaign. Never raises for a failing run: a scenario that does
    not validate or a run that raises gives ``status="failed"`` with the error."""
    from tracklayer.scenario.loader import parse_scenario

    started = _utc_now()
    t0 = time.perf_counter()
    outcome = RunOutcome(task.run_key, task.point_key, task.repetition, task.seed, "failed", started_utc=started,
                         worker=_worker_name(), host=socket.gethostname(), pid=os.getpid(), versions=versions(), draws=task.draws)
    try:
        from tracklayer.pipeline import check_nations, run_pipeline

        scn = parse_scenario(task.scenario, task.source)
        check_nations(scn, task.without)
        result = run_pipeline(scn, task.seed, None, tuple(task.without))
        kinds = result.sensors["kind"]
        kept = ~np.isin(result.sensors["nation"], list(task.without))
        outcome.metrics = long_metrics(result.metrics)
        outcome.satellites = int(((kinds == "angles") & kept).sum())
        outcome.radars = int(((kinds == "radar") & kept).sum())
        outcome.threats = len(scn.threats)
        outcome.timings_s = {k: float(v) for k, v in result.timings_s.items()}
        outcome.run_s = float(sum(outcome.timings_s.values()))
        outcome.status = "ok"
    except ScenarioError as exc:
        outcome.error = "; ".join(exc.lines)
    except Exception as exc:  # a failing run is data, not a crash of the campaign
        outcome.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        outcome.traceback = traceback.format_exc(limit=-8)
    outcome.task_s = time.perf_counter() - t0
    outcome.finished_utc = _utc_now()
    return outcome


# ---------------------------------------------------------------------------
# the driver side


def _failed(run: RunSpec, error: str) -> RunOutcome:
    now = _utc_now()
    return RunOutcome(run.key, run.point.key, run.repetition, run.seed, "failed", error=error, worker="driver",
                      host=socket.gethostname(), pid=os.getpid(), started_utc=now, finished_utc=now, versions=versions(), draws=run.draws)


class _Progress:
    """Counts, the ``progress.json`` status file, and the caller's callback."""

    def __init__(self, out_dir: Path, campaign: Campaign, total: int, skipped: int, backend: str,
                 callback: Callable[[int, int, int], None] | None):
        self.path = out_dir / PROGRESS_FILE
        self.info: dict[str, Any] = {"campaign": campaign.spec.name, "pid": os.getpid(), "backend": backend, "total": total,
                     "stored": skipped, "skipped": skipped, "ok": 0, "failed": 0, "started_utc": _utc_now()}
        self.callback = callback
        self.t0 = time.perf_counter()
        self.computed = 0

    def record(self, outcome: RunOutcome | None, state: str = "running") -> None:
        if outcome is not None:
            self.info["stored"] += 1
            self.info["ok" if outcome.status == "ok" else "failed"] += 1
            self.computed += outcome.worker != "driver"  # invalid points cost nothing: keep them out of the ETA
        left = self.info["total"] - self.info["stored"]
        elapsed = time.perf_counter() - self.t0
        self.info.update(state=state, updated_utc=_utc_now(), elapsed_s=round(elapsed, 1),
                         eta_s=round(elapsed / self.computed * left, 1) if self.computed else None)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(self.info, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
        if self.callback is not None and outcome is not None:
            self.callback(self.info["stored"], self.info["total"], self.info["failed"])


def _serial(tasks: Iterator[RunTask]) -> Generator[RunOutcome]:
    for task in tasks:
        yield execute(task)


def _dask(client: Any, tasks: Iterator[RunTask], window: int) -> Generator[RunOutcome]:
    """Outcomes as they complete, keeping at most ``window`` runs submitted at once."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    by_future: dict[Any, RunTask] = {}

    def submit(task: RunTask) -> Any:
        future = client.submit(execute, task, key=f"tracklayer-run-{task.run_key}", pure=False, retries=0)
        by_future[future] = task
        return future

    queue = as_completed([submit(t) for t in islice(tasks, window)])
    try:
        for future in queue:
            task = by_future.pop(future)
            try:
                outcome = future.result()
            except KilledWorker as exc:
                outcome = RunOutcome(task.run_key, task.point_key, task.repetition, task.seed, "failed", draws=task.draws,
                                     error=f"KilledWorker: the run killed every worker that tried it ({exc})".splitlines()[0],
                                     worker="driver", host=socket.gethostname(), pid=os.getpid(),
                                     finished_utc=_utc_now(), versions=versions())
            except Exception as exc:  # the cluster, not the run, failed: stop; the store keeps what it has
                raise SweepError([f"the Dask cluster failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                                  "the runs stored so far are kept: run the same command again to resume"], exit_code=1) from exc
            future.release()
            nxt = next(tasks, None)
            if nxt is not None:
                queue.add(submit(nxt))
            yield outcome
    finally:
        if by_future:
            client.cancel(list(by_future))


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        return Client(address, timeout="10s")
    except (OSError, ValueError, TypeError) as exc:
        raise SweepError([f"--scheduler {address}: cannot connect to a Dask scheduler ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"]) from None


def dask_setup(worker: Any) -> None:
    """Dask preload hook of the local cluster's workers: they ignore SIGINT, so that
    Ctrl-C in a terminal (sent to the whole process group) reaches only the driver,
    which then cancels the runs in flight and closes the cluster."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}
"""Dask settings for workers that run long CPU-bound tasks (see `local_cluster`)."""


def local_cluster(workers: int) -> tuple[Any, Any]:
    """A LocalCluster of ``workers`` single-threaded worker processes, tuned for long
    CPU-bound tasks (`WORKER_CONFIG`): no statistical profiler (it samples the
    running task's stack every 10 ms for a dashboard that is not started), event-loop
    ticks and system and memory monitors every second or more instead of every 20,
    500 and 100 ms (each wake-up takes the GIL from the run), and no
    MALLOC_TRIM_THRESHOLD_ (setting it turns off glibc's adaptive mmap threshold, so
    large NumPy arrays are mapped and faulted in afresh). Runs in default Dask
    workers took 6-8 % more CPU time than in a plain process; with these settings,
    within the 2 % noise (docs/campaigns.md)."""
    import logging
    import signal
    import threading

    import dask
    from distributed import Client, LocalCluster

    # Ctrl-C while the workers start would interrupt them mid-import (a traceback per
    # process): they start with SIGINT ignored, as `dask_setup` keeps it, and a Ctrl-C
    # in the driver during these seconds is ignored too. The scheduler's HTTP server
    # (health and metrics routes, no dashboard) listens on a free loopback port; with
    # ``dashboard_address=None`` alone it would take 8787. The workers' HTTP servers too
    # (older distributed releases bind them to every interface otherwise).
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with dask.config.set(WORKER_CONFIG):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   worker_dashboard_address="127.0.0.1:0",
                                   scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                                   silence_logs=logging.CRITICAL, preload=[__name__])
        client = Client(cluster)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
    return cluster, client


def sweep(
    campaign: Campaign,
    out_dir: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    window: int | None = None,
) -> SweepSummary:
    """Run every run of ``campaign`` that ``out_dir``'s store does not hold yet.

    Parameters
    ----------
    campaign : a loaded campaign (`tracklayer.campaign.spec.load_campaign`)
    out_dir : results folder (created if needed); holds ``campaign.duckdb``
    workers : local worker processes (default: one per CPU); 0 runs every run in
        this process, without Dask
    scheduler : address of an existing Dask scheduler (``tcp://host:8786``);
        excludes ``workers``. Its workers need the same tracklayer installed.
    retry_failed : run again the runs stored as failed
    progress : callback ``(stored, total, failed)`` after every stored run
    window : most runs submitted at once (default: 2 per worker thread, at least 4)

    Returns
    -------
    SweepSummary; ``interrupted`` is True after Ctrl-C (the store keeps every
    run committed so far, and the same call resumes).
    """
    out_dir = Path(out_dir)
    if scheduler is not None and workers is not None:
        raise ValueError("give workers or scheduler, not both")
    runs = campaign.runs
    t0 = time.perf_counter()
    with Store.open(out_dir) as store:
        store.begin_campaign(campaign)
        stored = store.stored()
        if retry_failed:
            again = [k for k, s in stored.items() if s != "ok"]
            store.forget(again)
            stored = {k: s for k, s in stored.items() if s == "ok"}
        todo = [r for r in runs if r.key not in stored]
        if scheduler is not None:
            backend = f"dask scheduler {scheduler}"
        elif workers == 0:
            backend = "serial"
        else:
            workers = workers or os.cpu_count() or 1
            backend = f"local cluster, {workers} worker process(es)"
        tracker = _Progress(out_dir, campaign, len(runs), len(runs) - len(todo), backend, progress)
        tracker.record(None)
        state = "finished"
        cluster = client = None
        outcomes: Generator[RunOutcome] | None = None
        try:
            tasks, invalid = plan(campaign, todo)
            if not tasks:
                backend = tracker.info["backend"] = "the driver (nothing to compute)"
            if tasks and scheduler is not None:
                client = _connect(scheduler)
            elif tasks and workers != 0:
                cluster, client = local_cluster(workers)  # type: ignore[arg-type]
            for outcome in invalid:
                store.add(outcome)
                tracker.record(outcome)
            if client is None:
                outcomes = _serial(iter(tasks))
            else:
                threads = max(sum(client.nthreads().values()), 1)
                outcomes = _dask(client, iter(tasks), window or max(2 * threads, 4))
            for outcome in outcomes:
                store.add(outcome)
                tracker.record(outcome)
        except BaseException as exc:
            if not is_interrupt(exc):
                state = "stopped"
                raise
            state = "interrupted"
        finally:
            tracker.record(None, state)
            if outcomes is not None:
                outcomes.close()
            if client is not None:
                client.close(timeout=10)
            if cluster is not None:
                cluster.close(timeout=10)
    info = tracker.info
    return SweepSummary(out_dir, len(runs), info["skipped"], info["ok"], info["failed"], time.perf_counter() - t0,
                        state == "interrupted", backend)


def plan(campaign: Campaign, runs: list[RunSpec]) -> tuple[list[RunTask], list[RunOutcome]]:
    """Tasks for the runs whose point's scenario validates, failed outcomes for the others.
    A run's geometry draws are applied to its point's scenario here; a drawn scenario
    that does not validate (a launch box out of a preset's range) fails in the worker."""
    from tracklayer.campaign.geometry import apply
    from tracklayer.scenario.loader import parse_scenario

    tasks, invalid = [], []
    data: dict[str, dict | str] = {}
    for run in runs:
        point = run.point
        if point.key not in data:
            scenario = campaign.scenario_data(point)
            try:
                parse_scenario(scenario, campaign.point_source(point))
                data[point.key] = scenario
            except ScenarioError as exc:
                data[point.key] = "; ".join(exc.lines)
        item = data[point.key]
        if isinstance(item, str):
            invalid.append(_failed(run, item))
        else:
            tasks.append(RunTask(run.key, point.key, run.repetition, run.seed, apply(item, run.draws), campaign.point_source(point),
                                 campaign.without(point), run.draws))
    return tasks, invalid
