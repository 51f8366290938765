"""Load scenario files (YAML) into validated `Scenario` objects.

Every problem becomes a `ScenarioError` whose lines each name the file, the field
path and the problem, e.g. ``my.yaml: threats[1].lift_to_drag: must be > 0``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tracklayer.errors import ScenarioError
from tracklayer.scenario.schema import Scenario

_BUILTIN_PACKAGE = "tracklayer.scenario.builtin"
_UNION_TAGS = {"ballistic", "hgv"}


MAX_FILE_BYTES = 16 * 1024 * 1024
"""Largest scenario or campaign file read (16 MiB: some 200,000 TLE lines)."""
MAX_NODES = 1_000_000
"""Most YAML values a file may hold once its aliases are expanded (refuses alias bombs)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings in a file (a scenario needs fewer than 10)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of silently keeping the last,
    and bounds what a small file can make: nesting depth and the number of values once
    aliases are expanded (`MAX_DEPTH`, `MAX_NODES`)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._total = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)
            self._count(self._sizes.get(id(node), 1), mark)
            return node
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            mark = self.peek_event().start_mark
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            before = self._total
            node = super().compose_node(parent, index)
            self._depth -= 1
            self._sizes[id(node)] = self._total - before + 1
            self._count(1, mark)
            return node
        mark = self.peek_event().start_mark
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = 1
        self._count(1, mark)
        return node

    def _count(self, size: int, mark: Any) -> None:
        self._total += size
        if self._total > MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_NODES:,} values once aliases are expanded (an alias bomb?)", mark
            )


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable) or isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen[key] = loader.construct_object(value_node, deep=deep)
    return seen


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(None, None, f"invalid date or time '{node.value}' ({exc})", node.start_mark) from None


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    folder = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """Filesystem path of a built-in scenario file."""
    return Path(str(resources.files(_BUILTIN_PACKAGE).joinpath(f"{name}.yaml")))


def resolve(source: str | Path) -> Path:
    """A scenario file path from a path or a built-in name."""
    path = Path(source)
    if path.is_file():
        return path
    if str(source) in builtin_names():
        return builtin_path(str(source))
    if path.exists():
        raise ScenarioError([f"{source}: not a file"])
    raise ScenarioError(
        [f"{source}: no such file, and not a built-in scenario (built-ins: {', '.join(builtin_names())})"]
    )


def printable(text: str) -> str:
    """``text`` with non-printing characters escaped (``\\x1b``), safe to print."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def format_location(loc: tuple[Any, ...]) -> str:
    """Pydantic error location -> ``threats[1].aim.lat_deg`` (union tags dropped)."""
    out = ""
    previous: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and isinstance(previous, int) and part in _UNION_TAGS:
            pass
        else:
            out += ("." if out else "") + printable(str(part))
        previous = part
    return out


def _message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field (check its spelling against docs/scenario.md)"
    if kind == "missing":
        return "missing required field"
    msg = str(err.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if kind not in ("value_error", "assertion_error") and "input" in err and not isinstance(err["input"], (dict, list)):
        got = repr(err["input"])
        msg += f" (got {got if len(got) <= 80 else got[:77] + '...'})"
    return msg


def error_lines(exc: ValidationError, filename: str) -> list[str]:
    """One ``FILE: field.path: problem`` line per pydantic error."""
    lines = []
    for err in exc.errors():
        where = format_location(tuple(err["loc"]))
        lines.append(f"{filename}: {where + ': ' if where else ''}{_message(err)}")
    return lines


CATALOG_FILES = {"tle_file": "tle", "omm_file": "omm"}
"""Constellation keys naming an element-set file, and the key its contents replace."""


def read_catalog_files(data: dict[str, Any], filename: str, folder: Path) -> dict[str, Any]:
    """``data`` with each constellation's ``tle_file`` read into ``tle`` (lines) and
    ``omm_file`` into ``omm`` (records, `tracklayer.orbits.catalog.read_omm`); relative
    paths are taken from ``folder`` (the scenario file's). A file that cannot be read or
    holds a bad element set raises a one-line ScenarioError naming the scenario, the
    field, the file and the problem."""
    constellations = data.get("constellations")
    if not isinstance(constellations, list) or not any(isinstance(c, dict) and CATALOG_FILES.keys() & c.keys() for c in constellations):
        return data
    from tracklayer.orbits import catalog
    from tracklayer.orbits.propagators import parse_tle_lines

    expanded = []
    for i, spec in enumerate(constellations):
        if not isinstance(spec, dict):
            expanded.append(spec)
            continue
        spec = dict(spec)
        for key, inline in CATALOG_FILES.items():
            if key not in spec:
                continue
            field = f"{filename}: constellations[{i}].{key}"
            value = spec.pop(key)
            if not isinstance(value, str) or not value.strip():
                raise ScenarioError([f"{field}: give the path of a file (got {printable(repr(value))[:80]})"])
            if inline in spec:
                raise ScenarioError([f"{field}: give {key} or {inline}, not both"])
            path = Path(value).expanduser()
            path = path if path.is_absolute() else folder / path
            try:
                if not path.is_file():
                    raise ScenarioError([f"{field}: {path}: no such file"])
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise ScenarioError([f"{field}: {path}: file of {path.stat().st_size:,} bytes; at most {MAX_FILE_BYTES:,} are read"])
                if key == "tle_file":
                    lines = catalog.read_tle_file(path)
                    if not parse_tle_lines(lines):
                        raise ValueError("no element sets in the file")
                    spec[inline] = lines
                else:
                    records = catalog.read_omm(path)
                    for k, record in enumerate(records):
                        catalog.satrec_from_omm(record, k)
                    spec[inline] = records
            except ScenarioError:
                raise
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise ScenarioError([f"{field}: {path}: {printable(reason.splitlines()[0] if reason else type(exc).__name__)}"]) from None
        expanded.append(spec)
    return {**data, "constellations": expanded}


def parse_scenario(data: Any, filename: str, folder: Path | None = None) -> Scenario:
    """Validate already-parsed YAML data; raise ScenarioError naming ``filename``.
    Element-set files (`CATALOG_FILES`) are read from ``folder`` (default: the current
    folder) when the path is relative."""
    if not isinstance(data, dict):
        raise ScenarioError([f"{filename}: the file must hold a mapping of scenario fields, got {type(data).__name__}"])
    data = read_catalog_files(data, filename, Path.cwd() if folder is None else folder)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(error_lines(exc, filename)) from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, turning every problem into a one-line ScenarioError naming it:
    syntax, duplicate keys, invalid dates, and files beyond the bounds (`MAX_FILE_BYTES`,
    `MAX_NODES`, `MAX_DEPTH`)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([f"{path}: file of {size:,} bytes; at most {MAX_FILE_BYTES:,} are read"])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read file ({exc.__class__.__name__}: {exc})"]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise ScenarioError([f"{path}: {where}malformed YAML: {problem}"]) from None


def source_label(source: str | Path) -> str:
    """How errors name a scenario source: its path, or ``NAME (built-in)``."""
    path = resolve(source)
    return str(path if Path(source).is_file() else f"{source} (built-in)")


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario from a file path or a built-in name."""
    path = resolve(source)
    return parse_scenario(read_yaml(path), source_label(source), path.parent)
