"""numba kernels for sensing geometry (references: `tracklayer.sensors.geometry`)."""

from __future__ import annotations

import math

import numpy as np

from tracklayer.kernels._jit import jit


@jit
def infrared_access_kernel(
    r_sat: np.ndarray,
    r_tgt: np.ndarray,
    cos_half_angle: np.ndarray,
    max_range_m: np.ndarray,
    inflated_a_m: np.ndarray,
    z_scale: np.ndarray,
    out: np.ndarray,
) -> None:
    """Fill ``out`` (T, S, N) bool; see `tracklayer.sensors.geometry.infrared_access_numpy`."""
    n_t, n_s, _ = r_sat.shape
    n_n = r_tgt.shape[1]
    for t in range(n_t):
        for s in range(n_s):
            sx = r_sat[t, s, 0]
            sy = r_sat[t, s, 1]
            sz = r_sat[t, s, 2]
            srn = math.sqrt(sx * sx + sy * sy + sz * sz)
            a = inflated_a_m[s]
            k = z_scale[s]
            for n in range(n_n):
                tx = r_tgt[t, n, 0]
                ty = r_tgt[t, n, 1]
                tz = r_tgt[t, n, 2]
                ok = False
                if not math.isnan(tx):
                    dx = tx - sx
                    dy = ty - sy
                    dz = tz - sz
                    rng = math.sqrt(dx * dx + dy * dy + dz * dz)
                    if rng <= max_range_m[s] and rng > 0.0:
                        cos_off = -(dx * sx + dy * sy + dz * sz) / (rng * srn)
                        if cos_off >= cos_half_angle[s]:
                            # Earth occlusion: segment target->satellite against the
                            # inflated ellipsoid, scaled to a sphere of radius a.
                            px = tx
                            py = ty
                            pz = tz * k
                            qx = sx - tx
                            qy = sy - ty
                            qz = (sz - tz) * k
                            qq = qx * qx + qy * qy + qz * qz
                            u = -(px * qx + py * qy + pz * qz) / qq
                            ok = True
                            if u > 0.0 and u < 1.0:
                                cx = px + u * qx
                                cy = py + u * qy
                                cz = pz + u * qz
                                if cx * cx + cy * cy + cz * cz < a * a:
                                    ok = False
                out[t, s, n] = ok
