"""Fault rules: an error status, latency, or a dropped connection, for a path pattern (and
method), every time, a fraction of the time, or the next N requests."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from openmaze.sandbox.faults import MAX_RULES
from tests.conftest import DEMO_SHOW, ApiUser
from tests.sandbox.conftest import ADMIN, is_fast_path

FOLLOWS = "/v1/user/follows/shows"


def _fault(client: TestClient, **rule: Any) -> dict[str, Any]:
    answer = client.post("/_sandbox/faults", headers=ADMIN, json=rule)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_status_for_the_next_n_requests(sandbox: TestClient, carol: ApiUser) -> None:
    assert is_fast_path(sandbox, "GET", FOLLOWS)  # faulted like any other
    rule = _fault(sandbox, path="/v1/user/*", status=503, times=2)
    assert rule["remaining"] == 2 and rule["message"] == "Sandbox fault: injected 503"
    answers = [sandbox.get(FOLLOWS + "/", headers=carol.headers) for _ in range(3)]  # a trailing slash too
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {
        "name": "Service Unavailable",
        "message": "Sandbox fault: injected 503",
        "code": 0,
        "status": 503,
    }
    assert sandbox.get("/_sandbox/faults", headers=ADMIN).json() == []  # spent, so gone


def test_a_429_with_retry_after_and_a_message(sandbox: TestClient, carol: ApiUser) -> None:
    _fault(sandbox, path=FOLLOWS, status=429, retry_after=2, message="Slow down")
    answer = sandbox.get(FOLLOWS, headers=carol.headers)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "2"
    assert answer.json()["message"] == "Slow down"
    rules = sandbox.get("/_sandbox/faults", headers=ADMIN).json()
    assert rules[0]["fired"] == 1 and rules[0]["remaining"] is None


def test_only_the_matching_path_and_method(sandbox: TestClient, carol: ApiUser) -> None:
    _fault(sandbox, path="/v1/user/follows/shows/*", method="put", status=500)
    assert sandbox.get(f"{FOLLOWS}/{DEMO_SHOW}", headers=carol.headers).status_code == 404  # not followed
    assert sandbox.put(f"{FOLLOWS}/{DEMO_SHOW}", headers=carol.headers).status_code == 500
    assert sandbox.get(FOLLOWS, headers=carol.headers).status_code == 200  # the pattern needs a "/" more
    assert sandbox.get(f"/shows/{DEMO_SHOW}").status_code == 200


def test_the_first_rule_that_fires_wins(sandbox: TestClient, carol: ApiUser) -> None:
    first = _fault(sandbox, path=FOLLOWS, status=502, times=1)
    _fault(sandbox, path="*", status=504, times=1)
    assert [sandbox.get(FOLLOWS, headers=carol.headers).status_code for _ in range(3)] == [502, 504, 200]
    assert first["id"] < _fault(sandbox, status=500)["id"]


def test_latency_then_the_real_answer(sandbox: TestClient, carol: ApiUser) -> None:
    _fault(sandbox, path=FOLLOWS, latency_ms=300, times=1)
    began = time.perf_counter()
    answer = sandbox.get(FOLLOWS, headers=carol.headers)
    assert answer.status_code == 200 and answer.json() == []
    assert time.perf_counter() - began >= 0.3


def test_latency_then_a_status(sandbox: TestClient, carol: ApiUser) -> None:
    _fault(sandbox, path=FOLLOWS, latency_ms=200, status=500, times=1)
    began = time.perf_counter()
    assert sandbox.get(FOLLOWS, headers=carol.headers).status_code == 500
    assert time.perf_counter() - began >= 0.2


def test_a_dropped_connection_is_journaled_without_a_status(sandbox: TestClient, carol: ApiUser) -> None:
    rule = _fault(sandbox, path=FOLLOWS, drop=True, times=1)
    # In process there is no socket to close: whatever the test transport makes of it.
    with contextlib.suppress(Exception):
        sandbox.get(FOLLOWS, headers=carol.headers)
    entry = sandbox.get("/_sandbox/journal", headers=ADMIN).json()[-1]
    assert (entry["status"], entry["fault"]) == (None, f"fault {rule['id']}")
    assert sandbox.get(FOLLOWS, headers=carol.headers).status_code == 200


def test_a_rate_fires_for_a_fraction_repeatably(sandbox: TestClient, carol: ApiUser) -> None:
    def run() -> list[int]:
        sandbox.delete("/_sandbox/faults", headers=ADMIN)
        sandbox.post("/_sandbox/faults/seed", headers=ADMIN, json={"seed": 42})
        _fault(sandbox, path=FOLLOWS, status=500, rate=0.5)
        return [sandbox.get(FOLLOWS, headers=carol.headers).status_code for _ in range(40)]

    first = run()
    assert 5 < first.count(500) < 35 and first.count(200) == 40 - first.count(500)
    assert run() == first


def test_rules_are_listed_and_removed(sandbox: TestClient) -> None:
    one = _fault(sandbox, status=500)
    two = _fault(sandbox, latency_ms=5)
    assert [r["id"] for r in sandbox.get("/_sandbox/faults", headers=ADMIN).json()] == [one["id"], two["id"]]
    assert sandbox.delete(f"/_sandbox/faults/{one['id']}", headers=ADMIN).json() == {"cleared": 1}
    missing = sandbox.delete(f"/_sandbox/faults/{one['id']}", headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["message"] == "There is no fault rule with this id"
    assert sandbox.delete("/_sandbox/faults", headers=ADMIN).json() == {"cleared": 1}
    assert sandbox.get("/_sandbox/faults", headers=ADMIN).json() == []


def test_the_control_api_is_never_faulted(sandbox: TestClient) -> None:
    _fault(sandbox, path="*", status=500)
    assert sandbox.get("/_sandbox/faults", headers=ADMIN).status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"path": "/v1/*"},
        {"status": 200},
        {"status": 600},
        {"status": 500, "drop": True},
        {"status": 500, "rate": 0},
        {"status": 500, "rate": 1.5},
        {"status": 500, "times": 0},
        {"latency_ms": 10**6},
        {"status": 500, "method": "GET /x"},
        {"status": 500, "path": ""},
        {"status": 500, "unknown": 1},
    ],
)
def test_bad_rules_are_422s(sandbox: TestClient, rule: dict[str, Any]) -> None:
    answer = sandbox.post("/_sandbox/faults", headers=ADMIN, json=rule)
    assert answer.status_code == 422 and answer.json()["errors"], answer.text


def test_the_number_of_rules_is_bounded(sandbox: TestClient) -> None:
    for _ in range(MAX_RULES):
        _fault(sandbox, path="/never", status=500)
    answer = sandbox.post("/_sandbox/faults", headers=ADMIN, json={"status": 500})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"faults": [f"at most {MAX_RULES} fault rules at once"]}
