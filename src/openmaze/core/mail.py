"""Outgoing email (pairing requests, address confirmation).

SMTP is configured by one URL, `OPENMAZE_SMTP_URL`:
- `smtp://[user:pass@]host[:25]` plain SMTP (only sensible on a trusted local relay),
- `smtp+starttls://[user:pass@]host[:587]` upgrades with STARTTLS before logging in,
- `smtps://[user:pass@]host[:465]` TLS from the first byte.
User and password are percent-decoded. `?cafile=/path/ca.pem` trusts a private CA
(the system's CAs otherwise); `?timeout=SECONDS` (10 by default).

Sending uses stdlib `smtplib` in a worker thread, so a slow mail server never stalls the
event loop. Without SMTP configured the message goes to the server log instead, so the
demo and offline installs still let a person follow the link.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("openmaze.core.mail")

_SECURITY = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # plain | starttls | tls
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpConfig | None:
    """The SMTP settings in `url`; None when empty. A malformed URL is a ValueError."""
    if not url:
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SECURITY:
        raise ValueError(f"unsupported SMTP URL scheme {parts.scheme!r}: use smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("the SMTP URL has no host")
    security, default_port = _SECURITY[scheme]
    query = parse_qs(parts.query)
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        cafile=query.get("cafile", [None])[0],
        timeout=float(query.get("timeout", ["10"])[0]),
    )


class Mailer:
    def __init__(self, smtp_url: str, mail_from: str) -> None:
        self.config = parse_smtp_url(smtp_url)
        self.mail_from = mail_from

    def build(self, to: str, subject: str, text: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.mail_from
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain="openmaze")
        msg.set_content(text)
        return msg

    async def send(self, to: str, subject: str, text: str) -> None:
        msg = self.build(to, subject, text)
        if self.config is None:
            # WARNING, not INFO: uvicorn leaves the root logger at WARNING, and this is
            # the only place a person running without SMTP can find the link.
            log.warning("SMTP is not configured (OPENMAZE_SMTP_URL); not sent:\n%s", msg.as_string())
            return
        await asyncio.to_thread(self._deliver, self.config, msg)

    @staticmethod
    def _deliver(cfg: SmtpConfig, msg: EmailMessage) -> None:
        context = ssl.create_default_context(cafile=cfg.cafile) if cfg.security != "plain" else None
        smtp: smtplib.SMTP
        if cfg.security == "tls":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        with smtp:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            smtp.send_message(msg)


async def send_quietly(mailer: Mailer, to: str, subject: str, text: str) -> None:
    """Send after the response has gone: a mail failure is logged, never shown as a 500
    for a request whose own work (the pairing, the account) already succeeded."""
    try:
        await mailer.send(to, subject, text)
    except Exception:
        log.exception("could not send email %r to %s", subject, to)
