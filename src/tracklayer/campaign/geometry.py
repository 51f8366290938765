"""Geometry draws: what a campaign re-draws for every repetition besides the noise.

A campaign's ``geometry`` section (docs/campaigns.md) names quantities of the attack
that are drawn afresh for every repetition: the attack time (the scenario's
``attack_offset_s``: the constellation's phase and the Earth's and Sun's orientation
relative to the launches), each threat's preset, and its launch and aim points in a
latitude/longitude box. The draws of repetition ``r`` depend only on the campaign
seed, ``r`` and the name of the quantity (`tracklayer.campaign.seeds.geometry_rng`),
never on the design point: every design point meets the same attacks (common random
numbers), so differences between points are not blurred by different geometries,
and adding a quantity to draw leaves the others' draws unchanged.

>>> from tracklayer.campaign.geometry import Geometry, draw
>>> g = Geometry.model_validate({"attack_time": {"over_s": 86400}})
>>> d = draw(g, [], seed=1, repetition=0)
>>> 0.0 <= d["attack_offset_s"] < 86400.0
True
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracklayer.campaign.seeds import geometry_rng
from tracklayer.earth.constants import DEG
from tracklayer.scenario.schema import MAX_ATTACK_OFFSET_S
from tracklayer.threats.presets import BALLISTIC_PRESETS, GLIDE_PRESETS

__all__ = ["Geometry", "AttackTime", "Box", "ALL", "draw", "apply", "check_threats", "PRESETS_BY_KIND"]

ALL = "*"
"""Key of a setting that applies to every threat (written without a threat name)."""
PRESETS_BY_KIND = {"ballistic": tuple(BALLISTIC_PRESETS), "hgv": tuple(GLIDE_PRESETS)}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AttackTime(_Model):
    """The attack offset is drawn uniformly in ``[0, over_s)`` seconds after the scenario epoch."""

    over_s: Annotated[float, Field(gt=0.0, le=MAX_ATTACK_OFFSET_S)]


class Box(_Model):
    """A latitude/longitude box, degrees; points are drawn uniformly over its area."""

    lat: tuple[float, float]
    lon: tuple[float, float]

    @model_validator(mode="after")
    def _not_empty(self) -> Box:
        (a, b), (c, d) = self.lat, self.lon
        if not (-90.0 <= a <= b <= 90.0):
            raise ValueError(f"lat must be [south, north] with -90 <= south <= north <= 90 (got [{a:g}, {b:g}]: an empty region)")
        if not (-180.0 <= c <= d <= 360.0) or d - c > 360.0:
            raise ValueError(f"lon must be [west, east] with -180 <= west <= east <= 360 (got [{c:g}, {d:g}]: an empty region)")
        return self


def _by_threat(value: Any, plain: type) -> Any:
    """A setting given without threat names applies to every threat (key `ALL`)."""
    if value is None:
        return None
    if plain is list and isinstance(value, list):
        return {ALL: value}
    if plain is Box and isinstance(value, dict) and value and set(value) <= {"lat", "lon"}:
        return {ALL: value}
    return value


class Geometry(_Model):
    """A campaign's ``geometry`` section."""

    attack_time: AttackTime | None = None
    threat_presets: dict[str, Annotated[list[str], Field(min_length=1)]] | None = None
    launch_box_deg: dict[str, Box] | None = None
    aim_box_deg: dict[str, Box] | None = None

    @field_validator("threat_presets", mode="before")
    @classmethod
    def _presets_for_all(cls, value: Any) -> Any:
        return _by_threat(value, list)

    @field_validator("launch_box_deg", "aim_box_deg", mode="before")
    @classmethod
    def _box_for_all(cls, value: Any) -> Any:
        return _by_threat(value, Box)

    @field_validator("threat_presets")
    @classmethod
    def _known_presets(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        known = {p for names in PRESETS_BY_KIND.values() for p in names}
        for key, presets in (value or {}).items():
            unknown = [p for p in presets if p not in known]
            if unknown:
                where = "" if key == ALL else f"{key}: "
                raise ValueError(f"{where}unknown presets {unknown} (ballistic: {', '.join(PRESETS_BY_KIND['ballistic'])}; "
                                 f"hgv: {', '.join(PRESETS_BY_KIND['hgv'])})")
            if len(set(presets)) != len(presets):
                raise ValueError(f"{'' if key == ALL else key + ': '}presets repeat")
        return value

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in type(self).model_fields)


def _setting(mapping: dict[str, Any] | None, threat: str) -> Any:
    if not mapping:
        return None
    return mapping.get(threat, mapping.get(ALL))


def _presets_for(geometry: Geometry, threat: dict) -> list[str] | None:
    """The presets a threat draws from: those listed for it that fit its kind."""
    listed = _setting(geometry.threat_presets, threat["name"])
    if listed is None:
        return None
    return [p for p in listed if p in PRESETS_BY_KIND[threat["kind"]]]


def check_threats(geometry: Geometry, threats: list[dict]) -> list[str]:
    """Problems (``field: problem``) of a geometry section against the base scenario's
    threats: unknown threat names, and presets that fit no threat or a threat none fits."""
    names = [t["name"] for t in threats]
    problems = []
    for field in ("threat_presets", "launch_box_deg", "aim_box_deg"):
        for key in getattr(geometry, field) or {}:
            if key != ALL and key not in names:
                problems.append(f"geometry.{field}.{key}: no threat of that name in the scenario (threats: {', '.join(names)})")
    if geometry.threat_presets:
        for key, presets in geometry.threat_presets.items():
            targets = [t for t in threats if key == ALL and t["name"] not in geometry.threat_presets or t["name"] == key]
            where = "geometry.threat_presets" + ("" if key == ALL else f".{key}")
            for t in targets:
                if not _presets_for(geometry, t):
                    problems.append(f"{where}: none of {presets} is a preset of {t['kind']} threat '{t['name']}' "
                                    f"({', '.join(PRESETS_BY_KIND[t['kind']])})")
            kinds = {t["kind"] for t in targets}
            unused = [p for p in presets if not any(p in PRESETS_BY_KIND[k] for k in kinds)]
            if targets and unused:
                problems.append(f"{where}: presets {unused} fit none of the threats they apply to")
    return problems


def _point_in(box: Box, rng: np.random.Generator) -> dict[str, float]:
    """A point uniform over the box's area on the sphere (uniform in sin(latitude))."""
    u, v = rng.random(2)
    s0, s1 = np.sin(np.asarray(box.lat) * DEG)
    lat = float(np.arcsin(s0 + u * (s1 - s0)) / DEG)
    lon = float(box.lon[0] + v * (box.lon[1] - box.lon[0]))
    return {"lat_deg": lat, "lon_deg": lon}


def draw(geometry: Geometry, threats: list[dict], seed: int, repetition: int) -> dict[str, Any]:
    """The draws of one repetition (JSON-ready): ``attack_offset_s`` and, per threat
    name, ``preset``, ``launch`` and ``aim`` ({lat_deg, lon_deg}) where drawn."""
    out: dict[str, Any] = {}
    if geometry.attack_time is not None:
        u = geometry_rng(seed, repetition, "attack_time").random()
        out["attack_offset_s"] = float(u * geometry.attack_time.over_s)
    per_threat: dict[str, dict] = {}
    for t in threats:
        name = t["name"]
        mine: dict[str, Any] = {}
        presets = _presets_for(geometry, t)
        if presets:
            mine["preset"] = presets[int(geometry_rng(seed, repetition, f"preset/{name}").integers(len(presets)))]
        for field, key in (("launch_box_deg", "launch"), ("aim_box_deg", "aim")):
            box = _setting(getattr(geometry, field), name)
            if box is not None:
                mine[key] = _point_in(box, geometry_rng(seed, repetition, f"{key}/{name}"))
        if mine:
            per_threat[name] = mine
    if per_threat:
        out["threats"] = per_threat
    return out


def apply(data: dict, draws: dict[str, Any]) -> dict:
    """Scenario data with a repetition's draws applied (a copy; the drawn attack offset
    is added to the scenario's own ``attack_offset_s``)."""
    if not draws:
        return data
    data = copy.deepcopy(data)
    if "attack_offset_s" in draws:
        data["attack_offset_s"] = float(data.get("attack_offset_s", 0.0)) + draws["attack_offset_s"]
    drawn = draws.get("threats", {})
    for threat in data["threats"]:
        mine = drawn.get(threat["name"], {})
        if "preset" in mine:
            threat["preset"] = mine["preset"]
        for key in ("launch", "aim"):
            if key in mine:
                threat[key] = {**threat[key], **mine[key]}
    return data
