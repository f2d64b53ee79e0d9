"""The environment-variable table of docs/configuration.md, generated from `Settings`.

    python -m openmaze.settings_doc            # print what would change
    python -m openmaze.settings_doc --check    # the same, exiting 1 when a table is stale
    python -m openmaze.settings_doc --write    # rewrite the table between the markers

The documents are found in the source checkout this module runs from (or named on the
command line); a test fails when a document and the settings disagree.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from pydantic.fields import FieldInfo

from openmaze.settings import Settings

START = "<!-- settings-table:start (generated: python -m openmaze.settings_doc --write) -->"
DOCUMENTS = ("docs/configuration.md",)
END = "<!-- settings-table:end -->"
# The checkout's root (src/openmaze/settings_doc.py -> ../..); an installed package has no docs/.
ROOT = Path(__file__).resolve().parents[2]


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
    parser = argparse.ArgumentParser(
        prog="python -m openmaze.settings_doc",
        description="Compare (or rewrite) the settings table of the documents with the code.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 when a table is stale")
    mode.add_argument("--write", action="store_true", help="rewrite stale tables")
    parser.add_argument("documents", nargs="*", type=Path, help=f"default: {', '.join(DOCUMENTS)} of the checkout")
    args = parser.parse_args(argv)

    paths: list[Path] = args.documents or [ROOT / name for name in DOCUMENTS]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(
            f"settings_doc: document not found: {', '.join(missing)} "
            "(run it from a source checkout of openmaze, or name the documents)",
            file=sys.stderr,
        )
        return 2
    stale = []
    for path in paths:
        text = path.read_text()
        try:
            wanted = render(text)
        except ValueError as exc:
            print(f"settings_doc: {path}: {exc} ({START!r} ... {END!r})", file=sys.stderr)
            return 2
        if wanted == text:
            continue
        stale.append(str(path))
        if args.write:
            path.write_text(wanted)
            print(f"{path}: table rewritten")
        else:
            diff = difflib.unified_diff(
                text.splitlines(keepends=True), wanted.splitlines(keepends=True), str(path), f"{path} (generated)"
            )
            sys.stdout.writelines(diff)
    if stale and not args.write:
        print(f"settings_doc: stale: {', '.join(stale)}; rewrite with --write", file=sys.stderr)
        return 1 if args.check else 0
    if not stale:
        print("settings_doc: up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
