"""The roles app is the lower layer: nothing under roles/ imports the cases app (the cases
app builds on roles, never the other way round)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLES_FILES = sorted((ROOT / "roles").rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (also inside functions)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def imports_cases(module: str) -> bool:
    return module == "cases" or module.startswith("cases.")


def test_the_check_sees_imports_inside_functions_too():
    source = "def f():\n    from cases.flow import permissions\n\nimport os, cases.models\n"
    assert sorted(line for line, module in imported_modules(ast.parse(source)) if imports_cases(module)) == [2, 4]
    assert not any(
        imports_cases(module) for _line, module in imported_modules(ast.parse("import casesx\nfrom roles import cases\n"))
    )


def test_there_are_roles_files_to_check():
    assert ROOT / "roles" / "models.py" in ROLES_FILES


@pytest.mark.parametrize("path", ROLES_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_roles_imports_nothing_from_cases(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [f"line {line}: {module}" for line, module in imported_modules(tree) if imports_cases(module)]
    assert not offending, f"{path.relative_to(ROOT)} imports the cases app: {', '.join(offending)}"
