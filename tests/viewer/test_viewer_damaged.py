"""A damaged run folder (files cut short, overwritten, rewritten by another program) is
refused with one line naming the file and the problem, by the loader and by `tracklayer view`."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tracklayer.cli import app
from tracklayer.viewer.data import RunFolderError, build_view


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _rewrite(path, change):
    pq.write_table(change(pq.read_table(path)), path)


def _set_column(name, values):
    def change(t):
        return t.set_column(t.column_names.index(name), name, values(t))
    return change


DAMAGES = {
    "run.json truncated": ("run.json", _truncate, "run.json: not readable JSON"),
    "run.json garbage": ("run.json", lambda p: p.write_bytes(b"\x00\xff\xfe garbage"), "run.json: not readable JSON"),
    "run.json an array": ("run.json", lambda p: p.write_text("[1, 2]"), "run.json: expected a JSON object, found list"),
    "run.json epoch a number": ("run.json", lambda p: p.write_text('{"epoch": 5}'), "run.json: field epoch should be str, found int"),
    "run.json epoch not a time": ("run.json", lambda p: p.write_text('{"epoch": "yesterday"}'), "run.json: field epoch is not a UTC time"),
    "run.json GCRS tables": ("run.json", lambda p: p.write_text('{"epoch": "2026-03-15T00:00:00+00:00", "eci_frame": "GCRS"}'),
                             "run.json: tables written in GCRS; the viewer shows runs written in TEME"),
    "scene.czml truncated": ("scene.czml", _truncate, "scene.czml: not readable JSON"),
    "scene.czml an object": ("scene.czml", lambda p: p.write_text('{"a": 1}'), "scene.czml: expected a JSON array, found dict"),
    "scene.czml packet a number": ("scene.czml", lambda p: p.write_text("[5]"), "scene.czml: packet 0 should be an object"),
    "scene.czml clock a number": ("scene.czml", lambda p: p.write_text('[{"clock": 5}]'), "scene.czml: field clock of the document packet"),
    "scene.czml bad interval": ("scene.czml", lambda p: p.write_text('[{"clock": {"interval": "x/y"}}]'), "scene.czml: field clock.interval is not a UTC time"),
    "scene.czml satellite without positions": (
        "scene.czml", lambda p: p.write_text('[{"id": "document"}, {"id": "satellite/a", "name": "a", "position": {"cartesian": [1, 2, 3]}}]'),
        "scene.czml: packet 'satellite/a' is not as `tracklayer run` writes it"),
    "scene.czml radar without properties": (
        "scene.czml", lambda p: p.write_text('[{"id": "document"}, {"id": "sensor/r", "name": "r", "properties": {"nation": "US"}}]'),
        "scene.czml: packet 'sensor/r' is not as `tracklayer run` writes it"),
    "truth.parquet truncated": ("truth.parquet", _truncate, "truth.parquet: not a readable Parquet table"),
    "tracks.parquet garbage": ("tracks.parquet", lambda p: p.write_bytes(b"PAR1" + bytes(300) + b"PAR1"), "tracks.parquet: not a readable Parquet table"),
    "detections.parquet column renamed": (
        "detections.parquet", lambda p: _rewrite(p, lambda t: t.rename_columns(["time" if c == "t_s" else c for c in t.column_names])),
        "detections.parquet: missing column(s) t_s"),
    "truth.parquet times as text": (
        "truth.parquet", lambda p: _rewrite(p, _set_column("t_s", lambda t: pa.array([str(x) for x in t.column("t_s").to_pylist()]))),
        "truth.parquet: column t_s should hold numbers, found object"),
    "tracks.parquet node as numbers": (
        "tracks.parquet", lambda p: _rewrite(p, _set_column("node", lambda t: pa.array(range(t.num_rows)))),
        "tracks.parquet: column node should hold text, found int64"),
    "detections.parquet z flattened": (
        "detections.parquet", lambda p: _rewrite(p, _set_column("z", lambda t: pa.array([0.0] * t.num_rows))),
        "detections.parquet: column z should hold numbers in cells of shape (3,), found float64"),
    "tracks.parquet P of another size": (
        "tracks.parquet", lambda p: _rewrite(p, _set_column("P", lambda t: pa.array([[0.0] * 4] * t.num_rows, pa.list_(pa.float64(), 4)))),
        "tracks.parquet: column P should hold numbers in cells of shape (6, 6)"),
    "sensors.parquet empty file": ("sensors.parquet", lambda p: p.write_bytes(b""), "sensors.parquet: not a readable Parquet table"),
}


@pytest.fixture
def damaged(smoke_run, tmp_path, request):
    name, damage, message = DAMAGES[request.param]
    folder = tmp_path / "run"
    shutil.copytree(smoke_run[1], folder)
    damage(folder / name)
    return folder, message


@pytest.mark.parametrize("damaged", list(DAMAGES), indirect=True)
def test_loader_names_the_damaged_file(damaged):
    folder, message = damaged
    with pytest.raises(RunFolderError) as err:
        build_view(folder)
    assert str(err.value).startswith(f"{folder.resolve()}/{message}"), str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("damaged", ["run.json epoch a number", "tracks.parquet node as numbers", "scene.czml bad interval"], indirect=True)
def test_cli_view_refuses_a_damaged_folder_in_one_line(damaged, monkeypatch, fake_cesium):
    folder, message = damaged
    monkeypatch.setenv("TRACKLAYER_CESIUM_DIR", str(fake_cesium))
    result = CliRunner().invoke(app, ["view", str(folder)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and message in result.output
