"""Schema-driven fuzzing: schemathesis against the app's own /openapi.json, in process,
authenticated as a premium user. One test per operation in the document (collected from the
app itself), so a new route is fuzzed as soon as it exists.

Each operation gets valid (positive) and invalid (negative) requests; every answer must be
a non-5xx status the document lists for the operation, with the content type, headers and
body schema it documents (errors: the TVmaze error body).

Bounded for the suite (a few examples per operation and mode);
`OPENMAZE_FUZZ_EXAMPLES=300 pytest tests/hardening/test_fuzz.py` (`make fuzz`) runs long.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openmaze.app import create_app
from openmaze.auth import accounts
from openmaze.db.database import Conn
from openmaze.settings import Settings
from tests.conftest import BACKEND, TEST_SECRET, ApiUser, _pg_admin, _pg_url_for, run_sync

EXAMPLES = int(os.environ.get("OPENMAZE_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _document() -> dict[str, Any]:
    # Only the document is needed here: the database is never opened.
    doc: dict[str, Any] = create_app(Settings(database_url="sqlite:///:memory:", secret_key="collect-only")).openapi()
    return doc


DOCUMENT = _document()
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method in item
    if method in ("get", "put", "post", "patch", "delete")
]


def listed_statuses(method: str, path: str) -> set[int]:
    """The statuses an operation names. A `default` response would let any status conform,
    so conformance here means one of these."""
    return {int(code) for code in DOCUMENT["paths"][path][method.lower()]["responses"] if code.isdigit()}


@pytest.fixture(scope="module")
def fuzz_database(template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database for the whole module: state built up by earlier operations makes later
    ones more interesting, and a database per operation would cost most of the run."""
    if BACKEND == "postgres":
        name = f"openmaze_fuzz_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield _pg_url_for(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("fuzz") / "openmaze.sqlite3"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"


@pytest.fixture(scope="module")
def fuzzer(fuzz_database: str) -> ApiUser:
    async def create(conn: Conn) -> ApiUser:
        user_id = await accounts.create_user(conn, "fuzzer", "fuzzer@example.com", premium=3)
        new = await accounts.create_key(conn, TEST_SECRET.encode(), user_id, "fuzz")
        return ApiUser(user_id, "fuzzer", "fuzzer@example.com", new.key, 3)

    user: ApiUser = run_sync(fuzz_database, create)
    return user


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_database: str, fuzzer: ApiUser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = Settings(
        database_url=fuzz_database,
        secret_key=TEST_SECRET,
        data_dir=tmp_path_factory.mktemp("fuzz-data"),
        public_url="http://testserver",
        # No failed-auth limit here: negative cases send broken credentials on purpose.
        rate_limit_auth_failures="",
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    shutdown_lifespans()  # closes the database before the fixture drops it


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_operation_conforms_to_the_document(
    fuzz_schema: Any, fuzzer: ApiUser, method: str, path: str, mode: GenerationMode
) -> None:
    operation = fuzz_schema[path][method]
    statuses = listed_statuses(method, path)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=fuzzer.headers, checks=CHECKS)
        assert response.status_code in statuses, f"{method} {path}: {response.status_code} is not one of {statuses}"

    run()
