"""Write a run's outputs to a folder: Parquet tables, the HTML report and the CZML scene."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from tracklayer import __version__
from tracklayer.io.czml import build_scene, write_czml
from tracklayer.io.tables import write_parquet
from tracklayer.outputs.frames import FRAMES, frame_metadata, to_gcrs
from tracklayer.table import Table

TABLES = ("truth", "detections", "tracks", "metrics", "phase_metrics", "sensors", "impact", "handover")
"""Tables a run writes (those it has); a networked run also writes ``links`` (transport statistics);
``impact`` is docs/impact.md's table; ``handover`` (track-cued sensors only) docs/sensing.md's."""
EXTRA_TABLES = ("samples",)
"""Tables a run folder may hold beside the run's own (``samples``: `tracklayer.api.sample`)."""

Progress = Callable[[str], None] | None


def run_metadata(result) -> dict[str, str]:
    """Key/value metadata stored with every table and in run.json. ``epoch`` is the
    epoch the tables' ``t_s`` count from: the attack epoch; a run with an attack
    offset also records the offset and the scenario's (element) epoch."""
    scn = result.scenario
    meta = {
        "tracklayer_version": __version__,
        "scenario": scn.name,
        "seed": str(result.seed),
        "epoch": scn.attack_epoch.isoformat(),
    }
    if scn.attack_offset_s:
        meta.update(attack_offset_s=repr(scn.attack_offset_s), element_epoch=scn.epoch.isoformat())
    return meta


def _step(progress: Progress, name: str) -> None:
    if progress:
        progress(name)


def write_tables(result, out_dir: Path, written: dict[str, Path], progress: Progress = None, extra: Mapping[str, Table] | None = None,
                 frame: str = "teme") -> dict[str, Path]:
    """Every table of `TABLES` the result holds, ``links`` when it has rows, and the
    ``extra`` tables (of `EXTRA_TABLES`), as ``<name>.parquet`` with `run_metadata` and
    `tracklayer.outputs.frames.frame_metadata`; ``frame="gcrs"``: inertial columns
    rotated to GCRS (`tracklayer.outputs.frames.to_gcrs`)."""
    meta = run_metadata(result)
    epoch, dut1_s = result.scenario.attack_epoch, result.scenario.dut1_s
    tables = {n: getattr(result, n) for n in TABLES if getattr(result, n) is not None}
    if result.links is not None and result.links.num_rows:
        tables["links"] = result.links
    tables.update({n: t for n, t in (extra or {}).items() if n in EXTRA_TABLES})
    out: dict[str, Path] = {}
    for name, table in tables.items():
        _step(progress, f"{name}.parquet")
        out[name] = out_dir / f"{name}.parquet"
        if frame == "gcrs":
            table = to_gcrs(table, epoch, dut1_s)
        write_parquet(table, out[name], {**meta, **frame_metadata(table, epoch, frame)})
    return out


def write_scene(result, out_dir: Path, written: dict[str, Path], progress: Progress = None, extra: Mapping[str, Table] | None = None,
                frame: str = "teme") -> dict[str, Path]:
    """The CZML scene (`tracklayer.io.czml`)."""
    _step(progress, "scene.czml")
    path = out_dir / "scene.czml"
    write_czml(build_scene(result), path)
    return {"scene": path}


def write_run_report(result, out_dir: Path, written: dict[str, Path], progress: Progress = None, extra: Mapping[str, Table] | None = None,
                     frame: str = "teme") -> dict[str, Path]:
    """The HTML report, with the scenario's coverage figures computed here (the report
    draws only what it is given) and the spread of the ``samples`` in ``extra`` when given."""
    _step(progress, "report.html")
    from tracklayer.metrics.coverage import run_coverage
    from tracklayer.report.html import write_report

    path = out_dir / "report.html"
    write_report(result, path, run_coverage(result.scenario), (extra or {}).get("samples"))
    return {"report": path}


def write_run_json(result, out_dir: Path, written: dict[str, Path], progress: Progress = None, extra: Mapping[str, Table] | None = None,
                   frame: str = "teme") -> dict[str, Path]:
    """run.json: `run_metadata`, the tables' inertial frame, stage timings, the network
    (`NetworkConfig.describe`) and the files written before it."""
    info = {**run_metadata(result), "eci_frame": frame.upper(), "timings_s": result.timings_s, "network": result.state.network.describe(),
            "files": {k: p.name for k, p in written.items()}}
    tmp = out_dir / ".run.json.tmp"
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    os.replace(tmp, out_dir / "run.json")
    return {"run": out_dir / "run.json"}


@dataclass(frozen=True)
class Writer:
    """One kind of file in a run folder.

    ``write(result, out_dir, written, progress, extra, frame=) -> {key: path}``: writes its
    files into ``out_dir`` (``written``: what the writers before it wrote; ``extra``: tables
    handed to `write_run` beside the run's own; ``frame``: the inertial frame of the
    written tables, of `tracklayer.outputs.frames.FRAMES`) and returns them;
    ``owns``: glob patterns of the files it may write (`OWNED`)."""

    write: Callable[..., dict[str, Path]]
    owns: tuple[str, ...]


WRITERS: Mapping[str, Writer] = MappingProxyType({
    "tables": Writer(write_tables, tuple(f"{name}.parquet" for name in TABLES + ("links",) + EXTRA_TABLES)),
    "scene": Writer(write_scene, ("scene.czml",)),
    "report": Writer(write_run_report, ("report.html",)),
    "run": Writer(write_run_json, ("run.json",)),
})
"""What a run folder holds, in writing order (name -> `Writer`):

``tables``  `write_tables`: the Parquet tables (`TABLES`, plus ``links`` and `EXTRA_TABLES`)
``scene``   `write_scene`: ``scene.czml``
``report``  `write_run_report`: ``report.html``
``run``     `write_run_json`: ``run.json``, last, since it lists the files before it

A new output: its format code in `tracklayer.io` (or `tracklayer.report` for a figure),
a ``write_<name>`` function here and one entry (before ``run``)."""

OWNED = tuple(pattern for writer in WRITERS.values() for pattern in writer.owns) + (".*.tmp",)
"""Names (glob patterns) of a run folder's files: when a run replaces a folder, these go
and anything else in it is kept (`tracklayer.outputs.atomic.replacing`)."""


def write_run(result, out_dir: Path, progress: Progress = None, skip: tuple[str, ...] = (), extra: Mapping[str, Table] | None = None,
              frame: str = "teme") -> dict[str, Path]:
    """Write every output of ``result`` into ``out_dir`` (created if needed), one
    `WRITERS` entry after another, leaving out the writers named in ``skip`` (e.g.
    ``("report",)``: the HTML report takes longer than the tables on large runs).
    ``extra``: tables that are not the run's own, written beside its tables (``samples``:
    `tracklayer.api.sample`'s table). ``frame``: inertial frame of the written tables,
    ``teme`` (as computed) or ``gcrs`` (docs/outputs.md).

    `tracklayer.api.write_outputs` calls this on a fresh temporary folder and swaps it in
    whole (`tracklayer.outputs.atomic.replacing`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    unknown = set(skip) - set(WRITERS)
    if unknown:
        raise ValueError(f"no writer named {', '.join(sorted(unknown))}; writers: {', '.join(WRITERS)}")
    if frame not in FRAMES:
        raise ValueError(f"no frame named {frame}; frames: {', '.join(FRAMES)}")
    for name, writer in WRITERS.items():
        if name not in skip:
            written.update(writer.write(result, out_dir, dict(written), progress, extra, frame=frame))
    return written
