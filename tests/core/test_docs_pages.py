"""/docs and /redoc work without internet: every script, stylesheet and icon they load is
served by openmaze itself."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "://" not in r.text.replace("window.location.origin", "")  # nothing from another site
    assets = ASSET.findall(r.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith("/docs-assets/"), asset
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 1000, asset
        kind = {"js": "text/javascript", "css": "text/css", "png": "image/png"}[asset.rsplit(".", 1)[1]]
        assert served.headers["content-type"].startswith(kind)
    assert "'/openapi.json'" in r.text or '"/openapi.json"' in r.text
    assert client.get("/openapi.json").status_code == 200


def test_unknown_assets_are_not_found(client: TestClient) -> None:
    assert client.get("/docs-assets/../settings.py").status_code == 404
    assert client.get("/docs-assets/other.js").status_code == 404
