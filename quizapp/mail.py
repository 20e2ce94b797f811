"""Sending email over SMTP, when the site is configured for it (``QUIZAPP_MAIL_*``).

Used by the views (not by operations, which do no I/O) for password-reset links. Messages are sent from a
background thread, so a request answers as fast whether or not it sends anything; a message that cannot be
sent is logged (without its body, which may hold a link), and the visitor's answer does not change.

Settings: ``MAIL_SERVER`` (none: no email, and nothing that needs it is offered), ``MAIL_PORT`` (default 465
with ``MAIL_USE_TLS``, 587 with ``MAIL_USE_STARTTLS``, else 25), ``MAIL_USERNAME`` and ``MAIL_PASSWORD``
(to log in, if the server asks), ``MAIL_USE_TLS`` (TLS from the first byte, "SMTPS") or
``MAIL_USE_STARTTLS`` (plain connection upgraded with STARTTLS), ``MAIL_FROM`` (the sender's address,
required), ``MAIL_TIMEOUT`` (seconds, default 10).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import Flask, current_app

logger = logging.getLogger(__name__)
TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


class MailConfigError(ValueError):
    """The mail settings are incomplete or contradictory; the message says which setting to fix."""


def _flag(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key, False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise MailConfigError(f"QUIZAPP_{key} must be true or false, not {value!r}")


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    use_starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings in ``config``, or None when no mail server is configured."""
        server = str(config.get("MAIL_SERVER") or "").strip()
        if not server:
            return None
        use_tls, use_starttls = _flag(config, "MAIL_USE_TLS"), _flag(config, "MAIL_USE_STARTTLS")
        if use_tls and use_starttls:
            raise MailConfigError(
                "Set only one of QUIZAPP_MAIL_USE_TLS (TLS from the start, usually port 465) and "
                "QUIZAPP_MAIL_USE_STARTTLS (upgrade with STARTTLS, usually port 587)"
            )
        default_port = 465 if use_tls else 587 if use_starttls else 25
        try:
            port = int(config.get("MAIL_PORT") or default_port)
            timeout = float(config.get("MAIL_TIMEOUT") or 10)
        except (TypeError, ValueError):
            raise MailConfigError("QUIZAPP_MAIL_PORT must be a whole number, QUIZAPP_MAIL_TIMEOUT a number") from None
        if not 0 < port < 65536 or timeout <= 0:
            raise MailConfigError(f"QUIZAPP_MAIL_PORT must be 1 to 65535 (not {port}), QUIZAPP_MAIL_TIMEOUT above 0")
        sender = str(config.get("MAIL_FROM") or "").strip()
        if "@" not in sender:
            raise MailConfigError("Set QUIZAPP_MAIL_FROM to the address emails are sent from, like quiz@example.org")
        username = str(config.get("MAIL_USERNAME") or "") or None
        password = str(config.get("MAIL_PASSWORD") or "") or None
        if (username is None) != (password is None):
            raise MailConfigError("Set both QUIZAPP_MAIL_USERNAME and QUIZAPP_MAIL_PASSWORD, or neither")
        return cls(server, port, sender, username, password, use_tls, use_starttls, timeout)


def message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text email from the site's sender to ``to``."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[1])
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
    mail.set_content(body)
    return mail


def send(settings: MailSettings, mail: EmailMessage) -> None:
    """Send ``mail`` now; raise :class:`OSError` or :class:`smtplib.SMTPException` if it cannot be sent."""
    context = ssl.create_default_context()
    if settings.use_tls:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.server, settings.port, timeout=settings.timeout, context=context
        )
    else:
        connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    with connection:
        if settings.use_starttls:
            connection.starttls(context=context)
        if settings.username and settings.password:
            connection.login(settings.username, settings.password)
        connection.send_message(mail)


class Mailer:
    """Sends messages from background threads, and can wait for the ones under way (at shutdown, in tests)."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def send_later(self, mail: EmailMessage) -> None:
        """Start sending ``mail``; a failure is logged, never raised."""
        thread = threading.Thread(target=self._send, args=(mail,), name="quizapp-mail", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _send(self, mail: EmailMessage) -> None:
        try:
            send(self.settings, mail)
        except Exception as exc:  # any failure is logged: the visitor's answer was already given
            logger.error(
                "could not send the email %r to %s through %s:%s: %s: %s",
                mail["Subject"],
                mail["To"],
                self.settings.server,
                self.settings.port,
                exc.__class__.__name__,
                exc,
            )
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def wait(self, timeout: float = 30.0) -> None:
        """Wait until every message started so far has been sent or has failed."""
        with self._lock:
            pending = list(self._threads)
        for thread in pending:
            thread.join(timeout)


def init_app(app: Flask) -> None:
    """Read the mail settings (refusing incomplete ones at start-up) and keep a mailer if there are any."""
    try:
        settings = MailSettings.from_config(app.config)
    except MailConfigError as exc:
        raise RuntimeError(f"Email is misconfigured: {exc}.") from None
    app.extensions["quizapp.mailer"] = Mailer(settings) if settings is not None else None


def mailer() -> Mailer | None:
    """The current app's mailer, or None when no mail server is configured."""
    return current_app.extensions["quizapp.mailer"]
