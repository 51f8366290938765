"""Statistics of a campaign's results: metrics per design point with confidence
intervals, Pareto fronts, and the marginal value of each partner nation.

Everything works on a `CampaignData` read from a results folder (`load`), so the
same functions serve the CLI, the HTML report and analysts' notebooks:

>>> from tracklayer.campaign import analysis                        # doctest: +SKIP
>>> data = analysis.load("results/tranche-partners")                  # doctest: +SKIP
>>> table = analysis.summarize(data, metrics=["custody_fraction"])    # doctest: +SKIP

Statistics are over Monte Carlo runs, each run contributing one value: a threat's
metric, or the mean over a group of threats (``all hgv``, ``all ballistic``,
``all threats``) in that run. Undefined values (NaN: e.g. no warning time when the
threat was never tracked) are left out; ``n`` counts the values used and
``n_runs`` the runs, so a metric that is often undefined shows it.

Confidence intervals for a mean:

* ``t`` (default): Student t interval, mean ± t_{(1+level)/2, n-1} s/√n (exact for
  normal data, good for means of a few runs with moderate skew);
* ``bootstrap``: percentile bootstrap of the mean, 4,000 resamples from a fixed
  seed (no normality assumption; too narrow for n below about 10).

The difference of two design points' means (partner contributions) uses the Welch
interval with the Welch–Satterthwaite degrees of freedom.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tracklayer.metrics.spread import MAXIMIZE, spread
from tracklayer.table import Table

__all__ = [
    "CampaignData", "Analysis", "analyze", "load", "run_values", "group_stats", "summarize", "mean_interval", "welch_interval", "spread",
    "pareto_front", "pareto_table", "partner_contributions", "threat_selectors", "HEADLINE_METRICS", "MAXIMIZE",
]

CI = Literal["t", "bootstrap"]
BOOTSTRAP_RESAMPLES = 4000
HEADLINE_METRICS = ("custody_fraction", "warning_time_s", "time_to_confirmed_track_s", "position_rms_m", "ir_coverage_2")
"""Metrics the report and the CLI summary show first (those present in the store)."""
_MOMENTS = ("mean", "std", "ci_low", "ci_high")
SPREAD = ("median", "p10", "p90", "worst")
"""Distribution columns of `group_stats` and `summarize` (`spread`)."""


@dataclass(frozen=True)
class CampaignData:
    """A campaign's stored results in memory.

    ``runs``: one row per stored run (all statuses) with ``point_index``, the varied
    parameters (numbers where every value is one, else labels), ``satellites``,
    ``radars``, ``draws_json`` and, when attack times were drawn, ``attack_offset_s``. ``metrics``: the successful runs' metrics in long format.
    ``parameters``: names in campaign order; ``numeric``: whether each is a number;
    ``conditions``: the parameters marked ``condition`` (threat or environment).
    """

    name: str
    meta: dict
    parameters: tuple[str, ...]
    numeric: dict[str, bool]
    paths: dict[str, list[str]]
    conditions: tuple[str, ...]
    runs: Table
    metrics: Table

    @property
    def ok(self) -> np.ndarray:
        return self.runs["status"] == "ok"

    def node(self) -> str:
        """The tracking node analysed by default: ``joint`` when present."""
        nodes = sorted(set(self.metrics["node"].tolist()))
        return "joint" if "joint" in nodes or not nodes else nodes[0]

    def metric_names(self) -> list[str]:
        from tracklayer.metrics.threat_metrics import METRIC_COLUMNS

        names = set(self.metrics["metric"].tolist())
        return [m for m in METRIC_COLUMNS if m in names] + sorted(names - set(METRIC_COLUMNS))

    def partner_parameter(self) -> str | None:
        """The parameter that sets the partner mix, if any."""
        from tracklayer.campaign.spec import PARTNERS

        return next((n for n, p in self.paths.items() if p == [PARTNERS]), None)


def load(folder: str | Path) -> CampaignData:
    """Read a results folder's store (read-only)."""
    from tracklayer.campaign.store import Store

    with Store.open(folder, read_only=True) as store:
        meta = store.meta()
        names = store.parameter_names()
        pv = store.point_values()
        declared = store.query("SELECT name, paths, condition FROM parameters")
        runs = store.runs()
        metrics = store.query(
            'SELECT m.* FROM metrics m JOIN runs r USING (run_key) WHERE r.status = \'ok\' ORDER BY m.run_key, m."row", m.metric'
        )
    numeric = {n: bool(np.all(np.isfinite(pv["value"][pv["name"] == n]))) for n in names}
    cols = dict(runs)
    for n in names:
        mine = pv["name"] == n
        lookup = dict(zip(pv["point_key"][mine].tolist(), (pv["value"] if numeric[n] else pv["label"])[mine].tolist()))
        cols[n] = np.array([lookup.get(k) for k in runs["point_key"].tolist()], dtype=np.float64 if numeric[n] else object)
    where = Path(folder) / "campaign.duckdb"
    for key in ("spec_json", "base_scenario_json"):
        if key in meta:
            _stored_json(where, f"meta {key}", meta[key], dict)
    if "draws_json" in cols:  # stores written before geometry draws have no such column
        draws = [_stored_json(where, "draws_json of a run", d, dict) if isinstance(d, str) else {} for d in cols["draws_json"].tolist()]
        if any("attack_offset_s" in d for d in draws):
            cols["attack_offset_s"] = np.array([d.get("attack_offset_s", np.nan) for d in draws], dtype=np.float64)
    paths = {n: _stored_json(where, f"paths of parameter {n!r}", p, list) for n, p in zip(declared["name"].tolist(), declared["paths"].tolist())}
    conditions = tuple(n for n in names if bool(declared["condition"][declared["name"] == n][0]))
    return CampaignData(meta.get("name", Path(folder).name), meta, tuple(names), numeric, paths, conditions, Table(cols), metrics)


def _stored_json(path: Path, what: str, text: object, kind: type) -> Any:
    """A JSON value stored as text in the store, which must decode to a ``kind``."""
    from tracklayer.campaign.store import StoreError

    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        value = None
    if not isinstance(value, kind):
        raise StoreError([f"{path}: {what} is not a JSON {'object' if kind is dict else 'array'}; the store is damaged"])
    return value


# ---------------------------------------------------------------------------
# run-level values and grouped statistics


def threat_selectors(data: CampaignData) -> list[str]:
    """Threat names in scenario order, then ``all <kind>`` groups and ``all threats``."""
    m = data.metrics
    first: dict[str, tuple[int, str]] = {}
    for row, threat, kind in zip(m["row"].tolist(), m["threat"].tolist(), m["kind"].tolist()):
        first.setdefault(threat, (row, kind))
    names = sorted(first, key=lambda t: first[t][0])
    kinds = sorted({k for _, k in first.values()})
    return names + [f"all {k}" for k in kinds] + ["all threats"]


def run_values(data: CampaignData, metric: str, threat: str = "all threats", node: str | None = None) -> np.ndarray:
    """One value per row of ``data.runs``: the metric of ``threat`` (a name, ``all
    <kind>`` or ``all threats``: the mean over those threats) for the tracking
    ``node``; NaN for failed runs and where the metric is undefined for any of the
    selected threats."""
    m = data.metrics
    sel = (m["metric"] == metric) & (m["node"] == (node or data.node()))
    if threat == "all threats":
        pass
    elif threat.startswith("all "):
        sel &= m["kind"] == threat[4:]
    else:
        sel &= m["threat"] == threat
    index = {k: i for i, k in enumerate(data.runs["run_key"].tolist())}
    rows = np.array([index[k] for k in m["run_key"][sel].tolist()], dtype=np.int64)
    n = data.runs.num_rows
    sums = np.bincount(rows, weights=m["value"][sel].astype(np.float64), minlength=n)
    counts = np.bincount(rows, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def mean_interval(values: np.ndarray, level: float = 0.95, ci: CI = "t", seed: int = 0) -> tuple[float, float, float, float]:
    """(mean, sample std, low, high) of the finite ``values``; NaN bounds below 2 values."""
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan, np.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, np.nan, np.nan, np.nan
    std = float(x.std(ddof=1))
    if ci == "t":
        half = float(stats.t.ppf(0.5 + level / 2.0, x.size - 1)) * std / np.sqrt(x.size)
        return mean, std, mean - half, mean + half
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(BOOTSTRAP_RESAMPLES, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.5 - level / 2.0, 0.5 + level / 2.0])
    return mean, std, float(lo), float(hi)


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of means ``mean(b) - mean(a)`` with its Welch interval (finite values)."""
    return _combine_differences([(np.asarray(a, float), np.asarray(b, float))], level)


def _combine_differences(pairs: list[tuple[np.ndarray, np.ndarray]], level: float) -> tuple[float, float, float]:
    """Mean over K pairs of (mean(b) - mean(a)), with a Welch–Satterthwaite t interval:
    Var = sum_k (s_bk^2/n_bk + s_ak^2/n_ak) / K^2, df from the 2K variance terms."""
    from scipy import stats

    diffs, terms = [], []
    for a, b in pairs:
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if a.size == 0 or b.size == 0:
            continue
        diffs.append(b.mean() - a.mean())
        terms += [(b.var(ddof=1) / b.size if b.size > 1 else np.nan, b.size - 1), (a.var(ddof=1) / a.size if a.size > 1 else np.nan, a.size - 1)]
    if not diffs:
        return np.nan, np.nan, np.nan
    k = len(diffs)
    d = float(np.mean(diffs))
    v = np.array([t[0] for t in terms]) / k**2
    dof = np.array([t[1] for t in terms], dtype=np.float64)
    if not np.all(np.isfinite(v)):
        return d, np.nan, np.nan
    var = float(v.sum())
    if var == 0.0:
        return d, d, d
    df = var**2 / float(np.sum(v**2 / dof))
    half = float(stats.t.ppf(0.5 + level / 2.0, df)) * np.sqrt(var)
    return d, d - half, d + half


def _group_index(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Group id of every row over the (at least one) key columns, and each group's
    first row (groups in order of first appearance)."""
    keys = list(zip(*(c.tolist() for c in columns)))
    ids: dict[tuple, int] = {}
    first: list[int] = []
    out = np.empty(len(keys), dtype=np.int64)
    for i, key in enumerate(keys):
        key = tuple("nan" if isinstance(v, float) and v != v else v for v in key)
        if key not in ids:
            ids[key] = len(ids)
            first.append(i)
        out[i] = ids[key]
    return out, first


def group_stats(keys: dict[str, np.ndarray], values: np.ndarray, ci: CI = "t", level: float = 0.95, mask: np.ndarray | None = None,
                maximize: bool | None = None) -> Table:
    """Statistics of ``values`` grouped by the distinct combinations of the ``keys``
    columns (groups in order of first appearance); rows where ``mask`` is False are
    left out. Columns: the keys, ``n_runs``, ``n``, ``mean``, ``std``, ``ci_low``,
    ``ci_high`` (the mean and its interval) and ``median``, ``p10``, ``p90``, ``worst``
    (the distribution over the runs, `spread`; ``maximize`` says which end is worst)."""
    mask = np.ones(values.shape[0], dtype=bool) if mask is None else mask
    cols = {k: v[mask] for k, v in keys.items()}
    vals = values[mask]
    gid, first = _group_index(list(cols.values()))
    stats: dict[str, list[float]] = {k: [] for k in ("n_runs", "n") + _MOMENTS + SPREAD}
    for g in range(len(first)):
        x = vals[gid == g]
        stats["n_runs"].append(x.size)
        stats["n"].append(int(np.isfinite(x).sum()))
        for k, v in zip(_MOMENTS + SPREAD, mean_interval(x, level, ci) + spread(x, maximize)):
            stats[k].append(v)
    out = {k: v[np.array(first, dtype=np.int64)] for k, v in cols.items()}
    out.update({k: np.array(v, dtype=np.int64 if k.startswith("n") else np.float64) for k, v in stats.items()})
    return Table(out)


def summarize(data: CampaignData, metrics: Sequence[str] | None = None, threats: Sequence[str] | None = None,
              ci: CI = "t", level: float = 0.95, node: str | None = None) -> Table:
    """Per design point, threat (or threat group) and metric: n, mean, std and the
    confidence interval of the mean over the point's runs, and the distribution of the
    runs' values (median, 10-90 % band, worst case).

    Columns: ``point_index``, ``point_key``, the parameters, ``satellites``,
    ``radars``, ``threat``, ``metric``, ``n_runs``, ``n``, ``mean``, ``std``,
    ``ci_low``, ``ci_high``, ``median``, ``p10``, ``p90``, ``worst``. Default: every
    stored metric, every threat selector.
    """
    metrics = list(metrics) if metrics is not None else data.metric_names()
    threats = list(threats) if threats is not None else threat_selectors(data)
    r = data.runs
    keys = {"point_index": r["point_index"], "point_key": r["point_key"], **{p: r[p] for p in data.parameters}}
    ok = data.ok
    satellites = group_stats(keys, r["satellites"].astype(np.float64), mask=ok)
    radars = group_stats(keys, r["radars"].astype(np.float64), mask=ok)
    parts = []
    for metric in metrics:
        for threat in threats:
            s = group_stats(keys, run_values(data, metric, threat, node), ci, level, mask=ok, maximize=MAXIMIZE.get(metric))
            n = s.num_rows
            parts.append({**{k: s[k] for k in keys}, "satellites": satellites["mean"], "radars": radars["mean"],
                          "threat": np.full(n, threat, dtype=object), "metric": np.full(n, metric, dtype=object),
                          **{k: s[k] for k in ("n_runs", "n") + _MOMENTS + SPREAD}})
    if not parts:
        return Table({})
    return Table({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


# ---------------------------------------------------------------------------
# Pareto fronts


def pareto_front(objectives: np.ndarray, maximize: Sequence[bool]) -> np.ndarray:
    """(N,) bool: the non-dominated rows of ``objectives`` (N, k).

    Row i is dominated when another row is at least as good in every objective and
    strictly better in one (``maximize[j]``: larger is better for column j). Rows
    with a NaN are never on the front.
    """
    x = np.asarray(objectives, dtype=np.float64) * np.where(np.asarray(maximize), 1.0, -1.0)
    ok = np.all(np.isfinite(x), axis=1)
    front = ok.copy()
    for i in np.nonzero(ok)[0]:
        others = x[ok]
        dominated = np.any(np.all(others >= x[i], axis=1) & np.any(others > x[i], axis=1))
        front[i] = not dominated
    return front


def pareto_table(data: CampaignData, objectives: Sequence[str] = ("custody_fraction", "warning_time_s"),
                 threat: str | None = None, cost: str | None = "satellites", node: str | None = None) -> Table:
    """Designs with their mean objectives and whether they are on the Pareto front of
    (``cost`` minimised, each objective in its `MAXIMIZE` direction).

    A design is a combination of the parameters not marked ``condition``; its
    means pool the runs of every condition. ``threat`` defaults to ``all hgv`` when
    the campaign has glide vehicles, else ``all threats``; ``cost`` is a run column
    (``satellites``, ``radars``) or None. Columns: ``design`` (label), the cost
    and objectives, ``runs``, ``on_front``, ``threat``.
    """
    from tracklayer.campaign.spec import value_label

    selectors = threat_selectors(data)
    threat = threat or ("all hgv" if "all hgv" in selectors else "all threats")
    r = data.runs
    design = [p for p in data.parameters if p not in data.conditions]
    labels = np.array([", ".join(f"{p}={value_label(v)}" for p, v in zip(design, row)) or "base scenario"
                       for row in zip(*(r[p].tolist() for p in design))] if design else ["base scenario"] * r.num_rows, dtype=object)
    names = ([cost] if cost else []) + list(objectives)
    cols: dict[str, np.ndarray] = {}
    for name in names:
        values = r[name].astype(np.float64) if name == cost else run_values(data, name, threat, node)
        s = group_stats({"design": labels}, values, mask=data.ok)
        cols["design"] = s["design"]
        cols[name] = s["mean"]
        cols["runs"] = s["n_runs"]
    senses = ([False] if cost else []) + [MAXIMIZE.get(o, True) for o in objectives]
    cols["on_front"] = pareto_front(np.column_stack([cols[n] for n in names]), senses)
    cols["threat"] = np.full(cols["on_front"].shape[0], threat, dtype=object)
    return Table(cols)


# ---------------------------------------------------------------------------
# partner contributions


def partner_contributions(data: CampaignData, metrics: Sequence[str] = ("custody_fraction", "warning_time_s"),
                          threats: Sequence[str] | None = None, by: str | None = None, level: float = 0.95,
                          node: str | None = None) -> Table:
    """Marginal value of each partner nation: the change of a metric when the nation's
    sensors join a mix, all other parameters unchanged.

    Pairs of design points (mix, mix + nation) that agree on every other parameter
    are matched; the contribution is the mean over the pairs of the difference of
    their mean metrics, with a Welch interval (see `_combine_differences`). With
    ``by`` (a parameter name or ``satellites``), the pairs are also split by that
    column's value. Columns: ``nation``, [``by``], ``threat``, ``metric``,
    ``pairs``, ``from_mix``, ``to_mix``, ``mean``, ``ci_low``, ``ci_high``.
    """
    param = data.partner_parameter()
    if param is None:
        return Table({})
    r = data.runs
    ok = data.ok
    mixes = {k: frozenset(k.split("+")) for k in set(r[param][ok].tolist())}
    others = [p for p in data.parameters if p != param]
    context = [tuple(v) for v in zip(*(r[p].tolist() for p in others))] if others else [()] * r.num_rows
    split = r[by].tolist() if by else [None] * r.num_rows
    threats = list(threats) if threats is not None else [t for t in threat_selectors(data) if t.startswith("all ")]
    rows: dict[str, list] = {k: [] for k in ("nation", "by", "threat", "metric", "pairs", "from_mix", "to_mix", "mean", "ci_low", "ci_high")}
    nations = sorted({n for m in mixes.values() for n in m})
    for metric in metrics:
        for threat in threats:
            values = run_values(data, metric, threat, node)
            cells: dict[tuple, list[float]] = {}
            for i in np.nonzero(ok)[0]:
                cells.setdefault((r[param][i], context[i], split[i]), []).append(values[i])
            for nation in nations:
                groups: dict[object, list] = {}
                labels: dict[object, tuple[set, set]] = {}
                for (mix, ctx, s), vals in cells.items():
                    if nation in mixes[mix]:
                        continue
                    target = next((m for m, ns in mixes.items() if ns == mixes[mix] | {nation}), None)
                    if target is None or (target, ctx, s) not in cells:
                        continue
                    groups.setdefault(s, []).append((np.array(vals), np.array(cells[(target, ctx, s)])))
                    labels.setdefault(s, (set(), set()))
                    labels[s][0].add(mix)
                    labels[s][1].add(target)
                for s, pairs in groups.items():
                    mean, lo, hi = _combine_differences(pairs, level)
                    for k, v in zip(rows, (nation, s, threat, metric, len(pairs), ", ".join(sorted(labels[s][0])),
                                            ", ".join(sorted(labels[s][1])), mean, lo, hi)):
                        rows[k].append(v)
    out = {k: np.array(v, dtype=np.float64 if k in ("mean", "ci_low", "ci_high") else (np.int64 if k == "pairs" else object)) for k, v in rows.items()}
    if by:
        out[by] = out.pop("by").astype(np.float64) if (by == "satellites" or data.numeric.get(by)) else out.pop("by")
    else:
        out.pop("by")
    return Table(out)


# ---------------------------------------------------------------------------
# everything at once


@dataclass(frozen=True)
class Analysis:
    """What `analyze` produced: the data, the per-point summary and the files written."""

    data: CampaignData
    summary: Table
    files: dict[str, Path]


def analyze(folder: str | Path, ci: CI = "t", level: float = 0.95) -> Analysis:
    """Summarise a results folder and write its tables next to the store:
    ``summary.parquet`` (`summarize`) and the Parquet exports of the store
    (``results``, ``runs``, ``metrics``, ``points``). The HTML report is drawn from
    the returned data by `tracklayer.campaign.report.write_report` (`tracklayer.api.analyze`
    does both)."""
    from tracklayer.campaign.store import Store
    from tracklayer.io.tables import write_parquet

    folder = Path(folder)
    data = load(folder)
    with Store.open(folder, read_only=True) as store:
        files = store.export_parquet(folder)
    summary = summarize(data, ci=ci, level=level)
    if summary.num_rows:
        files["summary"] = folder / "summary.parquet"
        write_parquet(summary, files["summary"], {"campaign": data.name, "ci": ci, "level": str(level)})
    return Analysis(data, summary, files)
