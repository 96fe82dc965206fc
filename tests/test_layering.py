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


# --- the rooms of the cases app (docs/architecture.md) ------------------------------------------
# What each room may import from the others. A new import across rooms that is not here fails:
# either it belongs (add it here and to docs/architecture.md) or the code is in the wrong room.
ROOMS_MAY_IMPORT = {
    "flow": {"models"},
    "models": {"flow", "acting", "ahv"},
    "acting": set(),
    # cached: the figures' cache, keyed by the data's generation (imports no room)
    "cached": set(),
    "ahv": set(),
    "audit": {"models", "flow"},
    "deadlines": {"models", "flow", "acting", "mail"},
    "statistics": {"models", "deadlines"},
    "documents": {"models", "flow", "audit", "forms"},
    # forms: the scheduling forms hand the actions their inputs (When, Invitee, AgendaEntry)
    "forms": {"models", "flow", "intake", "scheduling"},
    # filters: the case list's choices (regions, themes, institutions, case managers) cached
    "filters": {"models", "deadlines", "statistics", "ahv", "cached"},
    "intake": {"models", "ahv"},
    "plandiff": {"models"},
    "inlined": set(),
    # actions: the e-mails of a step (notices) are queued as tasks once the step is committed
    # and the notifications of a step are written in its transaction, their e-mails queued the same way
    "actions": {"models", "flow", "deadlines", "documents", "audit", "acting", "notices", "notifications", "tasks"},
    # disputes: its actions write the case journal and notify through cases/actions.py
    "disputes": {"models", "flow", "actions", "acting", "audit", "forms", "commission"},
    "notices": {"models", "mail"},
    "notifications": {"models", "flow", "mail"},
    "mail": set(),
    "tasks": {"deadlines", "notices", "notifications", "retention", "scheduling"},
    # retention: the rule and the anonymisation; it rewrites the chained records (audit.chain)
    "retention": {"models", "flow", "audit"},
    # commission: the legal commission and the fund; its actions write through the journal,
    # notifications and file checks of actions.py
    "commission": {"models", "flow", "audit", "acting", "actions", "documents", "forms"},
    # demo: holds back the e-mails of the steps it replays (notices.held_back)
    # demo: re-dates the journal it replays and so re-chains it (audit.chain)
    # demo: plays two disputes through their actions (disputes.actions)
    # demo: schedules the demo meetings through the scheduling actions
    # demo: the accounting and the conferences, by their own actions
    "demo": {
        "models",
        "actions",
        "acting",
        "deadlines",
        "ahv",
        "flow",
        "notices",
        "notifications",
        "audit",
        "disputes",
        "commission",
        "scheduling",
        "accounting",
        "conferences",
    },
    # scheduling: its actions write the case's journal (actions._journal) and queue the
    # invitations (tasks) unless the demo holds the e-mails back (notices.sending)
    "scheduling": {"models", "flow", "actions", "acting", "audit", "notices", "tasks", "mail"},
    # demo: holds back the e-mails of the steps it replays (notices.held_back)
    # demo: re-dates the journal it replays and so re-chains it (audit.chain)
    "management": {"models", "flow", "deadlines", "demo", "notifications", "audit"},
    "admin": {"models", "flow", "audit"},
    "context_processors": {"flow", "worklists"},
    # worklists: My tasks, from the states, the scope, the deadlines and the print queue
    "worklists": {"models", "flow", "deadlines", "documents", "retention", "commission", "accounting", "cached"},
    "templatetags": {"flow", "documents", "accounting"},
    "views": {
        "actions",
        "audit",
        "cached",
        "commission",
        "deadlines",
        "disputes",
        "documents",
        "filters",
        "flow",
        "forms",
        "inlined",
        "intake",
        "models",
        "notifications",
        "plandiff",
        "retention",
        "scheduling",
        "statistics",
        "worklists",
        "accounting",
        "conferences",
    },
    "urls": {"views"},
    # accounting: its actions, figures and exports (spreadsheets' formula neutralisation)
    "accounting": {"models", "flow", "acting", "statistics"},
    # conferences: the actions of the conferences, written to the accounting log
    "conferences": {"models", "flow", "acting", "accounting"},
}
CASES_FILES = sorted(path for path in (ROOT / "cases").rglob("*.py") if "migrations" not in path.parts)


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "cases" and len(parts) > 1 else None


def test_every_room_is_listed():
    rooms = {path.relative_to(ROOT / "cases").parts[0].removesuffix(".py") for path in CASES_FILES} - {"__init__", "apps"}
    assert rooms == set(ROOMS_MAY_IMPORT)


@pytest.mark.parametrize("path", CASES_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_room_imports_only_the_rooms_it_may(path):
    room = path.relative_to(ROOT / "cases").parts[0].removesuffix(".py")
    if room in ("__init__", "apps"):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = [(line, module) for line, module in imported_modules(tree)]
    for node in ast.walk(tree):  # "from cases import actions" names the room in the alias
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "cases":
            names.extend((node.lineno, f"cases.{alias.name}") for alias in node.names)
    used = {(line, room_of(module)) for line, module in names if room_of(module) not in (None, room)}
    offending = sorted(f"line {line}: {other}" for line, other in used if other not in ROOMS_MAY_IMPORT[room])
    assert not offending, f"{room} may not import {', '.join(offending)}"
