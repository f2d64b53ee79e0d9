"""`alembic check` against PostgreSQL: migrate a scratch database to head, then ask Alembic
whether the models (tables.py) and the migrations still agree there. SQLite and PostgreSQL
can disagree (types, server defaults, constraint names), so `make lint` checks both.

Usage: python .ci/alembic_check_postgres.py postgresql://postgres@127.0.0.1:5432/test
(the URL of any database on the server; a scratch database is created next to it and dropped).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg


def main(admin_url: str) -> int:
    name = f"openmaze_check_{uuid.uuid4().hex[:10]}"
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "OPENMAZE_DATABASE_URL": url}
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        subprocess.run([bin_dir / "openmaze", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        result = subprocess.run([bin_dir / "alembic", "check"], env=env)
        return result.returncode
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
