"""`?embed=` on user-API lists: validated against the route's allowed values, then resolved
with one batched catalog load per list (never a query per item).

`_embedded` is absent unless asked for (not null, not empty); an unknown value is a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from openmaze.catalog.objects import CatalogTable, load_many
from openmaze.core.errors import ApiError
from openmaze.db.database import Conn

INVALID_EMBED = "Invalid embed type"


def wants_embed(request: Request, allowed: str) -> bool:
    """True when `?embed=<allowed>` was asked for, False when `embed` is absent.

    Anything else, an empty `?embed=` included, is a 400: the OpenAPI document lists the one
    allowed value, and a request outside it is refused rather than half-understood.
    """
    value = request.query_params.get("embed")
    if value is None:
        return False
    if value != allowed:
        raise ApiError(400, INVALID_EMBED)
    return True


async def attach(
    conn: Conn, items: Sequence[dict[str, Any]], key: str, table: CatalogTable, name: str
) -> list[dict[str, Any]]:
    """Add `_embedded.<name>` (the catalog object whose id is `item[key]`) to every item.

    An item whose object has vanished from the catalog keeps no `_embedded` rather than a null.
    """
    objects = await load_many(conn, table, [item[key] for item in items])
    out: list[dict[str, Any]] = []
    for item in items:
        obj = objects.get(item[key])
        out.append(item if obj is None else {**item, "_embedded": {name: obj}})
    return out
