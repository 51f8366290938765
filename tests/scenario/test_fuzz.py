"""Field-level fuzzing of scenario and campaign files through the CLI: whatever a file
holds, `tracklayer validate` (and `sweep --dry-run`) exit 0, or exit 2 with one
``error: FILE: ...`` line per problem and no traceback; accepted short mutants of
`smoke` also run, or exit 2, within a bounded time. Plus one regression test per
input found to crash or hang before the schema bounded it."""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.scenario.budget import estimate
from tracklayer.scenario.loader import MAX_DEPTH, ScenarioError, builtin_path, load_scenario, parse_scenario, read_yaml

runner = CliRunner()
SMOKE = yaml.safe_load(builtin_path("smoke").read_text())
CAMPAIGN = {
    "name": "fuzz",
    "scenario": "smoke",
    "repetitions": 2,
    "parameters": {
        "planes": {"path": "constellations[0].walker.planes", "values": [3, 4]},
        "raan": {"path": "constellations[0].walker.raan0_deg", "range": [0.0, 30.0]},
    },
    "samples": {"method": "lhs", "n": 3},
}
RUN_SECONDS = 120.0
"""CPU-time bound of one run of an accepted short mutant (a run of 60 s takes ~10 s)."""


@pytest.fixture(autouse=True)
def compiled_engine(monkeypatch):
    """Input handling is what these tests fuzz, and `validate` flies every threat to target
    it: with the NumPy reference of the flight kernel one validation takes ~40 s instead of
    ~2 s, so a hundred mutants would take an hour. The engines are compared elsewhere
    (tests/threats, tests/tracking, test_end_to_end)."""
    from tracklayer.kernels import engine

    monkeypatch.setenv("TRACKLAYER_ENGINE", "numba")
    engine.cache_clear()
    yield
    engine.cache_clear()


def _leaves(data, prefix=()):
    """Every (path, value) of a nested mapping/list, containers included."""
    yield prefix, data
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield from _leaves(value, prefix + (key,))


def _apply(data, path, action, value):
    out = copy.deepcopy(data)
    if not path:
        return value if action == "set" else out
    node = out
    for key in path[:-1]:
        node = node[key]
    if action == "delete":
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


values = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1e30, -1e30, 10**30, -1, 0, 0.0, 1e-300, True, None, "", [], {},
                     "x\x1b[2J\x07", "2026-02-30T00:00:00Z", "9999-12-31T00:00:00Z", [math.nan, 1.0], {"a": 1}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=12),
)


def _mutant(data, draw):
    """``data`` with one field set to a random value, or deleted."""
    paths = [p for p, _ in _leaves(data) if p]
    path = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["set", "set", "delete"]))
    return _apply(data, path, action, draw(values))


def _check_cli(result, label: str) -> None:
    text = result.output
    assert "Traceback" not in text, text
    assert not isinstance(result.exception, BaseException) or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), (result.exit_code, text)
    if result.exit_code == 2:
        errors = [ln for ln in text.splitlines() if ln.startswith("error: ")]
        assert errors, text
        assert all(ln.startswith(f"error: {label}") for ln in errors), text
        assert all(ln.isprintable() for ln in errors), text


def _write(tmp: Path, name: str, data) -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, allow_unicode=False))
    return path


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_validate_never_crashes_on_a_mutated_scenario(tmp_path, data):
    path = _write(tmp_path, "scn.yaml", _mutant(SMOKE, data.draw))
    _check_cli(runner.invoke(app, ["validate", str(path)]), str(path))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_dry_run_never_crashes_on_a_mutated_campaign(tmp_path, data):
    path = _write(tmp_path, "camp.yaml", _mutant(CAMPAIGN, data.draw))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
    _check_cli(result, str(path))


def _short(data):
    d = copy.deepcopy(data)
    d["duration_s"] = 60.0
    for threat in d["threats"]:
        threat["launch_time_s"] = 5.0
    return d


@pytest.mark.slow
@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_accepted_short_mutants_run(tmp_path, data):
    """A short mutant of `smoke` that validates runs to the end or exits 2 in one line."""
    mutant = _mutant(_short(SMOKE), data.draw)
    path = _write(tmp_path, "scn.yaml", mutant)
    try:
        scn = load_scenario(path)
    except ScenarioError:
        return
    if estimate(scn).time_s > 60.0:
        return
    start = time.process_time()
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    _check_cli(result, str(path))
    assert time.process_time() - start < RUN_SECONDS


# ---------------------------------------------------------------------------
# regression: inputs that validated but crashed or hung


def _smoke_with(edit) -> dict:
    d = copy.deepcopy(SMOKE)
    edit(d)
    return d


REGRESSIONS = {
    "nan angle": (lambda d: d["constellations"][0]["walker"].__setitem__("raan0_deg", math.nan), "walker.raan0_deg: Input should be a finite number"),
    "inf angle": (lambda d: d["constellations"][0]["walker"].__setitem__("raan0_deg", math.inf), "walker.raan0_deg: Input should be a finite number"),
    "angle out of domain": (lambda d: d["constellations"][0]["walker"].__setitem__("raan0_deg", 1e20), "walker.raan0_deg: Input should be less than or equal to 360"),
    "inf rate": (lambda d: d["radars"][0].__setitem__("revisit_s", math.inf), "radars[0].revisit_s: Input should be a finite number"),
    "inf false alarms": (lambda d: d["constellations"][0].__setitem__("sensor", {"false_alarms_per_frame": math.inf}), "false_alarms_per_frame: Input should be a finite number"),
    "inf centroid floor": (lambda d: d["constellations"][0].__setitem__("sensor", {"centroid_floor_px": math.inf}), "centroid_floor_px: Input should be a finite number"),
    "inf singer": (lambda d: d.__setitem__("tracker", {"motion": {"model": "singer", "accel_sigma_m_s2": math.inf}}), "accel_sigma_m_s2: Input should be a finite number"),
    "inf assumed bias": (lambda d: d.__setitem__("network", {"nodes": [{"id": "a", "nation": "US"}, {"id": "b", "nation": "JP"}],
                                                             "links": [{"from": "a", "to": "b", "assumed_bias_m": math.inf}]}),
                         "network.links[0].assumed_bias_m: Input should be a finite number"),
    "huge phasing": (lambda d: d["constellations"][0]["walker"].update(planes=1, phasing=10**30), "walker.phasing: Input should be less than or equal to 999"),
    "epoch 9999": (lambda d: d.__setitem__("epoch", "9999-12-31T00:00:00Z"), "epoch: epoch 9999-12-31T00:00:00+00:00 is outside the supported 1950-01-01 to 2100-01-01"),
    "lift to drag 1e9": (lambda d: d["threats"][1].__setitem__("lift_to_drag", 1e9), "threats[1].lift_to_drag: Input should be less than or equal to 8"),
    "1000x1000 walker": (lambda d: d["constellations"][0]["walker"].update(planes=1000, sats_per_plane=1000), "estimated memory"),
    "1e6 false alarms": (lambda d: d["constellations"][0].__setitem__("sensor", {"false_alarms_per_frame": 1e6}), "estimated memory"),
    "100 false alarms": (lambda d: d["constellations"][0].__setitem__("sensor", {"false_alarms_per_frame": 100}), "estimated run time"),
    "step 1e-4": (lambda d: d.update(step_s=1e-4, duration_s=100), "step_s: Input should be greater than or equal to 0.01"),
    "escape in name": (lambda d: d.__setitem__("name", "evil\x1b[2J"), "name: control or non-printing character U+001B is not allowed"),
    "bell in radar name": (lambda d: d["radars"][0].__setitem__("name", "r\x07"), "radars[0].name: control or non-printing character U+0007"),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regression_inputs_are_refused_in_one_line(tmp_path, case):
    edit, expected = REGRESSIONS[case]
    path = _write(tmp_path, "scn.yaml", _smoke_with(edit))
    start = time.process_time()
    result = runner.invoke(app, ["validate", str(path)])
    assert time.process_time() - start < 30.0
    _check_cli(result, str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert expected in lines[0]


def test_invalid_calendar_date_is_one_line(tmp_path):
    path = tmp_path / "scn.yaml"
    path.write_text(builtin_path("smoke").read_text().replace("epoch: 2026-03-15T00:00:00Z", "epoch: 2026-02-30T00:00:00Z"))
    result = runner.invoke(app, ["validate", str(path)])
    _check_cli(result, str(path))
    assert result.exit_code == 2
    assert "invalid date or time '2026-02-30T00:00:00Z'" in result.output


BOMB = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize("command", ["validate", "sweep"])
def test_alias_bomb_is_refused_quickly(tmp_path, command):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 600
    start = time.process_time()
    args = [command, str(path)] + (["--out", str(tmp_path / "out"), "--dry-run"] if command == "sweep" else [])
    result = runner.invoke(app, args)
    assert time.process_time() - start < 5.0
    _check_cli(result, str(path))
    assert result.exit_code == 2
    assert "aliases are expanded" in result.output


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match=f"nested deeper than {MAX_DEPTH} levels"):
        read_yaml(path)


def test_anchors_within_the_bounds_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("site: &s {lat_deg: 1.0, lon_deg: 2.0}\nother: *s\n")
    assert read_yaml(path) == {"site": {"lat_deg": 1.0, "lon_deg": 2.0}, "other": {"lat_deg": 1.0, "lon_deg": 2.0}}


@pytest.mark.parametrize("key, size", [("values", 100_000), ("samples", 200_000)])
def test_huge_campaigns_are_refused_quickly(tmp_path, key, size):
    camp = copy.deepcopy(CAMPAIGN)
    if key == "values":
        camp["parameters"]["planes"]["values"] = list(range(size))
    else:
        camp["samples"]["n"] = size
    path = _write(tmp_path, "camp.yaml", camp)
    start = time.process_time()
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
    assert time.process_time() - start < 20.0
    _check_cli(result, str(path))
    assert result.exit_code == 2
    assert "10000" in result.output.replace(",", "")


def test_repeated_campaign_values_found_by_hashing(tmp_path):
    camp = copy.deepcopy(CAMPAIGN)
    camp["parameters"]["planes"]["values"] = list(range(5000)) + [7]
    path = _write(tmp_path, "camp.yaml", camp)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run"])
    assert result.exit_code == 2
    assert "values repeat: 7" in result.output


def test_long_run_warns_in_one_line(tmp_path):
    d = _smoke_with(lambda d: d["constellations"][0].__setitem__("sensor", {"false_alarms_per_frame": 10}))
    path = _write(tmp_path, "scn.yaml", d)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    warnings = [ln for ln in result.output.splitlines() if ln.startswith("warning: ")]
    assert len(warnings) == 1 and "long run: estimated" in warnings[0]


def test_estimate_grows_with_the_sizes():
    base = estimate(load_scenario("smoke"))
    assert base.problem() is None and base.warning() is None
    double = estimate(parse_scenario(_smoke_with(lambda d: d.update(duration_s=1800)), "x"))
    assert double.memory_bytes > 1.5 * base.memory_bytes and double.time_s > 1.5 * base.time_s
