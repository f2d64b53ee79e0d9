"""The deployment guide's environment-variable table is the settings, all of them."""

from __future__ import annotations

from pathlib import Path

from openmaze.settings import Settings
from openmaze.settings_doc import END, START, env_name, markdown_table, render

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deployment.md"


def test_the_guide_lists_every_setting_as_the_code_describes_it() -> None:
    text = GUIDE.read_text()
    table = text.split(START, 1)[1].split(END, 1)[0]
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in table]
    assert not missing, f"docs/deployment.md lacks {missing}: run python -m openmaze.settings_doc docs/deployment.md"
    assert render(text) == text, "the table is stale: run python -m openmaze.settings_doc docs/deployment.md"


def test_every_setting_has_a_description() -> None:
    assert [name for name, info in Settings.model_fields.items() if not info.description] == []
    assert markdown_table().count("\n") == len(Settings.model_fields) + 1


def test_the_readme_links_the_guide() -> None:
    assert "docs/deployment.md" in (ROOT / "README.md").read_text()
