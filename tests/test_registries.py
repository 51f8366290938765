"""The registries and the scenario schema agree: every registered name is a valid
choice in a scenario, every choice has an implementation, and an unknown name is one
error line listing the valid ones. The contract tests of the entries live with their
packages (tests/tracking/test_registry_contracts.py, tests/network/test_fusion_rules.py,
tests/outputs/test_writers.py, tests/sensors/test_kinds.py)."""

from __future__ import annotations

import copy
import typing

import pytest

from tracklayer.errors import ScenarioError
from tracklayer.network.fusion import FUSION_RULES
from tracklayer.scenario import choices
from tracklayer.scenario.loader import builtin_path, parse_scenario, read_yaml
from tracklayer.scenario.schema import Motion
from tracklayer.tracking.registry import ASSOCIATORS, FILTERS, MOTION_MODELS

REGISTRIES = {
    "motion models": (MOTION_MODELS, choices.MOTION_MODELS),
    "filters": (FILTERS, choices.FILTERS),
    "associators": (ASSOCIATORS, choices.ASSOCIATORS),
    "fusion rules": (FUSION_RULES, choices.FUSION_RULES),
}


@pytest.mark.parametrize("family", REGISTRIES)
def test_every_choice_has_an_implementation_and_a_description(family):
    registry, names = REGISTRIES[family]
    assert list(registry) == list(names)
    assert all(text.strip() for text in names.values())


def test_motion_specs_are_the_registered_models():
    union = typing.get_args(typing.get_args(Motion)[0])
    tags = [typing.get_args(spec.model_fields["model"].annotation)[0] for spec in union]
    assert tags == list(MOTION_MODELS)


@pytest.fixture(scope="module")
def smoke() -> dict:
    return read_yaml(builtin_path("smoke"))


def _with(smoke: dict, field: str, value) -> dict:
    data = copy.deepcopy(smoke)
    if field == "fusion":
        sensors = [c["name"] for c in data["constellations"]] + [r["name"] for r in data["radars"]]
        data["network"] = {"nodes": [{"id": "joint", "sensors": sensors, "fusion": {"method": value}}]}
    else:
        data.setdefault("tracker", {})[field] = value
    return data


CASES = (
    [("filter", name) for name in FILTERS]
    + [("association", name) for name in ASSOCIATORS]
    + [("motion", {"model": name}) for name in MOTION_MODELS]
    + [("fusion", name) for name in FUSION_RULES]
)


@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}-{v}" for f, v in CASES])
def test_every_registered_name_validates(smoke, field, value):
    scenario = parse_scenario(_with(smoke, field, value), "s.yaml")
    if field == "fusion":
        assert scenario.network.nodes[0].fusion.method == value
    elif field == "motion":
        assert scenario.tracker.motion.model == value["model"]
    else:
        assert getattr(scenario.tracker, field) == value


@pytest.mark.parametrize(
    ("field", "value", "names"),
    [
        ("filter", "kalman", FILTERS),
        ("association", "mht", ASSOCIATORS),
        ("motion", {"model": "jerk"}, MOTION_MODELS),
        ("fusion", "naive", FUSION_RULES),
    ],
)
def test_an_unknown_name_is_one_line_listing_the_valid_names(smoke, field, value, names):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_with(smoke, field, value), "s.yaml")
    (line,) = err.value.lines
    assert line.startswith("s.yaml: ")
    assert all(f"'{name}'" in line for name in names), line
