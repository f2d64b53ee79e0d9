"""The package describes itself: license file, description, readme, classifiers, and the
files the server needs at run time declared as package data."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_license_is_a_file_and_matches_the_declaration() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) the openmaze authors" in text


def test_the_package_metadata_is_complete() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["readme"] == "README.md"
    assert 40 < len(project["description"]) <= 140 and "TVmaze" in project["description"]
    assert project["authors"] and project["keywords"]
    classifiers = project["classifiers"]
    assert "Programming Language :: Python :: 3.11" in classifiers and "Framework :: FastAPI" in classifiers
    # PEP 639: a license expression replaces the license classifier, and may not be combined with it.
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_run_time_files_are_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["openmaze"]
    src = ROOT / "src" / "openmaze"
    needed = [
        *src.glob("web/templates/*"),
        *src.glob("web/static/*"),
        *src.glob("spec/*"),
        *src.glob("db/migrations/*.mako"),
    ]
    assert needed
    undeclared = [p for p in needed if not any(p.match(f"{src}/{pattern}") for pattern in data)]
    assert undeclared == []
