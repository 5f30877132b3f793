"""Success messages come from the server (a signed, one-shot flash bound to the session), never
from the address (issue 17, item 6): a forged ``?done=`` shows nothing; a real action shows its
message once; a flash cookie from another session, or tampered with, shows nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from duecourse.store.tables import identity_pairs
from duecourse.web.flash import FLASH_COOKIE

from .support import Site, build_site_with_records, csrf, sign_in
from .test_identity import RECORDS

HOST = "testserver.local"  # where the test client keeps the site's cookies
FLASH = re.compile(r'<div class="usa-alert usa-alert--success[^"]*" role="status" id="flash">')


def _flash(text: str) -> str:
    """The flash's sentence on a page, or "" when the page has none."""
    m = re.search(FLASH.pattern + r'<div class="usa-alert__body"><p class="usa-alert__text">'
                  r"(.*?)</p>", text)
    return m[1] if m else ""


def _pair(site: Site) -> int:
    with site.app.ctx.engine.connect() as conn:
        pair = conn.execute(select(identity_pairs.c.id)).scalars().first()
    assert pair is not None
    return int(pair)


def _arrest(site: Site, c: TestClient, case: str) -> str:
    """Record the arrest of ``case`` through its form; the flash cookie it answers with."""
    r = c.post(f"/cases/{case}/commands/record_arrest", follow_redirects=False, data={
        "csrf_token": csrf(c, f"/cases/{case}"), "basis": "warrantless",
        "reason_to_believe": "admitted overstay", "likely_to_escape": "no fixed address"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case}", r.text
    cookie = r.cookies.get(FLASH_COOKIE)
    assert cookie
    return cookie


def test_a_forged_address_shows_no_success(db_url: str) -> None:
    site = build_site_with_records(db_url, RECORDS)
    ana, pair = site.cases["ana"], _pair(site)
    officer = sign_in(site, "officer")
    page = officer.get(f"/cases/{ana}?done=record_removal")
    assert page.status_code == 200 and not FLASH.search(page.text)
    assert "Recorded" not in page.text
    page = officer.get(f"/identity/review/{pair}?done=confirmed")
    assert page.status_code == 200 and not FLASH.search(page.text)
    assert "Recorded: confirmed" not in page.text
    admin = sign_in(site, "admin")
    page = admin.get("/admin/accounts?created=officer7&updated=officer1")
    assert page.status_code == 200 and not FLASH.search(page.text)
    assert "officer7" not in page.text and "saved." not in page.text
    detention = sign_in(site, "detention", "detention_management")
    page = detention.get(f"/placement?placed={ana}&done=place")
    assert page.status_code == 200 and not FLASH.search(page.text)
    assert "Recorded: place" not in page.text
    site.app.ctx.engine.dispose()


def test_a_real_action_shows_its_message_once(db_url: str) -> None:
    site = build_site_with_records(db_url, RECORDS)
    officer, cai = sign_in(site, "officer"), site.cases["cai"]
    _arrest(site, officer, cai)
    shown = officer.get(f"/cases/{cai}")
    assert _flash(shown.text) == "Recorded: record arrest."
    assert FLASH_COOKIE not in officer.cookies  # read and cleared
    assert not FLASH.search(officer.get(f"/cases/{cai}").text)  # not on the next load
    # the accounts page: created, then saved
    admin = sign_in(site, "admin")
    r = admin.post("/admin/accounts", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "username": "officer7", "role": "officer",
        "password": "a long enough password"})
    assert r.status_code == 200 and _flash(r.text) == "Account officer7 created."
    assert not FLASH.search(admin.get("/admin/accounts").text)
    r = admin.post("/admin/accounts/officer7", data={
        "csrf_token": csrf(admin, "/admin/accounts"), "role": "officer", "active": "on"})
    assert r.status_code == 200 and _flash(r.text) == "Account officer7 saved."
    # identity review: proposed
    pair = _pair(site)
    r = officer.post(f"/identity/review/{pair}/propose", data={
        "csrf_token": csrf(officer, f"/identity/review/{pair}"), "reason": "same court case"})
    assert r.status_code == 200 and _flash(r.text) == "Recorded: proposed."
    assert not FLASH.search(officer.get(f"/identity/review/{pair}").text)
    site.app.ctx.engine.dispose()


def test_a_flash_from_another_session_shows_nothing(db_url: str) -> None:
    site = build_site_with_records(db_url, RECORDS)
    first, cai = sign_in(site, "officer"), site.cases["cai"]
    cookie = _arrest(site, first, cai)
    # another person's session, and another session of the same person
    for other in (sign_in(site, "supervisor", "supervision"), sign_in(site, "officer")):
        other.cookies.set(FLASH_COOKIE, cookie, domain=HOST)
        page = other.get(f"/cases/{cai}")
        assert page.status_code == 200 and not FLASH.search(page.text)
        assert FLASH_COOKIE not in other.cookies  # cleared all the same
    # the session it was made for still shows it
    assert _flash(first.get(f"/cases/{cai}").text) == "Recorded: record arrest."
    site.app.ctx.engine.dispose()


def test_a_tampered_or_forged_flash_cookie_shows_nothing(db_url: str) -> None:
    site = build_site_with_records(db_url, RECORDS)
    officer, cai, ana = sign_in(site, "officer"), site.cases["cai"], site.cases["ana"]
    cookie = _arrest(site, officer, cai)
    payload, _, signature = cookie.rpartition(".")
    tampered = [payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:],
                cookie.replace(cookie[3], "x" if cookie[3] != "x" else "y", 1), "Recorded",
                # well formed, signed with a key that is not the site's
                URLSafeTimedSerializer("not the site's secret", salt="duecourse.flash.v1").dumps(
                    ["0" * 64, "Recorded: record removal.", "", ""])]
    for value in tampered:
        officer.cookies.set(FLASH_COOKIE, value, domain=HOST)
        page = officer.get(f"/cases/{ana}")
        assert page.status_code == 200 and not FLASH.search(page.text), value
        assert "record removal" not in page.text.lower()
    site.app.ctx.engine.dispose()
