"""Campaigns: sweeps of a scenario's parameters over seeded Monte Carlo runs.

* `spec`     campaign files: base scenario, parameters, design points, run keys
* `seeds`    deterministic keys and per-run seeds
* `executor` run a campaign serially, on local worker processes or on a Dask cluster
* `store`    the results store (DuckDB in the output folder), Parquet export
* `analysis` statistics per design point, Pareto fronts, partner contributions
* `report`   the campaign's HTML report

Importing this package is cheap; the modules import their heavy dependencies
(Dask, DuckDB, matplotlib) when used. Entry points: `tracklayer.api.sweep` and
`tracklayer.api.analyze`, or ``tracklayer sweep`` / ``tracklayer analyze``.
"""
