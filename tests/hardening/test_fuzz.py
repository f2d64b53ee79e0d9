"""Schema-driven fuzzing: schemathesis against the app's own /openapi.json, authenticated as a
premium user, twice: in process (through ASGI, fast, the app alone) and against a running
`openmaze serve` over a socket (the server as clients meet it: uvicorn, its HTTP parser and
every middleware). One test per operation in the document (collected from the app itself), so a
new route is fuzzed as soon as it exists.

Each operation gets valid (positive) and invalid (negative) requests; every answer must be
a non-5xx status the document lists for the operation, with the content type, headers and
body schema it documents (errors: the TVmaze error body). Valid requests must be accepted
and invalid ones refused: the document's request schemas are the field parsers' own
(`openmaze.core.fields`), so a mismatch is a bug in one or the other. A 404 for an id that
is well formed but names nothing is an answer to valid data (schemathesis' default).

Bounded for the suite (a few examples per operation and mode);
`OPENMAZE_FUZZ_EXAMPLES=300 pytest tests/hardening/test_fuzz.py` (`make fuzz`) runs long;
`OPENMAZE_FUZZ_RANDOM=1` draws different examples on every run.
"""

from __future__ import annotations

import os
import re
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
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from openmaze.app import create_app
from openmaze.auth import accounts
from openmaze.db.database import Conn
from openmaze.settings import Settings
from tests.conftest import BACKEND, TEST_SECRET, ApiUser, _pg_admin, _pg_url_for, run_sync, start_server, stop_server

EXAMPLES = int(os.environ.get("OPENMAZE_FUZZ_EXAMPLES", "5"))
RANDOM = bool(os.environ.get("OPENMAZE_FUZZ_RANDOM"))  # new examples each run, not the same ones
BULK = {("POST", "/v1/scrobble/episodes"), ("POST", "/v1/scrobble/shows")}
_TAKEN = re.compile(r'^Name ".*" has already been taken\.$', re.DOTALL)
_NO_SELECTOR = "Give exactly one of the query parameters tvmaze_id, thetvdb_id or imdb_id."


def _answers_valid_data(method: str, path: str, response: Any) -> bool:
    """Refusals of well-formed requests that the document cannot foresee: they depend on
    state (a tag name already taken, scrobbled episodes the catalog does not hold), or on
    parameters that depend on each other ("exactly one of"), which OpenAPI cannot express."""
    try:
        body = response.json()
    except ValueError:
        return False
    status = response.status_code
    if (method, path) in BULK and status == 422 and isinstance(body, list):
        return all(item["code"] == 404 for item in body)  # TVmaze's 422: no item succeeded
    if not isinstance(body, dict):
        return False
    errors = body.get("errors") or {}
    if status == 422 and path.startswith("/v1/user/tags") and set(errors) == {"name"}:
        return all(_TAKEN.match(message) for message in errors["name"])
    if (method, path) == ("POST", "/v1/scrobble/shows") and status == 422:
        return errors == {"show": [_NO_SELECTOR]}
    if (method, path) == ("GET", "/lookup/shows") and status == 400:
        return bool(body["message"] == "Specify one of the parameters tvrage, thetvdb or imdb")
    return False


def valid_data_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, less the refusals of `_answers_valid_data`."""
    if _answers_valid_data(case.method.upper(), case.path, response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    valid_data_is_accepted,
    negative_data_rejection,
    allow_header_conformance,
    unsupported_method,
    missing_required_header,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
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


def takes_input(method: str, path: str) -> bool:
    op = DOCUMENT["paths"][path][method.lower()]
    return bool(op.get("parameters") or op.get("requestBody"))


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


@pytest.fixture(scope="module", params=["in-process", "live-server"])
def fuzz_schema(
    request: pytest.FixtureRequest, fuzz_database: str, fuzzer: ApiUser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    if request.param == "live-server":
        # The same settings as below, as the server reads them: from its environment.
        server = start_server(fuzz_database, data_dir, {"OPENMAZE_RATE_LIMIT_AUTH_FAILURES": ""})
        try:
            schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
            schema.config.update(base_url=server.url)
            schema.config.generation.update(with_security_parameters=False)
            yield schema
        finally:
            stop_server(server)
        return
    settings = Settings(
        database_url=fuzz_database,
        secret_key=TEST_SECRET,
        data_dir=data_dir,
        public_url="http://testserver",
        # No failed-auth limit here: nothing the fuzzer sends should be slowed down by one.
        rate_limit_auth_failures="",
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings))
    # The credentials are the fuzzer's, sent with every request: no generated (or, in the
    # invalid mode, removed) Authorization header. tests/hardening/test_auth.py covers those.
    schema.config.generation.update(with_security_parameters=False)
    yield schema
    shutdown_lifespans()  # closes the database before the fixture drops it


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_operation_conforms_to_the_document(
    fuzz_schema: Any, fuzzer: ApiUser, method: str, path: str, mode: GenerationMode
) -> None:
    if mode == GenerationMode.NEGATIVE and not takes_input(method, path):
        pytest.skip("no parameter and no body: no request to it is invalid")
    operation = fuzz_schema[path][method]
    statuses = listed_statuses(method, path)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not RANDOM)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=fuzzer.headers, checks=CHECKS)
        assert response.status_code in statuses, f"{method} {path}: {response.status_code} is not one of {statuses}"

    run()
