"""The configuration table (docs/configuration.md) is the settings, all of them; the README
links the guides."""

from __future__ import annotations

from pathlib import Path

import pytest

from openmaze.settings import Settings
from openmaze.settings_doc import DOCUMENTS, END, START, env_name, markdown_table, render

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_document_lists_every_setting_as_the_code_describes_it(document: str) -> None:
    text = (ROOT / document).read_text()
    table = text.split(START, 1)[1].split(END, 1)[0]
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in table]
    assert not missing, f"{document} lacks {missing}: run python -m openmaze.settings_doc"
    assert render(text) == text, f"the table in {document} is stale: run python -m openmaze.settings_doc"


def test_every_setting_has_a_description() -> None:
    assert [name for name, info in Settings.model_fields.items() if not info.description] == []
    assert markdown_table().count("\n") == len(Settings.model_fields) + 1


def test_the_readme_links_the_guides() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "](docs/configuration.md)" in readme
    assert "](docs/deployment.md)" in readme
