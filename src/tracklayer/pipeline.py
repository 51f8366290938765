"""The run pipeline (scenario -> tables), one stage per domain package."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tracklayer.earth.constants import DEG
from tracklayer.earth.frames import ecef_to_geodetic, eci_to_ecef, eci_to_ecef_state
from tracklayer.earth.time import TimeGrid
from tracklayer.errors import ScenarioError
from tracklayer.metrics.impact import impact_table, impact_warning
from tracklayer.metrics.phase_metrics import Quality, phase_metrics
from tracklayer.metrics.scoring import assign_truth, nearest_truth
from tracklayer.metrics.threat_metrics import threat_metrics
from tracklayer.network.config import NetworkConfig
from tracklayer.network.run import exchange, link_table, run_trackers, source_bits
from tracklayer.orbits.constellation import build_satellites
from tracklayer.results import STAGES, Physics, Progress, RunResult, RunState
from tracklayer.results import clock as _clock
from tracklayer.scenario.schema import Scenario
from tracklayer.sensors import KINDS
from tracklayer.sensors.radar import RadarParams, radar_enu_eci
from tracklayer.table import Table, concat
from tracklayer.tasking.cueing import track_cued_sensing
from tracklayer.threats import PHASES
from tracklayer.threats.fly import Truth, fly_threats
from tracklayer.tracking import STATUSES


def truth_table(truth: Truth, grid: TimeGrid) -> Table:
    """Public truth table: one row per threat per grid time while it flies."""
    assert truth.mach is not None and truth.dynamic_pressure_pa is not None and truth.surface_temperature_k is not None  # fly_threats sets them
    k, i = np.nonzero(truth.flying)
    r = truth.r_eci_m[k, i]
    v = truth.v_eci_m_s[k, i]
    theta = grid.gmst_rad()[k]
    r_ecef, v_ecef = eci_to_ecef_state(r, v, theta)
    lat, lon, alt = ecef_to_geodetic(r_ecef)
    return Table(
        {
            "t_s": grid.t_s[k],
            "threat_id": i.astype(np.int32),
            "threat": truth.name[i],
            "kind": truth.kind[i],
            "phase": np.array(PHASES, dtype=object)[truth.phase[k, i]],
            "r_eci_m": r,
            "v_eci_m_s": v,
            "lat_deg": lat / DEG,
            "lon_deg": lon / DEG,
            "alt_m": alt,
            "speed_m_s": np.linalg.norm(v_ecef, axis=1),
            "radiant_intensity_w_sr": truth.intensity_w_sr[k, i],
            **{f"radiant_intensity_{band}_w_sr": values[k, i] for band, values in truth.intensity_band_w_sr.items() if band != "swir"},
            "rcs_m2": truth.rcs_m2[k, i],
            "mach": truth.mach[k, i],
            "dynamic_pressure_pa": truth.dynamic_pressure_pa[k, i],
            "surface_temperature_k": truth.surface_temperature_k[k, i],
        }
    )


def simulate(scn: Scenario, seed: int, report: Callable[..., None], timings: dict[str, float]) -> Physics:
    """The physics of a run (orbits, threats, sensing): what every network variant of
    the scenario shares."""
    root = np.random.SeedSequence(seed)
    sensing_seed, _tracking_seed, network_seed = root.spawn(3)
    grid = TimeGrid.uniform(scn.attack_epoch, scn.duration_s, scn.step_s, scn.dut1_s)

    t0 = _clock()
    report("orbits", 0)
    sats = build_satellites(scn.constellations, grid, scn.epoch)
    timings["orbits"] = _clock() - t0
    report("orbits")

    t0 = _clock()
    report("threats", 0)
    truth = fly_threats(scn.threats, grid, miss_tolerance_m=scn.metrics.miss_tolerance_m())
    timings["threats"] = _clock() - t0
    report("threats")

    t0 = _clock()
    report("sensing", 0)
    sensing, handover = track_cued_sensing(scn, grid, sats, truth, sensing_seed)
    timings["sensing"] = _clock() - t0
    report("sensing")
    return Physics(grid, sats, truth, sensing, network_seed, handover)


def check_nations(scn: Scenario, nations) -> None:
    """Raise `ScenarioError` unless every id in ``nations`` is one of the scenario's nations."""
    known = [n.id for n in scn.nations]
    for nation in nations:
        if nation not in known:
            raise ScenarioError([f"without: '{nation}' is not among the scenario's nations {known}"])


def run_pipeline(scn: Scenario, seed: int, progress: Progress | None = None, without: tuple[str, ...] = (), physics: Physics | None = None,
                 jobs: int = 1) -> RunResult:
    """Run a scenario; ``without`` leaves out the sensors and nodes of those nations;
    ``physics`` reuses a previous run's orbits, threats and sensing (`simulate`);
    ``jobs`` processes run the nodes' trackers (the same result for any value)."""
    def report(stage: str, done: int = 1, total: int = 1) -> None:
        if progress is not None:
            progress(stage, done, total)

    timings: dict[str, float] = {}
    if physics is None:
        physics = simulate(scn, seed, report, timings)
    else:
        timings.update({"orbits": 0.0, "threats": 0.0, "sensing": 0.0})
    grid, sats, truth, sensing = physics.grid, physics.sats, physics.truth, physics.sensing
    net = NetworkConfig.from_scenario(scn, tuple(without))
    cat = sensing.catalogue
    n_sats = len(sats)
    source_of_sensor = np.r_[sats.constellation, len(scn.constellations) + np.arange(len(scn.radars))].astype(np.int64)
    kept = ~np.isin(cat.nation, list(without))
    det_all = sensing.detections
    det = det_all.take(kept[det_all["sensor_id"]])
    det = Table({**det, "source_bit": source_bits(source_of_sensor)[det["sensor_id"]]})
    first = np.cumsum([0] + [a.shape[1] for a in sensing.access.values()])
    access = {name: a & kept[None, lo : lo + a.shape[1], None] for (name, a), lo in zip(sensing.access.items(), first)}

    t0 = _clock()
    enu_eci_of = radar_enu_eci(RadarParams.from_specs(scn.radars), grid.gmst_rad, n_sats) if scn.radars else None

    report("tracking", 0)
    local, raw_stats = run_trackers(net, det, grid.t_s, enu_eci_of, physics.network_seed, lambda d, n: report("tracking", d, n), jobs)
    timings["tracking"] = _clock() - t0
    report("tracking")

    t0 = _clock()
    report("network", 0, len(net.nodes))
    pictures, link_stats = exchange(net, local, grid.t_s, grid.gmst_rad, physics.network_seed, lambda d, n: report("network", d, n))
    timings["network"] = _clock() - t0

    t0 = _clock()
    report("metrics", 0)
    gate_m = scn.tracker.truth_gate_km * 1e3
    receives = {link.target for link in net.links}
    track_parts, metric_parts, phase_parts, impact = [], [], [], None
    for k, node in enumerate(net.nodes):
        pic = pictures[k]
        scored = Table({**pic, "truth_id": assign_truth(pic, grid.t_s, truth.r_eci_m, gate_m)})
        nearest = nearest_truth(scored, grid.t_s, truth.r_eci_m, gate_m)
        delay = 0.0 if k in receives else node.tracker.reorder_buffer_s
        metric_parts.append(Table({**threat_metrics(truth, grid.t_s, det, scored, access["angles"], access["radar"], node.id, nearest, delay),
                                   **impact_warning(truth, grid, scored, scn.impact)}))
        impact = impact_table(truth, grid, scored, node.id, scn.impact) if k == net.picture else impact
        phase_parts.append(phase_metrics(truth, grid.t_s, det, scored, node.id, Quality.from_scenario(scn)))
        track_parts.append(_public_tracks(scored, node.id, grid, net))
    order = [net.picture] + [k for k in range(len(net.nodes)) if k != net.picture]
    metrics = concat([metric_parts[k] for k in order])
    phases = concat([phase_parts[k] for k in order])
    tracks_public = concat([track_parts[k] for k in order])
    timings["metrics"] = _clock() - t0
    report("metrics")

    detections = Table(
        {
            "t_s": det["t_s"],
            "sensor_id": det["sensor_id"],
            "sensor": cat.name[det["sensor_id"]],
            "node": cat.nation[det["sensor_id"]],
            "kind": np.array(KINDS, dtype=object)[det["kind"]],
            "z": det["z"],
            "R": det["R"],
            "sensor_r_eci_m": det["sensor_r_eci_m"],
            "sensor_v_eci_m_s": det["sensor_v_eci_m_s"],
            "truth_id": det["truth_id"],
            "snr": det["snr"],
            "range_rate_m_s": det["range_rate_m_s"],
            "range_rate_sigma_m_s": det["range_rate_sigma_m_s"],
        }
    )
    owner = np.array([net.owner_of(i) if net.source_nations[i] not in without else "" for i in range(len(net.sources))], dtype=object)
    sensors = Table({**cat.table(), "source": source_of_sensor.astype(np.int32), "owner_node": owner[source_of_sensor]})
    links = link_table(raw_stats + link_stats)
    state = RunState(physics, net, {node.id: local[k] for k, node in enumerate(net.nodes)})
    assert tuple(timings) == STAGES
    return RunResult(scn, seed, truth_table(truth, grid), detections, tracks_public, metrics, sensors, timings, state, links, phases, impact,
                     physics.handover)


def _public_tracks(scored: Table, node: str, grid: TimeGrid, net: NetworkConfig) -> Table:
    """A node's picture as rows of the public tracks table (docs/outputs.md)."""
    lat, lon, alt = ecef_to_geodetic(eci_to_ecef(scored["x"][:, :3], grid.gmst_rad(scored["t_s"])))
    masks, inverse = np.unique(scored["sources"], return_inverse=True)
    names = np.array(["+".join(sorted({net.source_nations[i] for i in range(len(net.sources)) if int(m) >> i & 1})) for m in masks], dtype=object)
    return Table(
        {
            "t_s": scored["t_s"],
            "node": np.full(scored.num_rows, node, dtype=object),
            "track_id": scored["track_id"],
            "status": np.array(STATUSES, dtype=object)[scored["status"]],
            "x": scored["x"],
            "P": scored["P"],
            "position_sigma_m": np.sqrt(np.trace(scored["P"][:, :3, :3], axis1=1, axis2=2)),
            "lat_deg": lat / DEG,
            "lon_deg": lon / DEG,
            "alt_m": alt,
            "hits": scored["hits"],
            "last_update_t_s": scored["last_update_t_s"],
            "truth_id": scored["truth_id"],
            "sources": scored["sources"],
            "nations": names[inverse] if masks.size else np.zeros(0, dtype=object),
            "fused_inputs": scored["fused_inputs"],
        }
    )
