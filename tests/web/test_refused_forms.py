"""A refused or invalid form comes back open, with everything typed kept, each problem beside its
field in plain words (aria-describedby, aria-invalid), and a law's refusal cited at its top; the
forms' pickers offer the people a field may name and the facilities with a unit for the person.
On both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from web.support import Site, build_site, csrf, sign_in


@pytest.fixture
def site(db_url: str) -> Site:
    return build_site(db_url)


def _form(page: str, name: str) -> str:
    """The <details> of the action ``name`` on a case page."""
    m = re.search(rf'<details [^>]*id="form-{name}".*?</details>', page, re.S)
    assert m is not None, f"no form for {name}"
    return m[0]


def _select(form: str, name: str) -> str:
    """The whole <select> named ``name`` (its options too) in ``form``."""
    m = re.search(rf'<select [^>]*name="{re.escape(name)}".*?</select>', form, re.S)
    assert m is not None, f"no list {name}"
    return m[0]


def _control(html: str, name: str) -> str:
    """The opening tag of the control named ``name`` (input, select or textarea)."""
    m = re.search(rf'<(?:input|select|textarea) [^>]*name="{re.escape(name)}"[^>]*>', html)
    assert m is not None, f"no control {name}"
    return m[0]


def _selected(html: str, name: str) -> list[str]:
    m = re.search(rf'<select [^>]*name="{re.escape(name)}".*?</select>', html, re.S)
    assert m is not None, f"no select {name}"
    return re.findall(r'<option value="([^"]*)" selected>', m[0])


def _post(c: TestClient, path: str, data: dict[str, object], page: str) -> tuple[int, str]:
    r = c.post(path, data={"csrf_token": csrf(c, page), **data})  # type: ignore[arg-type]
    return r.status_code, r.text


def test_open_case_keeps_every_value_and_says_what_is_wrong_beside_the_field(site: Site) -> None:
    c = sign_in(site, "officer")
    status, page = _post(c, "/cases/new", {
        "person.family_name": "Picker", "person.given_name": "Rosa", "person.sex": "Female",
        "person.birth_date": "02/04/1990", "person.nationalities": ["SV", "GT"],
        "person.languages": "Spanish, mam", "encounter": "border", "location": "Laredo, TX",
        "legal_basis": "INA 212(a)(6)(A)(i)"}, "/cases/new")
    assert status == 422
    sex = _control(page, "person.sex")
    assert 'value="Female"' in sex and 'aria-invalid="true"' in sex
    assert 'aria-describedby="open-person-sex-error"' in sex
    error = re.search(r'<span class="usa-error-message" id="open-person-sex-error">([^<]*)<',
                      page)
    assert error is not None and error[1] == "Sex: use one letter — F, M or X"
    assert "usa-form-group--error" in page and "is 6 characters long" not in page
    # every wrong field is said at once, each beside its own field
    today = site.app.ctx.clock().date().isoformat()
    birth = _control(page, "person.birth_date")
    assert 'value="02/04/1990"' in birth and 'aria-invalid="true"' in birth
    assert "autofocus" in birth and "autofocus" not in sex  # the first wrong field's
    assert (f'id="open-person-birth_date-error">Birth date: not a date; write it as {today}<'
            in page)
    for name, value in (("person.family_name", "Picker"), ("person.given_name", "Rosa"),
                        ("location", "Laredo, TX"),
                        ("legal_basis", "INA 212(a)(6)(A)(i)"),
                        ("person.languages", "Spanish, mam")):
        control = _control(page, name)
        assert f'value="{value}"' in control, name
        assert "aria-invalid" not in control, name
    assert _selected(page, "person.nationalities") == ["SV", "GT"]
    assert _selected(page, "encounter") == ["border"]
    assert page.count('class="usa-error-message"') == 2


def test_a_date_that_is_not_one_is_named_with_how_to_write_it(site: Site) -> None:
    c = sign_in(site, "officer")
    case = site.cases["cai"]
    status, page = _post(c, f"/cases/{case}/commands/issue_nta", {
        "charges": "237(a)(1)(B)", "allegations": "entered in 2020, overstayed",
        "hearing_at": "2027-01-10T09:00", "court": "NEW", "counsel_list_date": "last week",
        "address_advisal": "on", "failure_to_appear_advisal": "on"}, f"/cases/{case}")
    assert status == 422
    form = _form(page, "issue_nta")
    assert form.startswith('<details class="action') and " open>" in form.split("\n")[0]
    today = site.app.ctx.clock().date().isoformat()
    assert f"Counsel list date: not a date; write it as {today}" in form
    assert 'value="last week"' in _control(form, "counsel_list_date")
    assert 'value="2027-01-10T09:00"' in _control(form, "hearing_at")
    assert _selected(form, "court") == ["NEW"]
    assert 'value="237(a)(1)(B)"' in _control(form, "charges")
    # a box left unticked stays unticked though it is ticked by default; a ticked one stays
    assert " checked" not in _control(form, "counsel_advisal")
    assert " checked" in _control(form, "address_advisal")
    # the focus goes to the first wrong field, not to the form's alert
    assert "autofocus" in _control(form, "counsel_list_date")
    assert not re.search(r'role="alert"[^>]*autofocus', form)


def test_a_number_that_is_not_one_keeps_the_rest_of_the_form(site: Site) -> None:
    c = sign_in(site, "officer")
    case = site.cases["ana"]
    status, page = _post(c, f"/cases/{case}/commands/determine_custody", {
        "decision": "bond", "authority": "236(a)", "bond_amount": "five thousand",
        "reason": "steady job; lease in own name"}, f"/cases/{case}")
    assert status == 422
    form = _form(page, "determine_custody")
    assert "Bond amount: not a whole number; write digits only (1500)" in form
    assert 'aria-invalid="true"' in _control(form, "bond_amount")
    assert _selected(form, "decision") == ["bond"]
    assert "steady job; lease in own name</textarea>" in form
    assert 'value="236(a)"' in _control(form, "authority")


def test_a_refusal_keeps_the_input_and_cites_the_rules_at_the_top_of_the_form(site: Site) -> None:
    c = sign_in(site, "supervisor", "supervision")
    case = site.cases["ben"]
    depart = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    status, page = _post(c, f"/cases/{case}/commands/schedule_removal", {
        "destination": "GT", "depart_at": depart, "transport": "charter GUA-7"},
        f"/cases/{case}")
    assert status == 409
    form = _form(page, "schedule_removal")
    assert form.index('role="alert"') < form.index("<form ")
    alert = form[form.index('role="alert"'):form.index("<form ")]
    assert "Refused: schedule removal" in alert and "STAY-AUTO" in alert
    assert 'class="citation"' in alert
    assert 'value="charter GUA-7"' in _control(form, "transport")
    assert f'value="{depart}"' in _control(form, "depart_at")
    assert _selected(form, "destination") == ["GT"]
    assert page.count('role="alert"') == 1
    assert 'href="#form-schedule_removal"' in page
    assert re.search(r'role="alert" id="refusal" tabindex="-1" autofocus', form)


def test_open_case_refused_by_the_law_keeps_the_input(site: Site) -> None:
    c = sign_in(site, "officer")
    status, page = _post(c, "/cases/new", {
        "person.family_name": "Refused", "person.given_name": "Rae",
        "person.nationalities": "MX", "encounter": "interior", "location": "Newark, NJ",
        "legal_basis": " "}, "/cases/new")
    assert status == 422  # a blank legal basis: required text says something
    assert "Legal basis: required; write what it is, not only spaces" in page
    assert 'value="Refused"' in _control(page, "person.family_name")


def test_pickers_name_the_people_who_may_act_and_never_the_signer(site: Site) -> None:
    c = sign_in(site, "supervisor", "supervision")
    page = c.get(f"/cases/{site.cases['cai']}").text
    form = _form(page, "issue_arrest_warrant")
    requested = _select(form, "requested_by")
    assert 'value="u-officer1"' in requested and "officer1" in requested
    assert 'value="u-supervisor1"' not in requested
    assert 'value="u-transport1"' not in requested
    custody = _form(c.get(f"/cases/{site.cases['ana']}").text, "determine_custody")
    signoff = _select(custody, "opla_signoff")
    assert 'value="u-counsel1"' in signoff
    assert 'value="u-officer1"' not in signoff


def test_the_facility_picker_offers_the_catalogue_with_a_unit_for_the_person(site: Site) -> None:
    c = sign_in(site, "detention", "detention_management")
    page = c.get(f"/cases/{site.cases['ben']}").text
    form = _form(page, "place")
    facility = _select(form, "facility")
    codes = re.findall(r'<option value="([^"]+)"', facility)
    assert len(codes) > 20 and "BOPHON" in codes


def test_the_stay_to_lift_is_chosen_from_the_case_s_stays(site: Site) -> None:
    c = sign_in(site, "counsel", "legal_review")
    ben = site.cases["ben"]
    lift = _form(c.get(f"/cases/{ben}").text, "lift_stay")
    assert "no stay recorded on this case can be lifted" in lift
    yesterday = (site.app.ctx.clock() - timedelta(days=1)).date().isoformat()
    r = c.post(f"/cases/{ben}/commands/grant_stay", follow_redirects=False, data={
        "csrf_token": csrf(c, f"/cases/{ben}"), "kind": "ij", "issued_by": "NEW",
        "reference": "NEW-STAY-BEN-1", "issued_on": yesterday})
    assert r.status_code == 303, r.text
    lift = _form(c.get(f"/cases/{ben}").text, "lift_stay")
    stay = _select(lift, "stay")
    assert re.findall(r'<option value="([^"]+)"', stay) == ["NEW-STAY-BEN-1"]
