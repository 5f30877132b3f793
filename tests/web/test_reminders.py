"""Reminders that reach people (issue 17): at 50, 75 and 100 % of a clock's time the case's
officer and their office's supervisors get a notice in the app and a mail, received here by a
real SMTP server (aiosmtpd) in the test process; each once, each in the ledger, and none with
anything of the person but the case number."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import ssl
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from typer.testing import CliRunner

from duecourse.app.accounts import do_create_account, do_update_account, get_account
from duecourse.app.mail import Mailer, MailFailed, MailServer, MailSettingError, mail_server_from
from duecourse.app.reminders import (
    MAX_ATTEMPTS,
    count_unread,
    do_run_reminders,
    recipients_of,
)
from duecourse.cli import app as cli
from duecourse.domain.commands import parse_command
from duecourse.store.tables import deadlines, notices

from .support import PASSWORD, Site, build_site, ledger_entries, sign_in

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
OFFICE = "Newark, NJ"
# What build_site seeds of ana: none of it may be in a mail or a reminder's ledger entry.
ANA = ("Example", "Ana", "1990-04-02", "1990", "Mexic", "MX")


@dataclass
class Inbox:
    """aiosmtpd's handler: every message it is given, as parsed."""

    mails: list[EmailMessage] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content.decode("utf-8", "replace"))
        m = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(m, EmailMessage)
        self.mails.append(m)
        return "250 OK"

    def of(self, case_id: str, clock: str = "CUS-48") -> list[tuple[str, str]]:
        """(recipient, subject) of the mails about ``clock`` on ``case_id``."""
        return sorted((str(m["To"]), str(m["Subject"])) for m in self.mails
                      if case_id in str(m["Subject"]) and clock in str(m["Subject"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Smtp:
    """A real SMTP server in this process, which can be taken down and brought back."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = _free_port()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=duecourse@agency.example"

    @property
    def server(self) -> MailServer:
        s = mail_server_from(self.url)
        assert s is not None
        return s


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    s = Smtp()
    s.up()
    yield s
    s.down()


def _admin(site: Site) -> Any:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, "admin1")
    assert account is not None
    return account.actor


def _site(url: str, now: datetime = T0) -> Site:
    """build_site with the office's people: officer1 and supervisor1 in Newark with addresses,
    supervisor2 in Newark without one, supervisor3 in Houston (not of the case's office)."""
    site = build_site(url, now)
    admin = _admin(site)
    do_update_account(site.app.ctx, admin, "officer1", email="officer1@agency.example")
    do_update_account(site.app.ctx, admin, "supervisor1", office=OFFICE,
                      email="supervisor1@agency.example")
    do_create_account(site.app.ctx, admin, "supervisor2", "supervisor", PASSWORD, office=OFFICE)
    do_create_account(site.app.ctx, admin, "supervisor3", "supervisor", PASSWORD,
                      office="Houston, TX", email="supervisor3@agency.example")
    return site


def _cus48(site: Site) -> tuple[datetime, datetime]:
    with site.app.ctx.engine.connect() as conn:
        r = conn.execute(select(deadlines.c.started_at, deadlines.c.due_at).where(
            deadlines.c.case_id == site.cases["ana"], deadlines.c.deadline_id == "CUS-48")).one()
    return r.started_at, r.due_at


def _at(site: Site, percent: int) -> datetime:
    """The instant ``percent`` % of ana's CUS-48 has passed (and a second)."""
    start, due = _cus48(site)
    return start + (due - start) * percent / 100 + timedelta(seconds=1)


def _notices(site: Site) -> list[Any]:
    with site.app.ctx.engine.connect() as conn:
        return list(conn.execute(select(notices).order_by(notices.c.id)))


def _bodies(site: Site, kind: str) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in ledger_entries(site, kind)]


EXPECTED = ["officer1@agency.example", "supervisor1@agency.example"]


def test_the_recipients_are_the_officer_and_the_supervisors_of_their_office(db_url: str) -> None:
    site = _site(db_url)
    with site.app.ctx.engine.connect() as conn:
        found = recipients_of(conn, site.cases["ana"])
    assert [(r.actor_id, r.role, r.email) for r in found] == [
        ("u-officer1", "officer", "officer1@agency.example"),
        ("u-supervisor1", "supervisor", "supervisor1@agency.example"),
        ("u-supervisor2", "supervisor", None)]


def test_reminders_arrive_at_50_75_100_percent_once_each_and_are_ledgered(
        db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    ana = site.cases["ana"]
    assert smtp.inbox.of(ana) == []
    for percent in (50, 75, 100):
        for _ in range(2):  # a second run at the same time sends nothing again
            do_run_reminders(site.app.ctx, smtp.server, "America/New_York", _at(site, percent))
        got = [s for _, s in smtp.inbox.of(ana) if f"{percent} %" in s or (
            percent == 100 and "due time" in s)]
        assert sorted(t for t, s in smtp.inbox.of(ana) if s in got) == EXPECTED, percent
    # three thresholds, two recipients with an address: six mails, none twice
    assert len(smtp.inbox.of(ana)) == 6
    pairs = [(str(m["To"]), str(m["Subject"])) for m in smtp.inbox.mails]
    assert len(pairs) == len(set(pairs))
    assert not any("supervisor3" in to for to, _ in pairs)  # another office
    # in the app: the two with an address and supervisor2 (none: in the app only, recorded)
    made = [n for n in _notices(site) if n.case_id == ana and n.clock_id == "CUS-48"]
    assert sorted((n.recipient, n.percent, n.mail_status) for n in made) == sorted(
        [(f"u-{who}", p, "sent") for who in ("officer1", "supervisor1") for p in (50, 75, 100)]
        + [("u-supervisor2", p, "no_address") for p in (50, 75, 100)])
    # each notice and each mail in the ledger, naming case, clock, threshold and recipient
    ledgered = {(b["recipient"], b["percent"]) for b in _bodies(site, "notice_made")
                if b["case"] == ana and b["clock"] == "CUS-48"}
    assert ledgered == {(n.recipient, n.percent) for n in made}
    mailed = [(b["recipient"], b["percent"], b["result"]) for b in _bodies(site, "notice_mailed")
              if b["case"] == ana and b["clock"] == "CUS-48"]
    assert sorted(mailed) == sorted((f"u-{w}", p, "sent") for w in ("officer1", "supervisor1")
                                    for p in (50, 75, 100))
    text = json.dumps(_bodies(site, "notice_made") + _bodies(site, "notice_mailed"))
    assert not [x for x in ANA if x in text]


def test_a_mail_holds_the_case_and_the_clock_and_nothing_of_the_person(
        db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    ana = site.cases["ana"]
    do_run_reminders(site.app.ctx, smtp.server, "America/New_York", _at(site, 75))
    assert smtp.inbox.of(ana)
    _, due = _cus48(site)
    for m, raw in zip(smtp.inbox.mails, smtp.inbox.raw, strict=True):
        assert not [x for x in ANA if x in raw], raw  # no mail, of any clock
        if ana not in str(m["Subject"]) or "CUS-48" not in str(m["Subject"]):
            continue
        body = m.get_body()
        assert body is not None
        text = body.get_content()
        assert f"Case {ana}" in text and "CUS-48" in text and "Custody decision" in text
        assert "75 %" in text and f"/cases/{ana}" in text
        assert due.strftime("%Y-%m-%d %H:%M UTC") in text and "America/New_York" in text


def test_smtp_down_keeps_the_notice_marks_the_mail_failed_and_the_next_run_sends_it(
        db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    ana = site.cases["ana"]
    smtp.down()
    report = do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 50))
    assert report.made[50] >= 3 and report.failed == 1 and report.sent == 0
    mine = [n for n in _notices(site) if n.case_id == ana and n.clock_id == "CUS-48"]
    assert {n.recipient for n in mine} == {"u-officer1", "u-supervisor1", "u-supervisor2"}
    # the first mail failed; the server was down, so the others wait for the next run
    waiting = sorted(n.mail_status for n in _notices(site) if n.mail_status != "no_address")
    assert waiting == ["failed"] + ["pending"] * (len(waiting) - 1)
    failed = _bodies(site, "notice_mail_failed")
    assert len(failed) == 1 and "could not be reached" in failed[0]["error"]
    officer = sign_in(site, "officer")
    assert ana in officer.get("/notices").text  # in the app all the same
    smtp.up()
    report = do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 50) + timedelta(
        minutes=5))
    assert report.failed == 0 and report.made.total() == 0
    assert [t for t, _ in smtp.inbox.of(ana)] == EXPECTED
    assert {n.mail_status for n in _notices(site) if n.recipient != "u-supervisor2"} == {"sent"}
    do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 60))
    assert len(smtp.inbox.of(ana)) == 2  # and never again


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(db_url: str) -> None:
    site = _site(db_url)
    dead = mail_server_from(f"smtp://127.0.0.1:{_free_port()}?from=duecourse@agency.example")
    for i in range(MAX_ATTEMPTS + 2):
        do_run_reminders(site.app.ctx, dead, "UTC", _at(site, 50) + timedelta(minutes=i))
    mailed = [n for n in _notices(site) if n.mail_status != "no_address"]
    assert (mailed[0].mail_status, mailed[0].mail_attempts) == ("gave_up", MAX_ATTEMPTS)
    assert [n.mail_status for n in mailed].count("gave_up") == 1  # one try per run: the next
    assert (mailed[1].mail_status, mailed[1].mail_attempts) == ("failed", 2)


def test_two_runs_at_once_make_each_notice_and_send_each_mail_once(
        db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    at = _at(site, 75)
    with ThreadPoolExecutor(2) as pool:
        for f in [pool.submit(do_run_reminders, site.app.ctx, smtp.server, "UTC", at)
                  for _ in range(2)]:
            f.result()
    assert [t for t, _ in smtp.inbox.of(site.cases["ana"])] == EXPECTED
    made = [b["notice"] for b in _bodies(site, "notice_made")]
    assert len(made) == len(set(made)) == len(_notices(site))
    assert len([b for b in _bodies(site, "notice_made") if b["case"] == site.cases["ana"]
                and b["clock"] == "CUS-48"]) == 3
    sent = [b["notice"] for b in _bodies(site, "notice_mailed")]
    assert len(sent) == len(set(sent)) == len(smtp.inbox.mails)


def test_without_a_mail_server_the_notices_are_in_the_app_only(db_url: str) -> None:
    site = _site(db_url)
    report = do_run_reminders(site.app.ctx, None, "UTC", _at(site, 50))
    assert report.mail_off and report.sent == 0 and report.made[50] >= 3
    assert {n.mail_status for n in _notices(site)} <= {"mail_off", "no_address"}


def test_the_notices_page_shows_a_user_only_their_own(db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 100))
    rows = _notices(site)
    officer = sign_in(site, "officer")
    page = officer.get("/notices")
    assert page.status_code == 200
    shown = {int(i) for i in re.findall(r'action="/notices/(\d+)/read"', page.text)}
    assert shown == {n.id for n in rows if n.recipient == "u-officer1"} and shown
    assert 'href="/notices"' in page.text  # in the navigation
    counsel = sign_in(site, "counsel")
    assert "You have no notices" in counsel.get("/notices").text
    # another's notice cannot be marked read: the same answer as one that does not exist
    theirs = next(n.id for n in rows if n.recipient == "u-supervisor1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = officer.post(f"/notices/{theirs}/read", data={"csrf_token": token[1]})
    assert r.status_code == 404
    assert officer.post(f"/notices/{min(shown)}/read", data={}).status_code == 403  # no token
    actor = get_account_actor(site, "officer1")
    before = count_unread(site.app.ctx, actor)
    r = officer.post(f"/notices/{min(shown)}/read", data={"csrf_token": token[1]},
                     follow_redirects=False)
    assert r.status_code == 303 and count_unread(site.app.ctx, actor) == before - 1
    assert [b["notice"] for b in _bodies(site, "notice_read")] == [min(shown)]


def get_account_actor(site: Site, username: str) -> Any:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, username)
    assert account is not None
    return account.actor


def test_the_cli_run_mails_and_says_what_it_did(db_url: str, smtp: Smtp,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the real clock: ana's CUS-48 started 26 hours ago (54 % of 48 hours)
    site = _site(db_url, datetime.now(UTC) - timedelta(hours=25))
    site.app.ctx.engine.dispose()
    monkeypatch.setenv("DUECOURSE_SMTP_URL", smtp.url)
    res = CliRunner().invoke(cli, ["reminders", "run", "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "notices made: 3 at 50 %" in res.output and " 0 failed" in res.output
    assert [t for t, _ in smtp.inbox.of(site.cases["ana"])] == EXPECTED
    res = CliRunner().invoke(cli, ["reminders", "run", "--db", db_url])
    assert "notices made: none" in res.output and "0 sent" in res.output
    monkeypatch.setenv("DUECOURSE_SMTP_URL", "http://mail.agency.example")
    res = CliRunner().invoke(cli, ["reminders", "run", "--db", db_url])
    assert res.exit_code != 0 and "DUECOURSE_SMTP_URL must start with" in str(res.exception)


def test_an_address_is_checked_and_set_by_the_admin(db_url: str) -> None:
    site = build_site(db_url, T0)
    admin = site.client("admin")
    r = admin.patch("/api/v1/accounts/officer1", json={"email": "not an address"})
    assert r.status_code == 422 and "email" in r.text
    r = admin.patch("/api/v1/accounts/officer1", json={"email": "o1@agency.example"})
    assert r.status_code == 200 and r.json()["email"] == "o1@agency.example"
    r = admin.patch("/api/v1/accounts/officer1", json={"email": ""})
    assert r.status_code == 200 and r.json()["email"] is None
    entries = [b for b in _bodies(site, "account_changed") if b.get("username") == "officer1"]
    assert [b.get("email") for b in entries[-2:]] == ["o1@agency.example", None]


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.agency.example?from=d@agency.example",
     ("smtp", "mail.agency.example", 25, "d@agency.example", "", "")),
    ("smtp+starttls://u%40x:p%3Aw@mail.agency.example:2525?from=d@agency.example",
     ("smtp+starttls", "mail.agency.example", 2525, "d@agency.example", "u@x", "p:w")),
    ("smtps://mail.agency.example", ("smtps", "mail.agency.example", 465, "env@agency.example",
                                     "", "")),
])
def test_the_smtp_url(url: str, expected: tuple[Any, ...]) -> None:
    s = mail_server_from(url, "env@agency.example")
    assert s is not None
    assert (s.scheme, s.host, s.port, s.sender, s.user, s.password) == expected
    assert "p:w" not in repr(s)


@pytest.mark.parametrize(("url", "says"), [
    ("http://mail.agency.example?from=d@agency.example", "must start with"),
    ("smtp://?from=d@agency.example", "names no host"),
    ("smtp://mail.agency.example", "no sender address"),
    ("smtp://mail.agency.example:99999?from=d@agency.example", "DUECOURSE_SMTP_URL"),
])
def test_a_wrong_smtp_url_says_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(MailSettingError, match=says):
        mail_server_from(url)
    assert mail_server_from("") is None and mail_server_from(None) is None


def test_the_serve_loop_runs_the_reminders_after_each_interval(
        db_url: str, smtp: Smtp, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from duecourse.config import load_settings
    from duecourse.web import server

    site = _site(db_url, datetime.now(UTC) - timedelta(hours=25))
    waits: list[float] = []

    async def one_interval(seconds: float) -> None:  # the first wait passes, the second ends it
        waits.append(seconds)
        if len(waits) > 1:
            raise asyncio.CancelledError

    monkeypatch.setattr(server.asyncio, "sleep", one_interval)
    # In a thread of its own: a browser test earlier in this process may keep an event loop
    # running in this one (Playwright's synchronous API).
    with pytest.raises(asyncio.CancelledError), ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, server.remind_every(site.app, smtp.server, "UTC", 42)).result()
    assert waits == [42, 42]
    assert [t for t, _ in smtp.inbox.of(site.cases["ana"])] == EXPECTED

    monkeypatch.setenv("DUECOURSE_REMINDER_INTERVAL", "0")
    before = site.web.router.lifespan_context
    server.add_reminder_loop(site.web, site.app, load_settings(db_url))
    assert site.web.router.lifespan_context is before  # 0: no loop
    monkeypatch.setenv("DUECOURSE_REMINDER_INTERVAL", "60")
    monkeypatch.setenv("DUECOURSE_SMTP_URL", "smtps://mail.agency.example")  # no sender
    with pytest.raises(MailSettingError, match="no sender address"):
        server.add_reminder_loop(site.web, site.app, load_settings(db_url))
    monkeypatch.setenv("DUECOURSE_SMTP_URL", smtp.url)
    server.add_reminder_loop(site.web, site.app, load_settings(db_url))
    assert site.web.router.lifespan_context is not before


def test_the_admin_sets_an_address_on_the_accounts_page_and_the_cli(
        db_url: str, tmp_path: Any) -> None:
    site = build_site(db_url, T0)
    admin = sign_in(site, "admin", None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/admin/accounts").text)
    assert token is not None
    r = admin.post("/admin/accounts/officer1", data={
        "csrf_token": token[1], "role": "officer", "active": "on",
        "email": "o1@agency.example"}, follow_redirects=False)
    assert r.status_code == 303
    assert get_account_email(site, "officer1") == "o1@agency.example"
    r = admin.post("/admin/accounts/officer1", data={
        "csrf_token": token[1], "role": "officer", "active": "on", "email": "o1 at agency"})
    assert r.status_code == 422 and "e-mail address" in r.text
    assert get_account_email(site, "officer1") == "o1@agency.example"  # nothing half-written
    r = admin.post("/admin/accounts", data={
        "csrf_token": token[1], "username": "officer7", "role": "officer",
        "password": PASSWORD, "office": OFFICE, "email": "o7@agency.example"},
        follow_redirects=False)
    assert r.status_code == 303 and get_account_email(site, "officer7") == "o7@agency.example"
    site.app.ctx.engine.dispose()
    res = CliRunner().invoke(cli, ["account", "create", "officer8", "--role", "officer",
                                   "--email", "o8@agency.example", "--db", db_url],
                             input=PASSWORD + "\n")
    assert res.exit_code == 0, res.output
    assert get_account_email(site, "officer8") == "o8@agency.example"


def get_account_email(site: Site, username: str) -> str | None:
    with site.app.ctx.engine.connect() as conn:
        account = get_account(conn, username)
    assert account is not None
    return account.email


def test_an_address_changed_behind_the_ledger_is_found_by_the_read_model_check(
        db_url: str) -> None:
    """Reminders go where accounts.email says: an address rewritten in the database (to send a
    supervisor's reminders elsewhere) differs from the account's ledger entries."""
    from sqlalchemy import text

    from duecourse.app.read_models import Finding, check_store

    site = _site(db_url)
    assert check_store(site.app.ctx.engine) == []
    with site.app.ctx.engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET email = 'x@elsewhere.example' "
                          "WHERE username = 'supervisor1'"))
    assert check_store(site.app.ctx.engine) == [Finding(
        "accounts", "supervisor1", "differs", "email", "x@elsewhere.example",
        "supervisor1@agency.example")]


def _self_signed(tmp_path: Any) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the test's own CA: the client
    trusts it through SSL_CERT_FILE, as a deployment's own CA would be)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = f"{tmp_path}/cert.pem", f"{tmp_path}/key.pem"
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # smtps: it is TLS
@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_mail_over_tls_with_a_password(scheme: str, tmp_path: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", cert_file)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"relay@agency", b"s3cret:pw")
        return AuthResult(success=ok)

    inbox, port = Inbox(), _free_port()
    options: dict[str, Any] = (
        {"tls_context": tls, "require_starttls": True} if scheme == "smtp+starttls"
        # aiosmtpd offers AUTH on implicit TLS only when told that it need not wait for STARTTLS
        else {"ssl_context": tls, "auth_require_tls": False})
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, **options)
    controller.start()
    try:
        base = f"{scheme}://relay%40agency:{{}}@127.0.0.1:{port}?from=dc@agency.example"
        server = mail_server_from(base.format("s3cret%3Apw"))
        assert server is not None
        with Mailer(server) as m:
            m.send("o1@agency.example", "Reminder: CUS-48", "Case C-1")
        assert [str(x["To"]) for x in inbox.mails] == ["o1@agency.example"]
        wrong = mail_server_from(base.format("wrong"))
        assert wrong is not None
        with Mailer(wrong) as m, pytest.raises(MailFailed) as refused:
            m.send("o1@agency.example", "Reminder: CUS-48", "Case C-1")
        # (aiosmtpd answers 535, then ends the session when smtplib tries the next mechanism)
        assert "mail server" in str(refused.value) and "wrong" not in str(refused.value)
        assert len(inbox.mails) == 1
    finally:
        controller.stop()


def test_after_a_hand_over_the_new_holder_is_reminded(db_url: str) -> None:
    """The reminders follow the case's assigned officer (issue 17 item 3), not its opener."""
    site = _site(db_url)
    admin = _admin(site)
    do_create_account(site.app.ctx, admin, "officer2", "officer", PASSWORD, office=OFFICE,
                      email="officer2@agency.example")
    with site.app.ctx.engine.connect() as conn:
        officer1 = get_account(conn, "officer1")
    assert officer1 is not None
    out = site.app.do(parse_command("hand_over_case", {"to_officer": "officer2",
                                                       "reason": "going on leave"}),
                      officer1.actor, case_id=site.cases["ana"])
    assert out.accepted, out.refusals
    with site.app.ctx.engine.connect() as conn:
        found = recipients_of(conn, site.cases["ana"])
    assert [(r.actor_id, r.role) for r in found] == [
        ("u-officer2", "officer"), ("u-supervisor1", "supervisor"),
        ("u-supervisor2", "supervisor")]


def test_a_notice_made_before_an_account_was_disabled_is_not_mailed_after(
        db_url: str, smtp: Smtp) -> None:
    site = _site(db_url)
    ana = site.cases["ana"]
    smtp.down()
    do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 50))  # made, not mailed
    do_update_account(site.app.ctx, _admin(site), "supervisor1", active=False)
    smtp.up()
    do_run_reminders(site.app.ctx, smtp.server, "UTC", _at(site, 50) + timedelta(minutes=5))
    assert [t for t, _ in smtp.inbox.of(ana)] == ["officer1@agency.example"]
