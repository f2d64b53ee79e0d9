"""API keys never reach the logs; the access log names the user instead."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx

from openmaze.core.accesslog import redact_query
from tests.conftest import ApiUser, start_server, stop_server


def test_live_server_log_names_the_user_never_the_key(
    database_url: str, tmp_path: Path, alice: ApiUser, bob: ApiUser
) -> None:
    server = start_server(database_url, tmp_path)
    wrong_key = "omk_" + "Z" * 32
    try:
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/v1/auth/validate", auth=alice.auth).status_code == 200
            assert http.get("/v1/auth/validate", auth=(bob.username, wrong_key)).status_code == 401
            assert http.get("/v1/auth/validate", auth=(alice.username, bob.key)).status_code == 401
            # Secrets in query strings (some clients do this) are masked; a forged log line is escaped.
            assert http.get(f"/v1/auth/validate?apikey={bob.key}&x=1", auth=bob.auth).status_code == 200
            assert http.get("/v1/auth/validate%0A127.0.0.1 admin forged").status_code == 404
    finally:
        stop_server(server)
    log = server.log()
    for secret in (alice.key, bob.key, wrong_key):
        assert secret not in log
        assert secret[4:] not in log
    for user in (alice, bob):
        token = base64.b64encode(f"{user.username}:{user.key}".encode()).decode()
        assert token not in log
    lines = log.splitlines()
    assert any(re.search(r' alice "GET /v1/auth/validate HTTP/1.1" 200 \d+ ', line) for line in lines), log
    assert any(re.search(r' - "GET /v1/auth/validate HTTP/1.1" 401 ', line) for line in lines), log
    assert any(' bob "GET /v1/auth/validate?apikey=***&x=1 HTTP/1.1" 200 ' in line for line in lines), log
    assert not any(line.startswith("127.0.0.1 admin forged") for line in lines)
    assert any("validate\\n127.0.0.1 admin forged" in line for line in lines), log


def test_no_access_log_flag_turns_it_off(database_url: str, tmp_path: Path, alice: ApiUser) -> None:
    server = start_server(database_url, tmp_path, args=["--no-access-log"])
    try:
        assert httpx.get(server.url + "/v1/auth/validate", auth=alice.auth).status_code == 200
    finally:
        stop_server(server)
    assert '"GET /v1/auth/validate' not in server.log()


def test_query_redaction() -> None:
    assert redact_query("") == ""
    assert redact_query("q=girls&embed=show") == "q=girls&embed=show"
    assert redact_query("apikey=omk_1&api_key=omk_2&token=t&code=c&x=1") == (
        "apikey=***&api_key=***&token=***&code=***&x=1"
    )
    assert redact_query("PASSWORD=p&csrf_token=c") == "PASSWORD=***&csrf_token=***"
