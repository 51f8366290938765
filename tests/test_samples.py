"""Sampling a scenario over attack time: `api.sample` and `tracklayer run --samples`."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from tracklayer import api
from tracklayer.campaign.geometry import AttackTime, Geometry, draw
from tracklayer.cli import app
from tracklayer.io.tables import read_parquet
from tracklayer.scenario.loader import load_scenario


@pytest.fixture(scope="module")
def short():
    """The smoke scenario cut to 300 s (both threats launch within it)."""
    return load_scenario("smoke").model_copy(update={"duration_s": 300.0})


@pytest.fixture(scope="module")
def drawn(short):
    return api.sample(short, 2, seed=4)


def test_samples_are_runs_at_the_drawn_attack_times(short, drawn):
    offsets = [draw(Geometry(attack_time=AttackTime(over_s=86400.0)), [], 4, k)["attack_offset_s"] for k in range(2)]
    assert sorted(set(drawn["sample"].tolist())) == [0, 1]
    for k in range(2):
        rows = drawn.take(drawn["sample"] == k)
        assert np.all(rows["attack_offset_s"] == offsets[k]) and 0 < offsets[k] < 86400
        # sample k is exactly the run of the scenario at that offset with the sample's seed
        again = api.run(short.model_copy(update={"attack_offset_s": offsets[k]}), seed=int(rows["seed"][0]))
        np.testing.assert_array_equal(rows["custody_fraction"], again.metrics["custody_fraction"])
        assert rows["threat"].tolist() == again.metrics["threat"].tolist()


def test_same_seed_same_samples(short, drawn):
    again = api.sample(short, 2, seed=4)
    for name in drawn.columns:
        np.testing.assert_array_equal(drawn[name], again[name])


def test_cli_samples_writes_the_one_draw_run_and_the_samples(tmp_path, short):
    path = tmp_path / "short.yaml"
    import yaml

    path.write_text(yaml.safe_dump(short.model_dump(mode="json")))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--samples", "2", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "over 2 attack times" in result.output and "10-90 %" in result.output
    samples = read_parquet(tmp_path / "out" / "samples.parquet")
    assert samples.num_rows == 2 * len(short.threats) * len(set(samples["node"].tolist()))
    assert (tmp_path / "out" / "metrics.parquet").is_file()
    # a plain run into the same folder removes the samples of the earlier one
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0 and not (tmp_path / "out" / "samples.parquet").exists()


def test_negative_samples_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["run", "smoke", "--out", str(tmp_path / "o"), "--samples", "-1"])
    assert result.exit_code == 2 and "Traceback" not in result.output
