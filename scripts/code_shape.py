"""Code shape of the project: modules over 300 lines, functions over 60, import cycles.

Usage: python scripts/code_shape.py [--max-module 300] [--max-function 60] [--layers]
Prints each offender and the import cycles among the project's modules (generation, evaluation,
training, common, loopback) and among their subpackages; exits 1 if there is any cycle. With --layers it also prints which
subpackage imports which (the dependency list in docs/architecture.md is this output).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from graphlib import CycleError, TopologicalSorter

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("generation", "evaluation", "training", "common", "loopback")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, tree: ast.Module, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            # `from pkg import name`: the module pkg.name when there is one, else pkg itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def layer(module: str) -> str:
    """The subpackage a module belongs to: ``generation.worlds.sql`` -> ``generation.worlds``; top-level
    modules of a stage (``generation.pipeline``) stand for themselves."""
    return ".".join(module.split(".")[:2])


def layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            if layer(target) != layer(source):
                edges.setdefault(layer(source), set()).add(layer(target))
    return edges


def print_layers(edges: dict[str, set[str]]) -> None:
    print("imports between subpackages:")
    for source in sorted(edges):
        print(f"  {source} -> {', '.join(sorted(edges[source]))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-module", type=int, default=300)
    parser.add_argument("--max-function", type=int, default=60)
    parser.add_argument("--layers", action="store_true", help="print subpackage-level imports")
    args = parser.parse_args()
    found = modules()
    graph: dict[str, set[str]] = {}
    long_modules, long_functions = [], []
    for name, path in found.items():
        text = path.read_text()
        tree = ast.parse(text)
        lines = text.count("\n")
        if lines > args.max_module:
            long_modules.append((lines, name))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > args.max_function:
                    long_functions.append((length, f"{name}.{node.name}"))
        # a package's __init__ importing its own submodules is not a cycle of design
        graph[name] = {t for t in imports_of(name, path, tree, set(found)) if not t.startswith(name + ".")}
    print(f"{len(found)} modules in {', '.join(p for p in PACKAGES if (ROOT / p).is_dir())}")
    print(f"modules over {args.max_module} lines: {len(long_modules)}")
    for lines, name in sorted(long_modules, reverse=True):
        print(f"  {lines:5d}  {name}")
    print(f"functions over {args.max_function} lines: {len(long_functions)}")
    for length, name in sorted(long_functions, reverse=True):
        print(f"  {length:5d}  {name}")
    layers = layer_graph(graph)
    if args.layers:
        print_layers(layers)
    cycles = 0
    for what, g in (("import cycle", graph), ("subpackage cycle", layers)):
        try:
            TopologicalSorter(g).prepare()
        except CycleError as exc:
            print(f"{what}: " + " -> ".join(reversed(exc.args[1])))
            cycles += 1
    if not cycles:
        print("import cycles: none (modules and subpackages)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
