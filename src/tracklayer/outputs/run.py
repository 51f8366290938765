"""Write a run's outputs to a folder: Parquet tables, the HTML report and the CZML scene."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from tracklayer import __version__
from tracklayer.io.czml import build_scene, write_czml
from tracklayer.io.tables import write_parquet

TABLES = ("truth", "detections", "tracks", "metrics", "phase_metrics", "sensors")
"""Tables every run writes; a networked run also writes ``links`` (transport statistics)."""

OWNED = tuple(f"{name}.parquet" for name in TABLES + ("links",)) + ("scene.czml", "report.html", "run.json", ".*.tmp")
"""Names (glob patterns) of a run folder's files: when a run replaces a folder, these go
and anything else in it is kept (`tracklayer.outputs.atomic.replacing`)."""


def run_metadata(result) -> dict[str, str]:
    """Key/value metadata stored with every table and in run.json."""
    return {
        "tracklayer_version": __version__,
        "scenario": result.scenario.name,
        "seed": str(result.seed),
        "epoch": result.scenario.epoch.isoformat(),
    }


def write_run(result, out_dir: Path, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write every output of ``result`` into ``out_dir`` (created if needed).

    `tracklayer.api.write_outputs` calls this on a fresh temporary folder and swaps it in
    whole (`tracklayer.outputs.atomic.replacing`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = run_metadata(result)
    written: dict[str, Path] = {}
    names = tuple(n for n in TABLES if getattr(result, n) is not None) + (("links",) if result.links is not None and result.links.num_rows else ())
    for name in names:
        if progress:
            progress(f"{name}.parquet")
        path = out_dir / f"{name}.parquet"
        write_parquet(getattr(result, name), path, meta)
        written[name] = path
    if progress:
        progress("scene.czml")
    written["scene"] = out_dir / "scene.czml"
    write_czml(build_scene(result), written["scene"])
    if progress:
        progress("report.html")
    from tracklayer.metrics.coverage import run_coverage
    from tracklayer.report.html import write_report

    written["report"] = out_dir / "report.html"
    write_report(result, written["report"], run_coverage(result.scenario))
    info = {**meta, "timings_s": result.timings_s, "files": {k: p.name for k, p in written.items()}}
    tmp = out_dir / ".run.json.tmp"
    tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
    os.replace(tmp, out_dir / "run.json")
    written["run"] = out_dir / "run.json"
    return written
