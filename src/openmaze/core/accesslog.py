"""The access log: one line per request, naming the user, never their credentials.

    127.0.0.1 alice "PUT /v1/user/follows/shows/1 HTTP/1.1" 200 57 1.3ms

Pure ASGI (no BaseHTTPMiddleware), and it replaces uvicorn's own access log (which knows no
users). It never reads headers, so the Authorization header - which carries the API key -
cannot reach the log; the username comes from the auth dependency, which records it in a
holder this middleware puts in the request scope (`note_user`). Query values whose names
suggest a secret (`key`, `token`, `code`, `password`, ...) are written as `***`, because
some clients put secrets in URLs; so is the token of a media-server webhook's path
(`/hooks/plex/***`), which media servers cannot send any other way. Request and response
bodies are never logged.

When the `openmaze.access` logger is not enabled for INFO, the middleware costs one check.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("openmaze.access")

SCOPE_KEY = "openmaze.access"
_SECRET_WORDS = r"(?:key|token|code|pass|secret|auth|session|csrf|cookie)"
# A parameter, header or field name that suggests its value is a secret (the sandbox's
# request journal masks those values too).
SECRET_NAME = re.compile(_SECRET_WORDS, re.IGNORECASE)
_SECRET_PARAM = re.compile(rf"(^|&)([^=&]*{_SECRET_WORDS}[^=&]*)=[^&]*", re.IGNORECASE)


# Paths whose last segment is a secret: the per-user webhook URLs (openmaze.hooks).
_SECRET_PATH = re.compile(r"^(/hooks/[^/]*/)[^/]+")


def redact_path(path: str) -> str:
    return _SECRET_PATH.sub(r"\1***", path) if path.startswith("/hooks/") else path


def redact_query(query: str) -> str:
    if not query:
        return ""
    return _SECRET_PARAM.sub(r"\1\2=***", query)


def note_user(scope: Scope, username: str) -> None:
    """Record the authenticated user for this request's log line."""
    holder = scope.get(SCOPE_KEY)
    if holder is not None:
        holder["user"] = username


def _printable(text: str) -> str:
    # Paths are percent-decoded: a client could send %0A to forge extra log lines.
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        holder: dict[str, Any] = {}
        scope = dict(scope)
        scope[SCOPE_KEY] = holder
        status = 0
        size = 0

        async def logging_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            client = scope.get("client")
            query = redact_query(scope.get("query_string", b"").decode("latin-1"))
            target = _printable(redact_path(scope["path"]) + ("?" + query if query else ""))
            log.info(
                '%s %s "%s %s HTTP/%s" %d %d %.1fms',
                client[0] if client else "-",
                holder.get("user", "-"),
                scope["method"],
                target,
                scope.get("http_version", "1.1"),
                status or 500,
                size,
                (time.perf_counter() - start) * 1000,
            )


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging setup plus openmaze's loggers (each worker process applies it)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "formatters": {
            **LOGGING_CONFIG["formatters"],
            "openmaze": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "openmaze.access": {"format": "%(asctime)s %(message)s"},
        },
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "openmaze": {"formatter": "openmaze", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "openmaze.access": {
                "formatter": "openmaze.access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "openmaze": {"handlers": ["openmaze"], "level": level.upper(), "propagate": False},
            "openmaze.access": {"handlers": ["openmaze.access"], "level": level.upper(), "propagate": False},
        },
    }
    return config
