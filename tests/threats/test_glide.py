"""Hypersonic glide: the constant-L/D closed forms against direct integration, the flown
equilibrium glide against rho_eq (Candler & Leyva 2022, Eq. 4), published HTV-2-like
figures (Acton 2015; Tracy & Wright 2020), and the glide targeting with manoeuvres."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from threat_helpers import D, fly_from_state, glide_mission

from tracklayer.earth.atmosphere import density
from tracklayer.earth.constants import G0_M_S2, R_EARTH_MEAN_M
from tracklayer.threats import BOOST, GLIDE, TERMINAL
from tracklayer.threats.aero import polar_from_beta, polar_from_table
from tracklayer.threats.batch import GUIDE_GLIDE, R_END_X, Lattice, fly_batch
from tracklayer.threats.boost import rocket_preset
from tracklayer.threats.dynamics import altitude_numpy
from tracklayer.threats.glide import equilibrium_density, glide_range_m, glide_time_s, target_glide
from tracklayer.threats.mission import Mission, launch_batch
from tracklayer.threats.presets import AERO_TABLES

R = R_EARTH_MEAN_M


@pytest.mark.parametrize("v0, vf, ld", [(6000.0, 2500.0, 2.6), (7000.0, 3000.0, 3.5), (4000.0, 2000.0, 2.0)])
def test_closed_forms_match_direct_integration(v0, vf, ld):
    """Range and time closed forms (DOMAIN.md Sec. 2) equal the integrals of ds = v dt and
    dt = -(L/D) dv / (g - v^2/R) for equilibrium glide at constant L/D, to 1e-9 relative."""
    decel = lambda v: (G0_M_S2 - v * v / R) / ld  # noqa: E731  (dv/dt = -D/m = -(L/m)/(L/D))
    t = quad(lambda v: 1.0 / decel(v), vf, v0, epsabs=0, epsrel=1e-12)[0]
    s = quad(lambda v: v / decel(v), vf, v0, epsabs=0, epsrel=1e-12)[0]
    assert glide_time_s(v0, vf, ld) == pytest.approx(t, rel=1e-9)
    assert glide_range_m(v0, vf, ld) == pytest.approx(s, rel=1e-9)


@pytest.fixture(scope="module")
def natural_glide():
    """tw2020 (beta 13,000 kg/m^2, L/D 2.6) released at 6 km/s at its equilibrium altitude,
    level, over a spherical non-rotating Earth without J2, flying at maximum L/D with no bank
    (no phugoid damping, no steering): the setting of the closed forms."""
    rho0 = equilibrium_density(6000.0, 13000.0, 2.6, R + 50e3)
    hs = np.linspace(30e3, 70e3, 40001)
    h0 = hs[np.argmin(np.abs(density(hs) - rho0))]
    m = glide_mission(damping_zeta=0.0, heading_tau_s=0.0, dive_angle_rad=D(89.0), spherical=True, rotation=False, j2=False)
    b, ox, ph = fly_from_state([m], np.array([[R + h0, 0, 0]]), np.array([[0.0, 6000.0, 0.0]]), k_out=3000)
    return ox[:, 0], ph[:, 0]


def test_equilibrium_glide_density_follows_rho_eq(natural_glide):
    """Candler & Leyva 2022, Eq. 4: along the flown glide (after the first minute, down to
    2.5 km/s) the density at the flown altitude is within 5 % of rho_eq = (2 beta/(L/D))
    (g/v^2 - 1/r) at the flown speed and radius (the phugoid about equilibrium; measured
    -5.2 %..+4.9 % peaks would fail a 4 % bound)."""
    x, _ = natural_glide
    ok = np.isfinite(x[:, 0])
    x = x[ok]
    speed = np.linalg.norm(x[:, 3:], axis=1)
    r = np.linalg.norm(x[:, :3], axis=1)
    sel = np.arange(len(x)) >= 60
    sel &= speed > 2500.0
    ratio = density(r[sel] - R) / equilibrium_density(speed[sel], 13000.0, 2.6, r[sel])
    assert sel.sum() > 1000
    assert np.all(np.abs(ratio - 1.0) < 0.055)
    assert abs(np.median(ratio) - 1.0) < 0.01


def test_equilibrium_glide_range_and_time_match_closed_forms(natural_glide):
    """Range and time from 6.0 down to 2.5 km/s are within 5 % of the constant-L/D closed forms
    (measured: range +2.4 %, time +3.0 %; the closed forms hold g at the surface value)."""
    x, _ = natural_glide
    speed = np.linalg.norm(x[:, 3:], axis=1)
    k = np.nonzero(speed < 2500.0)[0][0]
    flown = np.arccos(x[k, 0] / np.linalg.norm(x[k, :3])) * R
    assert flown == pytest.approx(glide_range_m(6000.0, 2500.0, 2.6), rel=0.05)
    assert k == pytest.approx(glide_time_s(6000.0, 2500.0, 2.6), rel=0.05)


@pytest.mark.parametrize("beta", [13000.0, 4680.0])
def test_damped_glide_holds_the_equilibrium_altitude(beta):
    """Candler & Leyva 2022, Eq. 4 (equilibrium glide, L/m = g - v^2/r): with the phugoid
    damping on (zeta 0.7, the default) the vehicle (tw2020, beta 13,000; cl2022, beta 4,680 kg/m^2;
    L/D 2.6) released level at 6 km/s at its equilibrium altitude flies within 150 m of the
    altitude where the USSA-1976 density equals rho_eq at its speed over mid-glide (5.5 down to
    3 km/s; measured within 12 m). The damping acts on the departure from the equilibrium
    glide's own sink rate, -2 g H/(v L/D); damping the whole sink rate held it 560-830 m high."""
    hs = np.arange(20e3, 90e3, 1.0)
    rho_h = density(hs)
    rho0 = equilibrium_density(6000.0, beta, 2.6, R + 50e3)
    h0 = hs[np.argmin(np.abs(rho_h - rho0))]
    m = glide_mission(beta=beta, heading_tau_s=0.0, dive_angle_rad=D(89.0), spherical=True, rotation=False, j2=False)
    assert m.damping_zeta == 0.7
    _, ox, _ = fly_from_state([m], np.array([[R + h0, 0, 0]]), np.array([[0.0, 6000.0, 0.0]]), k_out=3000)
    x = ox[:, 0][np.isfinite(ox[:, 0, 0])]
    speed = np.linalg.norm(x[:, 3:], axis=1)
    r = np.linalg.norm(x[:, :3], axis=1)
    h_eq = np.interp(-np.log(equilibrium_density(speed, beta, 2.6, r)), -np.log(rho_h), hs)
    mid = (speed < 5500.0) & (speed > 3000.0)
    assert mid.sum() > 500
    assert np.all(np.abs(r[mid] - R - h_eq[mid]) < 150.0)


def test_htv2_like_entry_reproduces_published_figures():
    """Acton 2015 / Tracy & Wright 2020 (HTV-2-like, beta 13,000 kg/m^2, L/D 2.6): re-entry at
    100 km and 6.0 km/s (entry angle not published: -1 deg assumed), damped glide guidance,
    non-rotating Earth without J2 (the papers' 3-DOF equations, DOMAIN.md Sec. 2).
    Published: glide at ~47 km after the pull-up; the in-atmosphere leg covered 5,889 km in
    1,363 s. Flown: the glide is at 45-50 km when the speed has fallen to 5.5 km/s (measured
    47.9 km), and 5,889 km are covered in 1,363 s within 10 % (measured 1,263 s, -7 %)."""
    m = glide_mission(heading_tau_s=0.0, dive_angle_rad=D(89.0), rotation=False, j2=False)
    g = D(-1.0)
    r0 = m.site_f(0.0, 0.0, 100e3)[None]
    b, ox, _ = fly_from_state([m], r0, np.array([[6000.0 * np.sin(g), 6000.0 * np.cos(g), 0.0]]), k_out=3000)
    x = ox[:, 0][np.isfinite(ox[:, 0, 0])]
    speed = np.linalg.norm(x[:, 3:], axis=1)
    alt = altitude_numpy(x[:, 0], x[:, 1], x[:, 2], np.zeros(len(x)))
    k55 = np.nonzero(speed < 5500.0)[0][0]
    assert 45e3 < alt[k55] < 50e3
    ground = np.arccos(np.clip(x[:, 0] / np.linalg.norm(x[:, :3], axis=1), -1, 1)) * R
    t_5889 = np.nonzero(ground >= 5889e3)[0][0]
    assert t_5889 == pytest.approx(1363.0, rel=0.10)


def _missions(**kw):
    cases = [((38.0, 113.0), (26.35, 127.77), 13000.0), ((28.0, 118.0), (13.58, 144.92), 4680.0)]
    ms = []
    for launch, aim, beta in cases:
        rows, s = polar_from_beta(1000.0, beta, 2.6)
        ms.append(Mission(D(launch[0]), D(launch[1]), D(aim[0]), D(aim[1]), 60.0, rocket_preset("hgv-regional"), 1000.0, rows, s,
                          GUIDE_GLIDE, **kw))
    rows = polar_from_table(AERO_TABLES["cav-h"])
    ms.append(Mission(D(38.0), D(113.0), D(26.35), D(127.77), 60.0, rocket_preset("hgv-regional"), 907.0, rows, 0.48387,
                      GUIDE_GLIDE, **kw))
    return ms


def _fly(ms, gamma_deg=8.0):
    lat = Lattice(1.0, 1)
    n = len(ms)
    c, v, surplus, vmax, _ = target_glide(ms, np.full(n, D(gamma_deg)), np.full(n, np.nan), np.ones(n), np.full(n, np.nan), lat)
    b = launch_batch(ms, c, lat)
    ox = np.full((2500, n, 6), np.nan)
    ph = np.full((2500, n), -1, dtype=np.int8)
    fly_batch(b, lat, 2499.0, 0, 2500, ox, ph)
    return b, ox, ph, surplus


def test_glide_targeting_lands_on_the_aim_point():
    """tw2020, cl2022 and CAV-H (tabulated aerodynamics) boosted from China toward Okinawa and
    Guam: the range solver picks burnout speeds that reach the dive point at the dive speed
    (within 2 km of range surplus) and the dive lands within 100 m of the aim (measured < 5 m);
    phases run boost, (coast, skipped when the burnout is below 100 km), glide, terminal; the
    glide is between 25 and 100 km."""
    ms = _missions()
    b, ox, ph, surplus = _fly(ms)
    assert np.all(np.abs(surplus) < 2000.0)
    aim = np.array([m.aim_f for m in ms])
    assert np.all(np.linalg.norm(b.rec[:, R_END_X:R_END_X + 3] - aim, axis=1) < 100.0)
    for i in range(len(ms)):
        p = ph[:, i][ph[:, i] >= 0]
        assert np.all(np.diff(p) >= 0) and p[0] == BOOST and p[-1] == TERMINAL and (p == GLIDE).sum() > 100
        x = ox[ph[:, i] == GLIDE, i]
        alt = altitude_numpy(x[:, 0], x[:, 1], x[:, 2], np.zeros(len(x)))
        assert alt.min() > 25e3 and alt.max() < 100e3


def test_manoeuvres_waypoint_weave_still_land():
    """A dog-leg waypoint 150 km off the great circle half way pulls the track at least 45 km
    to that side (measured 63 km: an HGV in equilibrium glide with C_L,max = 1.5 C_L* turns at
    only ~0.1 deg/s, so on a 2,000 km flight it cannot pass over the waypoint itself); a +/-20 deg weave with a 200 s period (bank reversals)
    makes the heading swing back and forth; both still land within 100 m of the aim."""
    base = _missions()[0]
    from dataclasses import replace

    from tracklayer.threats.plan import _dogleg_waypoint

    wp = _dogleg_waypoint(base.launch_lat, base.launch_lon, base.aim_lat, base.aim_lon, 0.5, 150e3)
    ms = [replace(base, waypoints=(wp,)), replace(base, weave_rad=D(20.0), weave_period_s=200.0)]
    b, ox, ph, surplus = _fly(ms)
    aim = np.array([m.aim_f for m in ms])
    assert np.all(np.linalg.norm(b.rec[:, R_END_X:R_END_X + 3] - aim, axis=1) < 100.0)
    normal = np.cross(base.launch_f, base.aim_f)
    normal /= np.linalg.norm(normal)
    side = np.sign(base.site_f(wp[0], wp[1], 0.0) @ normal)
    x = ox[:, 0][np.isfinite(ox[:, 0, 0])]
    cross = np.arcsin(x[:, :3] @ normal / np.linalg.norm(x[:, :3], axis=1)) * R
    assert np.max(side * cross) > 45e3
    x = ox[ph[:, 1] == GLIDE, 1]
    up = x[:, :3] / np.linalg.norm(x[:, :3], axis=1, keepdims=True)
    east = np.stack([-up[:, 1], up[:, 0], 0 * up[:, 0]], axis=1)
    east /= np.linalg.norm(east, axis=1, keepdims=True)
    north = np.cross(up, east)
    heading = np.unwrap(np.arctan2(np.sum(x[:, 3:] * east, axis=1), np.sum(x[:, 3:] * north, axis=1)))
    turns = np.sign(np.diff(heading[::10]))
    assert np.count_nonzero(np.diff(turns) != 0) >= 3
