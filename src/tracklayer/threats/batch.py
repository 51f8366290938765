"""A batch of threat flights as arrays, and the engine that flies it.

One row per trajectory. Every flight parameter lives in a column of ``params``
(indices ``P_*`` in `tracklayer.kernels.flight_layout`, the layout both engines
share); boost events, rocket stages, waypoints and aerodynamic polars have their
own padded arrays. The state of every row (``fstate``,
``istate``) is updated in place, so a batch can be flown in time chunks
(outputs for a slice of the time grid at a time, which caps memory) and in row
chunks on several threads (the numba kernel releases the GIL). A row's result
does not depend on the chunking or on which engine flew it: both engines do
the same arithmetic in the same order and agree to the bit.

Frame: every vector is in the frame F, the Earth-fixed frame (ECEF, the
pseudo-Earth-fixed frame of `tracklayer.earth.frames`) when Earth rotation is on
(``P_OMEGA`` = the Earth's rate), in which case the equations carry the Coriolis
and centrifugal terms; with rotation off F is inertial and the Earth (and its
atmosphere) does not turn. Velocities are therefore relative to the air.

Integration: classical fixed-step Runge-Kutta (RK4) on a lattice of node times
``k * step / n_sub`` seconds since the scenario epoch, shared by all rows, so a
trajectory's nodes fall on the output grid and flying it again (for targeting,
or in a different chunk) repeats it exactly. Boost events (end of the vertical
rise and of the pitch-over, stage burnout and ignition, thrust cut-off) split a
step so that thrust switches exactly at them; within a step the discrete
switches (stage, guidance mode) are those of the step's midpoint. Guidance
modes change at step ends; ground impact is found inside the step by cubic
Hermite interpolation of the position.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tracklayer.earth.atmosphere import flight_tables
from tracklayer.kernels.flight_layout import (  # the batch's layout, re-exported for the threat models
    BOOST, COAST, GLIDE, TERMINAL, DONE, GUIDE_BALLISTIC, GUIDE_GLIDE, P_OMEGA, P_J2, P_R_SPHERE,
    P_GROUND_ALT, P_T_LAUNCH, P_T_MAX, P_T_VERTICAL, P_T_PITCH, P_COS_KICK, P_SIN_KICK, P_COS_AZ,
    P_SIN_AZ, P_T_CUTOFF, P_T_BOOST_END, P_BOOST_CDA, P_N_STAGES, P_PAYLOAD_KG, P_N_MACH, P_S_REF,
    P_GUIDE, P_DAMP, P_HEAD_TAU, P_DIVE_TAN, P_NAV_GAIN, P_WEAVE_COS, P_WEAVE_SIN, P_WEAVE_HALF,
    P_AIM_X, P_AIM_Y, P_AIM_Z, P_N_WAYPOINTS, P_ENTRY_ALT, P_V_MARK, N_PARAMS, S_IGNITION,
    S_BURNOUT, S_MDOT, S_VE, MAX_STAGES, E_TIME, E_MASS, MAX_EVENTS, A_MACH, A_CD0, A_K, A_CLMAX,
    A_CLSTAR, MAX_MACH, MAX_WAYPOINTS, F_X, F_Y, F_Z, F_VX, F_VY, F_VZ, F_MASS, F_T, I_NODE,
    I_EVENT, I_MODE, I_WAYPOINT, R_T_BURNOUT, R_BO_X, R_BO_Y, R_BO_Z, R_BO_VX, R_BO_VY, R_BO_VZ,
    R_T_END, R_END_X, R_END_Y, R_END_Z, R_END_VX, R_END_VY, R_END_VZ, R_LANDED, R_T_DIVE, R_V_DIVE,
    R_T_SLOW, R_SLOW_ALT, R_SLOW_RANGE, R_T_GLIDE, R_MAX_ALT, N_REC, H_DAMP_M, TAN_BANK_MAX,
    MIN_TIME_TO_GO_S,
)


@dataclass
class Batch:
    """Arrays of a batch of N flights (see the module docstring for the columns)."""

    params: np.ndarray  # (N, N_PARAMS)
    stages: np.ndarray  # (N, MAX_STAGES, 4)
    events: np.ndarray  # (N, MAX_EVENTS, 2)
    aero: np.ndarray  # (N, MAX_MACH, 5)
    waypoints: np.ndarray  # (N, MAX_WAYPOINTS, 3) unit vectors in F
    fstate: np.ndarray  # (N, 8)
    istate: np.ndarray  # (N, 4) int64
    rec: np.ndarray  # (N, N_REC)

    def __len__(self) -> int:
        return self.params.shape[0]

    @classmethod
    def empty(cls, n: int) -> Batch:
        """A batch of ``n`` rows with every parameter at a neutral value."""
        params = np.zeros((n, N_PARAMS))
        params[:, P_T_CUTOFF] = np.inf
        params[:, P_T_MAX] = np.inf
        params[:, P_N_MACH] = 1.0
        params[:, P_COS_KICK] = 1.0
        params[:, P_COS_AZ] = 1.0
        params[:, P_WEAVE_COS] = 1.0
        events = np.full((n, MAX_EVENTS, 2), np.nan)
        events[:, :, E_TIME] = np.inf
        aero = np.zeros((n, MAX_MACH, 5))
        aero[:, :, A_MACH] = np.arange(MAX_MACH)
        return cls(
            params, np.zeros((n, MAX_STAGES, 4)), events, aero, np.zeros((n, MAX_WAYPOINTS, 3)),
            np.zeros((n, 8)), np.zeros((n, 4), dtype=np.int64), new_records(n),
        )



def new_records(n: int) -> np.ndarray:
    rec = np.full((n, N_REC), np.nan)
    rec[:, R_LANDED] = 0.0
    rec[:, R_MAX_ALT] = -np.inf
    return rec


def reset(batch: Batch, r0: np.ndarray, v0: np.ndarray, mass0: np.ndarray, mode0: np.ndarray, t0: np.ndarray, lattice: Lattice) -> None:
    """Put every row at its initial state (F frame) and first node after ``t0``."""
    batch.fstate[:, F_X:F_Z + 1] = r0
    batch.fstate[:, F_VX:F_VZ + 1] = v0
    batch.fstate[:, F_MASS] = mass0
    batch.fstate[:, F_T] = t0
    batch.istate[:, I_NODE] = lattice.first_node(t0)
    batch.istate[:, I_EVENT] = 0
    batch.istate[:, I_MODE] = mode0
    batch.istate[:, I_WAYPOINT] = 0
    batch.rec[:] = new_records(len(batch))


@dataclass(frozen=True)
class Lattice:
    """Integration node times ``j * step_s / n_sub`` (s since epoch), j = 0, 1, ..."""

    step_s: float
    n_sub: int

    @classmethod
    def for_grid(cls, step_s: float, max_step_s: float = 1.0) -> Lattice:
        return cls(float(step_s), max(1, int(np.ceil(step_s / max_step_s - 1e-9))))

    def node_time(self, j: np.ndarray) -> np.ndarray:
        j = np.asarray(j, dtype=np.int64)
        return (j // self.n_sub).astype(np.float64) * self.step_s + (j % self.n_sub).astype(np.float64) * (self.step_s / self.n_sub)

    def first_node(self, t0: np.ndarray) -> np.ndarray:
        """Index of the first node strictly after each ``t0``."""
        t0 = np.asarray(t0, dtype=np.float64)
        j = np.floor(t0 / (self.step_s / self.n_sub)).astype(np.int64)
        j = np.maximum(j - 1, 0)
        while True:
            behind = self.node_time(j) <= t0
            if not behind.any():
                return j
            j = j + behind


def fly_batch(
    batch: Batch,
    lattice: Lattice,
    t_stop_s: float,
    out_k0: int = 0,
    n_out: int = 0,
    out_x: np.ndarray | None = None,
    out_phase: np.ndarray | None = None,
    rows_per_task: int = 256,
    threads: int | None = None,
) -> None:
    """Advance every row of ``batch`` up to ``t_stop_s`` (in place).

    Parameters
    ----------
    batch : the flights; their state and records are updated in place
    lattice : integration nodes
    t_stop_s : stop at the last node at or before this time (s since epoch)
    out_k0, n_out : outputs are written for grid steps ``out_k0 .. out_k0 + n_out - 1``
        (time ``k * lattice.step_s``)
    out_x : (n_out, N, 6) float64, position and velocity in F at those times (rows not
        flying keep what the caller put there, NaN by convention)
    out_phase : (n_out, N) int8, mode (phase index) at those times
    rows_per_task, threads : row chunks flown concurrently by the numba kernel
    """
    from tracklayer.kernels import engine

    low, high = flight_tables()
    if out_x is None:
        out_x = np.zeros((0, len(batch), 6))
        out_phase = np.zeros((0, len(batch)), dtype=np.int8)
        n_out = 0
    args = (batch.params, batch.stages, batch.events, batch.aero, batch.waypoints, low, high,
            batch.fstate, batch.istate, batch.rec, out_x, out_phase)
    run: Callable[..., None]
    if engine() == "numba":
        from tracklayer.kernels.flight import flight_kernel as run
    else:
        from tracklayer.threats.dynamics import flight_numpy as run
    n = len(batch)
    bounds = [(i, min(i + rows_per_task, n)) for i in range(0, n, rows_per_task)]
    workers = threads if threads is not None else min(2, len(bounds))
    if engine() == "numba" and workers > 1 and len(bounds) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda b: run(b[0], b[1], lattice.step_s, lattice.n_sub, float(t_stop_s), out_k0, n_out, *args), bounds))
    else:
        for i0, i1 in bounds:
            run(i0, i1, lattice.step_s, lattice.n_sub, float(t_stop_s), out_k0, n_out, *args)
