"""A room owns its tables: other rooms read and change them only through its service.

This reads the imports of every module under src/watchfloor and fails on a table (a model
class) imported from another room's models, unless it is listed below with the reason it may be
or imported under ``if TYPE_CHECKING:`` (a name for annotations cannot query anything).
A new cross-room query should become a function in the owning room instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "watchfloor"

# (importing room, model module, class) → why it may.
ALLOWED: dict[tuple[str, str, str], str] = {
    **{
        (room, "watchfloor.auth.models", "User"): (
            "the signed-in person, handed over by auth's dependencies: a type to call services "
            "with, never queried"
        )
        for room in (
            "audit",
            "cases",
            "incidents",
            "insights",
            "intake",
            "notify",
            "quality",
            "oncall",
            "queues",
            "sim",
            "triage",
            "web",
            "deps.py",
        )
    },
    ("web", "watchfloor.auth.models", "LoginSession"): (
        "the console's sign-in, as auth.login_sessions.lookup returns it: a type"
    ),
    **{
        ("sla", "watchfloor.cases.models", name): (
            "DESIGN.md: a case's clocks change only through cases and sla; the clock columns "
            "live on the cases table, and the sweep reads them there"
        )
        for name in ("Case", "FIRST_ACTION_RUNNING", "RESOLVE_RUNNING")
    },
}


def _room(path: Path) -> str:
    """The room a module is in: its folder under src/watchfloor (a top-level module: itself)."""
    return path.relative_to(SRC).parts[0]


def _typing_only(tree: ast.Module) -> set[int]:
    """The ids of imports under ``if TYPE_CHECKING:``: names for annotations, never queried."""
    return {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for child in ast.walk(node)
    }


def _model_imports(path: Path) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _typing_only(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("watchfloor.")
            and node.module.endswith(".models")
        ):
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


def test_no_room_imports_another_rooms_tables_unless_listed() -> None:
    crossing = []
    used: set[tuple[str, str, str]] = set()
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        room = _room(path)
        for module, name, line in _model_imports(path):
            owner = module.split(".")[1]
            if owner == room:
                continue
            key = (room, module, name)
            if key in ALLOWED:
                used.add(key)
                continue
            crossing.append(f"{path.relative_to(SRC)}:{line}: {name} from {module}")
    assert crossing == [], "query these through the owning room's service:\n" + "\n".join(crossing)
    # Every exception still earns its place.
    stale = sorted(set(ALLOWED) - used)
    assert stale == [], f"no longer needed, remove from ALLOWED: {stale}"
