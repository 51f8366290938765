"""What `tracklayer export` reads from a run or coverage folder, through the checked
readers (`tracklayer.io.checked`): a damaged or missing file is one line naming it.

A run folder (``tracklayer run --out``) holds the threats' truth and the tracks in
TEME (``r_eci_m``, ``x``); the satellites' states exist only in ``scene.czml``, as
ECEF positions sampled every 60 s (rounded to 0.1 m). `satellite_states` turns them
back into TEME with the run's own Earth rotation (GMST 1982 at UT1 = UTC + DUT1; the
DUT1 the run used is recovered from the truth table, where longitude and TEME position
are both stored) and differentiates them with the degree-5 Lagrange polynomial the
CZML scene is interpolated with.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracklayer.earth.constants import DEG, OMEGA_EARTH_RAD_S, TWO_PI
from tracklayer.earth.frames import ecef_to_eci_state
from tracklayer.earth.time import TimeGrid, parse_epoch
from tracklayer.io.checked import DataFileError, json_field, read_json, read_table
from tracklayer.table import Table

__all__ = ["ExportError", "Folder", "open_folder", "TRUTH", "TRACKS", "IMPACT", "COVERAGE", "SERIES", "satellite_states",
           "lagrange_velocity", "dut1_from_truth"]

TRUTH = {"t_s": "f", "threat_id": "i", "threat": "s", "kind": "s", "r_eci_m": "f3", "v_eci_m_s": "f3", "lat_deg": "f", "lon_deg": "f", "alt_m": "f"}
TRACKS = {"t_s": "f", "node": "s", "track_id": "i", "status": "s", "x": "f6", "P": "f6x6", "lat_deg": "f", "lon_deg": "f", "alt_m": "f", "truth_id": "i"}
IMPACT = {"t_s": "f", "node": "s", "track_id": "i", "truth_id": "i", "threat": "s", "kind": "s", "impact_t_s": "f", "impact_lat_deg": "f",
          "impact_lon_deg": "f", "semi_major_m": "f", "semi_minor_m": "f", "orientation_deg": "f", "ipp_error_m": "f",
          "true_impact_lat_deg": "f", "true_impact_lon_deg": "f"}
COVERAGE = {"target": "s", "altitude_km": "f", "intensity_kw_sr": "f", "lat_deg": "f", "lon_deg": "f"}
SERIES = {"target": "s", "t_s": "f"}
"""Columns export reads from each table, with their kinds (`tracklayer.io.checked`)."""


class ExportError(DataFileError):
    """A folder, format or selection export cannot use; one line."""


@dataclass(frozen=True)
class Folder:
    """A run or coverage folder: ``kind`` is ``"run"`` or ``"coverage"``; ``info`` its
    run.json / coverage.json; ``epoch`` the UTC time its ``t_s`` count from."""

    path: Path
    kind: str
    info: dict
    epoch: dt.datetime

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def table(self, name: str, columns: dict[str, str], why: str) -> Table:
        """``name`` (a Parquet file of the folder) checked for ``columns``; ``why`` says
        what needs it when it is missing."""
        if not self.has(name):
            raise ExportError(f"{self.path / name}: missing ({why})")
        return read_table(self.path / name, columns)

    def scene(self) -> list[dict]:
        if not self.has("scene.czml"):
            raise ExportError(f"{self.path / 'scene.czml'}: missing (the satellites' states are read from it)")
        return read_json(self.path / "scene.czml", list)


def open_folder(path: Path) -> Folder:
    """The run or coverage folder at ``path``; `ExportError` if it is neither."""
    path = Path(path)
    if not path.is_dir():
        raise ExportError(f"{path}: not a folder (give the --out folder of `tracklayer run` or `tracklayer coverage`)")
    for kind, name in (("run", "run.json"), ("coverage", "coverage.json")):
        if (path / name).is_file():
            info = read_json(path / name, dict)
            text = json_field(path / name, info, "epoch", str)
            try:
                epoch = parse_epoch(text)
            except ValueError:
                raise ExportError(f"{path / name}: field epoch is not a UTC time: {text[:40]!r}") from None
            return Folder(path, kind, info, epoch)
    raise ExportError(f"{path}: neither a run folder (no run.json) nor a coverage folder (no coverage.json)")


def dut1_from_truth(truth: Table, epoch: dt.datetime) -> float:
    """UT1 - UTC (s) the run rotated the Earth with: the truth table holds each point's
    TEME position and its ECEF longitude, so their difference is the rotation angle
    (0 when the table is empty)."""
    if truth.num_rows == 0:
        return 0.0
    r = truth["r_eci_m"]
    used = np.arctan2(r[:, 1], r[:, 0]) - truth["lon_deg"] * DEG
    diff = np.mod(used - TimeGrid(epoch, truth["t_s"]).gmst_rad() + np.pi, TWO_PI) - np.pi
    return float(np.median(diff) / OMEGA_EARTH_RAD_S)


def lagrange_velocity(t_s: np.ndarray, r: np.ndarray, degree: int = 5) -> np.ndarray:
    """Time derivative at each sample of the Lagrange polynomial of ``degree`` through
    the nearest ``degree + 1`` samples (fewer if the series is shorter).

    Parameters
    ----------
    t_s : (T,) strictly increasing times, s
    r : (T, ..., 3) positions

    Returns (T, ..., 3) velocities (NaN for a single sample).
    """
    t = np.asarray(t_s, dtype=np.float64)
    n = t.size
    m = min(degree + 1, n)
    if m < 2:
        return np.full(r.shape, np.nan)
    start = np.clip(np.arange(n) - m // 2, 0, n - m)
    idx = start[:, None] + np.arange(m)[None, :]  # (T, m)
    x = t[idx] - t[:, None]  # node times relative to the sample, which is node `local`
    local = np.arange(n) - start
    diff = x[:, :, None] - x[:, None, :]
    diff[:, np.arange(m), np.arange(m)] = 1.0
    w = 1.0 / np.prod(diff, axis=2)  # barycentric weights (T, m)
    w_i = w[np.arange(n), local][:, None]
    x_i = x[np.arange(n), local][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (w / w_i) / (x_i - x)
    d[np.arange(n), local] = 0.0
    d[np.arange(n), local] = -d.sum(axis=1)
    return np.einsum("tm,tm...->t...", d, r[idx])


@dataclass(frozen=True)
class SatelliteStates:
    """Satellites' TEME states on their CZML sample times: ``t_s`` (T,) since the run
    epoch; ``r_eci_m``/``v_eci_m_s`` (T, 3) per satellite, in lists by satellite."""

    name: list[str]
    constellation: list[str]
    nation: list[str]
    t_s: list[np.ndarray]
    r_eci_m: list[np.ndarray]
    v_eci_m_s: list[np.ndarray]
    r_ecef_m: list[np.ndarray]


def _satellite_packet(path: Path, packet: dict, epoch: dt.datetime) -> tuple[np.ndarray, np.ndarray]:
    try:
        pos = packet["position"]
        if pos.get("referenceFrame", "FIXED") != "FIXED":
            raise ValueError(f"referenceFrame {pos['referenceFrame']!r} is not FIXED")
        cart = np.asarray(pos["cartesian"], dtype=np.float64).reshape(-1, 4)
        offset = (parse_epoch(pos["epoch"]) - epoch).total_seconds()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExportError(f"{path}: packet {str(packet.get('id', '?'))[:80]!r} is not as `tracklayer run` writes it "
                          f"({type(exc).__name__}: {str(exc)[:80]})") from None
    t = cart[:, 0] + offset
    if not np.all(np.isfinite(cart)) or np.any(np.diff(t) <= 0):
        raise ExportError(f"{path}: packet {str(packet.get('id', '?'))[:80]!r}: sample times do not increase or values are not finite")
    return t, cart[:, 1:]


def satellite_states(folder: Folder, dut1_s: float) -> SatelliteStates:
    """Every satellite of the run's scene.czml, in TEME (see the module docstring)."""
    path = folder.path / "scene.czml"
    out = SatelliteStates([], [], [], [], [], [], [])
    for packet in folder.scene():
        if not isinstance(packet, dict) or not str(packet.get("id", "")).startswith("satellite/"):
            continue
        t, r_ecef = _satellite_packet(path, packet, folder.epoch)
        if t.size < 2:
            continue
        v_ecef = lagrange_velocity(t, r_ecef)
        theta = TimeGrid(folder.epoch, t, dut1_s).gmst_rad()
        r_eci, v_eci = ecef_to_eci_state(r_ecef, v_ecef, theta)
        found = packet.get("properties")
        props: dict = found if isinstance(found, dict) else {}
        out.name.append(str(packet.get("name", packet["id"][len("satellite/"):])))
        out.constellation.append(str(props.get("constellation", "")))
        out.nation.append(str(props.get("nation", "")))
        out.t_s.append(t)
        out.r_eci_m.append(r_eci)
        out.v_eci_m_s.append(v_eci)
        out.r_ecef_m.append(r_ecef)
    return out
