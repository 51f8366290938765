"""Command-line interface: parse -> validate -> call the API -> write.

Heavy modules are imported inside the commands so that ``tracklayer --help`` is fast.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator, Optional

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="tracklayer: simulate and evaluate an allied space-based missile tracking architecture.",
)
console = Console(stderr=True)
out = Console()


def _fail(lines: list[str], code: int = 2) -> None:
    for line in lines:
        console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load(source: str):
    from tracklayer.errors import ScenarioError
    from tracklayer.scenario.loader import load_scenario

    try:
        scn = load_scenario(source)
    except ScenarioError as exc:
        _fail(exc.lines)
    from tracklayer.scenario.budget import estimate

    warning = estimate(scn).warning()
    if warning is not None:
        console.print(f"warning: {source}: {warning}", markup=False, highlight=False, soft_wrap=True)
    return scn


@contextmanager
def _interrupts() -> Iterator[SimpleNamespace]:
    """SIGTERM raises KeyboardInterrupt as Ctrl-C (SIGINT) does, so both unwind the same
    clean-up; the yielded ``signum`` says which arrived (exit status 128 + signum: 130
    for SIGINT, 143 for SIGTERM)."""
    import signal

    caught = SimpleNamespace(signum=int(signal.SIGINT))

    def on_term(signum: int, frame: object) -> None:
        caught.signum = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield caught
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_out(out_dir: Path, need_bytes: int) -> bool:
    """Exit 2 with one line unless --out can take the results (before any computation);
    True if it holds previous results."""
    from tracklayer.outputs.preflight import OutputFolderError, check_out_dir

    try:
        check_out_dir(out_dir, need_bytes)
    except OutputFolderError as exc:
        _fail(exc.lines)
    return out_dir.is_dir()


def _untouched(out_dir: Path, previous: bool) -> str:
    return f"the previous results in {out_dir}/ are untouched" if previous else f"nothing was written to {out_dir}/"


def _write(write, out_dir: Path, previous: bool):
    """Call ``write`` (which replaces --out whole); a failure of the disk (full, read-only,
    gone) exits 1 with one line."""
    try:
        return write()
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _fail([f"--out {out_dir}: cannot write the results: {exc.strerror or exc}{where}; {_untouched(out_dir, previous)}"], 1)


def _interrupted(exc: KeyboardInterrupt, signum: int, out_dir: Path, previous: bool, written: bool) -> None:
    from tracklayer.outputs.atomic import results_complete

    name = {2: "Ctrl-C", 15: "SIGTERM"}.get(signum, f"signal {signum}")
    if written or results_complete(exc):
        _fail([f"interrupted ({name}) after the new results were complete in {out_dir}/"], 128 + signum)
    _fail([f"interrupted ({name}); {_untouched(out_dir, previous)}"], 128 + signum)


def _fmt(value: float, kind: str) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "s":
        return f"{value:.0f}"
    if kind == "%":
        return f"{100 * value:.0f}%"
    if kind == "km":
        return f"{value / 1e3:,.2f}"
    return str(value)


def _summary(result) -> None:
    from rich import box
    from rich.table import Table as RichTable

    m = result.metrics.take(result.metrics["node"] == result.picture_node)
    table = RichTable(
        title=f"{result.scenario.name}: per-threat summary, node '{m['node'][0]}' (times in s after launch)",
        title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
    )
    headers = [
        ("threat", None, "threat"), ("kind", None, "kind"), ("flight", "s", "flight_s"),
        ("detect", "s", "time_to_first_detection_s"), ("track", "s", "time_to_confirmed_track_s"),
        ("warning", "s", "warning_time_s"), ("custody", "%", "custody_fraction"),
        ("rms km", "km", "position_rms_m"), ("IR>=1", "%", "ir_coverage_1"), ("IR>=2", "%", "ir_coverage_2"),
        ("radar", "%", "radar_coverage"),
    ]
    for title, kind, _ in headers:
        table.add_column(title, justify="left" if kind is None else "right", no_wrap=True, min_width=len(title))
    for i in range(m.num_rows):
        table.add_row(*[str(m[col][i]) if kind is None else _fmt(float(m[col][i]), kind) for _, kind, col in headers])
    if not out.is_terminal:
        out.width = max(out.width, 110)
    out.print(table)
    _phase_summary(result)
    nodes = list(dict.fromkeys(result.metrics["node"].tolist()))
    if len(nodes) > 1:
        _node_summary(result, nodes)


def _phase_summary(result) -> None:
    """Custody by flight phase of the lead picture: held % / within warning quality % /
    within fire-control quality % in each phase the threat flew."""
    import numpy as np
    from rich import box
    from rich.table import Table as RichTable

    from tracklayer.threats import PHASES

    pm = result.phase_metrics
    if pm is None:
        return
    pm = pm.take(pm["node"] == result.picture_node)
    q = result.scenario.metrics
    table = RichTable(title=f"custody by phase (held % / within {q.warning_quality_km:g} km % / within {q.fire_control_quality_km:g} km %)",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for title in ("threat",) + PHASES + ("all", "radar/space/both"):
        table.add_column(title, justify="left" if title == "threat" else "right", no_wrap=True)
    for threat in dict.fromkeys(pm["threat"].tolist()):
        rows = pm.take(pm["threat"] == threat)
        cells = {str(rows["phase"][k]): "/".join(_fmt(float(rows[c][k]), "%").rstrip("%") for c in ("custody_fraction", "custody_warning_quality", "custody_fire_control_quality"))
                 for k in range(rows.num_rows)}
        k_all = int(np.flatnonzero(rows["phase"] == "all")[0])
        split = "/".join(_fmt(float(rows[c][k_all]), "%").rstrip("%") for c in ("custody_radar_only", "custody_space_only", "custody_both"))
        table.add_row(threat, *[cells.get(p, "-") for p in PHASES], cells["all"], split)
    out.print(table)


def _node_summary(result, nodes: list[str]) -> None:
    import numpy as np
    from rich import box
    from rich.table import Table as RichTable

    m = result.metrics
    table = RichTable(title="pictures by node (means over threats)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for title in ("node", "custody", "rms km", "latency s", "duplicates", "false tracks", "track ids"):
        table.add_column(title, justify="left" if title == "node" else "right", no_wrap=True)
    for node in nodes:
        sel = m["node"] == node
        mean = lambda key: float(np.nanmean(m[key][sel])) if np.isfinite(m[key][sel]).any() else float("nan")  # noqa: E731
        table.add_row(node, _fmt(mean("custody_fraction"), "%"), _fmt(mean("position_rms_m"), "km"), _fmt(mean("track_latency_s"), "s"),
                      _fmt(mean("duplicate_fraction"), "%"), str(int(m["false_tracks"][sel][0])), str(int(m["track_ids"][sel].sum())))
    out.print(table)


@app.command()
def run(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name (see `tracklayer scenarios`)."),
    out_dir: Path = typer.Option(Path("results"), "--out", "-o", help="Folder for the outputs (created if needed)."),
    seed: Optional[int] = typer.Option(None, min=0, help="Override the scenario's seed."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
    view_after: bool = typer.Option(False, "--view", help="Then serve the run in the offline globe viewer (as `tracklayer view`)."),
    port: int = typer.Option(0, min=0, max=65535, help="With --view: port to listen on (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="With --view: open the viewer in a web browser."),
    without: list[str] = typer.Option([], "--without", help="Leave out a nation's sensors and tracking nodes (repeatable)."),
    samples: int = typer.Option(0, "--samples", min=0, max=100_000, help="Also fly N attack times drawn over a day and print each metric's spread (writes samples.parquet)."),
) -> None:
    """Fly a scenario end to end and write tables, report and scene to --out."""
    scn = _load(scenario)
    _check_without(scn, scenario, without)
    if view_after:
        _viewer_assets()
    from tracklayer.outputs.preflight import run_bytes

    previous = _check_out(out_dir, run_bytes(scn))

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tracklayer import api
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    written = None
    try:
        with _interrupts() as caught, Progress(
            TextColumn("[bold]{task.description:<12}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=console, disable=quiet, transient=False,
        ) as bar:
            tasks = {stage: bar.add_task(stage, total=1) for stage in api.STAGES}
            write_task = bar.add_task("outputs", total=9)

            def on_stage(stage: str, done: int, total: int) -> None:
                bar.update(tasks[stage], completed=done, total=total)

            try:
                result = api.run(scn, seed=seed, progress=on_stage, without=without)
            except ThreatPlanError as exc:
                bar.stop()
                _fail(exc.relabel(source_label(scenario)).lines)

            drawn = None
            if samples:
                sample_task = bar.add_task("samples", total=samples)
                drawn = api.sample(scn, samples, seed=seed, without=without, progress=lambda done, total: bar.update(sample_task, completed=done))

            def on_file(name: str) -> None:
                bar.update(write_task, advance=1, description="outputs")

            written = _write(lambda: api.write_outputs(result, out_dir, progress=on_file, samples=drawn), out_dir, previous)
            bar.update(write_task, completed=9)
    except KeyboardInterrupt as exc:
        _interrupted(exc, caught.signum, out_dir, previous, written is not None)
    _warn_missed_aims(result)
    if not quiet:
        _summary(result)
        if drawn is not None:
            from tracklayer.terminal import samples_table

            out.print(samples_table(drawn, result.metrics, result.picture_node,
                                    f"over {samples} attack times drawn over a day, node '{result.picture_node}' (one draw: the scenario as written)"))
        out.print(f"wrote {len(written)} files to {out_dir}/ (open {written['report']} in a browser)")
    if view_after:
        _serve(out_dir, "127.0.0.1", port, open_browser)


def _warn_missed_aims(result) -> None:
    from tracklayer.metrics.phase_metrics import Quality

    lead = result.metrics.take(result.metrics["node"] == result.picture_node)
    for line in Quality.from_scenario(result.scenario).missed_aim_lines(lead):
        console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def validate(scenario: str = typer.Argument(..., help="Scenario file path or built-in name.")) -> None:
    """Check a scenario file; print every problem with its field path (exit 2 if any).

    Besides the schema, every threat is targeted, so an aim point out of reach is reported."""
    scn = _load(scenario)
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError, plan_threats

    try:
        plan_threats(list(scn.threats), scn.step_s)
    except ThreatPlanError as exc:
        _fail(exc.relabel(source_label(scenario)).lines)
    out.print(
        f"{scenario}: valid scenario '{scn.name}': {scn.duration_s:.0f} s at {scn.step_s:g} s steps, "
        f"{len(scn.constellations)} constellation(s), {len(scn.radars)} radar(s), {len(scn.threats)} threat(s)"
    )


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    from tracklayer.scenario.loader import builtin_names, load_scenario

    for name in builtin_names():
        scn = load_scenario(name)
        out.print(f"{name:<16} {scn.description.strip().splitlines()[0] if scn.description else ''}", markup=False)


@app.command()
def info() -> None:
    """Print versions and the active compute engine."""
    import importlib.metadata as md
    import platform

    import tracklayer
    from tracklayer.kernels import engine

    out.print(f"tracklayer {tracklayer.__version__}  (Python {platform.python_version()}, {platform.machine()})")
    for pkg in ("numpy", "scipy", "numba", "sgp4", "pydantic", "pyarrow", "matplotlib", "typer", "rich", "duckdb", "distributed"):
        try:
            version = md.version(pkg)
        except md.PackageNotFoundError:
            version = "not installed"
        out.print(f"  {pkg:<11} {version}")
    out.print(f"compute engine: {engine()}  (set TRACKLAYER_ENGINE=numpy to use the NumPy reference kernels)")


def _load_campaign(source: str):
    from tracklayer.campaign.spec import load_campaign
    from tracklayer.errors import ScenarioError

    try:
        return load_campaign(source)
    except ScenarioError as exc:  # CampaignError, or a YAML error of the file
        _fail(exc.lines)


def _dry_run(campaign) -> None:
    from tracklayer.errors import ScenarioError

    points = campaign.points
    invalid = 0
    for point in points:
        try:
            campaign.scenario(point)
            status = "ok"
        except ScenarioError as exc:
            invalid += 1
            status = "invalid: " + "; ".join(line.split(": ", 1)[-1] for line in exc.lines)
        if point.index < 50 or status != "ok":
            out.print(f"  {point.index:>4}  {point.key}  {point.label()}  [{status}]", markup=False, highlight=False)
    if len(points) > 50:
        out.print(f"  ... {len(points) - 50} more point(s)")
    out.print(f"{invalid} invalid point(s): their runs will be stored as failed" if invalid else "every point's scenario is valid")


@app.command()
def sweep(
    campaign: str = typer.Argument(..., help="Campaign file path or built-in name (see `tracklayer campaigns`)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Results folder (created if needed); the same command again resumes."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=0, help="Local worker processes (default: one per CPU; 0: run in this process)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run the runs stored as failed again."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate the campaign, list its design points, run nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a campaign: every design point x Monte Carlo repetition, into a results store in --out."""
    camp = _load_campaign(campaign)
    if workers is not None and scheduler is not None:
        _fail(["--workers and --scheduler exclude each other: give one"])
    if out_dir.exists() and not out_dir.is_dir():
        _fail([f"--out {out_dir}: exists and is not a folder"])
    spec = camp.spec
    out.print(f"{spec.name}: {len(camp.points)} design point(s) x {spec.repetitions} repetition(s) = {len(camp.runs)} runs -> {out_dir}/",
              markup=False, highlight=False)
    if dry_run:
        _dry_run(camp)
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from tracklayer import api
    from tracklayer.campaign.executor import SweepError
    from tracklayer.campaign.store import Store, StoreError

    try:
        with _interrupts() as caught, Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, disable=quiet,
        ) as bar:
            task: list = []

            def on_progress(stored: int, total: int, failed: int) -> None:
                if not task:
                    task.append(bar.add_task(spec.name, total=total, completed=stored, failed=failed))
                bar.update(task[0], completed=stored, failed=failed)

            summary = api.sweep(camp, out_dir, workers=workers, scheduler=scheduler, retry_failed=retry_failed, progress=on_progress)
    except StoreError as exc:
        _fail(exc.lines)
    except SweepError as exc:
        _fail(exc.lines, exc.exit_code)
    if summary.interrupted:
        _fail([f"interrupted: {summary.stored} of {summary.total} runs are stored in {out_dir}/; run the same command again to resume"], 128 + caught.signum)
    out.print(
        f"{summary.stored} of {summary.total} runs stored in {out_dir}/: {summary.ok} ok and {summary.failed} failed in "
        f"{summary.wall_s:.0f} s on {summary.backend}, {summary.skipped} already stored", markup=False, highlight=False, soft_wrap=True,
    )
    with Store.open(out_dir, read_only=True) as store:
        errors = store.query("SELECT error, count(*) AS n FROM runs WHERE status <> 'ok' GROUP BY error ORDER BY n DESC, error LIMIT 3")
    for error, n in zip(errors["error"].tolist(), errors["n"].tolist()):
        out.print(f"  failed x{n}: {error}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"next: tracklayer analyze {out_dir}", markup=False, highlight=False)


@app.command()
def analyze(
    results: Path = typer.Argument(..., help="Results folder written by `tracklayer sweep`."),
    report: Optional[Path] = typer.Option(None, "--report", help="Path of the HTML report (default: RESULTS/report.html)."),
    ci: str = typer.Option("t", "--ci", help="Confidence intervals of the means: t (Student) or bootstrap."),
    level: float = typer.Option(0.95, "--level", min=0.5, max=0.999, help="Confidence level."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary table."),
) -> None:
    """Statistics per design point with confidence intervals, Parquet exports and an HTML report."""
    if ci not in ("t", "bootstrap"):
        _fail([f"--ci {ci}: choose t or bootstrap"])
    if report is not None and not report.parent.is_dir():
        _fail([f"--report {report}: folder {report.parent} does not exist"])

    from tracklayer import api
    from tracklayer.campaign.report import summary_rows
    from tracklayer.campaign.store import StoreError

    try:
        result = api.analyze(results, report=report, ci=ci, level=level)
    except StoreError as exc:
        _fail(exc.lines)
    if not quiet and result.data.ok.any():
        from rich import box
        from rich.table import Table as RichTable

        headers, rows = summary_rows(result.data, level, ci, metrics=("custody_fraction", "warning_time_s"))
        table = RichTable(title=f"{result.data.name}: means over runs [{100 * level:.0f} % CI]", title_justify="left",
                          box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
        for text, numeric in headers:
            table.add_column(text, justify="right" if numeric else "left")
        for row in rows:
            table.add_row(*row)
        if not out.is_terminal:
            out.width = max(out.width, 160)
        out.print(table)
    names = ", ".join(p.name for p in result.files.values())
    out.print(f"wrote {names} to {results}/ (open {result.files['report']} in a browser)", markup=False, highlight=False, soft_wrap=True)


@app.command()
def campaigns() -> None:
    """List the built-in campaigns."""
    from tracklayer.campaign.spec import builtin_campaigns, load_campaign

    for name in builtin_campaigns():
        camp = load_campaign(name)
        out.print(f"{name:<20} {len(camp.points)} design points x {camp.spec.repetitions} repetitions = {len(camp.runs)} runs "
                  f"of scenario {camp.spec.scenario}", markup=False, highlight=False, soft_wrap=True)


def _check_without(scn, scenario: str, nations: list[str]) -> None:
    known = [n.id for n in scn.nations]
    for nation in nations:
        if nation not in known:
            _fail([f"--without {nation}: not a nation of {scenario} (nations: {', '.join(known)})"])


@app.command()
def partners(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name."),
    seed: Optional[int] = typer.Option(None, min=0, help="Override the scenario's seed."),
    nation: list[str] = typer.Option([], "--nation", help="Assess only this nation (repeatable; default: every nation with sensors)."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the table to this Parquet file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Marginal value of each partner: the lead picture with and without each nation's sensors and nodes."""
    scn = _load(scenario)
    _check_without(scn, scenario, nation)
    if out_file is not None and out_file.suffix != ".parquet":
        _fail([f"--out {out_file}: give a .parquet file name"])

    from rich import box
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table as RichTable

    from tracklayer import api
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    try:
        with Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(), TimeElapsedColumn(), console=console, disable=quiet) as bar:
            task = bar.add_task("baseline", total=1)
            base = api.run(scn, seed=seed, progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
            task2 = bar.add_task("partners", total=1)
            value = api.partner_value(base, nations=nation or None,
                                      progress=lambda who, d, n: bar.update(task2, description=f"without {who}" if who else "partners", completed=d, total=n))
    except ThreatPlanError as exc:
        _fail(exc.relabel(source_label(scenario)).lines)
    except KeyboardInterrupt:
        _fail(["interrupted"], 130)
    table = RichTable(title=f"{scn.name}: partner value to the '{base.picture_node}' picture (gain = with - without; + helps)",
                      title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    for title in ("nation", "threat", "custody", "without", "gain", "warning s", "gain s", "rms km", "gain km"):
        table.add_column(title, justify="left" if title in ("nation", "threat") else "right", no_wrap=True)

    def gain(v: float, kind: str) -> str:
        text = _fmt(v, kind)
        if text == "-" or text.lstrip("-").strip("0.%") == "":
            return text.lstrip("-") or text  # no gain: no sign
        return text if text.startswith("-") else "+" + text

    for i in range(value.num_rows):
        table.add_row(str(value["nation"][i]), str(value["threat"][i]), _fmt(value["custody_fraction"][i], "%"),
                      _fmt(value["custody_fraction_without"][i], "%"), gain(value["custody_fraction_gain"][i], "%"),
                      _fmt(value["warning_time_s"][i], "s"), gain(value["warning_time_s_gain"][i], "s"),
                      _fmt(value["position_rms_m"][i], "km"), gain(value["position_rms_m_gain"][i], "km"))
    if not out.is_terminal:
        out.width = max(out.width, 110)
    out.print(table)
    if out_file is not None:
        from tracklayer.io.tables import write_parquet

        try:
            write_parquet(value, out_file)
        except OSError as exc:
            _fail([f"--out {out_file}: cannot write ({exc.strerror})"])
        out.print(f"wrote {out_file}")


def _viewer_assets() -> None:
    from tracklayer.viewer.server import ViewerError, find_cesium

    try:
        find_cesium()
    except ViewerError as exc:
        _fail([str(exc)])


def _serve(run_dir: Path, host: str, port: int, open_browser: bool) -> None:
    from tracklayer.viewer.server import ViewerError, serve

    try:
        serve(run_dir, host=host, port=port, open_browser=open_browser, say=lambda line: out.print(line, markup=False, highlight=False, soft_wrap=True))
    except ViewerError as exc:
        _fail([str(exc)])


@app.command()
def view(
    run_dir: Path = typer.Argument(..., help="A run folder (the --out of `tracklayer run`)."),
    port: int = typer.Option(0, min=0, max=65535, help="Port to listen on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; keep a loopback address unless you mean to share the run."),
    open_browser: bool = typer.Option(False, "--open", help="Open the viewer in a web browser."),
) -> None:
    """Serve a run folder as an interactive, offline 3D/2D globe on a local web server."""
    _serve(run_dir, host, port, open_browser)


@app.command()
def coverage(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name."),
    out_dir: Path = typer.Option(Path("results/coverage"), "--out", "-o", help="Folder for the outputs (created if needed)."),
    hours: Optional[float] = typer.Option(None, min=0.01, max=720.0, help="Window length, hours (default: the scenario's coverage.duration_s)."),
    step: Optional[float] = typer.Option(None, min=1.0, max=3600.0, help="Time step, s (default: coverage.step_s)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
) -> None:
    """Coverage figures of merit over a lat/lon grid (scenario's `coverage` block): Parquet, maps, HTML."""
    scn = _load(scenario)
    if not scn.constellations:
        _fail([f"{scenario}: the scenario has no constellations, so there is no space coverage to compute"])
    from tracklayer.outputs.preflight import coverage_bytes

    previous = _check_out(out_dir, coverage_bytes(scn, None if hours is None else hours * 3600.0, step))

    import resource
    import time

    from rich import box
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table as RichTable

    from tracklayer import api
    from tracklayer.metrics.coverage import summary

    start = time.perf_counter()
    written = None
    try:
        with _interrupts() as caught, Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=console, disable=quiet) as bar:
            task = bar.add_task("coverage", total=1)
            result = api.coverage(scn, hours=hours, step_s=step, progress=lambda d, n: bar.update(task, completed=d, total=n))
            compute_s = time.perf_counter() - start
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
            bar.add_task("outputs", total=1)
            extra = {"compute_s": round(compute_s, 3), "peak_rss_mib": round(peak_mib, 1)}
            written = _write(lambda: api.write_coverage(result, scn, out_dir, extra), out_dir, previous)
    except KeyboardInterrupt as exc:
        _interrupted(exc, caught.signum, out_dir, previous, written is not None)
    if not quiet:
        s = summary(result)
        table = RichTable(title=f"{scn.name}: coverage, area-weighted over the grid ({result.n_steps} steps of {result.step_s:g} s, "
                                f"{result.n_satellites} satellites)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for title in ("target", "alt km", "kW/sr", ">=1", ">=2", ">=3", "mean n", "worst gap min", "response s"):
            table.add_column(title, justify="left" if title == "target" else "right", no_wrap=True)
        for i in range(s.num_rows):
            table.add_row(str(s["target"][i]), f"{s['altitude_km'][i]:g}", f"{s['intensity_kw_sr'][i]:g}",
                          *[f"{100 * s[k][i]:.0f}%" for k in ("frac_1", "frac_2", "frac_3")], f"{s['mean_assets'][i]:.2f}",
                          f"{s['worst_longest_gap_1_s'][i] / 60:.0f}", f"{s['mean_response_1_s'][i]:.0f}")
        if not out.is_terminal:
            out.width = max(out.width, 110)
        out.print(table)
        out.print(f"computed in {compute_s:.1f} s (peak memory {peak_mib:,.0f} MiB); wrote {len(written)} files to {out_dir}/ "
                  f"(open {written['html']} in a browser)")


def main() -> None:
    """Entry point of the ``tracklayer`` command."""
    from tracklayer.errors import TracklayerError

    try:
        app()
    except BrokenPipeError:  # e.g. `tracklayer info | head`
        sys.stderr.close()
    except TracklayerError as exc:  # any bad input a command did not report itself: its lines, no traceback
        for line in exc.lines:
            print(line, file=sys.stderr)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
