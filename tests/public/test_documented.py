"""Every public catalog endpoint is in docs/api.md's table and in the OpenAPI document with
the statuses it answers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from openmaze.public.routes import router

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _public_paths() -> list[str]:
    return sorted({route.path for route in router.routes if isinstance(route, APIRoute)})


def test_the_api_doc_lists_every_public_endpoint() -> None:
    text = API_DOC.read_text()
    table = text[text.index("## The public catalog API") :]
    documented = {re.sub(r"\{[a-z_]+\}", "{id}", p) for p in re.findall(r"`GET (/[^`?\[ ]*)", table)}
    missing = [p for p in _public_paths() if re.sub(r"\{[a-z_]+\}", "{id}", p) not in documented]
    assert not missing, f"not in docs/api.md's public catalog table: {missing}"


def test_the_openapi_document_has_every_public_endpoint_with_its_answers(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path in _public_paths():
        operation = document["paths"][path]["get"]
        assert operation["summary"], path
        answers = operation["responses"]
        assert "200" in answers or "301" in answers, path
        if "{" in path:
            assert "404" in answers, path
