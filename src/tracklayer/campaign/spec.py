"""Campaign files: a base scenario, the parameters to vary and the Monte Carlo
repetitions of every design point (format: docs/campaigns.md).

A campaign is validated once, here, like a scenario: every problem becomes a
`CampaignError` whose lines read ``FILE: field.path: problem``. Field paths of the
base scenario (``constellations[0].walker.planes``) must exist in it; a design point
whose edited scenario does not validate is *not* an error of the campaign: it is
planned like any other point and recorded as a failed run with its error.

>>> from tracklayer.campaign.spec import load_campaign          # doctest: +SKIP
>>> campaign = load_campaign("tranche-partners")                  # doctest: +SKIP
>>> len(campaign.points), len(campaign.runs)                      # doctest: +SKIP
(30, 90)
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tracklayer.campaign import geometry as geo
from tracklayer.campaign.seeds import canonical_json, point_key, run_key, run_seed, sampling_seed_sequence
from tracklayer.errors import ScenarioError
from tracklayer.scenario.loader import builtin_names, builtin_path, error_lines, parse_scenario, read_catalog_files, read_yaml
from tracklayer.scenario.schema import Name as PrintableName
from tracklayer.scenario.schema import Scenario, Text

__all__ = [
    "CampaignError", "CampaignSpec", "Parameter", "Sampling", "Campaign", "Point", "RunSpec",
    "load_campaign", "builtin_campaigns", "parse_path", "format_path", "value_label", "value_number", "PARTNERS",
]

PARTNERS = "partners"
"""Virtual field path: the nation ids whose constellations and radars the scenario keeps."""

MAX_RUNS = 1_000_000
MAX_POINTS = 10_000
"""Most design points (values of a parameter, samples, grid size): each point's scenario
is validated when the campaign is planned."""
_BUILTIN_PACKAGE = "tracklayer.campaign.builtin"
RESERVED_NAMES = frozenset(
    {"run_key", "point_key", "point_index", "repetition", "seed", "status", "error", "satellites", "radars",
     "threats", "threat", "kind", "node", "metric", "value", "n", "mean", "std", "ci_low", "ci_high",
     "median", "p10", "p90", "worst", "attack_offset_s", "draws_json"}
)
"""Column names of the results tables, which parameter names may not take."""


class CampaignError(ScenarioError):
    """Invalid campaign input; ``lines`` holds one ``FILE: field: problem`` line per problem."""


# ---------------------------------------------------------------------------
# field paths


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(text: str) -> tuple[str | int, ...]:
    """``"constellations[0].walker.planes"`` -> ``("constellations", 0, "walker", "planes")``."""
    text = text.strip()
    first = _NAME.match(text)
    if first is None:
        raise ValueError(f"'{text}' is not a field path (e.g. constellations[0].walker.planes)")
    parts: list[str | int] = [first.group(0)]
    pos = first.end()
    while pos < len(text):
        step = _STEP.match(text, pos)
        if step is None:
            raise ValueError(f"'{text}' is not a field path: cannot read '{text[pos:]}' (use .field or [index])")
        parts.append(step.group(1) if step.group(1) is not None else int(step.group(2)))
        pos = step.end()
    return tuple(parts)


def format_path(parts: tuple[str | int, ...]) -> str:
    """Inverse of `parse_path`."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _locate(data: Any, parts: tuple[str | int, ...]) -> tuple[Any, str | int]:
    """The container holding the field at ``parts`` and its key; ValueError if absent."""
    node = data
    for depth, part in enumerate(parts):
        where = format_path(parts[:depth]) or "the scenario"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ValueError(f"{where} is not a list")
            if part >= len(node):
                raise ValueError(f"{where} has {len(node)} item(s); index {part} does not exist")
        else:
            if not isinstance(node, dict):
                raise ValueError(f"{where} is a value, not a group of fields")
            if part not in node:
                raise ValueError(f"'{part}' is not a field of {where} (fields: {', '.join(node)})")
        if depth == len(parts) - 1:
            return node, part
        node = node[part]
    raise ValueError("empty field path")  # pragma: no cover - parse_path never returns ()


def _set(data: Any, parts: tuple[str | int, ...], value: Any) -> None:
    container, key = _locate(data, parts)
    container[key] = copy.deepcopy(value)


def value_label(value: Any) -> str:
    """A short text for a parameter value (``US+JP`` for a partner mix)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "+".join(value)
    return canonical_json(value)


def value_number(value: Any) -> float | None:
    """The value as a number, or None when it is not one."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


# ---------------------------------------------------------------------------
# the file format


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=40)]


class Parameter(_Model):
    """One varied quantity: a grid axis (``values``) or a sampled interval (``range``).

    ``path`` is a scenario field path, a list of them (all take the same value), or
    ``partners`` (the value is a list of nation ids whose sensors and tracking nodes
    are kept; the others are left out of the run).
    Parameters with the same ``group`` vary together (their ``values`` are zipped)
    instead of forming a grid. ``condition: true`` marks a parameter that describes
    the threat or the environment rather than the architecture (e.g. a glide
    vehicle's signature preset): Pareto fronts of designs average over it.
    """

    path: PrintableName | Annotated[list[PrintableName], Field(min_length=1)]
    values: Annotated[list[Any], Field(min_length=1, max_length=MAX_POINTS)] | None = None
    range: tuple[float, float] | None = None
    integer: bool = False
    group: Name | None = None
    condition: bool = False

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path,) if isinstance(self.path, str) else tuple(self.path)

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        for p in self.paths:
            if p.strip() != PARTNERS:
                parse_path(p)
        if PARTNERS in [p.strip() for p in self.paths] and len(self.paths) > 1:
            raise ValueError(f"'{PARTNERS}' cannot share a parameter with other paths")
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values (a grid or list) or range (sampled)")
        if self.values is not None:
            try:
                texts = Counter(canonical_json(v) for v in self.values)
            except (ValueError, TypeError):
                raise ValueError("values must be finite numbers, strings, booleans, or lists and mappings of them") from None
            dup = sorted(t for t, k in texts.items() if k > 1)
            if dup:
                raise ValueError(f"values repeat: {', '.join(dup)}")
            if self.integer:
                raise ValueError("integer applies to sampled ranges only")
        if self.range is not None:
            lo, hi = self.range
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ValueError(f"range must be [low, high] with low < high (got [{lo}, {hi}])")
            if self.integer and (lo != int(lo) or hi != int(hi)):
                raise ValueError("an integer range needs whole-number bounds")
            if self.group is not None:
                raise ValueError("group applies to values, not to sampled ranges")
        if self.paths[0].strip() == PARTNERS:
            if self.values is None:
                raise ValueError("partners takes values (lists of nation ids), not a range")
            for v in self.values:
                if not (isinstance(v, list) and v and all(isinstance(n, str) for n in v) and len(set(v)) == len(v)):
                    raise ValueError(f"a partners value is a list of distinct nation ids, e.g. [US, JP] (got {v!r})")
        return self


class Sampling(_Model):
    """How the ``range`` parameters are sampled: ``n`` points, Latin hypercube or random."""

    method: Literal["lhs", "random"] = "lhs"
    n: Annotated[int, Field(ge=1, le=MAX_POINTS)]


class CampaignSpec(_Model):
    """A campaign file, as written."""

    name: Annotated[PrintableName, Field(min_length=1)]
    description: Text = ""
    scenario: Annotated[PrintableName, Field(min_length=1)]
    seed: Annotated[int, Field(ge=0)] = 0
    repetitions: Annotated[int, Field(ge=1, le=100_000)] = 1
    overrides: dict[PrintableName, Any] = {}
    parameters: dict[Name, Parameter] = {}
    samples: Sampling | None = None
    geometry: geo.Geometry | None = None

    @field_validator("parameters")
    @classmethod
    def _names(cls, parameters: dict[str, Parameter]) -> dict[str, Parameter]:
        from tracklayer.metrics.threat_metrics import METRIC_COLUMNS

        clash = sorted(n for n in parameters if n in RESERVED_NAMES or n in METRIC_COLUMNS)
        if clash:
            raise ValueError(f"parameter names {clash} are taken by result columns; choose others")
        return parameters

    @model_validator(mode="after")
    def _design(self) -> CampaignSpec:
        sampled = [n for n, p in self.parameters.items() if p.range is not None]
        if sampled and self.samples is None:
            raise ValueError(f"parameters {sampled} give a range: add samples: {{n: N, method: lhs}}")
        if self.samples is not None and not sampled:
            raise ValueError("samples is given but no parameter has a range")
        size = self.samples.n if self.samples is not None else 1
        for group, members in self._groups().items():
            lengths = {n: len(self.parameters[n].values or []) for n in members}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"group '{group}': values differ in length {lengths}")
            size *= next(iter(lengths.values()))
        for p in self.parameters.values():
            if p.values is not None and p.group is None:
                size *= len(p.values)
        if size > MAX_POINTS:
            raise ValueError(f"{size:,} design points exceed {MAX_POINTS:,} (each is a scenario to validate and run)")
        if size * self.repetitions > MAX_RUNS:
            raise ValueError(f"{size} design points x {self.repetitions} repetitions exceed {MAX_RUNS:,} runs")
        for path in self.overrides:
            parse_path(path)
        return self

    def _groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for name, p in self.parameters.items():
            if p.group is not None:
                groups.setdefault(p.group, []).append(name)
        return groups


# ---------------------------------------------------------------------------
# the resolved campaign


@dataclass(frozen=True)
class Point:
    """A design point: one value per parameter and the scenario edits they make."""

    index: int
    key: str
    values: dict[str, Any]
    edits: tuple[tuple[str, Any], ...]

    def label(self) -> str:
        return ", ".join(f"{k}={value_label(v)}" for k, v in self.values.items()) or "base scenario"


@dataclass(frozen=True)
class RunSpec:
    """One Monte Carlo repetition of a design point."""

    key: str
    point: Point
    repetition: int
    seed: int
    draws: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Campaign:
    """A validated campaign with its base scenario resolved.

    ``base`` is the base scenario's data (every field, defaults included) with the
    campaign's overrides applied; ``fingerprint`` identifies the base scenario as
    written, the overrides and the campaign seed, so that a results folder is never
    resumed with a different campaign under the same run keys.
    """

    spec: CampaignSpec
    source: str
    base: dict
    fingerprint: str

    @cached_property
    def points(self) -> list[Point]:
        """The design points, in plan order (grid axes in the order the parameters are
        written, a group at the place of its first member, samples last); points that
        make the same edits are kept once."""
        spec = self.spec
        axes: list[list[dict[str, Any]]] = []
        groups = spec._groups()
        done: set[str] = set()
        for name, p in spec.parameters.items():
            if p.values is None:
                continue
            if p.group is None:
                axes.append([{name: v} for v in p.values])
            elif p.group not in done:
                done.add(p.group)
                members = groups[p.group]
                axes.append([dict(zip(members, row)) for row in zip(*(spec.parameters[m].values for m in members))])
        sampled = [n for n, p in spec.parameters.items() if p.range is not None]
        if sampled:
            axes.append(self._samples(sampled))
        out: list[Point] = []
        seen: set[str] = set()
        for combo in itertools.product(*axes):
            merged = {k: v for part in combo for k, v in part.items()}
            values = {n: merged[n] for n in spec.parameters}
            edits = tuple((path.strip(), v) for n, v in values.items() for path in spec.parameters[n].paths)
            key = point_key(list(edits))
            if key not in seen:
                seen.add(key)
                out.append(Point(len(out), key, values, edits))
        return out

    def _samples(self, names: list[str]) -> list[dict[str, Any]]:
        from scipy.stats import qmc

        sampling = self.spec.samples
        assert sampling is not None
        rng = np.random.default_rng(sampling_seed_sequence(self.spec.seed))
        if sampling.method == "lhs":
            unit = qmc.LatinHypercube(d=len(names), rng=rng).random(sampling.n)
        else:
            unit = rng.random((sampling.n, len(names)))
        rows = []
        for u in unit:
            row: dict[str, Any] = {}
            for name, x in zip(names, u):
                lo, hi = self.spec.parameters[name].range  # type: ignore[misc]
                if self.spec.parameters[name].integer:
                    row[name] = int(min(np.floor(lo + x * (hi - lo + 1.0)), hi))
                else:
                    row[name] = float(lo + x * (hi - lo))
            rows.append(row)
        return rows

    @cached_property
    def runs(self) -> list[RunSpec]:
        """Every run: each point's repetitions in turn, with their keys, seeds and
        geometry draws (the same draws for repetition r of every point)."""
        draws = [self.draws(r) for r in range(self.spec.repetitions)]
        return [
            RunSpec(run_key(p.key, r), p, r, run_seed(self.spec.seed, p.key, r), draws[r])
            for p in self.points
            for r in range(self.spec.repetitions)
        ]

    def draws(self, repetition: int) -> dict:
        """The geometry draws of a repetition (`tracklayer.campaign.geometry.draw`); {}
        without a ``geometry`` section."""
        g = self.spec.geometry
        if g is None or g.is_empty():
            return {}
        return geo.draw(g, self.base["threats"], self.spec.seed, repetition)

    def scenario_data(self, point: Point) -> dict:
        """The base scenario data with the point's field-path edits (a partner mix is
        not an edit: see `without`)."""
        data = copy.deepcopy(self.base)
        for path, value in point.edits:
            if path != PARTNERS:
                _set(data, parse_path(path), value)
        return data

    def without(self, point: Point) -> tuple[str, ...]:
        """The nations a point's partner mix leaves out, in the scenario's order: the
        run drops their sensors and tracking nodes but keeps the same physics and
        random draws (`tracklayer.api.run`'s ``without``), so the difference between
        mixes is the partners' contribution, not a different sample."""
        for path, value in point.edits:
            if path == PARTNERS:
                return tuple(n["id"] for n in self.base["nations"] if n["id"] not in set(value))
        return ()

    def point_source(self, point: Point) -> str:
        """How errors of a point's scenario name it."""
        return f"{self.source} point {point.index} ({point.label()})"

    def scenario(self, point: Point) -> Scenario:
        """The validated scenario of a point; `ScenarioError` if the edits make it invalid."""
        return parse_scenario(self.scenario_data(point), self.point_source(point))


# ---------------------------------------------------------------------------
# loading


def builtin_campaigns() -> list[str]:
    """Names of the built-in campaigns."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _resolve(source: str | Path) -> tuple[Path, str]:
    path = Path(source)
    if path.is_file():
        return path, str(path)
    if str(source) in builtin_campaigns():
        return Path(str(resources.files(_BUILTIN_PACKAGE).joinpath(f"{source}.yaml"))), f"{source} (built-in)"
    if path.exists():
        raise CampaignError([f"{source}: not a file"])
    raise CampaignError([f"{source}: no such file, and not a built-in campaign (built-ins: {', '.join(builtin_campaigns())})"])


def _base_file(spec: CampaignSpec, folder: Path, label: str) -> Path:
    candidate = folder / spec.scenario
    if candidate.is_file():
        return candidate
    if spec.scenario in builtin_names():
        return builtin_path(spec.scenario)
    raise CampaignError(
        [f"{label}: scenario: '{spec.scenario}' is neither a file next to the campaign nor a built-in scenario "
         f"(built-ins: {', '.join(builtin_names())})"]
    )


def _fingerprint(raw_base: Any, spec: CampaignSpec) -> str:
    what = {"scenario": raw_base, "overrides": spec.overrides, "seed": spec.seed}
    if spec.geometry is not None and not spec.geometry.is_empty():
        what["geometry"] = spec.geometry.model_dump(mode="json")
    blob = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def load_campaign(source: str | Path) -> Campaign:
    """Load and validate a campaign from a file path or a built-in name.

    Raises `CampaignError` (lines ``FILE: field: problem``) when the file, its base
    scenario, the overrides or a parameter's field path is invalid, or when a
    partner mix names a nation the base scenario does not have.
    """
    path, label = _resolve(source)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise CampaignError([f"{label}: the file must hold a mapping of campaign fields, got {type(data).__name__}"])
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise CampaignError(error_lines(exc, label)) from None

    base_path = _base_file(spec, path.parent, label)
    raw_base = read_yaml(base_path)
    try:
        if isinstance(raw_base, dict):  # element-set files read here, so the fingerprint covers their contents
            raw_base = read_catalog_files(raw_base, str(base_path), base_path.parent)
        base_scn = parse_scenario(raw_base, str(base_path))
    except ScenarioError as exc:
        raise CampaignError([f"{label}: scenario: {line}" for line in exc.lines]) from None
    base = base_scn.model_dump(mode="json")

    problems: list[str] = []
    for text, value in spec.overrides.items():
        try:
            _set(base, parse_path(text), value)
        except ValueError as exc:
            problems.append(f"{label}: overrides.{text}: {exc}")
    if problems:
        raise CampaignError(problems)
    try:
        parse_scenario(base, f"{label} (scenario with overrides)")
    except ScenarioError as exc:
        raise CampaignError(exc.lines) from None

    nations = {n["id"] for n in base["nations"]}
    for name, p in spec.parameters.items():
        for text in p.paths:
            if text.strip() == PARTNERS:
                unknown = sorted({n for mix in p.values or [] for n in mix} - nations)
                if unknown:
                    problems.append(f"{label}: parameters.{name}.values: nations {unknown} are not in the scenario's nations {sorted(nations)}")
                continue
            try:
                _locate(base, parse_path(text))
            except ValueError as exc:
                problems.append(f"{label}: parameters.{name}.path: {exc}")
    if spec.geometry is not None:
        problems += [f"{label}: {line}" for line in geo.check_threats(spec.geometry, base["threats"])]
    if problems:
        raise CampaignError(problems)
    return Campaign(spec, label, base, _fingerprint(raw_base, spec))
