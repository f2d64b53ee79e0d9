"""Finding 3, the full disk: every request failed as a bare 500 - reads too, because the
API key's last-used time could not be written - with two tracebacks each.

Now, on a real full filesystem (a small tmpfs; the test needs the right to mount one): reads
answer 200, writes answer 507 naming the cause, the log has one line per kind of fault in
its window, and once space is freed writes work again with nothing acknowledged lost."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, DEMO_SHOW, DEMO_SHOW_2, ApiUser, LiveServer, start_server, stop_server
from tests.faults.conftest import assert_fault, followed, sqlite_check

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the database file on a small filesystem")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of `disk`; returns the file to delete to free them."""
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


@pytest.fixture
def server_on_small_disk(
    database_url: str, small_disk: Path, tmp_path: Path, alice: ApiUser, bob: ApiUser
) -> Iterator[tuple[LiveServer, str]]:
    path = small_disk / "openmaze.sqlite3"
    shutil.copyfile(database_url.split(":///", 1)[1], path)
    url = f"sqlite:///{path}"
    live = start_server(url, tmp_path, {"OPENMAZE_AUTH_CACHE_SECONDS": "0"})
    yield live, url
    stop_server(live)


def test_full_disk_reads_work_writes_say_507_and_recover(
    server_on_small_disk: tuple[LiveServer, str], small_disk: Path, alice: ApiUser, bob: ApiUser
) -> None:
    server, url = server_on_small_disk
    with httpx.Client(base_url=server.url, auth=alice.auth, timeout=10) as api:
        assert api.put(f"/v1/user/follows/shows/{DEMO_SHOW}").status_code == 200
        filler = fill(small_disk)
        # Bob's key is used for the first time: its last-used time cannot be written.
        assert httpx.get(server.url + "/v1/auth/validate", auth=bob.auth).json() == {"premium": 2}
        for _ in range(20):
            assert api.get("/v1/user/follows/shows").status_code == 200  # authenticates: a last-used write fails
            assert_fault(api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}"), 507, "disk is full")
        browser = api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}", headers={"Accept": "text/html"})
        assert browser.status_code == 507 and "disk is full" in browser.text.lower()
        assert browser.headers["content-type"].startswith("text/html")
        filler.unlink()
        assert api.put(f"/v1/user/follows/shows/{DEMO_SHOW_2}").status_code == 200
    assert followed(url, alice.id) == {DEMO_SHOW, DEMO_SHOW_2}
    sqlite_check(url)
    log = server.log()
    assert "Traceback" not in log
    # About sixty failures within the window, Bob's last-used time among them: one line.
    assert len([line for line in log.splitlines() if "ERROR" in line and "disk full" in line]) == 1, log
