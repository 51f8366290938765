"""Array layout of a batch of threat flights: the column indices of ``params``,
``stages``, ``events``, ``aero``, ``fstate``, ``istate`` and the records, and the
constants of the flight equations that the numba kernel (`tracklayer.kernels.flight`)
and the NumPy reference (`tracklayer.threats.dynamics`) share.

The layout belongs to the kernel: both engines index the same arrays. Equations and
frames: `tracklayer.threats.batch`. Constants only; importing this module is cheap.
"""

from __future__ import annotations

# --- modes (equal to the phase index of tracklayer.threats.PHASES) ---------------------
BOOST, COAST, GLIDE, TERMINAL, DONE = 0, 1, 2, 3, 4

# --- guidance kinds ---------------------------------------------------------------------
GUIDE_BALLISTIC, GUIDE_GLIDE = 0, 1

# --- params columns ---------------------------------------------------------------------
(
    P_OMEGA,  # Earth rotation rate used by the dynamics, rad/s (0: non-rotating)
    P_J2,  # J2 used by gravity (0: central gravity only)
    P_R_SPHERE,  # > 0: spherical Earth of this radius (m); 0: WGS 84 ellipsoid
    P_GROUND_ALT,  # impact altitude, m (the aim point's height)
    P_T_LAUNCH,  # launch time, s since epoch
    P_T_MAX,  # flight ends (not landed) at this time, s since epoch
    P_T_VERTICAL,  # vertical rise after launch, s
    P_T_PITCH,  # pitch-over duration after the vertical rise, s
    P_COS_KICK,  # cos/sin of the pitch-over angle from the vertical
    P_SIN_KICK,
    P_COS_AZ,  # cos/sin of the launch azimuth (from north, clockwise)
    P_SIN_AZ,
    P_T_CUTOFF,  # thrust termination, s since epoch (inf: burn every stage out)
    P_T_BOOST_END,  # end of powered flight, s since epoch
    P_BOOST_CDA,  # drag coefficient x area of the booster stack, m^2
    P_N_STAGES,
    P_PAYLOAD_KG,  # mass after the boost (the re-entry or glide vehicle)
    P_N_MACH,  # rows used in the aero polar table (1: Mach-independent)
    P_S_REF,  # aerodynamic reference area of the vehicle, m^2
    P_GUIDE,  # GUIDE_BALLISTIC or GUIDE_GLIDE
    P_DAMP,  # 2 * zeta of the phugoid damping (0: natural phugoid)
    P_HEAD_TAU,  # heading-error time constant, s (<= 0: no lateral steering)
    P_DIVE_TAN,  # tan of the dive angle that starts the terminal dive
    P_NAV_GAIN,  # pursuit gain of the terminal dive
    P_WEAVE_COS,  # cos/sin of the weave (bank-reversal) heading offset
    P_WEAVE_SIN,
    P_WEAVE_HALF,  # half period of the weave, s (0: none)
    P_AIM_X,  # aim point in F, m
    P_AIM_Y,
    P_AIM_Z,
    P_N_WAYPOINTS,
    P_ENTRY_ALT,  # atmospheric interface for the phase labels, m
    P_V_MARK,  # speed recorded on the way down (glide range solver), m/s
    N_PARAMS,
) = range(34)

# --- stage columns (stages array, (N, MAX_STAGES, 4)); times relative to launch ----------
S_IGNITION, S_BURNOUT, S_MDOT, S_VE = range(4)
MAX_STAGES = 4

# --- events array (N, MAX_EVENTS, 2): absolute time, mass after (NaN: unchanged) ---------
E_TIME, E_MASS = range(2)
MAX_EVENTS = 12

# --- aero polar rows (N, MAX_MACH, 5) ---------------------------------------------------
A_MACH, A_CD0, A_K, A_CLMAX, A_CLSTAR = range(5)
MAX_MACH = 8
MAX_WAYPOINTS = 8

# --- fstate / istate ----------------------------------------------------------------------
F_X, F_Y, F_Z, F_VX, F_VY, F_VZ, F_MASS, F_T = range(8)
I_NODE, I_EVENT, I_MODE, I_WAYPOINT = range(4)

# --- records (N, N_REC) ------------------------------------------------------------------
(
    R_T_BURNOUT,
    R_BO_X, R_BO_Y, R_BO_Z, R_BO_VX, R_BO_VY, R_BO_VZ,
    R_T_END,
    R_END_X, R_END_Y, R_END_Z, R_END_VX, R_END_VY, R_END_VZ,
    R_LANDED,
    R_T_DIVE,
    R_V_DIVE,
    R_T_SLOW,
    R_SLOW_ALT,
    R_SLOW_RANGE,
    R_T_GLIDE,
    R_MAX_ALT,
    N_REC,
) = range(23)

H_DAMP_M = 7000.0
"""Density scale height used to set the phugoid damping gain (and where the table gives
no local scale height), m."""
SCALE_STEP_M = 10.0
"""Height step over which the glide guidance takes the local density scale height, m."""
TAN_BANK_MAX = 2.7474774194546216
"""tan(70 deg): the largest bank angle the glide guidance commands."""
MIN_TIME_TO_GO_S = 2.0
"""In the last seconds of the dive only gravity is compensated (no pursuit term)."""
