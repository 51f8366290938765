"""The tracker as a whole: every interchangeable component (filter x motion model x
associator) through one contract suite on a seeded multi-target Cartesian scenario with
clutter, with both compute engines; track management (M-of-N and score); multi-rate
sensors; late detections; the scenario-file configuration."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from tracklayer.table import Table
from tracklayer.tracking import CONFIRMED, DELETED, TENTATIVE
from tracklayer.tracking.config import TrackerConfig
from tracklayer.tracking.filters import EKF, UKF, cubature
from tracklayer.tracking.imm import IMM
from tracklayer.tracking.management import Management, manage
from tracklayer.tracking.measurement_models import POSITION
from tracklayer.tracking.motion_models import ConstantAcceleration, ConstantVelocity, Singer
from tracklayer.tracking.tracker import Tracker
from tracklayer.tracking.tracks import Tracks

SIGMA, PD, CLUTTER, SCANS, TARGETS = 20.0, 0.95, 5.0, 40, 10
LO, HI = np.array([-20e3, -20e3, 0.0]), np.array([20e3, 20e3, 10e3])


def scenario(seed: int = 11, dt: float = 1.0, q: float = 0.5):
    """Nearly-constant-velocity targets (100-250 m/s, q m^2/s^3) in a 40 x 40 x 10 km box,
    Cartesian detections with sigma 20 m, Pd 0.95 and Poisson clutter (5 per scan)."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.uniform(0.7 * LO, 0.7 * HI, (TARGETS, 3)), np.zeros((TARGETS, 3))], axis=1)
    x[:, 2] = rng.uniform(3e3, 7e3, TARGETS)
    heading = rng.uniform(0, 2 * np.pi, TARGETS)
    speed = rng.uniform(100, 250, TARGETS)
    x[:, 3], x[:, 4] = speed * np.cos(heading), speed * np.sin(heading)
    model = ConstantVelocity(q)
    chol = np.linalg.cholesky(model.noise(None, dt))
    truth, rows = [], []
    for k in range(SCANS):
        if k:
            x = model.propagate(x, dt) + rng.normal(size=x.shape) @ chol.T
        truth.append(x.copy())
        seen = x[rng.random(TARGETS) < PD, :3]
        z = np.concatenate([seen + rng.normal(size=seen.shape) * SIGMA, rng.uniform(LO, HI, (rng.poisson(CLUTTER), 3))])
        rows.append(z[rng.permutation(z.shape[0])])
    t = np.arange(SCANS) * dt
    n = np.array([r.shape[0] for r in rows])
    det = Table({
        "t_s": np.repeat(t, n), "sensor_id": np.zeros(n.sum(), np.int32), "kind": np.full(n.sum(), POSITION, np.int8),
        "z": np.concatenate(rows), "R": np.broadcast_to(SIGMA**2 * np.eye(3), (n.sum(), 3, 3)), "sensor_r_eci_m": np.zeros((n.sum(), 3)),
    })
    return det, t, np.array(truth)


def cartesian_config(estimator: IMM, association: str = "gnn", **management) -> TrackerConfig:
    """Mirrors the Stone Soup benchmark set-up (see benchmarks/bench_stonesoup.py)."""
    mgmt = dict(confirm_hits=3, confirm_window_s=np.inf, tentative_coast_s=2.0, coast_limit_s=5.0,
                max_position_sigma_m=np.inf, min_altitude_m=None, duplicate_gate=None)
    mgmt.update(management)
    return TrackerConfig(
        estimator=estimator, gate_probability=0.99886, association=association, gnn_cost="distance", pd=PD,
        clutter_density={POSITION: CLUTTER / np.prod(HI - LO)}, management=Management(**mgmt),
        init_velocity_sigma_m_s=300.0, single_sensor=None,
    )


def ospa(tracks: Table, t: np.ndarray, truth: np.ndarray, c: float = 500.0) -> np.ndarray:
    """OSPA (p = 1) per scan between confirmed tracks and the truth."""
    out = []
    for k, tk in enumerate(t):
        y = tracks["x"][(tracks["t_s"] == tk) & (tracks["status"] == CONFIRMED), :3]
        x = truth[k, :, :3]
        if y.shape[0] == 0:
            out.append(c)
            continue
        d = np.minimum(np.linalg.norm(x[:, None] - y[None], axis=2), c)
        r, col = linear_sum_assignment(d)
        out.append((d[r, col].sum() + c * abs(x.shape[0] - y.shape[0])) / max(x.shape[0], y.shape[0]))
    return np.array(out)


FILTERS = {"ekf": EKF(), "ukf": UKF(), "ckf": cubature()}
MOTIONS = {
    "cv": (ConstantVelocity(0.5),),
    "ca": (ConstantAcceleration(0.05),),
    "singer": (Singer(1.0, 20.0),),
    "imm": (ConstantVelocity(0.5), Singer(1.0, 20.0)),
}


@pytest.fixture(scope="module")
def data():
    return scenario()


@pytest.mark.parametrize("association", ["gnn", "jpda"])
@pytest.mark.parametrize("motion", sorted(MOTIONS))
@pytest.mark.parametrize("filt", sorted(FILTERS))
def test_contract(data, filt, motion, association):
    """Every filter x motion model x associator tracks the 10 targets through clutter: mean
    OSPA (c = 500 m) over scans 10-39 below 40 m (twice the noise sigma), one confirmed
    track per target (at most 2 extra confirmed tracks), table columns and shapes as
    documented, and the numba and NumPy engines give bit-identical tables."""
    from tracklayer.kernels import engine

    det, t, truth = data
    models = MOTIONS[motion]
    est = IMM(models, FILTERS[filt], (20.0, 20.0) if len(models) > 1 else (), 1.0)
    tracker = Tracker(cartesian_config(est, association))
    tables = {}
    for name in ("numba", "numpy"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TRACKLAYER_ENGINE", name)
            engine.cache_clear()
            tables[name] = tracker.run(det, t)[0]
        engine.cache_clear()
    tracks = tables["numba"]
    for col in tracks.columns:
        np.testing.assert_array_equal(tracks[col], tables["numpy"][col], err_msg=col)
    assert tracks["x"].shape[1:] == (6,) and tracks["P"].shape[1:] == (6, 6)
    assert set(np.unique(tracks["status"])) <= {TENTATIVE, CONFIRMED, DELETED}
    assert ospa(tracks, t, truth)[10:].mean() < 2 * SIGMA
    confirmed = np.unique(tracks["track_id"][tracks["status"] == CONFIRMED])
    assert TARGETS <= confirmed.size <= TARGETS + 2


def test_rows_are_per_grid_time_and_ids_unique(data):
    """One row per live track per scan time plus one at deletion; ids never reused; a
    deleted track has no later rows; every confirmed track was tentative first."""
    det, t, _ = data
    tracks, _ = Tracker(cartesian_config(IMM((ConstantVelocity(0.5),)))).run(det, t)
    for tid in np.unique(tracks["track_id"]):
        rows = tracks["track_id"] == tid
        times = tracks["t_s"][rows]
        status = tracks["status"][rows]
        assert np.all(np.diff(times) >= 0)
        assert np.unique(times[status != DELETED]).size == np.sum(status != DELETED)
        if (status == DELETED).any():
            assert status[-1] == DELETED and np.sum(status == DELETED) == 1
        assert status[0] == TENTATIVE


def _tracks(n: int, k: int = 3) -> Tracks:
    est = IMM((ConstantVelocity(1.0),))
    x, p, mu = est.initial(np.zeros((n, 6)), np.broadcast_to(np.eye(6), (n, 6, 6)))
    return Tracks(np.arange(n), np.full(n, TENTATIVE, np.int8), x, p, mu, np.zeros(n), np.zeros(n), np.zeros(n),
                  np.zeros(n), np.zeros(n, np.int32), np.full((n, k), np.nan), np.zeros(n, np.uint64))


def test_m_of_n_confirmation_and_deletion():
    """M = 3 hits within a 4 s window confirm; hits spread over more than the window do not;
    a tentative track dies after tentative_coast_s without a hit, a confirmed one after
    coast_limit_s; tracks past max_position_sigma die."""
    cfg = Management(confirm_hits=3, confirm_window_s=4.0, tentative_coast_s=3.0, coast_limit_s=6.0, max_position_sigma_m=1e3,
                     min_altitude_m=None, duplicate_gate=None)
    tr = _tracks(5)
    for t_hit in (1.0, 2.0, 3.0):
        tr = tr.record_hits(np.array([0, 2, 3]), t_hit)
    tr = tr.record_hits(np.array([1]), 3.0)
    tr = dataclasses.replace(tr, status=np.array([TENTATIVE, TENTATIVE, TENTATIVE, CONFIRMED, TENTATIVE], np.int8))
    p = tr.p[:, 0].copy()
    p[2] *= 1e7
    tr = dataclasses.replace(tr, p=tr.p.copy())
    out, dead = manage(tr, tr.x[:, 0], p, 4.0, cfg)
    assert out.status[0] == CONFIRMED and out.status[1] == TENTATIVE
    assert dead.tolist() == [False, False, True, False, True]  # 2: too uncertain, 4: never hit
    _, dead = manage(out, tr.x[:, 0], tr.p[:, 0], 8.5, cfg)
    assert dead.tolist() == [False, True, False, False, True]  # tentative silent 5.5 s >= 3 s
    _, dead = manage(out, tr.x[:, 0], tr.p[:, 0], 9.0, cfg)
    assert dead.tolist() == [True, True, True, True, True]  # confirmed silent 6 s


def test_score_based_management(data):
    """With sequential log-likelihood-ratio management (false-track probability 1e-5, true
    track deletion probability 0.05) the tracker holds every target with mean OSPA below
    40 m and confirms at most 2 extra tracks; a track's score rises with hits."""
    det, t, truth = data
    cfg = cartesian_config(IMM((ConstantVelocity(0.5),)), confirmation="score", false_track_probability=1e-5,
                           true_track_deletion_probability=0.05, score_drop=8.0)
    cfg = dataclasses.replace(cfg, new_target_ratio=1e-2)
    tracks, _ = Tracker(cfg).run(det, t)
    assert ospa(tracks, t, truth)[10:].mean() < 2 * SIGMA
    assert TARGETS <= np.unique(tracks["track_id"][tracks["status"] == CONFIRMED]).size <= TARGETS + 2


def test_multi_rate_sensors_and_late_detections(rng):
    """Two Cartesian sensors, one at whole seconds (sigma 20 m) and one at half seconds
    (sigma 60 m), one target: the tracker processes every detection time in order, writes
    rows only at the grid times, and its position error is consistent (mean NEES over the
    run within [1, 6] for 3 dof). Detections arriving later than reorder_buffer_s after
    their measurement time are dropped and counted."""
    t1 = np.arange(40.0)
    t2 = t1[:-1] + 0.5
    truth = lambda t: np.stack([100.0 * t, -50.0 * t, 5e3 + 0 * t], axis=1)  # noqa: E731
    z1 = truth(t1) + rng.normal(size=(40, 3)) * 20.0
    z2 = truth(t2) + rng.normal(size=(39, 3)) * 60.0
    n = 79
    det = Table({
        "t_s": np.r_[t1, t2], "sensor_id": np.r_[np.zeros(40), np.ones(39)].astype(np.int32),
        "kind": np.full(n, POSITION, np.int8), "z": np.r_[z1, z2],
        "R": np.concatenate([np.broadcast_to(400.0 * np.eye(3), (40, 3, 3)), np.broadcast_to(3600.0 * np.eye(3), (39, 3, 3))]),
        "sensor_r_eci_m": np.zeros((n, 3)),
        "arrival_t_s": np.r_[t1 + 0.2, t2 + np.where(np.arange(39) % 10 == 0, 5.0, 0.1)],
    })
    cfg = dataclasses.replace(cartesian_config(IMM((ConstantVelocity(1.0),))), reorder_buffer_s=1.0)
    tracks, info = Tracker(cfg).run(det, t1)
    assert info["dropped_late"] == 4
    assert set(np.unique(tracks["t_s"])) <= set(t1)
    conf = tracks["status"] == CONFIRMED
    assert np.unique(tracks["track_id"][conf]).size == 1
    err = tracks["x"][conf, :3] - truth(tracks["t_s"][conf])
    nees = np.einsum("ni,ni->n", err, np.linalg.solve(tracks["P"][conf, :3, :3], err[..., None])[..., 0])
    assert 1.0 < nees.mean() < 6.0
    assert np.all(tracks["last_update_t_s"][conf][5:] >= tracks["t_s"][conf][5:] - 1.0)


def test_tracker_config_from_scenario_spec():
    """The scenario's tracker section builds the components: default IMM (ballistic + three
    glide models, EKF), or one motion model with UKF and JPDA; contradictory input is
    rejected at the boundary with a message naming the field."""
    from pydantic import ValidationError

    from tracklayer.scenario.schema import Tracker as Spec
    from tracklayer.tracking.filters import UKF as UKFClass
    from tracklayer.tracking.motion_models import Ballistic, Glide

    cfg = TrackerConfig.from_spec(Spec())
    assert [type(m) for m in cfg.estimator.models] == [Ballistic, Glide, Glide, Glide] and isinstance(cfg.estimator.filter, EKF)
    cfg = TrackerConfig.from_spec(Spec(motion={"model": "singer", "tau_s": 12.0}, filter="ukf", association="jpda"))
    assert cfg.estimator.models == (Singer(10.0, 12.0),) and isinstance(cfg.estimator.filter, UKFClass) and cfg.association == "jpda"
    assert TrackerConfig.from_spec(Spec(filter="ckf")).estimator.filter == cubature()
    with pytest.raises(ValidationError, match="motion or imm"):
        Spec(motion={"model": "cv"}, imm={"models": [{"model": "cv"}, {"model": "ca"}], "sojourn_s": [10, 10]})
    with pytest.raises(ValidationError, match="sojourn_s"):
        Spec(imm={"models": [{"model": "cv"}, {"model": "ca"}], "sojourn_s": [10]})
    with pytest.raises(ValidationError, match="drag"):
        Spec(imm={"models": [{"model": "ballistic", "drag": True}, {"model": "glide"}], "sojourn_s": [10, 10]})


def test_provenance_collects_the_sources_that_updated_a_track():
    """Detections carry a source bit; a track's ``sources`` is the OR of the bits of the
    detections that started and updated it: target 1 seen by source 0 and later also by
    source 1, target 2 by source 1 only, from initiation (radar-like plots) to the end."""
    t = np.arange(20.0)
    rows = []
    for k in t:
        rows.append((k, 0, [0.0, 0.0, 5e3 + 100 * k]))
        if k >= 10:
            rows.append((k, 1, [30.0, 0.0, 5e3 + 100 * k]))
        rows.append((k, 1, [15e3, 0.0, 5e3 + 100 * k]))
    tk, sid, z = (np.array(c) for c in zip(*rows))
    n = tk.size
    det = Table({
        "t_s": tk, "sensor_id": sid.astype(np.int32), "kind": np.full(n, POSITION, np.int8), "z": z.astype(float),
        "R": np.broadcast_to(400.0 * np.eye(3), (n, 3, 3)), "sensor_r_eci_m": np.zeros((n, 3)),
        "source_bit": np.left_shift(np.uint64(1), sid.astype(np.uint64)),
    })
    tracks, _ = Tracker(cartesian_config(IMM((ConstantVelocity(10.0),)))).run(det, t)
    near = lambda x: np.nonzero((tracks["t_s"] == x) & (tracks["status"] == CONFIRMED))[0]  # noqa: E731
    early, late = near(5.0), near(19.0)
    first = {int(tracks["track_id"][r]): int(tracks["sources"][r]) for r in early}
    last = {int(tracks["track_id"][r]): int(tracks["sources"][r]) for r in late}
    left = [r for r in late if abs(tracks["x"][r, 0]) < 1e3]
    right = [r for r in late if abs(tracks["x"][r, 0] - 15e3) < 1e3]
    assert len(left) == 1 and len(right) == 1 and sorted(first.values()) == [0b01, 0b10]
    assert last[int(tracks["track_id"][left[0]])] == 0b11 and last[int(tracks["track_id"][right[0]])] == 0b10
