"""The campaign report: one self-contained HTML file (the run report's style, figures
as base64 PNG, nothing loaded from the network) with the statistics per design
point, metric-vs-parameter plots with confidence bands, heatmaps over two
parameters, the Pareto front, and the partners' marginal contributions.

>>> from tracklayer.campaign import analysis, report               # doctest: +SKIP
>>> report.write_report(analysis.load("results/tp"), "results/tp/report.html")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from tracklayer import __version__
from tracklayer.campaign import analysis as an
from tracklayer.campaign.analysis import CampaignData

__all__ = ["render_report", "write_report", "summary_rows", "point_tables", "clip_to_domain", "DISPLAY", "DOMAIN"]

DISPLAY: dict[str, tuple[str, float, str]] = {
    "custody_fraction": ("custody", 100.0, "% of flight"),
    "warning_time_s": ("warning time", 1.0, "s"),
    "time_to_confirmed_track_s": ("time to confirmed track", 1.0, "s after launch"),
    "time_to_first_detection_s": ("time to first detection", 1.0, "s after launch"),
    "position_rms_m": ("position RMS error", 1e-3, "km"),
    "velocity_rms_m_s": ("velocity RMS error", 1.0, "m/s"),
    "ir_coverage_1": ("IR coverage, ≥ 1 satellite", 100.0, "% of flight"),
    "ir_coverage_2": ("IR stereo coverage, ≥ 2 satellites", 100.0, "% of flight"),
    "ir_coverage_3": ("IR coverage, ≥ 3 satellites", 100.0, "% of flight"),
    "radar_coverage": ("radar coverage", 100.0, "% of flight"),
}
"""Metric -> (name, scale from stored SI value, unit shown)."""
DOMAIN: dict[str, tuple[float, float]] = {
    "custody_fraction": (0.0, 1.0),
    "ir_coverage_1": (0.0, 1.0),
    "ir_coverage_2": (0.0, 1.0),
    "ir_coverage_3": (0.0, 1.0),
    "radar_coverage": (0.0, 1.0),
    "warning_time_s": (0.0, np.inf),
    "time_to_confirmed_track_s": (0.0, np.inf),
    "time_to_first_detection_s": (0.0, np.inf),
    "position_rms_m": (0.0, np.inf),
    "velocity_rms_m_s": (0.0, np.inf),
}
"""Metric -> (lowest, highest) value it can take, stored SI units. A t interval of the mean
of a skewed metric (a position RMS of 50 m in most runs and 5 km in one) reaches past these
bounds; the report clips intervals to them, since the mean itself cannot lie outside."""
MAX_SERIES = 8


def _display(metric: str) -> tuple[str, float, str]:
    return DISPLAY.get(metric, (metric, 1.0, ""))


def _title(text: str) -> str:
    return text[:1].upper() + text[1:]


def _axis_label(metric: str) -> str:
    name, _, unit = _display(metric)
    return name + (f" ({unit})" if unit else "")


def clip_to_domain(values: np.ndarray, metric: str) -> np.ndarray:
    """``values`` (stored SI units) clipped to the metric's `DOMAIN` (unchanged without one); NaN stays NaN."""
    lo, hi = DOMAIN.get(metric, (-np.inf, np.inf))
    return np.clip(np.asarray(values, dtype=np.float64), lo, hi)


def _fmt(value: float, metric: str) -> str:
    if not np.isfinite(value):
        return "–"
    v = value * _display(metric)[1]
    return f"{v:,.0f}" if abs(v) >= 100 else (f"{v:.1f}" if abs(v) >= 1 else f"{v:.2f}")


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _distinct(values: np.ndarray) -> list:
    seen: dict = {}
    for v in values.tolist():
        seen.setdefault(v, None)
    return list(seen)


def _varying(data: CampaignData) -> list[str]:
    ok = data.ok
    return [p for p in data.parameters if len(_distinct(data.runs[p][ok])) > 1]


def _bijective(data: CampaignData, a: str, b: str) -> bool:
    ok = data.ok
    pairs = set(zip(data.runs[a][ok].tolist(), data.runs[b][ok].tolist()))
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def x_axes(data: CampaignData) -> list[tuple[str, str, list[str]]]:
    """Columns to plot metrics against: (column, axis label, parameters it stands for).

    Numeric varied parameters, with ``satellites`` in place of the one that sets the
    satellite count one-to-one; the first categorical parameter when none is numeric.
    """
    varying = _varying(data)
    sats_vary = len(_distinct(data.runs["satellites"][data.ok])) > 1
    out: list[tuple[str, str, list[str]]] = []
    for p in varying:
        if not data.numeric[p]:
            continue
        if sats_vary and _bijective(data, p, "satellites"):
            sats = next((a for a in out if a[0] == "satellites"), None)
            if sats is None:
                out.append(("satellites", f"satellites (set by {p})", [p]))
            else:  # zipped parameters that set the count together
                sats[2].append(p)
        else:
            out.append((p, p, [p]))
    if sats_vary and not any(c == "satellites" for c, _, _ in out):
        out.append(("satellites", "satellites", []))
    if not out and varying:
        out.append((varying[0], varying[0], [varying[0]]))
    return out


def _panel_threats(data: CampaignData) -> list[str]:
    selectors = an.threat_selectors(data)
    names = [t for t in selectors if not t.startswith("all ")]
    return names if len(names) <= 4 else [t for t in selectors if t.startswith("all ") and t != "all threats"]


def _series(data: CampaignData, x: str, used: list[str], metric: str, threat: str, level: float, ci: str) -> tuple[list, list[str] | None, str]:
    """Lines of ``metric`` against column ``x``, one per combination of the other varied
    parameters (pooled when there are more than MAX_SERIES combinations)."""
    from tracklayer.campaign.plots import Series

    r = data.runs
    ok = data.ok
    others = [p for p in _varying(data) if p not in used and p != x]
    combos = len({tuple(v) for v in zip(*(r[p][ok].tolist() for p in others))}) if others else 1
    pooled = combos > MAX_SERIES
    if pooled:
        others = []
    numeric_x = x == "satellites" or data.numeric.get(x, False)
    xs = _distinct(r[x][ok])
    if numeric_x:
        xs = sorted(xs)
    values = an.run_values(data, metric, threat)
    keys = {"x": r[x], **{p: r[p] for p in others}}
    stats = an.group_stats(keys, values, ci, level, mask=ok)  # type: ignore[arg-type]
    scale = _display(metric)[1]
    low, high = clip_to_domain(stats["ci_low"], metric), clip_to_domain(stats["ci_high"], metric)
    groups: dict[tuple, list[int]] = {}
    for i in range(stats.num_rows):
        groups.setdefault(tuple(stats[p][i] for p in others), []).append(i)
    out = []
    for combo, idx in groups.items():
        idx = sorted(idx, key=lambda i: xs.index(stats["x"][i]))
        pos = np.array([float(stats["x"][i]) if numeric_x else float(xs.index(stats["x"][i])) for i in idx])
        label = ", ".join(f"{p}={_label(v)}" for p, v in zip(others, combo)) or ("all points pooled" if pooled else metric)
        out.append(Series(label, pos, stats["mean"][idx] * scale, low[idx] * scale, high[idx] * scale,
                          stats["p10"][idx] * scale, stats["p90"][idx] * scale))
    note = f" Other parameters ({combos} combinations) are pooled." if pooled else ""
    return out, (None if numeric_x else [_label(v) for v in xs]), note


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _metric_figures(data: CampaignData, metrics: list[str], level: float, ci: str) -> list[dict]:
    from tracklayer.campaign.plots import Panel, lines_png

    figures = []
    threats = _panel_threats(data)
    for x, xlabel, used in x_axes(data):
        for metric in metrics:
            panels, xticks, note = [], None, ""
            for threat in threats:
                series, xticks, note = _series(data, x, used, metric, threat, level, ci)
                panels.append(Panel(threat, series))
            figures.append({
                "id": f"vs-{x}-{metric}", "title": f"{_title(_display(metric)[0])} against {xlabel}",
                "caption": f"Mean {_display(metric)[0]} over each design point's runs, one panel per threat; shaded: "
                           f"{100 * level:.0f} % confidence interval of the mean ({ci}); dotted: 10th and 90th percentiles "
                           f"of the single runs (the spread a single attack can land anywhere in).{note}",
                "src": _png(lines_png(panels, xlabel, _axis_label(metric), xticks)),
            })
    return figures


def _heatmaps(data: CampaignData, level: float, ci: str) -> list[dict]:
    from tracklayer.campaign.plots import heatmap_png

    varying = _varying(data)
    axes = x_axes(data)
    if len(varying) < 2 or not axes:
        return []
    x, xlabel, used = axes[0]
    y = next((p for p in varying if p not in used and p != x), None)
    if y is None:
        return []
    r, ok = data.runs, data.ok
    xs = _distinct(r[x][ok])
    xs = sorted(xs) if (x == "satellites" or data.numeric.get(x)) else xs
    ys = _distinct(r[y][ok])
    ys = sorted(ys) if data.numeric.get(y) else ys
    groups = [t for t in an.threat_selectors(data) if t.startswith("all ") and t != "all threats"] or ["all threats"]
    figures = []
    for metric in [m for m in ("custody_fraction", "warning_time_s") if m in data.metric_names()]:
        panels = []
        for threat in groups:
            stats = an.group_stats({"x": r[x], "y": r[y]}, an.run_values(data, metric, threat), ci, level, mask=ok)  # type: ignore[arg-type]
            m = np.full((len(ys), len(xs)), np.nan)
            for i in range(stats.num_rows):
                m[ys.index(stats["y"][i]), xs.index(stats["x"][i])] = stats["mean"][i] * _display(metric)[1]
            panels.append((threat, m))
        pooled = [p for p in varying if p not in used and p not in (x, y)]
        figures.append({
            "id": f"heat-{metric}", "title": f"{_title(_display(metric)[0])} over {xlabel} and {y}",
            "caption": f"Mean {_axis_label(metric)} of the threats of each kind, per cell"
                       + (f", pooled over {', '.join(pooled)}." if pooled else "."),
            "src": _png(heatmap_png(panels, [_label(v) for v in xs], [_label(v) for v in ys], xlabel, y,
                                    cbar_label=_axis_label(metric), cmap="viridis")),
        })
    return figures


def _pareto(data: CampaignData) -> tuple[list[dict], list[dict], str]:
    from tracklayer.campaign.plots import pareto_png

    names = data.metric_names()
    if "custody_fraction" not in names or "warning_time_s" not in names:
        return [], [], ""
    sats_vary = len(_distinct(data.runs["satellites"][data.ok])) > 1
    table = an.pareto_table(data, cost="satellites" if sats_vary else None)
    threat = str(table["threat"][0]) if table.num_rows else "all threats"
    order = np.argsort(table["satellites"] if sats_vary else -table["custody_fraction"], kind="stable")
    rows = [
        {"n": int(i) + 1, "label": table["design"][i], "satellites": f"{table['satellites'][i]:.0f}" if sats_vary else "–",
         "custody": _fmt(table["custody_fraction"][i], "custody_fraction"), "warning": _fmt(table["warning_time_s"][i], "warning_time_s"),
         "runs": int(table["runs"][i])}
        for i in order if table["on_front"][i]
    ]
    pooled = f" pooled over {', '.join(data.conditions)}" if data.conditions else ""
    note = (f"Designs that no other design beats on {'satellites, ' if sats_vary else ''}custody and warning time at once "
            f"({threat}, means over runs{pooled}).")
    if not sats_vary:
        return [], rows, note
    png = pareto_png(table["satellites"], table["custody_fraction"] * 100.0, table["warning_time_s"], table["on_front"],
                     [f"#{i + 1}" for i in range(table.num_rows)], "satellites", f"custody, {threat} (% of flight)",
                     f"warning time, {threat} (s)")
    return [{
        "id": "pareto", "title": "Pareto front: satellites, custody and warning time",
        "caption": f"Each dot is a design (means over its runs{pooled}; {threat}), coloured by warning time. Ringed and "
                   "numbered as in the Pareto table above: the designs no other design beats on all three objectives at once "
                   "(no more satellites, no less custody, no less warning). Dashed: the most custody reachable with at most a "
                   "given number of satellites.",
        "src": _png(png),
    }], rows, note


def _partners(data: CampaignData, level: float) -> list[dict]:
    from tracklayer.campaign.plots import Panel, Series, bars_png, lines_png

    metrics = [m for m in ("custody_fraction", "warning_time_s") if m in data.metric_names()]
    kinds = [t for t in an.threat_selectors(data) if t.startswith("all ") and t != "all threats"]
    groups = kinds if len(kinds) > 1 else ["all threats"]
    table = an.partner_contributions(data, metrics, groups, level=level)
    if table.num_rows == 0:
        return []
    nations = _distinct(table["nation"])
    panels, ylabels = [], []
    for metric in metrics:
        series = []
        for g in groups:
            sel = [int(np.nonzero((table["metric"] == metric) & (table["threat"] == g) & (table["nation"] == n))[0][0])
                   if np.any((table["metric"] == metric) & (table["threat"] == g) & (table["nation"] == n)) else -1 for n in nations]
            scale = _display(metric)[1]
            pick = lambda col: np.array([table[col][i] * scale if i >= 0 else np.nan for i in sel])  # noqa: E731, B023 (used in this iteration)
            series.append((g, pick("mean"), pick("ci_low"), pick("ci_high")))
        added = [f"+{n}" for n in nations]
        panels.append((f"change of {_display(metric)[0]}", added, series))
        unit = "percentage points" if _display(metric)[2].startswith("%") else _display(metric)[2]
        ylabels.append(f"Δ {_display(metric)[0]} ({unit})")
    figures = [{
        "id": "partners", "title": "Marginal value of each partner",
        "caption": "Change of the mean metric when a nation's sensors join a mix (e.g. US → US+JP), all other parameters "
                   f"unchanged, averaged over every such pair of design points; whiskers: {100 * level:.0f} % Welch "
                   "confidence interval. Near-zero bars mean the partner's sensors add nothing for those threats in this scenario.",
        "src": _png(bars_png(panels, ylabels)),
    }]
    if len(_distinct(data.runs["satellites"][data.ok])) > 1:
        by = an.partner_contributions(data, metrics, groups, level=level, by="satellites")
        lpanels = []
        for metric in metrics:
            for g in groups:
                scale = _display(metric)[1]
                lseries = []
                for n in nations:
                    rows = np.nonzero((by["metric"] == metric) & (by["threat"] == g) & (by["nation"] == n))[0]
                    rows = rows[np.argsort(by["satellites"][rows])]
                    lseries.append(Series(f"+{n}", by["satellites"][rows], by["mean"][rows] * scale, by["ci_low"][rows] * scale, by["ci_high"][rows] * scale))
                unit = "pp" if _display(metric)[2].startswith("%") else _display(metric)[2]
                lpanels.append(Panel(f"Δ {_display(metric)[0]} ({unit}), {g}", lseries))
        figures.append({
            "id": "partners-vs-satellites", "title": "Marginal value of each partner against constellation size",
            "caption": "As above, split by the number of satellites: how much each partner adds as the space layer grows "
                       "(pp: percentage points).",
            "src": _png(lines_png(lpanels, "satellites", "change", zero_line=True, legend=True)),
        })
    return figures


def _point_cells(data: CampaignData, level: float, ci: str, metrics: tuple[str, ...]) -> tuple[list[str], dict[str, list[str]], dict[str, dict[str, tuple[str, str]]]]:
    """Per design point: its key's descriptive cells (#, parameters, satellites, radars, runs)
    and, per ``metric|group``, (mean [interval], single-run spread) strings; intervals
    clipped to the metric's `DOMAIN`. Returns (groups, meta by point key, cells by point key)."""
    groups = [t for t in an.threat_selectors(data) if t.startswith("all ") and t != "all threats"] or ["all threats"]
    s = an.summarize(data, metrics, groups, ci=ci, level=level)  # type: ignore[arg-type]
    r = data.runs
    counts: dict[str, list[int]] = {}
    for key, status in zip(r["point_key"].tolist(), r["status"].tolist()):
        counts.setdefault(key, [0, 0])[0 if status == "ok" else 1] += 1
    meta: dict[str, list[str]] = {}
    cells: dict[str, dict[str, tuple[str, str]]] = {}
    for i in range(s.num_rows):
        key = s["point_key"][i]
        meta.setdefault(key, [str(s["point_index"][i]), *[_label(s[p][i]) for p in data.parameters],
                              f"{s['satellites'][i]:.0f}", f"{s['radars'][i]:.0f}", "{} / {}".format(*counts.get(key, [0, 0]))])
        m = s["metric"][i]
        mean = _fmt(s["mean"][i], m)
        if np.isfinite(s["ci_low"][i]):
            lo, hi = clip_to_domain(np.array([s["ci_low"][i], s["ci_high"][i]]), m)
            mean += f" [{_fmt(lo, m)}, {_fmt(hi, m)}]"
        spread = ""
        if s["n"][i] > 1:
            spread = f"{_fmt(s['median'][i], m)} ({_fmt(s['p10'][i], m)}–{_fmt(s['p90'][i], m)})"
            if np.isfinite(s["worst"][i]):
                spread += f" · worst {_fmt(s['worst'][i], m)}"
        if s["n"][i] < s["n_runs"][i] and spread:
            spread += f" (n={s['n'][i]})"
        elif s["n"][i] < s["n_runs"][i]:
            mean += f" (n={s['n'][i]})"
        cells.setdefault(key, {})[f"{m}|{s['threat'][i]}"] = (mean, spread)
    return groups, meta, cells


def summary_rows(data: CampaignData, level: float = 0.95, ci: str = "t",
                 metrics: tuple[str, ...] = ("custody_fraction", "warning_time_s", "time_to_confirmed_track_s")) -> tuple[list[tuple[str, bool]], list[list[str]]]:
    """The design-point table of the terminal: headers as (text, numeric) and rows of cell strings,
    ``mean [low, high] · median (p10–p90) · worst`` of each metric for each threat kind."""
    metrics = tuple(m for m in metrics if m in data.metric_names())
    groups, meta, cells = _point_cells(data, level, ci, metrics)
    headers = [("#", True), *[(p, data.numeric[p]) for p in data.parameters], ("satellites", True), ("radars", True), ("runs ok / failed", True)]
    headers += [(f"{_display(m)[0]}, {g} ({_display(m)[2]})", True) for m in metrics for g in groups]
    def joined(key: str, m: str, g: str) -> str:
        mean, spread = cells[key].get(f"{m}|{g}", ("–", ""))
        return f"{mean} · {spread}" if spread else mean
    return headers, [meta[k] + [joined(k, m, g) for m in metrics for g in groups] for k in meta]


def point_tables(data: CampaignData, level: float = 0.95, ci: str = "t",
                 metrics: tuple[str, ...] = ("custody_fraction", "warning_time_s", "time_to_confirmed_track_s")) -> list[dict]:
    """The report's design-point tables, narrow enough for a page however many metrics and
    threat kinds: first the designs (#, parameters, satellites, radars, runs), then one table
    per metric with, per threat kind, the mean [interval] and the single runs' median
    (p10–p90) · worst. Each ``{"title", "headers": [(text, numeric)], "rows": [[str]]}``."""
    metrics = tuple(m for m in metrics if m in data.metric_names())
    groups, meta, cells = _point_cells(data, level, ci, metrics)
    design = [("#", True), *[(p, data.numeric[p]) for p in data.parameters], ("satellites", True), ("radars", True), ("runs ok / failed", True)]
    out = [{"title": "Designs", "headers": design, "rows": list(meta.values())}]
    for m in metrics:
        headers = [("#", True)]
        for g in groups:
            headers += [(f"{g}: mean [{100 * level:.0f} % CI]", True), (f"{g}: runs' median (p10–p90)", True)]
        rows = [[meta[k][0]] + [part for g in groups for part in cells[k].get(f"{m}|{g}", ("–", ""))] for k in meta]
        out.append({"title": f"{_title(_display(m)[0])} ({_display(m)[2]})", "headers": headers, "rows": rows})
    return out


def _failures(data: CampaignData) -> list[dict]:
    r = data.runs
    out: dict[str, dict] = {}
    for status, error, label in zip(r["status"].tolist(), r["error"].tolist(), r["point_label"].tolist()):
        if status != "ok":
            item = out.setdefault(str(error), {"error": str(error), "count": 0, "points": set()})
            item["count"] += 1
            item["points"].add(str(label))
    return [{"error": v["error"], "count": v["count"], "points": "; ".join(sorted(v["points"])[:4]) + (" …" if len(v["points"]) > 4 else "")}
            for v in sorted(out.values(), key=lambda v: -v["count"])]


def render_report(data: CampaignData, ci: str = "t", level: float = 0.95) -> str:
    """The campaign report as an HTML string."""
    import jinja2

    t0 = time.perf_counter()
    env = jinja2.Environment(loader=jinja2.PackageLoader("tracklayer.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    r, ok = data.runs, data.ok
    spec = json.loads(data.meta.get("spec_json", "{}"))
    base = json.loads(data.meta.get("base_scenario_json", "{}"))
    metrics = [m for m in an.HEADLINE_METRICS if m in data.metric_names()]
    figures: list[dict] = []
    pareto_rows: list[dict] = []
    pareto_note = ""
    if ok.any():
        figures += _metric_figures(data, metrics, level, ci)
        figures += _heatmaps(data, level, ci)
        pareto_figs, pareto_rows, pareto_note = _pareto(data)
        figures += pareto_figs
        figures += _partners(data, level)
    tables = point_tables(data, level, ci) if ok.any() else []
    task_s = r["task_s"][np.isfinite(r["task_s"])]
    versions = sorted(set(r["tracklayer_version"][ok].tolist()))
    parameters = [{"name": p, "paths": ", ".join(data.paths[p]), "levels": ", ".join(_label(v) for v in _distinct(r[p]))} for p in data.parameters]
    context = {
        "title": f"tracklayer campaign report: {data.name}",
        "name": data.name,
        "description": spec.get("description", ""),
        "source": data.meta.get("source", ""),
        "base": base.get("name", ""),
        "seed": data.meta.get("seed", ""),
        "repetitions": spec.get("repetitions", ""),
        "version": __version__,
        "run_versions": ", ".join(str(v) for v in versions) or "–",
        "ci": "Student t" if ci == "t" else "percentile bootstrap",
        "level": f"{100 * level:.0f}",
        "overview": [
            ("design points", f"{len(set(r['point_key'].tolist()))}"),
            ("runs stored", f"{r.num_rows}"),
            ("runs failed", f"{int((~ok).sum())}"),
            ("median run time", f"{np.median(task_s):.2f} s" if task_s.size else "–"),
            ("total compute", f"{task_s.sum() / 3600:.2f} h" if task_s.size else "–"),
        ],
        "parameters": parameters,
        "point_tables": tables,
        "partners_figure": any(f["id"] == "partners" for f in figures),
        "figures": figures,
        "pareto": pareto_rows,
        "pareto_note": pareto_note,
        "failures": _failures(data),
    }
    context["render_s"] = f"{time.perf_counter() - t0:.1f}"
    return env.get_template("campaign.html.j2").render(**context)


def write_report(data: CampaignData, path: str | Path, ci: str = "t", level: float = 0.95) -> Path:
    """Write the campaign report to ``path`` (temporary name, then rename)."""
    path = Path(path)
    text = render_report(data, ci, level)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
