"""The app's own OpenAPI document (`/openapi.json`), made precise enough to test against.

FastAPI's generated document describes our routes poorly: routes read their bodies through
`openmaze.core.body` (real clients send JSON, forms and empty bodies alike), so no request body
appears; errors are documented with FastAPI's own 422 shape, which we never send; 401, 403,
404, 413 and 429 are missing. This module fixes that once, from the routes themselves, so a
new route is described correctly without work:

- Every error status is documented with the TVmaze error body (`Error`, `ErrorWithFields` for 422s).
- A route that authenticates (depends on a dependency marked by `openmaze.core.authentication`,
  as `current_user` and `premium_user` are) documents 401 and 429 and Basic security; one
  that needs premium documents 403; one with path parameters documents 404;
  one that takes a body (POST/PUT/PATCH) documents 400, 413 and 422, as does one with
  validated query parameters (422); one with an `embed`
  query parameter documents 400 (`Invalid embed type`).
- Where the TVmaze contract (`spec/tvmaze-premium-openapi.yml`, served under `/v1`) describes
  an operation, its request body, query parameters and response schemas fill in what the
  generated document lacks. A status the contract gives a body for and that can also carry
  our error body (bulk 422s) accepts either.

`tests/hardening/test_fuzz.py` runs schemathesis against this document.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from openmaze.core.authentication import Authentication, authentication
from openmaze.core.routing import expand

_ERROR_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "description": "The HTTP reason phrase"},
    "message": {"type": "string"},
    "code": {"type": "integer"},
    "status": {"type": "integer", "description": "The HTTP status"},
}
# Same names and shapes as the models `openmaze.core.schemas` documents its routes with; where
# those are present they are kept.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "The TVmaze error body.",
    "required": ["name", "message", "code", "status"],
    "properties": _ERROR_PROPERTIES,
}
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ErrorWithFields",
    "description": "The TVmaze error body of a 422, with what is wrong per field.",
    "required": ["name", "message", "code", "status", "errors"],
    "properties": {
        **_ERROR_PROPERTIES,
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ErrorWithFields"}
_DESCRIPTIONS = {
    400: "The request body is not valid JSON, or a parameter has an unknown value",
    401: "Invalid username or API key",
    403: "This feature requires a premium subscription",
    404: "Not found",
    413: "The request body is too large",
    422: "Data validation failed",
    429: "Too many requests; retry after the number of seconds in Retry-After",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
_CHALLENGE = {"WWW-Authenticate": {"description": 'Basic realm="TVmaze"', "schema": {"type": "string"}}}
# No operation documents a 405 today (an operation is one method, which the path serves);
# one that did would answer with this header (openmaze.core.errors).
_ALLOW = {"Allow": {"description": "The methods the path serves, e.g. `GET, PUT`", "schema": {"type": "string"}}}
_BODY_METHODS = {"post", "put", "patch"}
_PARAM = re.compile(r"\{[^}]+\}")


@cache
def contract() -> dict[str, Any]:
    text = resources.files("openmaze").joinpath("spec/tvmaze-premium-openapi.yml").read_text()
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def _authentications(dependant: Dependant) -> list[Authentication]:
    """The authentication marks of every dependency in the tree."""
    found: list[Authentication] = []
    for sub in dependant.dependencies:
        mark = authentication(sub.call)
        if mark is not None:
            found.append(mark)
        found.extend(_authentications(sub))
    return found


def _contract_operation(path: str, method: str) -> dict[str, Any] | None:
    if not path.startswith("/v1/"):
        return None
    shape = _PARAM.sub("{}", path[3:])
    for spec_path, item in contract()["paths"].items():
        if _PARAM.sub("{}", spec_path) == shape and method in item:
            op = dict(item[method])
            shared = item.get("parameters", [])
            if shared:
                op["parameters"] = [*shared, *op.get("parameters", [])]
            return op
    return None


def _resolve(obj: Any, spec: dict[str, Any]) -> Any:
    """Inline `#/components/requestBodies/...` refs (schemas stay refs; they are copied)."""
    if isinstance(obj, dict) and obj.get("$ref", "").startswith("#/components/requestBodies/"):
        return copy.deepcopy(spec["components"]["requestBodies"][obj["$ref"].rsplit("/", 1)[1]])
    return copy.deepcopy(obj)


def _json_schema(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


def _error_response(status: int, existing: dict[str, Any] | None, contract_schema: Any) -> dict[str, Any]:
    own = _json_schema(existing or {})
    if own not in (None, {}) and "HTTPValidationError" not in str(own):
        if status == 405:  # the route documents the body; every 405 carries the header
            return {**(existing or {}), "headers": {**(existing or {}).get("headers", {}), **_ALLOW}}
        return existing or {}  # the route documents this error's body itself
    ref = VALIDATION_ERROR_REF if status == 422 else ERROR_REF
    schema: Any = ref if contract_schema is None else {"anyOf": [contract_schema, ref]}
    response: dict[str, Any] = {
        "description": (existing or {}).get("description") or _DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": schema}},
    }
    if status == 429:
        response["headers"] = _RETRY_AFTER
    if status == 401:
        response["headers"] = _CHALLENGE
    if status == 405:
        response["headers"] = _ALLOW
    return response


def api_routes(app: FastAPI) -> list[Any]:
    """The app's API routes, flattened out of included routers, with their full paths.

    Each item has `path_format`, `methods`, `dependant`, `endpoint`, `include_in_schema`
    (FastAPI's route contexts; plain APIRoutes on FastAPI versions that flatten routers).
    """
    return [rc for rc in iter_route_contexts(expand(app.routes)) if isinstance(rc.original_route, APIRoute)]


def _fix_operation(route: Any, method: str, op: dict[str, Any]) -> None:
    dependant = route.dependant
    marks = _authentications(dependant)
    statuses: set[int] = set()
    if marks:
        statuses |= {401, 429}
        op["security"] = [{"basicAuth": []}]
    if any(mark.premium for mark in marks):
        statuses.add(403)
    if "{" in route.path_format:
        statuses.add(404)
    if method in _BODY_METHODS:
        statuses |= {400, 413, 422}
    if dependant.query_params or dependant.header_params:
        statuses.add(422)  # FastAPI validates them (our handler turns only path errors into 404s)

    spec_op = _contract_operation(route.path_format, method)
    responses: dict[str, Any] = op.setdefault("responses", {})
    spec_responses: dict[str, Any] = (spec_op or {}).get("responses", {})
    if spec_op is not None:
        if "requestBody" not in op and "requestBody" in spec_op:
            op["requestBody"] = _resolve(spec_op["requestBody"], contract())
        known = {(p["name"], p["in"]) for p in op.get("parameters", [])}
        for param in spec_op.get("parameters", []):
            if param["in"] == "query" and (param["name"], "query") not in known:
                op.setdefault("parameters", []).append(copy.deepcopy(param))
        for code, spec_response in spec_responses.items():
            if not code.isdigit():
                continue
            code_int = int(code)
            if code_int < 400:
                ours = responses.get(code)
                if ours is None or _json_schema(ours) in (None, {}):
                    responses[code] = copy.deepcopy(spec_response)
            else:
                statuses.add(code_int)
    if any(p.get("in") == "query" and p.get("name") in ("embed", "embed[]") for p in op.get("parameters", [])):
        statuses.add(400)  # "Invalid embed type"
    for code in list(responses):
        if str(code).isdigit() and int(code) >= 400:
            statuses.add(int(code))
    for status in sorted(statuses):
        contract_schema = _json_schema(spec_responses.get(str(status), {}))
        existing = responses.get(str(status)) or spec_responses.get(str(status))
        responses[str(status)] = _error_response(status, existing, contract_schema)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=expand(app.routes),
        openapi_version="3.1.0",
    )
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    # The contract's object schemas, for the responses and bodies taken from it.
    for name, schema in contract()["components"]["schemas"].items():
        schemas.setdefault(name, copy.deepcopy(schema))
    # The contract says a failed bulk item's `input` is an object, but the item is echoed as
    # sent, and an item that is not an object (`[1, "x"]`) fails for exactly that reason.
    bulk_item = schemas.get("BulkResponse", {}).get("items", {}).get("properties", {})
    if "input" in bulk_item:
        bulk_item["input"] = {"description": "The item as sent, whatever JSON value it was (in case of error)"}
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ErrorWithFields", VALIDATION_ERROR_SCHEMA)
    doc["components"].setdefault("securitySchemes", {})["basicAuth"] = {
        "type": "http",
        "scheme": "basic",
        "description": "Username and API key (keys start with `omk_`)",
    }
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            op = doc.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if op is not None:
                _fix_operation(route, method.lower(), op)
    if not doc["components"]["schemas"]:
        del doc["components"]["schemas"]
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
