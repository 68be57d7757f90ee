"""The layers of `gateway/` import only downwards, and no module imports itself back.

Imports are read with `ast`, all of them: at the top, inside functions, and under
`TYPE_CHECKING` (a type-only cycle is still a cycle a reader has to untangle).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator, Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[1]
PACKAGE: Final = ROOT / "gateway"

#: Modules below the layers, which any layer may use.
_BASE: Final = frozenset({"gateway.errors", "gateway.validators", "gateway.files"})

#: The gateway's own packages each layer may import (besides itself and `_BASE`), top first.
ALLOWED: Final[Mapping[str, frozenset[str]]] = {
    # Types and thin resolvers: call services, read values.
    "gateway.graphql": frozenset(
        {
            "gateway.services",
            "gateway.domain",
            "gateway.data",
            "gateway.identity",
            "gateway.upstream",
            "gateway.observability",
            "gateway.config",
            "gateway.http",
        }
    ),
    # Joins, writes, idempotency: plain Python over the data layer.
    "gateway.services": frozenset(
        {
            "gateway.domain",
            "gateway.data",
            "gateway.identity",
            "gateway.store",
            "gateway.upstream",
            "gateway.observability",
        }
    ),
    # Loaders, cache, request context: reads of the upstreams and the shared store.
    "gateway.data": frozenset(
        {
            "gateway.domain",
            "gateway.identity",
            "gateway.store",
            "gateway.upstream",
            "gateway.observability",
            "gateway.config",
        }
    ),
    # Unification, validation into upstream bodies, id rules: the upstreams' shapes only.
    "gateway.domain": frozenset({"gateway.upstream"}),
    "gateway.identity": frozenset({"gateway.store", "gateway.upstream", "gateway.observability"}),
    "gateway.upstream": frozenset({"gateway.observability", "gateway.redaction"}),
}

#: Layers that must not depend on GraphQL at all.
NO_GRAPHQL: Final = ("gateway.domain", "gateway.services")
GRAPHQL_LIBRARIES: Final = frozenset({"strawberry", "graphql"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: Final = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every module `module` imports (a `from package import submodule` counts as the
    submodule), wherever in the file the import is."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield child if child in MODULES else base


def _layer(module: str) -> str:
    """The package (or top-level module) of `gateway` that `module` belongs to."""
    return ".".join(module.split(".")[:2])


#: (importer, imported) for every import in `gateway/`.
EDGES: Final = frozenset(
    (module, target) for module, path in MODULES.items() for target in _imported(module, path)
)


def _cycle(edges: set[tuple[str, str]]) -> list[str]:
    """One cycle among `edges`, or [] when there is none."""
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    allowed = ALLOWED[layer] | _BASE | {layer, "gateway"}
    wrong = sorted(
        f"{source} imports {target}"
        for source, target in EDGES
        if _layer(source) == layer
        and target.startswith("gateway")
        and _layer(target) not in allowed
    )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("layer", NO_GRAPHQL)
def test_domain_and_services_import_nothing_from_graphql(layer: str) -> None:
    wrong = sorted(
        f"{source} imports {target}"
        for source, target in EDGES
        if _layer(source) == layer and target.split(".")[0] in GRAPHQL_LIBRARIES
    )
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_back() -> None:
    own = {(source, target) for source, target in EDGES if target in MODULES and source != target}
    assert not _cycle(own)


def test_no_layer_imports_itself_back() -> None:
    layers = {
        (_layer(source), _layer(target))
        for source, target in EDGES
        if _layer(source) in ALLOWED
        and _layer(target) in ALLOWED
        and _layer(source) != _layer(target)
    }
    assert not _cycle(layers)


def test_the_cycle_finder_finds_a_type_only_cycle(tmp_path: Path) -> None:
    # The rules above are only as good as the import reader and the cycle finder: they must
    # see imports hidden from runtime, and the loop they make.
    path = tmp_path / "probe.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from gateway.data.context import RequestContext\n"
        "def f():\n    from . import loaders\n"
    )
    found = set(_imported("gateway.data.probe", path))
    assert {"gateway.data.context", "gateway.data.loaders"} <= found
    edges = {("gateway.data.probe", target) for target in found}
    assert _cycle(edges | {("gateway.data.context", "gateway.data.probe")})
