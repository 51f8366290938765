"""Helpers shared by the threat tests: missions, batches and flights in a few lines."""

from __future__ import annotations

import numpy as np

from tracklayer.threats import aero
from tracklayer.threats.batch import GUIDE_BALLISTIC, GUIDE_GLIDE, Lattice, fly_batch
from tracklayer.threats.boost import rocket_preset
from tracklayer.threats.mission import Mission, state_batch

D = np.radians


def glide_mission(beta=13000.0, ld=2.6, **kw) -> Mission:
    rows, s = aero.polar_from_beta(1000.0, beta, ld, 1.5)
    base = dict(launch_lat=0.0, launch_lon=0.0, aim_lat=D(-80.0), aim_lon=0.0, t_launch_s=0.0, rocket=None, payload_kg=1000.0,
                polar=rows, s_ref_m2=s, guide=GUIDE_GLIDE)
    base.update(kw)
    return Mission(**base)


def ballistic_mission(preset="mrbm", launch=(39.0, 125.7), aim=(34.15, 132.24), beta=6000.0, payload=800.0, **kw) -> Mission:
    rows, s = aero.drag_only(payload, beta)
    return Mission(D(launch[0]), D(launch[1]), D(aim[0]), D(aim[1]), kw.pop("t_launch_s", 60.0), rocket_preset(preset), payload,
                   rows, s, GUIDE_BALLISTIC, **kw)


def fly_from_state(missions, r0, v0, n_sub=1, k_out=6000, t0=None):
    """Fly unpowered missions from F-frame states at t=0; returns batch, (K, N, 6) outputs, phases."""
    lat = Lattice(1.0, n_sub)
    t0 = np.zeros(len(missions)) if t0 is None else t0
    b = state_batch(missions, np.atleast_2d(r0), np.atleast_2d(v0), t0, lat)
    ox = np.full((k_out, len(missions), 6), np.nan)
    ph = np.full((k_out, len(missions)), -1, dtype=np.int8)
    fly_batch(b, lat, k_out - 1.0, 0, k_out, ox, ph)
    return b, ox, ph


