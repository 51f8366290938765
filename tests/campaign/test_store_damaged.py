"""A damaged or foreign campaign store is refused with one line naming it (exit 2), by
`tracklayer analyze` and `tracklayer sweep`; DuckDB never fetches or loads an extension."""

from __future__ import annotations

import shutil
import sqlite3

import duckdb
import pytest
from typer.testing import CliRunner

from tracklayer.campaign.store import DB_NAME, Store, StoreError
from tracklayer.cli import app


def _sql(*statements):
    def damage(path):
        con = duckdb.connect(str(path))
        for statement in statements:
            con.execute(statement)
        con.close()
    return damage


def _sqlite(path):
    path.unlink()
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (run_key TEXT)")
    con.commit()
    con.close()


DAMAGES = {
    # DuckDB 1.1 notices the truncation when it opens the file, later releases when they read it
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 3]), ("cannot read", "cannot open")),
    "garbage": (lambda p: p.write_bytes(bytes(range(256)) * 40), "not a campaign database (not a DuckDB database)"),
    "empty": (lambda p: p.write_bytes(b""), "not a campaign database (empty)"),
    "sqlite": (_sqlite, "not a campaign database (a SQLite database)"),
    "runs without status": (_sql("ALTER TABLE runs DROP COLUMN status"), "table runs has no column status"),
    "metrics of another layout": (_sql("DROP TABLE metrics", "CREATE TABLE metrics (a INTEGER)"), "table metrics has no column run_key"),
    "no parameters table": (_sql("DROP TABLE parameters"), "not a campaign database (no parameters table)"),
    "metric values as text": (_sql("ALTER TABLE metrics ALTER value TYPE VARCHAR"), "column metrics.value is VARCHAR, not DOUBLE"),
    "spec not JSON": (_sql("UPDATE meta SET value = '{bad' WHERE key = 'spec_json'"), "meta spec_json is not a JSON object"),
    "paths not JSON": (_sql("UPDATE parameters SET paths = '[bad'"), "paths of parameter 'planes' is not a JSON array"),
}


@pytest.fixture
def damaged(serial_store, tmp_path, request):
    damage, message = DAMAGES[request.param]
    folder = tmp_path / "results"
    shutil.copytree(serial_store, folder)
    damage(folder / DB_NAME)
    return folder, message


@pytest.mark.parametrize("damaged", list(DAMAGES), indirect=True)
def test_analyze_refuses_a_damaged_store_in_one_line(damaged):
    folder, message = damaged
    result = CliRunner().invoke(app, ["analyze", str(folder), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    expected = message if isinstance(message, tuple) else (message,)
    assert len(lines) == 1 and lines[0].startswith(f"error: {folder / DB_NAME}: ") and any(m in lines[0] for m in expected), lines


@pytest.mark.parametrize("damaged", ["sqlite", "runs without status"], indirect=True)
def test_sweep_refuses_a_damaged_store_in_one_line(damaged, campaign_file):
    folder, message = damaged
    result = CliRunner().invoke(app, ["sweep", str(campaign_file), "--out", str(folder), "-w", "0", "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_the_store_connection_never_installs_or_loads_extensions(serial_store, tmp_path):
    """Even past the header check (a SQLite file never reaches DuckDB), the connection
    refuses to fetch or load an extension instead of doing it silently."""
    folder = tmp_path / "results"
    shutil.copytree(serial_store, folder)
    with Store.open(folder, read_only=True) as store:
        settings = store.query("SELECT current_setting('autoinstall_known_extensions') AS i, current_setting('autoload_known_extensions') AS l")
        assert not settings["i"][0] and not settings["l"][0]
        with pytest.raises(StoreError, match="exists in the sqlite_scanner extension"):
            store.query(f"SELECT * FROM sqlite_scan('{tmp_path / 'x.db'}', 'runs')")


def test_names_read_back_from_the_store_cannot_drive_the_terminal(serial_store, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(serial_store, folder)
    _sql("UPDATE meta SET value = 'evil\x1b[2J\x1b]0;title\x07' WHERE key = 'name'",
         "UPDATE runs SET error = 'boom\x1b[31m\rred' WHERE status <> 'ok'")(folder / DB_NAME)
    result = CliRunner().invoke(app, ["analyze", str(folder)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "evil\\x1b[2J" in result.output
