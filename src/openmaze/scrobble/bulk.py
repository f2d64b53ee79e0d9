"""TVmaze's `BulkResponse`: one result per input item, in input order.

Success: `{"code": 200, "result": {...MarkedEpisode}}`.
Failure: `{"code": 404|422, "message": "...", "errors": {...}, "input": <the item>}`.
HTTP status of the whole response: 200 when every item succeeded, 207 when some did,
422 when none did; an empty array is a 200 with `[]`.

Results are plain dicts serialised once by orjson: at 10,000 items a Pydantic model per
item would cost more than the database work.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from openmaze.core.errors import VALIDATION_FAILED, ApiError

Result = dict[str, Any]


def success(result: dict[str, Any]) -> Result:
    return {"code": 200, "result": result}


def failure(code: int, message: str, errors: dict[str, list[str]], item: Any) -> Result:
    return {"code": code, "message": message, "errors": errors, "input": item}


def invalid(errors: dict[str, list[str]], item: Any) -> Result:
    return failure(422, VALIDATION_FAILED, errors, item)


def bulk_status(results: list[Result]) -> int:
    succeeded = sum(1 for r in results if r["code"] == 200)
    if succeeded == len(results):
        return 200
    return 207 if succeeded else 422


def bulk_response(results: list[Result]) -> Response:
    try:
        body = orjson.dumps(results)
    except orjson.JSONEncodeError:
        # A failed item is echoed back as `input`, but orjson reads 1,024 levels of nesting
        # and writes only 254: an item nested between the two cannot be echoed as sent.
        body = orjson.dumps([_echoable(r) for r in results])
    return Response(body, status_code=bulk_status(results), media_type="application/json")


def _echoable(result: Result) -> Result:
    if "input" not in result:
        return result
    try:
        orjson.dumps(result["input"])
    except orjson.JSONEncodeError:
        return {**result, "input": {}}  # still an object, as BulkResponse documents `input`
    return result


async def read_items(request: Request, max_items: int) -> list[Any]:
    """The body as a JSON array of at most `max_items` items.

    Anything that is not a JSON array - an object, a scalar, an empty body, bytes that are
    not JSON - is one plain 422 for the whole request (fidelity doc). The body size itself
    is bounded earlier, by the `BodySizeLimit` middleware.
    """
    raw = await request.body()
    try:
        doc = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise ApiError(422, VALIDATION_FAILED, {"body": ["The request body is not valid JSON."]}) from None
    if not isinstance(doc, list):
        raise ApiError(422, VALIDATION_FAILED, {"body": ["The request body must be a JSON array of items."]})
    if len(doc) > max_items:
        raise ApiError(413, f"Too many items: at most {max_items} can be scrobbled in one request.")
    return doc
