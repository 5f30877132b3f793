"""Mail through the agency's SMTP server (the standard library's smtplib).

``DUECOURSE_SMTP_URL`` names the server: ``smtp://host:port`` (plain, as a relay on the same
network takes it), ``smtp+starttls://host:port`` (RFC 3207) or ``smtps://host:port`` (implicit
TLS, RFC 8314), with an optional ``user:password@`` for AUTH and the sender as ``?from=`` or in
``DUECOURSE_MAIL_FROM``. Unset, nothing is mailed: reminders stay in the app.

What is mailed is composed in app/reminders.py and carries no personal data: the case number,
the clock, its percent and due time, and the path of the case page.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from ..domain.errors import DuecourseError

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT = 15.0  # seconds to connect or to hear back: a server that does not answer is down


class MailSettingError(DuecourseError):
    """DUECOURSE_SMTP_URL or DUECOURSE_MAIL_FROM cannot be used; the message says why."""


class MailFailed(DuecourseError):
    """The server could not be reached or did not take the message; the message says why,
    without the address or the password. ``server_down``: it could not be reached at all (the
    next mails would fail the same way), not a refusal of this one message."""

    def __init__(self, message: str, server_down: bool) -> None:
        super().__init__(message)
        self.server_down = server_down


@dataclass(frozen=True)
class MailServer:
    scheme: str
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""

    def __repr__(self) -> str:  # never the password in a log
        return f"MailServer({self.scheme}://{self.host}:{self.port}, from {self.sender})"


def mail_server_from(url: str | None, mail_from: str | None = None) -> MailServer | None:
    """The server ``url`` names (None if it is empty); MailSettingError saying what is wrong."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise MailSettingError(f"DUECOURSE_SMTP_URL: {e}") from None
    if parts.scheme not in SCHEMES:
        raise MailSettingError(f"DUECOURSE_SMTP_URL must start with one of "
                               f"{', '.join(s + '://' for s in SCHEMES)}, not {parts.scheme!r}")
    if not parts.hostname:
        raise MailSettingError("DUECOURSE_SMTP_URL names no host (smtp://host:port)")
    sender = (parse_qs(parts.query).get("from") or [""])[0] or (mail_from or "").strip()
    if "@" not in parseaddr(sender)[1]:
        raise MailSettingError("no sender address for reminders: add ?from=duecourse@agency."
                               "example to DUECOURSE_SMTP_URL or set DUECOURSE_MAIL_FROM")
    return MailServer(parts.scheme, parts.hostname, port or SCHEMES[parts.scheme], sender,
                      unquote(parts.username or ""), unquote(parts.password or ""))


def message(server: MailServer, to: str, subject: str, body: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = server.sender, to, subject
    m["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    m.set_content(body)
    return m


class Mailer:
    """One connection to the server for a run of mails, opened at the first and closed at the
    end (``with Mailer(server) as m: m.send(...)``)."""

    def __init__(self, server: MailServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        tls = ssl.create_default_context()
        smtp = (smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=tls)
                if s.scheme == "smtps" else smtplib.SMTP(s.host, s.port, timeout=TIMEOUT))
        if s.scheme == "smtp+starttls":
            smtp.starttls(context=tls)
        if s.user:
            smtp.login(s.user, s.password)
        return smtp

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one message; MailFailed (the connection dropped) if the server did not take it."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message(self.server, to, subject, body))
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            # smtplib's errors are OSErrors too: an answer of the server is not the server down
            down = isinstance(e, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError) or (
                not isinstance(e, smtplib.SMTPException))
            raise MailFailed(_why(e), down) from None


def _why(e: Exception) -> str:
    """A failure in words for the notice's record: its kind and the server's code, never the
    address (smtplib's recipient errors carry it) or the password."""
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"the mail server refused the sign-in ({e.smtp_code})"
    if isinstance(e, smtplib.SMTPConnectError):
        return f"the mail server refused the connection ({e.smtp_code})"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"the mail server answered {e.smtp_code}"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the recipient"
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return "the mail server does not offer STARTTLS or the sign-in"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return "the mail server closed the connection"
    if isinstance(e, ssl.SSLError):
        return f"TLS with the mail server failed ({e.reason or type(e).__name__})"
    if isinstance(e, smtplib.SMTPException):
        return f"the mail server failed ({type(e).__name__})"
    return f"the mail server could not be reached ({type(e).__name__})"
