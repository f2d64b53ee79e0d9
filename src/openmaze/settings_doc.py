"""The environment-variable table of docs/configuration.md, generated from `Settings`.

`python -m openmaze.settings_doc` rewrites the table between the markers;
a test fails when a document and the settings disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic.fields import FieldInfo

from openmaze.settings import Settings

START = "<!-- settings-table:start (generated: python -m openmaze.settings_doc) -->"
DOCUMENTS = ("docs/configuration.md",)
END = "<!-- settings-table:end -->"


def env_name(field: str) -> str:
    prefix = Settings.model_config.get("env_prefix", "")
    return f"{prefix}{field}".upper()


def _default(info: FieldInfo) -> str:
    value = info.get_default(call_default_factory=True)
    if value in ("", None):
        return "(empty)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(name)}` | {_cell(_default(info))} | {_cell(info.description or '')} |")
    return "\n".join(rows)


def render(document: str) -> str:
    """`document` with the text between the markers replaced by the current table."""
    head, sep, rest = document.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError("the settings-table markers are missing")
    return f"{head}{START}\n{markdown_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    for name in argv or DOCUMENTS:
        path = Path(name)
        path.write_text(render(path.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
