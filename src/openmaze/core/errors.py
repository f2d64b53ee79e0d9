"""One error type and the TVmaze error body.

Services raise `ApiError(404, "This episode is not marked")`; the handlers installed by
`install_error_handlers` render every error - ours, Starlette's 404/405, request
validation, and unexpected exceptions - as TVmaze does:
`{"name": "Not Found", "message": "...", "code": 0, "status": 404}`.

A browser (a request whose Accept header prefers text/html) that opens an address with no
route, uses the wrong method, or meets an unexpected error gets an HTML page instead, from
the `html_page` the app passes in (the account pages' look; core cannot import web). API
clients do not send such an Accept header, so they keep the TVmaze body byte for byte.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope

from openmaze.core.accesslog import redact_path

log = logging.getLogger("openmaze.core.errors")

VALIDATION_FAILED = "Data validation failed."  # the message of every 422 that lists `errors`
PAGE_NOT_FOUND = "Page not found."  # what TVmaze answers for a URL that names nothing
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
    404: PAGE_NOT_FOUND,
    405: "Method Not Allowed. This URL can only handle the listed request methods.",
}


HtmlPage = Callable[[Request, int, str], Awaitable[Response]]
# The statuses a person in a browser can meet by following or typing a link.
_HTML_STATUSES = (404, 405, 500)


def prefers_html(request: Request) -> bool:
    """Accept names text/html, and ranks it above JSON (browsers: `text/html,...,*/*;q=0.8`).
    `*/*` alone, or no header, is an API client."""
    html = json = 0.0
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media == "text/html":
            html = max(html, q)
        elif media in ("application/json", "application/*"):
            json = max(json, q)
    return html > json


def install_error_handlers(
    app: FastAPI,
    allowed_methods: Callable[[Iterable[BaseRoute], Scope], list[str]],
    html_page: HtmlPage | None = None,
) -> None:
    """`allowed_methods(routes, scope)`: the methods a path has, for a 405's `Allow`
    (`openmaze.core.routing.allowed_methods`; passed in because the routing imports what
    imports this module). `html_page`: the page a browser gets instead of the JSON body."""

    async def respond(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        if html_page is not None and status in _HTML_STATUSES and prefers_html(request):
            try:
                page = await html_page(request, status, message)
            except Exception:  # the page itself failed (e.g. the database is down): the plain body
                log.exception("error page failed on %s %s", request.method, redact_path(request.url.path))
            else:
                if headers:
                    page.headers.update(headers)
                return page
        return error_response(status, message, None, headers)

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
        return await respond(
            request,
            exc.status_code,
            message or _DEFAULT_MESSAGES.get(exc.status_code, reason(exc.status_code)),
            headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Malformed ids in the path are "not found" to a client, as on TVmaze.
        for err in exc.errors():
            if err.get("loc", ("",))[0] == "path":
                return await respond(request, 404, PAGE_NOT_FOUND)
        return error_response(422, VALIDATION_FAILED, validation_errors(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, redact_path(request.url.path))
        return await respond(request, 500, "An internal server error occurred.")
