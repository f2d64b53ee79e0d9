"""The "Moving in" account page: uploads and TVmaze imports run as durable jobs, the page
follows their progress, and the last report stays with its unmatched items."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from openmaze.db.database import Conn
from tests.conftest import ApiUser, run_sync
from tests.imports.conftest import FakeUpstream, PremiumAccount, trakt_play, trakt_show, trakt_zip
from tests.pairing.support import PASSWORD, csrf_of, login

EXPORT = trakt_zip(
    history=[
        [
            trakt_play(trakt_show("The Lost Academy Files", tvdb=800000), 1, 1, "2024-01-01T00:00:00Z"),
            trakt_play(trakt_show("Nowhere", tvdb=12345), 1, 1, "2024-01-01T00:00:00Z"),
        ]
    ]
)


@pytest.fixture
def carol(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("carol", premium=2, password=PASSWORD)


@pytest.fixture
def web(make_client: Callable[..., TestClient], carol: ApiUser, upstream: FakeUpstream) -> TestClient:
    client = make_client(sync_upstream=upstream.url, jobs_poll_seconds=0.1, imports_max_upload_mb=1)
    assert login(client, "carol").status_code == 303
    return client


def _jobs(database_url: str) -> list[Any]:
    return run_sync(database_url, lambda conn: conn.fetch_all("SELECT kind, state, payload FROM jobs ORDER BY id"))


def _wait_for_report(web: TestClient) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page = web.get("/account/import")
        if "Refresh" not in page.headers:
            return " ".join(page.text.split())
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_the_page_needs_a_login(make_client: Callable[..., TestClient]) -> None:
    r = make_client().get("/account/import", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/account/import")


def test_an_uploaded_export_is_imported_in_the_background(web: TestClient, database_url: str, carol: ApiUser) -> None:
    page = web.get("/account/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'href="/account/import"' in web.get("/account").text
    r = web.post(
        "/account/import/file",
        data={"csrf_token": csrf_of(page.text), "source": "trakt"},
        files={"file": ("trakt-export.zip", EXPORT, "application/zip")},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/account/import")
    text = _wait_for_report(web)
    assert "1 matched, 1 added, 0 updated, 0 already here, 1 not matched" in text
    assert "no TVmaze show for TheTVDB 12345" in text
    assert "watched-history-1.json #2: Nowhere S01E01" in text
    [(kind, state, payload)] = _jobs(database_url)
    assert (kind, state, orjson.loads(payload)) == ("import.trakt", "done", {})  # the upload is not kept
    marks = web.get("/v1/user/episodes", auth=carol.auth).json()
    assert [m["episode_id"] for m in marks] == [9000001]
    assert "1 matched" in web.get("/account/import").text  # the last report stays


def test_refusals_happen_on_the_page_and_make_no_job(web: TestClient, database_url: str) -> None:
    csrf = csrf_of(web.get("/account/import").text)
    r = web.post(
        "/account/import/file",
        data={"csrf_token": csrf, "source": "tvtime"},
        files={"file": ("tvtime.zip", b"not a zip", "application/zip")},
    )
    assert r.status_code == 422 and "tvtime.zip is not a ZIP file" in r.text
    r = web.post(
        "/account/import/file",
        data={"csrf_token": "forged", "source": "trakt"},
        files={"file": ("trakt.zip", EXPORT, "application/zip")},
    )
    assert r.status_code == 403
    r = web.post(
        "/account/import/file", data={"csrf_token": csrf, "source": "letterboxd"}, files={"file": ("a.zip", EXPORT)}
    )
    assert r.status_code == 422
    too_big = b"PK" + b"\0" * (1024 * 1024 + 10)
    r = web.post(
        "/account/import/file", data={"csrf_token": csrf, "source": "trakt"}, files={"file": ("big.zip", too_big)}
    )
    assert r.status_code == 413  # OPENMAZE_IMPORTS_MAX_UPLOAD_MB
    assert _jobs(database_url) == []


def test_a_tvmaze_key_is_sealed_and_then_erased(
    web: TestClient, database_url: str, upstream: FakeUpstream, carol: ApiUser, tmp_path: Path
) -> None:
    key = "tvmaze-key-never-stored-in-clear"
    upstream.account = PremiumAccount("carol-on-tvmaze", key, {"follows/shows": [{"show_id": 900003}]})
    page = web.get("/account/import")
    r = web.post(
        "/account/import/tvmaze",
        data={"csrf_token": csrf_of(page.text), "tvmaze_user": "carol-on-tvmaze", "tvmaze_key": key},
        follow_redirects=False,
    )
    assert r.status_code == 303
    text = _wait_for_report(web)
    assert "Your last import, from TVmaze" in text and "1 added" in text
    [(kind, state, payload)] = _jobs(database_url)
    assert (kind, state, payload) == ("import.tvmaze", "done", "{}")
    assert web.get("/v1/user/follows/shows", auth=carol.auth).json() == [{"show_id": 900003}]
    if database_url.startswith("sqlite"):
        files = Path(database_url.removeprefix("sqlite:///")).parent.glob("openmaze.sqlite3*")
        assert all(key.encode() not in f.read_bytes() for f in files)


def test_a_sealed_key_is_not_in_the_queued_job(database_url: str, carol: ApiUser) -> None:
    from openmaze.imports.jobs import start_tvmaze_import
    from openmaze.imports.sealing import unseal

    async def start(conn: Conn) -> Any:
        await start_tvmaze_import(conn, b"server-secret", carol.id, "someone", "the-key", now=time.time())
        return await conn.fetch_val("SELECT payload FROM jobs")

    payload = orjson.loads(run_sync(database_url, start))
    assert "the-key" not in orjson.dumps(payload).decode()
    assert unseal(b"server-secret", "import.tvmaze", payload["sealed_key"]) == "the-key"
    with pytest.raises(ValueError):
        unseal(b"another-secret", "import.tvmaze", payload["sealed_key"])


def test_a_failed_import_says_why(web: TestClient, upstream: FakeUpstream) -> None:
    upstream.account = PremiumAccount("someone", "right", {})
    page = web.get("/account/import")
    web.post(
        "/account/import/tvmaze",
        data={"csrf_token": csrf_of(page.text), "tvmaze_user": "someone", "tvmaze_key": "wrong"},
    )
    text = _wait_for_report(web)
    assert "The import stopped: TVmaze refused the username and API key" in text
