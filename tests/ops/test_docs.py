"""The documents: the configuration table (docs/configuration.md) is the settings, all of them,
and the command that maintains it only rewrites when asked; the README stays a front door that
links the guides; no relative link points at nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from openmaze import settings_doc
from openmaze.settings import Settings
from openmaze.settings_doc import DOCUMENTS, END, START, env_name, markdown_table, render

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS_WITH_LINKS = [
    ROOT / "README.md",
    ROOT / "bench" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_document_lists_every_setting_as_the_code_describes_it(document: str) -> None:
    text = (ROOT / document).read_text()
    table = text.split(START, 1)[1].split(END, 1)[0]
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in table]
    assert not missing, f"{document} lacks {missing}: run python -m openmaze.settings_doc --write"
    assert render(text) == text, f"the table in {document} is stale: run python -m openmaze.settings_doc --write"


def test_every_setting_has_a_description() -> None:
    assert [name for name, info in Settings.model_fields.items() if not info.description] == []
    assert markdown_table().count("\n") == len(Settings.model_fields) + 1


def test_the_readme_links_the_guides() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "](docs/configuration.md)" in readme
    assert "](docs/deployment.md)" in readme


@pytest.fixture
def stale(tmp_path: Path) -> Path:
    document = tmp_path / "doc.md"
    document.write_text(f"# Settings\n\n{START}\n| variable |\n{END}\n\nAfter.\n")
    return document


def test_by_default_the_command_shows_the_change_and_writes_nothing(
    stale: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stale.read_text()
    assert settings_doc.main([str(stale)]) == 0
    assert stale.read_text() == before
    out = capsys.readouterr().out
    assert "-| variable |\n" in out and "+| `OPENMAZE_DATABASE_URL` |" in out


def test_check_fails_on_a_stale_table_and_passes_on_a_current_one(
    stale: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stale.read_text()
    assert settings_doc.main(["--check", str(stale)]) == 1
    assert stale.read_text() == before
    assert "--write" in capsys.readouterr().err
    assert settings_doc.main(["--write", str(stale)]) == 0
    assert stale.read_text() == render(before) and stale.read_text().endswith(f"{END}\n\nAfter.\n")
    assert settings_doc.main(["--check", str(stale)]) == 0


def test_missing_documents_or_markers_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An installed package (no checkout around it) finds no documents.
    monkeypatch.setattr(settings_doc, "ROOT", tmp_path)
    assert settings_doc.main(["--check"]) == 2
    assert "document not found" in capsys.readouterr().err
    no_markers = tmp_path / "plain.md"
    no_markers.write_text("# No table here\n")
    assert settings_doc.main(["--write", str(no_markers)]) == 2
    assert "markers are missing" in capsys.readouterr().err
    assert no_markers.read_text() == "# No table here\n"


def test_the_command_finds_the_checkouts_documents_from_any_directory(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "openmaze.settings_doc", "--check"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert list(tmp_path.iterdir()) == []


def _prose(path: Path) -> str:
    """The document without code: links and headings only count outside code."""
    return INLINE_CODE.sub("", FENCED.sub("", path.read_text()))


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCED.sub("", path.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


@pytest.mark.parametrize("document", DOCUMENTS_WITH_LINKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(document: Path) -> None:
    broken = []
    for target in LINK.findall(_prose(document)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (document.parent / file).resolve() if file else document
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{target}: no such heading")
    assert broken == [], f"{document.relative_to(ROOT)}: {broken}"


def test_the_readme_fits_a_first_screen_or_so() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines < 80, f"README.md has {lines} lines: reference material belongs in docs/"
