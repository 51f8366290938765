"""numba kernel for threat flight (reference: `tracklayer.threats.dynamics.flight_numpy`).

Equations and frames: `tracklayer.threats.batch`; array layout:
`tracklayer.kernels.flight_layout`. The arithmetic here and in the NumPy reference
is written in the same order so that both engines agree to the bit; change both
together.
"""

from __future__ import annotations

import math

import numpy as np

from tracklayer.earth.atmosphere import TABLE_SPLIT_M, TABLE_STEP_HIGH_M, TABLE_STEP_LOW_M, TABLE_TOP_M
from tracklayer.earth.constants import MU_EARTH_M3_S2 as MU
from tracklayer.earth.constants import WGS84_A_M as AE
from tracklayer.earth.constants import WGS84_B_M as BE
from tracklayer.kernels._jit import jit
from tracklayer.kernels.flight_layout import (
    A_CD0,
    A_CLMAX,
    A_CLSTAR,
    A_K,
    A_MACH,
    BOOST,
    COAST,
    DONE,
    E_MASS,
    E_TIME,
    F_T,
    GLIDE,
    GUIDE_GLIDE,
    H_DAMP_M,
    I_EVENT,
    I_MODE,
    I_NODE,
    I_WAYPOINT,
    MIN_TIME_TO_GO_S,
    P_AIM_X,
    P_AIM_Y,
    P_AIM_Z,
    P_BOOST_CDA,
    P_COS_AZ,
    P_COS_KICK,
    P_DAMP,
    P_DIVE_TAN,
    P_ENTRY_ALT,
    P_GROUND_ALT,
    P_GUIDE,
    P_HEAD_TAU,
    P_J2,
    P_N_MACH,
    P_N_STAGES,
    P_N_WAYPOINTS,
    P_NAV_GAIN,
    P_OMEGA,
    P_PAYLOAD_KG,
    P_R_SPHERE,
    P_S_REF,
    P_SIN_AZ,
    P_SIN_KICK,
    P_T_BOOST_END,
    P_T_CUTOFF,
    P_T_LAUNCH,
    P_T_MAX,
    P_T_PITCH,
    P_T_VERTICAL,
    P_V_MARK,
    P_WEAVE_COS,
    P_WEAVE_HALF,
    P_WEAVE_SIN,
    R_BO_X,
    R_END_X,
    R_LANDED,
    R_MAX_ALT,
    R_SLOW_ALT,
    R_SLOW_RANGE,
    R_T_BURNOUT,
    R_T_DIVE,
    R_T_END,
    R_T_GLIDE,
    R_T_SLOW,
    R_V_DIVE,
    S_BURNOUT,
    S_IGNITION,
    S_MDOT,
    S_VE,
    SCALE_STEP_M,
    TAN_BANK_MAX,
    TERMINAL,
)

AB = AE * BE
AE2 = AE * AE
BE2 = BE * BE


@jit
def altitude(x, y, z, r_sphere):
    """Height (m) above the sphere, or above the WGS 84 ellipsoid along the radius."""
    r = math.sqrt(x * x + y * y + z * z)
    if r_sphere > 0.0:
        return r - r_sphere
    return r - AB * r / math.sqrt(BE2 * (x * x + y * y) + AE2 * (z * z))


@jit
def _atmosphere(h, low, high):
    if h < 0.0:
        h = 0.0
    if h < TABLE_SPLIT_M:
        s = h / TABLE_STEP_LOW_M
        k = int(math.floor(s))
        w = s - k
        return low[k, 0] + w * (low[k + 1, 0] - low[k, 0]), low[k, 1] + w * (low[k + 1, 1] - low[k, 1])
    if h < TABLE_TOP_M:
        s = (h - TABLE_SPLIT_M) / TABLE_STEP_HIGH_M
        k = int(math.floor(s))
        w = s - k
        return high[k, 0] + w * (high[k + 1, 0] - high[k, 0]), high[k, 1] + w * (high[k + 1, 1] - high[k, 1])
    return 0.0, high[high.shape[0] - 1, 1]


@jit
def _polar(p, ae, v, sound):
    """C_D0, K, C_L,max and C_L* of the vehicle's drag polar at this Mach number."""
    nm = int(p[P_N_MACH])
    if nm == 1:
        return ae[0, A_CD0], ae[0, A_K], ae[0, A_CLMAX], ae[0, A_CLSTAR]
    mach = v / sound
    j = 0
    if mach <= ae[0, A_MACH]:
        mach = ae[0, A_MACH]
    elif mach >= ae[nm - 1, A_MACH]:
        mach = ae[nm - 1, A_MACH]
        j = nm - 2
    else:
        while mach >= ae[j + 1, A_MACH]:
            j += 1
    if j > nm - 2:
        j = nm - 2
    fm = (mach - ae[j, A_MACH]) / (ae[j + 1, A_MACH] - ae[j, A_MACH])
    cd0 = ae[j, A_CD0] + fm * (ae[j + 1, A_CD0] - ae[j, A_CD0])
    kk = ae[j, A_K] + fm * (ae[j + 1, A_K] - ae[j, A_K])
    clmax = ae[j, A_CLMAX] + fm * (ae[j + 1, A_CLMAX] - ae[j, A_CLMAX])
    clstar = ae[j, A_CLSTAR] + fm * (ae[j + 1, A_CLSTAR] - ae[j, A_CLSTAR])
    return cd0, kk, clmax, clstar


@jit
def pull_down_m(p, ae, low, high, h, r, vh, v, m):
    """Ground distance (m) over which a vehicle flying level at height ``h`` and speed ``v``
    can dive onto its aim: the horizontal extent sqrt(d (2R - d)) (R once d >= R) of a
    circular arc of radius R = v^2/a that starts level and falls by the height d above
    the aim, with a = C_L,max q S/m + mu/r^2 - v_h^2/r the largest pull-down acceleration
    (lift at this height and speed, plus gravity less the centrifugal term); 0 when
    a <= 0 or the vehicle is not above the aim's height. docs/threats.md Sec. 5."""
    rho, sound = _atmosphere(h, low, high)
    clmax = _polar(p, ae, v, sound)[2]
    v2 = v * v
    a = clmax * (0.5 * rho * v2 * p[P_S_REF] / m) + MU / (r * r) - vh * vh / r
    drop = h - p[P_GROUND_ALT]
    if a <= 0.0 or drop <= 0.0:
        return 0.0
    rad = v2 / a
    if drop >= rad:
        return rad
    return math.sqrt(drop * (2.0 * rad - drop))


@jit
def _accel(p, st, ae, wps, low, high, mode, wp, tm, x, y, z, vx, vy, vz, m):
    """Acceleration (F frame) and mass flow of one row; ``tm`` is the step's midpoint."""
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    ux = x / r
    uy = y / r
    uz = z / r
    # gravity: central + J2
    kg = -MU / (r2 * r)
    f = 1.5 * p[P_J2] * AE2 / r2
    zz = 5.0 * z * z / r2
    bx = kg * x * (1.0 + f * (1.0 - zz))
    by = kg * y * (1.0 + f * (1.0 - zz))
    bz = kg * z * (1.0 + f * (3.0 - zz))
    # Coriolis and centrifugal (rotating frame)
    w = p[P_OMEGA]
    bx = bx + 2.0 * w * vy + w * w * x
    by = by - 2.0 * w * vx + w * w * y
    h = altitude(x, y, z, p[P_R_SPHERE])
    rho, sound = _atmosphere(h, low, high)
    v2 = vx * vx + vy * vy + vz * vz
    v = math.sqrt(v2)
    mdot = 0.0
    if mode == BOOST:
        tr = tm - p[P_T_LAUNCH]
        thrust = 0.0
        if tm < p[P_T_CUTOFF]:
            for k in range(int(p[P_N_STAGES])):
                if tr >= st[k, S_IGNITION] and tr < st[k, S_BURNOUT]:
                    mdot = st[k, S_MDOT]
                    thrust = mdot * st[k, S_VE]
                    break
        if tr < p[P_T_VERTICAL] or v == 0.0:
            dx = ux
            dy = uy
            dz = uz
        elif tr < p[P_T_VERTICAL] + p[P_T_PITCH]:
            q = math.sqrt(x * x + y * y)
            ex = -y / q
            ey = x / q
            nx = -uz * x / q
            ny = -uz * y / q
            nz = (ux * x + uy * y) / q
            hx = p[P_COS_AZ] * nx + p[P_SIN_AZ] * ex
            hy = p[P_COS_AZ] * ny + p[P_SIN_AZ] * ey
            hz = p[P_COS_AZ] * nz
            dx = p[P_COS_KICK] * ux + p[P_SIN_KICK] * hx
            dy = p[P_COS_KICK] * uy + p[P_SIN_KICK] * hy
            dz = p[P_COS_KICK] * uz + p[P_SIN_KICK] * hz
        else:
            dx = vx / v
            dy = vy / v
            dz = vz / v
        ta = thrust / m
        dk = 0.5 * rho * v * p[P_BOOST_CDA] / m
        return bx + ta * dx - dk * vx, by + ta * dy - dk * vy, bz + ta * dz - dk * vz, mdot
    if v == 0.0:
        return bx, by, bz, mdot
    cd0, kk, clmax, clstar = _polar(p, ae, v, sound)
    qsm = 0.5 * rho * v2 * p[P_S_REF] / m
    lx = 0.0
    ly = 0.0
    lz = 0.0
    cl = 0.0
    tx = vx / v
    ty = vy / v
    tz = vz / v
    if p[P_GUIDE] == GUIDE_GLIDE and qsm > 1e-12:
        lmax = clmax * qsm
        if mode == TERMINAL:
            ax_ = p[P_AIM_X] - x
            ay_ = p[P_AIM_Y] - y
            az_ = p[P_AIM_Z] - z
            rgo = math.sqrt(ax_ * ax_ + ay_ * ay_ + az_ * az_)
            ax_ = ax_ / rgo
            ay_ = ay_ / rgo
            az_ = az_ / rgo
            c = ax_ * tx + ay_ * ty + az_ * tz
            px = ax_ - c * tx
            py = ay_ - c * ty
            pz = az_ - c * tz
            gain = 0.0
            if rgo > MIN_TIME_TO_GO_S * v:
                gain = p[P_NAV_GAIN] * v2 / rgo
            cb = bx * tx + by * ty + bz * tz
            lx = gain * px - (bx - cb * tx)
            ly = gain * py - (by - cb * ty)
            lz = gain * pz - (bz - cb * tz)
            ln = math.sqrt(lx * lx + ly * ly + lz * lz)
            if ln > lmax:
                sc = lmax / ln
                lx = lx * sc
                ly = ly * sc
                lz = lz * sc
                ln = lmax
            cl = ln / qsm
        else:
            vup = vx * ux + vy * uy + vz * uz
            # lift direction in the vertical plane (perpendicular to v), and to the right
            cu = vup / v
            lvx = ux - cu * tx
            lvy = uy - cu * ty
            lvz = uz - cu * tz
            lvn = math.sqrt(lvx * lvx + lvy * lvy + lvz * lvz)
            lvx = lvx / lvn
            lvy = lvy / lvn
            lvz = lvz / lvn
            sx = ty * lvz - tz * lvy
            sy = tz * lvx - tx * lvz
            sz = tx * lvy - ty * lvx
            vhx = vx - vup * ux
            vhy = vy - vup * uy
            vhz = vz - vup * uz
            vh = math.sqrt(vhx * vhx + vhy * vhy + vhz * vhz)
            needed = MU / r2 - vh * vh / r
            if needed < 0.1:
                needed = 0.1
            # sink rate of the equilibrium glide here, -2 g H / (v (L/D)*), H the local
            # density scale height: the damping acts on the departure from it
            rho_up = _atmosphere(h + SCALE_STEP_M, low, high)[0]
            hs = H_DAMP_M
            if rho > rho_up:
                hs = SCALE_STEP_M * rho / (rho - rho_up)
            sink = -2.0 * (MU / r2) * hs * (cd0 + kk * clstar * clstar) / (v * clstar)
            a_v = clstar * qsm - p[P_DAMP] * math.sqrt(needed / H_DAMP_M) * (vup - sink)
            a_l = 0.0
            if p[P_HEAD_TAU] > 0.0 and vh > 0.0:
                if wp < int(p[P_N_WAYPOINTS]):
                    gx = wps[wp, 0]
                    gy = wps[wp, 1]
                    gz = wps[wp, 2]
                else:
                    an = math.sqrt(p[P_AIM_X] * p[P_AIM_X] + p[P_AIM_Y] * p[P_AIM_Y] + p[P_AIM_Z] * p[P_AIM_Z])
                    gx = p[P_AIM_X] / an
                    gy = p[P_AIM_Y] / an
                    gz = p[P_AIM_Z] / an
                cg = gx * ux + gy * uy + gz * uz
                gx = gx - cg * ux
                gy = gy - cg * uy
                gz = gz - cg * uz
                gn = math.sqrt(gx * gx + gy * gy + gz * gz)
                if gn > 0.0:
                    gx = gx / gn
                    gy = gy / gn
                    gz = gz / gn
                    if p[P_WEAVE_HALF] > 0.0:
                        sg = p[P_WEAVE_SIN]
                        if int(math.floor((tm - p[P_T_LAUNCH]) / p[P_WEAVE_HALF])) % 2 == 1:
                            sg = -sg
                        qx = uy * gz - uz * gy
                        qy = uz * gx - ux * gz
                        qz = ux * gy - uy * gx
                        gx = p[P_WEAVE_COS] * gx + sg * qx
                        gy = p[P_WEAVE_COS] * gy + sg * qy
                        gz = p[P_WEAVE_COS] * gz + sg * qz
                    hx = vhx / vh
                    hy = vhy / vh
                    hz = vhz / vh
                    sin_e = -((hy * gz - hz * gy) * ux + (hz * gx - hx * gz) * uy + (hx * gy - hy * gx) * uz)
                    cos_e = hx * gx + hy * gy + hz * gz
                    eps = sin_e
                    if cos_e < 0.0:
                        eps = 1.0 if sin_e >= 0.0 else -1.0
                    a_l = vh * eps / p[P_HEAD_TAU]
            if a_v > lmax:
                a_v = lmax
            elif a_v < -lmax:
                a_v = -lmax
            lat_max = TAN_BANK_MAX * a_v if a_v > 0.0 else 0.0
            if a_l > lat_max:
                a_l = lat_max
            elif a_l < -lat_max:
                a_l = -lat_max
            tot = math.sqrt(a_v * a_v + a_l * a_l)
            if tot > lmax:
                sc = lmax / tot
                a_v = a_v * sc
                a_l = a_l * sc
            lx = a_v * lvx + a_l * sx
            ly = a_v * lvy + a_l * sy
            lz = a_v * lvz + a_l * sz
            cl = math.sqrt(a_v * a_v + a_l * a_l) / qsm
    dk = (cd0 + kk * cl * cl) * qsm / v
    return bx + lx - dk * vx, by + ly - dk * vy, bz + lz - dk * vz, mdot


@jit
def _hermite(s, hh, y0, y1):
    """Cubic Hermite position and velocity at fraction ``s`` of a step of ``hh`` seconds."""
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
    out = np.empty(6)
    for c in range(3):
        out[c] = h00 * y0[c] + h10 * hh * y0[c + 3] + h01 * y1[c] + h11 * hh * y1[c + 3]
        out[c + 3] = g00 * y0[c] + g10 * y0[c + 3] + g01 * y1[c] + g11 * y1[c + 3]
    return out


@jit
def flight_kernel(i0, i1, step_s, n_sub, t_stop, out_k0, n_out, params, stages, events, aero, waypoints,
                  low, high, fstate, istate, rec, out_x, out_phase):
    """Advance rows ``i0 .. i1 - 1``; see `tracklayer.threats.batch.fly_batch`."""
    hsub = step_s / n_sub
    y = np.empty(7)
    y0 = np.empty(7)
    yt = np.empty(7)
    k1 = np.empty(7)
    k2 = np.empty(7)
    k3 = np.empty(7)
    k4 = np.empty(7)
    for i in range(i0, i1):
        p = params[i]
        st = stages[i]
        ae = aero[i]
        wps = waypoints[i]
        for c in range(7):
            y[c] = fstate[i, c]
        t = fstate[i, F_T]
        jn = istate[i, I_NODE]
        ev = istate[i, I_EVENT]
        mode = istate[i, I_MODE]
        wp = istate[i, I_WAYPOINT]
        while mode != DONE:
            t_node = (jn // n_sub) * step_s + (jn % n_sub) * hsub
            if t_node > t_stop:
                break
            te = events[i, ev, E_TIME] if ev < events.shape[1] else np.inf
            at_event = te <= t_node
            t1 = te if at_event else t_node
            hh = t1 - t
            tm = t + 0.5 * hh
            for c in range(7):
                y0[c] = y[c]
            if hh > 0.0:
                a = _accel(p, st, ae, wps, low, high, mode, wp, tm, y[0], y[1], y[2], y[3], y[4], y[5], y[6])
                k1[0] = y[3]
                k1[1] = y[4]
                k1[2] = y[5]
                k1[3] = a[0]
                k1[4] = a[1]
                k1[5] = a[2]
                k1[6] = -a[3]
                for c in range(7):
                    yt[c] = y[c] + 0.5 * hh * k1[c]
                a = _accel(p, st, ae, wps, low, high, mode, wp, tm, yt[0], yt[1], yt[2], yt[3], yt[4], yt[5], yt[6])
                k2[0] = yt[3]
                k2[1] = yt[4]
                k2[2] = yt[5]
                k2[3] = a[0]
                k2[4] = a[1]
                k2[5] = a[2]
                k2[6] = -a[3]
                for c in range(7):
                    yt[c] = y[c] + 0.5 * hh * k2[c]
                a = _accel(p, st, ae, wps, low, high, mode, wp, tm, yt[0], yt[1], yt[2], yt[3], yt[4], yt[5], yt[6])
                k3[0] = yt[3]
                k3[1] = yt[4]
                k3[2] = yt[5]
                k3[3] = a[0]
                k3[4] = a[1]
                k3[5] = a[2]
                k3[6] = -a[3]
                for c in range(7):
                    yt[c] = y[c] + hh * k3[c]
                a = _accel(p, st, ae, wps, low, high, mode, wp, tm, yt[0], yt[1], yt[2], yt[3], yt[4], yt[5], yt[6])
                k4[0] = yt[3]
                k4[1] = yt[4]
                k4[2] = yt[5]
                k4[3] = a[0]
                k4[4] = a[1]
                k4[5] = a[2]
                k4[6] = -a[3]
                for c in range(7):
                    y[c] = y[c] + hh / 6.0 * (k1[c] + 2.0 * k2[c] + 2.0 * k3[c] + k4[c])
            t = t1
            if at_event:
                if not math.isnan(events[i, ev, E_MASS]):
                    y[6] = events[i, ev, E_MASS]
                ev += 1
                if mode == BOOST and t >= p[P_T_BOOST_END]:
                    y[6] = p[P_PAYLOAD_KG]
                    mode = COAST
                    rec[i, R_T_BURNOUT] = t
                    for c in range(6):
                        rec[i, R_BO_X + c] = y[c]
            at_node = t1 == t_node
            if at_node:
                jn += 1
            mode, wp, landed = _after_step(i, p, ae, wps, low, high, rec, mode, wp, t, hh, y0, y)
            if landed:
                break
            if t >= p[P_T_MAX]:
                mode = DONE
                rec[i, R_T_END] = t
                for c in range(6):
                    rec[i, R_END_X + c] = y[c]
                break
            if at_node and (jn - 1) % n_sub == 0:
                k = (jn - 1) // n_sub - out_k0
                if k >= 0 and k < n_out:
                    for c in range(6):
                        out_x[k, i, c] = y[c]
                    out_phase[k, i] = mode
        for c in range(7):
            fstate[i, c] = y[c]
        fstate[i, F_T] = t
        istate[i, I_NODE] = jn
        istate[i, I_EVENT] = ev
        istate[i, I_MODE] = mode
        istate[i, I_WAYPOINT] = wp


@jit
def _after_step(i, p, ae, wps, low, high, rec, mode, wp, t, hh, y0, y):
    """Mode changes, records and ground impact at the end of a step."""
    x = y[0]
    yy = y[1]
    z = y[2]
    h = altitude(x, yy, z, p[P_R_SPHERE])
    if h > rec[i, R_MAX_ALT]:
        rec[i, R_MAX_ALT] = h
    if mode == BOOST:
        return mode, wp, False
    r = math.sqrt(x * x + yy * yy + z * z)
    ux = x / r
    uy = yy / r
    uz = z / r
    vup = y[3] * ux + y[4] * uy + y[5] * uz
    if h < p[P_GROUND_ALT] and vup < 0.0 and hh > 0.0:
        # bisection for the ground crossing on the cubic Hermite arc of the step
        lo = 0.0
        hi = 1.0
        for _ in range(48):
            mid = 0.5 * (lo + hi)
            q = _hermite(mid, hh, y0, y)
            if altitude(q[0], q[1], q[2], p[P_R_SPHERE]) > p[P_GROUND_ALT]:
                lo = mid
            else:
                hi = mid
        q = _hermite(hi, hh, y0, y)
        rec[i, R_T_END] = t - hh + hi * hh
        for c in range(6):
            rec[i, R_END_X + c] = q[c]
        rec[i, R_LANDED] = 1.0
        return DONE, wp, True
    v = math.sqrt(y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
    if p[P_GUIDE] == GUIDE_GLIDE:
        if mode == COAST and h < p[P_ENTRY_ALT]:
            mode = GLIDE
            if math.isnan(rec[i, R_T_GLIDE]):
                rec[i, R_T_GLIDE] = t
        elif mode == GLIDE and h > p[P_ENTRY_ALT]:
            mode = COAST  # skipped out of the atmosphere
        an = math.sqrt(p[P_AIM_X] * p[P_AIM_X] + p[P_AIM_Y] * p[P_AIM_Y] + p[P_AIM_Z] * p[P_AIM_Z])
        cx = p[P_AIM_X] / an - ux
        cy = p[P_AIM_Y] / an - uy
        cz = p[P_AIM_Z] / an - uz
        rng = math.sqrt(cx * cx + cy * cy + cz * cz) * an
        vhx = y[3] - vup * ux
        vhy = y[4] - vup * uy
        vhz = y[5] - vup * uz
        if mode == GLIDE:
            if v < p[P_V_MARK] and math.isnan(rec[i, R_T_SLOW]):
                rec[i, R_T_SLOW] = t
                rec[i, R_SLOW_ALT] = h
                rec[i, R_SLOW_RANGE] = rng
            vh = math.sqrt(vhx * vhx + vhy * vhy + vhz * vhz)
            if h >= p[P_DIVE_TAN] * rng or rng <= pull_down_m(p, ae, low, high, h, r, vh, v, y[6]):
                mode = TERMINAL
                rec[i, R_T_DIVE] = t
                rec[i, R_V_DIVE] = v
        if mode == COAST or mode == GLIDE:
            nwp = int(p[P_N_WAYPOINTS])
            while wp < nwp:
                along = (wps[wp, 0] - ux) * vhx + (wps[wp, 1] - uy) * vhy + (wps[wp, 2] - uz) * vhz
                if along > 0.0:
                    break
                wp += 1
    elif mode == COAST and h < p[P_ENTRY_ALT] and vup < 0.0:
        mode = TERMINAL
    return mode, wp, False
