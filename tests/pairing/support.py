"""Fixtures shared by tests/pairing and tests/web: a real SMTP server on loopback, a
clock the tests move by hand, and an app wired to both."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.testclient import TestClient

from openmaze.app import create_app
from openmaze.settings import Settings
from tests.conftest import free_port

LINK_RE = re.compile(r"https?://\S+")


@dataclass
class Mailbox:
    """What a real SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self._arrived:
            self.messages.append(msg)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
                self._arrived.wait(left)
            return list(self.messages)


def body_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def links_in(msg: EmailMessage) -> list[str]:
    return LINK_RE.findall(body_of(msg))


@dataclass
class SmtpServer:
    url: str
    mailbox: Mailbox
    controller: Controller


def start_smtp(
    *,
    scheme: str = "smtp",
    credentials: tuple[str, str] | None = None,
    tls_files: tuple[Path, Path] | None = None,
) -> SmtpServer:
    import ssl

    mailbox = Mailbox()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if credentials is not None:

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == (
                credentials[0],
                credentials[1],
            )
            if ok:
                mailbox.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=ok)

        kwargs["authenticator"] = authenticator
        # Only STARTTLS sessions count as TLS to aiosmtpd; implicit-TLS ones (smtps) are
        # encrypted from the first byte but would otherwise never be offered AUTH.
        kwargs["auth_require_tls"] = scheme == "smtp+starttls"
    if tls_files is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
        if scheme == "smtps":
            kwargs["ssl_context"] = context
        else:
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    auth = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
    return SmtpServer(f"{scheme}://{auth}127.0.0.1:{port}", mailbox, controller)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl command (no network)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class FakeClock:
    """Stands in for `time.time` on the services clock; moved by hand, never sleeps."""

    def __init__(self, start: float | None = None) -> None:
        self.now = start if start is not None else time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    yield server
    server.controller.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.model_copy(update={"smtp_url": smtp.url, "mail_from": "openmaze <noreply@openmaze.test>"})


@pytest.fixture
def make_client(mail_settings: Settings, clock: FakeClock) -> Iterator[Callable[..., TestClient]]:
    """TestClients on apps with the loopback SMTP server and the fake clock; keyword
    arguments override settings."""
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app = create_app(mail_settings.model_copy(update=overrides))
        app.state.services.clock = clock
        c = TestClient(app)
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def pclient(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


# --- driving the pages like a browser -------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "/account") -> Any:
    page = client.get("/login", params={"next": next_url})
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next_url, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def start_pairing(
    client: TestClient, email: str, *, email_confirmation: bool = True, agent: str = "Kodi/21.0 TVmaze-scrobbler"
) -> dict[str, str]:
    r = client.post(
        "/v1/auth/start",
        json={"email": email, "email_confirmation": email_confirmation},
        headers={"User-Agent": agent},
    )
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return body


def confirm_code(confirm_url: str) -> str:
    return confirm_url.rsplit("/", 1)[1]
