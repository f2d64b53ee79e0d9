"""Responses serialised once, straight to bytes with orjson.

Catalog objects are stored as their JSON text; `Raw` splices that text into a response
without parsing it again (orjson.Fragment), which keeps embeds cheap at any list size.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

Raw = orjson.Fragment


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json", headers=headers)


def empty_ok() -> Response:
    """DELETE answers 200; an empty JSON body keeps clients that parse every response happy."""
    return Response(b"", status_code=200, media_type="application/json")
