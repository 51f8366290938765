"""Scenario schema. Units are in the field names (km, deg, s); SI conversion happens
when the scenario is compiled (`tracklayer.scenario.compile`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracklayer.threats.presets import GLIDE_PRESETS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(ge=-180.0, le=360.0)]
Probability = Annotated[float, Field(gt=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class Site(_Model):
    """A point on (or above) the WGS 84 ellipsoid."""

    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Annotated[float, Field(ge=-500.0, le=100_000.0)] = 0.0


class Nation(_Model):
    id: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    name: str


class Walker(_Model):
    """Walker pattern i: T/P/F with T = planes x sats_per_plane."""

    planes: Annotated[int, Field(ge=1, le=1000)]
    sats_per_plane: Annotated[int, Field(ge=1, le=1000)]
    phasing: Annotated[int, Field(ge=0)] = 1
    altitude_km: Annotated[float, Field(ge=150.0, le=50_000.0)]
    inclination_deg: Annotated[float, Field(ge=0.0, le=180.0)]
    eccentricity: Annotated[float, Field(ge=0.0, lt=0.5)] = 0.0
    raan0_deg: float = 0.0
    pattern: Literal["delta", "star"] = "delta"

    @model_validator(mode="after")
    def _phasing_in_range(self) -> "Walker":
        if self.phasing >= self.planes and self.planes > 1:
            raise ValueError(f"phasing must be smaller than planes ({self.planes})")
        return self


class Elements(_Model):
    """Mean Keplerian elements at the scenario epoch (give altitude_km or semi_major_axis_km)."""

    altitude_km: Annotated[float, Field(ge=150.0, le=50_000.0)] | None = None
    semi_major_axis_km: Annotated[float, Field(ge=6528.0, le=60_000.0)] | None = None
    eccentricity: Annotated[float, Field(ge=0.0, lt=0.9)] = 0.0
    inclination_deg: Annotated[float, Field(ge=0.0, le=180.0)]
    raan_deg: float = 0.0
    arg_perigee_deg: float = 0.0
    mean_anomaly_deg: float = 0.0

    @model_validator(mode="after")
    def _one_size(self) -> "Elements":
        if (self.altitude_km is None) == (self.semi_major_axis_km is None):
            raise ValueError("give exactly one of altitude_km or semi_major_axis_km")
        return self


class InfraredSensor(_Model):
    """Nadir-pointing infrared payload (notional WFOV tracking sensor, DOMAIN.md Sec. 3)."""

    field_of_regard_deg: Annotated[float, Field(gt=0.0, le=180.0)] = 120.0
    max_range_km: Positive = 5000.0
    grazing_altitude_km: NonNegative = 20.0
    min_target_altitude_km: NonNegative = Field(
        10.0, description="Targets below this are hidden by clouds and the band's water-vapour absorption."
    )
    angle_noise_urad: Positive = 150.0
    pd: Probability = 0.95
    revisit_s: Positive = 1.0
    false_alarms_per_frame: NonNegative = 0.0


class Constellation(_Model):
    """Satellites from exactly one of: a Walker pattern, explicit elements, or TLE lines."""

    name: Annotated[str, Field(min_length=1)]
    nation: str
    walker: Walker | None = None
    elements: list[Elements] | None = None
    tle: list[str] | None = None
    sensor: InfraredSensor = InfraredSensor()

    @model_validator(mode="after")
    def _one_source(self) -> "Constellation":
        given = [k for k in ("walker", "elements", "tle") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of walker, elements or tle (got {', '.join(given) or 'none'})")
        return self

    @field_validator("tle")
    @classmethod
    def _tle_lines(cls, lines: list[str] | None) -> list[str] | None:
        if lines is not None:
            from tracklayer.orbits.propagators import parse_tle_lines
            from sgp4.api import Satrec

            for name, l1, l2 in parse_tle_lines(lines):
                sat = Satrec.twoline2rv(l1, l2)
                if sat.error != 0:
                    raise ValueError(f"TLE '{name}' could not be parsed (sgp4 error {sat.error})")
        return lines


class Radar(_Model):
    """Ground or sea radar at a fixed site measuring range, azimuth and elevation."""

    name: Annotated[str, Field(min_length=1)]
    nation: str
    site: Site
    max_range_km: Positive
    min_range_km: NonNegative = 0.0
    min_elevation_deg: Annotated[float, Field(ge=-5.0, le=90.0)] = 1.0
    max_elevation_deg: Annotated[float, Field(gt=0.0, le=90.0)] = 90.0
    azimuth_center_deg: Annotated[float, Field(ge=0.0, le=360.0)] = 0.0
    azimuth_width_deg: Annotated[float, Field(gt=0.0, le=360.0)] = 360.0
    range_noise_m: Positive = 20.0
    angle_noise_mrad: Positive = 1.0
    pd: Probability = 0.9
    revisit_s: Positive = 2.0
    over_the_horizon: bool = Field(
        False, description="Skywave radar: no line-of-sight test; min/max ground range and max target altitude apply."
    )
    max_target_altitude_km: Positive = 10_000.0

    @model_validator(mode="after")
    def _ranges(self) -> "Radar":
        if self.min_range_km >= self.max_range_km:
            raise ValueError("min_range_km must be smaller than max_range_km")
        if self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError("min_elevation_deg must be smaller than max_elevation_deg")
        return self


class _ThreatBase(_Model):
    name: Annotated[str, Field(min_length=1)]
    launch: Site
    aim: Site
    launch_time_s: NonNegative = 0.0
    plume_kw_sr: Positive = 500.0
    coast_kw_sr: Positive = 0.1


class BallisticThreat(_ThreatBase):
    """Ballistic missile: approximate boost, minimum-energy drag-free coast."""

    kind: Literal["ballistic"]
    burn_time_s: Annotated[float, Field(gt=10.0, le=600.0)] = 120.0
    burnout_altitude_km: Annotated[float, Field(gt=5.0, le=400.0)] = 100.0
    burnout_downrange_km: Annotated[float, Field(gt=1.0, le=1000.0)] = 80.0
    body_at_6kms_kw_sr: Positive = 50.0


class GlideThreat(_ThreatBase):
    """Hypersonic glide vehicle: boost, glide with lift and drag, terminal dive."""

    kind: Literal["hgv"]
    preset: Literal[tuple(GLIDE_PRESETS)] = "tw2020"  # type: ignore[valid-type]
    mass_kg: Positive | None = None
    beta_kg_m2: Positive | None = None
    lift_to_drag: Positive | None = None
    body_at_6kms_kw_sr: Positive | None = None
    burn_time_s: Annotated[float, Field(gt=10.0, le=600.0)] = 180.0
    burnout_altitude_km: Annotated[float, Field(gt=20.0, le=200.0)] = 80.0
    burnout_downrange_km: Annotated[float, Field(gt=1.0, le=2000.0)] = 400.0
    burnout_gamma_deg: Annotated[float, Field(ge=-30.0, le=30.0)] = 0.0
    burnout_speed_m_s: Annotated[float, Field(gt=1000.0, le=7500.0)] | None = None
    dive_angle_deg: Annotated[float, Field(gt=1.0, lt=80.0)] = 15.0

    def vehicle_value(self, key: str) -> float:
        """A vehicle parameter: the explicit override, else the preset's value."""
        value = getattr(self, key)
        return float(GLIDE_PRESETS[self.preset][key] if value is None else value)


Threat = Annotated[Union[BallisticThreat, GlideThreat], Field(discriminator="kind")]


class CVMotion(_Model):
    """Nearly-constant velocity (white acceleration noise)."""

    model: Literal["cv"]
    process_noise_m2_s3: Positive = 400.0


class CAMotion(_Model):
    """Nearly-constant acceleration (white jerk noise)."""

    model: Literal["ca"]
    jerk_noise_m2_s5: Positive = 1.0


class SingerMotion(_Model):
    """Singer manoeuvre model: Gauss-Markov acceleration."""

    model: Literal["singer"]
    accel_sigma_m_s2: Positive = 10.0
    tau_s: Positive = 30.0


class BallisticMotion(_Model):
    """Unpowered flight: central + J2 gravity, optional drag with a 1/beta state."""

    model: Literal["ballistic"]
    process_noise_m2_s3: Positive = 400.0
    j2: bool = True
    drag: bool = False
    inv_beta_noise_m4_kg2_s: Positive = 1e-12


class GlideMotion(_Model):
    """Gravity plus a Gauss-Markov aerodynamic (lift/drag) acceleration state, for HGVs."""

    model: Literal["glide"]
    accel_sigma_m_s2: Positive = 10.0
    tau_s: Positive = 60.0
    j2: bool = True


Motion = Annotated[Union[CVMotion, CAMotion, SingerMotion, BallisticMotion, GlideMotion], Field(discriminator="model")]


class IMMSpec(_Model):
    """Interacting multiple models: the models and the mean time spent in each."""

    models: Annotated[list[Motion], Field(min_length=2, max_length=4)]
    sojourn_s: list[Positive]
    pad_accel_sigma_m_s2: Positive = Field(10.0, description="uncertainty of the acceleration a model without one hands over when mixing")

    @model_validator(mode="after")
    def _consistent(self) -> "IMMSpec":
        if len(self.sojourn_s) != len(self.models):
            raise ValueError(f"sojourn_s needs one value per model ({len(self.models)})")
        if any(isinstance(m, BallisticMotion) and m.drag for m in self.models):
            raise ValueError("a ballistic model with drag (1/beta state) cannot be mixed with other models")
        return self


class UKFSpec(_Model):
    """Scaled unscented transform parameters (alpha=1, beta=0, kappa=0 is the cubature rule)."""

    alpha: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    beta: NonNegative = 2.0
    kappa: NonNegative = 0.0


class ClutterDensity(_Model):
    """False-alarm densities the tracker assumes (JPDA weights, likelihood costs, track score)."""

    angles_per_sr: Positive = 1.0
    radar_per_m_sr: Positive = 1e-6
    position_per_m3: Positive = 1e-12


class SingleSensorInit(_Model):
    """Initiation from one angles-only sensor: range-parameterised hypotheses along the line
    of sight, between the altitudes where the targets of interest fly (default: atmospheric
    flight, where glide vehicles are)."""

    enabled: bool = False
    min_altitude_km: NonNegative = 15.0
    max_altitude_km: Positive = 100.0
    max_range_km: Positive = 6000.0
    range_cv: Annotated[float, Field(gt=0.0, le=0.5)] = 0.1
    max_hypotheses: Annotated[int, Field(ge=1, le=64)] = 24
    hits: Annotated[int, Field(ge=2, le=100)] = 4
    max_hold_s: Positive = 60.0


class Tracker(_Model):
    """Tracker settings: motion model(s), filter, gating, association, management
    (docs/tracking.md)."""

    process_noise_m2_s3: Positive = Field(400.0, description="white acceleration noise of the ballistic model in the default IMM")
    motion: Motion | None = Field(None, description="a single motion model instead of the default IMM")
    imm: IMMSpec | None = Field(
        None, description="default: IMM of ballistic, quiet glide (3 m/s^2, 300 s) and manoeuvring glide (20 m/s^2, 30 s), sojourn 60/60/20 s"
    )
    filter: Literal["ekf", "ukf", "ckf"] = "ekf"
    ukf: UKFSpec = UKFSpec()
    gate_probability: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.9999
    association: Literal["gnn", "jpda"] = "gnn"
    gnn_cost: Literal["distance2", "distance", "likelihood"] = "distance2"
    pd: Probability = 0.9
    clutter_density: ClutterDensity = ClutterDensity()
    jpda_max_events: Annotated[int, Field(ge=1)] = 20000
    confirmation: Literal["m_of_n", "score"] = "m_of_n"
    confirm_hits: Annotated[int, Field(ge=1, le=100)] = 3
    confirm_window_s: Positive = 10.0
    tentative_coast_s: Positive = 6.0
    coast_limit_s: Positive = 60.0
    false_track_probability: Annotated[float, Field(gt=0.0, lt=0.5)] = 1e-5
    true_track_deletion_probability: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05
    score_drop: Positive = 10.0
    new_target_ratio: Positive = Field(0.01, description="density of new targets over that of false alarms (initial score)")
    max_position_sigma_km: Positive = 100.0
    init_velocity_sigma_m_s: Positive = 4000.0
    min_convergence_deg: Annotated[float, Field(ge=0.0, lt=90.0)] = 3.0
    triangulation_gate_sigma: Positive = 5.0
    single_sensor_init: SingleSensorInit = SingleSensorInit()
    reorder_buffer_s: NonNegative = Field(0.0, description="detections arriving later than this after their measurement time are dropped")
    truth_gate_km: Positive = 25.0

    @model_validator(mode="after")
    def _one_motion(self) -> "Tracker":
        if self.motion is not None and self.imm is not None:
            raise ValueError("give motion or imm, not both")
        return self


class Scenario(_Model):
    """A complete tracklayer scenario."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    sources: list[str] = []
    epoch: dt.datetime
    duration_s: Annotated[float, Field(gt=0.0, le=7 * 86400.0)]
    step_s: Annotated[float, Field(gt=0.0, le=3600.0)] = 1.0
    seed: Annotated[int, Field(ge=0)] = 0
    dut1_s: Annotated[float, Field(ge=-0.9, le=0.9)] = 0.0
    nations: Annotated[list[Nation], Field(min_length=1)]
    constellations: list[Constellation] = []
    radars: list[Radar] = []
    threats: Annotated[list[Threat], Field(min_length=1)]
    tracker: Tracker = Tracker()

    @field_validator("epoch")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("epoch needs a time zone, e.g. 2026-01-15T00:00:00Z")
        return value.astimezone(dt.timezone.utc)

    @model_validator(mode="after")
    def _references(self) -> "Scenario":
        steps = self.duration_s / self.step_s
        if steps > 2_000_000:
            raise ValueError(f"duration_s / step_s = {steps:.0f} time steps; at most 2,000,000 are allowed")
        nation_ids = {n.id for n in self.nations}
        for group in ("constellations", "radars"):
            for item in getattr(self, group):
                if item.nation not in nation_ids:
                    raise ValueError(f"{group} '{item.name}': nation '{item.nation}' is not among nations {sorted(nation_ids)}")
        for group in ("constellations", "radars", "threats"):
            names = [item.name for item in getattr(self, group)]
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"{group}: duplicate names {sorted(dup)}")
        for threat in self.threats:
            if threat.launch_time_s >= self.duration_s:
                raise ValueError(f"threats '{threat.name}': launch_time_s {threat.launch_time_s} is after the scenario ends ({self.duration_s} s)")
        if not self.constellations and not self.radars:
            raise ValueError("the scenario has no sensors: give constellations or radars")
        return self
