"""`openmaze.core` is the shared plumbing every domain package builds on: it imports no
domain package (auth, follows, public, web, ...), so any domain can use all of it."""

from __future__ import annotations

import ast
from pathlib import Path

import openmaze.core

# What core may import from openmaze besides itself: the database layer and the settings.
BELOW_CORE = {"core", "db", "settings"}


def _openmaze_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "openmaze":
                found.add(parts[1] if len(parts) > 1 else "")
    return found


def test_core_imports_no_domain_package() -> None:
    core = Path(openmaze.core.__file__).parent
    upward = {
        f"{path.name} imports openmaze.{package}"
        for path in sorted(core.glob("*.py"))
        for package in _openmaze_imports(path) - BELOW_CORE
    }
    assert sorted(upward) == []
