"""Command-line interface: parse the arguments, call `tracklayer.api`, render the result
with `tracklayer.terminal`. Every command is registered through `command`, whose one
handler turns a `tracklayer.errors.TracklayerError` into its lines and exit status.

Heavy modules are imported inside the commands so that ``tracklayer --help`` is fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

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


def command(fn: Callable[..., None]) -> Callable[..., None]:
    """Register a command whose tracklayer errors (bad input, damaged files, a folder that
    cannot be written) end it with their lines on stderr and their exit status, never a
    traceback: one handler for every command."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> None:
        from tracklayer.errors import TracklayerError

        try:
            fn(*args, **kwargs)
        except TracklayerError as exc:
            _fail(exc.lines, exc.exit_code)

    app.command()(guarded)
    return guarded


def _version() -> str:
    """The installed distribution's version, else the source tree's."""
    import importlib.metadata as md

    try:
        return md.version("tracklayer")
    except md.PackageNotFoundError:
        from tracklayer import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        out.print(f"tracklayer {_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """tracklayer: simulate and evaluate an allied space-based missile tracking architecture."""


def _fail(lines: list[str], code: int = 2) -> NoReturn:
    from tracklayer.io.checked import printable

    for line in lines:
        console.print(f"error: {printable(line)}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load(source: str):
    """The validated scenario, with a one-line warning when it is estimated to run long."""
    from tracklayer.scenario.budget import estimate
    from tracklayer.scenario.loader import load_scenario

    scn = load_scenario(source)

    warning = estimate(scn).warning()
    if warning is not None:
        console.print(f"warning: {source}: {warning}", markup=False, highlight=False, soft_wrap=True)
    return scn


@contextmanager
def _labelled(source: str) -> Iterator[None]:
    """Threat-plan errors name the scenario file or built-in the command was given."""
    from tracklayer.scenario.loader import source_label
    from tracklayer.threats.plan import ThreatPlanError

    try:
        yield
    except ThreatPlanError as exc:
        raise exc.relabel(source_label(source)) from None


@contextmanager
def _interrupts() -> Iterator[SimpleNamespace]:
    """SIGTERM raises KeyboardInterrupt as Ctrl-C (SIGINT) does, so both unwind the same
    clean-up; the yielded ``signum`` says which arrived (exit status 128 + signum: 130
    for SIGINT, 143 for SIGTERM)."""
    import signal

    caught = SimpleNamespace(signum=int(signal.SIGINT), received=False)

    def on_term(signum: int, frame: object) -> None:
        caught.signum, caught.received = signum, True
        raise KeyboardInterrupt

    def on_unraisable(unraisable: Any) -> None:  # an interrupt raised inside a finalizer: honoured later, not printed
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            caught.received = True
        else:
            sys.__unraisablehook__(unraisable)

    previous, previous_hook = signal.signal(signal.SIGTERM, on_term), sys.unraisablehook
    sys.unraisablehook = on_unraisable
    try:
        yield caught
        _honour(caught)
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


def _honour(caught: SimpleNamespace) -> None:
    """Raise the KeyboardInterrupt of a SIGINT or SIGTERM that was swallowed: Python only
    reports an exception raised inside a finalizer (a library's clean-up handler running
    when the signal arrived) and carries on, so `_interrupts` records it and the flag is
    checked again before writing results and when the work ends."""
    if caught.received:
        raise KeyboardInterrupt


def _check_out(out_dir: Path, need_bytes: int) -> bool:
    """Exit 2 with one line unless --out can take the results (before any computation);
    True if it holds previous results."""
    from tracklayer.outputs.preflight import check_out_dir

    check_out_dir(out_dir, need_bytes)
    return out_dir.is_dir()


def _untouched(out_dir: Path, previous: bool) -> str:
    return f"the previous results in {out_dir}/ are untouched" if previous else f"nothing was written to {out_dir}/"


def _write(write: Callable[[], dict[str, Path]], out_dir: Path, previous: bool) -> dict[str, Path]:
    """Call ``write`` (which replaces --out whole); a failure of the disk (full, read-only,
    gone) exits 1 with one line."""
    try:
        return write()
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _fail([f"--out {out_dir}: cannot write the results: {exc.strerror or exc}{where}; {_untouched(out_dir, previous)}"], 1)


def _interrupted(exc: KeyboardInterrupt, signum: int, out_dir: Path, previous: bool, written: bool) -> NoReturn:
    from tracklayer.outputs.atomic import results_complete

    name = {2: "Ctrl-C", 15: "SIGTERM"}.get(signum, f"signal {signum}")
    # Libraries' finalizers of the interrupted work (e.g. a half-built compiled function)
    # may fail as the process winds down; the one line below is the whole story.
    sys.unraisablehook = lambda unraisable: None
    if written or results_complete(exc):
        _fail([f"interrupted ({name}) after the new results were complete in {out_dir}/"], 128 + signum)
    _fail([f"interrupted ({name}); {_untouched(out_dir, previous)}"], 128 + signum)


@command
def run(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name (see `tracklayer scenarios`)."),
    out_dir: Path = typer.Option(Path("results"), "--out", "-o", help="Folder for the outputs (created if needed)."),
    seed: int | None = typer.Option(None, min=0, help="Override the scenario's seed."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
    view_after: bool = typer.Option(False, "--view", help="Then serve the run in the offline globe viewer (as `tracklayer view`)."),
    port: int = typer.Option(0, min=0, max=65535, help="With --view: port to listen on (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="With --view: open the viewer in a web browser."),
    without: list[str] = typer.Option([], "--without", help="Leave out a nation's sensors and tracking nodes (repeatable)."),
    no_report: bool = typer.Option(False, "--no-report", help="Write the tables, scene and run.json but not report.html (faster on large runs)."),
    samples: int = typer.Option(0, "--samples", min=0, max=100_000, help="Also fly N attack times drawn over a day and print each metric's spread (writes samples.parquet)."),
    jobs: int = typer.Option(min(2, os.cpu_count() or 1), "--jobs", "-j", min=1, max=64, help="Processes for the tracking nodes' trackers (the results do not depend on it)."),
    frame: str = typer.Option("teme", "--frame", help="Inertial frame of the ECI columns written to the Parquet tables: teme (SGP4's frame of date, as computed) or gcrs (J2000 axes, for STK, GMAT or Orekit)."),
) -> None:
    """Fly a scenario end to end and write tables, report and scene to --out."""
    from tracklayer.outputs.frames import FRAMES

    if frame not in FRAMES:
        _fail([f"--frame {frame}: choose one of {', '.join(FRAMES)}"])
    scn = _load(scenario)
    _check_without(scn, scenario, without)
    if view_after:
        _viewer_assets()
    from tracklayer.outputs.preflight import run_bytes

    previous = _check_out(out_dir, run_bytes(scn))

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tracklayer import api, terminal
    from tracklayer.outputs.run import TABLES

    n_files = len(TABLES) + 4  # the tables, links, scene, report and run.json
    written: dict[str, Path] | None = None
    try:
        with _interrupts() as caught, Progress(
            TextColumn("[bold]{task.description:<12}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=console, disable=quiet, transient=False,
        ) as bar:
            tasks = {stage: bar.add_task(stage, total=1) for stage in api.STAGES}
            write_task = bar.add_task("outputs", total=n_files)

            def on_stage(stage: str, done: int, total: int) -> None:
                bar.update(tasks[stage], completed=done, total=total)

            drawn = None
            with _labelled(scenario):
                result = api.run(scn, seed=seed, progress=on_stage, without=without, jobs=jobs)
                if samples:
                    sample_task = bar.add_task("samples", total=samples)
                    drawn = api.sample(scn, samples, seed=seed, without=without, progress=lambda done, total: bar.update(sample_task, completed=done))

            def on_file(name: str) -> None:
                bar.update(write_task, advance=1, description="outputs")

            _honour(caught)  # a SIGTERM swallowed while computing: keep the previous results
            written = _write(lambda: api.write_outputs(result, out_dir, progress=on_file, report=not no_report, samples=drawn, frame=frame), out_dir, previous)
            bar.update(write_task, completed=n_files)
    except KeyboardInterrupt as exc:
        _interrupted(exc, caught.signum, out_dir, previous, written is not None)
    for line in api.missed_aims(result) + api.saturated_links(result):
        console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
    if not quiet:
        terminal.run_summary(out, result)
        if drawn is not None:
            out.print(terminal.samples_table(drawn, result.metrics, result.picture_node,
                                             f"over {samples} attack times drawn over a day, node '{result.picture_node}' (one draw: the scenario as written)"))
        where = f" (open {written['report']} in a browser)" if "report" in written else ""
        out.print(f"wrote {len(written)} files to {out_dir}/{where}")
    if view_after:
        _serve(out_dir, "127.0.0.1", port, open_browser)


@command
def validate(scenario: str = typer.Argument(..., help="Scenario file path or built-in name.")) -> None:
    """Check a scenario file; print every problem with its field path (exit 2 if any).

    Besides the schema, every threat is targeted, so an aim point out of reach is reported."""
    scn = _load(scenario)
    from tracklayer.threats.plan import plan_threats

    with _labelled(scenario):
        plan_threats(list(scn.threats), scn.step_s, miss_tolerance_m=scn.metrics.miss_tolerance_m())
    out.print(
        f"{scenario}: valid scenario '{scn.name}': {scn.duration_s:.0f} s at {scn.step_s:g} s steps, "
        f"{len(scn.constellations)} constellation(s), {len(scn.radars)} radar(s), {len(scn.threats)} threat(s)"
    )


@command
def scenarios() -> None:
    """List the built-in scenarios."""
    from tracklayer.scenario.loader import builtin_names, load_scenario

    for name in builtin_names():
        scn = load_scenario(name)
        out.print(f"{name:<16} {scn.description.strip().splitlines()[0] if scn.description else ''}", markup=False)


@command
def info() -> None:
    """Print versions and the active compute engine."""
    from tracklayer.kernels import engine
    from tracklayer.terminal import info_lines

    for line in info_lines(_version(), engine()):
        out.print(line, markup=False, highlight=False)


@command
def sweep(
    campaign: str = typer.Argument(..., help="Campaign file path or built-in name (see `tracklayer campaigns`)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Results folder (created if needed); the same command again resumes."),
    workers: int | None = typer.Option(None, "--workers", "-w", min=0, help="Local worker processes (default: one per CPU; 0: run in this process)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run the runs stored as failed again."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate the campaign, list its design points, run nothing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a campaign: every design point x Monte Carlo repetition, into a results store in --out."""
    from tracklayer import api, terminal

    camp = api.load_campaign(campaign)
    if workers is not None and scheduler is not None:
        _fail(["--workers and --scheduler exclude each other: give one"])
    if out_dir.exists() and not out_dir.is_dir():
        _fail([f"--out {out_dir}: exists and is not a folder"])
    spec = camp.spec
    out.print(f"{spec.name}: {len(camp.points)} design point(s) x {spec.repetitions} repetition(s) = {len(camp.runs)} runs -> {out_dir}/",
              markup=False, highlight=False)
    if dry_run:
        for line in terminal.dry_run_lines(api.check_points(camp)):
            out.print(line, markup=False, highlight=False)
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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
    if summary.interrupted:
        _fail([f"interrupted: {summary.stored} of {summary.total} runs are stored in {out_dir}/; run the same command again to resume"], 128 + caught.signum)
    out.print(
        f"{summary.stored} of {summary.total} runs stored in {out_dir}/: {summary.ok} ok and {summary.failed} failed in "
        f"{summary.wall_s:.0f} s on {summary.backend}, {summary.skipped} already stored", markup=False, highlight=False, soft_wrap=True,
    )
    for error, n in api.failures(out_dir, limit=3):
        out.print(terminal.cell(f"  failed x{n}: {error}"), highlight=False, soft_wrap=True)
    out.print(f"next: tracklayer analyze {out_dir}", markup=False, highlight=False)


@command
def analyze(
    results: Path = typer.Argument(..., help="Results folder written by `tracklayer sweep`."),
    report: Path | None = typer.Option(None, "--report", help="Path of the HTML report (default: RESULTS/report.html)."),
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
    from tracklayer.terminal import campaign_table

    result = api.analyze(results, report=report, ci=ci, level=level)
    if not quiet and result.data.ok.any():
        headers, rows = summary_rows(result.data, level, ci, metrics=("custody_fraction", "warning_time_s"))
        campaign_table(out, f"{result.data.name}: means over runs [{100 * level:.0f} % CI]", headers, rows)
    names = ", ".join(p.name for p in result.files.values())
    out.print(f"wrote {names} to {results}/ (open {result.files['report']} in a browser)", markup=False, highlight=False, soft_wrap=True)


@command
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


@command
def partners(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name."),
    seed: int | None = typer.Option(None, min=0, help="Override the scenario's seed."),
    nation: list[str] = typer.Option([], "--nation", help="Assess only this nation (repeatable; default: every nation with sensors)."),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="Also write the table to this Parquet file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Marginal value of each partner: the lead picture with and without each nation's sensors and nodes."""
    scn = _load(scenario)
    _check_without(scn, scenario, nation)
    if out_file is not None and out_file.suffix != ".parquet":
        _fail([f"--out {out_file}: give a .parquet file name"])

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tracklayer import api
    from tracklayer.terminal import partner_table

    try:
        with _labelled(scenario), Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(), TimeElapsedColumn(), console=console, disable=quiet) as bar:
            task = bar.add_task("baseline", total=1)
            base = api.run(scn, seed=seed, progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
            task2 = bar.add_task("partners", total=1)
            value = api.partner_value(base, nations=nation or None,
                                      progress=lambda who, d, n: bar.update(task2, description=f"without {who}" if who else "partners", completed=d, total=n))
    except KeyboardInterrupt:
        _fail(["interrupted"], 130)
    partner_table(out, scn.name, base.picture_node, value)
    if out_file is not None:
        from tracklayer.io.tables import write_parquet

        try:
            write_parquet(value, out_file)
        except OSError as exc:
            _fail([f"--out {out_file}: cannot write ({exc.strerror})"])
        out.print(f"wrote {out_file}")


def _viewer_assets() -> None:
    from tracklayer.viewer.server import find_cesium

    find_cesium()


def _serve(run_dir: Path, host: str, port: int, open_browser: bool) -> None:
    from tracklayer.viewer.server import serve

    serve(run_dir, host=host, port=port, open_browser=open_browser, say=lambda line: out.print(line, markup=False, highlight=False, soft_wrap=True))


@command
def view(
    run_dir: Path = typer.Argument(..., help="A run folder (the --out of `tracklayer run`)."),
    port: int = typer.Option(0, min=0, max=65535, help="Port to listen on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; keep a loopback address unless you mean to share the run."),
    open_browser: bool = typer.Option(False, "--open", help="Open the viewer in a web browser."),
) -> None:
    """Serve a run folder as an interactive, offline 3D/2D globe on a local web server."""
    _serve(run_dir, host, port, open_browser)


@command
def coverage(
    scenario: str = typer.Argument("indo-pacific", help="Scenario file path or built-in name."),
    out_dir: Path = typer.Option(Path("results/coverage"), "--out", "-o", help="Folder for the outputs (created if needed)."),
    hours: float | None = typer.Option(None, min=0.01, max=720.0, help="Window length, hours (default: the scenario's coverage.duration_s)."),
    step: float | None = typer.Option(None, min=1.0, max=3600.0, help="Time step, s (default: coverage.step_s)."),
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

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tracklayer import api
    from tracklayer.terminal import coverage_table

    start = time.perf_counter()
    written: dict[str, Path] | None = None
    try:
        with _interrupts() as caught, Progress(TextColumn("[bold]{task.description:<12}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=console, disable=quiet) as bar:
            task = bar.add_task("coverage", total=1)
            result = api.coverage(scn, hours=hours, step_s=step, progress=lambda d, n: bar.update(task, completed=d, total=n))
            compute_s = time.perf_counter() - start
            peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
            bar.add_task("outputs", total=1)
            extra = {"compute_s": round(compute_s, 3), "peak_rss_mib": round(peak_mib, 1)}
            _honour(caught)
            written = _write(lambda: api.write_coverage(result, scn, out_dir, extra), out_dir, previous)
    except KeyboardInterrupt as exc:
        _interrupted(exc, caught.signum, out_dir, previous, written is not None)
    if not quiet:
        coverage_table(out, scn.name, result)
        out.print(f"computed in {compute_s:.1f} s (peak memory {peak_mib:,.0f} MiB); wrote {len(written)} files to {out_dir}/ "
                  f"(open {written['html']} in a browser)")


@command
def export(
    folder: Path = typer.Argument(..., help="A run folder (`tracklayer run --out`) or coverage folder (`tracklayer coverage --out`)."),
    fmt: str = typer.Option(..., "--format", "-f", help="oem (CCSDS OEM), geojson, kml or netcdf (coverage grids)."),
    out_dir: Path | None = typer.Option(None, "--out", "-o", help="Folder for the files (default: FOLDER/export); other files in it are kept."),
    what: str | None = typer.Option(None, "--what", help="Comma-separated: satellites, threats, tracks, impacts (run) or coverage (default: all the format holds)."),
) -> None:
    """Write a run's ephemerides, paths and impact points, or a coverage grid, in interchange formats."""
    from tracklayer import api
    from tracklayer.outputs.export import plan_export

    chosen = [w.strip() for w in what.split(",") if w.strip()] if what is not None else None
    if what is not None and not chosen:
        _fail([f"--what {what!r}: name at least one kind"])
    plan = plan_export(folder, fmt, chosen)  # checks folder, format and selection before anything is written
    target = folder / "export" if out_dir is None else out_dir
    previous = _check_out(target, sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) * 4)
    written: dict[str, Path] | None = None
    try:
        with _interrupts() as caught:
            written = _write(lambda: api.export(folder, fmt, target, plan.what), target, previous)
            _honour(caught)
    except KeyboardInterrupt as exc:
        _interrupted(exc, caught.signum, target, previous, written is not None)
    kinds = ", ".join(plan.what)
    out.print(f"wrote {len(written)} file(s) of {kinds} as {fmt} to {target}/", markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point of the ``tracklayer`` command."""
    try:
        app()
    except BrokenPipeError:  # e.g. `tracklayer info | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
