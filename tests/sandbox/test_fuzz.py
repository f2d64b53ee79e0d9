"""Schema-driven fuzzing of the sandbox API (as tests/hardening/test_fuzz.py does for the
rest): every answer to valid and invalid requests is a status its document lists, in the
shape it documents (errors: the TVmaze error body), and never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import TEST_SECRET
from tests.hardening import test_fuzz as hardening
from tests.sandbox.conftest import ADMIN, TOKEN

EXAMPLES = hardening.EXAMPLES
# Valid bodies the state refuses, not the document: a name or address already taken by an
# earlier example, a clock advance past 2100 after earlier advances.
_STATE_REFUSALS = {
    ("POST", "/_sandbox/users"): (422, {"username", "email"}),
    ("POST", "/_sandbox/clock/advance"): (422, {"seconds"}),
}


def _refused_by_state(method: str, path: str, response: Any) -> bool:
    status, fields = _STATE_REFUSALS.get((method, path), (None, set()))
    if response.status_code != status:
        return False
    errors = set((response.json() or {}).get("errors") or {})
    return bool(errors) and errors <= fields


def valid_data_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    if _refused_by_state(case.method.upper(), case.path, response):
        return None
    return hardening.valid_data_is_accepted(ctx, response, case)


CHECKS = [valid_data_is_accepted if c is hardening.valid_data_is_accepted else c for c in hardening.CHECKS]
fuzz_database = hardening.fuzz_database  # the same module-wide database fixture, on either backend
SANDBOX_SETTINGS = Settings(
    database_url="sqlite:///:memory:", secret_key="collect-only", sandbox=True, sandbox_token=TOKEN
)
DOCUMENT: dict[str, Any] = create_app(SANDBOX_SETTINGS).openapi()
OPERATIONS = [
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    if path.startswith("/_sandbox")
    for method in item
]


@pytest.fixture(scope="module")
def sandbox_schema(fuzz_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings_ = SANDBOX_SETTINGS.model_copy(
        update={
            "database_url": fuzz_database,
            "secret_key": TEST_SECRET,
            "data_dir": tmp_path_factory.mktemp("sandbox-fuzz"),
            # No failed-auth limit here: negative cases send broken credentials on purpose.
            "rate_limit_auth_failures": "",
        }
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))
    shutdown_lifespans()  # closes the database before the fixture drops it


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=lambda v: str(v))
def test_sandbox_operation_conforms_to_the_document(
    sandbox_schema: Any, method: str, path: str, mode: GenerationMode
) -> None:
    operation = sandbox_schema[path][method]
    statuses = {int(code) for code in DOCUMENT["paths"][path][method.lower()]["responses"] if code.isdigit()}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=ADMIN, checks=CHECKS)
        assert response.status_code in statuses, f"{method} {path}: {response.status_code} is not one of {statuses}"

    run()
