"""One error type and the TVmaze error body.

Services raise `ApiError(404, "This episode is not marked")`; the handlers installed by
`install_error_handlers` render every error - ours, Starlette's 404/405, request
validation, and unexpected exceptions - as TVmaze does:
`{"name": "Not Found", "message": "...", "code": 0, "status": 404}`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

log = logging.getLogger("openmaze.core.errors")

VALIDATION_FAILED = "Data validation failed."  # the message of every 422 that lists `errors`
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="TVmaze"'}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(status: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": reason(status), "message": message, "code": 0, "status": status}
    if errors is not None:
        body["errors"] = errors
    return body


def error_response(
    status: int, message: str, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(error_body(status, message, errors)),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def validation_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "request"
        errors.setdefault(field, []).append(str(err.get("msg", "is invalid")))
    return errors


_DEFAULT_MESSAGES = {
    404: "Page not found.",
    405: "Method Not Allowed. This URL can only handle the listed request methods.",
}


def install_error_handlers(app: FastAPI, allowed_methods: Callable[[Iterable[BaseRoute], Scope], list[str]]) -> None:
    """`allowed_methods(routes, scope)`: the methods a path has, for a 405's `Allow`
    (`openmaze.core.routing.allowed_methods`; passed in because the routing imports what
    imports this module)."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, exc.errors, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail != reason(exc.status_code) else None
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            # Every method the path has, not only those of the route that matched first.
            allowed = allowed_methods(request.app.routes, request.scope)
            if allowed:
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return error_response(
            exc.status_code, message or _DEFAULT_MESSAGES.get(exc.status_code, reason(exc.status_code)), None, headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Malformed ids in the path are "not found" to a client, as on TVmaze.
        for err in exc.errors():
            if err.get("loc", ("",))[0] == "path":
                return error_response(404, "Page not found.")
        return error_response(422, VALIDATION_FAILED, validation_errors(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "An internal server error occurred.")
