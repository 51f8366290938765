"""Coverage grids as netCDF (CF-1.8 conventions) through xarray.

The per-point coverage table (one row per grid point per target) becomes variables on
(target, lat, lon); the coverage time series becomes variables on (target, time), with
time in seconds since the analysis epoch. The file is netCDF-3 (64-bit offsets),
written by xarray's SciPy backend, so that it needs no HDF5 library; every netCDF
reader opens it. xarray is an optional dependency (``pip install tracklayer[export]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from tracklayer.table import Table

__all__ = ["coverage_dataset", "netcdf_bytes"]

_COORDS = ("target", "lat_deg", "lon_deg", "altitude_km", "intensity_kw_sr")


_UNITS = (("_kw_sr", "kW sr-1"), ("_km", "km"), ("_deg", "degree"), ("_s", "s"))


def _units(name: str) -> str:
    """CF units of a column, from the unit its name ends with (dimensionless otherwise)."""
    return next((cf for suffix, cf in _UNITS if name.endswith(suffix)), "1")


def coverage_dataset(grid: Table, series: Table, epoch: dt.datetime, descriptions: Mapping[str, str], attrs: Mapping[str, str]):
    """An `xarray.Dataset` of a coverage analysis.

    Parameters
    ----------
    grid : the per-point table (columns of `tracklayer.metrics.coverage.GRID_COLUMNS`),
        a full latitude x longitude grid for each target
    series : the time series (`tracklayer.metrics.coverage.SERIES_COLUMNS`)
    epoch : UTC time the series' ``t_s`` count from
    descriptions : column -> description (the ``long_name`` of each variable)
    attrs : global attributes (scenario, epoch, ...)

    Raises ValueError if a target's points do not fill the latitude x longitude grid.
    """
    import xarray as xr

    targets = list(dict.fromkeys(grid["target"].tolist()))
    lats, lons = np.unique(grid["lat_deg"]), np.unique(grid["lon_deg"])
    t_index = np.array([targets.index(t) for t in grid["target"].tolist()], dtype=np.intp)
    i_lat, i_lon = np.searchsorted(lats, grid["lat_deg"]), np.searchsorted(lons, grid["lon_deg"])
    filled = np.zeros((len(targets), lats.size, lons.size), dtype=np.int64)
    np.add.at(filled, (t_index, i_lat, i_lon), 1)
    if not np.all(filled == 1):
        raise ValueError("the grid points of each target do not fill one latitude x longitude grid exactly once")
    first = np.array([np.nonzero(t_index == k)[0][0] for k in range(len(targets))], dtype=np.intp)
    data_vars: dict[str, tuple] = {}
    for name in grid.columns:
        if name in _COORDS:
            continue
        col = grid[name]
        cube = np.empty((len(targets), lats.size, lons.size), dtype=np.int32 if col.dtype.kind in "iu" else np.float64)
        cube[t_index, i_lat, i_lon] = col
        data_vars[name] = (("target", "lat", "lon"), cube, {"long_name": descriptions.get(name, name), "units": _units(name)})
    series_targets = np.array([targets.index(t) if t in targets else -1 for t in series["target"].tolist()], dtype=np.intp)
    times = np.unique(series["t_s"]) if series.num_rows else np.zeros(0)
    i_t = np.searchsorted(times, series["t_s"])
    for name in series.columns:
        if name in ("target", "t_s"):
            continue
        cube = np.full((len(targets), times.size), np.nan)
        ok = series_targets >= 0
        cube[series_targets[ok], i_t[ok]] = series[name][ok]
        data_vars[f"series_{name}"] = (("target", "time"), cube, {"long_name": f"coverage time series: {descriptions.get('series:' + name, name)}", "units": "1"})
    coords = {
        "target": ("target", np.array(targets, dtype=str), {"long_name": "reference target name"}),
        "lat": ("lat", lats, {"standard_name": "latitude", "units": "degrees_north"}),
        "lon": ("lon", lons, {"standard_name": "longitude", "units": "degrees_east"}),
        "time": ("time", times, {"standard_name": "time", "units": f"seconds since {epoch.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}", "calendar": "standard"}),
        "altitude_km": ("target", grid["altitude_km"][first].astype(np.float64), {"long_name": descriptions.get("altitude_km", ""), "units": "km"}),
        "intensity_kw_sr": ("target", grid["intensity_kw_sr"][first].astype(np.float64), {"long_name": descriptions.get("intensity_kw_sr", ""), "units": "kW sr-1"}),
    }
    return xr.Dataset(data_vars, coords=coords, attrs={"Conventions": "CF-1.8", **{k: str(v) for k, v in attrs.items()}})


def netcdf_bytes(dataset) -> bytes:
    """The dataset as a netCDF-3 file's bytes (SciPy backend)."""
    return bytes(dataset.to_netcdf(None, engine="scipy", format="NETCDF3_64BIT"))
