"""The "Moving in" page in a real browser (Chromium via Playwright) against a real
`openmaze serve`: upload a Trakt export, watch the page follow the background job, read the
report; at a phone's width and a desktop's, with no serious or critical axe-core violations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import DESKTOP, PHONE, axe_script, check_page, chromium
from tests.conftest import ApiUser, LiveServer, start_server, stop_server
from tests.imports.conftest import FakeUpstream, trakt_play, trakt_show, trakt_zip
from tests.pairing.support import PASSWORD

__all__ = ["axe_script"]


@pytest.fixture
def dana(make_user: Callable[..., ApiUser]) -> ApiUser:
    return make_user("dana", premium=1, password=PASSWORD)


@pytest.fixture
def server(database_url: str, tmp_path: Path, dana: ApiUser, upstream: FakeUpstream) -> Iterator[LiveServer]:
    live = start_server(
        database_url, tmp_path, {"OPENMAZE_SYNC_UPSTREAM": upstream.url, "OPENMAZE_JOBS_POLL_SECONDS": "0.2"}
    )
    yield live
    stop_server(live)


@pytest.fixture
def browser(server: LiveServer, axe_script: Path) -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_upload_an_export_and_read_the_report(
    browser: Browser, server: LiveServer, axe_script: Path, tmp_path: Path
) -> None:
    export = tmp_path / "trakt-export.zip"
    export.write_bytes(
        trakt_zip(
            history=[
                [
                    trakt_play(trakt_show("The Lost Academy Files", tvdb=800000), 1, 1, "2024-01-01T00:00:00Z"),
                    trakt_play(trakt_show("A Show Nobody Has", tvdb=12345), 2, 3, "2024-01-02T00:00:00Z"),
                ]
            ]
        )
    )
    for viewport in (PHONE, DESKTOP):
        # bypass_csp: axe is injected as an inline script, which the pages' policy refuses.
        page = browser.new_context(viewport=viewport, bypass_csp=True).new_page()  # type: ignore[arg-type]
        page.goto(server.url + "/login?next=/account/import")
        page.get_by_label("Username or email").fill("dana")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Moving in", exact=True)).to_be_visible()
        check_page(page, "import", axe_script)
        page.get_by_label("Trakt (Settings → Data → export)").check()
        page.get_by_label("Export ZIP (at most 64 MB)").set_input_files(str(export))
        page.get_by_role("button", name="Upload and import").click()
        # The page reloads itself while the job runs, then shows the report.
        expect(page.get_by_role("heading", name="Your last import, from Trakt")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("no TVmaze show for TheTVDB 12345")).to_be_visible()
        check_page(page, "import-report", axe_script)
        page.context.close()
