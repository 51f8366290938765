"""Offline land basemap from the Natural Earth 1:50m land polygons.

The polygons come as TopoJSON (``data/land-50m.json``, from the ``world-atlas`` npm
package, ISC licence; Natural Earth is public domain). TopoJSON stores shared arcs
once, quantized and delta-encoded; a polygon ring lists arc indices, ``~i`` (i.e.
``-i - 1``) meaning arc ``i`` reversed. The decode runs once per process.

Longitudes
----------
The TopoJSON rings are spherical: a ring that crosses the antimeridian (Eurasia
via Chukotka, Wrangel Island, a Fijian islet) jumps between -180 and +180 deg.
On decoding, each ring's longitudes are unwrapped so that it is a closed planar
ring (Eurasia then spans about -18 to 190 deg); a ring around a pole (Antarctica)
is closed through the pole instead. A map box may use any contiguous longitude
range, e.g. (95, 185) for the western Pacific; polygons are shifted by multiples
of 360 deg to overlap it, and the edges along the pole are left out of the
coastlines.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from tracklayer import palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Box", "DEFAULT_BOX", "land_polygons", "land_rings", "coastlines", "draw_basemap", "fit_box", "wrap_lon", "split_at_jumps", "format_lon", "format_lat"]


class Box(NamedTuple):
    """A longitude/latitude box, degrees.

    ``lon_min < lon_max`` with ``lon_max - lon_min <= 360``; longitudes may exceed
    180 (e.g. 95 to 185 for a box that crosses the antimeridian).
    """

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float

    @property
    def lon_center(self) -> float:
        return 0.5 * (self.lon_min + self.lon_max)

    @property
    def lat_center(self) -> float:
        return 0.5 * (self.lat_min + self.lat_max)


DEFAULT_BOX = Box(95.0, 185.0, -5.0, 60.0)
"""The Indo-Pacific theatre: 95E to 175W, 5S to 60N."""

_POLE_TOL_DEG = 0.01


@lru_cache(maxsize=1)
def _decode() -> tuple[tuple[np.ndarray, ...], tuple[dict, ...]]:
    """Decoded TopoJSON arcs (each (K, 2) lon/lat degrees) and the land geometries."""
    text = resources.files("tracklayer.report").joinpath("data", "land-50m.json").read_text(encoding="utf-8")
    topo = json.loads(text)
    scale = np.asarray(topo["transform"]["scale"], dtype=np.float64)
    translate = np.asarray(topo["transform"]["translate"], dtype=np.float64)
    out = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64).reshape(-1, 2), axis=0)
        out.append(q * scale + translate)
    return tuple(out), tuple(topo["objects"]["land"]["geometries"])


def _ring(arcs: tuple[np.ndarray, ...], indices: list[int]) -> np.ndarray:
    """A ring of arc indices (``~i``: arc ``i`` reversed) as a closed (K, 2) lon/lat array."""
    parts = []
    for n, j in enumerate(indices):
        arc = arcs[j] if j >= 0 else arcs[~j][::-1]
        parts.append(arc if n == 0 else arc[1:])
    return np.concatenate(parts, axis=0)


def _planar(ring: np.ndarray, center_deg: float | None = None) -> np.ndarray:
    """A spherical lon/lat ring as a closed planar ring (see the module notes).

    The unwrapped ring is shifted by a multiple of 360 deg so that its western end
    lies in [-180, 180), or, given ``center_deg``, so that its middle lies within
    180 deg of it (used to keep holes with their exterior).
    """
    lon = np.unwrap(ring[:, 0], period=360.0)
    lat = ring[:, 1]
    if abs(lon[-1] - lon[0]) > 180.0:  # winds around a pole: close it through the pole
        pole = -90.0 if lat.mean() < 0 else 90.0
        lon = np.r_[lon, lon[-1], lon[0], lon[0]]
        lat = np.r_[lat, pole, pole, lat[0]]
    if center_deg is None:
        shift = -360.0 * np.floor((lon.min() + 180.0) / 360.0)
    else:
        shift = -360.0 * np.round((0.5 * (lon.min() + lon.max()) - center_deg) / 360.0)
    return np.column_stack([lon + shift, lat])


def _degenerate(ring: np.ndarray) -> bool:
    return bool(np.all(np.abs(ring[:, 1]) > 90.0 - _POLE_TOL_DEG))


@lru_cache(maxsize=1)
def land_rings() -> tuple[tuple[np.ndarray, ...], ...]:
    """All land polygons of the world.

    Returns
    -------
    tuple of polygons; each polygon a tuple of closed planar rings, the exterior
    first and holes after, each ring an (K, 2) array of (lon, lat) degrees. An
    exterior's western end lies in [-180, 180) deg; its eastern end may pass 180.
    """
    arcs, geometries = _decode()
    polygons: list[tuple[np.ndarray, ...]] = []
    for geom in geometries:
        if geom["type"] == "Polygon":
            groups = [geom["arcs"]]
        elif geom["type"] == "MultiPolygon":
            groups = geom["arcs"]
        else:
            continue
        for rings in groups:
            outer = _planar(_ring(arcs, rings[0]))
            if _degenerate(outer):  # a sliver along a pole
                continue
            mid = 0.5 * (outer[:, 0].min() + outer[:, 0].max())
            holes = [_planar(_ring(arcs, r), mid) for r in rings[1:]]
            polygons.append((outer, *(h for h in holes if not _degenerate(h))))
    return tuple(polygons)


@lru_cache(maxsize=1)
def _polygon_bounds() -> np.ndarray:
    """(P, 4) lon_min, lon_max, lat_min, lat_max of each polygon's exterior, degrees."""
    return np.array([[p[0][:, 0].min(), p[0][:, 0].max(), p[0][:, 1].min(), p[0][:, 1].max()] for p in land_rings()])


def _overlapping(box: Box) -> list[tuple[int, float]]:
    """(polygon index, longitude shift in degrees) of every polygon copy overlapping ``box``."""
    b = _polygon_bounds()
    hits = []
    for shift in (-360.0, 0.0, 360.0):
        ok = (b[:, 0] + shift <= box.lon_max) & (b[:, 1] + shift >= box.lon_min) & (b[:, 2] <= box.lat_max) & (b[:, 3] >= box.lat_min)
        hits += [(int(i), shift) for i in np.nonzero(ok)[0]]
    return hits


def land_polygons(box: Box) -> list[list[np.ndarray]]:
    """Land polygons overlapping a box, in the box's longitude convention.

    Parameters
    ----------
    box : lon/lat box, degrees

    Returns
    -------
    list of polygons, each a list of closed rings ((K, 2) lon/lat degrees, the
    exterior first), whole (not clipped): an axes clips them when drawn.
    """
    rings = land_rings()
    out = []
    for i, shift in _overlapping(box):
        out.append([r + np.array([shift, 0.0]) if shift else r for r in rings[i]])
    return out


def coastlines(box: Box, margin_deg: float = 1.0) -> list[np.ndarray]:
    """Coastline polylines inside a box, in the box's longitude convention.

    Parameters
    ----------
    box : lon/lat box, degrees
    margin_deg : the box is widened by this much on every side before cutting, so
        lines run off the edge of a map instead of stopping short of it

    Returns
    -------
    list of (K, 2) arrays of (lon, lat) degrees, K >= 2. Edges along a pole
    (closing Antarctica) are left out.
    """
    lo, hi = box.lon_min - margin_deg, box.lon_max + margin_deg
    la, lb = box.lat_min - margin_deg, box.lat_max + margin_deg
    rings = land_rings()
    lines: list[np.ndarray] = []
    for i, shift in _overlapping(Box(lo, hi, la, lb)):
        for ring in rings[i]:
            lon, lat = ring[:, 0] + shift, ring[:, 1]
            seam_pt = np.abs(lat) > 90.0 - _POLE_TOL_DEG
            inside = (lon >= lo) & (lon <= hi) & (lat >= la) & (lat <= lb)
            keep = ~(seam_pt[:-1] & seam_pt[1:]) & (inside[:-1] | inside[1:])  # (K-1,) edges
            if not keep.any():
                continue
            edges = np.diff(np.r_[0, keep.astype(np.int8), 0])
            starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
            for s, e in zip(starts, ends):  # edges s..e-1 -> points s..e
                lines.append(np.column_stack([lon[s : e + 1], lat[s : e + 1]]))
    return lines


def wrap_lon(lon_deg: np.ndarray | float, center_deg: float) -> np.ndarray:
    """Longitudes (deg) wrapped into [center - 180, center + 180)."""
    return center_deg - 180.0 + np.mod(np.asarray(lon_deg, dtype=np.float64) - center_deg + 180.0, 360.0)


def split_at_jumps(lon_deg: np.ndarray, lat_deg: np.ndarray, max_jump_deg: float = 180.0) -> list[np.ndarray]:
    """Split a wrapped lon/lat polyline where it jumps across the wrap seam or a NaN.

    Parameters
    ----------
    lon_deg, lat_deg : (K,) degrees, already wrapped (see `wrap_lon`)
    max_jump_deg : a longitude step larger than this starts a new piece

    Returns
    -------
    list of (k, 2) arrays with k >= 2 and no NaN.
    """
    lon = np.asarray(lon_deg, dtype=np.float64)
    lat = np.asarray(lat_deg, dtype=np.float64)
    ok = np.isfinite(lon) & np.isfinite(lat)
    brk = np.zeros(lon.shape[0], dtype=bool)
    brk[1:] = (np.abs(np.diff(lon)) > max_jump_deg) | ~ok[1:] | ~ok[:-1]
    pieces = []
    for seg in np.split(np.arange(lon.shape[0]), np.nonzero(brk)[0]):
        seg = seg[ok[seg]]
        if seg.shape[0] >= 2:
            pieces.append(np.column_stack([lon[seg], lat[seg]]))
    return pieces


def fit_box(lon_deg: np.ndarray, lat_deg: np.ndarray, margin_deg: float = 8.0, min_span_deg: float = 20.0) -> Box:
    """The smallest box holding points (plus a margin), in the longitude convention
    ([-180, 180) or [0, 360)) in which the points are most compact.

    Parameters
    ----------
    lon_deg, lat_deg : (N,) degrees, N >= 1
    margin_deg : added on every side, degrees
    min_span_deg : the box is widened symmetrically to at least this span, degrees

    Returns
    -------
    Box; latitudes clipped to [-85, 85] deg.
    """
    lat = np.asarray(lat_deg, dtype=np.float64)
    east = np.mod(np.asarray(lon_deg, dtype=np.float64), 360.0)
    west = wrap_lon(east, 0.0)
    lon = east if np.ptp(east) <= np.ptp(west) else west
    lo, hi = lon.min() - margin_deg, lon.max() + margin_deg
    la, lb = lat.min() - margin_deg, lat.max() + margin_deg
    if hi - lo < min_span_deg:
        c = 0.5 * (lo + hi)
        lo, hi = c - min_span_deg / 2, c + min_span_deg / 2
    if lb - la < min_span_deg:
        c = 0.5 * (la + lb)
        la, lb = c - min_span_deg / 2, c + min_span_deg / 2
    return Box(float(lo), float(min(hi, lo + 360.0)), float(max(la, -85.0)), float(min(lb, 85.0)))


def format_lon(lon_deg: float, _pos: object = None) -> str:
    """Tick label for a longitude in any convention: 150°E, 180°, 170°W."""
    w = float(wrap_lon(lon_deg, 0.0))
    if abs(abs(w) - 180.0) < 1e-9:
        return "180°"
    if abs(w) < 1e-9:
        return "0°"
    return f"{abs(w):g}°{'E' if w > 0 else 'W'}"


def format_lat(lat_deg: float, _pos: object = None) -> str:
    """Tick label for a latitude: 30°N, 0°, 5°S."""
    if abs(lat_deg) < 1e-9:
        return "0°"
    return f"{abs(lat_deg):g}°{'N' if lat_deg > 0 else 'S'}"


def draw_basemap(
    ax: Axes,
    box: Box,
    land_color: str | None = palette.LAND,
    coast_color: str = palette.COAST,
    ocean_color: str = palette.OCEAN,
    linewidth: float = 0.5,
    grid_step_deg: float | None = None,
) -> None:
    """Draw land, coastlines and a graticule on a matplotlib Axes in plate carrée.

    Parameters
    ----------
    ax : matplotlib Axes; data coordinates become (lon, lat) degrees in the box's
        longitude convention
    box : lon/lat box, degrees; sets the axes limits and an aspect ratio of
        1 / cos(mid latitude) so shapes look right in the middle of the map
    land_color, coast_color, ocean_color : matplotlib colours (``land_color=None``: no land
        fill, e.g. under a field drawn over the whole map)
    linewidth : coastline width, points
    grid_step_deg : graticule spacing, degrees (default: chosen from the box size)
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    ax.set_facecolor(ocean_color)
    verts, codes = [], []
    for poly in land_polygons(box) if land_color is not None else []:
        for ring in poly:
            verts.append(ring)
            c = np.full(ring.shape[0], Path.LINETO, dtype=Path.code_type)
            c[0] = Path.MOVETO
            codes.append(c)
    if verts:
        path = Path(np.concatenate(verts), np.concatenate(codes))
        ax.add_patch(PathPatch(path, facecolor=land_color, edgecolor="none", zorder=0.1))
    ax.add_collection(LineCollection(coastlines(box), colors=coast_color, linewidths=linewidth, zorder=0.2))
    ax.set_xlim(box.lon_min, box.lon_max)
    ax.set_ylim(box.lat_min, box.lat_max)
    ax.set_aspect(1.0 / max(np.cos(np.radians(box.lat_center)), 0.2))
    if grid_step_deg is None:
        span = max(box.lon_max - box.lon_min, box.lat_max - box.lat_min)
        grid_step_deg = 5.0 if span <= 40 else 10.0 if span <= 120 else 20.0 if span <= 240 else 30.0
    ax.xaxis.set_major_locator(MultipleLocator(grid_step_deg))
    ax.yaxis.set_major_locator(MultipleLocator(grid_step_deg))
    ax.xaxis.set_major_formatter(FuncFormatter(format_lon))
    ax.yaxis.set_major_formatter(FuncFormatter(format_lat))
    ax.grid(True, color=palette.GRATICULE, linewidth=0.4, linestyle=":", zorder=0.3)
    ax.set_axisbelow(True)
