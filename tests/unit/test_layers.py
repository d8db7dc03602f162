"""The rooms of orchestration/ follow the data's walk: a module imports only from its own room or from rooms
earlier in the walk, so the foundations (core) know nothing of the steps and no step knows the wiring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "orchestration"
# The walk, foundations first. A room may import from itself and from any room before it.
WALK = ("core", "generate", "land", "build", "outlook", "validate", "publish", "report", "defs", "")


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else ""  # orchestration.cli, orchestration.pipeline: the entry points


def _imports(path: Path) -> list[str]:
    """Every orchestration module the file imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("orchestration"):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("orchestration")]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_room_is_in_the_walk():
    rooms = {
        path.relative_to(PACKAGE).parts[0] for path in _modules() if len(path.relative_to(PACKAGE).parts) > 1
    }
    assert rooms <= set(WALK), f"rooms not placed in the walk: {sorted(rooms - set(WALK))}"


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_go_down_the_walk(path: Path):
    importer = ".".join(("orchestration", *path.relative_to(PACKAGE).with_suffix("").parts))
    rank = WALK.index(_room(importer))
    against = [
        imported
        for imported in _imports(path)
        if _room(imported) in WALK and WALK.index(_room(imported)) > rank
    ]
    assert not against, f"{importer} ({_room(importer) or 'entry point'}) imports later rooms: {against}"
