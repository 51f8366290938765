"""tracklayer's public Python API.

>>> from tracklayer import api
>>> result = api.run("smoke")                      # doctest: +SKIP
>>> result.metrics["custody_fraction"]              # doctest: +SKIP

`run` flies a scenario end to end and returns the tables in memory;
`write_outputs` writes them (Parquet, HTML report, CZML scene) to a folder;
`partner_value` reruns it without each partner nation and compares the pictures.
`coverage` computes coverage figures of merit over the scenario's coverage grid;
`write_coverage` writes them (Parquet, maps, HTML).
`sweep` runs a campaign (many seeded runs over a parameter grid) into a results
folder, locally or on a Dask cluster; `analyze` summarises that folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracklayer.io.tables import Table
from tracklayer.scenario.loader import ScenarioError, builtin_names, load_scenario
from tracklayer.scenario.schema import Scenario

__all__ = [
    "run", "partner_value", "load_scenario", "builtin_names", "write_outputs", "coverage", "write_coverage",
    "RunResult", "ScenarioError", "Scenario", "STAGES", "load_campaign", "sweep", "analyze",
]

STAGES = ("orbits", "threats", "sensing", "tracking", "network", "metrics")
"""Pipeline stages, in order; progress callbacks receive these names."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced.

    Tables (columns documented in docs/outputs.md): ``truth``, ``detections``,
    ``tracks`` (every node's picture, ``node`` column), ``metrics`` (one row per
    threat per node, the lead picture's node first), ``sensors`` and ``links``
    (transport statistics per network link; empty without a network), ``impact``
    (the lead picture's impact predictions, docs/impact.md).
    ``timings_s`` holds wall time per stage; ``state`` holds the in-memory arrays the
    report and scene are drawn from.
    """

    scenario: Scenario
    seed: int
    truth: Table
    detections: Table
    tracks: Table
    metrics: Table
    sensors: Table
    timings_s: dict[str, float]
    state: dict = field(repr=False)
    links: Table | None = None
    impact: Table | None = None

    @property
    def picture_node(self) -> str:
        """The node whose picture leads the summary and the report (``joint`` by default)."""
        return str(self.metrics["node"][0])


def run(scenario: Scenario | str | Path, seed: int | None = None, progress: Progress | None = None, without: tuple[str, ...] | list[str] = ()) -> RunResult:
    """Fly a scenario end to end: orbits, threats, sensing, tracking, network, metrics.

    Parameters
    ----------
    scenario : a `Scenario`, a scenario file path or a built-in name
    seed : overrides the scenario's seed
    progress : optional callback ``(stage, done, total)``
    without : nation ids whose sensors and tracking nodes are left out (the same
        physics and random draws otherwise, so the difference is that partner's
        contribution; see `partner_value`)

    The result is a pure function of (scenario, seed, without).
    """
    from tracklayer.pipeline import run_pipeline
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    _check_nations(scn, without)
    try:
        return run_pipeline(scn, scn.seed if seed is None else int(seed), progress, tuple(without))
    except ThreatPlanError as exc:
        if isinstance(scenario, Scenario):
            raise
        raise exc.relabel(source_label(scenario)) from None


def partner_value(
    scenario: Scenario | str | Path | RunResult,
    seed: int | None = None,
    nations: list[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Table:
    """The marginal value of each partner: the lead picture with and without each
    nation's sensors and nodes (one rerun per nation, same physics and random draws).

    Parameters
    ----------
    scenario : a `Scenario`, a file path, a built-in name, or a finished `RunResult`
        (its orbits, threats and sensing are reused)
    nations : nation ids to assess (default: every nation with a sensor)
    progress : optional callback ``(nation, done, total)``

    Returns
    -------
    One row per nation and threat; columns in docs/network.md (``custody_fraction``,
    ``custody_fraction_without``, ``custody_fraction_gain`` and the same for
    ``warning_time_s``, ``position_rms_m``, ``longest_gap_s``).
    """
    from tracklayer.metrics.partners import partner_table
    from tracklayer.pipeline import run_pipeline

    base = scenario if isinstance(scenario, RunResult) else run(scenario, seed)
    scn = base.scenario
    wanted = sorted(set(base.sensors["nation"].tolist()), key=[n.id for n in scn.nations].index) if nations is None else list(nations)
    _check_nations(scn, wanted)
    reruns = {}
    for k, nation in enumerate(wanted):
        if progress is not None:
            progress(nation, k, len(wanted))
        reruns[nation] = run_pipeline(scn, base.seed, None, (nation,), base.state["physics"])
    if progress is not None:
        progress("", len(wanted), len(wanted))
    return partner_table(base, reruns)


def _check_nations(scn: Scenario, nations) -> None:
    known = [n.id for n in scn.nations]
    for nation in nations:
        if nation not in known:
            raise ScenarioError([f"without: '{nation}' is not among the scenario's nations {known}"])


def write_outputs(result: RunResult, out_dir: str | Path, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write Parquet tables, ``report.html`` and ``scene.czml`` into ``out_dir``.

    Each file is written under a temporary name and renamed, so an interrupted
    write never leaves a truncated file. Returns the written paths by name.
    """
    from tracklayer.io.outputs import write_run

    return write_run(result, Path(out_dir), progress)


def coverage(scenario: Scenario | str | Path, hours: float | None = None, step_s: float | None = None, progress: Callable[[int, int], None] | None = None):
    """Coverage figures of merit of the scenario's constellations over its coverage grid.

    Parameters
    ----------
    scenario : a `Scenario`, a scenario file path or a built-in name
    hours, step_s : override the ``coverage`` block's window length and time step
    progress : optional callback ``(chunks done, chunks total)``

    Returns a `tracklayer.metrics.coverage.CoverageResult` (tables ``grid`` and
    ``series``; columns in docs/sensing.md).
    """
    from tracklayer.metrics.coverage import compute_coverage

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return compute_coverage(scn, None if hours is None else hours * 3600.0, step_s, progress=progress)


def write_coverage(result, scenario: Scenario, out_dir: str | Path, extra: dict | None = None) -> dict[str, Path]:
    """Write a coverage result (Parquet, PNG maps, ``coverage.html``, ``coverage.json``) into ``out_dir``."""
    from tracklayer.io.coverage_outputs import write_coverage as _write

    return _write(result, scenario, Path(out_dir), extra)


def load_campaign(source: str | Path):
    """Load and validate a campaign file or built-in campaign (`tracklayer.campaign.spec.Campaign`);
    raises `tracklayer.campaign.spec.CampaignError` (a `ScenarioError`) naming file and field."""
    from tracklayer.campaign.spec import load_campaign as _load

    return _load(source)


def sweep(campaign, out_dir: str | Path, workers: int | None = None, scheduler: str | None = None,
          retry_failed: bool = False, progress: Callable[[int, int, int], None] | None = None):
    """Run a campaign's runs that ``out_dir`` does not hold yet; see `tracklayer.campaign.executor.sweep`.

    ``campaign``: a `Campaign`, a campaign file path or a built-in campaign name.
    ``workers``: local worker processes (default one per CPU; 0: in this process);
    ``scheduler``: address of an existing Dask scheduler instead. Returns a `SweepSummary`.
    """
    from tracklayer.campaign.executor import sweep as _sweep
    from tracklayer.campaign.spec import Campaign

    camp = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
    return _sweep(camp, out_dir, workers=workers, scheduler=scheduler, retry_failed=retry_failed, progress=progress)


def analyze(out_dir: str | Path, report: str | Path | None = None, ci: str = "t", level: float = 0.95):
    """Statistics per design point, Parquet exports and the HTML report of a campaign's
    results folder; see `tracklayer.campaign.analysis.analyze`."""
    from tracklayer.campaign.analysis import analyze as _analyze

    return _analyze(out_dir, report=report, ci=ci, level=level)  # type: ignore[arg-type]


def _clock() -> float:
    return time.perf_counter()

