"""Answering a pairing as the confirm page does, straight through the service."""

from __future__ import annotations

import time

from openmaze.auth import service as pairing_service
from openmaze.db.database import Conn
from tests.conftest import TEST_SECRET, ApiUser, run_sync
from tests.pairing.support import confirm_code


def decide(database_url: str, confirm_url: str, user: ApiUser, allow: bool, now: float | None = None) -> bool:
    async def run(conn: Conn) -> bool:
        pairing = await pairing_service.find_by_code(conn, TEST_SECRET.encode(), confirm_code(confirm_url))
        assert pairing is not None
        return await pairing_service.decide(
            conn, pairing["id"], user.id, allow=allow, now=time.time() if now is None else now
        )

    result: bool = run_sync(database_url, run)
    return result


def allow(database_url: str, confirm_url: str, user: ApiUser) -> None:
    assert decide(database_url, confirm_url, user, True)
