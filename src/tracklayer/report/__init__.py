"""The HTML report of a run: an offline land basemap, matplotlib figures and a
self-contained HTML page (`tracklayer.report.html.write_report`).

Nothing here is imported by ``import tracklayer``; matplotlib and jinja2 load only
when a report is drawn.
"""
