"""Hostile input: each case names the expected status and body.

The sweep tests at the end are generated from the app's routes: every operation that takes
a body gets every malformed body, so new routes are covered without new tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from openmaze.settings import Settings
from tests.conftest import DEMO_SHOW, ApiUser
from tests.hardening.routes import API_OPERATIONS, Operation


def assert_error(r: Any, status: int, message: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["code"] == 0 and isinstance(body["name"], str), body
    assert isinstance(body["message"], str) and body["message"], body
    if message is not None:
        assert body["message"] == message, body
    return body


# --- transport-level: size, methods, paths, query strings ------------------------------------


def test_body_over_the_limit_is_413_before_it_is_read(client: TestClient, alice: ApiUser, settings: Settings) -> None:
    limit = settings.max_body_bytes
    r = client.post(
        "/v1/scrobble/episodes",
        content=b"[" + b" " * limit + b"]",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(r, 413, f"The request body is larger than the limit of {limit} bytes.")
    assert r.headers["connection"] == "close"


def test_a_lying_content_length_is_413(client: TestClient, alice: ApiUser) -> None:
    r = client.put(
        f"/v1/user/follows/shows/{DEMO_SHOW}",
        content=b"{}",
        headers={**alice.headers, "Content-Length": str(10**12), "Content-Type": "application/json"},
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    "query",
    [
        "foo=bar",
        "foo=1&foo=2&foo=3",
        "embed=show&embed=show",
        "a=%00",
        "%00=%00",
        "q=%ff%fe",
        "x=" + "y" * 8000,
        "&&&==&",
        "a[b][c]=1",
        "q=%27%20OR%201%3D1%20--",
    ],
)
def test_unknown_and_odd_query_parameters_are_ignored(client: TestClient, alice: ApiUser, query: str) -> None:
    r = client.get(f"/v1/auth/validate?{query}", auth=alice.auth)
    assert (r.status_code, r.json()) == (200, {"premium": 1})


@pytest.mark.parametrize(
    "path",
    [
        "/v1/auth/validate%00",
        "/v1/%00",
        "/v1/auth/%ff",
        "/" + "a" * 10_000,
        "/v1/auth/\u2603",
    ],
)
def test_odd_paths_are_404(client: TestClient, alice: ApiUser, path: str) -> None:
    assert_error(client.get(path, auth=alice.auth), 404)


def test_wrong_method_is_405_with_tvmaze_body(client: TestClient, alice: ApiUser) -> None:
    r = client.request("PATCH", "/v1/auth/validate", auth=alice.auth)
    assert_error(r, 405)
    assert "GET" in r.headers["allow"]


# --- bodies: every operation that takes one, every malformed body -----------------------------

BODY_OPERATIONS = [op for op in API_OPERATIONS if op.method in ("PUT", "POST", "PATCH")]
DEEP = 400  # parses (orjson allows 1024 levels) but cannot be echoed back (orjson writes 254)

MALFORMED_BODIES: dict[str, tuple[str, bytes]] = {
    "invalid json": ("application/json", b'{"vote": 5,'),
    "truncated": ("application/json", b"[{"),
    "not utf-8": ("application/json", b'{"name": "\xff\xfe"}'),
    "lone surrogate": ("application/json", b'{"name": "\\ud800"}'),
    "too deep to parse": ("application/json", b"[" * 5000 + b"]" * 5000),
    "deep object": ("application/json", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    "deep items": ("application/json", b'[{"episode_id":' + b"[" * DEEP + b"]" * DEEP + b"}]"),
    "deep field": (
        "application/json",
        b'{"name":' + b"[" * DEEP + b"]" * DEEP + b', "vote":' + b"[" * DEEP + b"]" * DEEP + b"}",
    ),
    "xml": ("application/xml", b"<vote>5</vote>"),
    "text": ("text/plain", b"vote=5"),
    "form, not utf-8": ("application/x-www-form-urlencoded", b"vote=\xff&type=\xfe"),
    "multipart without boundary": ("multipart/form-data", b"--x\r\n"),
    "scalar": ("application/json", b"42"),
    "null": ("application/json", b"null"),
    "string": ("application/json", b'"hello"'),
    "huge numbers": (
        "application/json",
        orjson.dumps({"vote": 2**64 - 1, "type": 2**63, "marked_at": 2**64 - 1, "episode_id": 2**64 - 1, "name": 1}),
    ),
    "huge numbers in items": (
        "application/json",
        b'[{"episode_id": 18446744073709551615, "type": 99999999999999999999, "marked_at": -9223372036854775809,'
        b' "season": 1e300, "episode": -1e300}]',
    ),
    "nul bytes": (
        "application/json",
        orjson.dumps(
            {
                **{"name": "a\x00b", "vote": "\x00", "type": "\x00", "marked_at": "1\x00", "episode_id": "\x00"},
                **{"email": "a\x00b@example.com", "token": "a\x00b"},
            }
        ),
    ),
    "nul bytes in items": (
        "application/json",
        orjson.dumps([{"episode_id": "1\x00", "airdate": "\x00", "season": "\x00"}]),
    ),
    "wrong types": (
        "application/json",
        orjson.dumps({"vote": [1], "type": {"a": 1}, "marked_at": True, "name": ["x"]}),
    ),
    "wrong types in items": ("application/json", orjson.dumps([1, "x", None, [], {"episode_id": True, "type": "--5"}])),
}


def fill(op: Operation) -> str:
    ids = {
        "show_id": DEMO_SHOW,
        "episode_id": 9_000_001,
        "person_id": 900_105,
        "network_id": 9001,
        "webchannel_id": 9501,
    }
    return op.url(**ids)


def assert_clean_answer(r: Any, what: str) -> None:
    assert r.status_code < 500, (what, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json"), (what, r.headers)
    if not r.content:
        return
    body = r.json()
    if r.status_code >= 400 and isinstance(body, dict):
        assert body["status"] == r.status_code and body["code"] == 0 and body["message"], (what, body)
    elif isinstance(body, list) and r.status_code in (207, 422):  # a BulkResponse
        assert all(isinstance(item, dict) and "code" in item for item in body), (what, body)


@pytest.fixture
def sweeper(client: TestClient, make_user: Any) -> Iterator[tuple[TestClient, ApiUser]]:
    yield client, make_user("sweeper", premium=3)


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=str)
def test_malformed_bodies_never_500(sweeper: tuple[TestClient, ApiUser], op: Operation) -> None:
    client, user = sweeper
    for name, (content_type, body) in MALFORMED_BODIES.items():
        r = client.request(op.method, fill(op), content=body, headers={**user.headers, "Content-Type": content_type})
        assert_clean_answer(r, f"{op} with {name}")


def test_a_bulk_item_too_deep_to_echo_is_still_answered(client: TestClient, alice: ApiUser) -> None:
    deep = b"[" * DEEP + b"]" * DEEP
    r = client.post(
        "/v1/scrobble/episodes",
        content=b'[{"episode_id": 9000001}, {"episode_id": ' + deep + b"}]",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 207
    ok, bad = r.json()
    assert ok["code"] == 200 and ok["result"]["episode_id"] == 9_000_001
    assert bad["code"] == 422 and bad["input"] == {} and "episode_id" in bad["errors"]


# --- the user API and scrobbling: named cases with their exact answers -----------------------

VOTE = f"/v1/user/votes/shows/{DEMO_SHOW}"
INVALID_VOTE = {"vote": ["Vote must be an integer from 1 to 10."]}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b'{"vote":'), ("application/json", b"[" * 2000), ("application/xml", b"<vote>5</vote>")],
    ids=["invalid json", "too deep", "xml"],
)
def test_a_body_that_is_not_json_is_400(client: TestClient, alice: ApiUser, content_type: str, body: bytes) -> None:
    r = client.put(VOTE, content=body, headers={**alice.headers, "Content-Type": content_type})
    assert_error(r, 400, "The request body is not valid JSON.")
    assert client.get(VOTE, auth=alice.auth).status_code == 404  # nothing was written


def test_json_sent_as_text_plain_is_read(client: TestClient, alice: ApiUser) -> None:
    r = client.put(VOTE, content=b'{"vote": 5}', headers={**alice.headers, "Content-Type": "text/plain"})
    assert r.status_code == 200 and r.json()["vote"] == 5


@pytest.mark.parametrize(
    "vote", ["eight", 2**70, -(2**70), 0, 11, 5.5, True, None, [5], {"v": 5}, "5\x00", [[[[[1]]]]]], ids=repr
)
def test_a_vote_that_is_not_1_to_10_is_422(client: TestClient, alice: ApiUser, vote: Any) -> None:
    body = assert_error(client.put(VOTE, json={"vote": vote}, auth=alice.auth), 422, "Invalid vote")
    assert body["errors"] == INVALID_VOTE


def test_numeric_strings_are_numbers(client: TestClient, alice: ApiUser) -> None:
    assert client.put(VOTE, json={"vote": "8"}, auth=alice.auth).json()["vote"] == 8
    r = client.put("/v1/user/episodes/9000001", data={"type": "1", "marked_at": "1700000000"}, auth=alice.auth)
    assert r.json() == {"episode_id": 9_000_001, "marked_at": 1_700_000_000, "type": 1}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "watched"}, "type"),
        ({"type": 2**64}, "type"),
        ({"marked_at": "1\x00"}, "marked_at"),
        ({"marked_at": -1}, "marked_at"),
        ({"marked_at": 2**64}, "marked_at"),
        ({"marked_at": "--5"}, "marked_at"),
        ({"marked_at": "\u00b2"}, "marked_at"),
    ],
    ids=repr,
)
def test_a_bad_mark_field_is_422(client: TestClient, alice: ApiUser, fields: dict[str, Any], field: str) -> None:
    body = assert_error(client.put("/v1/user/episodes/9000001", json=fields, auth=alice.auth), 422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/user/follows/shows/{}"), ("PUT", "/v1/user/votes/shows/{}"), ("GET", "/v1/scrobble/shows/{}")],
)
def test_an_id_of_thousands_of_digits_is_404(client: TestClient, alice: ApiUser, method: str, path: str) -> None:
    # Past Python's 4,300-digit limit, int() raises: the fast path once called it on any digits.
    for digits in ("9" * 5000, "1" + "0" * 4999):
        r = client.request(method, path.format(digits), json={"vote": 5}, auth=alice.auth)
        assert_error(r, 404, "Page not found.")


def test_a_body_id_beyond_64_bits_is_ignored_where_the_path_names_the_object(
    client: TestClient, alice: ApiUser
) -> None:
    r = client.put("/v1/user/episodes/9000001", json={"episode_id": 2**70, "type": 1}, auth=alice.auth)
    assert (r.status_code, r.json()["episode_id"]) == (200, 9_000_001)


@pytest.mark.parametrize(
    "name",
    ["🎬 Ünïcödé 名前", "x" * 100, "'; DROP TABLE tags; --", "Robert'); DELETE FROM users;--", "%s %d {0} ${x}", "<b>"],
    ids=["unicode", "100 chars", "sql", "sql 2", "format strings", "html"],
)
def test_tag_names_are_stored_verbatim(client: TestClient, alice: ApiUser, name: str) -> None:
    r = client.post("/v1/user/tags", json={"name": name}, auth=alice.auth)
    assert r.status_code == 200 and r.json()["name"] == name
    assert client.get("/v1/user/tags", auth=alice.auth).json() == [{"id": r.json()["id"], "name": name}]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("x" * 101, "Name should contain at most 100 characters."),
        ("x" * 100_000, "Name should contain at most 100 characters."),
        ("a\x00b", "Name must not contain control characters."),
        ("", "Name cannot be blank."),
        ("   ", "Name cannot be blank."),
        (5, "Name must be a string."),
        (None, None),
    ],
    ids=["101 chars", "100,000 chars", "nul", "empty", "blank", "number", "null"],
)
def test_bad_tag_names_are_422(client: TestClient, alice: ApiUser, name: Any, error: str | None) -> None:
    body = assert_error(client.post("/v1/user/tags", json={"name": name}, auth=alice.auth), 422)
    if error is not None:
        assert body["errors"] == {"name": [error]}
    assert client.get("/v1/user/tags", auth=alice.auth).json() == []


def test_duplicate_bulk_items_answer_each_and_keep_the_last(client: TestClient, alice: ApiUser) -> None:
    items = [{"episode_id": 9000001, "type": 0, "marked_at": 5}, {"episode_id": 9000001, "type": 1, "marked_at": 6}]
    r = client.post("/v1/scrobble/episodes", json=items, auth=alice.auth)
    assert r.status_code == 200
    assert [item["result"] for item in r.json()] == [
        {"episode_id": 9000001, "type": 0, "marked_at": 5},
        {"episode_id": 9000001, "type": 1, "marked_at": 6},
    ]
    marks = client.get("/v1/user/episodes", auth=alice.auth).json()
    assert marks == [{"episode_id": 9000001, "type": 1, "marked_at": 6}]


def test_repeated_query_parameters_take_the_last_value(client: TestClient, alice: ApiUser) -> None:
    client.put("/v1/user/episodes/9000001", json={"type": 0, "marked_at": 1}, auth=alice.auth)
    mine = [{"episode_id": 9000001, "type": 0, "marked_at": 1}]
    other = 900_002
    assert client.get(f"/v1/user/episodes?show_id={other}&show_id={DEMO_SHOW}", auth=alice.auth).json() == mine
    assert client.get(f"/v1/user/episodes?show_id={DEMO_SHOW}&show_id={other}", auth=alice.auth).json() == []
    assert client.get("/v1/user/follows/shows?embed=show&embed=show", auth=alice.auth).status_code == 200
    assert_error(client.get("/v1/user/follows/shows?embed=show&embed=x", auth=alice.auth), 400, "Invalid embed type")


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", "1.5", "%00"])
def test_a_query_id_that_cannot_be_one_is_422(client: TestClient, alice: ApiUser, value: str) -> None:
    body = assert_error(client.get(f"/v1/user/episodes?show_id={value}", auth=alice.auth), 422)
    assert list(body["errors"]) == ["show_id"]


def test_a_chunked_body_over_the_limit_is_cut_off_with_413(
    client: TestClient, alice: ApiUser, settings: Settings, database_url: str
) -> None:
    chunk = b'{"episode_id": 9000001},' * 1000

    def body() -> Iterator[bytes]:  # no Content-Length: the limit is enforced as bytes arrive
        yield b"["
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'{"episode_id": 9000001}]'

    r = client.post(
        "/v1/scrobble/episodes", content=body(), headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert_error(r, 413)
    assert client.get("/v1/user/episodes", auth=alice.auth).json() == []
