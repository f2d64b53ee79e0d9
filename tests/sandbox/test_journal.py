"""The request journal: what clients sent (credentials masked) and the status they got;
filterable, clearable, bounded in entries and body bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import DEMO_SHOW, ApiUser
from tests.sandbox.conftest import ADMIN, is_fast_path

FOLLOWS = "/v1/user/follows/shows"


def _journal(client: TestClient, **query: Any) -> list[dict[str, Any]]:
    answer = client.get("/_sandbox/journal", headers=ADMIN, params=query)
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


def test_what_was_sent_and_answered(sandbox: TestClient, carol: ApiUser) -> None:
    assert is_fast_path(sandbox, "PUT", f"{FOLLOWS}/{{show_id}}")  # journaled like any other
    sandbox.put(f"{FOLLOWS}/{DEMO_SHOW}/", headers={**carol.headers, "User-Agent": "my-app/1.0"}, data={"x": "1"})
    [entry] = _journal(sandbox)
    assert entry["method"] == "PUT"
    assert entry["path"] == f"{FOLLOWS}/{DEMO_SHOW}"  # as routed: the trailing slash dropped
    assert entry["headers"]["user-agent"] == "my-app/1.0"
    assert entry["headers"]["authorization"] == "Basic carol:***"
    assert entry["username"] == "carol"
    assert entry["body"] == "x=1" and entry["body_bytes"] == 3 and entry["body_truncated"] is False
    assert entry["status"] == 200 and entry["fault"] is None and entry["duration_ms"] > 0
    assert entry["address"] == "testclient"
    assert carol.key not in str(entry)


def test_secrets_are_masked_everywhere(sandbox: TestClient, carol: ApiUser) -> None:
    started = sandbox.post("/v1/auth/start", json={"email": carol.email, "email_confirmation": False}).json()
    token = started["token"]
    sandbox.post("/v1/auth/poll", json={"token": token})
    sandbox.post("/v1/auth/poll", data={"token": token})
    sandbox.get(f"/shows/{DEMO_SHOW}?api_key=abc&embed=cast", headers={"Cookie": "session=s3cr3t", "X-Api-Key": "k"})
    sandbox.get("/v1/auth/validate", headers={"Authorization": "Bearer opaque-credential"})
    entries = _journal(sandbox)
    text = str(entries)
    for secret in (token, "s3cr3t", "abc", "opaque-credential"):
        assert secret not in text
    assert entries[1]["body"] == '{"token":"***"}' and entries[2]["body"] == "token=***"
    assert entries[3]["query"] == "api_key=***&embed=cast"
    assert entries[3]["headers"]["cookie"] == "***" and entries[3]["headers"]["x-api-key"] == "***"
    assert entries[4]["headers"]["authorization"] == "Bearer ***"


def test_refused_and_faulted_requests_keep_their_bodies(sandbox: TestClient, carol: ApiUser) -> None:
    sandbox.put("/_sandbox/ratelimit", headers=ADMIN, json={"calls": 1, "seconds": 60})
    sandbox.post("/v1/scrobble/episodes", headers=carol.headers, json=[{"episode_id": 1}])  # unknown: a 422
    sandbox.post("/v1/scrobble/episodes", headers=carol.headers, json=[{"episode_id": 2}])
    sandbox.delete("/_sandbox/ratelimit", headers=ADMIN)
    sandbox.post("/_sandbox/faults", headers=ADMIN, json={"status": 500, "times": 1})
    sandbox.post("/v1/scrobble/episodes", headers=carol.headers, json=[{"episode_id": 3}])
    entries = _journal(sandbox)
    assert [(e["status"], e["fault"], e["body"]) for e in entries] == [
        (422, None, '[{"episode_id":1}]'),
        (429, "rate-limit", '[{"episode_id":2}]'),
        (500, "fault 1", '[{"episode_id":3}]'),
    ]


def test_filters(sandbox: TestClient, carol: ApiUser) -> None:
    sandbox.get(FOLLOWS, headers=carol.headers)
    sandbox.put(f"{FOLLOWS}/{DEMO_SHOW}", headers=carol.headers)
    sandbox.get(f"/shows/{DEMO_SHOW}")
    sandbox.get("/nowhere")
    sandbox.get(FOLLOWS, headers={"Authorization": "Basic ZGF2ZTpub3Bl"})  # dave:nope, a 401
    every = _journal(sandbox)
    assert [e["id"] for e in every] == sorted(e["id"] for e in every)
    assert [e["path"] for e in _journal(sandbox, method="put")] == [f"{FOLLOWS}/{DEMO_SHOW}"]
    assert len(_journal(sandbox, path="/v1/user/*")) == 3
    assert [e["path"] for e in _journal(sandbox, status=404)] == ["/nowhere"]
    assert len(_journal(sandbox, username="CAROL")) == 2
    assert [e["status"] for e in _journal(sandbox, username="dave")] == [401]
    assert _journal(sandbox, after_id=every[2]["id"]) == every[3:]
    assert _journal(sandbox, limit=2) == every[-2:]


def test_the_control_api_is_not_journaled_and_clearing_empties_it(sandbox: TestClient) -> None:
    sandbox.get("/healthz")
    sandbox.get("/_sandbox/clock", headers=ADMIN)
    assert [e["path"] for e in _journal(sandbox)] == ["/healthz"]
    assert sandbox.delete("/_sandbox/journal", headers=ADMIN).json() == {"cleared": 1}
    assert _journal(sandbox) == []


def test_bounded_in_entries(make_sandbox: Callable[..., TestClient]) -> None:
    sandbox = make_sandbox(sandbox_journal_entries=3)
    for n in range(5):
        sandbox.get(f"/shows/{n}")
    assert [e["path"] for e in _journal(sandbox, limit=100)] == ["/shows/2", "/shows/3", "/shows/4"]


def test_bodies_are_cut_at_the_limit(make_sandbox: Callable[..., TestClient], carol: ApiUser) -> None:
    sandbox = make_sandbox(sandbox_journal_body_bytes=10)
    sandbox.post("/v1/user/tags", headers=carol.headers, json={"name": "A long tag name"})
    [entry] = _journal(sandbox)
    assert entry["body"] == '{"name":"A' and entry["body_bytes"] == 26 and entry["body_truncated"] is True


def test_bodies_over_the_server_limit_are_sized_not_kept(
    make_sandbox: Callable[..., TestClient], carol: ApiUser
) -> None:
    sandbox = make_sandbox(max_body_bytes=100)
    sandbox.post("/v1/user/tags", headers=carol.headers, content=b"x" * 500)
    [entry] = _journal(sandbox)
    assert (entry["status"], entry["body"], entry["body_bytes"]) == (413, None, 500)


def test_a_journal_of_size_zero_is_off(make_sandbox: Callable[..., TestClient]) -> None:
    sandbox = make_sandbox(sandbox_journal_entries=0)
    assert sandbox.get("/healthz").status_code == 200
    assert _journal(sandbox) == []


def test_bad_filters_are_422s(sandbox: TestClient) -> None:
    for query in ({"status": "ok"}, {"limit": 0}, {"after_id": -1}, {"status": 42}):
        answer = sandbox.get("/_sandbox/journal", headers=ADMIN, params=query)
        assert answer.status_code == 422 and answer.json()["status"] == 422, query


def test_deeply_nested_bodies_are_cut_not_crashed_on(sandbox: TestClient, carol: ApiUser) -> None:
    deep = b'[{"token": "x"}, ' + b"[" * 1000 + b"]" * 1000 + b"]"
    answer = sandbox.post("/v1/scrobble/episodes", headers=carol.headers, content=deep)
    assert answer.status_code in (207, 422)  # the route's own answer, journaled without trouble
    [entry] = _journal(sandbox)
    assert entry["body"].startswith('[{"token":"***"},[[[') and "…" in entry["body"]


def test_a_filter_given_twice_is_a_422(sandbox: TestClient) -> None:
    answer = sandbox.get("/_sandbox/journal?path=/a&path=/b", headers=ADMIN)
    assert answer.status_code == 422 and answer.json()["errors"] == {"path": ["is given more than once"]}
