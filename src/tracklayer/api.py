"""tracklayer's public Python API.

>>> from tracklayer import api
>>> result = api.run("smoke")                      # doctest: +SKIP
>>> result.metrics["custody_fraction"]              # doctest: +SKIP

`run` flies a scenario end to end and returns the tables in memory;
`write_outputs` writes them (Parquet, HTML report, CZML scene) to a folder.
`coverage` computes coverage figures of merit over the scenario's coverage grid;
`write_coverage` writes them (Parquet, maps, HTML).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracklayer.io.tables import Table
from tracklayer.scenario.loader import ScenarioError, builtin_names, load_scenario
from tracklayer.scenario.schema import Scenario

__all__ = ["run", "load_scenario", "builtin_names", "write_outputs", "coverage", "write_coverage", "RunResult", "ScenarioError", "Scenario", "STAGES"]

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
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    try:
        return run_pipeline(scn, scn.seed if seed is None else int(seed), progress)
    except ThreatPlanError as exc:
        if isinstance(scenario, Scenario):
            raise
        raise exc.relabel(source_label(scenario)) from None


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


def _clock() -> float:
    return time.perf_counter()

