"""Schema-driven fuzzing of the sandbox API (as tests/hardening/test_fuzz.py does for the
rest): every answer to valid and invalid requests is a status its document lists, in the
shape it documents (errors: the TVmaze error body), and never a 5xx."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import BACKEND, TEST_SECRET
from tests.hardening.test_fuzz import CHECKS, EXAMPLES
from tests.sandbox.conftest import ADMIN, TOKEN

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
def sandbox_schema(template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if BACKEND == "postgres":
        pytest.skip("the sandbox API's rules do not depend on the database; fuzzed on SQLite")
    data = tmp_path_factory.mktemp("sandbox-fuzz")
    path = Path(data) / "openmaze.sqlite3"
    shutil.copyfile(template_database, path)
    settings_ = SANDBOX_SETTINGS.model_copy(
        update={"database_url": f"sqlite:///{path}", "secret_key": TEST_SECRET, "data_dir": data}
    )
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))
    shutdown_lifespans()


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
