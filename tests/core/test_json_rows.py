"""`json_rows_sql`: lists built as JSON by the database equal the rows, in order, on both
backends (the fast path for large lists; see its docstring)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from openmaze.core.scope import Scoped
from openmaze.db.database import Conn, id_list_sql, id_objects_json, json_rows_sql
from tests.conftest import DEMO_SHOW, UNKNOWN_ID, ApiUser, run_sync

EPISODES = "SELECT id, season, number, airdate, type FROM episodes WHERE show_id = :show ORDER BY id"
COLUMNS = ("id", "season", "number", "airdate", "type")


def _both(database_url: str, select: str, columns: tuple[str, ...], params: dict[str, Any], **kw: Any) -> Any:
    async def fetch(conn: Conn) -> tuple[list[dict[str, Any]], str]:
        rows = await conn.fetch_all(select, params)
        text = await conn.fetch_val(json_rows_sql(conn.dialect, select, columns, **kw), params)
        return [{c: row[c] for c in columns} for row in rows], text

    return run_sync(database_url, fetch)


def test_rows_as_json_in_order(database_url: str) -> None:
    expected, text = _both(database_url, EPISODES, COLUMNS, {"show": DEMO_SHOW})
    assert len(expected) > 10
    assert any(item["number"] is None for item in expected)  # specials: nulls survive
    assert orjson.loads(text) == expected
    assert text == orjson.dumps(expected).decode()  # compact, and the same bytes on both backends


def test_integer_columns_with_nulls(database_url: str) -> None:
    select = "SELECT id, season, number FROM episodes WHERE show_id = :show ORDER BY id"
    expected, text = _both(database_url, select, ("id", "season", "number"), {"show": DEMO_SHOW}, integers=True)
    assert any(item["number"] is None for item in expected)
    assert text == orjson.dumps(expected).decode()


def test_descending_order_and_explicit_order_by(database_url: str) -> None:
    select = EPISODES.replace("ORDER BY id", "ORDER BY id DESC")
    expected, text = _both(database_url, select, COLUMNS, {"show": DEMO_SHOW})
    assert orjson.loads(text) == expected
    assert [e["id"] for e in expected] == sorted((e["id"] for e in expected), reverse=True)
    _, text = _both(database_url, EPISODES, COLUMNS, {"show": DEMO_SHOW}, order_by="id")
    assert orjson.loads(text) == expected[::-1]


def test_strings_with_quotes_and_accents(database_url: str) -> None:
    select = "SELECT id, name FROM shows WHERE id >= :first ORDER BY id"
    expected, text = _both(database_url, select, ("id", "name"), {"first": 0})
    assert any(not item["name"].isascii() for item in expected)  # "Café", "Élan" in the demo catalog
    assert orjson.loads(text) == expected
    assert text == orjson.dumps(expected).decode()


def test_no_rows_is_an_empty_array(database_url: str) -> None:
    _, text = _both(database_url, EPISODES, COLUMNS, {"show": UNKNOWN_ID})
    assert orjson.loads(text) == []


def test_through_the_user_scope(database_url: str, alice: ApiUser, bob: ApiUser) -> None:
    select = "SELECT episode_id, type, marked_at FROM marked_episodes WHERE user_id = :user_id ORDER BY episode_id"

    async def run(conn: Conn) -> tuple[Any, Any]:
        for user, episode in ((alice, 9_000_001), (alice, 9_000_002), (bob, 9_000_003)):
            await conn.execute(
                "INSERT INTO marked_episodes (user_id, episode_id, show_id, type, marked_at) "
                "VALUES (:u, :e, :s, 1, 1700000000)",
                {"u": user.id, "e": episode, "s": DEMO_SHOW},
            )
        sql = json_rows_sql(conn.dialect, select, ("episode_id", "type", "marked_at"))
        integers = json_rows_sql(conn.dialect, select, ("episode_id", "type", "marked_at"), integers=True)
        mine = await Scoped(conn, alice.id).fetch_val(sql)
        assert await Scoped(conn, alice.id).fetch_val(integers) == mine  # integers=True: the same bytes
        return mine, await Scoped(conn, bob.id).fetch_val(sql)

    mine, theirs = run_sync(database_url, run)
    assert orjson.loads(mine) == [
        {"episode_id": 9_000_001, "type": 1, "marked_at": 1_700_000_000},
        {"episode_id": 9_000_002, "type": 1, "marked_at": 1_700_000_000},
    ]
    assert mine == orjson.dumps(orjson.loads(mine)).decode()
    assert orjson.loads(theirs) == [{"episode_id": 9_000_003, "type": 1, "marked_at": 1_700_000_000}]


def test_refuses_column_names_that_are_not_plain() -> None:
    with pytest.raises(ValueError):
        json_rows_sql("sqlite", "SELECT 1 AS a", ("a'); DROP TABLE users; --",))


# --- id lists (`id_list_sql` + `id_objects_json`) -------------------------------------------


def _ids(database_url: str, where: str, params: dict[str, Any]) -> tuple[list[int], str]:
    async def fetch(conn: Conn) -> tuple[list[int], str]:
        rows = await conn.fetch_all(f"SELECT id FROM episodes WHERE {where} ORDER BY id", params)
        text = await conn.fetch_val(id_list_sql(conn.dialect, "episodes", "id", where), params)
        return [row[0] for row in rows], id_objects_json(text, "episode_id")

    return run_sync(database_url, fetch)


def test_id_list_is_every_id_in_ascending_order(database_url: str) -> None:
    expected, text = _ids(database_url, "show_id = :show", {"show": DEMO_SHOW})
    assert len(expected) > 10
    assert orjson.loads(text) == [{"episode_id": i} for i in expected]


def test_id_list_of_no_rows_is_an_empty_array(database_url: str) -> None:
    assert _ids(database_url, "show_id = :show", {"show": UNKNOWN_ID}) == ([], "[]")


def test_id_objects_json_handles_one_and_negative_ids() -> None:
    assert orjson.loads(id_objects_json("7", "show_id")) == [{"show_id": 7}]
    assert orjson.loads(id_objects_json("-1,2", "show_id")) == [{"show_id": -1}, {"show_id": 2}]


def test_id_list_refuses_names_that_are_not_plain() -> None:
    with pytest.raises(ValueError):
        id_list_sql("sqlite", "episodes; DROP TABLE users", "id", "1 = 1")
