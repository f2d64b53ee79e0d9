"""`SandboxServer`, the plain context manager for test runners other than pytest: a given
catalog instead of the demo one, a clear error for a bad one, and nothing left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from openmaze.testing import SandboxError, SandboxServer
from tests.conftest import DEMO_SHOW, DEMO_SHOW_2


def test_a_given_catalog_replaces_the_demo(tmp_path: Path, demo: list[dict[str, Any]]) -> None:
    shows = tmp_path / "shows.json"
    shows.write_bytes(orjson.dumps([show for show in demo if show["id"] == DEMO_SHOW_2]))
    with SandboxServer(catalog=[shows]) as server:
        assert httpx.get(f"{server.url}/shows/{DEMO_SHOW_2}").status_code == 200
        assert httpx.get(f"{server.url}/shows/{DEMO_SHOW}").status_code == 404
        user = server.client.create_user(premium=1)
        assert httpx.get(f"{server.url}/v1/auth/validate", auth=user.auth).json() == {"premium": 1}
        with pytest.raises(SandboxError) as taken:
            server.client.create_user(username=user.username)
        assert taken.value.status == 422
        data = Path(str(server.log_path)).parent
    assert not data.exists()  # the temporary database went with it


def test_a_bad_catalog_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(RuntimeError, match="could not load its catalog"), SandboxServer(catalog=[broken]):
        pass
