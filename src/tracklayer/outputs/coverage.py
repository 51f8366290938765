"""Write a coverage analysis to a folder: Parquet tables, PNG figures, an HTML page
and a JSON summary (`tracklayer coverage`; docs/sensing.md).

`tracklayer.api.write_coverage` calls `write_coverage` on a fresh temporary folder and
swaps it in whole (`tracklayer.outputs.atomic.replacing`).
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from tracklayer import __version__
from tracklayer.io.tables import write_parquet

OWNED = ("coverage.parquet", "coverage_series.parquet", "coverage_*.png", "coverage.html", "coverage.json", ".*.tmp")
"""Names (glob patterns) of a coverage folder's files: when a coverage analysis replaces a
folder, these go and anything else in it is kept."""


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "target"


def write_coverage(cov, scenario, out_dir: Path, extra: dict | None = None, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write ``coverage.parquet`` (per point and target), ``coverage_series.parquet``,
    ``coverage_<target>.png`` maps, ``coverage_series.png``, ``coverage.html`` and
    ``coverage.json`` into ``out_dir`` (created if needed). Returns the paths by name.

    Parameters
    ----------
    cov : `tracklayer.metrics.coverage.CoverageResult`
    scenario : the scenario it was computed for
    extra : more facts for coverage.json (e.g. peak memory)
    """
    import jinja2

    from tracklayer.metrics.coverage import GRID_COLUMNS, summary
    from tracklayer.report.coverage_plots import coverage_maps_png, coverage_timeseries_png

    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {"tracklayer_version": __version__, "scenario": scenario.name, "epoch": cov.epoch_iso, "step_s": str(cov.step_s)}
    written: dict[str, Path] = {}
    for name, table in (("coverage", cov.grid), ("coverage_series", cov.series)):
        if progress:
            progress(f"{name}.parquet")
        written[name] = out_dir / f"{name}.parquet"
        write_parquet(table, written[name], meta)
    figures = []
    for target in scenario.coverage.targets if cov.grid.num_rows else []:
        if target.name not in set(cov.grid["target"].tolist()):
            continue
        if progress:
            progress(f"coverage_{_slug(target.name)}.png")
        png = coverage_maps_png(cov, target.name)
        path = out_dir / f"coverage_{_slug(target.name)}.png"
        _write_bytes(path, png)
        written[f"map:{target.name}"] = path
        figures.append((f"Target '{target.name}': {target.intensity_kw_sr:g} kW/sr at {target.altitude_km:g} km", png))
    png = coverage_timeseries_png(cov)
    written["series_png"] = out_dir / "coverage_series.png"
    _write_bytes(written["series_png"], png)
    figures.append(("Area covered against time", png))

    summ = summary(cov)
    rows = [{k: (summ[k][i] if k == "target" else float(summ[k][i])) for k in summ.columns} for i in range(summ.num_rows)]
    info = {
        **meta,
        "steps": cov.n_steps,
        "satellites": cov.n_satellites,
        "grid_points": cov.shape[0] * cov.shape[1],
        "grid_shape": list(cov.shape),
        "box": {k: getattr(scenario.coverage, k) for k in ("lon_min_deg", "lon_max_deg", "lat_min_deg", "lat_max_deg", "resolution_deg")},
        "pd_min": scenario.coverage.pd_min,
        "summary": rows,
        "timings_s": cov.timings_s,
        **(extra or {}),
    }
    env = jinja2.Environment(loader=jinja2.PackageLoader("tracklayer.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    html = env.get_template("coverage.html.j2").render(
        scenario=scenario, info=info, rows=rows, columns=GRID_COLUMNS, version=__version__,
        figures=[(title, "data:image/png;base64," + base64.b64encode(data).decode("ascii")) for title, data in figures],
    )
    written["html"] = out_dir / "coverage.html"
    _write_bytes(written["html"], html.encode("utf-8"))
    info["files"] = {k: p.name for k, p in written.items()}
    written["json"] = out_dir / "coverage.json"
    _write_bytes(written["json"], json.dumps(info, indent=2).encode("utf-8"))
    return written
