"""People and what points at them: a person with their credits (cast, crew, guest cast),
the people index and updates, characters, networks and web channels.

Credits are built from the credit rows the catalog holds for shows and episodes (one
statement per list, whatever its length), in TVmaze's shape: the credit's own fields and
`_links` to the show or episode (and character), with the linked objects in `_embedded`
when asked for.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from openmaze.catalog.embeds import INVALID_EMBED
from openmaze.core.fields import Names
from openmaze.db.database import Conn
from openmaze.public.service import UPDATE_WINDOWS, Fragment, not_found, with_embedded

PEOPLE_PER_PAGE = 250
_EMBED_DOC = "One embed, or several separated by commas"
CreditKind = Literal["castcredits", "crewcredits", "guestcastcredits"]
PERSON_EMBEDS = Names(frozenset({"castcredits", "crewcredits", "guestcastcredits"}), INVALID_EMBED, _EMBED_DOC)
CREDIT_EMBEDS: dict[CreditKind, Names] = {
    "castcredits": Names(frozenset({"show", "character"}), INVALID_EMBED, _EMBED_DOC),
    "crewcredits": Names(frozenset({"show"}), INVALID_EMBED, _EMBED_DOC),
    "guestcastcredits": Names(frozenset({"episode", "character"}), INVALID_EMBED, _EMBED_DOC),
}
ChannelTable = Literal["networks", "webchannels"]

_CREDIT_SQL: dict[CreditKind, str] = {
    # The credit row, the show or episode it belongs to, ordered as TVmaze lists them (by show).
    "castcredits": "SELECT c.data AS credit, s.data AS target FROM show_cast c JOIN shows s ON s.id = c.show_id "
    "WHERE c.person_id = :id ORDER BY c.show_id, c.position",
    "crewcredits": "SELECT c.data AS credit, s.data AS target FROM show_crew c JOIN shows s ON s.id = c.show_id "
    "WHERE c.person_id = :id ORDER BY c.show_id, c.position",
    "guestcastcredits": "SELECT c.data AS credit, e.data AS target FROM episode_guest_cast c "
    "JOIN episodes e ON e.id = c.episode_id WHERE c.person_id = :id ORDER BY c.episode_id, c.position",
}


def _link(obj: Any) -> dict[str, Any]:
    """`{"href", "name"}` for a stored object: its own self link and name."""
    if not isinstance(obj, dict):
        return {"href": None, "name": None}
    href = ((obj.get("_links") or {}).get("self") or {}).get("href")
    return {"href": href, "name": obj.get("name")}


def _credit(kind: CreditKind, credit_text: str, target_text: str, embeds: list[str]) -> dict[str, Any]:
    credit = orjson.loads(credit_text)
    target_key = "episode" if kind == "guestcastcredits" else "show"
    out: dict[str, Any] = {}
    if kind == "crewcredits":
        out["type"] = credit.get("type")
    else:
        out["self"] = credit.get("self", False)
        out["voice"] = credit.get("voice", False)
    links = {target_key: _link(orjson.loads(target_text))}
    character = credit.get("character")
    if kind != "crewcredits":
        links["character"] = _link(character)
    out["_links"] = links
    embedded: dict[str, Any] = {}
    for name in embeds:
        if name == target_key:
            embedded[name] = Fragment(target_text)
        elif name == "character" and character is not None:
            embedded[name] = character
    if embedded:
        out["_embedded"] = embedded
    return out


async def _require_person(conn: Conn, person_id: int) -> None:
    if await conn.fetch_val("SELECT 1 FROM people WHERE id = :id", {"id": person_id}) is None:
        raise not_found()


async def person_credits(
    conn: Conn, person_id: int, kind: CreditKind, embeds: list[str], check: bool = True
) -> list[dict[str, Any]]:
    if check:
        await _require_person(conn, person_id)
    rows = await conn.fetch_all(_CREDIT_SQL[kind], {"id": person_id})
    return [_credit(kind, row["credit"], row["target"], embeds) for row in rows]


async def person_object(conn: Conn, person_id: int, embeds: list[str]) -> Fragment:
    data = await conn.fetch_val("SELECT data FROM people WHERE id = :id", {"id": person_id})
    if data is None:
        raise not_found()
    embedded: dict[str, Any] = {}
    for name in embeds:
        kind: CreditKind = name  # type: ignore[assignment]  # PERSON_EMBEDS holds credit kinds only
        # Embedded credits link their show or episode (`?embed=` on the credits list embeds it).
        embedded[name] = await person_credits(conn, person_id, kind, [], check=False)
    return with_embedded(data, embedded)


async def people_page(conn: Conn, page: int) -> list[Fragment]:
    """Page N holds the people with ids N*250 .. N*250+249; past the highest id, a 404."""
    low = page * PEOPLE_PER_PAGE
    rows = await conn.fetch_all(
        "SELECT data FROM people WHERE id >= :low AND id < :high ORDER BY id",
        {"low": low, "high": low + PEOPLE_PER_PAGE},
    )
    if not rows:
        highest = await conn.fetch_val("SELECT MAX(id) FROM people")
        if highest is None or highest < low:
            raise not_found()
    return [Fragment(r[0]) for r in rows]


async def people_updates(conn: Conn, since: str | None, now: float) -> Fragment:
    if since is None:
        rows = await conn.fetch_all("SELECT id, updated FROM people WHERE updated IS NOT NULL ORDER BY id")
    else:
        rows = await conn.fetch_all(
            "SELECT id, updated FROM people WHERE updated >= :cutoff ORDER BY id",
            {"cutoff": int(now) - UPDATE_WINDOWS[since]},
        )
    return Fragment(orjson.dumps({str(r[0]): r[1] for r in rows}))


async def character_object(conn: Conn, character_id: int) -> Fragment:
    data = await conn.fetch_val("SELECT data FROM characters WHERE id = :id", {"id": character_id})
    if data is None:
        raise not_found()
    return Fragment(data)


async def channel_object(conn: Conn, table: ChannelTable, channel_id: int) -> Fragment:
    if table not in ("networks", "webchannels"):
        raise ValueError(table)
    data = await conn.fetch_val(f"SELECT data FROM {table} WHERE id = :id", {"id": channel_id})
    if data is None:
        raise not_found()
    return Fragment(data)
