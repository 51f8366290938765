"""Scenario schema. Units are in the field names (km, deg, s); SI conversion happens
when the scenario is compiled (`tracklayer.scenario.compile`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from typing import Annotated, Literal, TypeAlias, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from tracklayer.earth.constants import WGS84_A_M
from tracklayer.scenario.budget import estimate
from tracklayer.scenario.choices import ASSOCIATORS, FILTERS, FUSION_RULES, describe
from tracklayer.scenario.network_rules import check_graph, check_references
from tracklayer.sensors.presets import FIELD_OF_REGARD_PRESETS, INFRARED_PRESETS, SENSITIVITY_PRESETS
from tracklayer.threats import PHASES
from tracklayer.threats.presets import BALLISTIC_PRESETS, BOOSTERS, GLIDE_PRESETS, SIGNATURES
from tracklayer.threats.signatures import BANDS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_CONTROL = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def _printable(text: str, allowed: str) -> str:
    for c in text:
        if c not in allowed and unicodedata.category(c) in _CONTROL:
            raise ValueError(f"control or non-printing character U+{ord(c):04X} is not allowed")
    return text


def _no_control(text: str) -> str:
    """A validator of one argument (pydantic 2.6 hands a second one a ValidationInfo)."""
    return _printable(text, "")


Name = Annotated[str, AfterValidator(_no_control)]
"""A name or id that reaches terminals and reports: printable characters only."""
Text = Annotated[str, AfterValidator(lambda text: _printable(text, "\n\t"))]
"""Free text (descriptions): printable characters, newlines and tabs."""
MIN_STEP_S = 0.01
"""Shortest time step: threats are targeted by integrating their flight at the step, so
validation time grows as 1/step_s (0.01 s: a few seconds per threat)."""
MAX_THREATS = 1000
"""Most threats in one scenario (each is targeted when the scenario is validated)."""
Angle = Annotated[float, Field(ge=-360.0, le=360.0)]
EPOCH_RANGE = (dt.datetime(1950, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
"""Epochs the time and frame code supports: the Sun's low-precision formulas (quoted
for 1950-2050, drifting slowly after) and two-digit TLE years (1957-2056) bound it."""
MAX_ATTACK_OFFSET_S = 366 * 86400.0
"""Latest attack time after the scenario epoch (a year)."""
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(ge=-180.0, le=360.0)]
Probability = Annotated[float, Field(gt=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
FinitePositive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class Site(_Model):
    """A point on (or above) the WGS 84 ellipsoid."""

    lat_deg: Latitude
    lon_deg: Longitude
    alt_m: Annotated[float, Field(ge=-500.0, le=100_000.0)] = 0.0


class Nation(_Model):
    id: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    name: Name


class Walker(_Model):
    """Walker pattern i: T/P/F with T = planes x sats_per_plane."""

    planes: Annotated[int, Field(ge=1, le=1000)]
    sats_per_plane: Annotated[int, Field(ge=1, le=1000)]
    phasing: Annotated[int, Field(ge=0, le=999)] = 1
    altitude_km: Annotated[float, Field(ge=150.0, le=50_000.0)]
    inclination_deg: Annotated[float, Field(ge=0.0, le=180.0)]
    eccentricity: Annotated[float, Field(ge=0.0, lt=0.5)] = 0.0
    raan0_deg: Angle = 0.0
    pattern: Literal["delta", "star"] = "delta"

    @model_validator(mode="after")
    def _phasing_in_range(self) -> Walker:
        if self.phasing >= self.planes and self.planes > 1:
            raise ValueError(f"phasing must be smaller than planes ({self.planes})")
        return self


class Elements(_Model):
    """Mean Keplerian elements at the scenario epoch (give altitude_km or semi_major_axis_km)."""

    altitude_km: Annotated[float, Field(ge=150.0, le=50_000.0)] | None = None
    semi_major_axis_km: Annotated[float, Field(ge=6528.0, le=60_000.0)] | None = None
    eccentricity: Annotated[float, Field(ge=0.0, lt=0.9)] = 0.0
    inclination_deg: Annotated[float, Field(ge=0.0, le=180.0)]
    raan_deg: Angle = 0.0
    arg_perigee_deg: Angle = 0.0
    mean_anomaly_deg: Angle = 0.0

    @model_validator(mode="after")
    def _one_size(self) -> Elements:
        if (self.altitude_km is None) == (self.semi_major_axis_km is None):
            raise ValueError("give exactly one of altitude_km or semi_major_axis_km")
        return self


class Geostationary(_Model):
    """Geostationary satellites, one per sub-satellite longitude (east positive)."""

    longitudes_deg: Annotated[list[Longitude], Field(min_length=1, max_length=1000)]


class Molniya(_Model):
    """Highly elliptical (Molniya-like) orbits sharing a, e, i and argument of perigee;
    one satellite per (raan_deg, mean_anomaly_deg) pair. Default semi-major axis: two
    revolutions per sidereal day (26,562 km)."""

    semi_major_axis_km: Annotated[float, Field(ge=6528.0, le=60_000.0)] | None = None
    eccentricity: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.72
    inclination_deg: Annotated[float, Field(ge=0.0, le=180.0)] = 63.4
    arg_perigee_deg: Angle = 270.0
    raan_deg: Annotated[list[Angle], Field(min_length=1, max_length=1000)]
    mean_anomaly_deg: Annotated[list[Angle], Field(min_length=1, max_length=1000)]

    @property
    def a_km(self) -> float:
        """The semi-major axis, km: the given one, else two revolutions per sidereal day."""
        if self.semi_major_axis_km is not None:
            return self.semi_major_axis_km
        from tracklayer.orbits.highorbits import SIDEREAL_DAY_S, semi_major_axis_for_period_m

        return semi_major_axis_for_period_m(SIDEREAL_DAY_S / 2.0) / 1e3

    @model_validator(mode="after")
    def _shape(self) -> Molniya:
        if len(self.raan_deg) != len(self.mean_anomaly_deg):
            raise ValueError(f"raan_deg ({len(self.raan_deg)}) and mean_anomaly_deg ({len(self.mean_anomaly_deg)}) need one entry per satellite")
        perigee_km = self.a_km * (1.0 - self.eccentricity) - WGS84_A_M / 1e3
        if perigee_km < 150.0:
            raise ValueError(f"perigee altitude {perigee_km:,.0f} km is below 150 km (lower eccentricity {self.eccentricity:g} or raise semi_major_axis_km)")
        return self


class LookDownClutter(_Model):
    """Sun-dependent look-down false-alarm density (`tracklayer.sensors.clutter`,
    docs/sensing.md): relative to the overhead Sun, a night floor and a terminator band
    of cloud edges and shadows; the sensor's ``pfa_look_down`` stays the mean over all
    Sun positions. Notional shape and values."""

    night: Annotated[float, Field(ge=0.0, le=100.0)] = Field(0.1, description="density on the night side, relative to the overhead Sun's")
    terminator_peak: Annotated[float, Field(ge=0.0, le=100.0)] = Field(1.0, description="height of the terminator band, relative to the overhead Sun's density")
    terminator_width_deg: Annotated[float, Field(ge=0.5, le=45.0)] = Field(8.0, description="1-sigma width of the band in solar zenith angle")


class Cueing(_Model):
    """Track-cued pointing of a pointed sensor (field of view smaller than its field of
    regard; docs/sensing.md, "Track-cued tasking").

    Without it a pointed sensor is cued to the true targets with the highest SNR (an
    ideal hand-over). With it, a cueing tracker runs over the detections of the
    ``sources`` constellations and radars (default: every sensor not itself track-cued,
    as a joint node would), and at each frame a scheduler
    (`tracklayer.tasking.scheduler`) points the sensor at its confirmed tracks'
    estimates, ``latency_s`` old and extrapolated at constant velocity; the sensor sees
    the targets inside the field of view centred on the estimate.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True)
    from_: Literal["tracks"] = Field("tracks", alias="from", description="what points the sensor: the cueing tracker's tracks")
    sources: Annotated[list[Name], Field(min_length=1)] | None = Field(
        None, description="constellations and radars whose detections feed the cueing tracker (default: all not track-cued)")
    latency_s: Annotated[float, Field(ge=0.0, le=600.0)] = Field(2.0, description="age of the track estimate a pointing uses")
    slew_rate_deg_s: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(5.0, description="line-of-sight slew rate")
    dwell_s: Annotated[float, Field(gt=0.0, le=60.0)] = Field(0.1, description="time of one look (integration and settling)")
    new_track_weight: Annotated[float, Field(ge=1.0, le=1000.0)] = Field(
        4.0, description="priority factor of a track the sensor has not looked at yet")
    low_altitude_km: Annotated[float, Field(ge=0.0, le=2000.0)] = Field(
        100.0, description="tracks estimated below this (boost, glide) count double")


class InfraredSensor(_Model):
    """Infrared payload of every satellite of a constellation (docs/sensing.md).

    Each field left out takes the value of ``field_of_regard`` or ``sensitivity`` (named
    sub-presets) where they set it, else of ``preset`` (`tracklayer.sensors.presets`:
    ``wfov`` wide-field staring tracking sensor, ``mfov`` medium-field cued sensor,
    ``geo-scan``/``geo-stare``/``heo-scan`` SBIRS-like GEO and HEO payloads; notional,
    DOMAIN.md Sec. 3). ``pd``, ``angle_noise_urad`` and ``false_alarms_per_frame``
    replace the radiometric model's value by a constant. ``scan_period_s`` makes the
    sensor a scanner (`tracklayer.sensors.scanning`).
    """

    preset: Literal[tuple(INFRARED_PRESETS)] = "wfov"  # type: ignore[valid-type]
    field_of_regard: Literal[tuple(FIELD_OF_REGARD_PRESETS)] | None = Field(  # type: ignore[valid-type]
        None, description="named field of regard (a staring sensor's field of view follows it)")
    sensitivity: Literal[tuple(SENSITIVITY_PRESETS)] | None = Field(  # type: ignore[valid-type]
        None, description="named noise-equivalent irradiances (look-down and limb)")
    scan_period_s: Positive | None = Field(None, description="a scanner's revisit period of each point of its field of regard")
    scan_dwell_s: Positive | None = Field(None, description="how long the scanning strip covers a point per scan (<= scan_period_s)")
    field_of_regard_deg: Annotated[float, Field(gt=0.0, le=180.0)] | None = None
    field_of_view_deg: Annotated[float, Field(gt=0.0, le=180.0)] | None = None
    ifov_urad: Annotated[float, Field(gt=0.0, le=100_000.0)] | None = None
    band_um: tuple[Annotated[float, Field(gt=0.2, lt=30.0)], Annotated[float, Field(gt=0.2, lt=30.0)]] | None = None
    max_range_km: Positive | None = None
    grazing_altitude_km: NonNegative | None = None
    min_target_altitude_km: NonNegative | None = Field(
        None, description="Targets below this are hidden by clouds and the band's water-vapour absorption."
    )
    revisit_s: Positive | None = None
    nei_look_down_w_m2: Positive | None = None
    nei_limb_w_m2: Positive | None = None
    pfa_look_down: Annotated[float, Field(gt=0.0, lt=0.5)] | None = None
    pfa_limb: Annotated[float, Field(gt=0.0, lt=0.5)] | None = None
    sun_exclusion_deg: Annotated[float, Field(ge=0.0, lt=180.0)] | None = None
    zenith_optical_depth: NonNegative | None = None
    absorber_scale_height_km: Annotated[float, Field(gt=0.1, le=100.0)] | None = None
    source_temperature_k: Annotated[float, Field(ge=300.0, le=10_000.0)] | None = None
    centroid_floor_px: NonNegative | None = None
    max_targets_per_frame: Annotated[int, Field(ge=1, le=10_000)] | None = None
    pd: Probability | None = None
    angle_noise_urad: Positive | None = None
    false_alarms_per_frame: NonNegative | None = None
    look_down_clutter: LookDownClutter | None = Field(None, description="Sun-dependent look-down clutter (default: uniform)")
    cueing: Cueing | None = Field(None, description="track-cued pointing (a pointed sensor only); default: cued on the truth")

    @field_validator("band_um")
    @classmethod
    def _band_order(cls, band: tuple[float, float] | None) -> tuple[float, float] | None:
        if band is not None and band[0] >= band[1]:
            raise ValueError(f"band_um: the lower edge {band[0]} must be below the upper edge {band[1]}")
        return band

    @model_validator(mode="after")
    def _scan(self) -> InfraredSensor:
        if self.cueing is not None and self.value("field_of_view_deg") >= self.value("field_of_regard_deg"):
            raise ValueError("cueing needs a pointed sensor: field_of_view_deg must be smaller than field_of_regard_deg")
        if self.cueing is not None and self.cueing.dwell_s > self.value("revisit_s"):
            raise ValueError(f"cueing.dwell_s {self.cueing.dwell_s:g} exceeds the frame time revisit_s {self.value('revisit_s'):g}")
        period, dwell = self.value("scan_period_s"), self.value("scan_dwell_s")
        if period is None:
            if self.scan_dwell_s is not None:
                raise ValueError("scan_dwell_s needs scan_period_s (a staring sensor has no scan)")
            return self
        if dwell is None:
            raise ValueError("a scanning sensor needs scan_dwell_s")
        if dwell > period:
            raise ValueError(f"scan_dwell_s {dwell:g} exceeds scan_period_s {period:g}")
        if self.value("field_of_view_deg") < self.value("field_of_regard_deg"):
            raise ValueError("a scanning sensor sweeps its whole field of regard: field_of_view_deg must not be smaller than field_of_regard_deg")
        return self

    def value(self, key: str):
        """A sensor parameter: the explicit field, else the named sub-preset's, else the preset's value."""
        given = getattr(self, key)
        if given is not None:
            return given
        base = INFRARED_PRESETS[self.preset]
        if self.field_of_regard is not None:
            angle = FIELD_OF_REGARD_PRESETS[self.field_of_regard]
            if key == "field_of_regard_deg":
                return angle
            if key == "field_of_view_deg" and float(cast(float, base["field_of_view_deg"])) >= float(cast(float, base["field_of_regard_deg"])):
                return angle  # staring: the field of view is the field of regard
        if self.sensitivity is not None and key in SENSITIVITY_PRESETS[self.sensitivity]:
            return SENSITIVITY_PRESETS[self.sensitivity][key]
        return base[key]


ORBIT_SOURCES = ("walker", "geostationary", "molniya", "elements", "tle", "omm")
"""The ways a constellation's orbits can be given."""


class Constellation(_Model):
    """Satellites from exactly one of: a Walker pattern, geostationary longitudes,
    Molniya orbits, explicit elements, TLE lines or OMM records. The loader reads
    ``tle_file`` into ``tle`` and ``omm_file`` into ``omm``
    (`tracklayer.scenario.loader.read_catalog_files`)."""

    name: Annotated[Name, Field(min_length=1)]
    nation: Name
    walker: Walker | None = None
    geostationary: Geostationary | None = None
    molniya: Molniya | None = None
    elements: list[Elements] | None = None
    tle: list[Name] | None = None
    omm: Annotated[list[dict[Name, str | int | float]], Field(min_length=1)] | None = None
    sensor: InfraredSensor = InfraredSensor()

    @model_validator(mode="after")
    def _one_source(self) -> Constellation:
        given = [k for k in ORBIT_SOURCES if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of walker, geostationary, molniya, elements, tle, tle_file, omm or omm_file (got {', '.join(given) or 'none'})")
        return self

    @field_validator("omm")
    @classmethod
    def _omm_records(cls, records: list[dict] | None) -> list[dict] | None:
        if records is not None:
            from tracklayer.orbits.catalog import satrec_from_omm

            for k, record in enumerate(records):
                satrec_from_omm(record, k)
        return records

    @field_validator("tle")
    @classmethod
    def _tle_lines(cls, lines: list[str] | None) -> list[str] | None:
        if lines is not None:
            from sgp4.api import Satrec

            from tracklayer.orbits.propagators import parse_tle_lines

            for name, l1, l2 in parse_tle_lines(lines):
                sat = Satrec.twoline2rv(l1, l2)
                if sat.error != 0:
                    raise ValueError(f"TLE '{name}' could not be parsed (sgp4 error {sat.error})")
        return lines


class PlatformMotion(_Model):
    """A ship's track: constant course and speed along a great circle from its site at the epoch."""

    course_deg: Annotated[float, Field(ge=0.0, le=360.0)]
    speed_kn: Annotated[float, Field(ge=0.0, le=60.0)]


class Radar(_Model):
    """Ground or sea radar measuring range, azimuth, elevation and range rate (docs/sensing.md).

    Detection follows the radar range equation: a target of ``reference_rcs_m2`` at
    ``reference_range_km`` (default: ``max_range_km``) gives ``reference_snr_db`` per
    look; Pd from the Swerling case at ``pfa``. ``pd`` replaces that by a constant.
    The measurement noise values are 1-sigma at the reference SNR and scale as
    1/sqrt(SNR), down to ``noise_floor_fraction`` of themselves.
    """

    name: Annotated[Name, Field(min_length=1)]
    nation: Name
    site: Site
    motion: PlatformMotion | None = None
    max_range_km: Positive
    min_range_km: NonNegative = 0.0
    min_elevation_deg: Annotated[float, Field(ge=-5.0, le=90.0)] = 1.0
    max_elevation_deg: Annotated[float, Field(gt=0.0, le=90.0)] = 90.0
    refraction_k: Annotated[float, Field(ge=1.0, le=4.0)] = Field(
        4.0 / 3.0, description="Effective Earth-radius factor of the horizon test (4/3: standard refraction, 1: none)."
    )
    azimuth_center_deg: Annotated[float, Field(ge=0.0, le=360.0)] = 0.0
    azimuth_width_deg: Annotated[float, Field(gt=0.0, le=360.0)] = 360.0
    reference_range_km: Positive | None = None
    reference_rcs_m2: Positive = 0.1
    reference_snr_db: Annotated[float, Field(ge=-20.0, le=60.0)] = 13.0
    swerling: Literal[0, 1] = 1
    pfa: Annotated[float, Field(gt=0.0, lt=0.5)] = 1e-6
    range_noise_m: Positive = 20.0
    angle_noise_mrad: Positive = 1.0
    range_rate_noise_m_s: Positive = 2.0
    noise_floor_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    pd: Probability | None = None
    revisit_s: Positive = 2.0
    over_the_horizon: bool = Field(
        False, description="Skywave radar: no line-of-sight test; min/max ground range and max target altitude apply."
    )
    max_target_altitude_km: Positive = 10_000.0

    @model_validator(mode="after")
    def _ranges(self) -> Radar:
        if self.min_range_km >= self.max_range_km:
            raise ValueError("min_range_km must be smaller than max_range_km")
        if self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError("min_elevation_deg must be smaller than max_elevation_deg")
        return self


class Stage(_Model):
    """One rocket stage."""

    propellant_kg: Positive
    dry_kg: Positive
    isp_s: Annotated[float, Field(gt=50.0, le=500.0)]
    burn_time_s: Annotated[float, Field(gt=1.0, le=600.0)]


class Booster(_Model):
    """A multi-stage rocket flying a gravity turn: a preset, or explicit stages."""

    preset: Literal[tuple(BOOSTERS)] | None = None  # type: ignore[valid-type]
    stages: Annotated[list[Stage], Field(min_length=1, max_length=4)] | None = None
    drag_area_m2: Positive | None = None
    vertical_rise_s: Annotated[float, Field(gt=0.0, le=60.0)] = 8.0
    pitch_over_s: Annotated[float, Field(gt=0.5, le=60.0)] = 6.0

    @model_validator(mode="after")
    def _one_source(self) -> Booster:
        if (self.preset is None) == (self.stages is None):
            raise ValueError("give exactly one of preset or stages")
        return self


class Waypoint(_Model):
    lat_deg: Latitude
    lon_deg: Longitude


class Weave(_Model):
    """Bank reversals: the commanded heading swings +/- amplitude, flipping every half period."""

    amplitude_deg: Annotated[float, Field(gt=0.0, le=60.0)]
    period_s: Annotated[float, Field(ge=20.0, le=3600.0)]


class DogLeg(_Model):
    """A lateral detour: a waypoint offset from the launch-aim great circle."""

    offset_km: Annotated[float, Field(ge=-3000.0, le=3000.0)]
    at_fraction: Annotated[float, Field(gt=0.05, lt=0.95)] = 0.5


# Built from the band and phase tables at run time, so only pydantic sees the values.
BandName: TypeAlias = Literal[tuple(BANDS)]  # type: ignore[valid-type]
PhaseName: TypeAlias = Literal[tuple(PHASES)]  # type: ignore[valid-type]


class _ThreatBase(_Model):
    name: Annotated[Name, Field(min_length=1)]
    launch: Site
    aim: Site
    launch_time_s: NonNegative = 0.0
    booster: Booster | None = None
    payload_kg: Positive | None = None
    burn_time_s: Annotated[float, Field(gt=10.0, le=600.0)] | None = None
    plume_kw_sr: Positive = 500.0
    plume_band_kw_sr: dict[BandName, Positive] = {}
    coast_kw_sr: NonNegative = 0.1
    signature: Literal[tuple(SIGNATURES)] | None = None  # type: ignore[valid-type]
    emitting_area_m2: Positive | None = None
    heating_radius_m: Positive | None = None
    emissivity: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    rcs_m2: dict[PhaseName, Positive] = {}
    earth_rotation: bool = True
    j2: bool = True


class BallisticThreat(_ThreatBase):
    """Ballistic missile: multi-stage boost, free flight with re-entry drag, to the aim point."""

    kind: Literal["ballistic"]
    preset: Literal[tuple(BALLISTIC_PRESETS)] = "mrbm"  # type: ignore[valid-type]
    trajectory: Literal["minimum-energy", "lofted", "depressed"] = "minimum-energy"
    loft_deg: Annotated[float, Field(gt=0.0, le=40.0)] = 10.0
    beta_kg_m2: Positive | None = None


class GlideThreat(_ThreatBase):
    """Hypersonic glide vehicle: boost, pull-up and glide with lift and drag, terminal dive."""

    kind: Literal["hgv"]
    preset: Literal[tuple(GLIDE_PRESETS)] = "tw2020"  # type: ignore[valid-type]
    mass_kg: Positive | None = None
    beta_kg_m2: Positive | None = None
    lift_to_drag: Annotated[float, Field(gt=0.0, le=8.0)] | None = None
    max_lift_ratio: Annotated[float, Field(ge=1.0, le=4.0)] = 1.5
    burnout_gamma_deg: Annotated[float, Field(ge=-10.0, le=45.0)] = 8.0
    burnout_altitude_km: Annotated[float, Field(gt=20.0, le=400.0)] | None = None
    burnout_speed_m_s: Annotated[float, Field(gt=1000.0, lt=7800.0)] | None = None
    dive_angle_deg: Annotated[float, Field(gt=1.0, lt=80.0)] = 15.0
    dive_speed_m_s: Annotated[float, Field(gt=500.0, lt=7000.0)] = 2500.0
    phugoid_damping: Annotated[float, Field(ge=0.0, le=2.0)] = 0.7
    waypoints: Annotated[list[Waypoint], Field(max_length=6)] = []
    weave: Weave | None = None
    dogleg: DogLeg | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GlideThreat:
        if self.burnout_altitude_km is not None and self.burn_time_s is not None:
            raise ValueError("give burnout_altitude_km or burn_time_s, not both (the altitude is hit by scaling the burn time)")
        if self.preset == "cav-h" and (self.beta_kg_m2 is not None or self.lift_to_drag is not None):
            raise ValueError("cav-h flies from its lift and drag tables: beta_kg_m2 and lift_to_drag do not apply")
        if self.dogleg is not None and self.waypoints:
            raise ValueError("give waypoints or dogleg, not both")
        return self


Threat = Annotated[BallisticThreat | GlideThreat, Field(discriminator="kind")]


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


Motion = Annotated[CVMotion | CAMotion | SingerMotion | BallisticMotion | GlideMotion, Field(discriminator="model")]


class IMMSpec(_Model):
    """Interacting multiple models: the models and the mean time spent in each."""

    models: Annotated[list[Motion], Field(min_length=2, max_length=4)]
    sojourn_s: list[Positive]
    pad_accel_sigma_m_s2: Positive = Field(10.0, description="uncertainty of the acceleration a model without one hands over when mixing")

    @model_validator(mode="after")
    def _consistent(self) -> IMMSpec:
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
        None, description="default: IMM of ballistic, quiet glide (3 m/s^2, 300 s), manoeuvring glide (20 m/s^2, 30 s) and re-entry/dive (150 m/s^2, 10 s), sojourn 60/60/20/10 s"
    )
    filter: Literal[tuple(FILTERS)] = Field("ekf", description=describe(FILTERS))  # type: ignore[valid-type]
    ukf: UKFSpec = UKFSpec()
    gate_probability: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.9999
    association: Literal[tuple(ASSOCIATORS)] = Field("gnn", description=describe(ASSOCIATORS))  # type: ignore[valid-type]
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
    def _one_motion(self) -> Tracker:
        if self.motion is not None and self.imm is not None:
            raise ValueError("give motion or imm, not both")
        return self


NodeId = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]


class Fusion(_Model):
    """How a node builds its picture from its own tracks and the tracks it receives
    (docs/network.md): track-to-track association, then fusion."""

    method: Literal[tuple(FUSION_RULES)] = Field("ci", description=describe(FUSION_RULES))  # type: ignore[valid-type]
    gate_probability: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(0.9999, description="chi-square gate (6 dof) of track-to-track association")
    merge_probability: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(0.99, description="two fused tracks closer than this gate are one target")
    stale_s: Positive = Field(10.0, description="a received track not refreshed for this long leaves the picture")
    unmap_after: Annotated[int, Field(ge=1, le=100)] = Field(3, description="consecutive inconsistent steps before an input leaves its fused track")
    process_noise_m2_s3: Positive = Field(2000.0, description="white acceleration of the ballistic prediction of a received track's first report; later reports get noise sized to the acceleration their velocity change shows (docs/network.md)")


class NetworkNode(_Model):
    """A tracking node: a nation's (or the joint command's) tracker and picture."""

    id: NodeId
    nation: Name | None = Field(None, description="owning nation; none for a combined (joint) node")
    sensors: list[Name] | None = Field(None, description="constellation and radar names it owns (default: all of its nation's)")
    tracker: Tracker | None = Field(None, description="tracker settings (default: the scenario's tracker section)")
    reorder_buffer_s: NonNegative | None = Field(None, description="overrides the tracker's reorder_buffer_s (raw data arriving late)")
    fusion: Fusion = Fusion()
    registration_bias_m: NonNegative = Field(0.0, description="1-sigma per axis of the constant Earth-fixed bias of the tracks it sends")


class Outage(_Model):
    start_s: NonNegative
    end_s: Positive

    @model_validator(mode="after")
    def _order(self) -> Outage:
        if self.end_s <= self.start_s:
            raise ValueError(f"end_s {self.end_s} must be after start_s {self.start_s}")
        return self


class Link(_Model):
    """A one-way communication link: what it carries and how (latency, loss, bandwidth)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True)

    source: NodeId = Field(alias="from")
    target: NodeId = Field(alias="to")
    content: Literal["tracks", "picture"] = Field("tracks", description="the sender's own tracks, or its fused picture")
    report_interval_s: Positive | None = Field(None, description="period of each track's reports (default: every step)")
    latency_s: NonNegative = 0.0
    jitter_s: NonNegative = Field(0.0, description="mean of the exponential extra delay of each message")
    loss: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    assumed_bias_m: NonNegative = Field(0.0, description="registration bias (1-sigma per axis) the receiver allows for in these tracks")
    bandwidth_tracks_s: Positive | None = None
    bandwidth_bytes_s: Positive | None = None
    track_message_bytes: Annotated[int, Field(ge=1, le=100_000)] = 160
    measurement_bandwidth_bytes_s: Positive | None = None
    measurement_message_bytes: Annotated[int, Field(ge=1, le=100_000)] = 48
    outages: list[Outage] = []

    @model_validator(mode="after")
    def _one_bandwidth(self) -> Link:
        if self.bandwidth_tracks_s is not None and self.bandwidth_bytes_s is not None:
            raise ValueError("give bandwidth_tracks_s or bandwidth_bytes_s, not both")
        if self.source == self.target:
            raise ValueError(f"a link from node '{self.source}' to itself")
        return self


class ReleaseRule(_Model):
    """Which nodes may receive data derived from some sources, and at what precision."""

    sources: Annotated[list[Name], Field(min_length=1)] = Field(description="constellation or radar names, or nation ids")
    to: Annotated[list[NodeId], Field(min_length=1)]
    level: Literal["tracks", "measurements"] = Field("tracks", description="measurements: raw detections too")
    covariance_factor: Annotated[float, Field(ge=1.0, le=1e6)] = 1.0
    position_quantum_m: NonNegative = 0.0
    delay_s: NonNegative = 0.0


class Network(_Model):
    """National tracking nodes, the links between them and the release rules (docs/network.md).

    Without a ``network`` section one node, ``joint``, tracks with every sensor's raw data."""

    nodes: Annotated[list[NetworkNode], Field(min_length=1)]
    links: list[Link] = []
    release: list[ReleaseRule] = []
    release_default: Literal["tracks", "none"] = Field("tracks", description="sources no rule names: releasable as tracks to all, or to none")
    picture: NodeId | None = Field(None, description="the node the summary and report lead with (default: 'joint' if present, else the first)")

    @model_validator(mode="after")
    def _graph(self) -> Network:
        check_graph(self)
        return self


class CoverageTarget(_Model):
    """Reference target of a coverage map: a radiant intensity held at one altitude."""

    name: Annotated[Name, Field(min_length=1, max_length=40)]
    altitude_km: Annotated[float, Field(ge=0.0, le=1000.0)]
    intensity_kw_sr: Positive


class Coverage(_Model):
    """Coverage figures of merit over a latitude/longitude grid (`tracklayer coverage`)."""

    lon_min_deg: Longitude = 100.0
    lon_max_deg: Longitude = 180.0
    lat_min_deg: Latitude = -10.0
    lat_max_deg: Latitude = 60.0
    resolution_deg: Annotated[float, Field(ge=0.05, le=10.0)] = 1.0
    duration_s: Annotated[float, Field(gt=0.0, le=30 * 86400.0)] = 86400.0
    step_s: Annotated[float, Field(ge=1.0, le=3600.0)] = 60.0
    pd_min: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    targets: Annotated[list[CoverageTarget], Field(min_length=1)] = [
        CoverageTarget(name="hgv-dim", altitude_km=40.0, intensity_kw_sr=25.0),
        CoverageTarget(name="hgv-bright", altitude_km=40.0, intensity_kw_sr=370.0),
        CoverageTarget(name="boost-100km", altitude_km=100.0, intensity_kw_sr=500.0),
        CoverageTarget(name="boost-15km", altitude_km=15.0, intensity_kw_sr=500.0),
    ]

    @model_validator(mode="after")
    def _box(self) -> Coverage:
        if self.lon_min_deg >= self.lon_max_deg:
            raise ValueError("lon_min_deg must be smaller than lon_max_deg")
        if self.lat_min_deg >= self.lat_max_deg:
            raise ValueError("lat_min_deg must be smaller than lat_max_deg")
        if self.lon_max_deg - self.lon_min_deg > 360.0:
            raise ValueError("the box spans more than 360 deg of longitude")
        cells = ((self.lon_max_deg - self.lon_min_deg) / self.resolution_deg + 1) * ((self.lat_max_deg - self.lat_min_deg) / self.resolution_deg + 1)
        if cells > 2_000_000:
            raise ValueError(f"{cells:,.0f} grid points; at most 2,000,000 are allowed (coarsen resolution_deg)")
        names = [t.name for t in self.targets]
        if len(set(names)) != len(names):
            raise ValueError("targets: names must be unique")
        return self


class Metrics(_Model):
    """Named accuracy qualities and checks of the run's metrics (docs/models.md). All
    notional: the fire-control accuracy threshold is not public (DOMAIN.md Sec. 3)."""

    warning_quality_km: FinitePositive = Field(
        5.0, description="'warning quality': true 3-D position error a held track must be within (a few pixel footprints: enough to cue a radar)")
    fire_control_quality_km: FinitePositive = Field(
        1.0, description="'fire-control quality': a tighter accuracy threshold on track quality only (about one pixel footprint); no engagement is modelled")
    feed_window_s: FinitePositive = Field(10.0, description="a sensor kind fed a track when it detected the threat within this time before")
    miss_tolerance_ballistic_km: FinitePositive = Field(1.0, description="a ballistic threat landing farther from its aim point missed its aim")
    miss_tolerance_glide_km: FinitePositive = Field(1.0, description="a glide vehicle landing farther from its aim point missed its aim")

    def miss_tolerance_m(self) -> dict[str, float]:
        """The miss tolerances by threat kind, m (what `threats.plan.plan_threats` takes)."""
        return {"ballistic": self.miss_tolerance_ballistic_km * 1e3, "hgv": self.miss_tolerance_glide_km * 1e3}

    @model_validator(mode="after")
    def _order(self) -> Metrics:
        if self.fire_control_quality_km > self.warning_quality_km:
            raise ValueError(f"fire_control_quality_km {self.fire_control_quality_km:g} must not exceed warning_quality_km {self.warning_quality_km:g}")
        return self


class ImpactPrediction(_Model):
    """Impact-point prediction and the quality-gated warning time (docs/impact.md)."""

    miss_threshold_km: FinitePositive = Field(
        50.0, description="warning counts once the predicted impact of a ballistic track stays within this of the true impact"
    )
    area_threshold_km2: FinitePositive = Field(
        1.0e6, description="warning counts once the area a glide vehicle can still reach stays below this"
    )
    cadence_s: FinitePositive = Field(10.0, description="interval between rows of the impact table")


class Scenario(_Model):
    """A complete tracklayer scenario."""

    name: Annotated[Name, Field(min_length=1)]
    description: Text = ""
    sources: list[Text] = []
    epoch: dt.datetime
    duration_s: Annotated[float, Field(gt=0.0, le=7 * 86400.0)]
    step_s: Annotated[float, Field(ge=MIN_STEP_S, le=3600.0)] = 1.0
    seed: Annotated[int, Field(ge=0)] = 0
    dut1_s: Annotated[float, Field(ge=-0.9, le=0.9)] = 0.0
    attack_offset_s: Annotated[float, Field(ge=0.0, le=MAX_ATTACK_OFFSET_S)] = 0.0
    nations: Annotated[list[Nation], Field(min_length=1)]
    constellations: list[Constellation] = []
    radars: list[Radar] = []
    threats: Annotated[list[Threat], Field(min_length=1, max_length=MAX_THREATS)]
    tracker: Tracker = Tracker()
    coverage: Coverage = Coverage()
    network: Network | None = None
    metrics: Metrics = Metrics()
    impact: ImpactPrediction = ImpactPrediction()

    @field_validator("epoch")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("epoch needs a time zone, e.g. 2026-01-15T00:00:00Z")
        lo, hi = EPOCH_RANGE
        try:
            utc = value.astimezone(dt.UTC)
        except OverflowError:
            utc = lo - dt.timedelta(days=1)
        if not lo <= utc < hi:
            raise ValueError(f"epoch {value.isoformat()} is outside the supported {lo.year}-01-01 to {hi.year}-01-01")
        return utc

    @property
    def attack_epoch(self) -> dt.datetime:
        """When the simulated window starts: ``epoch + attack_offset_s`` (to the
        microsecond). Threat launch times and every table's ``t_s`` count from it; the
        constellations' elements stay defined at ``epoch``."""
        if self.attack_offset_s == 0.0:
            return self.epoch
        return self.epoch + dt.timedelta(seconds=self.attack_offset_s)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        steps = self.duration_s / self.step_s
        if steps > 2_000_000:
            raise ValueError(f"duration_s / step_s = {steps:.0f} time steps; at most 2,000,000 are allowed")
        nation_ids = {n.id for n in self.nations}
        for group in ("constellations", "radars"):
            for item in getattr(self, group):
                if item.nation not in nation_ids:
                    raise ValueError(f"{group} '{item.name}': nation '{item.nation}' is not among nations {sorted(nation_ids)}")
        for group in ("constellations", "radars", "threats"):
            counts = Counter(item.name for item in getattr(self, group))
            dup = {n for n, k in counts.items() if k > 1}
            if dup:
                raise ValueError(f"{group}: duplicate names {sorted(dup)}")
        for threat in self.threats:
            if threat.launch_time_s >= self.duration_s:
                raise ValueError(f"threats '{threat.name}': launch_time_s {threat.launch_time_s} is after the scenario ends ({self.duration_s} s)")
        if not self.constellations and not self.radars:
            raise ValueError("the scenario has no sensors: give constellations or radars")
        if self.network is not None:
            check_references(self)
        sensor_names = {c.name for c in self.constellations} | {r.name for r in self.radars}
        cued = {c.name for c in self.constellations if c.sensor.cueing is not None}
        for c in self.constellations:
            cue = c.sensor.cueing
            for name in (cue.sources or []) if cue is not None else []:
                if name not in sensor_names:
                    raise ValueError(f"constellations '{c.name}': sensor.cueing.sources: '{name}' is not a constellation or radar of the scenario")
                if name in cued:
                    raise ValueError(f"constellations '{c.name}': sensor.cueing.sources: '{name}' is itself track-cued")
        problem = estimate(self).problem()
        if problem is not None:
            raise ValueError(problem)
        return self
