"""Browsers get HTML error pages; API clients keep the TVmaze error body, byte for byte."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
NOT_FOUND = b'{"name":"Not Found","message":"Page not found.","code":0,"status":404}'


@pytest.mark.parametrize("path", ["/nowhere", "/shows/x", "/account/keys/0/revoke"])
def test_a_browser_gets_an_html_page_for_an_unknown_address(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Accept": BROWSER})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in r.text and 'href="/static/style.css"' in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5", "text/html;q=0"]
)
def test_api_clients_keep_the_tvmaze_body(client: TestClient, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get("/nowhere", headers=headers)
    assert r.status_code == 404 and r.content == NOT_FOUND
    assert r.headers["content-type"] == "application/json"


def test_a_wrong_method_in_a_browser(client: TestClient) -> None:
    r = client.get("/account/keys", headers={"Accept": BROWSER})
    assert r.status_code == 405 and "<h1>Not allowed here</h1>" in r.text
    assert r.headers["allow"] == "POST"
    api = client.get("/account/keys")
    assert api.status_code == 405 and api.json()["name"] == "Method Not Allowed"


def test_an_unexpected_error_is_a_page_for_browsers_and_the_body_for_clients(app: FastAPI) -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken", headers={"Accept": BROWSER})
        assert page.status_code == 500 and "<h1>Server error</h1>" in page.text and "boom" not in page.text
        api = client.get("/broken")
        assert api.status_code == 500
        assert (
            api.content
            == b'{"name":"Internal Server Error","message":"An internal server error occurred.","code":0,"status":500}'
        )


def test_the_login_page_says_what_openmaze_is(client: TestClient) -> None:
    text = client.get("/login").text
    assert "This is <strong>openmaze</strong>" in text and "TVmaze API" in text
