"""The package's import graph: no import cycles, and imports only point down the
layers of docs/architecture.md. Imports inside functions count (a deferred import
upward is still an upward dependency); imports under ``if TYPE_CHECKING:`` do not
(they name a type for annotations and never run).
"""

from __future__ import annotations

import grimp
import pytest

LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),
    ("terminal",),
    ("viewer",),
    ("api",),
    ("campaign",),
    ("outputs",),
    ("report", "io"),
    ("pipeline",),
    ("metrics",),
    ("network", "tasking"),
    ("tracking",),
    ("scenario",),
    ("sensors",),
    ("orbits", "threats"),
    ("kernels",),
    ("earth",),
    ("table", "results", "errors", "palette"),
)
"""Top to bottom. A module may import from its own layer's package and from any lower
layer; packages that share a layer are independent of each other."""

PACKAGE = "tracklayer"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None, exclude_type_checking_imports=True)


def _layer_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None  # tracklayer/__init__.py: the version string only
    for rank, layer in enumerate(LAYERS):
        if parts[1] in layer:
            return rank
    return None


def _where(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
    return f"{importer} -> {imported} (line {', '.join(map(str, lines))})"


def test_every_subpackage_has_a_layer(graph):
    missing = sorted({m.split(".")[1] for m in graph.modules if m != PACKAGE and _layer_of(m) is None})
    assert not missing, f"add these to LAYERS and to docs/architecture.md: {missing}"


def test_imports_only_point_down(graph):
    upward = []
    for importer in sorted(graph.modules):
        here = _layer_of(importer)
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            there = _layer_of(imported)
            if here is None or there is None:
                continue
            same_package = importer.split(".")[1] == imported.split(".")[1]
            if there < here or (there == here and not same_package):
                upward.append(_where(graph, importer, imported))
    assert not upward, "imports from a lower layer up (or across a layer):\n" + "\n".join(upward)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    names = sorted(edges)
    at = {name: k for k, name in enumerate(names)}
    pairs = [(at[a], at[b]) for a in names for b in edges[a] if b in at]
    rows, cols = zip(*pairs) if pairs else ((), ())
    adjacency = coo_matrix(([1] * len(pairs), (rows, cols)), shape=(len(names), len(names)))
    _, label = connected_components(adjacency, directed=True, connection="strong")
    groups: dict[int, list[str]] = {}
    for name, component in zip(names, label):
        groups.setdefault(int(component), []).append(name)
    return [members for members in groups.values() if len(members) > 1]


def test_no_import_cycles(graph):
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_core_types_import_nothing_from_tracklayer(graph):
    for core in ("table", "results", "errors"):
        inside = sorted(m for m in graph.find_modules_directly_imported_by(f"{PACKAGE}.{core}"))
        assert inside == [], f"{core}.py imports {inside}"
