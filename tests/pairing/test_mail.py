"""Email through a real SMTP server on loopback (aiosmtpd): plain, with login, STARTTLS and
implicit TLS; and the offline fallback to the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.core.mail import Mailer, SmtpConfig, parse_smtp_url
from openmaze.settings import Settings
from tests.conftest import ApiUser, free_port, start_server, stop_server
from tests.pairing.support import SmtpServer, body_of, links_in, self_signed_cert, start_smtp


def test_smtp_urls() -> None:
    assert parse_smtp_url("") is None
    assert parse_smtp_url("smtp://mail.example.com") == SmtpConfig("mail.example.com", 25, "plain")
    assert parse_smtp_url("smtp+starttls://me%40example.com:p%3Ass@mail.example.com") == SmtpConfig(
        "mail.example.com", 587, "starttls", "me@example.com", "p:ss"
    )
    assert parse_smtp_url("smtps://u:p@mail.example.com:2465?cafile=/etc/ca.pem&timeout=3") == SmtpConfig(
        "mail.example.com", 2465, "tls", "u", "p", "/etc/ca.pem", 3.0
    )
    for bad in ("http://mail.example.com", "smtp://"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_a_bad_smtp_url_stops_the_server_from_starting(settings: Settings) -> None:
    with pytest.raises(ValueError, match="SMTP URL"):
        create_app(settings.model_copy(update={"smtp_url": "imap://mail.example.com"}))


def test_pairing_email_content_and_link(pclient: TestClient, alice: ApiUser, smtp: SmtpServer) -> None:
    r = pclient.post(
        "/v1/auth/start",
        json={"email": alice.email, "email_confirmation": True},
        headers={"User-Agent": "Kodi/21.0 (Linux) TVmaze scrobbler"},
    )
    started = r.json()
    (msg,) = smtp.mailbox.wait_for(1)
    assert msg["To"] == alice.email
    assert msg["From"] == "openmaze <noreply@openmaze.test>"
    assert msg["Subject"] == "Allow a device to use your openmaze account?"
    assert msg["Date"] and msg["Message-ID"]
    text = body_of(msg)
    assert "Hello alice" in text
    assert "Kodi/21.0 (Linux) TVmaze scrobbler" in text
    assert "15 minutes" in text
    assert links_in(msg) == [started["confirm_url"]]
    assert started["token"] not in msg.as_string()
    # The link leads to the confirm page (which asks for a login first).
    page = pclient.get(links_in(msg)[0].replace("http://testserver", ""), follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=/pair/")


def _client(settings: Settings, smtp_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"smtp_url": smtp_url}))) as client:
        yield client


def test_login_over_plain_smtp(settings: Settings, alice: ApiUser) -> None:
    server = start_smtp(credentials=("mailer", "s3cret:pw"))
    try:
        url = server.url.replace("s3cret:pw", "s3cret%3Apw")
        for client in _client(settings, url):
            assert client.post("/v1/auth/start", json={"email": alice.email}).status_code == 200
        (msg,) = server.mailbox.wait_for(1)
        assert server.mailbox.logins == [("mailer", "s3cret:pw")]
        assert links_in(msg)[0].startswith("http://testserver/pair/")
    finally:
        server.controller.stop()


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_with_login(scheme: str, settings: Settings, alice: ApiUser, tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    server = start_smtp(scheme=scheme, credentials=("mailer", "pw"), tls_files=(cert, key))
    try:
        for client in _client(settings, f"{server.url}?cafile={cert}"):
            assert client.post("/v1/auth/start", json={"email": alice.email}).status_code == 200
        (msg,) = server.mailbox.wait_for(1)
        assert server.mailbox.logins == [("mailer", "pw")]
        assert msg["To"] == alice.email
    finally:
        server.controller.stop()


def test_tls_refuses_an_untrusted_certificate(
    settings: Settings, alice: ApiUser, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cert, key = self_signed_cert(tmp_path)
    server = start_smtp(scheme="smtps", credentials=("mailer", "pw"), tls_files=(cert, key))
    try:
        with caplog.at_level(logging.ERROR, logger="openmaze.core.mail"):
            for client in _client(settings, server.url):  # no cafile: the system CAs do not know it
                assert client.post("/v1/auth/start", json={"email": alice.email}).status_code == 200
        assert server.mailbox.messages == []
        assert server.mailbox.logins == []
        assert "could not send email" in caplog.text
    finally:
        server.controller.stop()


def test_without_smtp_the_message_goes_to_the_log(
    settings: Settings, alice: ApiUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="openmaze.core.mail"):
        for client in _client(settings, ""):
            started = client.post("/v1/auth/start", json={"email": alice.email}).json()
    assert "SMTP is not configured" in caplog.text
    assert started["confirm_url"] in caplog.text
    assert started["token"] not in caplog.text


def test_an_unreachable_mail_server_does_not_fail_the_request(
    settings: Settings, alice: ApiUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="openmaze.core.mail"):
        for client in _client(settings, f"smtp://127.0.0.1:{free_port()}?timeout=2"):
            r = client.post("/v1/auth/start", json={"email": alice.email})
    assert r.status_code == 200
    assert "could not send email" in caplog.text


async def test_sending_does_not_block_the_event_loop(smtp: SmtpServer) -> None:
    """While the SMTP exchange runs (in a thread), the loop keeps serving other work."""
    import asyncio

    mailer = Mailer(smtp.url, "openmaze <noreply@openmaze.test>")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await mailer.send("someone@example.com", "hi", "body")
    task.cancel()
    assert ticks > 1
    assert smtp.mailbox.wait_for(1)[0]["Subject"] == "hi"


def test_a_real_server_without_smtp_logs_the_link(alice: ApiUser, database_url: str, tmp_path: Path) -> None:
    """`openmaze serve` offline: the person finds the link in the server's own output."""
    server = start_server(database_url, tmp_path)
    try:
        started = httpx.post(server.url + "/v1/auth/start", json={"email": alice.email}, timeout=10).json()
        deadline = time.monotonic() + 10
        while started["confirm_url"] not in server.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = server.log()
    finally:
        stop_server(server)
    assert "SMTP is not configured" in log
    assert started["confirm_url"] in log
    assert started["token"] not in log


def test_a_real_server_sends_through_smtp(alice: ApiUser, database_url: str, tmp_path: Path, smtp: SmtpServer) -> None:
    server = start_server(
        database_url, tmp_path, {"OPENMAZE_SMTP_URL": smtp.url, "OPENMAZE_MAIL_FROM": "tv@example.com"}
    )
    try:
        started = httpx.post(server.url + "/v1/auth/start", json={"email": alice.email}, timeout=10).json()
        (msg,) = smtp.mailbox.wait_for(1)
    finally:
        stop_server(server)
    assert msg["From"] == "tv@example.com"
    assert links_in(msg) == [started["confirm_url"]]
    assert started["confirm_url"].startswith(server.url + "/pair/")
