"""Motion (transition) models: state propagation, transition matrix and process noise.

Every model is a frozen dataclass that holds parameters and nothing else, with:

* ``ndim``: state dimension. States always begin with position r (m) and velocity v
  (m/s), then optional extra blocks: acceleration a (m/s^2) for `ConstantAcceleration`,
  `Singer` and `Glide`, the inverse ballistic coefficient kappa = 1/beta (m^2/kg) for
  `Ballistic` with ``drag=True``. Vectors are block-major: [x, y, z, vx, vy, vz, ...].
* ``propagate(x, dt)``: states (N, n) -> (N, n) after ``dt`` seconds.
* ``transition(x, dt)``: F (N, n, n), the Jacobian of ``propagate``.
* ``noise(x, dt)``: Q, (n, n) (broadcast over tracks).

Discretisation of the process noise (all exact for the model's kinematic part):

* `ConstantVelocity`: continuous white acceleration, spectral density q (m^2/s^3):
  Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]] per axis (Bar-Shalom, Li & Kirubarajan 2001,
  Sec. 6.2.2, Eq. 6.2.2-12).
* `ConstantAcceleration`: continuous white jerk (Wiener-process acceleration), spectral
  density q (m^2/s^5): Q = q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2],
  [dt^3/6, dt^2/2, dt]] (ibid., Sec. 6.2.3, Eq. 6.2.3-8).
* `Singer`: acceleration as a first-order Gauss-Markov process with time constant tau
  and standard deviation sigma_a (Singer 1970, IEEE TAES 6(4)); F in closed form and Q
  by Van Loan's matrix exponential (Van Loan 1978, IEEE TAC 23(3)), exact to rounding
  where Singer's closed-form entries lose precision (small dt/tau). Tests check both
  against each other.
* `Ballistic` and `Glide`: the deterministic part (central + J2 gravity, optional drag,
  Gauss-Markov aerodynamic acceleration) is integrated with RK4, and F is the state
  transition matrix of the variational equations dPhi/dt = A(x(t)) Phi (Montenbruck &
  Gill 2000, Sec. 7.2): integrated with RK4 alongside the state when there is drag, and
  otherwise expm(A h) per sub-step with A at the sub-step's midpoint (one gravity
  gradient per sub-step), so F is the Jacobian of the propagation to ~1e-6 relative.
  Q is that of the same model without gravity (white acceleration, or Singer for
  `Glide`); the gravity gradient's effect on the noise is of relative size
  G dt^2 ~ 1.5e-6 dt^2 (dt in s) and is neglected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Protocol

import numpy as np

from tracklayer.earth.atmosphere import density
from tracklayer.earth.constants import J2_EARTH, MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, WGS84_A_M, WGS84_F

_EYE3 = np.eye(3)


class MotionModel(Protocol):
    """What the predictors need from a motion model."""

    @property
    def ndim(self) -> int: ...  # a class constant, or derived from the model's options

    def propagate(self, x: np.ndarray, dt: float) -> np.ndarray: ...

    def transition(self, x: np.ndarray, dt: float) -> np.ndarray: ...

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray: ...

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]: ...


def _per_axis(m1: np.ndarray) -> np.ndarray:
    """Expand a per-axis (k, k) matrix to the block-major state (3k, 3k) (read-only:
    the results are cached)."""
    out = np.kron(m1, _EYE3)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=256)
def _cv_f(dt: float) -> np.ndarray:
    return _per_axis(np.array([[1.0, dt], [0.0, 1.0]]))


@lru_cache(maxsize=256)
def _cv_q(q: float, dt: float) -> np.ndarray:
    t = abs(dt)
    return _per_axis(q * np.array([[t**3 / 3, t**2 / 2], [t**2 / 2, t]]))


@lru_cache(maxsize=256)
def _ca_f(dt: float) -> np.ndarray:
    return _per_axis(np.array([[1.0, dt, dt * dt / 2], [0.0, 1.0, dt], [0.0, 0.0, 1.0]]))


@lru_cache(maxsize=256)
def _ca_q(q: float, dt: float) -> np.ndarray:
    t = abs(dt)
    return _per_axis(q * np.array([[t**5 / 20, t**4 / 8, t**3 / 6], [t**4 / 8, t**3 / 3, t**2 / 2], [t**3 / 6, t**2 / 2, t]]))


@lru_cache(maxsize=256)
def _singer_f(tau: float, dt: float) -> np.ndarray:
    """Singer transition (Singer 1970, Eq. 11), per axis expanded to 9 x 9."""
    a = 1.0 / tau
    e = math.exp(-a * dt)
    return _per_axis(np.array([[1.0, dt, (a * dt - 1.0 + e) / a**2], [0.0, 1.0, (1.0 - e) / a], [0.0, 0.0, e]]))


@lru_cache(maxsize=256)
def _singer_q(sigma: float, tau: float, dt: float) -> np.ndarray:
    """Singer Q by Van Loan, expm([[-A, G Qc G'], [0, A']] dt), expanded to 9 x 9."""
    return _per_axis(_singer_q1(sigma, tau, dt))


def _singer_q1(sigma: float, tau: float, dt: float) -> np.ndarray:
    """Per-axis Singer Q by Van Loan: expm([[-A, G Qc G'], [0, A']] dt)."""
    from scipy.linalg import expm

    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, -1.0 / tau]])
    qc = np.zeros((3, 3))
    qc[2, 2] = 2.0 * sigma**2 / tau
    m = np.zeros((6, 6))
    m[:3, :3] = -a
    m[:3, 3:] = qc
    m[3:, 3:] = a.T
    e = expm(m * abs(dt))
    q = e[3:, 3:].T @ e[:3, 3:]
    return 0.5 * (q + q.T)


@dataclass(frozen=True)
class ConstantVelocity:
    """Nearly-constant velocity: state [r, v], white acceleration of density q (m^2/s^3)."""

    q_m2_s3: float = 1.0
    ndim: ClassVar[int] = 6

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(0), np.zeros(0)

    def propagate(self, x: np.ndarray, dt: float) -> np.ndarray:
        return np.concatenate([x[:, :3] + dt * x[:, 3:6], x[:, 3:6]], axis=1)

    def transition(self, x: np.ndarray, dt: float) -> np.ndarray:
        return np.broadcast_to(_cv_f(float(dt)), (x.shape[0], 6, 6))

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        return _cv_q(float(self.q_m2_s3), float(dt))


@dataclass(frozen=True)
class ConstantAcceleration:
    """Nearly-constant acceleration: state [r, v, a], white jerk of density q (m^2/s^5)."""

    q_m2_s5: float = 1.0
    accel_prior_sigma_m_s2: float = 10.0
    ndim: ClassVar[int] = 9

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]:
        """Prior mean and variance of the acceleration."""
        return np.zeros(3), np.full(3, self.accel_prior_sigma_m_s2**2)

    def transition(self, x: np.ndarray, dt: float) -> np.ndarray:
        return np.broadcast_to(_ca_f(float(dt)), (x.shape[0], 9, 9))

    def propagate(self, x: np.ndarray, dt: float) -> np.ndarray:
        return x @ _ca_f(float(dt)).T

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        return _ca_q(float(self.q_m2_s5), float(dt))


@dataclass(frozen=True)
class Singer:
    """Singer manoeuvre model: state [r, v, a], acceleration a first-order Gauss-Markov
    process with standard deviation ``accel_sigma_m_s2`` and time constant ``tau_s``."""

    accel_sigma_m_s2: float = 10.0
    tau_s: float = 30.0
    ndim: ClassVar[int] = 9

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]:
        """Prior mean and variance of the acceleration (its stationary distribution)."""
        return np.zeros(3), np.full(3, self.accel_sigma_m_s2**2)

    def transition(self, x: np.ndarray, dt: float) -> np.ndarray:
        return np.broadcast_to(_singer_f(float(self.tau_s), float(dt)), (x.shape[0], 9, 9))

    def propagate(self, x: np.ndarray, dt: float) -> np.ndarray:
        return x @ _singer_f(float(self.tau_s), float(dt)).T

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        return _singer_q(float(self.accel_sigma_m_s2), float(self.tau_s), float(abs(dt)))


# --------------------------------------------------------------------------- gravity


def gravity(r: np.ndarray, j2: bool = True) -> np.ndarray:
    """Central (+ J2) gravitational acceleration (N, 3), m/s^2, at ECI positions (N, 3), m.

    a = -mu r/|r|^3 - (3/2) J2 mu a_e^2 / |r|^5 [x (1 - 5 z^2/r^2), y (1 - 5 z^2/r^2),
    z (3 - 5 z^2/r^2)] (Vallado 2013, Eq. 8-30, with the Earth's pole along z).
    """
    r2 = np.sum(r * r, axis=1)
    rn = np.sqrt(r2)
    out = -MU_EARTH_M3_S2 * r / (r2 * rn)[:, None]
    if j2:
        k = -1.5 * J2_EARTH * MU_EARTH_M3_S2 * WGS84_A_M**2 / (r2 * r2 * rn)
        s = 5.0 * r[:, 2] ** 2 / r2
        out[:, 0] += k * r[:, 0] * (1.0 - s)
        out[:, 1] += k * r[:, 1] * (1.0 - s)
        out[:, 2] += k * r[:, 2] * (3.0 - s)
    return out


def gravity_gradient(r: np.ndarray, j2: bool = True) -> np.ndarray:
    """d(gravity)/dr, (N, 3, 3) in 1/s^2 (analytic; tests compare finite differences)."""
    r2 = np.sum(r * r, axis=1)
    rn = np.sqrt(r2)
    rh = r / rn[:, None]
    g = (MU_EARTH_M3_S2 / (r2 * rn))[:, None, None] * (3.0 * rh[:, :, None] * rh[:, None, :] - _EYE3[None])
    if j2:
        # a = k [x f1, y f1, z f2], f1 = r^-5 - 5 z^2 r^-7, f2 = 3 r^-5 - 5 z^2 r^-7.
        k = -1.5 * J2_EARTH * MU_EARTH_M3_S2 * WGS84_A_M**2
        z = r[:, 2]
        r5, r7, r9 = rn**-5, rn**-7, rn**-9
        f1 = r5 - 5.0 * z * z * r7
        f2 = 3.0 * r5 - 5.0 * z * z * r7
        common = (35.0 * z * z * r9)[:, None] * r  # d(-5 z^2 r^-7)/dx_i without the z term
        df1 = -5.0 * r7[:, None] * r + common
        df2 = -15.0 * r7[:, None] * r + common
        df1[:, 2] -= 10.0 * z * r7
        df2[:, 2] -= 10.0 * z * r7
        jac = np.empty_like(g)
        jac[:, 0, :] = r[:, 0:1] * df1
        jac[:, 1, :] = r[:, 1:2] * df1
        jac[:, 2, :] = r[:, 2:3] * df2
        jac[:, 0, 0] += f1
        jac[:, 1, 1] += f1
        jac[:, 2, 2] += f2
        g = g + k * jac
    return g


def ellipsoid_height_m(r: np.ndarray) -> np.ndarray:
    """Height above the WGS 84 ellipsoid, first order in the flattening (error < 100 m)."""
    rn = np.linalg.norm(r, axis=1)
    s2 = (r[:, 2] / rn) ** 2
    return rn - WGS84_A_M * (1.0 - WGS84_F * s2)


def ellipsoid_height_gradient(r: np.ndarray) -> np.ndarray:
    """d(_altitude_m)/dr, (N, 3)."""
    r2 = np.sum(r * r, axis=1)
    z = r[:, 2]
    grad = r / np.sqrt(r2)[:, None] - (2.0 * WGS84_A_M * WGS84_F * z * z / (r2 * r2))[:, None] * r
    grad[:, 2] += 2.0 * WGS84_A_M * WGS84_F * z / r2
    return grad


def _rk4_with_stm(deriv, jac, x: np.ndarray, dt: float, max_step: float) -> tuple[np.ndarray, np.ndarray]:
    """RK4 of dx/dt = f(x) together with dPhi/dt = A(x) Phi, Phi(0) = I."""
    n_sub = max(1, int(math.ceil(abs(dt) / max_step)))
    h = dt / n_sub
    n, d = x.shape
    phi = np.broadcast_to(np.eye(d), (n, d, d)).copy()
    for _ in range(n_sub):
        k1 = deriv(x)
        p1 = jac(x) @ phi
        x2 = x + 0.5 * h * k1
        k2 = deriv(x2)
        p2 = jac(x2) @ (phi + 0.5 * h * p1)
        x3 = x + 0.5 * h * k2
        k3 = deriv(x3)
        p3 = jac(x3) @ (phi + 0.5 * h * p2)
        x4 = x + h * k3
        k4 = deriv(x4)
        p4 = jac(x4) @ (phi + h * p3)
        x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        phi = phi + h / 6.0 * (p1 + 2.0 * p2 + 2.0 * p3 + p4)
    return x, phi


def rk4_frozen_stm(deriv, jac, x: np.ndarray, dt, max_step: float) -> tuple[np.ndarray, np.ndarray]:
    """RK4 of dx/dt = f(x) and, per sub-step h, the transition matrix of the variational
    equation with A frozen at the sub-step's midpoint: the Taylor polynomial of expm(A h)
    to fourth order (Horner form), which is what RK4 does to a linear system, so F stays
    the Jacobian of the RK4 propagation itself; one Jacobian per sub-step instead of
    four. A's change across a sub-step is second order in h (tests: 1e-6 of the
    finite-difference Jacobian at h = 5 s).

    ``dt`` is one interval for all rows or one per row, (N,), s; each row takes its own
    ceil(|dt| / max_step) equal sub-steps (a row done early takes zero steps, which
    leave it exactly as it is), so its result does not depend on the other rows.
    Returns x (N, d) and F (N, d, d).
    """
    d = x.shape[1]
    dt = np.asarray(dt, dtype=np.float64)
    if dt.ndim == 0:  # the predictors' case: plain floats, no per-row arrays to build
        n_sub = max(1, int(math.ceil(abs(float(dt)) / max_step)))
        steps: list[tuple[float | np.ndarray, float | np.ndarray]] = [(float(dt) / n_sub,) * 2] * n_sub
    else:
        rows = np.maximum(1, np.ceil(np.abs(dt) / max_step)).astype(np.int64)
        steps = [(h[:, None], h[:, None, None]) for h in (np.where(j < rows, dt / rows, 0.0) for j in range(int(rows.max(initial=1))))]
    eye = np.eye(d)
    phi = None
    for h, h_mat in steps:
        k1 = deriv(x)
        x2 = x + 0.5 * h * k1
        k2 = deriv(x2)
        ah = jac(x2) * h_mat
        step = eye + ah / 4.0
        step = eye + (ah @ step) / 3.0
        step = eye + (ah @ step) / 2.0
        step = eye + ah @ step
        k3 = deriv(x + 0.5 * h * k2)
        k4 = deriv(x + h * k3)
        x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        phi = step if phi is None else step @ phi
    assert phi is not None  # at least one sub-step
    return x, phi


class _Integrated:
    """Shared RK4 machinery for the nonlinear models (``_deriv``/``_jac`` per model);
    `propagate_and_transition` gives both from one integration."""

    max_step_s: float
    frozen_jacobian = True

    def _deriv(self, x: np.ndarray) -> np.ndarray:
        """dx/dt of states x (N, d)."""
        raise NotImplementedError

    def _jac(self, x: np.ndarray) -> np.ndarray:
        """d(dx/dt)/dx (N, d, d) at states x (N, d)."""
        raise NotImplementedError

    def _both(self, x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        if dt == 0.0:
            return x.copy(), np.broadcast_to(np.eye(x.shape[1]), (x.shape[0],) + (x.shape[1],) * 2).copy()
        integrate = rk4_frozen_stm if self.frozen_jacobian else _rk4_with_stm
        return integrate(self._deriv, self._jac, x, dt, self.max_step_s)

    def propagate(self, x: np.ndarray, dt: float) -> np.ndarray:
        if dt == 0.0 or x.shape[0] == 0:
            return x.copy()
        n_sub = max(1, int(math.ceil(abs(dt) / self.max_step_s)))
        h = dt / n_sub
        for _ in range(n_sub):
            k1 = self._deriv(x)
            k2 = self._deriv(x + 0.5 * h * k1)
            k3 = self._deriv(x + 0.5 * h * k2)
            k4 = self._deriv(x + h * k3)
            x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        return x

    def transition(self, x: np.ndarray, dt: float) -> np.ndarray:
        return self._both(x, dt)[1]

    def propagate_and_transition(self, x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Both at once (one integration)."""
        return self._both(x, dt)


@dataclass(frozen=True)
class Ballistic(_Integrated):
    """Unpowered flight in ECI under central (+ J2) gravity, optionally with drag.

    State [r, v] or, with ``drag=True``, [r, v, kappa] where kappa = 1/beta (m^2/kg) is
    the inverse ballistic coefficient (0 above the atmosphere): drag acceleration
    -rho(h) kappa |v_rel| v_rel / 2 with v_rel = v - omega x r the air-relative velocity
    (co-rotating atmosphere) and rho the USSA-1976 density. Noise: white acceleration
    of density ``q_m2_s3`` and, with drag, a random walk on kappa of density
    ``kappa_q_m4_kg2_s`` ((m^2/kg)^2/s).
    """

    q_m2_s3: float = 400.0
    j2: bool = True
    drag: bool = False
    kappa_q_m4_kg2_s: float = 1e-12
    max_step_s: float = 10.0
    kappa_prior_m2_kg: float = 2e-4
    kappa_prior_sigma_m2_kg: float = 5e-4

    @property
    def ndim(self) -> int:
        return 7 if self.drag else 6

    @property
    def frozen_jacobian(self) -> bool:  # type: ignore[override]
        """Drag varies too fast along a sub-step for a frozen Jacobian: full variational RK4."""
        return not self.drag

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]:
        """Prior mean and variance of the states after [r, v]."""
        return np.array([self.kappa_prior_m2_kg])[: self.ndim - 6], np.array([self.kappa_prior_sigma_m2_kg**2])[: self.ndim - 6]

    def _drag(self, r: np.ndarray, v: np.ndarray, kappa: np.ndarray):
        """Drag acceleration (N, 3), density (N,), air-relative velocity (N, 3) and speed."""
        w = np.array([0.0, 0.0, OMEGA_EARTH_RAD_S])
        v_rel = v - np.cross(w, r)
        speed = np.linalg.norm(v_rel, axis=1)
        rho = density(ellipsoid_height_m(r))
        acc = -0.5 * (rho * kappa * speed)[:, None] * v_rel
        return acc, rho, v_rel, speed

    def _deriv(self, x: np.ndarray) -> np.ndarray:
        r, v = x[:, :3], x[:, 3:6]
        acc = gravity(r, self.j2)
        out = np.empty_like(x)
        out[:, :3] = v
        if self.drag:
            acc = acc + self._drag(r, v, x[:, 6])[0]
            out[:, 6] = 0.0
        out[:, 3:6] = acc
        return out

    def _jac(self, x: np.ndarray) -> np.ndarray:
        n, d = x.shape
        a = np.zeros((n, d, d))
        a[:, :3, 3:6] = _EYE3
        a[:, 3:6, :3] = gravity_gradient(x[:, :3], self.j2)
        if self.drag:
            r, v, kappa = x[:, :3], x[:, 3:6], x[:, 6]
            acc, rho, v_rel, speed = self._drag(r, v, kappa)
            safe = np.where(speed > 0, speed, 1.0)
            # d acc / d v_rel = -rho kappa / 2 (|v_rel| I + v_rel v_rel^T / |v_rel|)
            dv = -0.5 * (rho * kappa)[:, None, None] * (
                safe[:, None, None] * _EYE3 + v_rel[:, :, None] * v_rel[:, None, :] / safe[:, None, None]
            )
            # v_rel = v - w x r, so d v_rel / d r = -[w x] and the density varies with height.
            wx = np.array([[0.0, -OMEGA_EARTH_RAD_S, 0.0], [OMEGA_EARTH_RAD_S, 0.0, 0.0], [0.0, 0.0, 0.0]])
            h = ellipsoid_height_m(r)
            dh = 50.0
            drho = (density(h + dh) - density(h - dh)) / (2.0 * dh)
            up = ellipsoid_height_gradient(r)
            ddens = np.where(rho > 0, drho / np.where(rho > 0, rho, 1.0), 0.0)
            a[:, 3:6, :3] += -dv @ wx + (acc * ddens[:, None])[:, :, None] * up[:, None, :]
            a[:, 3:6, 3:6] = dv
            a[:, 3:6, 6] = -0.5 * (rho * speed)[:, None] * v_rel
        return a

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        q = np.zeros((self.ndim, self.ndim))
        q[:6, :6] = _cv_q(float(self.q_m2_s3), float(dt))
        if self.drag:
            q[6, 6] = self.kappa_q_m4_kg2_s * abs(dt)
        return q


@dataclass(frozen=True)
class Glide(_Integrated):
    """Manoeuvring glide: central (+ J2) gravity plus an aerodynamic acceleration state.

    State [r, v, a] in ECI; dr/dt = v, dv/dt = g(r) + a, da/dt = -a/tau + w, i.e. the
    lift and drag acceleration is a Singer (Gauss-Markov) process with standard
    deviation ``accel_sigma_m_s2`` and time constant ``tau_s``. An equilibrium glider
    carries a near-constant lift of g - v^2/r (~4 m/s^2 at 6 km/s) and drag of lift /
    (L/D) (Candler & Leyva 2022), which this state learns from the measurements, while
    bank reversals and pull-ups appear as the Gauss-Markov noise.
    """

    accel_sigma_m_s2: float = 10.0
    tau_s: float = 60.0
    j2: bool = True
    max_step_s: float = 10.0
    ndim: ClassVar[int] = 9

    def initial_extra(self) -> tuple[np.ndarray, np.ndarray]:
        """Prior mean and variance of the acceleration (its stationary distribution)."""
        return np.zeros(3), np.full(3, self.accel_sigma_m_s2**2)

    def _deriv(self, x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        out[:, :3] = x[:, 3:6]
        out[:, 3:6] = gravity(x[:, :3], self.j2) + x[:, 6:9]
        out[:, 6:9] = -x[:, 6:9] / self.tau_s
        return out

    def _jac(self, x: np.ndarray) -> np.ndarray:
        a = np.zeros((x.shape[0], 9, 9))
        a[:, :3, 3:6] = _EYE3
        a[:, 3:6, :3] = gravity_gradient(x[:, :3], self.j2)
        a[:, 3:6, 6:9] = _EYE3
        a[:, 6:9, 6:9] = -_EYE3 / self.tau_s
        return a

    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        return _singer_q(float(self.accel_sigma_m_s2), float(self.tau_s), float(abs(dt)))


def propagate_and_transition(model: MotionModel, x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Predicted states and transition matrices in one call (one integration for the
    nonlinear models)."""
    if isinstance(model, _Integrated):
        return model.propagate_and_transition(x, dt)
    return model.propagate(x, dt), model.transition(x, dt)
