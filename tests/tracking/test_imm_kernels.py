"""The compiled general path (`tracklayer.kernels.imm`): every kernel against its NumPy
reference (the model and filter code) on random inputs, angles and radar (with and
without range rate), one model and an IMM bank. The kernels repeat the arithmetic in
loops instead of LAPACK/BLAS calls, so they agree to rounding, not bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tracklayer.sensors import ANGLES, RADAR
from tracklayer.tracking.imm import angles_frame_numpy, ekf_measurement_numpy, pair_terms_numpy


def _bank(rng, n_tr: int, r: int, n: int):
    """Tracks 500-3000 km from a site near the Earth's surface, random SPD covariances."""
    site = rng.normal(size=3)
    site *= 6.4e6 / np.linalg.norm(site)
    los = rng.normal(size=(n_tr, 3))
    los /= np.linalg.norm(los, axis=1, keepdims=True)
    pos = site + los * rng.uniform(5e5, 3e6, (n_tr, 1))
    x = np.concatenate([pos[:, None, :] + rng.normal(0, 200, (n_tr, r, 3)), rng.normal(0, 3e3, (n_tr, r, n - 3))], axis=2)
    a = rng.normal(size=(n_tr, r, n, n)) * rng.uniform(10, 500, (n_tr, r, 1, 1))
    p = a @ np.swapaxes(a, -1, -2) + np.eye(n) * 100.0
    mu = rng.dirichlet(np.ones(r), n_tr)
    return site, x, 0.5 * (p + np.swapaxes(p, -1, -2)), mu


def _enu(rng):
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return np.ascontiguousarray(q)


@pytest.mark.parametrize("kind, range_rate", [(ANGLES, False), (RADAR, False), (RADAR, True)])
@pytest.mark.parametrize("r", [1, 3])
def test_measurement_and_pair_kernels_match_references(rng, kind, range_rate, r):
    from tracklayer.kernels.imm import angles_frame_kernel, ekf_measurement_kernel, pair_terms_kernel

    for _trial in range(10):
        n_tr, n = int(rng.integers(1, 6)), 9
        site, x, p, mu = _bank(rng, n_tr, r, n)
        enu, v_site = _enu(rng), rng.normal(0, 400, 3)
        frames = []
        for fn in (angles_frame_kernel, angles_frame_numpy):
            f = np.zeros((n_tr, 3, 3))
            fn(x, mu, site, f)
            frames.append(f)
        np.testing.assert_allclose(frames[0], frames[1], rtol=0, atol=1e-14)
        frame = frames[1]
        m = 2 if kind == ANGLES else (4 if range_rate else 3)
        outs = []
        for fn in (ekf_measurement_kernel, ekf_measurement_numpy):
            zs, s0s, vs = np.empty((r, n_tr, m)), np.empty((r, n_tr, m, m)), np.empty((r, n_tr), bool)
            for k in range(r):
                d = 6 if k == 0 else n
                c, h = np.empty((n_tr, d, m)), np.empty((n_tr, m, d))
                fn(kind, range_rate, np.ascontiguousarray(x[:, k, :d]), np.ascontiguousarray(p[:, k, :d, :d]), site, enu, v_site, frame,
                   zs[k], s0s[k], c, h, vs[k])
                if k == 0:
                    ch = (c, h)
            outs.append((zs, s0s, vs) + ch)
        for a, b in zip(outs[0], outs[1]):
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=max(1e-13 * np.abs(b).max(), 1e-15))  # angles z: ~0 in its own frame
        zs, s0s, vs = outs[1][:3]
        # detections: a noisy copy of each track's measurement plus clutter, all pairs
        n_det = n_tr + 2
        if kind == ANGLES:
            los = x[rng.integers(0, n_tr, n_det), 0, :3] - site + rng.normal(0, 500, (n_det, 3))
            z_det = los / np.linalg.norm(los, axis=1, keepdims=True)
            z_det[-1] = -z_det[-1]  # behind every track: unusable pairs
        else:
            z_det = zs[0, rng.integers(0, n_tr, n_det)] + rng.normal(0, 1e-3, (n_det, m)) * [1e4, 1, 1, 1e3][:m]
            z_det[:, 1] = np.mod(z_det[:, 1], 2 * np.pi)
        b = rng.normal(size=(n_det, m if kind == RADAR else 3, m if kind == RADAR else 3))
        r_det = b @ np.swapaxes(b, 1, 2) * (1e-8 if kind == ANGLES else 1.0) + np.eye(b.shape[1]) * (1e-9 if kind == ANGLES else 100.0)
        pi, pj = (g.ravel() for g in np.meshgrid(np.arange(n_tr), np.arange(n_det), indexing="ij"))
        res = []
        for fn in (pair_terms_kernel, pair_terms_numpy):
            P = pi.size
            out = (np.empty((P, r, m)), np.empty((P, r, m, m)), np.empty((P, r)), np.empty((P, r)), np.empty(P, bool))
            fn(kind, zs, s0s, vs, frame, z_det, r_det, pi, pj, 0.5, *out)
            res.append(out)
        np.testing.assert_array_equal(res[0][4], res[1][4])
        ok = res[1][4]
        for a, b in zip(res[0][:4], res[1][:4]):
            np.testing.assert_allclose(a[ok], b[ok], rtol=1e-9, atol=1e-12)
        assert np.all(np.isinf(res[0][2][~ok]))
