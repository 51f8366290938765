"""Campaign statistics against independent references: Student t table values,
SciPy's Welch test and bootstrap, coverage by simulation, a brute-force Pareto
front, and partner contributions recovered from synthetic data with known effects;
then the report and `tracklayer analyze` on a real (small) campaign."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from tracklayer.campaign import analysis as an
from tracklayer.cli import app
from tracklayer.table import Table


def test_t_interval_matches_the_student_table():
    """t_{0.975, 2} = 4.303 (NIST/SEMATECH e-Handbook, Table 1.3.6.7.2)."""
    mean, std, lo, hi = an.mean_interval(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (mean, std) == (2.0, 1.0)
    assert lo == pytest.approx(2.0 - 4.303 / np.sqrt(3.0), abs=1e-3) and hi == pytest.approx(2.0 + 4.303 / np.sqrt(3.0), abs=1e-3)
    assert np.isnan(an.mean_interval(np.array([5.0]))[2]) and np.isnan(an.mean_interval(np.array([np.nan]))[0])


def test_t_interval_covers_the_true_mean_95_percent_of_the_time(rng):
    """4,000 samples of 5 normal values: coverage 0.95 within 3 binomial sigma (0.010)."""
    hits = 0
    for _ in range(4000):
        _, _, lo, hi = an.mean_interval(rng.normal(3.0, 2.0, 5))
        hits += lo <= 3.0 <= hi
    assert abs(hits / 4000 - 0.95) < 0.0105


def test_bootstrap_interval_agrees_with_scipy(rng):
    x = rng.exponential(2.0, 40)
    _, _, lo, hi = an.mean_interval(x, ci="bootstrap")
    ref = stats.bootstrap((x,), np.mean, method="percentile", n_resamples=20000, random_state=1).confidence_interval
    width = ref.high - ref.low
    assert abs(lo - ref.low) < 0.06 * width and abs(hi - ref.high) < 0.06 * width


def test_welch_interval_matches_scipy(rng):
    a, b = rng.normal(0.0, 1.0, 6), rng.normal(0.7, 2.5, 9)
    diff, lo, hi = an.welch_interval(a, b)
    ref = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(b.mean() - a.mean(), rel=1e-12)
    assert lo == pytest.approx(ref.low, rel=1e-9) and hi == pytest.approx(ref.high, rel=1e-9)


def test_pooled_difference_interval_covers_the_true_difference(rng):
    """Mean of K = 3 paired differences with 4 runs each (unequal spreads): the Welch-
    Satterthwaite interval covers the true difference (0.5) about 95 % of the time."""
    hits, trials = 0, 3000
    for _ in range(trials):
        pairs = [(rng.normal(m, s, 4), rng.normal(m + 0.5, 2 * s, 4)) for m, s in ((0.0, 1.0), (3.0, 0.5), (-1.0, 2.0))]
        _, lo, hi = an._combine_differences(pairs, 0.95)
        hits += lo <= 0.5 <= hi
    assert 0.93 <= hits / trials <= 0.975


def test_pareto_front_against_brute_force(rng):
    x = np.round(rng.uniform(0, 4, (80, 3)))  # many ties
    x[5] = np.nan
    maximize = [False, True, True]
    front = an.pareto_front(x, maximize)
    s = x * np.array([-1.0, 1.0, 1.0])
    for i in range(x.shape[0]):
        if not np.all(np.isfinite(x[i])):
            assert not front[i]
            continue
        dominated = any(np.all(s[j] >= s[i]) and np.any(s[j] > s[i]) for j in range(x.shape[0]) if j != i and np.all(np.isfinite(x[j])))
        assert front[i] == (not dominated)
    hand = np.array([[28, 0.3, 400], [56, 0.6, 500], [56, 0.5, 520], [84, 0.6, 500], [140, 0.9, 510]], dtype=float)
    assert an.pareto_front(hand, maximize).tolist() == [True, True, True, False, True]


def _synthetic(rng) -> an.CampaignData:
    """planes x partner mix x 6 runs; custody = 0.3 + 0.05 planes + 0.10 [JP] + 0.02 [AU]
    + N(0, 0.01) for both threats; warning time rises 30 s with JP for the ballistic one only."""
    rows, metrics = [], {k: [] for k in ("run_key", "row", "threat", "kind", "node", "metric", "value")}
    for planes in (3.0, 4.0):
        for mix in ("US", "US+JP", "US+JP+AU"):
            for rep in range(6):
                key = f"{planes}-{mix}-{rep}"
                rows.append((key, planes, mix))
                for row, (threat, kind) in enumerate((("BM-1", "ballistic"), ("HGV-1", "hgv"))):
                    custody = 0.3 + 0.05 * planes + 0.10 * ("JP" in mix) + 0.02 * ("AU" in mix) + rng.normal(0, 0.01)
                    warning = 400.0 + (30.0 * ("JP" in mix) if kind == "ballistic" else 0.0) + rng.normal(0, 5.0)
                    for metric, value in (("custody_fraction", custody), ("warning_time_s", warning)):
                        for k, v in zip(metrics, (key, row, threat, kind, "joint", metric, value)):
                            metrics[k].append(v)
    keys, planes, mixes = zip(*rows)
    n = len(keys)
    points = [f"{p}|{m}" for p, m in zip(planes, mixes)]
    runs = Table({
        "run_key": np.array(keys, dtype=object), "point_key": np.array(points, dtype=object),
        "point_index": np.unique(points, return_inverse=True)[1], "point_label": np.array(points, dtype=object),
        "repetition": np.arange(n) % 6, "status": np.full(n, "ok", dtype=object),
        "satellites": np.array(planes) * 7, "radars": np.full(n, 3.0), "planes": np.array(planes), "partners": np.array(mixes, dtype=object),
    })
    cols = {k: np.array(v, dtype=np.float64 if k == "value" else (np.int64 if k == "row" else object)) for k, v in metrics.items()}
    return an.CampaignData("synthetic", {}, ("planes", "partners"), {"planes": True, "partners": False},
                           {"planes": ["constellations[0].walker.planes"], "partners": ["partners"]}, (), runs, Table(cols))


def test_partner_contributions_recover_known_effects(rng):
    data = _synthetic(rng)
    table = an.partner_contributions(data, ("custody_fraction", "warning_time_s"), ("all hgv", "all ballistic"))
    truth = {("JP", "custody_fraction"): 0.10, ("AU", "custody_fraction"): 0.02,
             ("JP", "warning_time_s", "all ballistic"): 30.0, ("JP", "warning_time_s", "all hgv"): 0.0, ("AU", "warning_time_s"): 0.0}
    assert table.num_rows == 2 * 2 * 2
    for i in range(table.num_rows):
        nation, metric, threat = table["nation"][i], table["metric"][i], table["threat"][i]
        expected = truth.get((nation, metric, threat), truth.get((nation, metric)))
        assert table["ci_low"][i] <= expected <= table["ci_high"][i], (nation, metric, threat)
        assert table["pairs"][i] == 2  # one pair per planes value
        assert table["from_mix"][i] == ("US" if nation == "JP" else "US+JP")
    jp = (table["nation"] == "JP") & (table["metric"] == "custody_fraction")
    assert np.all(np.abs(table["mean"][jp] - 0.10) < 0.01)
    split = an.partner_contributions(data, ("custody_fraction",), ("all hgv",), by="planes")
    assert sorted(split["planes"].tolist()) == [3.0, 3.0, 4.0, 4.0] and np.all(split["pairs"] == 1)


def test_summary_and_pareto_table_on_synthetic_data(rng):
    data = _synthetic(rng)
    s = an.summarize(data, ["custody_fraction"], ["HGV-1"])
    assert s.num_rows == 6 and np.all(s["n"] == 6)
    for i in range(s.num_rows):
        mine = (data.runs["planes"] == s["planes"][i]) & (data.runs["partners"] == s["partners"][i])
        values = an.run_values(data, "custody_fraction", "HGV-1")[mine]
        assert s["mean"][i] == pytest.approx(values.mean(), rel=1e-12)
    pareto = an.pareto_table(data, objectives=("custody_fraction",))  # HGV warning is pure noise here
    assert pareto["threat"][0] == "all hgv"
    on = set(pareto["design"][pareto["on_front"]].tolist())
    assert on == {"planes=3, partners=US+JP+AU", "planes=4, partners=US+JP+AU"}  # more planes cost; AU adds custody


def test_spread_is_the_distribution_of_single_runs(rng):
    x = rng.lognormal(0.0, 1.0, 2001)
    x[::50] = np.nan  # undefined values are left out
    median, p10, p90, worst = an.spread(x, maximize=True)
    finite = x[np.isfinite(x)]
    assert np.mean(finite <= p10) == pytest.approx(0.10, abs=0.002) and np.mean(finite <= p90) == pytest.approx(0.90, abs=0.002)
    assert np.mean(finite <= median) == pytest.approx(0.5, abs=0.001)
    assert worst == finite.min() and an.spread(x, maximize=False)[3] == finite.max()
    assert np.isnan(an.spread(x)[3]) and all(np.isnan(an.spread(np.full(3, np.nan), True)))
    # unlike the confidence interval of the mean, the band does not shrink with more runs
    _, _, lo, hi = an.mean_interval(finite)
    assert hi - lo < 0.1 * (p90 - p10)


def test_summary_carries_the_spread_with_the_worst_end_by_metric(rng):
    data = _synthetic(rng)
    s = an.summarize(data, ["custody_fraction", "position_rms_m"], ["HGV-1"])
    custody = s.take(s["metric"] == "custody_fraction")
    for i in range(custody.num_rows):
        mine = (data.runs["planes"] == custody["planes"][i]) & (data.runs["partners"] == custody["partners"][i])
        values = an.run_values(data, "custody_fraction", "HGV-1")[mine]
        assert custody["worst"][i] == values.min()  # larger custody is better: the worst run is the lowest
        assert custody["p10"][i] <= custody["median"][i] <= custody["p90"][i]
        assert custody["median"][i] == pytest.approx(np.median(values), rel=1e-12)


@pytest.mark.slow
def test_summary_of_a_real_campaign_matches_the_results_table(serial_store):
    from tracklayer.campaign.store import Store

    data = an.load(serial_store)
    assert data.parameters == ("planes", "partners") and data.partner_parameter() == "partners"
    s = an.summarize(data, ["custody_fraction", "warning_time_s"], ["BM-1", "all threats"])
    with Store.open(serial_store, read_only=True) as store:
        results = store.results()
    ok = results["status"] == "ok"
    for i in range(s.num_rows):
        if s["threat"][i] != "BM-1":
            continue
        mine = ok & (results["planes"] == s["planes"][i]) & (results["partners"] == s["partners"][i]) & (results["threat"] == "BM-1")
        values = results[s["metric"][i]][mine]
        assert s["n_runs"][i] == 2 and s["mean"][i] == pytest.approx(np.nanmean(values), rel=1e-12)
        assert s["satellites"][i] == 7 * s["planes"][i]


@pytest.mark.slow
def test_analyze_writes_a_self_contained_report(serial_store, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(serial_store, folder)
    result = CliRunner().invoke(app, ["analyze", str(folder)])
    assert result.exit_code == 0, result.output
    assert "test-campaign: means over runs" in result.output
    for name in ("report.html", "summary.parquet", "results.parquet", "runs.parquet", "metrics.parquet", "points.parquet"):
        assert (folder / name).is_file(), name
    html = (folder / "report.html").read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    figures = re.findall(r'<figure id="fig-([^"]+)">\s*<img src="data:image/png;base64,', html)
    assert {"vs-satellites-custody_fraction", "heat-custody_fraction", "pareto", "partners", "partners-vs-satellites"} <= set(figures)
    assert "Input should be greater than or equal to 1 (got 0)" in html  # the failed runs are listed
    assert "<td class=\"wrap\">3, 4, 0</td>" in html and "<td class=\"wrap\">US, US+JP</td>" in html  # parameter values
    bad = CliRunner().invoke(app, ["analyze", str(folder), "--ci", "jackknife"])
    assert bad.exit_code == 2 and "--ci jackknife: choose t or bootstrap" in bad.output
