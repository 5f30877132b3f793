"""Pages over HTTP (no browser): sign-in, session cookies, CSRF, the purpose asked before personal
data, commands from forms, refusals explained, and serving refuses unsafe configuration."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from duecourse.app.accounts import get_account
from duecourse.cli import app as cli
from duecourse.config import load_settings
from duecourse.domain.commands import Actor, CloseCase, parse_command
from duecourse.web.app import create_web_app
from duecourse.web.settings import load_web_settings

from .support import PASSWORD, Site, build_site, charged_case, csrf, document, sign_in

pytestmark = pytest.mark.sqlite


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(f"sqlite:///{tmp_path_factory.mktemp('pages')}/site.sqlite")






def test_pages_need_a_session(site: Site) -> None:
    r = TestClient(site.web).get(f"/cases/{site.cases['ana']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next=/cases/")


def test_session_cookie_flags_in_development(site: Site) -> None:
    c = TestClient(site.web)
    page = c.get("/sign-in")
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', page.text)
    assert pre is not None
    r = c.post("/sign-in", data={"username": "officer1", "password": PASSWORD,
                                 "pre_csrf": pre[1]}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "duecourse_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie.split("duecourse_session=")[1].split(",")[0]


def test_sign_in_without_the_form_token_is_refused(site: Site) -> None:
    r = TestClient(site.web).post("/sign-in", data={"username": "officer1",
                                                    "password": PASSWORD, "pre_csrf": "x"})
    assert r.status_code == 403 and "expired" in r.text


def test_wrong_password_shows_a_message(site: Site) -> None:
    c = TestClient(site.web)
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', c.get("/sign-in").text)
    assert pre is not None
    r = c.post("/sign-in", data={"username": "transport1", "password": "no", "pre_csrf": pre[1]})
    assert r.status_code == 401 and "wrong user name or password" in r.text


def test_the_purpose_page_offers_the_roles_purposes(site: Site) -> None:
    c = sign_in(site, "transport", purpose=None)
    page = c.get("/purpose").text
    assert 'value="transport_planning"' in page and 'value="supervision"' not in page
    r = c.post("/purpose", data={"purpose": "supervision", "csrf_token": csrf(c, "/purpose")})
    assert r.status_code == 422


def test_a_purpose_is_asked_before_personal_data(site: Site) -> None:
    c = sign_in(site, "officer", purpose=None)
    r = c.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/purpose")
    c.post("/purpose", data={"purpose": "case_work", "csrf_token": csrf(c, "/purpose"),
                             "next": "/queue"})
    queue = c.get("/queue")
    assert queue.status_code == 200 and "CUS-48" in queue.text and "Example, Ana" in queue.text


def test_forms_without_the_session_token_are_refused(site: Site) -> None:
    c = sign_in(site, "officer")
    r = c.post(f"/cases/{site.cases['cai']}/commands/claim_citizenship",
               data={"evidence": "x", "csrf_token": "forged"})
    assert r.status_code == 403 and "expired" in r.text


def test_a_command_from_a_form_and_a_refusal_explained(site: Site) -> None:
    c = sign_in(site, "officer")
    case = site.cases["cai"]
    token = csrf(c, f"/cases/{case}")
    ok = c.post(f"/cases/{case}/commands/record_arrest", follow_redirects=False, data={
        "csrf_token": token, "basis": "warrantless", "reason_to_believe": "admitted overstay",
        "likely_to_escape": "no fixed address"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/cases/{case}"
    assert "Recorded: record arrest." in c.get(ok.headers["location"]).text  # the flash
    refused = c.post(f"/cases/{case}/commands/record_examination",
                     data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Refused: record examination" in refused.text and "ARR-3" in refused.text
    bad = c.post(f"/cases/{case}/commands/determine_custody",
                 data={"csrf_token": token, "decision": "maybe", "authority": "236(a)"})
    assert bad.status_code == 422 and "decision" in bad.text


def test_the_case_page_shows_what_blocks_an_action_and_why(site: Site) -> None:
    c = sign_in(site, "supervisor", "supervision")
    page = c.get(f"/cases/{site.cases['ben']}")
    assert page.status_code == 200
    blocked = page.text.split("Actions the law blocks now")[1]
    assert "schedule removal" in blocked and "STAY-AUTO" in blocked
    timeline = page.text.split('id="timeline-h"')[1]
    assert "by counsel1 (counsel)" in timeline and "u-counsel1" not in timeline  # names


def test_an_attorney_cannot_open_another_attorneys_client(site: Site) -> None:
    c = sign_in(site, "attorney", "representation")
    assert c.get(f"/cases/{site.cases['ben']}").status_code == 200
    other = c.get(f"/cases/{site.cases['ana']}")
    assert other.status_code == 404 and "Not found or not yours" in other.text
    assert "own clients" not in other.text


def test_oversight_dashboard_and_admin_pages_by_role(site: Site) -> None:
    # a refusal of its own to chart (oversight never writes case facts: ROLE refuses it)
    refused = site.app.do(CloseCase(reason="closed on review"), Actor("u-oversight1", "oversight"),
                          case_id=site.cases["ana"])
    assert not refused.accepted and "ROLE" in refused.rule_ids
    ov = sign_in(site, "oversight", "oversight_audit")
    dash = ov.get("/oversight")
    assert dash.status_code == 200 and "<svg" in dash.text and "Refusals by rule" in dash.text
    assert ov.get("/admin/accounts").status_code == 403
    admin = sign_in(site, "admin", None)
    assert admin.get("/admin/accounts").status_code == 200
    assert admin.get("/oversight").status_code == 403


def test_security_headers(site: Site) -> None:
    r = TestClient(site.web).get("/sign-in")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_production_cookies_are_secure(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_ENV", "production")
    monkeypatch.setenv("DUECOURSE_SECRET_KEY", "k" * 40)
    web = create_web_app(site.app, load_web_settings(load_settings("sqlite://")))
    c = TestClient(web, base_url="https://testserver")
    pre = re.search(r'name="pre_csrf" value="([^"]+)"', c.get("/sign-in").text)
    assert pre is not None
    r = c.post("/sign-in", data={"username": "detention1", "password": PASSWORD,
                                 "pre_csrf": pre[1]}, follow_redirects=False)
    assert "secure" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize(("env", "db", "says"), [
    ({}, "postgresql+psycopg://postgres@127.0.0.1:5432/test", "DUECOURSE_SECRET_KEY"),
    ({"DUECOURSE_SECRET_KEY": "s" * 40}, "sqlite:///x.sqlite", "PostgreSQL"),
])
def test_serve_refuses_defaults_outside_development(monkeypatch: pytest.MonkeyPatch,
                                                    env: dict[str, str], db: str,
                                                    says: str) -> None:
    monkeypatch.setenv("DUECOURSE_ENV", "production")
    monkeypatch.delenv("DUECOURSE_SECRET_KEY", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    res = CliRunner().invoke(cli, ["serve", "--db", db])
    assert res.exit_code != 0
    assert says in str(res.exception) + res.output


def test_open_a_case_form_renders_and_opens_a_case(site: Site) -> None:
    c = sign_in(site, "officer")
    form = c.get("/cases/new")
    assert form.status_code == 200 and 'value="()"' not in form.text
    r = c.post("/cases/new", follow_redirects=False, data={
        "csrf_token": csrf(c, "/cases/new"), "person.family_name": "Nguyen",
        "person.given_name": "Lan", "person.nationalities": "VN", "encounter": "self_report",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert r.status_code == 303 and "?" not in r.headers["location"]
    case = c.get(r.headers["location"])
    assert "Recorded: open case." in case.text  # the flash, set by the server
    assert "Nguyen" in case.text and "languages" not in case.text.lower().split("person:")[1][:80]


# ---------------------------------------------------------------------------------------------
# Pickers for the fields that hold a code, and what stands between a person and removal.


def _select(page: str, name: str) -> str:
    """The <select> element whose control is named ``name`` (the first on the page)."""
    m = re.search(rf'<select [^>]*name="{re.escape(name)}"[^>]*>.*?</select>', page, re.S)
    assert m is not None, f"no <select name={name}>"
    return m[0]


def test_the_forms_offer_pickers_that_show_names_and_send_codes(site: Site) -> None:
    c = sign_in(site, "officer")
    form = c.get("/cases/new").text
    nationalities = _select(form, "person.nationalities")
    assert " multiple" in nationalities
    assert '<option value="SV">El Salvador (SV)</option>' in nationalities
    assert nationalities.count("<option") == 250  # ISO 3166-1, and Kosovo (XK)
    assert '<option value="XK">Kosovo (XK)</option>' in nationalities
    languages = re.search(r'<input [^>]*name="person.languages"[^>]*>', form)
    assert languages is not None and 'list="picker-language"' in languages[0]
    assert '<datalist id="picker-language">' in form
    assert '<option value="es" label="Spanish">' in form and 'value="mam"' in form
    # several countries chosen, a language written by name: stored as codes
    r = c.post("/cases/new", follow_redirects=False, data={
        "csrf_token": csrf(c, "/cases/new"), "person.family_name": "Picker",
        "person.given_name": "Rosa", "person.nationalities": ["SV", "GT"],
        "person.languages": "Spanish, mam", "encounter": "self_report",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert r.status_code == 303, r.text
    case = c.get(r.headers["location"]).text
    assert "El Salvador (SV), Guatemala (GT)" in case and "speaks Spanish (es), Mam (mam)" in case
    bad = c.post("/cases/new", data={
        "csrf_token": csrf(c, "/cases/new"), "person.family_name": "Picker",
        "person.given_name": "Zed", "person.nationalities": "ZZ", "encounter": "self_report",
        "location": "Newark, NJ", "legal_basis": "INA 237(a)(1)(B)"})
    assert bad.status_code == 422 and "&#39;ZZ&#39; is not an ISO 3166-1 country" in bad.text
    # on a case: a country to remove to, a court, an issuing body
    sup = sign_in(site, "supervisor", "supervision")
    page = sup.get(f"/cases/{site.cases['ben']}").text
    destination = _select(page, "destination")
    assert " required" in destination and '<option value="GT">Guatemala (GT)</option>' in destination
    counsel = sign_in(site, "counsel", "legal_review")
    page = counsel.get(f"/cases/{site.cases['ben']}").text
    court = _select(page, "before")
    assert '<option value="NEW">NEW: Newark, NJ</option>' in court
    assert 'name="issued_by"' in page and 'list="picker-issuer"' in page
    assert '<option value="USCIS-NEW" label="USCIS Newark Asylum Office">' in page


def test_the_case_page_lists_stays_protections_and_entries_to_confirm(site: Site) -> None:
    now = datetime.now(UTC)
    case = charged_case(site, "Stayed", "Ivo", "SV", now)
    with site.app.ctx.engine.connect() as conn:
        counsel = get_account(conn, "counsel1")
    assert counsel is not None

    def do(at: datetime, name: str, **data: object) -> None:
        out = site.app.do(parse_command(name, data), counsel.actor, at, case_id=case)
        assert out.accepted, (name, [(r.rule_id, r.reason) for r in out.refusals])

    do(now - timedelta(days=3), "record_order", outcome="removal", decision_mode="oral",
       designated_country="GT", protected_countries=["SV"],
       **document("NEW", "IJ-IVO-1", now - timedelta(days=3)))
    do(now - timedelta(days=2), "grant_stay", kind="judicial",
       **document("CA3", "CA3-26-0417", now - timedelta(days=2)))
    do(now - timedelta(days=2), "grant_stay", kind="ij", until=(now - timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"), **document("NEW", "IJ-STAY-9", now - timedelta(days=2)))
    do(now - timedelta(hours=5), "lift_stay", stay="CA3-26-0417",
       **document("CA3", "CA3-26-0417-L", now - timedelta(hours=5)))
    sup = sign_in(site, "supervisor", "supervision")
    page = sup.get(f"/cases/{case}").text
    stays = page.split('<table id="stays">')[1].split("</table>")[0]
    court = stays.split("CA3-26-0417</th>")[1].split("</tr>")[0]
    assert "judicial" in court and "CA3" in court and "Court of Appeals for the 3rd Circuit" in court
    assert (now - timedelta(days=2)).strftime("%Y-%m-%d") in court and "until lifted" in court
    assert "in force" in court and "not in force" not in court  # the lifting awaits a second look
    ij = stays.split("IJ-STAY-9</th>")[1].split("</tr>")[0]
    assert "ij" in ij and (now - timedelta(days=1)).strftime("%Y-%m-%d") in ij
    assert "not in force" in ij
    protections = page.split('<ul id="protections">')[1].split("</ul>")[0]
    assert "El Salvador (SV)" in protections
    pending = page.split('<table id="pending">')[1].split("</table>")[0]
    entry = re.search(r'<th scope="row">(\d+)</th>', pending)
    assert entry is not None
    assert "lifts the stay CA3-26-0417" in pending and "CA3-26-0417-L" in pending
    # the supervisor checks the document and confirms: the stay ends
    confirm = pending.split("/commands/confirm_entry")[1].split("</form>")[0]
    assert f'<input type="hidden" name="entry" value="{entry[1]}">' in confirm
    assert 'name="document_checked"' in confirm
    assert "/commands/reject_entry" in pending
    # the commands whose details the law cannot guess are offered too, with their pickers
    others = page.split('id="others-h"')[1].split("</section>")[0]
    for name in ("confirm_entry", "reject_entry", "record_fear_claim"):
        assert f"/commands/{name}" in others, name
    r = sup.post(f"/cases/{case}/commands/confirm_entry", follow_redirects=False, data={
        "csrf_token": csrf(sup, f"/cases/{case}"), "entry": entry[1],
        "document_checked": "ca3-26-0417-l "})
    assert r.status_code == 303, r.text
    page = sup.get(f"/cases/{case}").text
    assert "No entry awaits confirmation." in page
    court = page.split("CA3-26-0417</th>")[1].split("</tr>")[0]
    assert "lifted" in court and "not in force" in court
