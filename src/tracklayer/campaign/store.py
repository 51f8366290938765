"""The results store of a campaign: one embedded DuckDB database in the output folder.

Only the driver writes it; workers return their results to the driver. Each run is
committed in its own transaction as soon as it arrives, so the database always
holds whole runs only: a killed driver, a dead worker or a machine restart loses at
most the runs in flight, and a re-run of the same campaign skips every stored run.

Tables (``campaign.duckdb``; column meanings in docs/campaigns.md):

``meta``          key/value: campaign name, fingerprint, file, base scenario, schema version
``parameters``    name, ordinal, paths, kind (``grid`` or ``sampled``), condition
``points``        point_key, point_index, label
``point_values``  point_key, name, label, value (the number, NULL if not numeric), value_json
``runs``          one row per run: key, point, repetition, seed, status, error,
                  sensor counts, timings, worker, host, pid, times, versions, and
                  ``draws_json`` (the geometry draws; NULL without a ``geometry`` section)
``metrics``       long format, one row per run, metrics row (threat and node) and metric:
                  run_key, row, threat, kind, node, metric, value

Metrics are stored in long format so that new metric columns of the pipeline need
no change of schema; `Store.results` pivots them back to one row per run and threat.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tracklayer.errors import TracklayerError
from tracklayer.table import Table

if TYPE_CHECKING:
    from tracklayer.campaign.outcome import RunOutcome
    from tracklayer.campaign.spec import Campaign

__all__ = ["Store", "StoreError", "DB_NAME", "SCHEMA_VERSION"]

DB_NAME = "campaign.duckdb"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS parameters (name VARCHAR PRIMARY KEY, ordinal INTEGER, paths VARCHAR, kind VARCHAR, condition BOOLEAN);
CREATE TABLE IF NOT EXISTS points (point_key VARCHAR PRIMARY KEY, point_index INTEGER, label VARCHAR);
CREATE TABLE IF NOT EXISTS point_values (
    point_key VARCHAR, name VARCHAR, label VARCHAR, value DOUBLE, value_json VARCHAR,
    PRIMARY KEY (point_key, name));
CREATE TABLE IF NOT EXISTS runs (
    run_key VARCHAR PRIMARY KEY, point_key VARCHAR NOT NULL, repetition INTEGER NOT NULL, seed BIGINT NOT NULL,
    status VARCHAR NOT NULL, error VARCHAR, traceback VARCHAR,
    satellites INTEGER, radars INTEGER, threats INTEGER,
    run_s DOUBLE, task_s DOUBLE, timings_json VARCHAR,
    worker VARCHAR, host VARCHAR, pid INTEGER,
    started_utc TIMESTAMP, finished_utc TIMESTAMP, stored_utc TIMESTAMP,
    tracklayer_version VARCHAR, versions_json VARCHAR, draws_json VARCHAR);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS draws_json VARCHAR;
CREATE TABLE IF NOT EXISTS metrics (
    run_key VARCHAR, "row" INTEGER, threat VARCHAR, kind VARCHAR, node VARCHAR, metric VARCHAR, value DOUBLE,
    PRIMARY KEY (run_key, "row", metric));
"""

_RUN_COLUMNS = (
    "run_key", "point_key", "repetition", "seed", "status", "error", "traceback", "satellites", "radars", "threats",
    "run_s", "task_s", "timings_json", "worker", "host", "pid", "started_utc", "finished_utc", "stored_utc",
    "tracklayer_version", "versions_json", "draws_json",
)


class StoreError(TracklayerError, RuntimeError):
    """The store cannot be opened or does not belong to this campaign; ``lines`` as in ScenarioError."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


def _columns(result: Any) -> dict[str, np.ndarray]:
    """``fetchnumpy`` output with NULLs as NaN (numbers), None (text) or NaT (times)."""
    out = {}
    for name, col in result.fetchnumpy().items():
        data, mask = np.ma.getdata(col), np.ma.getmaskarray(col)
        if mask.any():
            if data.dtype.kind in "iub":
                data = data.astype(np.float64)
            data = data.copy()
            data[mask] = {"f": np.nan, "M": np.datetime64("NaT")}.get(data.dtype.kind, None)
        out[name] = data
    return out


class Store:
    """The DuckDB results store in a campaign's output folder.

    Open with `Store.open`; use as a context manager or call `close`. A store opened
    for writing holds DuckDB's file lock: a second sweep on the same folder, or an
    analysis while a sweep runs, gets a `StoreError` saying so.
    """

    def __init__(self, con: Any, path: Path, read_only: bool):
        self._con = con
        self.path = path
        self.read_only = read_only

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, folder: str | Path, read_only: bool = False) -> Store:
        import duckdb

        folder = Path(folder)
        path = folder / DB_NAME
        if read_only and not path.is_file():
            raise StoreError([f"{folder}: no campaign results here (no {DB_NAME}); run `tracklayer sweep CAMPAIGN --out {folder}` first"])
        if not read_only:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError([f"{folder}: cannot create folder ({exc.strerror})"]) from None
        _check_header(path)
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=_NO_EXTENSIONS)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreError([f"{path}: in use by another process (is a sweep still writing it? {_progress_hint(folder)})"]) from None
            raise StoreError([f"{path}: cannot open ({text.splitlines()[0]})"]) from None
        except duckdb.Error as exc:
            raise StoreError([f"{path}: not a campaign database ({str(exc).splitlines()[0]})"]) from None
        store = cls(con, path, read_only)
        try:
            if not read_only:
                con.execute(_SCHEMA)
            _check_schema(con, path)
        except (StoreError, duckdb.Error) as exc:
            con.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError([f"{path}: not a readable campaign database ({_first_line(exc)})"]) from None
        return store

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing (driver only) -----------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self._read("SELECT key, value FROM meta").fetchall())

    def begin_campaign(self, campaign: Campaign) -> None:
        """Record the campaign and its design points; refuse a folder that holds
        another campaign's results (different base scenario, overrides or seed)."""
        from tracklayer import __version__
        from tracklayer.campaign.seeds import canonical_json
        from tracklayer.campaign.spec import value_label, value_number

        meta = self.meta()
        old = meta.get("fingerprint")
        if old is not None and old != campaign.fingerprint:
            raise StoreError(
                [f"{self.path.parent}: holds results of campaign '{meta.get('name')}' from {meta.get('source')} with a different "
                 "base scenario, overrides or seed; write to another --out folder"]
            )
        if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise StoreError([f"{self.path}: store schema {meta['schema_version']} is not {SCHEMA_VERSION}; use another --out folder"])
        spec = campaign.spec
        rows = {
            "name": spec.name, "source": campaign.source, "fingerprint": campaign.fingerprint,
            "schema_version": SCHEMA_VERSION, "spec_json": spec.model_dump_json(), "seed": str(spec.seed),
            "base_scenario_json": json.dumps(campaign.base), "updated_utc": _utc_now(), "tracklayer_version": __version__,
        }
        if old is None:
            rows["created_utc"] = rows["updated_utc"]
        points = campaign.points
        with self._transaction():
            self._con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(rows.items()))
            parameters = [(n, i, json.dumps(list(p.paths)), "grid" if p.values is not None else "sampled", p.condition)
                          for i, (n, p) in enumerate(spec.parameters.items())]
            if parameters:
                self._con.executemany("INSERT OR REPLACE INTO parameters VALUES (?, ?, ?, ?, ?)", parameters)
            self._insert_arrow("points", {
                "point_key": [p.key for p in points], "point_index": [p.index for p in points], "label": [p.label() for p in points],
            }, replace=True)
            values = [(p.key, n, value_label(v), value_number(v), canonical_json(v)) for p in points for n, v in p.values.items()]
            if values:
                self._insert_arrow("point_values", dict(zip(("point_key", "name", "label", "value", "value_json"), map(list, zip(*values)))), replace=True)

    def stored(self) -> dict[str, str]:
        """Status of every stored run, by run key."""
        return dict(self._read("SELECT run_key, status FROM runs").fetchall())

    def forget(self, run_keys: list[str]) -> None:
        """Delete runs (used to run failed runs again)."""
        if not run_keys:
            return
        with self._transaction():
            self._insert_arrow("_forget", {"run_key": run_keys}, create=True)
            self._con.execute("DELETE FROM metrics WHERE run_key IN (SELECT run_key FROM _forget)")
            self._con.execute("DELETE FROM runs WHERE run_key IN (SELECT run_key FROM _forget)")
            self._con.execute("DROP TABLE _forget")

    def add(self, outcome: RunOutcome) -> None:
        """Commit one run's outcome (its row in ``runs`` and its metrics) atomically."""
        row = {k: getattr(outcome, k, None) for k in _RUN_COLUMNS}
        row["timings_json"] = json.dumps(outcome.timings_s)
        row["versions_json"] = json.dumps(outcome.versions)
        row["draws_json"] = json.dumps(outcome.draws) if outcome.draws else None
        row["tracklayer_version"] = outcome.versions.get("tracklayer")
        row["stored_utc"] = _utc_now()
        with self._transaction():
            self._con.execute(f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({', '.join('?' * len(_RUN_COLUMNS))})",
                              [row[k] for k in _RUN_COLUMNS])
            if outcome.metrics:
                self._insert_arrow("metrics", {"run_key": np.full(outcome.metrics["row"].shape[0], outcome.run_key, dtype=object), **outcome.metrics})

    def _insert_arrow(self, table: str, columns: dict[str, Any], replace: bool = False, create: bool = False) -> None:
        import pyarrow as pa

        arrow = pa.table({k: pa.array(v, from_pandas=True) for k, v in columns.items()})
        self._con.register("_incoming", arrow)
        try:
            if create:
                self._con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM _incoming")
            else:
                verb = "INSERT OR REPLACE" if replace else "INSERT"
                self._con.execute(f"{verb} INTO {table} ({', '.join(_quote(c) for c in columns)}) SELECT * FROM _incoming")
        finally:
            self._con.unregister("_incoming")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._con)

    # -- reading ------------------------------------------------------------

    def _read(self, sql: str, params: list | None = None) -> Any:
        """Execute a read; a damaged database file is a `StoreError` naming it."""
        import duckdb

        try:
            return self._con.execute(sql, params or [])
        except duckdb.Error as exc:
            if is_interrupt(exc):
                raise
            raise StoreError([f"{self.path}: cannot read ({_first_line(exc)})"]) from None

    def query(self, sql: str, params: list | None = None) -> Table:
        """Any SQL over the store, as a Table (NULLs as NaN / None / NaT)."""
        return Table(_columns(self._read(sql, params)))

    def failure_counts(self, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` commonest errors of the runs not stored as ok, with their counts."""
        rows = self._read("SELECT error, count(*) AS n FROM runs WHERE status <> 'ok' GROUP BY error ORDER BY n DESC, error LIMIT ?", [int(limit)]).fetchall()
        return [(str(error), int(n)) for error, n in rows]

    def parameter_names(self) -> list[str]:
        return [r[0] for r in self._read("SELECT name FROM parameters ORDER BY ordinal").fetchall()]

    def runs(self) -> Table:
        """One row per stored run, with its design point's index and label."""
        return self.query(
            "SELECT r.*, p.point_index, p.label AS point_label FROM runs r LEFT JOIN points p USING (point_key) "
            "ORDER BY p.point_index, r.repetition"
        )

    def metrics(self) -> Table:
        """The metrics in long format (run_key, row, threat, kind, node, metric, value)."""
        return self.query('SELECT * FROM metrics ORDER BY run_key, "row", metric')

    def point_values(self) -> Table:
        return self.query("SELECT v.*, p.point_index FROM point_values v JOIN points p USING (point_key) ORDER BY p.point_index, v.name")

    def metric_names(self) -> list[str]:
        """Stored metric names: the pipeline's documented order first, then any others."""
        from tracklayer.metrics.threat_metrics import METRIC_COLUMNS

        names = {r[0] for r in self._read("SELECT DISTINCT metric FROM metrics").fetchall()}
        return [m for m in METRIC_COLUMNS if m in names] + sorted(names - set(METRIC_COLUMNS))

    def _results_sql(self) -> str:
        params = []
        for name in self.parameter_names():
            numeric = self._read("SELECT bool_and(value IS NOT NULL) FROM point_values WHERE name = ?", [name]).fetchone()[0]
            column = "value" if numeric else "label"
            params.append(f"(SELECT {column} FROM point_values v WHERE v.point_key = r.point_key AND v.name = '{name}') AS {_quote(name)}")
        metrics = [f"max(m.value) FILTER (WHERE m.metric = '{_sql_text(m)}') AS {_quote(m)}" for m in self.metric_names()]
        pivot = (
            'SELECT run_key, "row", any_value(threat) AS threat, any_value(kind) AS kind, any_value(node) AS node'
            + "".join(", " + m for m in metrics)
            + ' FROM metrics m GROUP BY run_key, "row"'
        )
        head = ["r.run_key", "r.point_key", "p.point_index", "r.repetition", "r.seed", "r.status", "r.error", "r.satellites", "r.radars"]
        tail = ["w.* EXCLUDE (run_key, \"row\")"]
        return (
            f"SELECT {', '.join(head + params + tail)} FROM runs r LEFT JOIN points p USING (point_key) "
            f"LEFT JOIN ({pivot}) w USING (run_key) ORDER BY p.point_index, r.repetition, w.\"row\""
        )

    def results(self) -> Table:
        """One row per run and metrics row (threat, node): the varied parameters (numbers
        where every value is one, else labels), run status and every metric. Failed
        runs appear once, with their error and empty metrics."""
        return self.query(self._results_sql())

    def export_parquet(self, folder: str | Path | None = None) -> dict[str, Path]:
        """Write ``results``, ``runs``, ``metrics`` (long) and ``points`` (long) as Parquet.

        Each file is written under a temporary name and renamed.
        """
        folder = Path(folder) if folder is not None else self.path.parent
        queries = {
            "results": self._results_sql(),
            "runs": "SELECT r.*, p.point_index FROM runs r LEFT JOIN points p USING (point_key) ORDER BY p.point_index, r.repetition",
            "metrics": 'SELECT * FROM metrics ORDER BY run_key, "row", metric',
            "points": "SELECT p.point_index, v.* FROM point_values v JOIN points p USING (point_key) ORDER BY p.point_index, v.name",
        }
        written = {}
        for name, sql in queries.items():
            path = folder / f"{name}.parquet"
            tmp = folder / f".{name}.parquet.{os.getpid()}.tmp"
            try:
                self._con.execute(f"COPY ({sql}) TO '{_sql_text(str(tmp))}' (FORMAT parquet, COMPRESSION zstd)")
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            written[name] = path
        return written


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""

    def __init__(self, con: Any):
        self._con = con

    def __enter__(self) -> None:
        self._con.execute("BEGIN TRANSACTION")

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if kind is None:
            try:
                self._con.execute("COMMIT")
            except BaseException:  # e.g. Ctrl-C during the commit: it went through whole or not at all
                self._rollback()
                raise
        else:
            self._rollback()

    def _rollback(self) -> None:
        import duckdb

        try:
            self._con.execute("ROLLBACK")
        except duckdb.Error:  # no transaction left: the interrupted commit had finished or was aborted
            pass


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C: a KeyboardInterrupt, or what DuckDB raises instead when SIGINT arrives
    while one of its statements runs (``RuntimeError('Query interrupted')`` in DuckDB
    1.x-2.x; ``InterruptException`` after ``Connection.interrupt``)."""
    import duckdb

    if isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)):
        return True
    return type(exc) is RuntimeError and str(exc) == "Query interrupted"


_NO_EXTENSIONS: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
"""Connection settings: never download or load a DuckDB extension (a file in another
format, e.g. SQLite, would otherwise make DuckDB fetch a scanner for it)."""
_MAGIC = b"DUCK"
_MAGIC_OFFSET = 8


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _check_header(path: Path) -> None:
    """Refuse an existing file that is not a DuckDB database before DuckDB opens it."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError([f"{path}: cannot read ({exc.strerror})"]) from None
    if head[_MAGIC_OFFSET:_MAGIC_OFFSET + len(_MAGIC)] != _MAGIC:
        what = "a SQLite database" if head.startswith(b"SQLite format 3") else "empty" if not head else "not a DuckDB database"
        raise StoreError([f"{path}: not a campaign database ({what}); give the --out folder of `tracklayer sweep`"])


def _expected_schema() -> dict[str, dict[str, str]]:
    """{table: {column: DuckDB type}} of the store's schema (`_SCHEMA`)."""
    import duckdb

    con = duckdb.connect(":memory:", config=_NO_EXTENSIONS)
    try:
        con.execute(_SCHEMA)
        return _schema_of(con)
    finally:
        con.close()


def _schema_of(con: Any) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'").fetchall()
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = kind
    return out


def _check_schema(con: Any, path: Path) -> None:
    """Every table and column of the store's schema, with its type (other tables and columns are allowed)."""
    found = _schema_of(con)
    for table, columns in _expected_schema().items():
        if table not in found:
            raise StoreError([f"{path}: not a campaign database (no {table} table)"])
        for column, kind in columns.items():
            have = found[table].get(column)
            if have is None:
                raise StoreError([f"{path}: table {table} has no column {column}; not a campaign database of this version"])
            if have != kind:
                raise StoreError([f"{path}: column {table}.{column} is {have}, not {kind}; not a campaign database of this version"])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _progress_hint(folder: Path) -> str:
    status = folder / "progress.json"
    if status.is_file():
        try:
            info = json.loads(status.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = None
        if isinstance(info, dict):
            return f"{status} says process {info.get('pid')} has stored {info.get('stored')} of {info.get('total')} runs"
    return "its progress is in progress.json"
