"""Export a run or coverage folder to interchange formats (`tracklayer export`; docs/export.md).

========  ==============================  =============================================
format    from a run folder               from a coverage folder
========  ==============================  =============================================
oem       satellites, threats, tracks     --
geojson   satellites, threats, tracks,    coverage
          impacts
kml       as geojson                      coverage
netcdf    --                              coverage
========  ==============================  =============================================

Files written (``<what>`` one of the selected kinds):

* ``oem``: ``<what>/<object>.oem``, one CCSDS OEM per object (`tracklayer.io.oem`);
  tracks carry their covariance;
* ``geojson``: ``<what>.geojson``, one FeatureCollection per kind (`tracklayer.io.geo`);
* ``kml``: ``run.kml`` or ``coverage.kml``, one Folder per kind;
* ``netcdf``: ``coverage.nc`` (`tracklayer.io.netcdf`).

Tracks are those confirmed at least once with two rows or more (as in the scene).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracklayer import __version__
from tracklayer.earth.frames import ecef_to_geodetic
from tracklayer.earth.time import TimeGrid
from tracklayer.io import geo
from tracklayer.io.oem import Ephemeris, oem_text
from tracklayer.outputs.export_sources import (
    COVERAGE,
    IMPACT,
    SERIES,
    TRACKS,
    TRUTH,
    ExportError,
    Folder,
    dut1_from_truth,
    open_folder,
    satellite_states,
)
from tracklayer.table import Table

__all__ = ["FORMATS", "KINDS", "Plan", "plan_export", "write_export", "ExportError"]

KINDS = {"run": ("satellites", "threats", "tracks", "impacts"), "coverage": ("coverage",)}
"""What each kind of folder can give."""
FORMATS = {
    "oem": {"satellites", "threats", "tracks"},
    "geojson": {"satellites", "threats", "tracks", "impacts", "coverage"},
    "kml": {"satellites", "threats", "tracks", "impacts", "coverage"},
    "netcdf": {"coverage"},
}
"""Format -> what it can hold."""
_DEFAULT_SKIP = {"geojson": {"satellites"}, "kml": {"satellites"}}
"""Left out unless asked for: satellites' ground tracks are many long lines."""
_TABLE_OF = {"threats": "truth.parquet", "tracks": "tracks.parquet", "impacts": "impact.parquet", "satellites": "scene.czml"}


@dataclass(frozen=True)
class Plan:
    """What one export writes: ``folder``, ``fmt``, ``what`` (in `KINDS` order) and
    ``owned``, the names in the output folder it replaces (`tracklayer.outputs.atomic`)."""

    folder: Folder
    fmt: str
    what: tuple[str, ...]
    owned: tuple[str, ...]


def plan_export(folder: str | Path, fmt: str, what: list[str] | tuple[str, ...] | None = None) -> Plan:
    """Check the folder, format and selection; `ExportError` (one line) if they do not fit.

    ``what`` None: everything the folder has that the format holds (for GeoJSON and KML
    of a run: threats, tracks and impacts; satellites only when asked for)."""
    src = open_folder(Path(folder))
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt}: unknown format; choose one of {', '.join(FORMATS)}")
    kinds = KINDS[src.kind]
    if what:
        unknown = [w for w in what if w not in KINDS["run"] + KINDS["coverage"]]
        if unknown:
            raise ExportError(f"--what {unknown[0]}: unknown; choose from {', '.join(KINDS['run'] + KINDS['coverage'])}")
        wrong = [w for w in what if w not in kinds]
        if wrong:
            raise ExportError(f"--what {wrong[0]}: a {src.kind} folder ({src.path}) has {', '.join(kinds)}")
        unfit = [w for w in what if w not in FORMATS[fmt]]
        if unfit:
            raise ExportError(f"--what {unfit[0]}: format {fmt} holds {', '.join(k for k in kinds if k in FORMATS[fmt]) or 'nothing of a ' + src.kind + ' folder'}")
        chosen = tuple(k for k in kinds if k in what)
    else:
        chosen = tuple(k for k in kinds if k in FORMATS[fmt] and k not in _DEFAULT_SKIP.get(fmt, ()) and src.has(_TABLE_OF.get(k, "coverage.parquet")))
        if not chosen:
            raise ExportError(f"{src.path}: a {src.kind} folder has nothing format {fmt} holds ({fmt} holds {', '.join(sorted(FORMATS[fmt]))})")
    owned = {"oem": chosen, "geojson": tuple(f"{k}.geojson" for k in chosen), "kml": (f"{src.kind}.kml",), "netcdf": ("coverage.nc",)}[fmt]
    return Plan(src, fmt, chosen, tuple(owned) + (".*.tmp",))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:40] or "object"


def _confirmed_tracks(tracks: Table) -> list[np.ndarray]:
    """Row indices of each track (node, id) confirmed at least once with two rows or more, by time."""
    order = np.lexsort((tracks["t_s"], tracks["track_id"], tracks["node"]))
    key = np.char.add(tracks["node"][order].astype(str), np.char.add("/", tracks["track_id"][order].astype(str)))
    starts = np.r_[0, np.nonzero(key[1:] != key[:-1])[0] + 1, key.size]
    groups = [order[a:b] for a, b in zip(starts[:-1], starts[1:]) if b > a]
    return [g for g in groups if g.size >= 2 and np.any(tracks["status"][g] == "confirmed")]


def _threat_groups(truth: Table) -> list[np.ndarray]:
    order = np.lexsort((truth["t_s"], truth["threat_id"]))
    ids = truth["threat_id"][order]
    starts = np.r_[0, np.nonzero(ids[1:] != ids[:-1])[0] + 1, ids.size]
    return [order[a:b] for a, b in zip(starts[:-1], starts[1:]) if b > a]


def _strict(t: np.ndarray) -> np.ndarray:
    """Rows keeping strictly increasing times (the first of equal times)."""
    return np.r_[True, np.diff(t) > 0] if t.size else np.zeros(0, bool)


# --- the objects ----------------------------------------------------------------------

def _ephemerides(plan: Plan, what: str, truth: Table | None) -> list[Ephemeris]:
    src = plan.folder
    if what == "threats":
        assert truth is not None
        out = []
        for rows in _threat_groups(truth):
            rows = rows[_strict(truth["t_s"][rows])]
            name = str(truth["threat"][rows[0]])
            out.append(Ephemeris(name, name, truth["t_s"][rows], truth["r_eci_m"][rows], truth["v_eci_m_s"][rows],
                                 comments=(f"truth of {truth['kind'][rows[0]]} threat {name} (threat_id {int(truth['threat_id'][rows[0]])})",)))
        return out
    if what == "tracks":
        tracks = src.table("tracks.parquet", TRACKS, "the tracks are read from it")
        out = []
        for rows in _confirmed_tracks(tracks):
            rows = rows[_strict(tracks["t_s"][rows])]
            node, tid = str(tracks["node"][rows[0]]), int(tracks["track_id"][rows[0]])
            x = tracks["x"][rows]
            out.append(Ephemeris(f"track {tid} ({node})", f"{node}/{tid}", tracks["t_s"][rows], x[:, :3], x[:, 3:6], tracks["P"][rows],
                                 comments=(f"track {tid} of node {node}: estimated state and its 1-sigma covariance",
                                           f"assigned threat id at the last row: {int(tracks['truth_id'][rows[-1]])} (-1: none)")))
        return out
    sats = satellite_states(src, dut1_from_truth(truth, src.epoch) if truth is not None else 0.0)
    return [Ephemeris(name, name, t, r, v, comments=(f"{cons} ({nation}); states from the 60 s samples of scene.czml",))
            for name, cons, nation, t, r, v in zip(sats.name, sats.constellation, sats.nation, sats.t_s, sats.r_eci_m, sats.v_eci_m_s)]


def _times(grid: TimeGrid, t0: float, t1: float) -> dict:
    return {"t_start_s": float(t0), "t_end_s": float(t1), "t_start_utc": grid.iso(t0), "t_end_utc": grid.iso(t1)}


def _features(plan: Plan, what: str, truth: Table | None) -> list[dict]:
    src = plan.folder
    grid = TimeGrid(src.epoch, np.zeros(1))
    out: list[dict | None] = []
    if what == "threats":
        assert truth is not None
        for rows in _threat_groups(truth):
            name = str(truth["threat"][rows[0]])
            out.append(geo.line_feature(truth["lon_deg"][rows], truth["lat_deg"][rows], truth["alt_m"][rows], {
                "name": name, "layer": "threats", "threat": name, "kind": str(truth["kind"][rows[0]]),
                "max_alt_m": float(np.max(truth["alt_m"][rows])), **_times(grid, truth["t_s"][rows[0]], truth["t_s"][rows[-1]])}))
    elif what == "tracks":
        tracks = src.table("tracks.parquet", TRACKS, "the tracks are read from it")
        for rows in _confirmed_tracks(tracks):
            node, tid = str(tracks["node"][rows[0]]), int(tracks["track_id"][rows[0]])
            out.append(geo.line_feature(tracks["lon_deg"][rows], tracks["lat_deg"][rows], tracks["alt_m"][rows], {
                "name": f"track {tid} ({node})", "layer": "tracks", "node": node, "track_id": tid,
                "truth_id": int(tracks["truth_id"][rows[-1]]), **_times(grid, tracks["t_s"][rows[0]], tracks["t_s"][rows[-1]])}))
    elif what == "impacts":
        out += _impact_features(src.table("impact.parquet", IMPACT, "the impact predictions are read from it"), grid)
    elif what == "satellites":
        sats = satellite_states(src, 0.0)  # ground tracks come from the ECEF samples as written: no rotation
        for name, cons, nation, t, r_ecef in zip(sats.name, sats.constellation, sats.nation, sats.t_s, sats.r_ecef_m):
            lat, lon, alt = ecef_to_geodetic(r_ecef)
            out.append(geo.line_feature(np.degrees(lon), np.degrees(lat), alt, {
                "name": name, "layer": "satellites", "constellation": cons, "nation": nation, **_times(grid, t[0], t[-1])}))
    else:
        out += _coverage_features(src)
    return [f for f in out if f is not None]


def _impact_features(impact: Table, grid: TimeGrid) -> list[dict]:
    """Per ballistic prediction: the predicted impact point and its 1-sigma error ellipse;
    per threat: its true impact point."""
    out = []
    ok = np.isfinite(impact["impact_lat_deg"]) & np.isfinite(impact["impact_lon_deg"])
    for i in np.nonzero(ok)[0]:
        node, tid, t = str(impact["node"][i]), int(impact["track_id"][i]), float(impact["t_s"][i])
        props = {"name": f"impact of track {tid} ({node}) at {grid.iso(t)}", "layer": "impacts", "node": node, "track_id": tid,
                 "threat": str(impact["threat"][i]), "t_s": t, "t_utc": grid.iso(t), "impact_t_s": float(impact["impact_t_s"][i]),
                 **{k: float(impact[k][i]) for k in ("semi_major_m", "semi_minor_m", "orientation_deg", "ipp_error_m")}}
        out.append(geo.point_feature(impact["impact_lon_deg"][i], impact["impact_lat_deg"][i], {**props, "feature": "predicted impact"}))
        a, b = float(impact["semi_major_m"][i]), float(impact["semi_minor_m"][i])
        if np.isfinite(a) and np.isfinite(b) and a > 0:
            lon, lat = geo.ellipse_ring(float(impact["impact_lat_deg"][i]), float(impact["impact_lon_deg"][i]), a, b, float(impact["orientation_deg"][i]))
            out.append(geo.polygon_feature(lon, lat, {**props, "feature": "1-sigma error ellipse"}))
    true = np.isfinite(impact["true_impact_lat_deg"]) & (impact["truth_id"] >= 0)
    _, first = np.unique(impact["truth_id"][true], return_index=True)
    for i in np.nonzero(true)[0][first]:
        out.append(geo.point_feature(impact["true_impact_lon_deg"][i], impact["true_impact_lat_deg"][i], {
            "name": f"true impact of {impact['threat'][i]}", "layer": "impacts", "threat": str(impact["threat"][i]), "feature": "true impact"}))
    return out


def _coverage_features(src: Folder) -> list[dict]:
    """One cell (a Polygon of the grid resolution about each point) per point per target."""
    from tracklayer.io.checked import json_field

    box = json_field(src.path / "coverage.json", src.info, "box", dict)
    res = float(json_field(src.path / "coverage.json", box, "resolution_deg", (int, float), "box"))
    grid = src.table("coverage.parquet", COVERAGE, "the coverage grid is read from it")
    half = res / 2.0
    cols = list(grid.columns)
    out = []
    for i in range(grid.num_rows):
        lat, lon = float(grid["lat_deg"][i]), float(grid["lon_deg"][i])
        s, n = max(lat - half, -90.0), min(lat + half, 90.0)
        props = {"name": f"{grid['target'][i]} {lat:g},{lon:g}", "layer": "coverage", **{k: _scalar(grid[k][i]) for k in cols}}
        out.append(geo.polygon_feature(np.array([lon - half, lon + half, lon + half, lon - half]), np.array([s, s, n, n]), props))
    return out


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value


# --- writing --------------------------------------------------------------------------

def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_export(plan: Plan, out_dir: Path, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write ``plan``'s files into ``out_dir`` (a fresh folder; `tracklayer.api.export`
    swaps it in). Returns the written paths by name."""
    src = plan.folder
    truth = None  # the threats' truth; for satellites' OEM also the Earth rotation the run used
    if "threats" in plan.what or (plan.fmt == "oem" and "satellites" in plan.what and src.has("truth.parquet")):
        truth = src.table("truth.parquet", TRUTH, "the threats' truth is read from it")
    header = (f"tracklayer {__version__} export of {src.kind} folder {src.path.name}: scenario {src.info.get('scenario', '?')}, seed {src.info.get('seed', '-')}",)
    written: dict[str, Path] = {}
    if plan.fmt == "netcdf":
        written["coverage.nc"] = _netcdf(src, out_dir / "coverage.nc")
        return written
    layers = {}
    for what in plan.what:
        if progress:
            progress(what)
        if plan.fmt == "oem":
            names: set[str] = set()
            for eph in _ephemerides(plan, what, truth):
                stem = _slug(eph.object_id.replace("/", "-"))
                while stem in names:
                    stem += "_"
                names.add(stem)
                written[f"{what}/{stem}"] = _write_text(out_dir / what / f"{stem}.oem", oem_text(eph, src.epoch, header_comments=header))
        else:
            layers[what] = _features(plan, what, truth)
            if plan.fmt == "geojson":
                doc = geo.feature_collection(layers[what], {"epoch": src.epoch.isoformat(), "source": header[0]})
                written[what] = _write_text(out_dir / f"{what}.geojson", geo.geojson_text(doc))
    if plan.fmt == "kml":
        written[src.kind] = _write_text(out_dir / f"{src.kind}.kml", geo.kml_document(f"tracklayer: {src.info.get('scenario', src.path.name)}", layers, header[0]))
    return written


def _netcdf(src: Folder, path: Path) -> Path:
    try:
        import xarray  # noqa: F401

        from tracklayer.io.netcdf import coverage_dataset, netcdf_bytes
    except ImportError:
        raise ExportError("--format netcdf needs xarray: pip install 'tracklayer[export]'") from None
    from tracklayer.metrics.coverage import GRID_COLUMNS

    grid = src.table("coverage.parquet", COVERAGE, "the coverage grid is read from it")
    series = src.table("coverage_series.parquet", SERIES, "the coverage time series is read from it")
    descriptions = {**GRID_COLUMNS, **{f"series:area_{k}": f"area-weighted fraction of the grid with >= {k} satellites" for k in (1, 2, 3)},
                    "series:mean_assets": "area-weighted mean number of satellites able to detect"}
    attrs = {"title": f"tracklayer coverage: scenario {src.info.get('scenario', '?')}", "source": f"tracklayer {__version__}",
             "epoch": src.epoch.isoformat(), "step_s": str(src.info.get("step_s", ""))}
    try:
        ds = coverage_dataset(grid, series, src.epoch, descriptions, attrs)
    except ValueError as exc:
        raise ExportError(f"{src.path / 'coverage.parquet'}: {exc}") from None
    path.write_bytes(netcdf_bytes(ds))
    return path
