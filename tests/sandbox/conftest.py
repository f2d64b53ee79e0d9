"""Sandbox tests. `project/` is a client's own test project, run by test_project.py in a
pytest of its own (as an outside project would run): never collected here."""

from __future__ import annotations

collect_ignore = ["project"]
