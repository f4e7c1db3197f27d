"""The import direction of ARCHITECTURE.md, checked on the source.

forms -> agreements -> search -> registry core. Composition-root modules may import any
package, but only inside functions."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = {"registry", "agreements", "forms", "search", "locales"}
ALLOWED = {
    "registry": {"registry"},
    "search": {"search", "registry"},
    "agreements": {"agreements", "search", "registry"},
    "forms": {"forms", "agreements", "search", "registry"},
}
COMPOSITION_ROOTS = {"registry/web/app.py", "registry/cli.py", "registry/composition.py", "registry/migrations/env.py"}


def imported_packages(tree: ast.AST, top_level_only: bool) -> set[tuple[str, int]]:
    found = set()
    nodes = ast.iter_child_nodes(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return {(name, line) for name, line in found if name in PROJECT_PACKAGES}


def source_files():
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize("package,path", list(source_files()), ids=lambda p: str(p.relative_to(ROOT)) if isinstance(p, Path) else p)
def test_imports_flow_one_way(package, path):
    relative = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = relative in COMPOSITION_ROOTS
    wrong = [(name, line) for name, line in imported_packages(tree, top_level) if name not in ALLOWED[package]]
    assert not wrong, f"{relative} imports {wrong}; allowed: {sorted(ALLOWED[package])}"


def test_checker_catches_a_wrong_import():
    tree = ast.parse("def f():\n    import agreements.models\n")
    assert imported_packages(tree, top_level_only=False) == {("agreements", 2)}
    assert imported_packages(tree, top_level_only=True) == set()
