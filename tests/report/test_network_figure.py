"""The report's network diagram shows every configured link as an arrow that leaves its
sender's box and reaches its receiver's, with its number clear of every box: also links
between two nodes of one row (the built-in scenario's JP -> US)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import FancyBboxPatch
from matplotlib.path import Path

from tracklayer.network.config import NetworkConfig
from tracklayer.report.network_plots import HEIGHT_IN, draw_network
from tracklayer.report.style import figure
from tracklayer.scenario.loader import load_scenario


def _nodes(net):
    return [{"id": n.id, "color": "#333333", "owns": "-", "role": "-"} for n in net.nodes]


def _extra_links(scn):
    """The built-in network plus links within each row, both ways."""
    net = scn.network.model_dump(by_alias=True)
    net["links"] += [{"from": "US", "to": "JP"}, {"from": "AU", "to": "US"}, {"from": "US", "to": "AU"}]
    return scn.model_copy(update={"network": type(scn.network).model_validate(net)})


@pytest.mark.parametrize("variant", ["built-in", "row links both ways"])
def test_every_link_is_a_visible_arrow(variant):
    scn = load_scenario("indo-pacific")
    if variant != "built-in":
        scn = _extra_links(scn)
    net = NetworkConfig.from_scenario(scn)
    assert ("JP", "US") in {(net.nodes[lk.source].id, net.nodes[lk.target].id) for lk in net.links}
    with figure(10.0, HEIGHT_IN) as fig:
        arrows = draw_network(fig, net, _nodes(net))
        fig.canvas.draw()
        diagram = fig.axes[0]
        boxes = [p for p in diagram.patches if isinstance(p, FancyBboxPatch)]
        labels = [t for t in diagram.texts if t.get_text().isdigit()]
        assert len(arrows) == len(net.links) == len(labels)
        extents = [b.get_extents() for b in boxes]  # display coordinates
        for k, (arrow, link) in enumerate(zip(arrows, net.links)):
            path = arrow.get_path()  # data coordinates (inches), after clipping at the boxes
            v = path.vertices if path.codes is None else path.vertices[~np.isin(path.codes, (Path.CLOSEPOLY, Path.STOP))]
            span = np.hypot(*(v.max(axis=0) - v.min(axis=0)))
            assert span > 0.6, f"link {k + 1} {link.name} is {span:.2f} in long"
            centre = diagram.transData.transform(labels[k].get_position())
            assert not any(e.contains(*centre) for e in extents), f"link {k + 1}'s number sits on a box"
