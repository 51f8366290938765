"""What a scenario will cost to run, estimated from its sizes before anything is built.

A valid scenario must also be runnable on an ordinary machine: the schema refuses one
whose estimated memory exceeds `MEMORY_BUDGET_BYTES` or whose estimated run time
exceeds `TIME_LIMIT_S`, and `tracklayer validate`/`run` print a one-line warning when
the run is estimated to take longer than `WARN_TIME_S`. The figures are coarse (a
factor of a few) and deliberately pessimistic; docs/scenario.md lists them.

The sizes that matter: time steps T; satellites S; threats N; radars R; tracking
nodes K; and the detections, true and false, that reach the trackers. A satellite can
detect only the threats above its horizon: true detections are counted for the share
of the globe it sees (`visible_fraction`, generous), not for every threat at every
frame (which overestimated a 200-threat run's memory sevenfold). False alarms
per infrared frame are the given ``false_alarms_per_frame`` or, from the radiometric
model, the look-down false-alarm probability times the pixels in the field of view
(times the pointings per frame of a cued sensor; the limb is a thin ring of it). The tracker's cost grows with the square of the
clutter per time step (every tentative track from a false alarm is gated against the
next steps' detections), which is what makes a cluttered run slow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tracklayer.sensors.presets import GEO_NADIR_M

MEMORY_BUDGET_BYTES = 8 * 1024**3
"""Largest estimated peak memory of a run (8 GiB)."""
WARN_TIME_S = 600.0
"""Estimated run time above which validation warns (10 minutes)."""
TIME_LIMIT_S = 86_400.0
"""Estimated run time above which a scenario is refused (one day)."""

# Bytes per item and items per second, from the arrays the pipeline holds and from the
# run times of the built-in scenarios and of cluttered variants of `smoke` (pessimistic).
_BYTES_PER_SAT_STEP = 400.0      # ECI and ECEF ephemerides, frames, Sun geometry
_BYTES_PER_PAIR_STEP = 120.0     # satellite-threat and radar-threat geometry and radiometry
_BYTES_PER_THREAT_STEP = 400.0   # truth states, signatures
_BYTES_PER_DETECTION = 400.0     # a detection row, kept by the run and copied per node
_PAIR_STEPS_PER_S = 2.0e6
_DETECTIONS_PER_S = 2.0e4
_STEPS_PER_S = 100.0            # per tracking node: the tracker's fixed cost of a step
_CLUTTER_PAIRS_PER_S = 1.0e4     # clutter-per-step squared, summed over steps


@dataclass(frozen=True)
class Estimate:
    """Coarse cost of a run: sizes, peak memory (bytes) and run time (s)."""

    steps: int
    satellites: int
    threats: int
    detections: float
    false_alarms: float
    memory_bytes: float
    time_s: float

    def describe(self) -> str:
        return (f"{self.steps:,} time steps x {self.satellites:,} satellites x {self.threats:,} threats, "
                f"~{self.detections + self.false_alarms:,.0f} detections incl. ~{self.false_alarms:,.0f} false alarms")

    def problem(self) -> str | None:
        """Why the scenario is refused, or None."""
        if self.memory_bytes > MEMORY_BUDGET_BYTES:
            return (f"estimated memory {self.memory_bytes / 1024**3:,.1f} GiB exceeds the {MEMORY_BUDGET_BYTES / 1024**3:.0f} GiB budget "
                    f"({self.describe()}); shorten duration_s, lengthen step_s or use fewer satellites or false alarms")
        if self.time_s > TIME_LIMIT_S:
            return (f"estimated run time {self.time_s / 3600:,.0f} h exceeds the {TIME_LIMIT_S / 3600:.0f} h limit "
                    f"({self.describe()}); shorten duration_s or use fewer satellites or false alarms")
        return None

    def warning(self) -> str | None:
        """A one-line warning when the run is estimated long, or None."""
        if self.time_s > WARN_TIME_S:
            return f"long run: estimated {self.time_s / 60:,.0f} min ({self.describe()})"
        return None


def satellite_count(constellation) -> int:
    """Satellites of one constellation (schema `Constellation`)."""
    if constellation.walker is not None:
        return constellation.walker.planes * constellation.walker.sats_per_plane
    if constellation.elements is not None:
        return len(constellation.elements)
    if constellation.geostationary is not None:
        return len(constellation.geostationary.longitudes_deg)
    if constellation.molniya is not None:
        return len(constellation.molniya.raan_deg)
    if constellation.omm is not None:
        return len(constellation.omm)
    return sum(1 for line in constellation.tle or [] if line.startswith("1 "))


_EARTH_RADIUS_KM = 6371.0
_HIGH_TARGET_KM = 300.0
"""Target height used for a satellite's view: above nearly every glide and boost
sample and much of midcourse, so the visible fraction is on the generous side."""


def _highest_altitude_km(constellation) -> float | None:
    """The highest altitude a constellation's satellites reach, km (None: unknown, e.g. TLEs)."""
    r = _EARTH_RADIUS_KM
    if constellation.walker is not None:
        w = constellation.walker
        return (r + w.altitude_km) * (1.0 + w.eccentricity) - r
    if constellation.geostationary is not None:
        return GEO_NADIR_M / 1e3
    if constellation.molniya is not None:
        return constellation.molniya.a_km * (1.0 + constellation.molniya.eccentricity) - r
    if constellation.elements:
        return max((e.semi_major_axis_km if e.altitude_km is None else r + e.altitude_km) * (1.0 + e.eccentricity) - r
                   for e in constellation.elements)
    return None


def visible_fraction(altitude_km: float | None) -> float:
    """Share of the threats a satellite at ``altitude_km`` can see at all: the spherical
    cap of points at `_HIGH_TARGET_KM` whose line of sight clears the Earth (central
    angle acos(R/(R+h)) + acos(R/(R+h_t))), as a share of the sphere; 1 when unknown.

    >>> round(visible_fraction(1000.0), 2), round(visible_fraction(35786.0), 2)
    (0.16, 0.57)
    """
    if altitude_km is None:
        return 1.0
    r = _EARTH_RADIUS_KM
    reach = math.acos(r / (r + altitude_km)) + math.acos(r / (r + _HIGH_TARGET_KM))
    return (1.0 - math.cos(min(reach, math.pi))) / 2.0


def infrared_false_alarms_per_frame(sensor) -> float:
    """Expected false alarms per frame of one satellite's sensor (schema `InfraredSensor`)."""
    given = sensor.false_alarms_per_frame
    if given is not None:
        return float(given)
    fov = math.radians(sensor.value("field_of_view_deg"))
    pixels = 2.0 * math.pi * (1.0 - math.cos(fov / 2.0)) / (sensor.value("ifov_urad") * 1e-6) ** 2
    pointings = sensor.value("max_targets_per_frame") if sensor.value("field_of_view_deg") < sensor.value("field_of_regard_deg") else 1
    return sensor.value("pfa_look_down") * pixels * pointings


def _copies(scenario, nodes: int) -> int:
    """Copies of a detection row the run holds: the sensing table's and the sensor's own
    node's, plus one per node that receives raw detections (release ``level:
    measurements``); without a network section one node holds them all."""
    if scenario.network is None:
        return 2
    forwarded = max((len(rule.to) for rule in scenario.network.release if rule.level == "measurements"), default=0)
    return 2 + min(forwarded, nodes - 1)


def estimate(scenario) -> Estimate:
    """The coarse cost of running ``scenario`` (schema `Scenario`, validated field by field)."""
    steps = int(scenario.duration_s / scenario.step_s) + 1
    threats = len(scenario.threats)
    nodes = max(1, len(scenario.network.nodes) if scenario.network is not None else 1)
    satellites = 0
    true_dets = 0.0
    false_alarms = 0.0
    for c in scenario.constellations:
        n = satellite_count(c)
        satellites += n
        frames = scenario.duration_s / max(c.sensor.value("revisit_s"), scenario.step_s) * n
        true_dets += frames * threats * visible_fraction(_highest_altitude_km(c))
        false_alarms += frames * infrared_false_alarms_per_frame(c.sensor)
    for r in scenario.radars:
        true_dets += scenario.duration_s / max(r.revisit_s, scenario.step_s) * threats
    pair_steps = float(steps) * (satellites + len(scenario.radars)) * threats
    rows = (true_dets + false_alarms) * _copies(scenario, nodes)
    memory = (steps * satellites * _BYTES_PER_SAT_STEP + pair_steps * _BYTES_PER_PAIR_STEP
              + steps * threats * _BYTES_PER_THREAT_STEP + rows * _BYTES_PER_DETECTION)
    clutter_per_step = false_alarms / steps
    time_s = (pair_steps / _PAIR_STEPS_PER_S + rows / _DETECTIONS_PER_S + nodes * steps / _STEPS_PER_S
              + nodes * steps * clutter_per_step**2 / _CLUTTER_PAIRS_PER_S)
    return Estimate(steps, satellites, threats, true_dets, false_alarms, memory, time_s)
