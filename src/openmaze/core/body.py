"""Reading request bodies the way real TVmaze clients send them.

pytvmaze sends form-encoded PUT bodies (`type=1`, `vote=8`); a Kodi add-on sends
`Content-Type: application/json` with an empty body; others send JSON objects. All of
them become a plain dict here. Values from forms are strings; the field parsers
(`openmaze.marks.service`, votes, tags) accept numeric strings for numeric fields.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from openmaze.core.errors import VALIDATION_FAILED, ApiError


async def read_json(request: Request) -> Any:
    """The body as JSON (None when empty). Invalid JSON is a 400."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "The request body is not valid JSON.") from None


async def read_fields(request: Request) -> dict[str, Any]:
    """The body as a dict of fields: JSON object, form-encoded, or empty."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "The request body is not valid UTF-8.") from None
        return dict(parse_qsl(text, keep_blank_values=True))
    if content_type.startswith("multipart/"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    doc = await read_json(request)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ApiError(422, VALIDATION_FAILED, {"body": ["must be a JSON object"]})
    return doc
