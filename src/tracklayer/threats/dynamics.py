"""Equations of motion of a threat: the NumPy reference of the flight kernel.

3-DOF point mass (Vinh, Busemann & Culp 1980) in the frame F of
`tracklayer.threats.batch` (Earth-fixed and rotating, or inertial):

    dr/dt = v
    dv/dt = g(r) - 2 w x v - w x (w x r) + T/m + L/m - D/m
    dm/dt = -mdot

* g: central + J2 gravity, g = -mu r/|r|^3 [1 + 1.5 J2 (a/r)^2 (1 - 5 z^2/r^2)] (x, y)
  and [.. (3 - 5 z^2/r^2)] (z) (Vallado 2013, Eq. 8-25 with J2 only);
* w = (0, 0, omega): the Coriolis and centrifugal terms, zero when rotation is off;
* T: rocket thrust mdot * Isp * g0 of the burning stage, along the local vertical
  during the vertical rise, then at the pitch-over (kick) angle from it toward the
  launch azimuth, then along the air-relative velocity (gravity turn, zero angle
  of attack); booster drag 1/2 rho v^2 (C_D A) opposite the velocity;
* after the boost, aerodynamic force of the vehicle from a parabolic drag polar
  C_D = C_D0(M) + K(M) C_L^2 with C_L <= C_L,max(M) (Mach-dependent for tabulated
  vehicles such as CAV-H, constant for a vehicle given by beta and L/D):
  D/m = q S C_D/m, L/m = q S C_L/m, q = rho v^2/2, USSA-1976 density;
* lift from guidance (a lift vector perpendicular to v; its size sets C_L,
  its direction the bank angle):
  - ballistic vehicles: none;
  - glide (coast and glide modes): vertical lift at maximum L/D, C_L*, minus a
    phugoid damping term c (h_dot - h_dot_eq) with c = 2 zeta sqrt(g_eff/H) and
    h_dot_eq = -2 g H_rho / (v (L/D)*) the sink rate of the equilibrium glide
    (H_rho the local density scale height); lateral lift
    v_h e/tau turning the heading onto the great circle to the next waypoint or
    the aim point (e: heading error, sin e for |e| < 90 deg), optionally offset
    by +/- a weave angle that flips every half period (bank reversals); the bank
    angle atan(lateral/vertical) is limited to 70 deg and the lift to C_L,max (a
    turning vehicle sinks into denser air, as with bank-angle steering);
  - terminal dive: pursuit of the aim point, k v^2 sin(off-boresight)/R_go,
    plus compensation of gravity across the velocity, within C_L,max.

Everything is written with arithmetic and square roots only, in the same order as
`tracklayer.kernels.flight`, so that both engines agree to the bit.
"""

from __future__ import annotations

import numpy as np

from tracklayer.earth.atmosphere import table_lookup
from tracklayer.earth.constants import MU_EARTH_M3_S2 as MU
from tracklayer.earth.constants import WGS84_A_M as AE
from tracklayer.earth.constants import WGS84_B_M as BE
from tracklayer.kernels.flight_layout import (
    A_CD0, A_CLMAX, A_CLSTAR, A_K, A_MACH, BOOST, COAST, DONE, E_MASS, E_TIME, F_T, GLIDE,
    GUIDE_GLIDE, H_DAMP_M, I_EVENT, I_MODE, I_NODE, I_WAYPOINT, MAX_STAGES, MAX_WAYPOINTS,
    MIN_TIME_TO_GO_S, P_AIM_X, P_AIM_Y, P_AIM_Z, P_BOOST_CDA, P_COS_AZ, P_COS_KICK, P_DAMP,
    P_DIVE_TAN, P_ENTRY_ALT, P_GROUND_ALT, P_GUIDE, P_HEAD_TAU, P_J2, P_N_MACH, P_N_STAGES,
    P_N_WAYPOINTS, P_NAV_GAIN, P_OMEGA, P_PAYLOAD_KG, P_R_SPHERE, P_S_REF, P_SIN_AZ, P_SIN_KICK,
    P_T_BOOST_END, P_T_CUTOFF, P_T_LAUNCH, P_T_MAX, P_T_PITCH, P_T_VERTICAL, P_V_MARK, P_WEAVE_COS,
    P_WEAVE_HALF, P_WEAVE_SIN, R_BO_X, R_END_X, R_LANDED, R_MAX_ALT, R_SLOW_ALT, R_SLOW_RANGE,
    R_T_BURNOUT, R_T_DIVE, R_T_END, R_T_GLIDE, R_T_SLOW, R_V_DIVE, S_BURNOUT, SCALE_STEP_M, S_IGNITION, S_MDOT, S_VE,
    TAN_BANK_MAX, TERMINAL,
)

AB = AE * BE
AE2 = AE * AE
BE2 = BE * BE


def altitude_numpy(x: np.ndarray, y: np.ndarray, z: np.ndarray, r_sphere: np.ndarray) -> np.ndarray:
    """Height (m) above the sphere ``r_sphere`` (> 0) or the WGS 84 ellipsoid along the radius.

    The ellipsoid height is measured along the geocentric radius, not the normal:
    within 1 m of the geodetic height up to 150 km altitude.
    """
    r = np.sqrt(x * x + y * y + z * z)
    return np.where(r_sphere > 0.0, r - r_sphere, r - AB * r / np.sqrt(BE2 * (x * x + y * y) + AE2 * (z * z)))


def _mach_polar(ae: np.ndarray, nm: np.ndarray, v: np.ndarray, sound: np.ndarray) -> tuple[np.ndarray, ...]:
    n = v.shape[0]
    rows = np.arange(n)
    mach = v / sound
    last = ae[rows, np.maximum(nm - 1, 0), A_MACH]
    mach = np.where(mach <= ae[:, 0, A_MACH], ae[:, 0, A_MACH], np.where(mach >= last, last, mach))
    j = np.zeros(n, dtype=np.int64)
    for k in range(1, ae.shape[1]):
        j += (k < nm) & (ae[:, k, A_MACH] <= mach)
    j = np.minimum(j, np.maximum(nm - 2, 0))
    a0 = ae[rows, j]
    a1 = ae[rows, np.minimum(j + 1, ae.shape[1] - 1)]
    fm = (mach - a0[:, A_MACH]) / (a1[:, A_MACH] - a0[:, A_MACH])
    single = nm == 1
    out = []
    for col in (A_CD0, A_K, A_CLMAX, A_CLSTAR):
        out.append(np.where(single, ae[:, 0, col], a0[:, col] + fm * (a1[:, col] - a0[:, col])))
    return tuple(out)


def accel_numpy(p, st, ae, wps, low, high, mode, wp, tm, x, y, z, vx, vy, vz, m):
    """Acceleration (F frame, m/s^2) and mass flow (kg/s) of many rows at once.

    Parameters are the gathered rows of the batch arrays (``p`` (n, N_PARAMS),
    ``st`` (n, MAX_STAGES, 4), ``ae`` (n, MAX_MACH, 5), ``wps`` (n, MAX_WAYPOINTS, 3)),
    the rows' modes and waypoint indices (n,), the step midpoint times ``tm`` (n,)
    and the states (n,) per component. Returns (ax, ay, az, mdot), each (n,).
    """
    n = x.shape[0]
    rows = np.arange(n)
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    ux = x / r
    uy = y / r
    uz = z / r
    kg = -MU / (r2 * r)
    f = 1.5 * p[:, P_J2] * AE2 / r2
    zz = 5.0 * z * z / r2
    bx = kg * x * (1.0 + f * (1.0 - zz))
    by = kg * y * (1.0 + f * (1.0 - zz))
    bz = kg * z * (1.0 + f * (3.0 - zz))
    w = p[:, P_OMEGA]
    bx = bx + 2.0 * w * vy + w * w * x
    by = by - 2.0 * w * vx + w * w * y
    h = altitude_numpy(x, y, z, p[:, P_R_SPHERE])
    rho, sound = table_lookup(h, low, high)
    v2 = vx * vx + vy * vy + vz * vz
    v = np.sqrt(v2)
    boost = mode == BOOST

    # --- boost: thrust of the burning stage, gravity-turn attitude, stack drag ----------
    tr = tm - p[:, P_T_LAUNCH]
    mdot = np.zeros(n)
    thrust = np.zeros(n)
    found = ~(tm < p[:, P_T_CUTOFF])
    for k in range(MAX_STAGES):
        on = (~found) & (k < p[:, P_N_STAGES]) & (tr >= st[:, k, S_IGNITION]) & (tr < st[:, k, S_BURNOUT])
        mdot = np.where(on, st[:, k, S_MDOT], mdot)
        thrust = np.where(on, st[:, k, S_MDOT] * st[:, k, S_VE], thrust)
        found |= on
    q = np.sqrt(x * x + y * y)
    ex = -y / q
    ey = x / q
    nx = -uz * x / q
    ny = -uz * y / q
    nz = (ux * x + uy * y) / q
    hx = p[:, P_COS_AZ] * nx + p[:, P_SIN_AZ] * ex
    hy = p[:, P_COS_AZ] * ny + p[:, P_SIN_AZ] * ey
    hz = p[:, P_COS_AZ] * nz
    vertical = (tr < p[:, P_T_VERTICAL]) | (v == 0.0)
    pitch = (~vertical) & (tr < p[:, P_T_VERTICAL] + p[:, P_T_PITCH])
    dx = np.where(vertical, ux, np.where(pitch, p[:, P_COS_KICK] * ux + p[:, P_SIN_KICK] * hx, vx / v))
    dy = np.where(vertical, uy, np.where(pitch, p[:, P_COS_KICK] * uy + p[:, P_SIN_KICK] * hy, vy / v))
    dz = np.where(vertical, uz, np.where(pitch, p[:, P_COS_KICK] * uz + p[:, P_SIN_KICK] * hz, vz / v))
    ta = thrust / m
    dkb = 0.5 * rho * v * p[:, P_BOOST_CDA] / m
    boost_a = (bx + ta * dx - dkb * vx, by + ta * dy - dkb * vy, bz + ta * dz - dkb * vz)

    # --- after the boost: aerodynamics and guidance ------------------------------------
    cd0, kk, clmax, clstar = _mach_polar(ae, p[:, P_N_MACH].astype(np.int64), v, sound)
    qsm = 0.5 * rho * v2 * p[:, P_S_REF] / m
    tx = vx / v
    ty = vy / v
    tz = vz / v
    lifting = (p[:, P_GUIDE] == GUIDE_GLIDE) & (qsm > 1e-12)
    lmax = clmax * qsm

    # terminal dive: pursuit + gravity compensation across v
    gx_ = p[:, P_AIM_X] - x
    gy_ = p[:, P_AIM_Y] - y
    gz_ = p[:, P_AIM_Z] - z
    rgo = np.sqrt(gx_ * gx_ + gy_ * gy_ + gz_ * gz_)
    gx_ = gx_ / rgo
    gy_ = gy_ / rgo
    gz_ = gz_ / rgo
    c = gx_ * tx + gy_ * ty + gz_ * tz
    px = gx_ - c * tx
    py = gy_ - c * ty
    pz = gz_ - c * tz
    gain = np.where(rgo > MIN_TIME_TO_GO_S * v, p[:, P_NAV_GAIN] * v2 / rgo, 0.0)
    cb = bx * tx + by * ty + bz * tz
    tlx = gain * px - (bx - cb * tx)
    tly = gain * py - (by - cb * ty)
    tlz = gain * pz - (bz - cb * tz)
    ln = np.sqrt(tlx * tlx + tly * tly + tlz * tlz)
    over = ln > lmax
    sc = lmax / ln
    tlx = np.where(over, tlx * sc, tlx)
    tly = np.where(over, tly * sc, tly)
    tlz = np.where(over, tlz * sc, tlz)
    ln = np.where(over, lmax, ln)
    tcl = ln / qsm

    # glide: damped vertical lift at max L/D, lateral lift toward the target
    vup = vx * ux + vy * uy + vz * uz
    cu = vup / v
    lvx = ux - cu * tx
    lvy = uy - cu * ty
    lvz = uz - cu * tz
    lvn = np.sqrt(lvx * lvx + lvy * lvy + lvz * lvz)
    lvx = lvx / lvn
    lvy = lvy / lvn
    lvz = lvz / lvn
    sx = ty * lvz - tz * lvy
    sy = tz * lvx - tx * lvz
    sz = tx * lvy - ty * lvx
    vhx = vx - vup * ux
    vhy = vy - vup * uy
    vhz = vz - vup * uz
    vh = np.sqrt(vhx * vhx + vhy * vhy + vhz * vhz)
    needed = MU / r2 - vh * vh / r
    needed = np.where(needed < 0.1, 0.1, needed)
    rho_up = table_lookup(h + SCALE_STEP_M, low, high)[0]
    hs = np.where(rho > rho_up, SCALE_STEP_M * rho / np.where(rho > rho_up, rho - rho_up, 1.0), H_DAMP_M)
    sink = -2.0 * (MU / r2) * hs * (cd0 + kk * clstar * clstar) / np.where(clstar > 0.0, v * clstar, 1.0)
    a_v = clstar * qsm - p[:, P_DAMP] * np.sqrt(needed / H_DAMP_M) * (vup - sink)
    use_wp = wp < p[:, P_N_WAYPOINTS]
    wsel = wps[rows, np.minimum(wp, MAX_WAYPOINTS - 1)]
    an = np.sqrt(p[:, P_AIM_X] * p[:, P_AIM_X] + p[:, P_AIM_Y] * p[:, P_AIM_Y] + p[:, P_AIM_Z] * p[:, P_AIM_Z])
    gx = np.where(use_wp, wsel[:, 0], p[:, P_AIM_X] / an)
    gy = np.where(use_wp, wsel[:, 1], p[:, P_AIM_Y] / an)
    gz = np.where(use_wp, wsel[:, 2], p[:, P_AIM_Z] / an)
    cg = gx * ux + gy * uy + gz * uz
    gx = gx - cg * ux
    gy = gy - cg * uy
    gz = gz - cg * uz
    gn = np.sqrt(gx * gx + gy * gy + gz * gz)
    gx = gx / gn
    gy = gy / gn
    gz = gz / gn
    weave = p[:, P_WEAVE_HALF] > 0.0
    odd = np.floor((tm - p[:, P_T_LAUNCH]) / np.where(weave, p[:, P_WEAVE_HALF], 1.0)).astype(np.int64) % 2 == 1
    sg = np.where(odd, -p[:, P_WEAVE_SIN], p[:, P_WEAVE_SIN])
    qx = uy * gz - uz * gy
    qy = uz * gx - ux * gz
    qz = ux * gy - uy * gx
    gx = np.where(weave, p[:, P_WEAVE_COS] * gx + sg * qx, gx)
    gy = np.where(weave, p[:, P_WEAVE_COS] * gy + sg * qy, gy)
    gz = np.where(weave, p[:, P_WEAVE_COS] * gz + sg * qz, gz)
    hx = vhx / vh
    hy = vhy / vh
    hz = vhz / vh
    sin_e = -((hy * gz - hz * gy) * ux + (hz * gx - hx * gz) * uy + (hx * gy - hy * gx) * uz)
    cos_e = hx * gx + hy * gy + hz * gz
    eps = np.where(cos_e < 0.0, np.where(sin_e >= 0.0, 1.0, -1.0), sin_e)
    steer = (p[:, P_HEAD_TAU] > 0.0) & (vh > 0.0) & (gn > 0.0)
    a_l = np.where(steer, vh * eps / p[:, P_HEAD_TAU], 0.0)
    a_v = np.where(a_v > lmax, lmax, np.where(a_v < -lmax, -lmax, a_v))
    lat_max = np.where(a_v > 0.0, TAN_BANK_MAX * a_v, 0.0)
    a_l = np.where(a_l > lat_max, lat_max, np.where(a_l < -lat_max, -lat_max, a_l))
    tot = np.sqrt(a_v * a_v + a_l * a_l)
    sc = lmax / tot
    big = tot > lmax
    a_v = np.where(big, a_v * sc, a_v)
    a_l = np.where(big, a_l * sc, a_l)
    glx = a_v * lvx + a_l * sx
    gly = a_v * lvy + a_l * sy
    glz = a_v * lvz + a_l * sz
    gcl = np.sqrt(a_v * a_v + a_l * a_l) / qsm

    terminal = mode == TERMINAL
    lx = np.where(lifting, np.where(terminal, tlx, glx), 0.0)
    ly = np.where(lifting, np.where(terminal, tly, gly), 0.0)
    lz = np.where(lifting, np.where(terminal, tlz, glz), 0.0)
    cl = np.where(lifting, np.where(terminal, tcl, gcl), 0.0)
    dk = (cd0 + kk * cl * cl) * qsm / v
    still = v == 0.0
    ax = np.where(boost, boost_a[0], np.where(still, bx, bx + lx - dk * vx))
    ay = np.where(boost, boost_a[1], np.where(still, by, by + ly - dk * vy))
    az = np.where(boost, boost_a[2], np.where(still, bz, bz + lz - dk * vz))
    return ax, ay, az, np.where(boost, mdot, 0.0)


def hermite_numpy(s: np.ndarray, hh: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Cubic Hermite position and velocity (n, 6) at fractions ``s`` (n,) of steps ``hh`` (n,)."""
    s = s[:, None]
    hh = hh[:, None]
    s2 = s * s
    s3 = s2 * s
    h00 = 2.0 * s3 - 3.0 * s2 + 1.0
    h10 = s3 - 2.0 * s2 + s
    h01 = -2.0 * s3 + 3.0 * s2
    h11 = s3 - s2
    g00 = (6.0 * s2 - 6.0 * s) / hh
    g10 = 3.0 * s2 - 4.0 * s + 1.0
    g01 = (-6.0 * s2 + 6.0 * s) / hh
    g11 = 3.0 * s2 - 2.0 * s
    pos = h00 * y0[:, :3] + h10 * hh * y0[:, 3:6] + h01 * y1[:, :3] + h11 * hh * y1[:, 3:6]
    vel = g00 * y0[:, :3] + g10 * y0[:, 3:6] + g01 * y1[:, :3] + g11 * y1[:, 3:6]
    return np.concatenate([pos, vel], axis=1)


def _derivative(p, st, ae, wps, low, high, mode, wp, tm, y):
    a = accel_numpy(p, st, ae, wps, low, high, mode, wp, tm, y[:, 0], y[:, 1], y[:, 2], y[:, 3], y[:, 4], y[:, 5], y[:, 6])
    return np.stack([y[:, 3], y[:, 4], y[:, 5], a[0], a[1], a[2], -a[3]], axis=1)


def flight_numpy(i0, i1, step_s, n_sub, t_stop, out_k0, n_out, params, stages, events, aero, waypoints,
                 low, high, fstate, istate, rec, out_x, out_phase):
    """Advance rows ``i0 .. i1 - 1``: NumPy reference of `tracklayer.kernels.flight.flight_kernel`."""
    with np.errstate(all="ignore"):
        _flight(i0, i1, step_s, n_sub, t_stop, out_k0, n_out, params, stages, events, aero, waypoints,
                low, high, fstate, istate, rec, out_x, out_phase)


def _flight(i0, i1, step_s, n_sub, t_stop, out_k0, n_out, params, stages, events, aero, waypoints,
            low, high, fstate, istate, rec, out_x, out_phase):
    hsub = step_s / n_sub
    ids = np.arange(i0, i1)
    ids = ids[istate[ids, I_MODE] != DONE]
    p, st, ae, wps, evs = params[ids], stages[ids], aero[ids], waypoints[ids], events[ids]
    y = fstate[ids, :7].copy()
    t = fstate[ids, F_T].copy()
    jn = istate[ids, I_NODE].copy()
    ev = istate[ids, I_EVENT].copy()
    mode = istate[ids, I_MODE].copy()
    wp = istate[ids, I_WAYPOINT].copy()
    n_ev = events.shape[1]

    def save(keep: np.ndarray) -> None:
        gone = ~keep
        g = ids[gone]
        fstate[g, :7] = y[gone]
        fstate[g, F_T] = t[gone]
        istate[g, I_NODE] = jn[gone]
        istate[g, I_EVENT] = ev[gone]
        istate[g, I_MODE] = mode[gone]
        istate[g, I_WAYPOINT] = wp[gone]

    while ids.size:
        t_node = (jn // n_sub).astype(np.float64) * step_s + (jn % n_sub).astype(np.float64) * hsub
        keep = ~(t_node > t_stop)
        if not keep.all():
            save(keep)
            ids, p, st, ae, wps, evs = ids[keep], p[keep], st[keep], ae[keep], wps[keep], evs[keep]
            y, t, jn, ev, mode, wp, t_node = y[keep], t[keep], jn[keep], ev[keep], mode[keep], wp[keep], t_node[keep]
            if not ids.size:
                break
        rows = np.arange(ids.size)
        te = np.where(ev < n_ev, evs[rows, np.minimum(ev, n_ev - 1), E_TIME], np.inf)
        at_event = te <= t_node
        t1 = np.where(at_event, te, t_node)
        hh = t1 - t
        tm = t + 0.5 * hh
        y0 = y.copy()
        go = hh > 0.0
        if go.any():
            if go.all():
                s = slice(None)
            else:
                s = np.nonzero(go)[0]
            ps, sts, aes, wpss, ms, wpi, tms, hs, ys = p[s], st[s], ae[s], wps[s], mode[s], wp[s], tm[s], hh[s][:, None], y[s]
            k1 = _derivative(ps, sts, aes, wpss, low, high, ms, wpi, tms, ys)
            k2 = _derivative(ps, sts, aes, wpss, low, high, ms, wpi, tms, ys + 0.5 * hs * k1)
            k3 = _derivative(ps, sts, aes, wpss, low, high, ms, wpi, tms, ys + 0.5 * hs * k2)
            k4 = _derivative(ps, sts, aes, wpss, low, high, ms, wpi, tms, ys + hs * k3)
            y[s] = ys + hs / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        t = t1
        if at_event.any():
            e = np.nonzero(at_event)[0]
            mass = evs[e, ev[e], E_MASS]
            y[e, 6] = np.where(np.isnan(mass), y[e, 6], mass)
            ev[e] += 1
            end = e[(mode[e] == BOOST) & (t[e] >= p[e, P_T_BOOST_END])]
            y[end, 6] = p[end, P_PAYLOAD_KG]
            mode[end] = COAST
            rec[ids[end], R_T_BURNOUT] = t[end]
            rec[ids[end], R_BO_X:R_BO_X + 6] = y[end, :6]
        at_node = t1 == t_node
        jn = jn + at_node
        landed = _after_step(ids, p, ae, wps, low, high, rec, mode, wp, t, hh, y0, y)
        timeout = (~landed) & (t >= p[:, P_T_MAX])
        if timeout.any():
            mode[timeout] = DONE
            rec[ids[timeout], R_T_END] = t[timeout]
            rec[ids[timeout], R_END_X:R_END_X + 6] = y[timeout, :6]
        live = ~(landed | timeout)
        write = live & at_node & ((jn - 1) % n_sub == 0)
        k = (jn - 1) // n_sub - out_k0
        write &= (k >= 0) & (k < n_out)
        if write.any():
            out_x[k[write], ids[write]] = y[write, :6]
            out_phase[k[write], ids[write]] = mode[write]
        if not live.all():
            save(live)
            ids, p, st, ae, wps, evs = ids[live], p[live], st[live], ae[live], wps[live], evs[live]
            y, t, jn, ev, mode, wp = y[live], t[live], jn[live], ev[live], mode[live], wp[live]
    save(np.zeros(ids.size, dtype=bool))


def pull_down_numpy(p, ae, low, high, h, r, vh, v, m) -> np.ndarray:
    """Ground distance (m) over which vehicles flying level at heights ``h`` and speeds ``v``
    can dive onto their aim (NumPy reference of `tracklayer.kernels.flight.pull_down_m`).

    The horizontal extent of a circular arc of radius R = v^2/a that starts level and
    falls by the height d above the aim, sqrt(d (2R - d)) (R once d >= R), with
    a = C_L,max q S/m + mu/r^2 - v_h^2/r the largest pull-down acceleration at this
    height and speed; 0 where a <= 0 or the vehicle is not above the aim's height.
    """
    rho, sound = table_lookup(h, low, high)
    clmax = _mach_polar(ae, p[:, P_N_MACH].astype(np.int64), v, sound)[2]
    v2 = v * v
    a = clmax * (0.5 * rho * v2 * p[:, P_S_REF] / m) + MU / (r * r) - vh * vh / r
    drop = h - p[:, P_GROUND_ALT]
    rad = v2 / a
    arc = np.where(drop >= rad, rad, np.sqrt(drop * (2.0 * rad - drop)))
    return np.where((a <= 0.0) | (drop <= 0.0), 0.0, arc)


def _after_step(ids, p, ae, wps, low, high, rec, mode, wp, t, hh, y0, y) -> np.ndarray:
    """Mode changes, records and ground impact at the end of a step (in place); returns landed."""
    x, yy, z = y[:, 0], y[:, 1], y[:, 2]
    h = altitude_numpy(x, yy, z, p[:, P_R_SPHERE])
    rid = ids
    rec[rid, R_MAX_ALT] = np.where(h > rec[rid, R_MAX_ALT], h, rec[rid, R_MAX_ALT])
    flying = mode != BOOST
    r = np.sqrt(x * x + yy * yy + z * z)
    ux = x / r
    uy = yy / r
    uz = z / r
    vup = y[:, 3] * ux + y[:, 4] * uy + y[:, 5] * uz
    landed = flying & (h < p[:, P_GROUND_ALT]) & (vup < 0.0) & (hh > 0.0)
    if landed.any():
        li = np.nonzero(landed)[0]
        lo = np.zeros(li.size)
        hi = np.ones(li.size)
        for _ in range(48):
            mid = 0.5 * (lo + hi)
            q = hermite_numpy(mid, hh[li], y0[li], y[li])
            above = altitude_numpy(q[:, 0], q[:, 1], q[:, 2], p[li, P_R_SPHERE]) > p[li, P_GROUND_ALT]
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        q = hermite_numpy(hi, hh[li], y0[li], y[li])
        rec[rid[li], R_T_END] = t[li] - hh[li] + hi * hh[li]
        rec[rid[li], R_END_X:R_END_X + 6] = q
        rec[rid[li], R_LANDED] = 1.0
        mode[li] = DONE
    act = flying & ~landed
    v = np.sqrt(y[:, 3] * y[:, 3] + y[:, 4] * y[:, 4] + y[:, 5] * y[:, 5])
    glide_kind = p[:, P_GUIDE] == GUIDE_GLIDE
    enter = act & glide_kind & (mode == COAST) & (h < p[:, P_ENTRY_ALT])
    leave = act & glide_kind & (mode == GLIDE) & (h > p[:, P_ENTRY_ALT])
    mode[enter] = GLIDE
    mode[leave] = COAST
    first = enter & np.isnan(rec[rid, R_T_GLIDE])
    rec[rid[first], R_T_GLIDE] = t[first]
    an = np.sqrt(p[:, P_AIM_X] * p[:, P_AIM_X] + p[:, P_AIM_Y] * p[:, P_AIM_Y] + p[:, P_AIM_Z] * p[:, P_AIM_Z])
    cx = p[:, P_AIM_X] / an - ux
    cy = p[:, P_AIM_Y] / an - uy
    cz = p[:, P_AIM_Z] / an - uz
    rng = np.sqrt(cx * cx + cy * cy + cz * cz) * an
    gl = act & glide_kind & (mode == GLIDE)
    slow = gl & (v < p[:, P_V_MARK]) & np.isnan(rec[rid, R_T_SLOW])
    rec[rid[slow], R_T_SLOW] = t[slow]
    rec[rid[slow], R_SLOW_ALT] = h[slow]
    rec[rid[slow], R_SLOW_RANGE] = rng[slow]
    vhx = y[:, 3] - vup * ux
    vhy = y[:, 4] - vup * uy
    vhz = y[:, 5] - vup * uz
    vh = np.sqrt(vhx * vhx + vhy * vhy + vhz * vhz)
    dive = gl & ((h >= p[:, P_DIVE_TAN] * rng) | (rng <= pull_down_numpy(p, ae, low, high, h, r, vh, v, y[:, 6])))
    mode[dive] = TERMINAL
    rec[rid[dive], R_T_DIVE] = t[dive]
    rec[rid[dive], R_V_DIVE] = v[dive]
    steer = act & glide_kind & ((mode == COAST) | (mode == GLIDE))
    if steer.any():
        nwp = p[:, P_N_WAYPOINTS]
        rows = np.arange(ids.size)
        for _ in range(MAX_WAYPOINTS):
            w = wps[rows, np.minimum(wp, MAX_WAYPOINTS - 1)]
            along = (w[:, 0] - ux) * vhx + (w[:, 1] - uy) * vhy + (w[:, 2] - uz) * vhz
            passed = steer & (wp < nwp) & ~(along > 0.0)
            if not passed.any():
                break
            wp[passed] += 1
    term = act & ~glide_kind & (mode == COAST) & (h < p[:, P_ENTRY_ALT]) & (vup < 0.0)
    mode[term] = TERMINAL
    return landed
