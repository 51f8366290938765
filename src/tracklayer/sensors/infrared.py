"""Space infrared sensors: access, frames, detections and false alarms (first model).

Constant probability of detection per frame, isotropic Gaussian angle noise, and
optional Poisson false alarms uniform over the field of regard. Signal-to-noise and
threshold-based Pd are a later model (the ``snr`` column is NaN for now).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.sensors import ANGLES
from tracklayer.sensors.measurements import angles_covariance, perturb_direction, tangent_basis, unit


@dataclass(frozen=True)
class InfraredParams:
    """Per-satellite payload parameters, SI, each (S,)."""

    half_angle_rad: np.ndarray
    max_range_m: np.ndarray
    grazing_m: np.ndarray
    min_target_alt_m: np.ndarray
    sigma_rad: np.ndarray
    pd: np.ndarray
    revisit_s: np.ndarray
    false_alarms_per_frame: np.ndarray

    @classmethod
    def from_constellations(cls, constellations: list, owner: np.ndarray) -> "InfraredParams":
        """Expand each constellation's sensor spec to its satellites (``owner``: (S,) index)."""

        def col(fn) -> np.ndarray:
            return np.array([fn(c.sensor) for c in constellations], dtype=np.float64)[owner] if len(owner) else np.zeros(0)

        return cls(
            half_angle_rad=col(lambda s: s.field_of_regard_deg / 2.0 * DEG),
            max_range_m=col(lambda s: s.max_range_km * 1e3),
            grazing_m=col(lambda s: s.grazing_altitude_km * 1e3),
            min_target_alt_m=col(lambda s: s.min_target_altitude_km * 1e3),
            sigma_rad=col(lambda s: s.angle_noise_urad * 1e-6),
            pd=col(lambda s: s.pd),
            revisit_s=col(lambda s: s.revisit_s),
            false_alarms_per_frame=col(lambda s: s.false_alarms_per_frame),
        )


def frame_mask(t_s: np.ndarray, revisit_s: np.ndarray) -> np.ndarray:
    """(T, S) bool: grid times at which each sensor takes a frame.

    A sensor with revisit period P frames at the first grid time of every period
    [kP, (k+1)P) (so at every step when P is at most the step).
    """
    period = np.floor(t_s[:, None] / revisit_s[None, :] + 1e-9)
    first = np.ones((1, revisit_s.shape[0]), dtype=bool)
    return np.concatenate([first, period[1:] > period[:-1]], axis=0)


def observe_infrared(
    access: np.ndarray,
    frames: np.ndarray,
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    t_s: np.ndarray,
    params: InfraredParams,
    rngs: list[np.random.Generator],
    sensor_offset: int = 0,
) -> dict[str, np.ndarray]:
    """Detections (columns) of all infrared sensors.

    Parameters
    ----------
    access : (T, S, N) geometric access
    frames : (T, S) frame times
    r_sat, r_tgt : (T, S, 3), (T, N, 3) ECI positions, m
    t_s : (T,) grid times
    rngs : one generator per sensor (S,), for reproducible per-sensor streams
    sensor_offset : added to the satellite index to form ``sensor_id``
    """
    parts: list[dict[str, np.ndarray]] = []
    n_t, n_s, n_n = access.shape
    for s in range(n_s):
        rng = rngs[s]
        draw = rng.random((n_t, n_n))
        seen = access[:, s, :] & frames[:, s, None] & (draw < params.pd[s])
        ti, ni = np.nonzero(seen)
        sigma = np.full(ti.size, params.sigma_rad[s])
        u_true = unit(r_tgt[ti, ni] - r_sat[ti, s])
        u = perturb_direction(u_true, sigma, rng.standard_normal((ti.size, 2)))
        truth = ni.astype(np.int32)

        # False alarms: Poisson count per frame, directions uniform over the field of regard.
        frame_t = np.nonzero(frames[:, s])[0]
        counts = rng.poisson(params.false_alarms_per_frame[s], frame_t.size)
        if counts.sum():
            fa_t = np.repeat(frame_t, counts)
            cos_off = rng.uniform(np.cos(params.half_angle_rad[s]), 1.0, fa_t.size)
            phi = rng.uniform(0.0, 2.0 * np.pi, fa_t.size)
            nadir = -unit(r_sat[fa_t, s])
            e1, e2 = tangent_basis(nadir)
            sin_off = np.sqrt(1.0 - cos_off**2)
            u_fa = cos_off[:, None] * nadir + sin_off[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
            ti = np.concatenate([ti, fa_t])
            u = np.concatenate([u, u_fa])
            sigma = np.concatenate([sigma, np.full(fa_t.size, params.sigma_rad[s])])
            truth = np.concatenate([truth, np.full(fa_t.size, -1, dtype=np.int32)])
        parts.append(
            {
                "t_s": t_s[ti],
                "sensor_id": np.full(ti.size, s + sensor_offset, dtype=np.int32),
                "kind": np.full(ti.size, ANGLES, dtype=np.int8),
                "truth_id": truth,
                "z": u,
                "R": angles_covariance(u, sigma),
                "sensor_r_eci_m": r_sat[ti, s],
            }
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
