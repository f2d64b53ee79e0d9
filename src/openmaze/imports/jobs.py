"""Imports started from the account pages, run as durable jobs (`openmaze.jobs`).

An uploaded ZIP is checked while the person waits (a hostile or unreadable file is refused
on the page, and no job is made), then rests in the job's payload until the job has run;
a TVmaze key rests there sealed (`sealing`). Every import job erases its payload when it
ends, however it ends. The job's result is the import's report, which the page shows, with
every unmatched item, until the next import.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

from openmaze.db.database import Conn
from openmaze.imports.archive import ImportFileError, Limits
from openmaze.imports.sealing import seal, unseal
from openmaze.imports.sources import NAMES, UpstreamFailed, import_file, import_tvmaze, read_file
from openmaze.jobs import JobContext, JobFailed, JobRegistry, enqueue
from openmaze.settings import Settings

KINDS = ("import.trakt", "import.tvtime", "import.tvmaze")
_SEAL_PURPOSE = "import.tvmaze"


async def check_file(source: str, data: bytes, label: str, limits: Limits | None = None) -> int:
    """Refuse an unusable upload at once (ImportFileError); the number of items it holds."""
    parsed = await asyncio.to_thread(read_file, source, data, label, now=int(time.time()), limits=limits)
    return len(parsed.items)


async def start_file_import(conn: Conn, user_id: int, source: str, data: bytes, label: str, *, now: float) -> int:
    payload = {"file": base64.b64encode(data).decode(), "label": label}
    return await enqueue(conn, f"import.{source}", payload, user_id=user_id, now=now)


async def start_tvmaze_import(conn: Conn, secret: bytes, user_id: int, username: str, key: str, *, now: float) -> int:
    payload = {"tvmaze_user": username, "sealed_key": seal(secret, _SEAL_PURPOSE, key)}
    return await enqueue(conn, "import.tvmaze", payload, user_id=user_id, now=now)


def register(registry: JobRegistry, settings: Settings, secret: bytes) -> None:
    upstream = settings.sync_upstream
    limits = Limits(max_bytes=settings.imports_max_unpacked_mb * 1024 * 1024)

    async def run(ctx: JobContext) -> dict[str, Any]:
        user_id = ctx.job.user_id
        if user_id is None:
            raise JobFailed("This import belongs to no one.")
        source = ctx.job.kind.removeprefix("import.")
        payload = ctx.payload
        now = int(time.time())
        try:
            if source == "tvmaze":
                try:
                    key = unseal(secret, _SEAL_PURPOSE, str(payload.get("sealed_key", "")))
                except ValueError:
                    raise JobFailed("The TVmaze key could not be read back (was the server secret changed?).") from None
                report = await import_tvmaze(
                    ctx.db,
                    user_id,
                    str(payload.get("tvmaze_user", "")),
                    key,
                    now=now,
                    upstream_url=upstream,
                    progress=ctx.progress,
                )
            else:
                data = base64.b64decode(str(payload.get("file", "")))
                label = str(payload.get("label", f"{NAMES[source]} export"))
                report = await import_file(
                    ctx.db,
                    user_id,
                    "trakt" if source == "trakt" else "tvtime",
                    data,
                    label,
                    now=now,
                    upstream_url=upstream,
                    progress=ctx.progress,
                    limits=limits,
                )
        except (ImportFileError, UpstreamFailed) as exc:
            raise JobFailed(str(exc)) from None
        return report.as_json()

    for kind in KINDS:
        registry.register(kind, run, erase_payload=True)
