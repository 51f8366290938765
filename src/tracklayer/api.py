"""tracklayer's public Python API.

>>> from tracklayer import api
>>> result = api.run("smoke")                      # doctest: +SKIP
>>> result.metrics["custody_fraction"]              # doctest: +SKIP

`run` flies a scenario end to end and returns the tables in memory;
`write_outputs` writes them (Parquet, HTML report, CZML scene) to a folder;
`partner_value` reruns it without each partner nation and compares the pictures.
`sample` flies it at N attack times drawn over a day: the spread of its metrics over
the constellation-vs-launch geometry.
`coverage` computes coverage figures of merit over the scenario's coverage grid;
`write_coverage` writes them (Parquet, maps, HTML).
`export` writes a run or coverage folder as CCSDS OEM, GeoJSON, KML or netCDF.
`sweep` runs a campaign (many seeded runs over a parameter grid) into a results
folder, locally or on a Dask cluster; `check_points` validates its design points first,
`failures` names the commonest errors of its failed runs; `analyze` summarises that folder.
`missed_aims` names the threats of a run that landed off their aim points.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracklayer.errors import ScenarioError, TracklayerError
from tracklayer.results import STAGES, Progress, RunResult, RunState
from tracklayer.scenario.loader import builtin_names, load_scenario
from tracklayer.scenario.schema import Scenario
from tracklayer.table import Table

__all__ = [
    "run", "sample", "partner_value", "load_scenario", "builtin_names", "write_outputs", "coverage", "write_coverage",
    "RunResult", "RunState", "ScenarioError", "TracklayerError", "Scenario", "STAGES", "Progress", "load_campaign", "sweep", "analyze",
    "missed_aims", "saturated_links", "check_points", "failures", "export",
]


def run(scenario: Scenario | str | Path, seed: int | None = None, progress: Progress | None = None, without: tuple[str, ...] | list[str] = (),
        jobs: int = 1) -> RunResult:
    """Fly a scenario end to end: orbits, threats, sensing, tracking, network, metrics.

    Parameters
    ----------
    scenario : a `Scenario`, a scenario file path or a built-in name
    seed : overrides the scenario's seed
    progress : optional callback ``(stage, done, total)``
    without : nation ids whose sensors and tracking nodes are left out (the same
        physics and random draws otherwise, so the difference is that partner's
        contribution; see `partner_value`)
    jobs : processes for the tracking nodes' trackers (forked, Linux only; 1 inside
        campaign workers); the result does not depend on it

    The result is a pure function of (scenario, seed, without).
    """
    from tracklayer.pipeline import check_nations, run_pipeline
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check_nations(scn, without)
    try:
        return run_pipeline(scn, scn.seed if seed is None else int(seed), progress, tuple(without), jobs=jobs)
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
    from tracklayer.pipeline import check_nations, run_pipeline

    base = scenario if isinstance(scenario, RunResult) else run(scenario, seed)
    scn = base.scenario
    wanted = sorted(set(base.sensors["nation"].tolist()), key=[n.id for n in scn.nations].index) if nations is None else list(nations)
    check_nations(scn, wanted)
    reruns = {}
    for k, nation in enumerate(wanted):
        if progress is not None:
            progress(nation, k, len(wanted))
        reruns[nation] = run_pipeline(scn, base.seed, None, (nation,), base.state.physics)
    if progress is not None:
        progress("", len(wanted), len(wanted))
    return partner_table(base, reruns)


SAMPLE_OVER_S = 86400.0
"""`sample` draws attack times over this long after the scenario epoch (a day)."""


def sample(scenario: Scenario | str | Path, n: int, seed: int | None = None, over_s: float = SAMPLE_OVER_S,
           progress: Callable[[int, int], None] | None = None, without: tuple[str, ...] | list[str] = ()) -> Table:
    """Fly a scenario at ``n`` attack times drawn uniformly over ``over_s`` seconds
    after its epoch: the spread of its metrics over the constellation-vs-launch
    geometry, which one run (one attack time) cannot show.

    Sample ``k`` adds ``attack_offset_s`` drawn from the geometry stream of
    repetition ``k`` of ``seed`` (the stream a campaign with that seed and
    ``geometry: {attack_time: {over_s}}`` draws from; docs/campaigns.md) to the
    scenario's own offset, and runs with its own seed derived from (``seed``, ``k``),
    so the samples differ in geometry and noise. ``seed`` defaults to the scenario's.
    Deterministic: the same (scenario, n, seed, over_s) gives the same table.

    Returns one row per sample, node and threat: ``sample``, ``attack_offset_s``,
    ``seed``, then the columns of the run's metrics table (docs/outputs.md).
    """
    import numpy as np

    from tracklayer.campaign.geometry import AttackTime, Geometry, draw
    from tracklayer.campaign.seeds import sample_seed
    from tracklayer.pipeline import check_nations, run_pipeline
    from tracklayer.table import concat

    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    check_nations(scn, without)
    base_seed = scn.seed if seed is None else int(seed)
    geometry = Geometry(attack_time=AttackTime(over_s=over_s))
    parts = []
    for k in range(int(n)):
        if progress is not None:
            progress(k, n)
        offset = draw(geometry, [], base_seed, k)["attack_offset_s"]
        run_seed_k = sample_seed(base_seed, k)
        result = run_pipeline(scn.model_copy(update={"attack_offset_s": scn.attack_offset_s + offset}), run_seed_k, None, tuple(without))
        m = result.metrics
        rows = m.num_rows
        parts.append(Table({
            "sample": np.full(rows, k, dtype=np.int32), "attack_offset_s": np.full(rows, offset), "seed": np.full(rows, run_seed_k, dtype=np.int64),
            **{name: m[name] for name in m.columns if m[name].ndim == 1},
        }))
    if progress is not None:
        progress(n, n)
    return concat(parts) if parts else Table({})


def write_outputs(result: RunResult, out_dir: str | Path, progress: Callable[[str], None] | None = None, report: bool = True,
                  samples: Table | None = None, frame: str = "teme") -> dict[str, Path]:
    """Write Parquet tables, ``report.html`` (unless ``report`` is False) and ``scene.czml``
    into ``out_dir``, and ``samples.parquet`` when ``samples`` (from `sample`) is given.
    ``frame``: inertial frame of the tables' ECI columns, ``teme`` (SGP4's frame of date,
    as computed) or ``gcrs``; each file's metadata names it (docs/outputs.md).

    The files are written into a temporary folder beside ``out_dir`` that then replaces
    it whole: an error or interrupt leaves ``out_dir`` as it was, files of a previous run
    that this one does not write are removed, other files in it are kept (docs/outputs.md).
    Returns the written paths by name.
    """
    from tracklayer.outputs.run import OWNED, write_run

    skip = () if report else ("report",)
    extra = {"samples": samples} if samples is not None else None
    return _write_folder(lambda tmp: write_run(result, tmp, progress, skip, extra, frame), out_dir, OWNED)


def _write_folder(write: Callable[[Path], dict[str, Path]], out_dir: str | Path, owned: tuple[str, ...]) -> dict[str, Path]:
    """``write`` into a temporary folder swapped in as ``out_dir``; the paths it returns, moved there."""
    from tracklayer.outputs.atomic import replacing

    with replacing(out_dir, owned) as tmp:
        written = write(tmp)
    return {name: Path(out_dir) / path.relative_to(tmp) for name, path in written.items()}


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
    """Write a coverage result (Parquet, PNG maps, ``coverage.html``, ``coverage.json``) into
    ``out_dir``, replacing it whole as `write_outputs` does."""
    from tracklayer.outputs.coverage import OWNED
    from tracklayer.outputs.coverage import write_coverage as _write

    return _write_folder(lambda tmp: _write(result, scenario, tmp, extra), out_dir, OWNED)


def export(folder: str | Path, fmt: str, out_dir: str | Path | None = None, what: list[str] | tuple[str, ...] | None = None,
           progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Export a run folder (`write_outputs`) or coverage folder (`write_coverage`) to an
    interchange format: ``oem`` (CCSDS OEM), ``geojson``, ``kml`` or ``netcdf``
    (`tracklayer.outputs.export`; docs/export.md).

    ``out_dir`` (default ``FOLDER/export``) gets the files: those it held of the same
    names are replaced together, everything else in it is kept. ``what``: kinds to export
    (default: all the folder has that the format holds). Raises
    `tracklayer.outputs.export.ExportError` (one line) for a folder, format or selection
    that does not fit. Returns the written paths by name.
    """
    from tracklayer.outputs.export import plan_export, write_export

    plan = plan_export(folder, fmt, what)
    target = Path(folder) / "export" if out_dir is None else Path(out_dir)
    return _write_folder(lambda tmp: write_export(plan, tmp, progress), target, plan.owned)


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
    results folder (``report.html`` in it unless ``report`` names another path); see
    `tracklayer.campaign.analysis.analyze` and `tracklayer.campaign.report.write_report`.
    Returns the `Analysis` with the report's path under ``files["report"]``."""
    from tracklayer.campaign.analysis import analyze as _analyze
    from tracklayer.campaign.report import write_report

    analysis = _analyze(out_dir, ci=ci, level=level)  # type: ignore[arg-type]
    path = Path(report) if report is not None else Path(out_dir) / "report.html"
    analysis.files["report"] = write_report(analysis.data, path, ci, level)
    return analysis


def saturated_links(result: RunResult) -> list[str]:
    """One line per link channel that was offered its whole bandwidth or more in some
    minute (the links table's ``peak_load`` >= 1); empty without a network."""
    from tracklayer.network.run import saturated_links as lines

    return lines(result.links) if result.links is not None else []


def missed_aims(result: RunResult) -> list[str]:
    """One line per threat of the lead picture that landed farther from its aim point than
    the scenario's tolerance (``metrics.miss_tolerance_*_km``); empty when all landed on aim."""
    from tracklayer.metrics.phase_metrics import Quality

    lead = result.metrics.take(result.metrics["node"] == result.picture_node)
    return Quality.from_scenario(result.scenario).missed_aim_lines(lead)


def check_points(campaign) -> list[tuple[int, str, str, str | None]]:
    """Validate every design point's scenario of a campaign without running it: one
    ``(index, key, label, problem)`` per point, ``problem`` None when the point is valid
    (an invalid point's runs are stored as failed by `sweep`)."""
    from tracklayer.campaign.spec import Campaign

    camp = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
    checks: list[tuple[int, str, str, str | None]] = []
    for point in camp.points:
        try:
            camp.scenario(point)
            problem = None
        except ScenarioError as exc:
            problem = "; ".join(line.split(": ", 1)[-1] for line in exc.lines)
        checks.append((point.index, point.key, point.label(), problem))
    return checks


def failures(out_dir: str | Path, limit: int = 3) -> list[tuple[str, int]]:
    """The commonest errors of a results folder's failed runs, most frequent first:
    ``(error, number of runs)``."""
    from tracklayer.campaign.store import Store

    with Store.open(out_dir, read_only=True) as store:
        return store.failure_counts(limit)
