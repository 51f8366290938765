"""Run-folder writing: what `tracklayer run` and `tracklayer coverage` leave on disk.

Orchestration over the format writers of `tracklayer.io` (Parquet, CZML) and the
reports of `tracklayer.report`: `run.write_run` writes a run's tables, scene, report
and ``run.json``; `coverage.write_coverage` a coverage analysis's tables, maps, page
and ``coverage.json``.
"""
