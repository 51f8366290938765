"""Geographic features of a run or coverage analysis as GeoJSON (RFC 7946) and KML 2.2.

Features are GeoJSON dicts (``{"type": "Feature", "geometry": ..., "properties": ...}``)
with WGS 84 longitude, latitude (degrees) and, for paths, the altitude above the
ellipsoid (m) as third coordinate. A line or polygon that crosses the antimeridian is
cut there into a MultiLineString / MultiPolygon (RFC 7946 section 3.1.9), so that no
segment spans more than 180 degrees of longitude. Polygon exterior rings run
counterclockwise (section 3.1.6).

`kml_document` writes the same features as KML placemarks: paths with
``altitudeMode`` absolute, areas clamped to the ground, scalar properties as
``ExtendedData``.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M

__all__ = ["split_line", "line_feature", "ring_polygons", "polygon_feature", "point_feature", "ellipse_ring",
           "feature_collection", "geojson_text", "kml_document"]

_LONLAT_DECIMALS = 7  # about 1 cm
_ALT_DECIMALS = 1


def _wrap(lon_deg: np.ndarray | float) -> np.ndarray:
    """Longitudes in [-180, 180)."""
    return np.mod(np.asarray(lon_deg, dtype=np.float64) + 180.0, 360.0) - 180.0


def split_line(lon_deg: np.ndarray, lat_deg: np.ndarray, alt_m: np.ndarray | None = None) -> list[np.ndarray]:
    """A path cut at the antimeridian: a list of (K, 2 or 3) arrays of lon, lat[, alt].

    Consecutive points more than 180 degrees of longitude apart are taken to cross the
    antimeridian (the shorter way round); the crossing's latitude (and altitude) is
    interpolated linearly in longitude, and ends one part at +-180 and starts the next
    at -+180.
    """
    lon = _wrap(lon_deg)
    cols = [lon, np.asarray(lat_deg, dtype=np.float64)] + ([] if alt_m is None else [np.asarray(alt_m, dtype=np.float64)])
    pts = np.column_stack(cols)
    if pts.shape[0] == 0:
        return []
    step = np.diff(lon)
    cross = np.nonzero(np.abs(step) > 180.0)[0]
    parts: list[np.ndarray] = []
    start = 0
    carry: np.ndarray | None = None
    for i in cross:
        a, b = pts[i], pts[i + 1].copy()
        edge = 180.0 if step[i] < 0 else -180.0  # eastward across +180 when the longitude drops
        b[0] += 360.0 if step[i] < 0 else -360.0
        f = (edge - a[0]) / (b[0] - a[0])
        at = a + f * (b - a)
        at[0] = edge
        body = pts[start:i + 1] if carry is None else np.vstack([carry, pts[start:i + 1]])
        parts.append(np.vstack([body, at]))
        carry = at.copy()
        carry[0] = -edge
        start = int(i) + 1
    tail = pts[start:] if carry is None else np.vstack([carry, pts[start:]])
    parts.append(tail)
    return [p for p in parts if p.shape[0] >= 2 or len(parts) == 1]


def _coords(points: np.ndarray) -> list[list[float]]:
    out = np.round(points[:, :2], _LONLAT_DECIMALS)
    if points.shape[1] > 2:
        out = np.column_stack([out, np.round(points[:, 2], _ALT_DECIMALS)])
    return out.tolist()


def line_feature(lon_deg: np.ndarray, lat_deg: np.ndarray, alt_m: np.ndarray | None, properties: Mapping) -> dict | None:
    """A LineString (MultiLineString if cut at the antimeridian); None for fewer than two points."""
    if np.size(lon_deg) < 2:
        return None
    parts = split_line(lon_deg, lat_deg, alt_m)
    if len(parts) == 1:
        geometry = {"type": "LineString", "coordinates": _coords(parts[0])}
    else:
        geometry = {"type": "MultiLineString", "coordinates": [_coords(p) for p in parts]}
    return {"type": "Feature", "geometry": geometry, "properties": dict(properties)}


def point_feature(lon_deg: float, lat_deg: float, properties: Mapping, alt_m: float | None = None) -> dict:
    """A Point."""
    coords = [round(float(_wrap(lon_deg)), _LONLAT_DECIMALS), round(float(lat_deg), _LONLAT_DECIMALS)]
    if alt_m is not None:
        coords.append(round(float(alt_m), _ALT_DECIMALS))
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords}, "properties": dict(properties)}


def _clip(ring: np.ndarray, edge: float, keep_west: bool) -> np.ndarray:
    """Sutherland-Hodgman clip of a closed ring (K, 2) against the meridian ``edge``."""
    inside = (ring[:, 0] <= edge) if keep_west else (ring[:, 0] >= edge)
    out = []
    n = ring.shape[0] - 1  # the ring repeats its first point
    for k in range(n):
        a, b = ring[k], ring[k + 1]
        ina, inb = inside[k], inside[k + 1]
        if ina:
            out.append(a)
        if ina != inb:
            f = (edge - a[0]) / (b[0] - a[0])
            out.append(np.array([edge, a[1] + f * (b[1] - a[1])]))
    if len(out) < 3:
        return np.zeros((0, 2))
    out.append(out[0])
    return np.array(out)


def _ccw(ring: np.ndarray) -> np.ndarray:
    x, y = ring[:, 0], ring[:, 1]
    area2 = np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])
    return ring if area2 >= 0 else ring[::-1]


def ring_polygons(lon_deg: np.ndarray, lat_deg: np.ndarray) -> list[np.ndarray]:
    """A convex ring given with continuous longitudes (they may run past +-180), as one
    or two closed counterclockwise rings (K, 2) with longitudes in [-180, 180]."""
    lon = np.asarray(lon_deg, dtype=np.float64)
    lon = lon - 360.0 * np.floor((np.mean(lon) + 180.0) / 360.0)  # centre in [-180, 180)
    ring = np.column_stack([lon, np.asarray(lat_deg, dtype=np.float64)])
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    if ring[:, 0].max() <= 180.0 and ring[:, 0].min() >= -180.0:
        return [_ccw(ring)]
    edge = 180.0 if ring[:, 0].max() > 180.0 else -180.0
    west, east = _clip(ring, edge, True), _clip(ring, edge, False)
    shifted = (east if edge > 0 else west).copy()
    if shifted.size:
        shifted[:, 0] += -360.0 if edge > 0 else 360.0
    kept = west if edge > 0 else east
    return [_ccw(r) for r in (kept, shifted) if r.size]


def polygon_feature(lon_deg: np.ndarray, lat_deg: np.ndarray, properties: Mapping) -> dict:
    """A Polygon (MultiPolygon if cut at the antimeridian) of a convex ring; see `ring_polygons`."""
    rings = ring_polygons(lon_deg, lat_deg)
    if len(rings) == 1:
        geometry = {"type": "Polygon", "coordinates": [_coords(rings[0])]}
    else:
        geometry = {"type": "MultiPolygon", "coordinates": [[_coords(r)] for r in rings]}
    return {"type": "Feature", "geometry": geometry, "properties": dict(properties)}


def ellipse_ring(lat_deg: float, lon_deg: float, semi_major_m: float, semi_minor_m: float, orientation_deg: float,
                 n: int = 72) -> tuple[np.ndarray, np.ndarray]:
    """An ellipse on the ground about (lat, lon): (n + 1,) longitudes (continuous, may pass
    +-180) and latitudes, deg, closed. The axes are laid off as great-circle distances on
    the mean-radius sphere; ``orientation_deg`` is the major axis's azimuth (from north
    towards east)."""
    u = np.linspace(0.0, 2.0 * np.pi, n + 1)
    u[-1] = 0.0
    east_major, north_major = math.sin(orientation_deg * DEG), math.cos(orientation_deg * DEG)
    e = semi_major_m * np.cos(u) * east_major - semi_minor_m * np.sin(u) * north_major
    nn = semi_major_m * np.cos(u) * north_major + semi_minor_m * np.sin(u) * east_major
    delta = np.hypot(e, nn) / R_EARTH_MEAN_M
    bearing = np.arctan2(e, nn)
    lat1, lon1 = lat_deg * DEG, lon_deg * DEG
    lat2 = np.arcsin(np.sin(lat1) * np.cos(delta) + np.cos(lat1) * np.sin(delta) * np.cos(bearing))
    lon2 = lon1 + np.arctan2(np.sin(bearing) * np.sin(delta) * np.cos(lat1), np.cos(delta) - np.sin(lat1) * np.sin(lat2))
    return lon2 / DEG, lat2 / DEG


def feature_collection(features: Iterable[dict | None], properties: Mapping | None = None) -> dict:
    """A FeatureCollection of the features that are not None (``properties``: foreign
    member ``tracklayer`` holding facts of the whole collection, e.g. the epoch)."""
    doc: dict = {"type": "FeatureCollection", "features": [f for f in features if f is not None]}
    if properties:
        doc["tracklayer"] = dict(properties)
    return doc


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def geojson_text(collection: dict) -> str:
    """GeoJSON text; NaN properties become null (JSON has no NaN)."""
    for feature in collection["features"]:
        feature["properties"] = {k: _finite(v) for k, v in feature["properties"].items()}
    return json.dumps(collection, separators=(",", ":"), allow_nan=False)


# --- KML ------------------------------------------------------------------------------

_KML_NS = "http://www.opengis.net/kml/2.2"
_LAYER_COLOURS = {"tracks": "ff00ffff", "threats": "ff0000ff", "satellites": "ffffaa00", "impacts": "ff00aaff", "coverage": "8000ff00"}


def _kml_coords(points: list) -> str:
    return " ".join(",".join(repr(float(c)) for c in p) for p in points)


def _kml_geometry(parent: ET.Element, geometry: dict) -> None:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind.startswith("Multi"):
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in coords:
            _kml_geometry(multi, {"type": kind[5:], "coordinates": part})
        return
    if kind == "Point":
        el = ET.SubElement(parent, "Point")
        ET.SubElement(el, "altitudeMode").text = "absolute" if len(coords) > 2 else "clampToGround"
        ET.SubElement(el, "coordinates").text = _kml_coords([coords])
    elif kind == "LineString":
        el = ET.SubElement(parent, "LineString")
        ET.SubElement(el, "altitudeMode").text = "absolute" if len(coords[0]) > 2 else "clampToGround"
        ET.SubElement(el, "coordinates").text = _kml_coords(coords)
    elif kind == "Polygon":
        el = ET.SubElement(parent, "Polygon")
        ET.SubElement(el, "tessellate").text = "1"
        ET.SubElement(el, "altitudeMode").text = "clampToGround"
        for k, ring in enumerate(coords):
            boundary = ET.SubElement(el, "outerBoundaryIs" if k == 0 else "innerBoundaryIs")
            ET.SubElement(ET.SubElement(boundary, "LinearRing"), "coordinates").text = _kml_coords(ring)
    else:
        raise ValueError(f"no KML geometry for GeoJSON {kind}")


def kml_document(name: str, layers: Mapping[str, list[dict]], description: str = "") -> str:
    """A KML 2.2 document: one Folder per layer (its name: the key), one Placemark per
    feature, named by the feature's ``name`` property."""
    root = ET.Element("kml", xmlns=_KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = name
    if description:
        ET.SubElement(doc, "description").text = description
    for layer in layers:
        style = ET.SubElement(doc, "Style", id=layer)
        colour = _LAYER_COLOURS.get(layer, "ffffffff")
        ET.SubElement(ET.SubElement(style, "LineStyle"), "color").text = colour
        ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = "60" + colour[2:]
    for layer, features in layers.items():
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = layer
        for feature in features:
            mark = ET.SubElement(folder, "Placemark")
            props = feature["properties"]
            ET.SubElement(mark, "name").text = str(props.get("name", layer))
            ET.SubElement(mark, "styleUrl").text = f"#{layer}"
            data = ET.SubElement(mark, "ExtendedData")
            for key, value in props.items():
                if isinstance(value, (str, int, float, bool)) and _finite(value) is not None:
                    ET.SubElement(ET.SubElement(data, "Data", name=key), "value").text = str(value)
            _kml_geometry(mark, feature["geometry"])
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
