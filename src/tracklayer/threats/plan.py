"""From scenario threat specifications to targeted flights (the compile step of the threats).

`plan_threats` resolves presets and overrides into `Mission`s, runs the targeting
solvers, and either returns a `Plan` or raises `ThreatPlanError` listing, per threat
and field, what cannot be flown and what is reachable. The error is a
`ScenarioError`; `relabel` puts the scenario file's name in front of each line
(``FILE: threats[i].field: problem``), as the loader does for schema errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracklayer.earth.constants import DEG, R_EARTH_MEAN_M
from tracklayer.earth.frames import great_circle
from tracklayer.errors import ScenarioError
from tracklayer.threats import aero
from tracklayer.threats.ballistic import impact_miss, target_ballistic
from tracklayer.threats.batch import GUIDE_BALLISTIC, GUIDE_GLIDE, R_END_X, R_LANDED, Lattice
from tracklayer.threats.boost import rocket_preset
from tracklayer.threats.common import destination
from tracklayer.threats.glide import fly_records, ground_range_m, target_glide
from tracklayer.threats.mission import Controls, Mission, Rocket
from tracklayer.threats.presets import (
    AERO_TABLES,
    BALLISTIC_PRESETS,
    GLIDE_BOOSTER,
    GLIDE_PRESETS,
    PLUME_KW_SR,
    RCS_M2,
    SIGNATURES,
)

MIN_THRUST_TO_WEIGHT = 1.1
"""A rocket must lift off: first-stage thrust over lift-off weight at least this."""

MISS_TOLERANCE_M = {"ballistic": 1_000.0, "hgv": 1_000.0}
"""A targeted flight must land this close to its aim point (m, by kind), or the plan is
refused; the defaults of the scenario's metrics.miss_tolerance_ballistic_km and
miss_tolerance_glide_km (the run-level missed-aim check)."""


class ThreatPlanError(ScenarioError):
    """Threats that cannot be flown; ``problems`` holds (threat index, field, message)."""

    def __init__(self, problems: list[tuple[int, str, str]], label: str = "scenario"):
        self.problems = problems
        super().__init__([f"{label}: threats[{i}].{field}: {msg}" for i, field, msg in problems])

    def relabel(self, label: str) -> ThreatPlanError:
        return ThreatPlanError(self.problems, label)


@dataclass(frozen=True)
class Signature:
    """Infrared and radar signature parameters of one threat (SI)."""

    plume_w_sr: dict[str, float]
    floor_w_sr: float
    emitting_area_m2: float
    heating_radius_m: float
    emissivity: float
    rcs_m2: dict[str, float]
    density_exponent: float = 0.5
    speed_exponent: float = 3.0


@dataclass
class Plan:
    """Targeted flights: missions, solver controls, signatures, and solver diagnostics."""

    missions: list[Mission]
    controls: Controls
    signatures: list[Signature]
    lattice: Lattice
    burnout_speed_m_s: np.ndarray


def _rocket(spec, default: str) -> Rocket:
    b = spec.booster
    if b is None:
        return rocket_preset(default)
    if b.preset is not None:
        base = rocket_preset(b.preset)
        stages = base.stages
        drag = base.drag_area_m2
    else:
        stages = tuple((s.propellant_kg, s.dry_kg, s.isp_s, s.burn_time_s) for s in b.stages)
        drag = 0.3
    return Rocket(stages, b.drag_area_m2 if b.drag_area_m2 is not None else drag, b.vertical_rise_s, b.pitch_over_s)


def _signature(spec, default: str) -> Signature:
    base = SIGNATURES[spec.signature or default]
    plume = {band: kw * 1e3 for band, kw in PLUME_KW_SR.items()}
    plume["swir"] = spec.plume_kw_sr * 1e3
    plume.update({band: kw * 1e3 for band, kw in spec.plume_band_kw_sr.items()})
    return Signature(
        plume, spec.coast_kw_sr * 1e3,
        spec.emitting_area_m2 or base["emitting_area_m2"], spec.heating_radius_m or base["heating_radius_m"],
        spec.emissivity or base["emissivity"], {**RCS_M2, **spec.rcs_m2},
        base["density_exponent"], base["speed_exponent"],
    )


def _dogleg_waypoint(lat0: float, lon0: float, lat1: float, lon1: float, fraction: float, offset_m: float) -> tuple[float, float]:
    angle, az = great_circle(lat0, lon0, lat1, lon1)
    lat, lon = destination(lat0, lon0, float(az), fraction * float(angle))
    _, az_here = great_circle(lat, lon, lat1, lon1)
    return destination(lat, lon, float(az_here) + np.pi / 2.0, offset_m / R_EARTH_MEAN_M)


def mission_of(spec) -> tuple[Mission, Signature, dict]:
    """Mission, signature and targeting inputs of one scenario threat."""
    common = dict(
        launch_lat=spec.launch.lat_deg * DEG, launch_lon=spec.launch.lon_deg * DEG, launch_alt_m=spec.launch.alt_m,
        aim_lat=spec.aim.lat_deg * DEG, aim_lon=spec.aim.lon_deg * DEG, aim_alt_m=spec.aim.alt_m,
        t_launch_s=spec.launch_time_s, rotation=spec.earth_rotation, j2=spec.j2,
    )
    if spec.kind == "ballistic":
        preset = BALLISTIC_PRESETS[spec.preset]
        rocket = _rocket(spec, preset["booster"])
        payload = spec.payload_kg or preset["payload_kg"]
        polar, s_ref = aero.drag_only(payload, spec.beta_kg_m2 or preset["beta_kg_m2"])
        mission = Mission(rocket=rocket, payload_kg=payload, polar=polar, s_ref_m2=s_ref, guide=GUIDE_BALLISTIC, **common)
        loft = {"minimum-energy": 0.0, "lofted": 1.0, "depressed": -1.0}[spec.trajectory] * spec.loft_deg * DEG
        targets = {"loft": loft}
        signature = _signature(spec, preset["signature"])
    else:
        preset = GLIDE_PRESETS[spec.preset]
        rocket = _rocket(spec, GLIDE_BOOSTER[spec.preset])
        mass = spec.mass_kg or preset["mass_kg"]
        if "aero_table" in preset:
            polar = aero.polar_from_table(AERO_TABLES[preset["aero_table"]])
            polar[:, aero.A_CLMAX] = np.minimum(polar[:, aero.A_CLMAX], spec.max_lift_ratio * polar[:, aero.A_CLSTAR])
            s_ref = preset["reference_area_m2"] * mass / preset["mass_kg"]
        else:
            polar, s_ref = aero.polar_from_beta(mass, spec.beta_kg_m2 or preset["beta_kg_m2"], spec.lift_to_drag or preset["lift_to_drag"], spec.max_lift_ratio)
        waypoints = tuple((w.lat_deg * DEG, w.lon_deg * DEG) for w in spec.waypoints)
        if spec.dogleg is not None:
            waypoints = (_dogleg_waypoint(common["launch_lat"], common["launch_lon"], common["aim_lat"], common["aim_lon"],
                                          spec.dogleg.at_fraction, spec.dogleg.offset_km * 1e3),)
        weave = spec.weave
        mission = Mission(
            rocket=rocket, payload_kg=mass, polar=polar, s_ref_m2=s_ref, guide=GUIDE_GLIDE,
            damping_zeta=spec.phugoid_damping, dive_angle_rad=spec.dive_angle_deg * DEG, waypoints=waypoints,
            weave_rad=weave.amplitude_deg * DEG if weave else 0.0, weave_period_s=weave.period_s if weave else 0.0,
            dive_speed_m_s=spec.dive_speed_m_s, **common,
        )
        targets = {
            "gamma": spec.burnout_gamma_deg * DEG,
            "altitude": spec.burnout_altitude_km * 1e3 if spec.burnout_altitude_km is not None else np.nan,
            "speed": spec.burnout_speed_m_s if spec.burnout_speed_m_s is not None else np.nan,
        }
        signature = _signature(spec, preset["signature"])
    targets["burn_scale"] = spec.burn_time_s / rocket.burn_time_s if spec.burn_time_s is not None else 1.0
    return mission, signature, targets


def plan_threats(threats: list, step_s: float, max_step_s: float = 1.0, miss_tolerance_m: dict[str, float] | None = None) -> Plan:
    """Resolve and target every threat; raise `ThreatPlanError` for those that cannot fly
    or whose targeted flight lands farther from the aim than ``miss_tolerance_m[kind]``
    (default `MISS_TOLERANCE_M`)."""
    lattice = Lattice.for_grid(step_s, max_step_s)
    built = [mission_of(t) for t in threats]
    missions = [b[0] for b in built]
    targets = [b[2] for b in built]
    problems: list[tuple[int, str, str]] = []
    for i, (m, tg) in enumerate(zip(missions, targets)):
        tw = m.booster.thrust_to_weight(m.payload_kg, tg["burn_scale"])
        if tw < MIN_THRUST_TO_WEIGHT:
            field = "burn_time_s" if threats[i].burn_time_s is not None else "booster"
            problems.append((i, field, f"lift-off thrust-to-weight {tw:.2f} is below {MIN_THRUST_TO_WEIGHT}: the rocket cannot rise "
                                       "(shorten the burn time, lighten the payload or use a bigger booster)"))
    if problems:
        raise ThreatPlanError(problems)
    n = len(missions)
    controls = Controls(np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n))
    speed = np.full(n, np.nan)
    bal = [i for i, t in enumerate(threats) if t.kind == "ballistic"]
    hgv = [i for i, t in enumerate(threats) if t.kind == "hgv"]
    if bal:
        ms = [missions[i] for i in bal]
        c, ok, max_range = target_ballistic(ms, np.array([targets[i]["loft"] for i in bal]), lattice)
        for k, i in enumerate(bal):
            if not ok[k]:
                ground = ground_range_m(missions[i])
                spec = threats[i]
                if max_range[k] < ground:
                    reach = "no trajectory of this kind" if max_range[k] <= 0 else f"at most about {max_range[k] / 1e3:,.0f} km"
                    problems.append((i, "aim", f"out of reach: the aim is {ground / 1e3:,.0f} km away; booster "
                                               f"'{spec.booster.preset if spec.booster and spec.booster.preset else BALLISTIC_PRESETS[spec.preset]['booster']}' "
                                               f"with a {missions[i].payload_kg:,.0f} kg re-entry vehicle reaches {reach} on a {spec.trajectory} trajectory "
                                               "(choose a bigger booster, a lighter payload or a closer aim)"))
                else:
                    problems.append((i, "aim", f"the targeting did not land within 10 m of the aim ({ground / 1e3:,.0f} km away); "
                                               "try another trajectory or booster"))
        _put(controls, bal, c)
    if hgv:
        ms = [missions[i] for i in hgv]
        g = np.array([targets[i]["gamma"] for i in hgv])
        alt = np.array([targets[i]["altitude"] for i in hgv])
        v_fixed = np.array([targets[i]["speed"] for i in hgv])
        scale = np.array([targets[i]["burn_scale"] for i in hgv])
        c, v, surplus, vmax, surplus_max = target_glide(ms, g, alt, scale, v_fixed, lattice)
        for k, i in enumerate(hgv):
            ground = ground_range_m(missions[i])
            spec = threats[i]
            if not np.isfinite(vmax[k]) and np.isnan(v_fixed[k]):
                problems.append((i, "burnout_gamma_deg", f"the booster cannot burn out at {spec.burnout_gamma_deg:g} deg "
                                                         "(a gravity turn reaches about 0-60 deg; try another angle or booster)"))
            elif np.isfinite(v_fixed[k]) and np.isnan(surplus[k]):
                problems.append((i, "burnout_speed_m_s", f"the booster cannot burn out at {v_fixed[k]:,.0f} m/s and "
                                                         f"{spec.burnout_gamma_deg:g} deg (its best at that angle is about "
                                                         f"{vmax[k]:,.0f} m/s)"))
            elif np.isfinite(v_fixed[k]) and not surplus[k] > -2000.0:
                problems.append((i, "burnout_speed_m_s", f"at {v_fixed[k]:,.0f} m/s the glide falls about {-surplus[k] / 1e3:,.0f} km "
                                                         f"short of the dive point (aim {ground / 1e3:,.0f} km away); omit it to let "
                                                         "the range solver choose the speed"))
            elif np.isnan(v_fixed[k]) and not surplus_max[k] > 0:
                reach_m = ground + surplus_max[k] if np.isfinite(surplus_max[k]) else np.nan
                reached = f"about {reach_m / 1e3:,.0f} km" if reach_m > 0 else "no useful distance"
                problems.append((i, "aim", f"out of reach: the aim is {ground / 1e3:,.0f} km away; at the booster's best burnout "
                                           f"speed ({vmax[k]:,.0f} m/s at {spec.burnout_gamma_deg:g} deg) the glide reaches {reached} "
                                           "before slowing to the dive speed (choose a bigger booster, a lower dive_speed_m_s or a "
                                           "closer aim)"))
        _put(controls, hgv, c)
        speed[hgv] = v
    if not problems:
        problems = _missed_aims(threats, missions, controls, lattice, {**MISS_TOLERANCE_M, **(miss_tolerance_m or {})})
    if problems:
        raise ThreatPlanError(sorted(problems))
    return Plan(missions, controls, [b[1] for b in built], lattice, speed)


def impact_miss_m(missions: list[Mission], rec: np.ndarray) -> np.ndarray:
    """Distance (m) of each flight's impact point from its aim point, in the aim's
    horizontal plane; inf for a flight that has not come down."""
    aim = np.array([m.aim_f for m in missions]).reshape(-1, 3)
    launch = np.array([m.launch_f for m in missions]).reshape(-1, 3)
    down, cross = impact_miss(rec[:, R_END_X:R_END_X + 3], aim, launch)
    return np.where(rec[:, R_LANDED] > 0, np.hypot(down, cross), np.inf)


def _missed_aims(threats: list, missions: list[Mission], controls: Controls, lattice: Lattice,
                 tolerance_m: dict[str, float]) -> list[tuple[int, str, str]]:
    """Fly the targeted controls once more and list the threats that do not land on their aim."""
    miss = impact_miss_m(missions, fly_records(missions, controls, lattice))
    problems = []
    for i, spec in enumerate(threats):
        tol = tolerance_m[spec.kind]
        if miss[i] <= tol:
            continue
        where = f"lands {miss[i] / 1e3:,.1f} km from its aim point" if np.isfinite(miss[i]) else "does not come down"
        if spec.kind == "hgv" and spec.burnout_speed_m_s is not None:
            hint = "the glide cannot be steered onto it from that burnout (omit burnout_speed_m_s to let the range solver choose the speed)"
        elif spec.kind == "hgv":
            hint = "the glide cannot be steered onto it (a lower dive_speed_m_s or a smaller dive_angle_deg starts the dive earlier)"
        else:
            hint = "try another trajectory or booster"
        problems.append((i, "aim", f"{spec.name} {where} (the plan must land within {tol / 1e3:g} km): {hint}"))
    return problems


def _put(controls: Controls, rows: list[int], c: Controls) -> None:
    for name in ("azimuth_rad", "kick_rad", "cutoff_s", "burn_scale"):
        getattr(controls, name)[rows] = getattr(c, name)
