"""Batched Newton iteration with finite-difference Jacobians (targeting solvers).

Each iteration evaluates every unconverged problem and its n perturbations in one
call, so a whole set of threats is solved with a few batched flights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Residual = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(problem index (M,), unknowns (M, n)) -> residuals (M, n)."""


def newton(
    residual: Residual,
    u0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    fd_step: np.ndarray,
    tol: np.ndarray,
    max_step: np.ndarray,
    max_iter: int = 25,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``residual(i, u_i) = 0`` for every problem i.

    Parameters
    ----------
    u0 : (N, n) starting points; lower, upper : (n,) bounds
    fd_step : (n,) forward-difference steps (taken backwards at the upper bound)
    tol : (n,) convergence: every |residual component| below it
    max_step : (n,) largest change of each unknown per iteration (the step is scaled)

    Returns
    -------
    u : (N, n) solutions; f : (N, n) residuals at them; converged : (N,) bool
    """
    u = np.array(u0, dtype=np.float64, copy=True)
    n_prob, n = u.shape
    f = np.full((n_prob, n), np.nan)
    done = np.zeros(n_prob, dtype=bool)
    for _ in range(max_iter):
        idx = np.nonzero(~done)[0]
        if not idx.size:
            break
        base = u[idx]
        step = np.where(base + fd_step > upper, -fd_step, fd_step)
        cand = [base]
        for j in range(n):
            c = base.copy()
            c[:, j] += step[:, j]
            cand.append(c)
        out = residual(np.tile(idx, n + 1), np.concatenate(cand)).reshape(n + 1, idx.size, n)
        f0 = out[0]
        f[idx] = f0
        ok = np.all(np.abs(f0) <= tol, axis=1)
        done[idx[ok]] = True
        jac = np.transpose((out[1:] - f0[None]) / step.T[:, :, None], (1, 2, 0))  # (k, n_res, n_unknown)
        todo = ~ok & np.all(np.isfinite(f0), axis=1) & np.all(np.isfinite(jac), axis=(1, 2))
        if not todo.any():
            break
        rows = idx[todo]
        try:
            du = np.linalg.solve(jac[todo], -f0[todo][:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            du = np.linalg.lstsq(jac[todo][0], -f0[todo][0], rcond=None)[0][None] if todo.sum() == 1 else np.zeros((todo.sum(), n))
        big = np.abs(du) > max_step
        scale = np.min(np.where(big, max_step / np.where(big, np.abs(du), 1.0), 1.0), axis=1, keepdims=True)
        u[rows] = np.clip(u[rows] + du * scale, lower, upper)
    left = np.nonzero(~done)[0]
    if left.size:
        f[left] = residual(left, u[left])
        done[left] = np.all(np.abs(f[left]) <= tol, axis=1)
    return u, f, done
