"""Cross-checks and name resolution of a scenario's ``network`` section.

The schema (`tracklayer.scenario.schema.Network`) validates each field; these
functions check what spans fields: node ids, links and rules that name each other
(`check_graph`), and sensors, nations and ownership (`check_references`). The same
resolution rules serve the compiled network (`tracklayer.network.config`), so what
validates is what runs.

Sources: the unit of releasability and provenance is a *sensor group*: one
constellation or one radar, numbered constellations first, then radars, in scenario
order. A rule names sources by group name or by nation id (all of that nation's
groups).
"""

from __future__ import annotations

from collections import Counter

MAX_SOURCES = 64
"""Provenance is a 64-bit mask of sensor groups (constellations + radars)."""


def source_names(scenario) -> list[str]:
    """Sensor group names in source-index order (constellations, then radars)."""
    return [c.name for c in scenario.constellations] + [r.name for r in scenario.radars]


def source_nations(scenario) -> list[str]:
    """Owning nation of each sensor group, in source-index order."""
    return [c.nation for c in scenario.constellations] + [r.nation for r in scenario.radars]


def resolve_sources(scenario, names: list[str], where: str) -> list[int]:
    """Source indices named by sensor group names or nation ids (ValueError naming ``where``)."""
    groups = source_names(scenario)
    nations = source_nations(scenario)
    nation_ids = {n.id for n in scenario.nations}
    out: list[int] = []
    for name in names:
        if name in groups and name in nation_ids:
            raise ValueError(f"{where}: '{name}' is both a nation id and a sensor name")
        if name in groups:
            out.append(groups.index(name))
        elif name in nation_ids:
            out.extend(i for i, n in enumerate(nations) if n == name)
        else:
            raise ValueError(f"{where}: '{name}' is neither a constellation, a radar nor a nation id")
    return sorted(set(out))


def owners(scenario) -> list[int]:
    """Index of the node owning each source (source-index order); ValueError if a source
    is owned twice or by no node."""
    net = scenario.network
    groups = source_names(scenario)
    nations = source_nations(scenario)
    owner = [-1] * len(groups)
    for k, node in enumerate(net.nodes):
        where = f"network.nodes[{k}].sensors"
        if node.sensors is not None:
            mine = resolve_sources(scenario, node.sensors, where)
        else:
            mine = [i for i, n in enumerate(nations) if node.nation is not None and n == node.nation]
        for i in mine:
            if owner[i] >= 0:
                raise ValueError(f"{where}: '{groups[i]}' is already owned by node '{net.nodes[owner[i]].id}'")
            owner[i] = k
    orphans = [groups[i] for i in range(len(groups)) if owner[i] < 0]
    if orphans:
        raise ValueError(f"network.nodes: no node owns {orphans}; list them in a node's sensors")
    return owner


def check_graph(net) -> None:
    """Node ids unique; links and rules name existing nodes; no duplicate links; the
    picture links (fused pictures forwarded) form no cycle."""
    ids = [n.id for n in net.nodes]
    dup = sorted(i for i, k in Counter(ids).items() if k > 1)
    if dup:
        raise ValueError(f"nodes: duplicate ids {dup}")
    if net.picture is not None and net.picture not in ids:
        raise ValueError(f"picture: node '{net.picture}' is not among nodes {ids}")
    seen = set()
    for k, link in enumerate(net.links):
        for end, name in (("from", link.source), ("to", link.target)):
            if name not in ids:
                raise ValueError(f"links[{k}].{end}: node '{name}' is not among nodes {ids}")
        if (link.source, link.target) in seen:
            raise ValueError(f"links[{k}]: a second link from '{link.source}' to '{link.target}'")
        seen.add((link.source, link.target))
    for k, rule in enumerate(net.release):
        for name in rule.to:
            if name not in ids:
                raise ValueError(f"release[{k}].to: node '{name}' is not among nodes {ids}")
    picture_order([n.id for n in net.nodes], [(lk.source, lk.target) for lk in net.links if lk.content == "picture"])


def picture_order(ids: list[str], picture_links: list[tuple[str, str]]) -> list[int]:
    """Node indices in an order where every node comes after the nodes whose pictures it
    receives (ValueError on a cycle)."""
    deps = {i: [ids.index(a) for a, b in picture_links if b == name] for i, name in enumerate(ids)}
    order: list[int] = []
    state = [0] * len(ids)  # 0 new, 1 on the stack, 2 done

    def visit(i: int, path: list[int]) -> None:
        if state[i] == 2:
            return
        if state[i] == 1:
            cycle = " -> ".join(ids[j] for j in (path[path.index(i):] + [i])[::-1])  # in the direction the pictures flow
            raise ValueError(f"links: fused pictures go round a cycle ({cycle}); a picture cannot include itself")
        state[i] = 1
        for j in deps[i]:
            visit(j, path + [i])
        state[i] = 2
        order.append(i)

    for i in range(len(ids)):
        visit(i, [])
    return order


def check_references(scenario) -> None:
    """Nations, sensors, ownership and rule sources of ``scenario.network`` exist and agree."""
    net = scenario.network
    nation_ids = {n.id for n in scenario.nations}
    for k, node in enumerate(net.nodes):
        if node.nation is not None and node.nation not in nation_ids:
            raise ValueError(f"network.nodes[{k}].nation: '{node.nation}' is not among nations {sorted(nation_ids)}")
    n_sources = len(source_names(scenario))
    if n_sources > MAX_SOURCES:
        raise ValueError(f"network: {n_sources} constellations and radars; a networked scenario takes at most {MAX_SOURCES}")
    owners(scenario)
    covered: dict[tuple[int, str], int] = {}
    for k, rule in enumerate(net.release):
        for i in resolve_sources(scenario, rule.sources, f"network.release[{k}].sources"):
            for name in rule.to:
                if (i, name) in covered:
                    raise ValueError(
                        f"network.release[{k}]: '{source_names(scenario)[i]}' to '{name}' is already ruled by release[{covered[(i, name)]}]"
                    )
                covered[(i, name)] = k
    stale = {n.id: n.fusion.stale_s for n in net.nodes}
    for k, link in enumerate(net.links):
        interval = link.report_interval_s or scenario.step_s
        if interval >= stale[link.target]:
            raise ValueError(
                f"network.links[{k}].report_interval_s: {interval:g} s is not below the receiving node's fusion.stale_s "
                f"({stale[link.target]:g} s), so its tracks would go stale between reports"
            )
