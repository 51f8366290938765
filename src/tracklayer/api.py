"""tracklayer's public Python API.

>>> from tracklayer import api
>>> result = api.run("smoke")                      # doctest: +SKIP
>>> result.metrics["custody_fraction"]              # doctest: +SKIP

`run` flies a scenario end to end and returns the tables in memory;
`write_outputs` writes them (Parquet, HTML report, CZML scene) to a folder.
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
    "run", "load_scenario", "builtin_names", "write_outputs", "RunResult", "ScenarioError", "Scenario", "STAGES",
    "load_campaign", "sweep", "analyze",
]

STAGES = ("orbits", "threats", "sensing", "tracking", "metrics")
"""Pipeline stages, in order; progress callbacks receive these names."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunResult:
    """Everything one run produced.

    Tables (columns documented in docs/outputs.md): ``truth``, ``detections``,
    ``tracks``, ``metrics``, ``sensors``. ``timings_s`` holds wall time per stage;
    ``state`` holds the in-memory arrays the report and scene are drawn from.
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


def run(scenario: Scenario | str | Path, seed: int | None = None, progress: Progress | None = None) -> RunResult:
    """Fly a scenario end to end: orbits, threats, sensing, tracking, metrics.

    Parameters
    ----------
    scenario : a `Scenario`, a scenario file path or a built-in name
    seed : overrides the scenario's seed
    progress : optional callback ``(stage, done, total)``

    The result is a pure function of (scenario, seed).
    """
    from tracklayer.pipeline import run_pipeline

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return run_pipeline(scn, scn.seed if seed is None else int(seed), progress)


def write_outputs(result: RunResult, out_dir: str | Path, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write Parquet tables, ``report.html`` and ``scene.czml`` into ``out_dir``.

    Each file is written under a temporary name and renamed, so an interrupted
    write never leaves a truncated file. Returns the written paths by name.
    """
    from tracklayer.io.outputs import write_run

    return write_run(result, Path(out_dir), progress)


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

