"""The package's layout: no import cycles between dicomhelp's modules, light packages stay light.

Read from the source with ``ast`` (nothing is imported): an edge A -> B for
every ``import``/``from ... import`` in A that names dicomhelp module B.
Importing ``dicomhelp.x.y`` also runs ``dicomhelp.x``'s ``__init__``, but that
is not counted as an edge: a package's ``__init__`` re-exports its submodules,
and Python has it initialised before any of them runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import dicomhelp

ROOT = Path(dicomhelp.__file__).parent
# Among these packages' modules even the imports done inside functions must not form cycles:
# each module has one job and depends on the ones below it.
STRICT_PACKAGES = ("dicomhelp.codecs", "dicomhelp.io", "dicomhelp.validate")
# Re-exporting packages that commands import before their heavy work starts
# (`dicomhelp transcode` forks its encoders before pydicom is imported).
LIGHT_PACKAGES = ("dicomhelp.codecs", "dicomhelp.io")
HEAVY = ("pydicom", "numpy", "highdicom", "PIL", "rich")


@dataclass(frozen=True)
class Import:
    target: str  # the module named
    line: int
    at_module_level: bool  # run when the module is imported (TYPE_CHECKING blocks included)


def module_name(path: Path) -> str:
    parts = ["dicomhelp", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(tree: ast.AST, importer: str) -> Iterator[tuple[str, int, bool]]:
    """(module imported, line, at module level) for every import statement.

    ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one, else a name of ``pkg``.
    """

    def visit(node: ast.AST, top: bool) -> Iterator[tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, top
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(importer, child)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    yield (sub if sub in MODULES else base), child.lineno, top
            else:
                inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                yield from visit(child, inner)

    yield from visit(tree, True)


def imports_of(name: str) -> list[Import]:
    """The dicomhelp modules ``name`` imports, once per module and kind (module level or lazy)."""
    tree = ast.parse(MODULES[name].read_text(), str(MODULES[name]))
    found: dict[tuple[str, bool], Import] = {}
    for target, line, top in _imports(tree, name):
        if target in MODULES and target != name:
            found.setdefault((target, top), Import(target, line, top))
    return list(found.values())


GRAPH = {name: imports_of(name) for name in MODULES}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component that has one (Tarjan), each as A -> B -> ... -> A."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(node: str) -> None:  # recursion depth is bounded by the number of modules
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return [_cycle_in(component, edges) for component in components]


def _cycle_in(component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the component's first module back to itself."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, ()) & component):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle in {component}")


def _described(cycles: list[list[str]]) -> str:
    return "; ".join(" -> ".join(cycle) for cycle in cycles)


def test_module_level_imports_form_no_cycle() -> None:
    edges = {name: {i.target for i in found if i.at_module_level} for name, found in GRAPH.items()}
    cycles = find_cycles(edges)
    assert not cycles, f"import cycles: {_described(cycles)}"


def test_no_cycle_among_codecs_io_and_validate_even_through_lazy_imports() -> None:
    inside = {name for name in MODULES if name.startswith(tuple(p + "." for p in STRICT_PACKAGES))}
    edges = {name: {i.target for i in GRAPH[name] if i.target in inside} for name in inside}
    cycles = find_cycles(edges)  # the packages' own __init__ only re-export: left out
    assert not cycles, f"import cycles: {_described(cycles)}"


@pytest.mark.parametrize("package", LIGHT_PACKAGES)
def test_submodules_never_import_their_own_package(package: str) -> None:
    """A submodule takes what it needs from its siblings: the package's __init__ imports them all."""
    wrong = [f"{name}:{i.line}" for name in MODULES if name.startswith(package + ".")
             for i in GRAPH[name] if i.target == package]
    assert not wrong, f"import from {package} itself instead of the submodule: {', '.join(wrong)}"


@pytest.mark.parametrize("package", LIGHT_PACKAGES)
def test_light_packages_import_nothing_heavy_when_imported(package: str) -> None:
    """The package re-exports every submodule at once, so none may load pydicom or numpy on import."""
    heavy = []
    for name in [package, *(m for m in MODULES if m.startswith(package + "."))]:
        tree = ast.parse(MODULES[name].read_text())
        for node in tree.body:  # TYPE_CHECKING blocks are `if` statements: not run
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                targets = [node.module or ""]
            else:
                continue
            heavy += [f"{name}:{node.lineno} {t}" for t in targets if t.split(".")[0] in HEAVY]
    assert not heavy, f"heavy imports at module level: {', '.join(heavy)}"


def test_the_cycle_finder_names_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycles(edges) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
