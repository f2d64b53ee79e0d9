"""`openmaze catalog import`: TVmaze-shaped JSON in, idempotent, all-or-nothing per file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from openmaze.db.database import Conn
from tests.conftest import run_sync
from tests.core.test_cli import openmaze


def _show(demo: list[dict[str, Any]], new_id: int, episode_base: int, person_base: int) -> dict[str, Any]:
    """A demo show re-numbered into ids the test database does not hold yet."""
    show = copy.deepcopy(demo[0])
    show["id"] = new_id
    show["externals"] = {"tvrage": None, "thetvdb": 70_000 + new_id % 1000, "imdb": f"tt{new_id:07d}"}
    for i, ep in enumerate(show["_embedded"]["episodes"]):
        ep["id"] = episode_base + i
    for i, credit in enumerate(show["_embedded"]["cast"]):
        credit["person"] = {**credit["person"], "id": person_base + i}
    for i, season in enumerate(show["_embedded"]["seasons"]):
        season["id"] = episode_base + i
    return show


def _counts(database_url: str, show_ids: list[int]) -> dict[str, int]:
    async def count(conn: Conn) -> dict[str, int]:
        ids = ",".join(str(i) for i in show_ids)
        return {
            "shows": await conn.fetch_val(f"SELECT COUNT(*) FROM shows WHERE id IN ({ids})"),
            "episodes": await conn.fetch_val(f"SELECT COUNT(*) FROM episodes WHERE show_id IN ({ids})"),
            "cast": await conn.fetch_val(f"SELECT COUNT(*) FROM show_cast WHERE show_id IN ({ids})"),
            "networks": await conn.fetch_val("SELECT COUNT(*) FROM networks"),
        }

    result: dict[str, int] = run_sync(database_url, count)
    return result


def test_import_array_and_single_object_then_reimport_in_place(
    database_url: str, tmp_path: Path, demo: list[dict[str, Any]]
) -> None:
    a = _show(demo, 100, 10_000, 20_000)
    b = _show(demo, 101, 11_000, 21_000)
    (tmp_path / "two.json").write_text(json.dumps([a, b]))
    (tmp_path / "one.json").write_text(json.dumps(_show(demo, 102, 12_000, 22_000)))

    result = openmaze(database_url, "catalog", "import", str(tmp_path / "two.json"), str(tmp_path / "one.json"))
    assert result.returncode == 0, result.stderr
    assert "imported 2 file(s): 3 shows" in result.stdout
    before = _counts(database_url, [100, 101, 102])
    n_eps = len(a["_embedded"]["episodes"])
    assert before["shows"] == 3 and before["episodes"] == 3 * n_eps

    # Re-import with a changed name: updated in place, nothing duplicated.
    a["name"] = "Renamed Show"
    (tmp_path / "two.json").write_text(json.dumps([a, b]))
    assert openmaze(database_url, "catalog", "import", str(tmp_path / "two.json")).returncode == 0
    assert _counts(database_url, [100, 101, 102]) == before

    async def stored(conn: Conn) -> dict[str, Any]:
        row = await conn.fetch_one("SELECT name, imdb_id, thetvdb_id, data FROM shows WHERE id = 100")
        assert row is not None
        return {"name": row["name"], "imdb": row["imdb_id"], "tvdb": row["thetvdb_id"], "data": json.loads(row["data"])}

    row = run_sync(database_url, stored)
    assert row["name"] == "Renamed Show"
    assert row["imdb"] == "tt0000100" and row["tvdb"] == 70_100
    # Every field the source gave is kept (minus the embeds, which live in their own tables).
    assert set(row["data"]) == set(a) - {"_embedded"}


@pytest.mark.parametrize(
    ("mutate", "path", "problem"),
    [
        (lambda shows: shows[1].update(id="x"), "$[1].id", "positive integer"),
        (lambda shows: shows[1].pop("name"), "$[1].name", "non-empty string"),
        (lambda shows: shows[1]["_embedded"]["episodes"][3].update(id=-5), "$[1]._embedded.episodes[3].id", "positive"),
        (lambda shows: shows[1]["_embedded"]["episodes"][2].update(season="one"), "episodes[2].season", "integer"),
        (lambda shows: shows[1]["_embedded"]["cast"][0].update(person=None), "$[1]._embedded.cast[0].person", "object"),
        (lambda shows: shows[1].update(network={"name": "x"}), "$[1].network.id", "positive integer"),
        (lambda shows: shows[1]["_embedded"].update(crew={}), "$[1]._embedded.crew", "expected an array"),
        (lambda shows: shows[1]["_embedded"]["crew"][0].pop("person"), "$[1]._embedded.crew[0].person", "object"),
        (lambda shows: shows[1]["_embedded"]["seasons"][0].update(id="2"), "seasons[0].id", "positive integer"),
        (lambda shows: shows[1]["_embedded"].update(akas="none"), "$[1]._embedded.akas", "expected an array"),
        (
            lambda shows: shows[1]["_embedded"]["episodes"][1]["_embedded"]["guestcast"][0]["character"].update(id=0),
            "$[1]._embedded.episodes[1]._embedded.guestcast[0].character.id",
            "positive integer",
        ),
        (
            lambda shows: shows[1]["_embedded"].update(
                alternatelists=[{"id": 5, "_embedded": {"alternateepisodes": [{}]}}]
            ),
            "$[1]._embedded.alternatelists[0]._embedded.alternateepisodes[0].id",
            "positive integer",
        ),
    ],
)
def test_malformed_file_names_file_and_path_and_imports_nothing(
    database_url: str, tmp_path: Path, demo: list[dict[str, Any]], mutate: Any, path: str, problem: str
) -> None:
    shows = [_show(demo, 200, 30_000, 40_000), _show(demo, 201, 31_000, 41_000)]
    mutate(shows)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(shows))
    result = openmaze(database_url, "catalog", "import", str(bad))
    assert result.returncode != 0
    assert str(bad) in result.stderr and path in result.stderr and problem in result.stderr
    assert "Traceback" not in result.stderr
    # The valid first show of the file was not imported either.
    assert _counts(database_url, [200, 201])["shows"] == 0


def test_reimport_replaces_a_shows_credits_lists_and_guests(
    database_url: str, tmp_path: Path, demo: list[dict[str, Any]]
) -> None:
    show = _show(demo, 300, 50_000, 60_000)
    guested = next(e for e in show["_embedded"]["episodes"] if "_embedded" in e)
    (tmp_path / "show.json").write_text(json.dumps(show))
    assert openmaze(database_url, "catalog", "import", str(tmp_path / "show.json")).returncode == 0

    async def held(conn: Conn) -> tuple[Any, ...]:
        return (
            await conn.fetch_val("SELECT COUNT(*) FROM show_crew WHERE show_id = 300"),
            await conn.fetch_val("SELECT data FROM show_lists WHERE show_id = 300 AND kind = 'images'"),
            await conn.fetch_val(
                "SELECT COUNT(*) FROM episode_guest_cast WHERE episode_id = :id", {"id": guested["id"]}
            ),
            await conn.fetch_val("SELECT COUNT(*) FROM seasons WHERE show_id = 300"),
        )

    crew, images, guests, seasons = run_sync(database_url, held)
    assert crew == len(show["_embedded"]["crew"]) and json.loads(images) == show["_embedded"]["images"]
    assert guests == 1 and seasons == len(show["_embedded"]["seasons"])
    # The source drops a crew member, the images, and the episode's guests: so does the catalog.
    show["_embedded"]["crew"] = show["_embedded"]["crew"][:1]
    show["_embedded"]["images"] = []
    guested["_embedded"]["guestcast"] = []
    (tmp_path / "show.json").write_text(json.dumps(show))
    assert openmaze(database_url, "catalog", "import", str(tmp_path / "show.json")).returncode == 0
    assert run_sync(database_url, held) == (1, "[]", 0, seasons)


def test_invalid_json_and_wrong_top_level(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('[{"id": 1,')
    result = openmaze(database_url, "catalog", "import", str(tmp_path / "broken.json"))
    assert result.returncode == 1 and "broken.json: $: not valid JSON" in result.stderr
    (tmp_path / "number.json").write_text("42")
    result = openmaze(database_url, "catalog", "import", str(tmp_path / "number.json"))
    assert result.returncode == 1 and "expected a show object or an array" in result.stderr
    result = openmaze(database_url, "catalog", "import", str(tmp_path / "missing.json"))
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_external_ids_that_cannot_be_ids_import_as_unknown() -> None:
    from openmaze.catalog.importer import parse_document

    externals = {"thetvdb": "\u00b2", "tvrage": " 12 ", "imdb": "tt\u00b2"}
    (show,) = parse_document({"id": 5, "name": "X", "externals": externals, "weight": "\u00b2"}, "test").shows
    assert (show["thetvdb_id"], show["tvrage_id"], show["imdb_id"], show["weight"]) == (None, 12, None, None)
    big = {"thetvdb": 2**40, "tvrage": -1}
    (show,) = parse_document({"id": 5, "name": "X", "externals": big}, "test").shows
    assert (show["thetvdb_id"], show["tvrage_id"]) == (None, None)


def test_imdb_ids_are_normalised() -> None:
    from openmaze.core.fields import IMDB_ID

    assert IMDB_ID.value("tt0944947") == IMDB_ID.value(944947) == IMDB_ID.value("TT944947") == "tt0944947"
    assert IMDB_ID.value("nonsense") is None and IMDB_ID.value(None) is None


def test_import_statement_count_does_not_grow_with_size(demo: list[dict[str, Any]]) -> None:
    """The writer issues a fixed number of statements per file, whatever it holds."""
    import asyncio

    from openmaze.catalog.importer import parse_document, write_batch
    from openmaze.db.database import SqliteConn, connect_sqlite
    from openmaze.db.migrate import upgrade

    async def statements_for(shows: list[dict[str, Any]], path: Path) -> int:
        upgrade(f"sqlite:///{path}")
        raw = connect_sqlite(str(path))
        calls = 0

        class Counting(SqliteConn):
            async def execute_many(self, sql: str, rows: Any) -> None:
                nonlocal calls
                calls += 1
                await super().execute_many(sql, rows)

        await write_batch(Counting(raw), parse_document(shows, "test"))
        raw.close()
        return calls

    import tempfile

    with tempfile.TemporaryDirectory() as d:
        small = asyncio.run(statements_for(demo[:1], Path(d) / "a.sqlite3"))
        large = asyncio.run(statements_for(demo, Path(d) / "b.sqlite3"))
    assert small == large


def test_an_alternate_episode_names_its_episode_by_link_or_by_embed() -> None:
    from openmaze.catalog.importer import parse_document

    items = [
        {"id": 1, "_links": {"episode": {"href": "https://api.tvmaze.com/episodes/11"}}},
        {"id": 2, "_links": {"episodes": [{"href": "https://api.tvmaze.com/episodes/12"}]}},
        {"id": 3, "_links": {}, "_embedded": {"episodes": [{"id": 13, "name": "x"}]}},
        {"id": 4},
    ]
    show = {
        "id": 5,
        "name": "X",
        "_embedded": {"alternatelists": [{"id": 7, "_embedded": {"alternateepisodes": items}}]},
    }
    rows = parse_document(show, "test").alternate_episodes
    assert [(r["id"], r["episode_id"], r["position"]) for r in rows] == [
        (1, 11, 0),
        (2, 12, 1),
        (3, 13, 2),
        (4, None, 3),
    ]
    assert all("_embedded" not in json.loads(r["data"]) for r in rows)  # the episode lives in its own table
