"""The house's structure: the import graph between the project's packages points one way.

Nodes are the top-level packages (``ingestion``, ``expectations``, ``dags``) and the parts of the
application package (``motcua.common``, ``motcua.pipeline``, …). Every import counts, also one
inside a function (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

from motcua.common.config import REPO_ROOT

PACKAGES = ("motcua", "ingestion", "expectations", "dags")
LEAF = "motcua.common"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _node(module: str) -> str | None:
    """The package node a module belongs to, or None outside the project."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "motcua" and len(parts) > 1:
        return f"motcua.{parts[1]}"
    return parts[0]


def _imports(path: Path) -> set[str]:
    """Absolute names of every module the file imports (relative imports resolved)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base)
                name = f"{prefix}.{node.module}" if node.module else prefix
            else:
                name = node.module or ""
            out.add(name)
            # `from motcua import warehouse` imports the subpackage motcua.warehouse
            out.update(f"{name}.{alias.name}" for alias in node.names)
    return out


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for top in PACKAGES:
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            source = _node(_module_name(path))
            assert source is not None
            edges = graph.setdefault(source, set())
            for name in _imports(path):
                target = _node(name)
                # `from motcua import x` where x is not a part (a name) ends as the bare package
                if target and target != source and target != "motcua":
                    edges.add(target)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read_from_the_code():
    graph = import_graph()
    # known edges, so that a parser that reads nothing cannot pass the tests below
    assert LEAF in graph["ingestion"]
    assert LEAF in graph["expectations"]
    assert {"ingestion", "expectations", "motcua.warehouse"} <= graph["motcua.pipeline"]
    assert "motcua.pipeline" in graph["dags"]


def test_the_package_import_graph_has_no_cycle():
    assert _find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_ingestion_and_expectations_import_only_the_leaf():
    graph = import_graph()
    assert graph["ingestion"] == {LEAF}
    assert graph["expectations"] == {LEAF}
    assert graph[LEAF] == set()


def test_ingestion_holds_no_build_publish_cli_or_report_code():
    names = {p.stem for p in (REPO_ROOT / "ingestion").rglob("*.py")}
    assert not names & {"build", "publish", "cli", "report", "pipeline", "docs", "alerts"}
    imported = set()
    for path in (REPO_ROOT / "ingestion").rglob("*.py"):
        imported |= {name.split(".")[0] for name in _imports(path)}
    assert not imported & {"dbt", "airflow", "great_expectations", "argparse"}
