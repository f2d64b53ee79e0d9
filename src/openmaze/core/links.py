"""Absolute links to the account pages, for emails and API responses.

`OPENMAZE_PUBLIC_URL` is what people reach the server at (behind a proxy the request's
own host may be an internal one); without it, the request's base URL is used.
"""

from __future__ import annotations

from starlette.requests import Request

from openmaze.core.services import services


def base_url(request: Request) -> str:
    configured = services(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def pair_url(request: Request, confirm_code: str) -> str:
    return f"{base_url(request)}/pair/{confirm_code}"


def verify_email_url(request: Request, token: str) -> str:
    return f"{base_url(request)}/verify-email/{token}"
