"""Measurement models for the tracker: predicted measurement, analytic Jacobian and
per-pair innovations.

A *scan* is the detections of one sensor at one time; its sensor is described by a
`SensorView`. Each model evaluates ``h`` for a batch of states (tracks, or sigma points
of tracks) and turns the detections into measured values *in the frame of each track*,
so that gating and updating a whole (track, detection) pair table is vectorised.
Jacobians are with respect to the first six state components [r, v] (ECI, m and m/s);
the filters pad them with zeros for longer states. Tests compare every Jacobian with
finite differences.

* `PositionModel` (kind ``POSITION``): Cartesian position z = r, R from the detection.
  For benchmarks on Cartesian scenarios; no Earth model is involved.
* `AnglesModel` (kind ``ANGLES``, space IR): lines of sight in ECI from a sensor at s.
  Each track i defines a gnomonic projection on the plane tangent to its predicted
  line of sight u_i = (r_i - s)/|r_i - s|: h(x) = E_i d / (u_i . d) with d = r - s and
  E_i = [e1; e2] the tangent basis of u_i, and a detected line of sight u_j maps to
  E_i u_j / (u_i . u_j) (gnomonic projection, the standard treatment of angles-only
  measurements in a local tangent plane; Blackman & Popoli 1999, Sec. 9.3). The
  noise is sigma_j^2 I_2 with sigma_j^2 = trace(R_j)/2 (R_j = sigma_j^2 (I - u u^T)).
  dh/dd = (E_i - h u_i^T) / (u_i . d).
* `RadarModel` (kind ``RADAR``): range, azimuth (from north, clockwise), elevation of
  M (r - s), M the site's east/north/up rows expressed in ECI at the scan time, and
  optionally range rate (r - s).(v - v_s)/|r - s| with v_s the site's inertial velocity
  (omega x s for a site fixed on the rotating Earth, plus its own motion for a ship).
  Azimuth innovations are wrapped to (-pi, pi].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from tracklayer.earth.constants import OMEGA_EARTH_RAD_S
from tracklayer.earth.frames import enu_to_aer
from tracklayer.sensors import ANGLES, RADAR
from tracklayer.sensors.measurements import tangent_basis

POSITION = 2
"""Detection kind of Cartesian position measurements (tracker benchmarks only)."""


@dataclass(frozen=True)
class SensorView:
    """One sensor at one time.

    Attributes
    ----------
    kind : ``ANGLES``, ``RADAR`` or ``POSITION``
    r_eci_m : (3,) sensor position, ECI (zeros for ``POSITION``)
    enu_eci : (3, 3) radar site east/north/up unit vectors as rows, in ECI
    site_v_eci_m_s : (3,) sensor velocity, ECI (None: a site fixed on the Earth)
    """

    kind: int
    r_eci_m: np.ndarray
    enu_eci: np.ndarray
    site_v_eci_m_s: np.ndarray | None = None

    @property
    def v_eci_m_s(self) -> np.ndarray:
        """Inertial velocity of the sensor: the measured one when given (a moving ship),
        else that of a site fixed on the rotating Earth, omega x s."""
        if self.site_v_eci_m_s is not None:
            return self.site_v_eci_m_s
        return np.cross(np.array([0.0, 0.0, OMEGA_EARTH_RAD_S]), self.r_eci_m)


@dataclass(frozen=True)
class PositionModel:
    """z = r (Cartesian position), m."""

    dim: ClassVar[int] = 3
    wrap: ClassVar[tuple[int, ...]] = ()

    def frame(self, x: np.ndarray, view: SensorView) -> np.ndarray:
        return np.zeros((x.shape[0], 0))

    def h(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        return x[..., :3].copy()

    def jacobian(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        jac = np.zeros(x.shape[:-1] + (3, 6))
        jac[..., :, :3] = np.eye(3)
        return jac

    def measured(self, z: np.ndarray, frame: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return z[j], np.ones(j.shape[0], dtype=bool)

    def noise(self, r: np.ndarray) -> np.ndarray:
        return r


@dataclass(frozen=True)
class AnglesModel:
    """Line of sight in each track's gnomonic tangent plane (rad, small-angle units)."""

    dim: ClassVar[int] = 2
    wrap: ClassVar[tuple[int, ...]] = ()
    min_cos: float = 0.5
    """Detections more than 60 deg off a track's line of sight are not compared."""

    def frame(self, x: np.ndarray, view: SensorView) -> np.ndarray:
        """Per track (N, 3, 3): rows e1, e2, u of the predicted line of sight."""
        d = x[:, :3] - view.r_eci_m
        u = d / np.linalg.norm(d, axis=1, keepdims=True)
        e1, e2 = tangent_basis(u)
        return np.stack([e1, e2, u], axis=1)

    def h(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        """x (N, ..., n) with frame (N, 3, 3): gnomonic coordinates (N, ..., 2)."""
        d = x[..., :3] - view.r_eci_m
        f = frame.reshape(frame.shape[:1] + (1,) * (d.ndim - 2) + (3, 3))
        proj = np.einsum("...ij,...j->...i", f, d)
        return proj[..., :2] / proj[..., 2:3]

    def jacobian(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        d = x[:, :3] - view.r_eci_m
        along = np.einsum("nj,nj->n", frame[:, 2], d)
        h = np.einsum("nij,nj->ni", frame[:, :2], d) / along[:, None]
        jac = np.zeros((x.shape[0], 2, 6))
        jac[:, :, :3] = (frame[:, :2] - h[:, :, None] * frame[:, 2][:, None, :]) / along[:, None, None]
        return jac

    def measured(self, z: np.ndarray, frame: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Detected lines of sight z[j] (P, 3) in the frames of tracks i: (P, 2), valid."""
        proj = np.einsum("pij,pj->pi", frame[i], z[j])
        ok = proj[:, 2] > self.min_cos
        return proj[:, :2] / np.where(ok, proj[:, 2], 1.0)[:, None], ok

    def noise(self, r: np.ndarray) -> np.ndarray:
        s2 = 0.5 * np.trace(r, axis1=-2, axis2=-1)
        out = np.zeros(r.shape[:-2] + (2, 2))
        out[..., 0, 0] = s2
        out[..., 1, 1] = s2
        return out


@dataclass(frozen=True)
class RadarModel:
    """(range m, azimuth rad, elevation rad[, range rate m/s]) from a site on the Earth."""

    range_rate: bool = False
    wrap: ClassVar[tuple[int, ...]] = (1,)

    @property
    def dim(self) -> int:
        return 4 if self.range_rate else 3

    def frame(self, x: np.ndarray, view: SensorView) -> np.ndarray:
        return np.zeros((x.shape[0], 0))

    def h(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        d = x[..., :3] - view.r_eci_m
        enu = np.einsum("ij,...j->...i", view.enu_eci, d)
        az, el, rng = enu_to_aer(enu)
        cols = [rng, az, el]
        if self.range_rate:
            cols.append(np.sum(d * (x[..., 3:6] - view.v_eci_m_s), axis=-1) / rng)
        return np.stack(cols, axis=-1)

    def jacobian(self, x: np.ndarray, view: SensorView, frame: np.ndarray) -> np.ndarray:
        m = view.enu_eci
        d = x[:, :3] - view.r_eci_m
        enu = d @ m.T
        e, n, u = enu[:, 0], enu[:, 1], enu[:, 2]
        rho2 = np.maximum(e * e + n * n, 1e-6)
        rho = np.sqrt(rho2)
        rng = np.linalg.norm(enu, axis=1)
        d_enu = np.zeros((x.shape[0], 3, 3))
        d_enu[:, 0, :] = enu / rng[:, None]
        d_enu[:, 1, 0] = n / rho2
        d_enu[:, 1, 1] = -e / rho2
        d_enu[:, 2, 0] = -e * u / (rng**2 * rho)
        d_enu[:, 2, 1] = -n * u / (rng**2 * rho)
        d_enu[:, 2, 2] = rho / rng**2
        jac = np.zeros((x.shape[0], self.dim, 6))
        jac[:, :3, :3] = d_enu @ m
        if self.range_rate:
            dv = x[:, 3:6] - view.v_eci_m_s
            rr = np.sum(d * dv, axis=1) / rng
            jac[:, 3, :3] = dv / rng[:, None] - (rr / rng**2)[:, None] * d
            jac[:, 3, 3:6] = d / rng[:, None]
        return jac

    def measured(self, z: np.ndarray, frame: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return z[j, : self.dim], np.ones(j.shape[0], dtype=bool)

    def noise(self, r: np.ndarray) -> np.ndarray:
        return r[..., : self.dim, : self.dim]


def wrap_innovation(nu: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    """Wrap the angle ``columns`` of innovations (..., m) to (-pi, pi], in place."""
    for c in columns:
        nu[..., c] = np.mod(nu[..., c] + np.pi, 2.0 * np.pi) - np.pi
    return nu


def model_for(kind: int, range_rate: bool = False):
    """The measurement model of a detection kind."""
    if kind == ANGLES:
        return AnglesModel()
    if kind == RADAR:
        return RadarModel(range_rate)
    if kind == POSITION:
        return PositionModel()
    raise ValueError(f"unknown detection kind {kind}")
